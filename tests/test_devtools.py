"""Developer tooling of the baked project: pre-commit hooks, the Makefile, the dev container.

Fast: the files are there, parse, and name what they should. Slow: a fresh bake passes
`pre-commit run --all-files` and `make test`, with the tools from the lockfile. Every
hook is `repo: local` (pre-commit's remote hook repositories are cloned from GitHub,
which these machines cannot reach, and local hooks run the lockfile's pinned tools).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import BAKED_TESTS_SAMPLE, BakedEnv, bake_ok, run

VERBS = ("setup", "test", "repro", "check", "demo", "lint", "ui")


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
    # ui: loopback only, the local sqlite store, and MLflow's job runner off (its huey_consumer
    # processes outlived Ctrl-C); PORT moves it.
    ui = run(["make", "-n", "ui", "PORT=5123"], cwd=project).stdout
    assert "MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false" in ui and "mlflow ui" in ui, ui
    assert "--host 127.0.0.1" in ui and "--port 5123" in ui and "sqlite:///mlflow.db" in ui, ui
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
    # The target's wiring, on a sample of the suite: the whole of it runs in test_e2e's default bake.
    tests = run(["make", "test", f"VENV={baked_env.root}"], cwd=project,
                env={**env, "PYTEST_ADDOPTS": BAKED_TESTS_SAMPLE}, timeout=1800)
    assert re.search(r"\d+ passed", tests.stdout) and " failed" not in tests.stdout
    # The hooks changed nothing: the bake is already clean.
    assert run(["git", "status", "--porcelain"], cwd=project).stdout == ""


def processes_in(directory: Path) -> dict[int, str]:
    """pid -> command line of the live processes whose working directory is ``directory`` (Linux /proc)."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if Path(os.readlink(proc / "cwd")) == directory:
                found[int(proc.name)] = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # gone, or not ours to read
    return found


@pytest.mark.slow
def test_make_ui_serves_and_ctrl_c_leaves_nothing_running(cookies: Any, baked_env: BakedEnv) -> None:
    """Issue 24 item 5: stopping `mlflow ui` as the README showed left huey_consumer processes behind.
    `make ui` answers on loopback, and after Ctrl-C (SIGINT to its process group, as a terminal sends)
    no process is left running in the project."""
    if shutil.which("make") is None or not Path("/proc/self/cwd").exists():
        pytest.skip("needs make and Linux /proc")
    project = bake_ok(cookies).resolve()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ui = subprocess.Popen(
        ["make", "ui", f"VENV={baked_env.root}", f"PORT={port}"],
        cwd=project,
        env=baked_env.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the terminal's Ctrl-C reaches all of it
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert ui.poll() is None, ui.communicate()[0].decode(errors="replace")[-4000:]
                assert time.monotonic() < deadline, "make ui did not answer within 120 s"
                time.sleep(1)
        # MLflow's job runner (mlflow.server.jobs._job_runner, then huey_consumer workers) is what
        # outlived the server: with job execution off it is never started.
        runners = [c for c in processes_in(project).values() if "_job_runner" in c or "huey" in c]
        assert runners == [], runners
        os.killpg(ui.pid, signal.SIGINT)
        ui.wait(timeout=60)
        deadline = time.monotonic() + 30  # workers exit after their parent: give them a moment
        while processes_in(project) and time.monotonic() < deadline:
            time.sleep(1)
        assert processes_in(project) == {}, "left running after Ctrl-C"
    finally:
        if ui.poll() is None:
            os.killpg(ui.pid, signal.SIGKILL)
        for pid in processes_in(project):  # a test that failed leaves nothing behind either
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
