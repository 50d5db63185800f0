"""The workflow commands of the baked CLI (cli/workflow.py), run as the workflows run them.

Real git (a bare origin), real DVC config, the GitHub API stand-in; no act, so fast.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cookiecutter.main import cookiecutter

sys.path.insert(0, str(Path(__file__).parent))
from github_stub import GitHubStub

TEMPLATE = Path(__file__).resolve().parents[1]
PACKAGE = "churn_retrain"


pytestmark = pytest.mark.slow  # runs the baked CLI in the shared venv of the lockfile's packages

PYTHON: list[str] = []


@pytest.fixture(autouse=True)
def _baked_python(baked_env: Any) -> None:
    PYTHON[:] = [baked_env.python]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(tmp_path)))
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    git(root, "remote", "add", "origin", str(origin))
    git(root, "push", "-q", "origin", "main")
    return root


@pytest.fixture
def stub() -> Iterator[GitHubStub]:
    with GitHubStub("acme", "churn-retrain") as server:
        yield server


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "T",
        "GIT_AUTHOR_EMAIL": "t@e.x",
        "GIT_COMMITTER_NAME": "T",
        "GIT_COMMITTER_EMAIL": "t@e.x",
    }
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout.strip()


def cli(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, dict[str, str], str]:
    """Run a subcommand; returns (exit code, output, $GITHUB_OUTPUT values, $GITHUB_STEP_SUMMARY)."""
    outputs, summary = root.parent / "gh_output", root.parent / "gh_summary"
    outputs.write_text("")
    summary.write_text("")
    full_env = {
        **os.environ,
        "PYTHONPATH": str(root / "src"),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_ACTIONS": "true",
        **(env or {}),
    }
    python = PYTHON[0]
    full_env["PATH"] = f"{Path(python).parent}{os.pathsep}{full_env['PATH']}"
    result = subprocess.run(
        [python, "-m", PACKAGE, *args], cwd=root, env=full_env, capture_output=True, text=True, check=False
    )
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return result.returncode, result.stdout + result.stderr, values, summary.read_text()


def api_env(stub: GitHubStub) -> dict[str, str]:
    return {
        "GITHUB_API_URL": stub.url,
        "GITHUB_REPOSITORY": "acme/churn-retrain",
        "GITHUB_TOKEN": "tok",
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_RUN_ID": "42",
    }


def test_remote_pull_degrades_clearly_when_the_local_remote_is_missing(project: Path) -> None:
    shutil.rmtree(project.parent / "churn-retrain-dvc-remote")
    code, out, outputs, summary = cli(project, "remote-pull")
    assert code == 0
    assert outputs == {"remote-available": "false"}
    assert "does not exist on this runner" in summary and "rebuilt deterministically" in summary
    assert "DVC_REMOTE_CONFIG" in summary
    assert "::warning::" in out


def test_remote_pull_with_the_remote_present_and_nothing_pinned(project: Path) -> None:
    code, out, outputs, summary = cli(project, "remote-pull")
    assert code == 0 and outputs == {"remote-available": "true"}, out + summary
    assert "nothing to pull" in out


def test_open_pr_pushes_one_branch_and_one_pr_then_updates_it(project: Path, stub: GitHubStub) -> None:
    origin = project.parent / "origin.git"
    (project / "reports").mkdir(exist_ok=True)
    (project / "reports" / "promotion.md").write_text(
        "## Promote\n\n| metric | champion | candidate |\n|---|---|---|\n"
    )
    (project / "metrics.json").write_text('{"roc_auc": 0.8}\n')
    code, out, outputs, summary = cli(project, "open-pr", "--label", "model-promotion", env=api_env(stub))
    assert code == 0, out
    assert outputs["pr-number"] == "1"
    assert (
        git(origin, "for-each-ref", "--format=%(refname)", "refs/heads/promote/") == "refs/heads/promote/churn-retrain"
    )
    assert git(origin, "show", "promote/churn-retrain:metrics.json") == '{"roc_auc": 0.8}'
    assert git(origin, "rev-parse", "main") != git(origin, "rev-parse", "promote/churn-retrain")
    assert "GITHUB_TOKEN" in summary and "Approve workflows to run" in summary  # the token notice
    pr = stub.pulls[0]
    assert "| metric |" in pr["body"] and "actions/runs/42" in pr["body"]
    # issue 19 item 9: the reviewer reads in the body what to click for the held checks
    assert "Approve workflows to run" in pr["body"] and "PROMOTION_TOKEN" in pr["body"]
    assert [lab["name"] for lab in pr["labels"]] == ["model-promotion"]
    # a second run (new numbers) updates the same pull request and branch
    git(project, "switch", "-q", "main")
    (project / "reports").mkdir(exist_ok=True)
    (project / "reports" / "promotion.md").write_text("## Promote again\n")
    (project / "metrics.json").write_text('{"roc_auc": 0.81}\n')
    code, out, _, summary = cli(
        project, "open-pr", "--label", "model-promotion", env={**api_env(stub), "TOKEN_KIND": "promotion-token"}
    )
    assert code == 0, out
    assert len(stub.pulls) == 1 and len(stub.calls("POST", r".*/pulls")) == 1
    assert git(origin, "show", "promote/churn-retrain:metrics.json") == '{"roc_auc": 0.81}'
    assert "Approve workflows to run" not in summary
    assert "Approve workflows to run" not in stub.pulls[0]["body"]  # opened by PROMOTION_TOKEN: checks start


def test_open_pr_with_nothing_changed_proposes_nothing(project: Path, stub: GitHubStub) -> None:
    (project / "reports").mkdir(exist_ok=True)
    (project / "reports" / "promotion.md").write_text("body")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "report")
    code, out, _, summary = cli(project, "open-pr", env=api_env(stub))
    assert code == 0 and "nothing to propose" in out and "Nothing to propose" in summary
    assert stub.requests == []


def test_open_pr_reports_api_errors_as_one_line(project: Path) -> None:
    (project / "reports").mkdir(exist_ok=True)
    (project / "reports" / "promotion.md").write_text("body")
    (project / "metrics.json").write_text("{}\n")
    env = {"GITHUB_API_URL": "http://127.0.0.1:9", "GITHUB_REPOSITORY": "acme/churn-retrain", "GITHUB_TOKEN": "t",
           "GITHUB_API_RETRIES": "0"}
    code, out, _, _ = cli(project, "open-pr", env=env)
    assert code == 2 and "cannot reach the GitHub API" in out and "Traceback" not in out


def test_pr_comment_without_a_gate_result_says_so(project: Path, stub: GitHubStub) -> None:
    stub.route("POST", "/repos/acme/churn-retrain/pulls", {}, {"title": "t", "head": "x", "base": "main"})
    code, out, _, _ = cli(
        project,
        "pr-comment",
        "--pr",
        "1",
        "--body-file",
        "reports/missing.md",
        "--status",
        "failure",
        env=api_env(stub),
    )
    assert code == 0, out
    (comment,) = stub.comments_on(1)
    assert "no result" in comment["body"] and "`failure`" in comment["body"]


def test_rollback_refuses_what_is_not_a_model_tag(project: Path, stub: GitHubStub) -> None:
    for tag in ("v1", "model-v1; rm -rf /", "model-vX"):
        code, out, _, _ = cli(project, "rollback", "--tag", tag, env=api_env(stub))
        assert code == 2 and "is not a model tag" in out
    code, out, _, _ = cli(project, "rollback", "--tag", "model-v7", env=api_env(stub))
    assert code == 2 and "does not exist" in out
    assert stub.requests == []


def test_promote_without_a_pinned_model_is_a_no_op(project: Path) -> None:
    code, out, _, summary = cli(project, "promote", "--no-push")
    assert code == 0 and "nothing to promote" in out and "nothing to promote" in summary
    assert git(project, "tag", "-l") == ""


# --- issue 8: every write succeeds or the job fails ---------------------------------------------


def tracked_file(project: Path) -> None:
    """Something for `dvc push` to store: a small DVC-tracked file."""
    (project / "data").mkdir(exist_ok=True)
    (project / "data" / "sample.csv").write_text("a,b\n1,2\n")
    subprocess.run([PYTHON[0], "-m", "dvc", "add", "-q", "data/sample.csv"], cwd=project, check=True,
                   capture_output=True)


def remote_objects(remote: Path) -> list[Path]:
    return sorted(p for p in remote.rglob("*") if p.is_file()) if remote.is_dir() else []


def test_remote_push_fails_when_the_remote_is_missing_and_a_rerun_recovers(project: Path) -> None:
    remote = project.parent / "churn-retrain-dvc-remote"
    shutil.rmtree(remote)
    tracked_file(project)
    code, out, _, summary = cli(project, "remote-push")
    assert code != 0, out
    (line,) = [x for x in out.splitlines() if x.startswith("remote-push:")]
    assert "does not exist on this machine" in line and str(remote) in line
    assert "::error::" in out and "not stored, nothing is proposed" in summary and "DVC_REMOTE_CONFIG" in summary
    assert not remote.exists(), "nothing was created or stored"
    remote.mkdir()  # the remote is fixed: the same step again stores the data
    code, out, _, _ = cli(project, "remote-push")
    assert code == 0, out
    assert remote_objects(remote)


def test_the_record_of_retrain_attempts_survives_a_fresh_checkout(project: Path, tmp_path: Path) -> None:
    """Issue 31: the retrain job's remote-push stores data/attempts.json in the DVC remote; the next
    morning's fresh checkout gets it back with remote-pull, merged with what is there, never lost."""
    remote = project.parent / "churn-retrain-dvc-remote"
    tracked_file(project)
    attempt = {"at": "2026-02-01T06:30:00+00:00", "data_end": "2026-01-31", "train_end": "2026-01-24",
               "verdict": "reject", "reason": "roc_auc: not better", "champion_md5": "a" * 32,
               "candidate_md5": "b" * 32}
    (project / "data" / "attempts.json").write_text(json.dumps({"version": 1, "attempts": [attempt]}))
    code, out, _, _ = cli(project, "remote-push")
    assert code == 0, out
    assert "1 retrain attempt(s) stored" in out
    stored = json.loads((remote / "loop" / "attempts.json").read_text())["attempts"]
    attempt["holdout_start"] = None  # written by the current version, absent from an older record
    assert stored == [attempt]
    fresh = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", str(project), str(fresh))
    shutil.copy(project / ".dvc" / "config", fresh / ".dvc" / "config")  # same remote, as in the workflows
    assert not (fresh / "data" / "attempts.json").exists()
    code, out, _, _ = cli(fresh, "remote-pull")
    assert code == 0, out
    assert json.loads((fresh / "data" / "attempts.json").read_text())["attempts"] == [attempt]
    # a corrupt record in the remote fails the job with the path: never a silent empty memory
    (remote / "loop" / "attempts.json").write_text("{not json")
    code, out, _, _ = cli(fresh, "remote-pull")
    assert code == 1, out
    assert "loop/attempts.json" in out and "not a valid attempt record" in out


