"""Developer tooling of the baked project: pre-commit hooks, the Makefile, the dev container.

Fast: the files are there, parse, and name what they should. Slow: a fresh bake passes
`pre-commit run --all-files` and `make test`, with the tools from the lockfile. Every
hook is `repo: local` (pre-commit's remote hook repositories are cloned from GitHub,
which these machines cannot reach, and local hooks run the lockfile's pinned tools).
"""

from __future__ import annotations

import json
import re
import shutil
from typing import Any

import pytest
import yaml

from .conftest import BakedEnv, bake_ok, run

VERBS = ("setup", "test", "repro", "check", "demo", "lint")


def test_pre_commit_hooks_are_local_and_cover_the_checks(cookies: Any) -> None:
    project = bake_ok(cookies)
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    for needed in ("ruff", "ruff-format", "check-yaml", "check-toml", "check-merge-conflict", "zizmor"):
        assert needed in hooks, needed
    assert all(hook["language"] in ("system", "fail") for hook in hooks.values())


def test_makefile_has_the_everyday_verbs(cookies: Any) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    project = bake_ok(cookies, package_name="my_model")
    listed = run(["make", "help"], cwd=project).stdout
    for verb in VERBS:
        assert re.search(rf"make {verb}\s", listed), verb
        dry = run(["make", "-n", verb], cwd=project).stdout
        assert dry.strip(), verb
    assert "-m my_model demo" in run(["make", "-n", "demo"], cwd=project).stdout
    assert "requirements.lock" in run(["make", "-n", "setup"], cwd=project).stdout
    # help prints the environment it means, never a literal make variable.
    assert "$(" not in listed and "create .venv from" in listed
    assert "create /elsewhere/env from" in run(["make", "help", "VENV=/elsewhere/env"], cwd=project).stdout
    # test-all clears pyproject's `-m 'not slow'` addopts, so the slow tier really runs.
    assert 'pytest -q -m ""' in run(["make", "-n", "test-all"], cwd=project).stdout


def test_local_outputs_are_ignored_by_git(cookies: Any) -> None:
    # The README's next step after `dvc plots show` is `git add -A`: its HTML must not be committed.
    project = bake_ok(cookies)
    (project / "dvc_plots").mkdir()
    (project / "dvc_plots" / "index.html").write_text("<html></html>")
    assert run(["git", "check-ignore", "-q", "dvc_plots/index.html"], cwd=project, check=False).returncode == 0
    assert "dvc_plots" not in run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=project).stdout


def test_devcontainer_builds_from_the_lockfile(cookies: Any) -> None:
    project = bake_ok(cookies, project_name='Odd "Quoted" Name', project_slug="odd-name", python_version="3.12")
    config = json.loads((project / ".devcontainer" / "devcontainer.json").read_text())
    assert config["name"] == 'Odd "Quoted" Name'
    assert config["image"].endswith(":3.12-bookworm")
    assert "make setup" in config["postCreateCommand"]


@pytest.mark.slow
def test_fresh_bake_passes_pre_commit_and_make_test(cookies_session: Any, baked_env: BakedEnv) -> None:
    project = bake_ok(cookies_session, project_name="Tooling Check")
    baked_env.install_project(project)
    env = baked_env.env(PRE_COMMIT_HOME=str(project.parent / "pre-commit-home"))
    hooks = run([baked_env.python, "-m", "pre_commit", "run", "--all-files", "--show-diff-on-failure"],
                cwd=project, env=env, check=False)
    assert hooks.returncode == 0, hooks.stdout[-6000:] + hooks.stderr[-2000:]
    assert "Failed" not in hooks.stdout
    for hook in ("ruff (lint)", "ruff (format)", "YAML parses", "TOML parses", "zizmor (workflow security)"):
        assert re.search(rf"^{re.escape(hook)}\.+Passed$", hooks.stdout, flags=re.M), hook
    tests = run(["make", "test", f"VENV={baked_env.root}"], cwd=project, env=env, timeout=1800)
    assert re.search(r"\d+ passed", tests.stdout) and " failed" not in tests.stdout
    # The hooks changed nothing: the bake is already clean.
    assert run(["git", "status", "--porcelain"], cwd=project).stdout == ""
