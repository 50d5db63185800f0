"""The baked project's lockfile agrees with its declared dependencies."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .conftest import LOCKFILE, bake_ok


def locked_versions(python: str = "3.11") -> dict[str, str]:
    env = {**default_environment(), "python_version": python, "python_full_version": f"{python}.0"}
    pins: dict[str, str] = {}
    for line in LOCKFILE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        (spec,) = req.specifier
        assert spec.operator == "==", f"lockfile line is not an exact pin: {line}"
        pins[canonicalize_name(req.name)] = spec.version
    return pins


def test_every_declared_dependency_is_locked_within_its_range(cookies: Any) -> None:
    project: Path = bake_ok(cookies)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    extras = pyproject["optional-dependencies"]
    declared = pyproject["dependencies"] + extras["dev"] + extras["lightgbm"]
    for python in ("3.11", "3.12", "3.13"):
        pins = locked_versions(python)
        for text in declared:
            req = Requirement(text)
            name = canonicalize_name(req.name)
            assert name in pins, f"{req.name} is declared but not in requirements.lock (run scripts/update-lock.sh)"
            assert req.specifier.contains(pins[name], prereleases=True), (
                f"requirements.lock pins {req.name}=={pins[name]}, outside the declared {req.specifier}"
            )


def test_lock_keeps_pandas_below_3_for_evidently() -> None:
    # evidently 0.7 fails at `from evidently import Report` on pandas 3 (DESIGN.md).
    assert locked_versions()["pandas"].startswith("2.")
