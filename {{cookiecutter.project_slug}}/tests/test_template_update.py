"""Template updates: the record, the template's releases, and the pull request body.

The update itself (cruft rendering two template releases and merging them into a
project, one pull request through the GitHub client) is tested end to end by the
template's own test suite, which has a template repository to release from. Here: real
git repositories in tmp, no network.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.adapters import template_repo
from {{ cookiecutter.package_name }}.adapters.template_repo import (
    TemplateRecord,
    UpdateOutcome,
)
from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.jobs import template_update


@pytest.fixture(autouse=True)
def _not_on_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI writes to the job summary and outputs on GitHub Actions; not from these tests."""
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"):
        monkeypatch.delenv(name, raising=False)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """A template repository with releases tagged out of order, annotated and lightweight, and noise tags."""
    repo = tmp_path / "template"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for number, tag in enumerate(("v0.1.0", "v0.10.0", "v0.2.0", "latest", "v1.0", "v0.9.1")):
        (repo / "f.txt").write_text(str(number))
        git(repo, "add", "f.txt")
        git(repo, "commit", "-q", "-m", tag)
        if tag in ("v0.10.0", "v0.9.1"):
            git(repo, "tag", "-a", tag, "-m", tag)
        else:
            git(repo, "tag", tag)
    return repo


def write_record(root: Path, template: Path | str, commit: str, version: str | None = "0.1.0") -> None:
    context = {"project_slug": "x"} | ({"_template_version": version} if version else {})
    state = {
        "template": str(template),
        "commit": commit,
        "checkout": None,
        "context": {"cookiecutter": context},
        "directory": None,
    }
    (root / ".cruft.json").write_text(json.dumps(state))


def test_releases_are_semver_tags_sorted_by_version(template: Path) -> None:
    found = template_repo.releases(str(template))
    assert [r.tag for r in found] == ["v0.1.0", "v0.2.0", "v0.9.1", "v0.10.0"]
    for release in found:  # annotated tags resolve to their commit, not the tag object
        assert release.commit == git(template, "rev-parse", f"{release.tag}~0")  # ~0 peels to the commit


def test_resolve_tags_and_branches(template: Path) -> None:
    assert template_repo.resolve(str(template), "v0.10.0") == git(template, "rev-parse", "v0.10.0~0")
    assert template_repo.resolve(str(template), "main") == git(template, "rev-parse", "main")
    with pytest.raises(ValueError, match="template ref 'nope' not found"):
        template_repo.resolve(str(template), "nope")


def test_record_errors_name_the_file_and_key(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.cruft\.json not found"):
        template_repo.read_record(tmp_path)
    write_record(tmp_path, "https://example.invalid/t.git", "")
    with pytest.raises(ValueError, match=r"\.cruft\.json: key 'commit' is empty"):
        template_repo.read_record(tmp_path)
    (tmp_path / ".cruft.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"\.cruft\.json: not valid JSON"):
        template_repo.read_record(tmp_path)


def test_plan_targets_the_newest_release(tmp_path: Path, template: Path) -> None:
    write_record(tmp_path, template, git(template, "rev-parse", "v0.1.0"))
    plan = template_update.plan(tmp_path)
    assert plan.ref == "v0.10.0"
    assert not plan.up_to_date
    assert plan.commit == git(template, "rev-parse", "v0.10.0~0")
    assert template_update.plan(tmp_path, "v0.2.0").commit == git(template, "rev-parse", "v0.2.0")


def test_cli_without_a_record_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(tmp_path), "template-update"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert ".cruft.json not found" in err[0]


def test_cli_up_to_date_does_nothing(tmp_path: Path, template: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_record(tmp_path, template, git(template, "rev-parse", "v0.10.0~0"), version="0.10.0")
    assert main(["--root", str(tmp_path), "template-update"]) == 0
    assert "template-update: up to date: 0.10.0 is v0.10.0" in capsys.readouterr().out


def test_body_lists_every_conflict_with_what_to_do() -> None:
    plan = template_update.Plan(
        TemplateRecord("https://example.invalid/t.git", "a" * 40, None, "0.1.0"), "v0.2.0", "b" * 40
    )
    outcome = UpdateOutcome(unmerged=["README.md"], rejects=["src/x.py.rej"])
    rejected = {"src/x.py.rej": "@@ -1 +1 @@\n-old\n+new\n"}
    body = template_update.body(plan, "0.2.0", outcome, " README.md | 2 +-\n", rejected)
    assert "## Template update: 0.1.0 → 0.2.0" in body
    assert "2 conflict(s) to resolve before merging" in body
    assert "- `README.md`: the template and this project changed the same lines" in body
    assert "- `src/x.py.rej`: hunks that did not apply to `src/x.py`" in body
    assert "+new" in body
    assert "README.md | 2 +-" in body
    clean = template_update.body(plan, "0.2.0", UpdateOutcome(), "", {})
    assert "### No conflicts" in clean
    assert "conflict(s) to resolve" not in clean
    assert template_update.title(plan, "0.2.0") == "Update from the template: 0.1.0 → 0.2.0"
