"""The scheduled check's last step: update the model-health issue, keep the schedule alive, alert.

Reads what the check wrote (reports/decision.json and .md, the drift summary,
reports/ingest.json), counts the newest day's rows from Parquet metadata, and edits
the one issue holding the ``model-health`` marker (creating it the first time).
No pandas, scikit-learn, matplotlib or MLflow: this runs every day.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..adapters.github import MAX_BODY, GitHub, find_marked_issue, save_issue
from ..config import Params
from ..core import health

# GitHub disables a scheduled workflow after 60 days without repository activity.
PAUSE_DAYS = 60


@dataclass(frozen=True)
class HealthResult:
    number: int
    url: str
    created: bool
    keepalive: str
    failures: list[str]


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def rows_on(params: Params, root: Path, day: dt.date) -> int | None:
    """Rows in the raw partition of ``day`` (Parquet metadata only), None when there is none."""
    from ..adapters.dataset import partition_path

    path = partition_path(root / params.data.raw_dir, day)
    if not path.exists():
        return None
    import pyarrow.parquet as pq

    return int(pq.read_metadata(path).num_rows)


def last_commit(root: Path) -> dt.datetime | None:
    shown = subprocess.run(
        ["git", "log", "-1", "--format=%cI", "HEAD"], cwd=root, capture_output=True, text=True, check=False
    )
    if shown.returncode != 0 or not shown.stdout.strip():
        return None
    return dt.datetime.fromisoformat(shown.stdout.strip()).astimezone(dt.UTC)


def keepalive(gh: GitHub, root: Path, now: dt.datetime, after_days: int, workflow: str) -> str:
    """Re-enable the workflow through the REST API once the branch has been quiet for ``after_days``.

    ``PUT /repos/{o}/{r}/actions/workflows/{id}/enable`` on an enabled workflow is a
    no-op for GitHub's state but counts as activity, so the schedule is not paused;
    no commit is pushed. Returns the sentence for the health issue.
    """
    last = last_commit(root)
    if last is None:
        return "Keepalive: the date of the last commit is unknown (shallow checkout?); nothing done."
    quiet = (now - last).total_seconds() / 86400
    if quiet < after_days:
        return (
            f"Keepalive: last commit {last:%Y-%m-%d}, {quiet:.0f} days ago; GitHub pauses scheduled workflows "
            f"after {PAUSE_DAYS} days without activity. Nothing to do until day {after_days}."
        )
    gh.enable_workflow(workflow)
    return (
        f"Keepalive: last commit {last:%Y-%m-%d}, {quiet:.0f} days ago: `{workflow}` was re-enabled through "
        f"the REST API on {now:%Y-%m-%d} (`PUT …/actions/workflows/{workflow}/enable`), so GitHub does not pause "
        f"its schedule after {PAUSE_DAYS} quiet days. No commit was pushed."
    )


def open_promotion_pull(gh: GitHub, params: Params, base: str) -> dict[str, Any] | None:
    pulls = gh.find_pulls(f"promote/{params.mlflow.registered_model}", base)
    return min(pulls, key=lambda p: int(p["number"])) if pulls else None


def update_health(
    params: Params,
    root: Path,
    gh: GitHub,
    *,
    status: str,
    now: dt.datetime,
    run_url: str,
    keepalive_after: int,
    workflow: str,
    base: str = "main",
) -> HealthResult:
    reports = root / "reports"
    day = params.data.end_date
    decision = _read(reports / "decision.json")
    if decision and (decision.get("data") or {}).get("end_date") != day.isoformat():
        decision = None  # an older decision (e.g. committed with a promotion), not today's
    decision_md = (reports / "decision.md").read_text(encoding="utf-8") if decision else None
    point = health.point_from(
        decision,
        day=day.isoformat(),
        status=status,
        rows_today=rows_on(params, root, day),
        run_url=run_url,
        drift=_read(reports / "drift" / "drift_summary.json"),
        ingest=_read(reports / "ingest.json"),
    )
    note = keepalive(gh, root, now, keepalive_after, workflow)
    existing = find_marked_issue(gh, health.MARKER, health.LABEL)
    history = health.add_point(health.history_of((existing or {}).get("body")), point)
    model = params.mlflow.registered_model
    body = health.fit_body(
        history,
        MAX_BODY,
        model=model,
        primary_metric=params.evaluate.primary_metric,
        decision_md=decision_md,
        pull=open_promotion_pull(gh, params, base),
        keepalive=note,
        run_url=run_url,
    )
    result = save_issue(gh, existing, f"Model health: {model}", body, health.LABEL, health.MARKER)
    return HealthResult(result.number, result.url, result.created, note, point["failures"])