def test_remote_push_fails_when_the_remote_path_is_below_a_file(project: Path) -> None:
    blocker = project.parent / "a-file"
    blocker.write_text("not a directory")
    (project / ".dvc" / "config.local").write_text(f"['remote \"storage\"']\n    url = {blocker / 'remote'}\n")
    tracked_file(project)
    code, out, _, _ = cli(project, "remote-push")
    assert code != 0
    assert f"below {blocker}, which is a file" in out
    assert blocker.read_text() == "not a directory"


def test_remote_push_names_a_missing_dvc_plugin_not_credentials(project: Path) -> None:
    (project / ".dvc" / "config.local").write_text("['remote \"storage\"']\n    url = s3://bucket/models\n")
    for step in ("remote-push", "remote-pull"):
        code, out, _, summary = cli(project, step)
        assert code == 2, out
        assert "dvc-s3" in out and "--extra s3" in out, out
        assert "not a credentials problem" in summary and "DVC_REMOTE_CONFIG" not in summary


# --- issue 8: open-pr pushes only when the PR call can follow, and a re-run recovers -----------


def write_proposal(project: Path, auc: float = 0.8) -> None:
    """A changed metrics.json and the body `report` writes for it (its "Reproduce" section included)."""
    (project / "metrics.json").write_text(f'{{"roc_auc": {auc}}}\n')
    code, out, _, _ = cli(project, "report")
    assert code == 0, out


