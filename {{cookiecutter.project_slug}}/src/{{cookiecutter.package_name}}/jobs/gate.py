"""Run the promotion gate on the files `evaluate` wrote; the statistics live in core/gate.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..config import Params
from ..core.gate import judge, to_markdown


def run_gate(params: Params, root: Path) -> dict[str, Any]:
    import pandas as pd

    from .. import paths
    from ..adapters import champion as champion_mod
    from ..adapters.inputs import fingerprint

    eval_path, pred_path = root / paths.EVALUATION, root / paths.PREDICTIONS
    evaluation = None
    if eval_path.exists():
        try:
            evaluation = json.loads(eval_path.read_text())
        except ValueError as exc:
            raise ValueError(f"{paths.EVALUATION} is not valid JSON: {exc}") from exc
    predictions = pd.read_parquet(pred_path) if pred_path.exists() else None
    current = champion_mod.resolve(root, params.evaluate.champion_ref).to_dict()
    result = judge(evaluation, predictions, params, current, inputs=fingerprint(params, root)).to_dict()
    out = root / "reports"
    out.mkdir(parents=True, exist_ok=True)
    (out / "gate.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    (out / "gate.md").write_text(to_markdown(result))
    return result
