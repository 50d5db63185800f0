"""The model card: ``reports/model_card.md``, written with every promotion report.

What a person needs before trusting the model, from files the pipeline wrote (never
invented; a missing input is named): data window and version, features, estimator
and parameters, every holdout metric with its interval, drift at training
time, git SHA, DVC hashes, MLflow run, and the known limits of this kind of model.
It is committed to the promotion branch (linked from the PR body), so main always
carries the card of the model it pins, and logged to the MLflow run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import paths
from ..adapters.files import write_text_atomic
from ..config import Params

CARD_RESAMPLES = 300


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _metric_rows(params: Params, root: Path, evaluation: dict[str, Any] | None) -> list[str]:
    if evaluation is None:
        return [f"{paths.EVALUATION} is missing: run `dvc repro`."]
    from ..core.gate import scores_of
    from ..core.intervals import single_interval
    from ..core.metrics import get_metric

    predictions = None
    if (root / paths.PREDICTIONS).exists():
        import pandas as pd

        predictions = pd.read_parquet(root / paths.PREDICTIONS)
    level = params.gate.bootstrap.confidence
    lines = [f"| metric | candidate | {level:.0%} interval | champion | improvement |", "|---|---|---|---|---|"]
    cand = (evaluation.get("candidate") or {}).get("metrics") or {}
    champ = ((evaluation.get("champion") or {}).get("metrics")) or {}
    methods: dict[str, list[str]] = {}
    for name in params.evaluate.metrics:
        metric = get_metric(name)
        value = cand.get(name)
        interval = None
        if predictions is not None and value is not None:
            interval, method = single_interval(
                predictions["y_true"].to_numpy(),
                scores_of(predictions, "candidate", evaluation),
                name,
                threshold=params.evaluate.threshold,
                confidence=level,
                method=params.gate.interval,
                resamples=CARD_RESAMPLES,
                seed=params.gate.bootstrap.seed,
            )
            methods.setdefault(method, []).append(name)
        other = champ.get(name)
        improvement = metric.improvement(other, value) if other is not None and value is not None else None
        arrow = "↑" if metric.higher_is_better else "↓"
        lines.append(
            f"| {name} {arrow} | {'–' if value is None else f'{value:.4f}'} | "
            f"{'–' if interval is None else f'[{interval[0]:.4f}, {interval[1]:.4f}]'} | "
            f"{'–' if other is None else f'{other:.4f}'} | "
            f"{'–' if improvement is None else f'{improvement:+.4f}'} |"
        )
    holdout = evaluation.get("holdout") or {}
    lines += [
        "",
        f"Holdout: {holdout.get('rows')} rows, {holdout.get('start')}..{holdout.get('end')} (the most recent "
        f"days of the window, never seen in training). Intervals over the holdout rows: "
        f"{'; '.join(f'{m} ({chr(44).join(names)})' for m, names in methods.items()) or 'none'}. "
        f"Improvement: positive = candidate better than the champion, every metric.",
    ]
    return lines


def _limits(
    params: Params, evaluation: dict[str, Any] | None, drift: dict[str, Any] | None, split: dict[str, Any] | None = None
) -> list[str]:
    holdout = (evaluation or {}).get("holdout") or (split or {}).get("holdout") or {}
    rows = holdout.get("rows")
    # The training data ends where split.json says (the holdout follows it, never trained on); data.end_date
    # is the holdout's end, so naming it here claimed a week of training the model never had (issue 24).
    trained_until = ((split or {}).get("train") or {}).get("end")
    judged = f"{holdout['start']}..{holdout['end']}" if holdout.get("start") and holdout.get("end") else ""
    judged = ", ".join(x for x in (judged, f"{rows} rows" if rows else "") if x)
    limits = [
        (f"- Trained on data up to {trained_until}" if trained_until else "- Training range not recorded")
        + ": behaviour on inputs outside the training ranges (new categories, values beyond those seen) is not measured.",
        "- Judged on the holdout days only"
        + (f" ({judged})" if judged else "")
        + ": seasonal or rare situations outside them are not covered; "
        "the interval widths above show how much the numbers could move on other rows.",
        "- Labels are assumed to arrive with the data (`decide` scores the champion on newly labelled windows); "
        "delayed or partial labels make the decay trigger late.",
    ]
    if params.project.task == "classification":
        limits.append(
            f"- Label metrics (f1, accuracy, ...) cut probabilities at {params.evaluate.threshold}; "
            "a different operating point changes them. Check the calibration figure before using the "
            "probabilities as such."
        )
    if params.data.source == "demo":
        limits.append(
            "- The data come from the built-in demo simulator: the numbers say nothing about a real population."
        )
    if drift and drift.get("dataset_drift"):
        limits.append(
            f"- The newest window had drifted from the training data at report time "
            f"({', '.join(drift.get('drifted_columns', [])[:8])}): the holdout may not represent it."
        )
    return limits


def build_card(params: Params, root: Path, *, importance: dict[str, Any] | None = None) -> str:
    from ..adapters.tracking import dvc_locked_md5

    evaluation = _read(root / paths.EVALUATION)
    model_info = _read(root / paths.MODEL_INFO) or {}
    split = _read(root / paths.SPLIT_INFO) or {}
    drift = _read(root / "reports" / "drift" / "drift_summary.json")
    tags = model_info.get("tags") or {}
    name = params.mlflow.registered_model
    f = params.features
    model_params = ", ".join(f"`{k}={v!r}`" for k, v in params.model.params.items()) or "defaults"
    lines = [
        f"# Model card: {name}",
        "",
        f"Task: **{params.project.task}** of `{params.project.target}`, one row per `{params.project.id_column}` "
        f"and `{params.project.date_column}`. Primary metric: **{params.evaluate.primary_metric}**.",
        "",
        "## Data",
        "",
        f"- Source: `{params.data.source}`; window {params.data.start_date}..{params.data.end_date}",
    ]
    for part in ("train", "holdout"):
        if part in split:
            s = split[part]
            lines.append(f"- {part}: {s.get('start')}..{s.get('end')}, {s.get('rows')} rows")
    lines += [
        f"- Data version (`{params.data.raw_dir}` in dvc.lock): `{dvc_locked_md5(root, params.data.raw_dir) or 'not locked'}`",
        f"- Training file md5: `{tags.get('data.train_md5', 'unknown')}`",
        "",
        "## Features",
        "",
        f"- numeric: {', '.join(f'`{c}`' for c in f.numeric) or '–'}",
        f"- categorical: {', '.join(f'`{c}`' for c in f.categorical) or '–'}",
        f"- dates (as days before `{params.project.date_column}`): {', '.join(f'`{c}`' for c in f.dates) or '–'}",
        "",
        "## Estimator",
        "",
        f"`{params.model.estimator}` with {model_params}, seed {params.model.seed}, inside a scikit-learn Pipeline "
        "that carries all preprocessing.",
        "",
        "## Holdout metrics",
        "",
        *_metric_rows(params, root, evaluation),
        "",
    ]
    if importance and importance.get("features"):
        from .importance import to_markdown as importance_md

        lines += ["## Most important features", "", *importance_md(importance), ""]
    lines += ["## Drift at training time", ""]
    if drift:
        lines.append(
            f"Reference {'..'.join(drift.get('reference_range', ['?', '?']))} vs current "
            f"{'..'.join(drift.get('current_range', ['?', '?']))}: {len(drift.get('drifted_columns', []))} "
            f"of {len(drift.get('columns', {}))} columns drifted ({drift.get('drifted_share', 0):.0%}; "
            f"dataset drift at {drift.get('drift_share_threshold', 0):.0%})"
            + (f": {', '.join(drift.get('drifted_columns', []))}." if drift.get("drifted_columns") else ".")
        )
    else:
        lines.append("No drift summary was available when this card was written.")
    lines += [
        "",
        "## Provenance",
        "",
        f"- Code: git `{tags.get('git_sha', 'unknown')}`"
        + (" (uncommitted changes)" if tags.get("git_dirty") == "true" else ""),
        f"- Model file md5 (`{paths.MODEL}` in dvc.lock): `{dvc_locked_md5(root, paths.MODEL) or tags.get('model.md5', 'unknown')}`",
        f"- MLflow run: `{model_info.get('run_id', 'not tracked')}`"
        + (
            f", registered as `{model_info['registered_model']}` v{model_info.get('version')}"
            if model_info.get("registered_model")
            else ""
        ),
        # The card is committed with the model, so it cannot name its own commit: say which one, no placeholder.
        "- Reproduce: check out the commit that holds this card (it pins the model), then `dvc pull && dvc repro`",
        "",
        "## Known limits",
        "",
        *_limits(params, evaluation, drift, split),
        "",
    ]
    return "\n".join(lines)


def write_card(params: Params, root: Path, *, importance: dict[str, Any] | None = None) -> Path:
    path = root / paths.MODEL_CARD
    write_text_atomic(path, build_card(params, root, importance=importance))
    return path
