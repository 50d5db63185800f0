"""The scheduled check's last step: update the model-health issue, keep the schedule alive, alert.

Reads what the check wrote (reports/decision.json and .md, the drift summary,
reports/ingest.json), counts the newest day's rows from Parquet metadata, and edits
the one issue holding the ``model-health`` marker (creating it the first time).
No pandas, scikit-learn, matplotlib or MLflow: this runs every day.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..adapters.github import MAX_BODY, GitHub, find_marked_issue, save_issue
from ..config import Params
from ..core import health

# In a public repository GitHub disables a scheduled workflow after 60 days without repository
# activity (docs.github.com/en/actions/managing-workflow-runs/disabling-and-enabling-a-workflow:
# "In a public repository, scheduled workflows are automatically disabled when no repository
# activity has occurred in 60 days"); a private repository is not paused.
PAUSE_DAYS = 60
# The opt-in switch: a repository variable that retrain.yml passes to the health step. Off by
# default, because re-enabling a workflow through the API only to dodge the pause has reportedly
# been treated by GitHub as a policy bypass (README, "Schedules pause after 60 days").
KEEPALIVE_ENV = "RETRAIN_KEEPALIVE"
_ON = frozenset({"on", "true", "1", "yes"})


@dataclass(frozen=True)
class HealthResult:
    number: int
    url: str
    created: bool
    keepalive: list[str]
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


def keepalive_on(env: Mapping[str, str]) -> bool:
    """Whether the keepalive was turned on (``RETRAIN_KEEPALIVE=on``); off when unset."""
    return env.get(KEEPALIVE_ENV, "").strip().lower() in _ON


def scheduled_workflows(root: Path) -> list[str]:
    """File names of the workflows in ``.github/workflows`` that have an ``on: schedule`` trigger."""
    import yaml

    found = []
    folder = root / ".github" / "workflows"
    for path in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if not isinstance(doc, dict):
            continue
        triggers = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` key as True
        if isinstance(triggers, dict) and "schedule" in triggers:
            found.append(path.name)
    return found


def _repository(gh: GitHub, env: Mapping[str, str]) -> tuple[str, str]:
    """(visibility, default branch): from the event payload when it has them, else ``GET /repos/{o}/{r}``."""
    repo: Any = None
    event = env.get("GITHUB_EVENT_PATH", "")
    if event:
        with_payload = _read(Path(event))
        repo = (with_payload or {}).get("repository")
    if not (isinstance(repo, dict) and "private" in repo and repo.get("default_branch")):
        repo = gh.repository_info()
    visibility = repo.get("visibility")
    if not isinstance(visibility, str):
        visibility = "private" if repo.get("private") else "public"
    return visibility, str(repo.get("default_branch") or "")


def keepalive(
    gh: GitHub,
    root: Path,
    after_days: int,
    *,
    env: Mapping[str, str] | None = None,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> list[str]:
    """Re-enable every scheduled workflow through the REST API once the branch has been quiet.

    Opt-in (``RETRAIN_KEEPALIVE=on``). Quiet time is the wall clock (UTC now) minus the last
    commit's date; never the data's day, which a demo or backfill pins in the past.
    ``PUT /repos/{o}/{r}/actions/workflows/{file}/enable`` on an enabled workflow changes nothing
    in GitHub's state but counts as activity; no commit is pushed. Only public repositories are
    paused, and schedules run on the default branch only: elsewhere nothing is done. Returns one
    line per workflow (or one line saying why nothing was done); never raises a GitHubError.
    """
    from ..adapters.github import GitHubError

    env = os.environ if env is None else env
    if not keepalive_on(env):
        return [
            f"keepalive is off (the default): set the repository variable {KEEPALIVE_ENV} to `on` to re-enable "
            f"the scheduled workflows through the REST API after {after_days} quiet days; GitHub may treat that "
            "as bypassing its 60-day pause (README, Schedules pause after 60 days)."
        ]
    try:
        visibility, default_branch = _repository(gh, env)
    except GitHubError as exc:
        return [f"keepalive: skipped, the repository's visibility is unknown: {exc}"]
    if visibility != "public":
        return [
            f"keepalive: nothing to do, the repository is {visibility}: GitHub pauses schedules after "
            f"{PAUSE_DAYS} quiet days in public repositories only."
        ]
    ref = env.get("GITHUB_REF", "")
    if ref and default_branch and ref != f"refs/heads/{default_branch}":
        return [
            f"keepalive: skipped, this run is on {ref}, not the default branch {default_branch} "
            "(schedules run on the default branch only)."
        ]
    last = last_commit(root)
    if last is None:
        return ["keepalive: skipped, the date of the last commit is unknown (a shallow checkout? fetch-depth: 0)."]
    now = clock()
    quiet = (now - last).total_seconds() / 86400
    since = f"last commit {last:%Y-%m-%d}, {quiet:.0f} days ago by the wall clock"
    if quiet < after_days:
        return [
            f"keepalive: {since}; nothing to do until day {after_days} "
            f"(GitHub pauses public schedules after {PAUSE_DAYS} quiet days)."
        ]
    names = scheduled_workflows(root)
    if not names:
        return ["keepalive: no workflow in .github/workflows has an `on: schedule` trigger; nothing to do."]
    lines = []
    for name in names:
        try:
            gh.enable_workflow(name)
        except GitHubError as exc:
            if exc.status == 403:
                lines.append(
                    f"keepalive: `{name}` not re-enabled: GitHub refused it (403); the token needs "
                    "`actions: write` (the check job's permissions block grants it)."
                )
            else:
                lines.append(f"keepalive: `{name}` not re-enabled: {exc}")
            continue
        lines.append(f"keepalive: `{name}` re-enabled through the REST API ({since}); no commit pushed.")
    return lines


def open_promotion_pull(gh: GitHub, params: Params, base: str) -> dict[str, Any] | None:
    pulls = gh.find_pulls(f"promote/{params.mlflow.registered_model}", base)
    return min(pulls, key=lambda p: int(p["number"])) if pulls else None


def update_health(
    params: Params,
    root: Path,
    gh: GitHub,
    *,
    status: str,
    run_url: str,
    keepalive_after: int,
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
    lines = keepalive(gh, root, keepalive_after)
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
        keepalive="\n".join(f"- {line}" for line in lines),
        run_url=run_url,
    )
    result = save_issue(gh, existing, f"Model health: {model}", body, health.LABEL, health.MARKER)
    return HealthResult(result.number, result.url, result.created, lines, point["failures"])
