"""`export-if-set`: cloud credentials reach the job's later steps only when they are set (issue 19 item 4).

A step's ``env:`` entry from an absent secret is an empty string, and an empty AWS_ACCESS_KEY_ID
hides the credentials a role-assuming step (OIDC) exported: botocore then finds none. The workflows
pass secrets as ``IF_SET_<NAME>`` to this command, which exports only non-empty ones, never over a
value already set, never prints a value, and refuses a value with a line break ($GITHUB_ENV).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package_name }}.cli import main

from .conftest import PROJECT_ROOT

SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"


@pytest.fixture
def github_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "github_env"
    path.write_text("")
    monkeypatch.setenv("GITHUB_ENV", str(path))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"IF_SET_{name}", raising=False)
    return path


def exported(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


def test_an_absent_or_empty_secret_leaves_what_the_job_has(
    github_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIA-FROM-THE-ROLE")  # what configure-aws-credentials exported
    monkeypatch.setenv("IF_SET_AWS_ACCESS_KEY_ID", "")
    monkeypatch.setenv("IF_SET_AWS_SECRET_ACCESS_KEY", "")
    assert main(["export-if-set"]) == 0
    assert exported(github_env) == {}
    out = capsys.readouterr().out
    assert "AWS_ACCESS_KEY_ID: not set" in out
    assert "AWS_SECRET_ACCESS_KEY: not set" in out


def test_a_set_secret_is_exported_and_never_printed(
    github_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IF_SET_AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("IF_SET_AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("IF_SET_AWS_ENDPOINT_URL", "")
    assert main(["export-if-set"]) == 0
    assert exported(github_env) == {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": SECRET}
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err
    assert "AKIAEXAMPLE" not in captured.out + captured.err
    assert "AWS_SECRET_ACCESS_KEY: exported" in captured.out


def test_credentials_already_in_the_job_win_over_stored_keys(
    github_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A role's key id with its session token must not get a stored secret key mixed in."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIA-FROM-THE-ROLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "from-the-role")
    monkeypatch.setenv("IF_SET_AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("IF_SET_AWS_SECRET_ACCESS_KEY", SECRET)
    assert main(["export-if-set"]) == 0
    assert exported(github_env) == {}
    captured = capsys.readouterr()
    assert "AWS_ACCESS_KEY_ID: already set" in captured.out
    assert SECRET not in captured.out + captured.err


@pytest.mark.parametrize("value", [f"{SECRET}\n", f"{SECRET}\nNODE_OPTIONS=--require=/tmp/x.js", f"{SECRET}\r"])
def test_a_value_with_a_line_break_is_refused_and_nothing_is_exported(
    github_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    monkeypatch.setenv("IF_SET_AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("IF_SET_AWS_SECRET_ACCESS_KEY", value)
    assert main(["export-if-set"]) == 2
    assert github_env.read_text() == ""
    captured = capsys.readouterr()
    assert "AWS_SECRET_ACCESS_KEY: the value contains a line break" in captured.err
    assert SECRET not in captured.out + captured.err


def test_outside_actions_it_says_so(github_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ENV")
    monkeypatch.setenv("IF_SET_AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    assert main(["export-if-set"]) == 2


def test_no_workflow_step_sets_cloud_credentials_from_a_secret_directly() -> None:
    """Every AWS_* a workflow passes goes through export-if-set, in the steps that call it."""
    workflows = sorted((PROJECT_ROOT / ".github" / "workflows").glob("*.yml"))
    callers = 0
    for path in workflows:
        for name, job in (yaml.safe_load(path.read_text()).get("jobs") or {}).items():
            for step in [{"env": job.get("env")}, *job.get("steps", [])]:
                env = step.get("env") or {}
                direct = [key for key in env if key.startswith("AWS_")]
                assert not direct, f"{path.name}:{name}: {direct} set in env: (use IF_SET_<NAME> + export-if-set)"
                if any(key.startswith("IF_SET_") for key in env):
                    assert "export-if-set" in step.get("run", ""), f"{path.name}:{name}: IF_SET_* without export-if-set"
                    callers += 1
    assert callers >= 2
