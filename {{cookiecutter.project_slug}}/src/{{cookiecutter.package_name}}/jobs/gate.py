"""Run the promotion gate on the files `evaluate` wrote; the statistics live in core/gate.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import paths
from ..config import Params
from ..core.gate import input_differences, judge, to_markdown

ALREADY_CHAMPION = "already-champion"


def already_champion(
    evaluation: dict[str, Any] | None, current: dict[str, Any], inputs: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    """gate.json's content when the candidate is the very model ``evaluate.champion_ref`` already pins, else None.

    That is the first model right after its commit (evaluated before main pinned anything), or any
    evaluation re-run after it (a self-comparison). Neither is stale (no command changes it) nor a
    promotion (nothing to promote): the verdict is ``already-champion``, ``promote`` false, so no
    workflow opens a pull request for it. Only a current evaluation qualifies: when params, code or
    files changed since evaluate ran, ``dvc repro`` does change the answer and the gate says so.
    """
    if evaluation is None or input_differences(evaluation.get("inputs"), inputs):
        return None
    model = (inputs.get("files") or {}).get(paths.MODEL) or (evaluation.get("candidate") or {}).get("model_md5")
    pinned = current.get("model_md5")
    if not model or model != pinned:
        return None
    reason = f"already promoted: {current.get('ref')} pins this candidate's model {model}; nothing to gate"
    return {
        "promote": False,
        "verdict": ALREADY_CHAMPION,
        "reasons": [reason],
        "metrics": [],
        "already_champion": True,
        "champion_ref": current,
        "primary_metric": evaluation.get("primary_metric"),
        "holdout": evaluation.get("holdout"),
        "inputs": evaluation.get("inputs"),  # report checks that gate.json describes the project as it is
        "candidate": {k: v for k, v in (evaluation.get("candidate") or {}).items() if k != "metrics"},
        "note": (
            f"This model is the champion: {current.get('ref')}'s dvc.lock pins it. There is nothing to gate "
            "until new data or a change of params.yaml or code trains a new candidate."
        ),
    }


def already_champion_markdown(result: dict[str, Any]) -> str:
    return "\n".join(
        [
            "### Promotion gate: **already the champion**",
            "",
            result["note"],
            "",
            *[f"- {r}" for r in result["reasons"]],
            "",
        ]
    )


def holdout_looks(root: Path, result: dict[str, Any]) -> int:
    """How many times this holdout has now been judged against this champion, this time included.

    A data scientist iterating on a PR re-runs the gate on the same days: each run is another look at
    the same rows, and the gate's confidence holds for one (adapters/attempts.py keeps the earlier ones).
    """
    from ..adapters import attempts

    end = (result.get("holdout") or {}).get("end")
    champion = (result.get("champion_ref") or {}).get("model_md5")
    if not end or not result.get("metrics"):
        return 0
    try:
        earlier = attempts.since_champion(attempts.load(root), champion)
    except ValueError:
        earlier = []  # a corrupt record is decide's error to report; the gate still judges
    return 1 + sum(1 for a in earlier if a.data_end == str(end))


def windows_compared(root: Path) -> int:
    """How many training windows split judged on this holdout to pick the candidate (split.json
    ``after_change.compared``; 1 when there was no choice)."""
    path = root / "data" / "processed" / "split.json"
    try:
        change = json.loads(path.read_text()).get("after_change") or {}
        return max(1, int(change.get("compared", 1)))
    except (OSError, ValueError, TypeError, AttributeError):
        return 1  # no or unreadable split record: the inputs check reports it


def run_gate(params: Params, root: Path) -> dict[str, Any]:
    import pandas as pd

    from ..adapters import champion as champion_mod
    from ..adapters.inputs import fingerprint

    eval_path, pred_path = root / paths.EVALUATION, root / paths.PREDICTIONS
    evaluation = None
    if eval_path.exists():
        try:
            evaluation = json.loads(eval_path.read_text())
        except ValueError as exc:
            raise ValueError(f"{paths.EVALUATION} is not valid JSON: {exc}") from exc
    current = champion_mod.resolve(root, params.evaluate.champion_ref).to_dict()
    inputs = fingerprint(params, root)
    result = already_champion(evaluation, current, inputs)
    if result is None:
        predictions = pd.read_parquet(pred_path) if pred_path.exists() else None
        result = judge(
            evaluation, predictions, params, current, inputs=inputs, compared=windows_compared(root)
        ).to_dict()
        result["holdout_looks"] = holdout_looks(root, result)
    from ..adapters.files import write_report

    out = root / "reports"
    markdown = already_champion_markdown(result) if result.get("already_champion") else to_markdown(result)
    write_report(out / "gate.json", out / "gate.md", result, markdown)  # both or neither: a PR reads the pair
    return result
