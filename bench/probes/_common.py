"""Helpers shared by the probes (they run inside the BAKED project's venv)."""

from __future__ import annotations

import importlib
import json
import time
from pathlib import Path
from typing import Any


def emit(**values: Any) -> None:
    """The harness reads the last line starting with BENCH from the command's log."""
    print("BENCH " + json.dumps(values), flush=True)


def timed_import(name: str) -> tuple[Any, float]:
    start = time.perf_counter()
    module = importlib.import_module(name)
    return module, time.perf_counter() - start


def load_params(package: str, root: Path, **replace: Any) -> Any:
    import yaml

    config, _ = timed_import(f"{package}.config")
    raw = yaml.safe_load((root / "params.yaml").read_text())
    raw.update(replace)
    return config.parse_params(raw)
