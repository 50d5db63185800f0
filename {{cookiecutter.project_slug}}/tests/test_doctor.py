"""`doctor`: one line per piece a fresh repository still lacks, from inside a workflow run (issue 19).

GitHub answers through the real client (adapters/github.py) with its transport replaced: each test
scripts what github.com answers a given token, per endpoint.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.adapters import github
from {{ cookiecutter.package_name }}.cli import main

REPO = "/repos/acme/churn"
SHARED = "https://dvc.example.invalid/store"  # a remote every runner reaches (DVC's http plugin ships with it)


def dvc_remote(root: Path, url: str) -> None:
    """A git repository whose DVC config names ``url`` as the default remote, as a bake writes it."""
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".dvc").mkdir(exist_ok=True)
    (root / ".dvc" / "config").write_text(f"[core]\n    remote = storage\n['remote \"storage\"']\n    url = {url}\n")


class FakeGitHub:
    """What github.com answers: ``answers[(method, path)]`` is a body or an HTTP status to refuse with."""

    def __init__(self, answers: dict[tuple[str, str], Any]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str]] = []

    def request(self, method: str, path: str) -> Any:
        self.calls.append((method, path))
        answer = self.answers.get((method, path), 404)
        if isinstance(answer, int):
            raise github.GitHubError(f"{method} {path}: HTTP {answer}", status=answer)
        return answer


def fresh_repository(*, visibility: str = "public", settings: Any = 403, labels: tuple[str, ...] = ()) -> FakeGitHub:
    answers: dict[tuple[str, str], Any] = {
        ("GET", REPO): {
            "full_name": "acme/churn",
            "visibility": visibility,
            "private": visibility != "public",
            "default_branch": "main",
        },
        ("GET", f"{REPO}/actions/permissions/workflow"): settings,
    }
    for name in labels:
        answers[("GET", f"{REPO}/labels/{name}")] = {"name": name}
    answers[("GET", f"{REPO}/rules/branches/main")] = []
    answers[("GET", f"{REPO}/branches/main")] = {"name": "main", "protected": False}
    return FakeGitHub(answers)


@pytest.fixture
def in_a_run(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "acme/churn",
        "GITHUB_TOKEN": "ghs_x",
        "GITHUB_API_URL": "http://127.0.0.1:9",
        "GITHUB_API_RETRIES": "0",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("PROMOTION_TOKEN", "RETRAIN_KEEPALIVE", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)


def doctor(project: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> tuple[int, list[str]]:
    def request(_client: github.GitHub, method: str, path: str, *_: Any, **__: Any) -> Any:
        return fake.request(method, path)

    monkeypatch.setattr(github.GitHub, "request", request)
    code = main(["--root", str(project), "doctor"])
    return code, capsys.readouterr().out.splitlines()


def line(lines: list[str], piece: str) -> str:
    found = [text for text in lines if f"  {piece}  " in text or text.rstrip().endswith(f"  {piece}")]
    assert len(found) == 1, (piece, lines)
    return found[0]


def test_a_fresh_repository_names_what_each_job_would_fail_on(
    project: Path, in_a_run: None, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    dvc_remote(project, str(project.parent / "laptop-remote"))  # the baked local remote: not on a runner
    fake = fresh_repository(
        settings={"default_workflow_permissions": "read", "can_approve_pull_request_reviews": False}
    )
    code, lines = doctor(project, fake, monkeypatch, capsys)

    assert code == 1, lines
    remote = line(lines, "DVC remote")
    assert remote.startswith("doctor: missing")
    assert "does not exist on this machine" in remote
    assert "DVC_REMOTE_CONFIG" in remote
    assert line(lines, "MLflow tracking").startswith("doctor: notice")  # a local store lives one job on a runner
    opening = line(lines, "Actions may open pull requests")
    assert opening.startswith("doctor: missing")
    assert "Allow GitHub Actions to create and approve pull requests" in opening
    assert "PROMOTION_TOKEN" in opening
    labels = line(lines, "labels")
    assert labels.startswith("doctor: ok")
    assert "model-promotion" in labels
    assert "creates it" in labels
    assert line(lines, "promotion token").startswith("doctor: notice")
    assert "pauses scheduled workflows after 60 days" in line(lines, "schedules")
    assert lines[-1] == "doctor: 2 missing: DVC remote, Actions may open pull requests"
    assert ("POST", f"{REPO}/labels") not in fake.calls
    assert all(method == "GET" for method, _ in fake.calls)


def test_a_workflow_token_cannot_see_the_setting_and_says_where_to_look(
    project: Path, in_a_run: None, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    dvc_remote(project, SHARED)
    fake = fresh_repository(visibility="private", settings=403, labels=tuple(github.LABELS))
    code, lines = doctor(project, fake, monkeypatch, capsys)

    assert code == 0, lines
    assert line(lines, "DVC remote").startswith("doctor: ok")
    assert "credentials not written (DVC_REMOTE_CONFIG empty)" in line(lines, "DVC remote")
    opening = line(lines, "Actions may open pull requests")
    assert opening.startswith("doctor: unknown")
    assert "Administration read" in opening
    assert "Settings > Actions > General > Workflow permissions" in opening
    assert line(lines, "labels").startswith("doctor: ok")
    assert "all 5 exist" in line(lines, "labels")
    assert "private repository" in line(lines, "schedules")
    assert lines[-1] == "doctor: nothing missing (1 not checked: see the unknown line)"

    # with a promotion token the setting does not matter
    monkeypatch.setenv("PROMOTION_TOKEN", "github_pat_x")
    code, lines = doctor(project, fake, monkeypatch, capsys)
    assert code == 0
    assert line(lines, "Actions may open pull requests").startswith("doctor: ok")
    assert line(lines, "promotion token").startswith("doctor: ok")
    assert not any("github_pat_x" in text for text in lines)


def test_a_token_that_cannot_read_the_repository_is_one_missing_line(
    project: Path, in_a_run: None, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    dvc_remote(project, SHARED)
    code, lines = doctor(project, FakeGitHub({("GET", REPO): 401}), monkeypatch, capsys)
    assert code == 1, lines
    assert line(lines, "GitHub").startswith("doctor: missing")
    assert "HTTP 401" in line(lines, "GitHub")


def test_outside_a_workflow_run_github_is_not_checked_and_the_summary_is_a_table(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, tmp_path: Path
) -> None:
    for name in ("GITHUB_ACTIONS", "GITHUB_REPOSITORY", "GITHUB_TOKEN", "GH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    (project.parent / "remote").mkdir()
    dvc_remote(project, str(project.parent / "remote"))
    code, lines = doctor(project, FakeGitHub({}), monkeypatch, capsys)

    assert code == 0, lines
    assert line(lines, "GitHub").startswith("doctor: unknown")
    assert "GITHUB_REPOSITORY" in line(lines, "GitHub")
    assert line(lines, "DVC remote").startswith("doctor: notice")  # a local folder: fine on a laptop

    # the same folder is what the retrain job would fail on, once GitHub is what is being checked
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/churn")
    code, lines = doctor(project, FakeGitHub({}), monkeypatch, capsys)
    assert code == 1, lines
    assert line(lines, "DVC remote").startswith("doctor: missing")
    assert "fails at remote-push" in line(lines, "DVC remote")
    table = summary.read_text()
    assert "| status | piece | found |" in table
    assert "| unknown | GitHub |" in table


def test_the_gate_check_required_by_a_ruleset_or_branch_protection(
    project: Path, in_a_run: None, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    dvc_remote(project, SHARED)
    fake = fresh_repository(visibility="private", labels=tuple(github.LABELS))
    _, lines = doctor(project, fake, monkeypatch, capsys)
    unprotected = line(lines, "gate required on merge")
    assert unprotected.startswith("doctor: notice")
    assert "can be merged" in unprotected

    # a ruleset (Get rules for a branch) ...
    fake.answers[("GET", f"{REPO}/rules/branches/main")] = [
        {"type": "pull_request", "parameters": {}},
        {
            "type": "required_status_checks",
            "parameters": {
                "required_status_checks": [{"context": "lint and tests"}, {"context": "pipeline (dvc repro + gate)"}]
            },
        },
    ]
    _, lines = doctor(project, fake, monkeypatch, capsys)
    assert line(lines, "gate required on merge").startswith("doctor: ok")

    # ... or classic branch protection (Get a branch) requires it
    fake.answers[("GET", f"{REPO}/rules/branches/main")] = []
    fake.answers[("GET", f"{REPO}/branches/main")] = {
        "name": "main",
        "protected": True,
        "protection": {
            "enabled": True,
            "required_status_checks": {"contexts": ["pipeline (dvc repro + gate)"], "checks": []},
        },
    }
    _, lines = doctor(project, fake, monkeypatch, capsys)
    assert line(lines, "gate required on merge").startswith("doctor: ok")