def test_open_pr_pushes_nothing_when_the_api_cannot_be_reached(project: Path) -> None:
    origin = project.parent / "origin.git"
    write_proposal(project)
    env = {"GITHUB_API_URL": "http://127.0.0.1:9", "GITHUB_REPOSITORY": "acme/churn-retrain", "GITHUB_TOKEN": "t",
           "GITHUB_API_RETRIES": "1", "GITHUB_API_BACKOFF": "0"}
    code, out, _, _ = cli(project, "open-pr", env=env)
    assert code != 0 and "cannot reach the GitHub API" in out and "Traceback" not in out
    assert git(origin, "for-each-ref", "refs/heads/promote/") == "", "no branch without a pull request"


def test_open_pr_rerun_in_the_same_workspace_opens_the_missing_pr(project: Path, stub: GitHubStub) -> None:
    origin = project.parent / "origin.git"
    write_proposal(project)
    stub.fail("POST", r"/repos/acme/churn-retrain/pulls", 502, 502)
    env = {**api_env(stub), "GITHUB_API_RETRIES": "1", "GITHUB_API_BACKOFF": "0"}
    code, out, _, _ = cli(project, "open-pr", "--label", "model-promotion", env=env)
    assert code != 0 and "HTTP 502" in out and "gave up after 2 attempts" in out
    assert stub.pulls == []
    # The re-run in the same workspace (the branch is committed, the tree is clean) must propose it.
    code, out, outputs, _ = cli(project, "open-pr", "--label", "model-promotion", env=env)
    assert code == 0, out
    assert "nothing to propose" not in out
    assert len(stub.pulls) == 1 and outputs["pr-number"] == "1"
    assert [lab["name"] for lab in stub.pulls[0]["labels"]] == ["model-promotion"]
    head = git(origin, "rev-parse", "promote/churn-retrain")
    # issue 8 item 3: "Reproduce" names the candidate's commit (the branch head), not main's
    assert f"git checkout {head}" in stub.pulls[0]["body"]
    assert git(origin, "rev-parse", "main") not in stub.pulls[0]["body"]
