"""The promotion pull-request body: everything a reviewer needs to merge or not.

Built from the files the pipeline already wrote (gate, decision, drift summary, data
checks, split, dvc.lock, model_info); a missing one is named, never invented. The
body is kept under GitHub's 65,536-character limit: long lists (drifted columns,
failed checks) are cut to their most important entries with a count of the rest,
and a last-resort trim keeps the verdict and the metrics table at the top.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from .. import paths
from ..adapters.files import write_text_atomic
from ..config import Params

GITHUB_BODY_LIMIT = 65_536
BUDGET = 60_000  # headroom for what a workflow may append
TOP_COLUMNS = 10
TOP_FAILURES = 15


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _cell(text: Any, limit: int = 120) -> str:
    text = str(text).replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mlflow_link(model_info: dict[str, Any] | None) -> str | None:
    if not model_info or not model_info.get("run_id"):
        return None
    uri = str(model_info.get("tracking_uri") or "")
    if not uri.startswith(("http://", "https://")):
        return None
    return f"{uri.rstrip('/')}/#/experiments/{model_info.get('experiment_id')}/runs/{model_info['run_id']}"


def _verdict(gate: dict[str, Any] | None, decision: dict[str, Any] | None) -> str:
    if gate is None:
        return "**Not gated**: reports/gate.json is missing; run `gate` before opening this pull request."
    if gate["promote"]:
        primary = next((m for m in gate["metrics"] if m["metric"] == gate.get("primary_metric")), None)
        if primary and primary.get("interval"):
            lo, hi = primary["interval"]
            from ..core.gate import percent

            level = percent(gate.get("bootstrap", {}).get("confidence", 0.95))
            below = ", ".join(b["metric"] for b in gate.get("below_floor") or [])
            return (
                f"**Promote**: the candidate beats the champion on {primary['metric']} by "
                f"{primary['improvement']:+.4f} ({level} interval [{lo:+.4f}, {hi:+.4f}]) and passes every rule"
                + (
                    f", but **both models are below the floor on {below}**: the champion fails it worse (see Metrics)."
                    if below
                    else "."
                )
            )
        return "**Promote**: first model, every absolute floor passes."
    if gate.get("already_champion"):
        return f"**Nothing to promote**: the candidate is already the champion ({_cell(gate['reasons'][0], 300)})."
    return f"**Do not merge**: the gate rejected the candidate ({_cell(gate['reasons'][0], 300)})."


def _metrics_section(gate: dict[str, Any] | None) -> list[str]:
    if gate is None or not gate.get("metrics"):
        reasons = (gate or {}).get("reasons") or ["reports/gate.json is missing"]
        return ["## Metrics", "", *[f"- {_cell(r, 400)}" for r in reasons[:TOP_FAILURES]], ""]
    from ..core.gate import to_markdown

    body = to_markdown(gate).splitlines()[1:]  # the gate's own table, without its title
    return ["## Metrics (holdout, candidate vs champion)", *body, ""]


def _trigger_section(decision: dict[str, Any] | None) -> list[str]:
    if decision is None:
        return ["## Why retrain", "", "reports/decision.json is missing (retrain started without `decide`).", ""]
    lines = ["## Why retrain", "", _cell(decision.get("reason", ""), 600), ""]
    fired = [t for t in decision.get("triggers", []) if t.get("fired")]
    lines += [f"- **{t['name']}**: {_cell(t['detail'], 300)}" for t in fired]
    return [*lines, ""]


def _drift_section(drift: dict[str, Any] | None) -> list[str]:
    if drift is None:
        return ["## Drift", "", "No drift summary (reports/drift/drift_summary.json): run `drift`.", ""]
    from ..core.drift import top_drifted

    cols = drift.get("columns", {})
    verdict = "dataset drift" if drift.get("dataset_drift") else "no dataset drift"
    lines = [
        "## Drift",
        "",
        f"{verdict}: {len(drift.get('drifted_columns', []))} of {len(cols)} columns drifted "
        f"({drift.get('drifted_share', 0):.0%}, threshold {drift.get('drift_share_threshold', 0):.0%}); "
        f"reference {'..'.join(drift.get('reference_range', ['?', '?']))}, "
        f"current {'..'.join(drift.get('current_range', ['?', '?']))}, rows used "
        f"{drift.get('rows_used', {}).get('reference')} / {drift.get('rows_used', {}).get('current')}.",
        "",
        "| column | method | score | threshold | drifted |",
        "|---|---|---|---|---|",
    ]
    for name, r in top_drifted(drift, TOP_COLUMNS):
        lines.append(
            f"| {_cell(name, 60)} | {_cell(r['method'], 40)} | {r['score']:.4g} | {r['threshold']:.4g} | "
            f"{'yes' if r['drifted'] else 'no'} |"
        )
    if len(cols) > TOP_COLUMNS:
        lines.append(f"\n{len(cols) - TOP_COLUMNS} more columns in the drift report (workflow artifact).")
    return [*lines, ""]


def _checks_section(checks: dict[str, Any] | None) -> list[str]:
    if checks is None:
        return ["## Data checks", "", "reports/data_checks.json is missing.", ""]
    failures = checks.get("failures", [])
    verdict = "passed" if checks.get("passed") else f"FAILED ({len(failures)} failures)"
    lines = [
        "## Data checks",
        "",
        f"{checks.get('checks')} checks on {checks.get('rows')} rows "
        f"({_cell(checks.get('subject', ''), 80)}): {verdict}.",
        "",
    ]
    for f in failures[:TOP_FAILURES]:
        lines.append(
            f"- {_cell(f.get('column'), 60)}: {_cell(f.get('rule'), 60)} expected "
            f"{_cell(f.get('expected'), 60)}, observed {_cell(f.get('observed'), 60)}"
        )
    if len(failures) > TOP_FAILURES:
        lines.append(f"- ... and {len(failures) - TOP_FAILURES} more in reports/data_checks.json")
    warnings = checks.get("warnings", [])
    if warnings:
        lines += ["", f"Warnings ({len(warnings)}):"]
        lines += [
            f"- {_cell(w.get('column'), 60)}: {_cell(w.get('rule'), 60)}: {_cell(w.get('observed'), 120)}"
            for w in warnings[:TOP_FAILURES]
        ]
    return [*lines, ""]


def _data_section(params: Params, root: Path, split: dict[str, Any] | None) -> list[str]:
    from ..adapters.tracking import dvc_locked_md5

    md5 = dvc_locked_md5(root, params.data.raw_dir) or "not locked (run `dvc repro`)"
    lines = [
        "## Data version",
        "",
        f"- `{params.data.raw_dir}` in dvc.lock: `{md5}`",
        f"- window: {params.data.start_date}..{params.data.end_date} (source: {params.data.source})",
    ]
    if split:
        for part in ("train", "holdout"):
            if part in split:
                s = split[part]
                lines.append(f"- {part}: {s.get('start')}..{s.get('end')}, {s.get('rows')} rows")
    return [*lines, ""]


CANDIDATE_COMMIT = "<candidate-commit>"  # filled in by `open-pr` with the commit that pins the candidate
PINNING_FILES = ("dvc.lock", "params.yaml", "metrics.json")


def candidate_commit(root: Path) -> str:
    """The commit that pins the candidate: HEAD when it already holds these outputs, else a placeholder.

    After `dvc repro` the candidate's dvc.lock is not committed yet (HEAD is still the champion's
    commit); `open-pr` commits it to the promotion branch and puts that commit in the body.
    """
    from ..adapters.history import head_sha

    sha = head_sha(root)
    if sha is None:
        return CANDIDATE_COMMIT
    status = subprocess.run(
        ["git", "status", "--porcelain", "--", *PINNING_FILES], cwd=root, capture_output=True, text=True, check=False
    )
    return sha if status.returncode == 0 and not status.stdout.strip() else CANDIDATE_COMMIT


def _reproduce_section(root: Path, model_info: dict[str, Any] | None) -> list[str]:
    sha = candidate_commit(root)
    lines = [
        "## Reproduce",
        "",
        "The candidate's commit (it pins this model's data, params and pipeline):",
        "",
        "```bash",
        f"git checkout {sha}",
        "dvc pull",
        "dvc repro",
        "```",
    ]
    link = mlflow_link(model_info)
    if link:
        lines += ["", f"MLflow run: {link}"]
    elif model_info and model_info.get("run_id"):
        lines += ["", f"MLflow run `{model_info['run_id']}` (local tracking store, not linkable)."]
    return [*lines, ""]


# --- pictures, model card, importance (issue 11) -----------------------------------------------

# Links written relative to reports/promotion.md; `open-pr` pins them to the promotion commit.
PINNABLE_RE = re.compile(r"(!?)\[([^\]]*)\]\(((?:figures/[^)\s]+)|model_card\.md)\)")


def pin_links(body: str, *, server: str, repository: str, sha: str, base: str = "reports") -> str:
    """Point the body's figure and model-card links at the files of commit ``sha``.

    Images use GitHub's documented ``/blob/<sha>/<path>?raw=true`` form: served from the
    repository itself to anyone who can read it (private repositories included), and
    pinned to the commit, so a later push to the branch cannot change what was reviewed.
    """
    server = server.rstrip("/")

    def pinned(match: re.Match[str]) -> str:
        bang, text, rel = match.groups()
        url = f"{server}/{repository}/blob/{sha}/{base}/{rel}"
        return f"{bang}[{text}]({url}{'?raw=true' if bang else ''})"

    return PINNABLE_RE.sub(pinned, body)


def section(body: str, heading: str) -> str:
    """The part of ``body`` from the line ``heading`` to the next heading of the same level ('' if absent)."""
    lines = body.splitlines()
    if heading not in lines:
        return ""
    start = lines.index(heading)
    level = heading.split(" ", 1)[0] + " "
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(level)), len(lines))
    return "\n".join(lines[start:end]).strip() + "\n"


def _timeline(
    params: Params, root: Path, decision: dict[str, Any] | None, evaluation: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, str]:
    """Inputs of the metric-over-windows figure, and why it is missing when it is."""
    from ..adapters import history
    from ..core.metrics import get_metric
    from ..core.triggers import decay_limits

    primary = params.evaluate.primary_metric
    metric = get_metric(primary)
    champion = (decision or {}).get("champion") or {}
    decay = next((t for t in (decision or {}).get("triggers", []) if t.get("name") == "decay"), None) or {}
    points = list((decay.get("extra") or {}).get("windows") or [])
    ref = champion.get("commit") or params.evaluate.champion_ref
    baseline = (champion.get("baseline") or {}).get(primary)
    if baseline is None:
        baseline = (history.committed_metrics(root, ref) or {}).get(primary)
    if not points and evaluation and evaluation.get("champion"):
        try:  # decide skipped the decay trigger (settled earlier): score the windows now
            from ..adapters import champion as champion_mod
            from .decide import decay_windows

            resolved = champion_mod.resolve(root, params.evaluate.champion_ref)
            after = history.holdout_end(root, resolved.commit or ref)
            model = champion_mod.load(root, resolved, params) if after else None
            if model is not None and after is not None:
                points = [
                    {
                        "end": w.end.isoformat(),
                        "value": w.value,
                        "rows": w.rows,
                        "interval": list(w.interval) if w.interval else None,
                    }
                    for w in decay_windows(params, root, model, after)
                ]
        except (OSError, ValueError, RuntimeError) as exc:
            return None, f"the champion's recent windows could not be scored: {exc}"
    if not points and baseline is None:
        return None, "no champion yet: nothing to trend"
    limits = decay_limits(baseline, metric, params.decide.triggers.decay)
    bad_line = None
    if limits:
        values = [v for _, v in limits]
        bad_line = max(values) if metric.higher_is_better else min(values)  # the strictest limit
    candidate = None
    if evaluation:
        value = ((evaluation.get("candidate") or {}).get("metrics") or {}).get(primary)
        candidate = {"end": (evaluation.get("holdout") or {}).get("end"), "value": value}
        if not candidate["end"]:
            candidate = None
    return (
        {
            "points": points,
            "metric": primary,
            "higher_is_better": metric.higher_is_better,
            "baseline": baseline,
            "bad_line": bad_line,
            "promoted": champion.get("promoted_at"),
            "candidate": candidate,
        },
        "",
    )


def _figures_section(figures: list[Any], card: bool) -> list[str]:
    lines = ["## Pictures", ""]
    if card:
        lines += [
            "Model card: [reports/model_card.md](model_card.md) (data, features, estimator, metrics with "
            "intervals, drift, provenance, known limits).",
            "",
        ]
    for f in figures:
        if f.path is not None:
            lines += [f"**{f.title}**", "", f"![{f.title}](figures/{f.name})", ""]
    skipped = [f for f in figures if f.path is None]
    lines += [f"- {f.title}: not drawn ({f.note})" for f in skipped]
    return [*lines, ""] if skipped else lines


def _importance_section(importance: dict[str, Any] | None) -> list[str]:
    if not importance or not importance.get("features"):
        return []
    from .importance import to_markdown as importance_md

    return [
        "## What changed in the model",
        "",
        "Permutation importance on the holdout, top features:",
        "",
        *importance_md(importance),
        "",
    ]


def _for_other_data(what: str, recorded: str | None, end: str, rerun: str) -> list[str] | None:
    """A section written for other data than this candidate's (issue 24: a PROMOTE body showed an old
    cooldown decision and a drift table of weeks before its holdout): say so instead of showing it."""
    if recorded is None or recorded == end:
        return None
    return [f"{what} was written for data up to {recorded}, not this candidate's ({end}): not shown; {rerun}.", ""]


def build_report(params: Params, root: Path, figures: list[Any] | None = None, card: bool = False) -> str:
    reports = root / "reports"
    gate = _read_json(reports / "gate.json")
    decision = _read_json(reports / "decision.json")
    drift = _read_json(reports / "drift" / "drift_summary.json")
    end = params.data.end_date.isoformat()
    stale_decision = _for_other_data(
        "reports/decision.json", ((decision or {}).get("data") or {}).get("end_date"), end, "run `decide` for it"
    )
    stale_drift = _for_other_data(
        "reports/drift/drift_summary.json",
        ((drift or {}).get("current_range") or [None, None])[-1],
        end,
        "run `drift` for it",
    )
    checks = _read_json(root / paths.DATA_CHECKS_JSON)
    split = _read_json(root / paths.SPLIT_INFO)
    model_info = _read_json(root / paths.MODEL_INFO)
    head = [f"# Promote {params.mlflow.registered_model}", "", _verdict(gate, decision), ""]
    sections = [
        _metrics_section(gate),
        _figures_section(figures, card) if figures is not None else [],
        _importance_section(_read_json(root / paths.IMPORTANCE)),
        ["## Why retrain", "", *stale_decision] if stale_decision else _trigger_section(decision),
        ["## Drift", "", *stale_drift] if stale_drift else _drift_section(drift),
        _checks_section(checks),
        _data_section(params, root, split),
        _reproduce_section(root, model_info),
    ]
    text = "\n".join(head + [line for section in sections for line in section])
    if len(text) > BUDGET:
        note = "\n\n*(Report trimmed to GitHub's pull-request body limit; the full files are workflow artifacts.)*\n"
        text = text[: BUDGET - len(note)] + note
    return text


class StaleReportError(ValueError):
    """gate.json does not describe the project as it is now."""


def check_gate_is_current(params: Params, root: Path) -> None:
    """Refuse a gate result computed from other params, code or files than the project's current ones."""
    from ..adapters.inputs import fingerprint
    from ..core.gate import input_differences, stale_phrase

    gate = _read_json(root / "reports" / "gate.json")
    if gate is None:
        return  # the body says "Not gated"
    changed = input_differences(gate.get("inputs"), fingerprint(params, root))
    if changed:
        raise StaleReportError(
            f"reports/gate.json is stale: {stale_phrase(changed)} since the gate's evaluation; "
            "run `dvc repro` and `gate` again"
        )


