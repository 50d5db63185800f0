"""The keepalive in the health step, run as retrain.yml runs it (issue 19 item 3).

The step's own ``run:`` script is read from the baked retrain.yml and run with bash against
a local stand-in for the few GitHub REST endpoints it calls, in a git repository whose last
commit is dated on the wall clock. Quiet time is wall clock minus the last commit's date,
never the data's day (RETRAIN_AS_OF); every workflow with an ``on: schedule`` is re-enabled;
nothing is done when the switch is off (the default), in a private repository or off the
default branch; a refused call is one line naming the permission.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import PROJECT_ROOT

OWNER_REPO = "acme/churn-retrain"
SCHEDULED = [
{%- if cookiecutter.include_batch_inference %}
    "batch-inference.yml",
{%- endif %}
    "retrain.yml",
    "template-update.yml",
]


@dataclass
class Api:
    """What the stand-in answers with, and what it was asked."""

    private: bool = False
    actions_write: bool = True
    default_branch: str = "main"
    enabled: list[str] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def api() -> Iterator[Api]:
    state = Api()
    prefix = f"/repos/{OWNER_REPO}"

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, status: int, payload: Any = None) -> None:
            raw = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _route(self, method: str) -> None:
            path = self.path.split("?", 1)[0]
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            state.requests.append((method, path))
            if method == "GET" and path == prefix:
                # Get a repository (docs.github.com/rest/repos/repos#get-a-repository): "Metadata" read,
                # which every workflow token has.
                visibility = "private" if state.private else "public"
                self._send(
                    200, {"private": state.private, "visibility": visibility, "default_branch": state.default_branch}
                )
            elif method == "GET" and path in (f"{prefix}/issues", f"{prefix}/pulls"):
                self._send(200, state.issues if path.endswith("/issues") else [])
            elif method == "POST" and path == f"{prefix}/issues":
                issue = {**body, "number": 1, "state": "open", "html_url": "https://github.example/i/1"}
                state.issues.append(issue)
                self._send(201, issue)
            elif method == "PUT" and (m := re.fullmatch(rf"{prefix}/actions/workflows/([^/]+)/enable", path)):
                # Enable a workflow (docs.github.com/rest/actions/workflows#enable-a-workflow): fine-grained
                # tokens need the "Actions" repository permission (write); a workflow token without
                # `actions: write` is refused with GitHub's 403 message.
                if not state.actions_write:
                    self._send(403, {"message": "Resource not accessible by integration", "status": "403"})
                    return
                state.enabled.append(m.group(1))
                self._send(204)
            else:
                self._send(404, {"message": "Not Found"})

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_PUT(self) -> None:
            self._route("PUT")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _git(root: Path, *args: str, when: dt.datetime | None = None) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "T",
        "GIT_AUTHOR_EMAIL": "t@e.x",
        "GIT_COMMITTER_NAME": "T",
        "GIT_COMMITTER_EMAIL": "t@e.x",
    }
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when.isoformat()
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def quiet_repo(project: Path, days: int) -> Path:
    """``project`` with the baked workflows, committed ``days`` days ago by the wall clock."""
    shutil.copytree(PROJECT_ROOT / ".github" / "workflows", project / ".github" / "workflows")
    _git(project, "init", "-q", "-b", "main")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "init", when=dt.datetime.now(dt.UTC) - dt.timedelta(days=days))
    return project


def health_step() -> str:
    workflow = yaml.safe_load((PROJECT_ROOT / ".github" / "workflows" / "retrain.yml").read_text())
    (step,) = [s for s in workflow["jobs"]["check"]["steps"] if str(s.get("name", "")).startswith("Model-health")]
    return str(step["run"])


def run_step(root: Path, api: Api, **env: str) -> str:
    """The health step's script as the runner runs it (bash -eo pipefail); returns its output."""
    summary = root.parent / "summary.md"
    full = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(PROJECT_ROOT / "src"),
        "HOME": os.environ.get("HOME", str(root.parent)),
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": api.url,
        "GITHUB_REPOSITORY": OWNER_REPO,
        "GITHUB_TOKEN": "tok",
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_API_RETRIES": "0",
        "JOB_STATUS": "success",
        "MLFLOW_TRACKING_URI": os.environ.get("MLFLOW_TRACKING_URI", ""),
        **env,
    }
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", health_step()],
        cwd=root,
        env=full,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    return done.stdout


