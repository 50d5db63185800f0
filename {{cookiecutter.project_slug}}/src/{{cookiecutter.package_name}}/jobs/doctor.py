"""`doctor`: what this repository still lacks before the loop's jobs can succeed, one finding per piece.

Run it inside a workflow run (the `doctor` workflow, by hand) or on a laptop with GITHUB_REPOSITORY and a
token set. It only reads: nothing is created, pushed or logged. Each finding is one of
- ``ok``: in place;
- ``notice``: works as it is, with a consequence worth knowing (the local MLflow store on a hosted runner);
- ``missing``: a job will fail or do nothing until it is set (exit 1);
- ``unknown``: this token cannot see it; the line names the setting to check by hand.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..adapters import github as gh_api
from ..config import Params

STATUSES = ("ok", "notice", "missing", "unknown")
# Where a person changes what a finding names (github.com's settings pages).
ACTIONS_SETTINGS = "Settings > Actions > General > Workflow permissions"


@dataclass(frozen=True)
class Finding:
    status: str  # one of STATUSES
    what: str  # the piece checked, a few words
    line: str  # what was found and, unless ok, what to do

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")


def check_dvc_remote(root: Path, env: Mapping[str, str], for_github: bool = False) -> Finding:
    """The default remote exists, is usable here and, ``for_github``, is not a folder of this machine."""
    from ..adapters import gitops

    try:
        remote = gitops.default_remote(root)
    except Exception as exc:  # DVC's config errors: which file and why
        return Finding("missing", "DVC remote", f"DVC cannot read its config: {exc}")
    problem = gitops.remote_problem(root, remote, write=False)
    if problem is not None:
        on_runner = env.get("GITHUB_ACTIONS") == "true"
        advice = (
            "; set a shared remote and the secret DVC_REMOTE_CONFIG (README, Set up on GitHub)" if on_runner else ""
        )
        return Finding("missing", "DVC remote", f"{problem.message}{advice}")
    assert remote is not None  # remote_problem names a missing remote
    if remote.local_path is not None:
        # Fine for a laptop; for the workflows (GitHub checked too) it is the retrain job's remote-push failure.
        status = "missing" if for_github else "notice"
        return Finding(
            status,
            "DVC remote",
            f"'{remote.name}' is the local folder {remote.local_path}: data and models stay on this machine, and "
            "on a hosted runner the retrain job fails at remote-push; set a shared remote and the secret "
            "DVC_REMOTE_CONFIG (README, Set up on GitHub)",
        )
    credential = "set" if (root / ".dvc" / "config.local").exists() else "not written (DVC_REMOTE_CONFIG empty)"
    return Finding(
        "ok", "DVC remote", f"'{remote.name}' ({remote.url}), its DVC plugin installed; credentials {credential}"
    )


def check_tracking(params: Params, root: Path, env: Mapping[str, str]) -> Finding:
    """The tracking store answers; a local store on a hosted runner is a notice (it lives one job)."""
    from ..adapters import tracking
    from ..adapters.mlflow_store import TrackingUnavailable

    uri = tracking.tracking_uri(params, root)
    if uri.startswith(("http://", "https://")):
        try:
            tracking.prepare(params, root)  # a read: the write check belongs to `train`, which has the right
        except TrackingUnavailable as exc:
            return Finding("missing", "MLflow tracking", str(exc))
        return Finding("ok", "MLflow tracking", f"{uri} answers")
    if env.get("GITHUB_ACTIONS") == "true":
        return Finding(
            "notice",
            "MLflow tracking",
            "no MLFLOW_TRACKING_URI: runs and the registry live in this job's mlflow.db and leave with the runner "
            "(set the variable MLFLOW_TRACKING_URI for a shared registry)",
        )
    return Finding("ok", "MLflow tracking", f"local store {uri}")


Client = Callable[[], gh_api.GitHub]


def check_github(env: Mapping[str, str], client: Client | None = None) -> list[Finding]:
    """Repository, labels, whether Actions may open pull requests, the promotion token, the schedules."""
    if not env.get("GITHUB_REPOSITORY") or not (env.get("GITHUB_TOKEN") or env.get("GH_TOKEN")):
        return [
            Finding(
                "unknown",
                "GitHub",
                "not checked: GITHUB_REPOSITORY and GITHUB_TOKEN are not both set (inside a workflow run they are)",
            )
        ]
    try:
        gh = client() if client else gh_api.GitHub.from_env(dict(env))
        repo = gh.repository_info()
    except gh_api.GitHubError as exc:
        return [Finding("missing", "GitHub", f"the repository cannot be read with this token: {exc}")]
    findings = [
        Finding(
            "ok",
            "repository",
            f"{repo.get('full_name') or gh.repository}: {repo.get('visibility') or 'visibility unknown'}, "
            f"default branch {repo.get('default_branch') or '?'}",
        ),
        _labels(gh),
    ]
    # a PAT, or an App whose token each job mints (only its client ID, a variable, is visible here)
    promotion_token = bool(env.get("PROMOTION_TOKEN") or env.get("PROMOTION_APP_CLIENT_ID"))
    findings.append(_actions_may_open_prs(gh, promotion_token))
    if not promotion_token:
        findings.append(
            Finding(
                "notice",
                "promotion token",
                "no PROMOTION_TOKEN: pull requests are opened with GITHUB_TOKEN, and their pr.yml checks start only "
                "after a maintainer approves the run (the notice in each PR body says where)",
            )
        )
    else:
        findings.append(
            Finding("ok", "promotion token", "PROMOTION_TOKEN or an App is set: its pull requests start pr.yml")
        )
    findings.append(_gate_required(gh, str(repo.get("default_branch") or "main")))
    findings.append(_schedules(repo, env))
    return findings


GATE_CHECK = "pipeline (dvc repro + gate)"  # pr.yml's job name: the status check a merge must wait for


def _gate_required(gh: gh_api.GitHub, branch: str) -> Finding:
    """Nothing fails without it, but a promotion PR whose gate failed could be merged: a notice."""
    try:
        required = gh.required_checks(branch)
    except gh_api.GitHubError as exc:
        return Finding("unknown", "gate required on merge", f"cannot read the rules of {branch}: {exc}")
    if GATE_CHECK in required:
        return Finding("ok", "gate required on merge", f"{branch} requires the check '{GATE_CHECK}'")
    return Finding(
        "notice",
        "gate required on merge",
        f"{branch} does not require the check '{GATE_CHECK}' (a ruleset or branch protection), so a pull request "
        "whose candidate failed the gate can be merged; README, Branch protection for main",
    )


def _labels(gh: gh_api.GitHub) -> Finding:
    try:
        absent = [name for name in gh_api.LABELS if gh.label(name) is None]
    except gh_api.GitHubError as exc:
        return Finding("unknown", "labels", f"cannot list labels: {exc}")
    if not absent:
        return Finding("ok", "labels", f"all {len(gh_api.LABELS)} exist: {', '.join(gh_api.LABELS)}")
    return Finding(
        "ok",
        "labels",
        f"{', '.join(absent)} not created yet: the first job that adds one creates it "
        "(Create a label needs Pull requests write, which those jobs grant)",
    )


def _actions_may_open_prs(gh: gh_api.GitHub, promotion_token: bool) -> Finding:
    """``GET /repos/{o}/{r}/actions/permissions/workflow`` (docs.github.com/rest/actions/permissions
    #get-default-workflow-permissions-for-a-repository): needs Administration read, which a workflow's
    GITHUB_TOKEN never has, so from a workflow run this is usually unknown."""
    try:
        settings = gh.workflow_permissions()
    except gh_api.GitHubError as exc:
        if exc.status in (403, 404):
            if promotion_token:
                return Finding("ok", "Actions may open pull requests", "not needed: PROMOTION_TOKEN opens them")
            return Finding(
                "unknown",
                "Actions may open pull requests",
                f"this token cannot read the setting (HTTP {exc.status}; it needs Administration read): check "
                f"{ACTIONS_SETTINGS} > 'Allow GitHub Actions to create and approve pull requests'",
            )
        return Finding("unknown", "Actions may open pull requests", f"cannot read the setting: {exc}")
    allowed = bool(settings.get("can_approve_pull_request_reviews"))
    if allowed or promotion_token:
        why = "allowed" if allowed else "not allowed, but PROMOTION_TOKEN opens them"
        return Finding("ok", "Actions may open pull requests", why)
    return Finding(
        "missing",
        "Actions may open pull requests",
        f"GITHUB_TOKEN may not create pull requests, so open-pr, rollback and template-update fail: tick "
        f"{ACTIONS_SETTINGS} > 'Allow GitHub Actions to create and approve pull requests', or set PROMOTION_TOKEN",
    )


def _schedules(repo: dict[str, Any], env: Mapping[str, str]) -> Finding:
    keepalive = (env.get("RETRAIN_KEEPALIVE") or "").strip().lower() == "on"
    public = repo.get("visibility") == "public" or (repo.get("visibility") is None and repo.get("private") is False)
    if not public:
        return Finding("ok", "schedules", "a private repository: GitHub does not pause its schedules for inactivity")
    if keepalive:
        return Finding("ok", "schedules", "RETRAIN_KEEPALIVE=on: the check job re-enables them after 45 quiet days")
    return Finding(
        "notice",
        "schedules",
        "a public repository: GitHub pauses scheduled workflows after 60 days without activity; read "
        "'Schedules pause after 60 days' in the README (RETRAIN_KEEPALIVE is opt-in)",
    )


def run_doctor(params: Params, root: Path, env: Mapping[str, str] | None = None) -> list[Finding]:
    env = dict(os.environ if env is None else env)
    for_github = bool(env.get("GITHUB_REPOSITORY")) or env.get("GITHUB_ACTIONS") == "true"
    return [check_dvc_remote(root, env, for_github), check_tracking(params, root, env), *check_github(env)]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def summary_markdown(findings: list[Finding]) -> str:
    rows = "\n".join(f"| {f.status} | {f.what} | {_cell(f.line)} |" for f in findings)
    return f"### doctor\n\n| status | piece | found |\n|---|---|---|\n{rows}\n"
