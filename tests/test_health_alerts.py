# ruff: noqa: F811  (pytest fixtures imported from test_github_cli are parameters here)
"""Issue 11: the model-health issue, the keepalive, chat alerts and pinned PR pictures, run as the workflows run them.

The baked CLI in the shared venv, real git (a bare origin), the GitHub API stand-in
(github_stub.py, issues and workflow endpoints included) and a real webhook receiver
on 127.0.0.1 (webhook_receiver.py). No act, so these stay in the slow tier's quick end.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from github_stub import GitHubStub
from test_github_cli import _baked_python, api_env, cli, git, project, stub  # noqa: F401  (fixtures)
from webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.slow


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def png_bytes(width: int = 4, height: int = 3) -> bytes:
    """A valid PNG (grey pixels), built by hand: the test must not trust the code it checks."""
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def health_body(stub: GitHubStub) -> str:
    (issue,) = stub.issues
    return str(issue["body"])


def stored_points(body: str) -> list[dict]:
    block = body.split("<!-- model-health-data\n", 1)[1].split("\n-->", 1)[0]
    return json.loads(block)["points"]


def test_health_issue_is_opened_once_then_updated_in_place(project: Path, stub: GitHubStub) -> None:
    env = api_env(stub)
    assert cli(project, "ingest", "--start", "2026-02-27")[0] == 0
    assert cli(project, "decide", "--now", "2026-03-01")[0] == 0
    code, out, _, summary = cli(project, "health-issue", env=env)
    assert code == 0, out
    assert len(stub.calls("POST", r".*/issues")) == 1
    body = health_body(stub)
    assert body.startswith("<!-- model-health -->") and "# Model health: churn-retrain" in body
    assert "**Retraining decision**: **retrain**" in body, "today's decision table"
    assert "| rows per day |" in body and "| 300 |" in body.replace("`", "")
    assert "**Open promotion pull request:** none." in body
    assert [lab["name"] for lab in stub.issues[0]["labels"]] == ["model-health"]
    assert "Model-health issue opened: #1" in summary
    # the next day's check edits the same issue: no second issue, two points of history
    assert cli(project, "advance", "--to", "2026-03-01")[0] == 0
    assert cli(project, "ingest", "--start", "2026-03-01")[0] == 0
    assert cli(project, "decide", "--now", "2026-03-02")[0] == 0
    stub.route("POST", "/repos/acme/churn-retrain/pulls", {},
               {"title": "Promote", "head": "promote/churn-retrain", "base": "main"})
    code, out, _, summary = cli(project, "health-issue", env=env)
    assert code == 0, out
    assert len(stub.issues) == 1 and len(stub.calls("POST", r".*/issues")) == 1
    assert len(stub.calls("PATCH", r".*/issues/\d+")) == 1
    body = health_body(stub)
    assert [p["day"] for p in stored_points(body)] == ["2026-02-28", "2026-03-01"]
    assert "**Open promotion pull request:** [#2]" in body, "the open promotion PR is linked"
    assert "| 2026-03-01 | retrain |" in body and "| 2026-02-28 | retrain |" in body
    assert "Model-health issue updated: #1" in summary
    # a re-run for the same data day replaces its point instead of adding one
    assert cli(project, "health-issue", env=env)[0] == 0
    assert len(stored_points(health_body(stub))) == 2 and len(stub.issues) == 1
    # a person closed the issue: the next check reopens the same one rather than opening a second
    stub.state.issues[1]["state"] = "closed"
    assert cli(project, "health-issue", env=env)[0] == 0
    assert len(stub.issues) == 1 and stub.issues[0]["state"] == "open"


def _commit_days_ago(root: Path, days: int) -> None:
    import datetime as dt
    import os

    when = (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).isoformat()
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@e.x", "GIT_COMMITTER_NAME": "T",
           "GIT_COMMITTER_EMAIL": "t@e.x", "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "quiet"], cwd=root, env=env, check=True)


SCHEDULED = ["batch-inference.yml", "retrain.yml", "template-update.yml"]


def test_keepalive_reenables_every_scheduled_workflow_only_after_quiet_days(project: Path, stub: GitHubStub) -> None:
    # issue 19 item 3: opt-in, measured on the wall clock (never the data's day), every scheduled workflow
    env = api_env(stub)
    code, out, _, _ = cli(project, "health-issue", env=env)
    assert code == 0, out
    assert "keepalive is off (the default)" in out and "RETRAIN_KEEPALIVE" in health_body(stub)
    env["RETRAIN_KEEPALIVE"] = "on"
    assert cli(project, "health-issue", env=env)[0] == 0
    assert stub.state.enabled_workflows == []
    assert "nothing to do until day 45" in health_body(stub)
    _commit_days_ago(project, 50)
    code, out, _, _ = cli(project, "health-issue", env=env)
    assert code == 0, out
    assert sorted(stub.state.enabled_workflows) == SCHEDULED
    assert len(stub.calls("PUT", r"/repos/acme/churn-retrain/actions/workflows/retrain\.yml/enable")) == 1
    body = health_body(stub)
    assert "`retrain.yml` re-enabled through the REST API" in body and "no commit pushed" in body
    assert git(project.parent / "origin.git", "log", "--oneline", "main").count("\n") == 0, "no keepalive commit"


def test_keepalive_skips_a_private_repository_and_names_a_missing_permission(project: Path,
                                                                             stub: GitHubStub) -> None:
    env = {**api_env(stub), "RETRAIN_KEEPALIVE": "on"}
    _commit_days_ago(project, 70)
    stub.state.private = True
    code, out, _, _ = cli(project, "health-issue", env=env)
    assert code == 0, out
    assert stub.state.enabled_workflows == [] and "public repositories only" in out
    stub.state.private = False
    stub.permissions["tok"] = {"issues": "write", "pull-requests": "read"}  # the check job without actions: write
    code, out, _, _ = cli(project, "health-issue", env=env)
    assert code == 0, out
    assert stub.state.enabled_workflows == []
    refused = [line for line in out.splitlines() if "not re-enabled" in line]
    assert len(refused) == len(SCHEDULED) and all("(403)" in r and "`actions: write`" in r for r in refused), out
    assert "Traceback" not in out


def test_alerts_one_message_per_event_and_none_on_quiet_days(project: Path, stub: GitHubStub,
                                                            hook: WebhookReceiver) -> None:
    env = {**api_env(stub), "ALERT_WEBHOOK_URL": hook.url}
    assert cli(project, "health-issue", "--status", "success", env=env)[0] == 0
    assert hook.messages == [], "a quiet day sends nothing"
    assert cli(project, "health-issue", "--status", "failure", env=env)[0] == 0
    assert len(hook.messages) == 1 and "the scheduled check failed" in hook.texts[0]
    assert "actions/runs/42" in hook.texts[0]
    (project / "reports").mkdir(exist_ok=True)
    (project / "reports" / "gate.json").write_text(json.dumps({"promote": False, "reasons": ["roc_auc: not better"]}))
    assert cli(project, "notify", "--event", "gate-rejected", env=env)[0] == 0
    assert len(hook.messages) == 2 and "rejected by the promotion gate" in hook.texts[1]
    assert "roc_auc: not better" in hook.texts[1]
    assert cli(project, "notify", "--event", "retrain-proposed", "--pr", "7", env=env)[0] == 0
    assert len(hook.messages) == 3 and "https://github.example/acme/churn-retrain/pull/7" in hook.texts[2]
    assert "below the floor" not in hook.texts[2]
    # issue 18: a promotion of the less bad of two models below a floor says so in the alert
    below = [{"metric": "log_loss", "floor": 0.69, "candidate": 0.8, "champion": 3.05}]
    (project / "reports" / "gate.json").write_text(json.dumps({"promote": True, "reasons": [], "below_floor": below}))
    assert cli(project, "notify", "--event", "retrain-proposed", "--pr", "8", env=env)[0] == 0
    assert len(hook.messages) == 4 and "below the floor on log_loss" in hook.texts[3]
    assert hook.rejected == []
    # no webhook configured: nothing is sent and nothing fails
    quiet_env = {k: v for k, v in env.items() if k != "ALERT_WEBHOOK_URL"}
    code, out, _, _ = cli(project, "notify", "--event", "check-failed", env=quiet_env)
    assert code == 0 and "not set" in out and len(hook.messages) == 4
    # an unreachable webhook is a warning, not a failed step
    code, out, _, _ = cli(project, "notify", "--event", "check-failed",
                          env={**quiet_env, "ALERT_WEBHOOK_URL": "http://127.0.0.1:9/x"})
    assert code == 0 and "::warning::" in out


def test_open_pr_pins_figures_to_the_pushed_commit(project: Path, stub: GitHubStub) -> None:
    origin = project.parent / "origin.git"
    figures = project / "reports" / "figures"
    figures.mkdir(parents=True)
    (figures / "roc_pr.png").write_bytes(png_bytes())
    (project / "reports" / "model_card.md").write_text("# Model card\n")
    (project / "reports" / "promotion.md").write_text(
        "# Promote\n\n## Pictures\n\n[model card](model_card.md)\n\n![ROC](figures/roc_pr.png)\n\n## Data\n"
    )
    code, out, _, summary = cli(project, "open-pr", env=api_env(stub))
    assert code == 0, out
    sha = git(origin, "rev-parse", "promote/churn-retrain")
    body = stub.pulls[0]["body"]
    url = f"https://github.example/acme/churn-retrain/blob/{sha}/reports/figures/roc_pr.png?raw=true"
    assert f"![ROC]({url})" in body
    assert f"(https://github.example/acme/churn-retrain/blob/{sha}/reports/model_card.md)" in body
    shown = subprocess.run(["git", "--git-dir", str(origin), "show", f"{sha}:reports/figures/roc_pr.png"],
                           capture_output=True, check=True).stdout
    assert shown == png_bytes(), "the linked file is on the pushed branch, byte for byte"
    assert url in summary, "the same pictures in the job summary"