def keepalive_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("keepalive")]


def test_quiet_time_is_the_wall_clock_not_the_data_day(project: Path, api: Api) -> None:
    # The data's day is pinned far in the past (a demo, a backfill); the branch has been quiet for 50
    # days by the wall clock. The old step measured from the data's day: "-246 days ago ... nothing".
    root = quiet_repo(project, days=50)
    out = run_step(root, api, RETRAIN_AS_OF="2026-01-20", RETRAIN_KEEPALIVE="on")
    assert sorted(api.enabled) == SCHEDULED, out
    assert not re.search(r"-\d+ days", out), out


def test_a_recent_commit_needs_nothing(project: Path, api: Api) -> None:
    root = quiet_repo(project, days=3)
    out = run_step(root, api, RETRAIN_AS_OF="2026-01-20", RETRAIN_KEEPALIVE="on")
    assert api.enabled == []
    (line,) = keepalive_lines(out)
    assert "3 days ago" in line, out
    assert "nothing to do until day 45" in line, out


def test_keepalive_is_off_by_default_and_says_how_to_turn_it_on(project: Path, api: Api) -> None:
    root = quiet_repo(project, days=50)
    out = run_step(root, api)
    assert api.enabled == []
    assert not [r for r in api.requests if r[0] == "PUT"]
    (line,) = keepalive_lines(out)
    assert "off" in line, out
    assert "RETRAIN_KEEPALIVE" in line, out
    assert "keepalive is off" in api.issues[0]["body"], "the health issue says so too"


def test_every_scheduled_workflow_is_enabled_one_line_each(project: Path, api: Api) -> None:
    root = quiet_repo(project, days=50)
    out = run_step(root, api, RETRAIN_KEEPALIVE="on")
    assert sorted(api.enabled) == SCHEDULED
    lines = keepalive_lines(out)
    assert len(lines) == len(SCHEDULED), out
    for name in SCHEDULED:
        assert any(f"`{name}` re-enabled" in line for line in lines), out
    assert "pr.yml" not in out, "workflows without a schedule are left alone"
    assert "promote.yml" not in out


@pytest.mark.parametrize("source", ["event", "api"])
def test_a_private_repository_is_skipped(project: Path, api: Api, source: str) -> None:
    root = quiet_repo(project, days=70)
    env = {"RETRAIN_KEEPALIVE": "on"}
    if source == "event":  # the schedule event's payload carries the repository
        event = root.parent / "event.json"
        event.write_text(json.dumps({"repository": {"private": True, "default_branch": "main"}}))
        env["GITHUB_EVENT_PATH"] = str(event)
    else:
        api.private = True
    out = run_step(root, api, **env)
    assert api.enabled == []
    (line,) = keepalive_lines(out)
    assert "private" in line, out
    assert "public" in line, out


def test_not_on_the_default_branch_is_skipped(project: Path, api: Api) -> None:
    root = quiet_repo(project, days=50)
    out = run_step(root, api, RETRAIN_KEEPALIVE="on", GITHUB_REF="refs/heads/feature")
    assert api.enabled == []
    (line,) = keepalive_lines(out)
    assert "default branch" in line, out


def test_a_refused_call_is_one_line_naming_the_permission(project: Path, api: Api) -> None:
    api.actions_write = False
    root = quiet_repo(project, days=50)
    out = run_step(root, api, RETRAIN_KEEPALIVE="on")
    lines = keepalive_lines(out)
    assert len(lines) == len(SCHEDULED), out
    assert all("403" in line and "actions: write" in line for line in lines), out
    assert api.issues, "a refused keepalive does not stop the health issue"


def test_no_token_is_one_line_and_no_call(project: Path, api: Api) -> None:
    root = quiet_repo(project, days=50)
    out = run_step(root, api, RETRAIN_KEEPALIVE="on", GITHUB_TOKEN="")
    assert api.requests == []
    (line,) = keepalive_lines(out)
    assert "skipped" in line, out
    assert "no token" in line, out