def run_report(params: Params, root: Path, *, pictures: bool = True, track: bool = True) -> tuple[Path, str]:
    """Write reports/promotion.md; with ``pictures`` also the figures and the model card, logged to MLflow."""
    check_gate_is_current(params, root)
    figures = None
    if pictures:
        from .figures import render_all
        from .model_card import write_card

        evaluation = _read_json(root / paths.EVALUATION)
        timeline, why = _timeline(params, root, _read_json(root / "reports" / "decision.json"), evaluation)
        importance = _read_json(root / paths.IMPORTANCE)
        figures = render_all(params, root, timeline=timeline, importance=importance)
        if timeline is None:
            from .figures import Figure

            figures.append(
                Figure("timeline.png", f"{params.evaluate.primary_metric} across the recent windows", None, why)
            )
        card_path = write_card(params, root, importance=importance)
    text = build_report(params, root, figures, card=pictures)
    path = root / "reports" / "promotion.md"
    write_text_atomic(path, text)
    if pictures and track:
        model_info = _read_json(root / paths.MODEL_INFO) or {}
        if model_info.get("run_id"):
            from ..adapters.tracking import log_report

            drawn = [f.path for f in figures or [] if f.path is not None]
            problem = log_report(params, root, str(model_info["run_id"]), [card_path, path, *drawn])
            if problem:
                print(f"report: not logged to MLflow: {problem}", file=sys.stderr)
    return path, text
