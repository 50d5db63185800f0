"""The baked project's lockfile agrees with its declared dependencies."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .conftest import LOCKFILE, bake_ok, run

# One lock per DVC remote protocol, each with that remote's plugin (scripts/update-lock.sh).
PLUGINS = {"s3": "dvc-s3", "gs": "dvc-gs", "azure": "dvc-azure", "ssh": "dvc-ssh"}
EXTRA_LOCKS = {extra: LOCKFILE.parent / "locks" / f"requirements-{extra}.lock" for extra in PLUGINS}
# What the workflow jobs install (issue 23): the same pins, without the dev tools and Dask.
RUNTIME_LOCKFILE = LOCKFILE.parent / "requirements-runtime.lock"
RUNTIME_LOCKS = {extra: LOCKFILE.parent / "locks" / f"requirements-runtime-{extra}.lock" for extra in PLUGINS}
# Never in the runtime lock: test runners, linters, type checkers, hooks, the template updater, Dask.
DEV_ONLY = ("pytest", "ruff", "mypy", "pre-commit", "pre-commit-hooks", "zizmor", "cruft", "cookiecutter",
            "pandas-stubs", "dask", "distributed")


def locked_versions(python: str = "3.11", lockfile: Path = LOCKFILE) -> dict[str, str]:
    env = {**default_environment(), "python_version": python, "python_full_version": f"{python}.0"}
    pins: dict[str, str] = {}
    for line in lockfile.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        (spec,) = req.specifier
        assert spec.operator == "==", f"lockfile line is not an exact pin: {line}"
        pins[canonicalize_name(req.name)] = spec.version
    return pins


@pytest.mark.parametrize("extra", [None, *PLUGINS])
def test_every_declared_dependency_is_locked_within_its_range(cookies: Any, extra: str | None) -> None:
    project: Path = bake_ok(cookies)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    extras = pyproject["optional-dependencies"]
    declared = pyproject["dependencies"] + extras["dev"] + extras["lightgbm"]
    if extra is not None:
        declared += pyproject["optional-dependencies"][extra]
    lockfile = LOCKFILE if extra is None else EXTRA_LOCKS[extra]
    for python in ("3.11", "3.12", "3.13"):
        pins = locked_versions(python, lockfile)
        for text in declared:
            req = Requirement(text)
            name = canonicalize_name(req.name)
            assert name in pins, f"{req.name} is declared but not in requirements.lock (run scripts/update-lock.sh)"
            assert req.specifier.contains(pins[name], prereleases=True), (
                f"requirements.lock pins {req.name}=={pins[name]}, outside the declared {req.specifier}"
            )


@pytest.mark.parametrize("extra", [None, *PLUGINS])
def test_the_runtime_lock_holds_what_the_jobs_run_at_the_dev_locks_pins(cookies: Any, extra: str | None) -> None:
    """Issue 23: every workflow job installed pytest, the linters and Dask. The runtime lock pins each
    runtime dependency (lightgbm and the PostgreSQL driver included) within its range, at the very
    version the dev lock pins, and holds no dev tool."""
    project: Path = bake_ok(cookies)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    extras = pyproject["optional-dependencies"]
    declared = pyproject["dependencies"] + extras["lightgbm"] + extras["postgres"] + (extras[extra] if extra else [])
    runtime_lock = RUNTIME_LOCKFILE if extra is None else RUNTIME_LOCKS[extra]
    dev_lock = LOCKFILE if extra is None else EXTRA_LOCKS[extra]
    for python in ("3.11", "3.12", "3.13"):
        runtime, dev = locked_versions(python, runtime_lock), locked_versions(python, dev_lock)
        for text in declared:
            req = Requirement(text)
            name = canonicalize_name(req.name)
            assert name in runtime, f"{req.name} is a runtime dependency but not in {runtime_lock.name}"
            assert req.specifier.contains(runtime[name], prereleases=True), (req.name, runtime[name])
        tools = sorted(name for name in DEV_ONLY if canonicalize_name(name) in runtime)
        assert tools == [], f"{runtime_lock.name} carries dev-only packages: {tools}"
        differ = {name: (pin, dev.get(name)) for name, pin in runtime.items() if dev.get(name) != pin}
        assert differ == {}, f"{runtime_lock.name} and {dev_lock.name} disagree (runtime, dev): {differ}"


def test_jobs_install_the_runtime_lock_unless_they_run_dev_tools(cookies: Any) -> None:
    """The setup action installs requirements-runtime.lock by default; a job that runs a test, lint or
    update tool asks for requirements.lock, and no other job does (a production job would carry them)."""
    import yaml

    project: Path = bake_ok(cookies)
    action = yaml.safe_load((project / ".github" / "actions" / "setup" / "action.yml").read_text())
    assert action["inputs"]["lock"]["default"] == "requirements-runtime.lock"
    dev_tool = ("pytest", "mypy", "pre_commit", "pre-commit", "template-update")
    seen = 0
    for workflow in sorted((project / ".github" / "workflows").glob("*.yml")):
        for name, job in yaml.safe_load(workflow.read_text())["jobs"].items():
            steps = job.get("steps", [])
            setup = [s for s in steps if s.get("uses") == "./.github/actions/setup"]
            if not setup:
                continue
            lock = (setup[0].get("with") or {}).get("lock", "requirements-runtime.lock")
            runs = " ".join(str(s.get("run", "")) for s in steps)
            needs_dev = any(tool in runs for tool in dev_tool)
            expected = "requirements.lock" if needs_dev else "requirements-runtime.lock"
            assert lock == expected, f"{workflow.name} job {name} installs {lock}, runs: {runs[:200]}"
            seen += needs_dev
    assert seen == 2, "pr.yml's lint/test job and template-update.yml's job are the two that need dev tools"


def test_lock_keeps_pandas_below_3_for_evidently() -> None:
    # evidently 0.7 fails at `from evidently import Report` on pandas 3 (DESIGN.md).
    assert locked_versions()["pandas"].startswith("2.")


def test_each_remote_bake_keeps_the_lock_with_its_dvc_plugin(cookies: Any) -> None:
    """Issue 8: an s3:// bake's lock lacked dvc-s3, and dvc-s3 cannot be added on top of the default lock."""
    default = bake_ok(cookies)
    assert (default / "requirements.lock").read_text() == LOCKFILE.read_text()
    assert (default / "requirements-runtime.lock").read_text() == RUNTIME_LOCKFILE.read_text()
    assert not (default / "locks").exists()
    for extra, plugin in PLUGINS.items():
        project = bake_ok(cookies, dvc_remote_url=f"{extra}://bucket/models")
        assert not (project / "locks").exists(), "the bake keeps two locks, requirements[-runtime].lock"
        for name in ("requirements.lock", "requirements-runtime.lock"):
            pins = locked_versions(lockfile=project / name)
            assert plugin in pins, f"{extra}:// bake: {name} lacks {plugin}"
            assert all(other not in pins for other in PLUGINS.values() if other != plugin)


@pytest.mark.slow
def test_an_s3_bake_installs_from_its_lock_and_dvc_finds_the_plugin(cookies: Any, tmp_path: Path) -> None:
    project = bake_ok(cookies, dvc_remote_url="s3://bucket/models")
    venv = tmp_path / "venv"
    python = str(venv / "bin" / "python")
    run(["uv", "venv", "-q", "--no-python-downloads", "-p", f"{sys.version_info.major}.{sys.version_info.minor}",
         str(venv)], cwd=tmp_path)
    run(["uv", "pip", "install", "-q", "-p", python, "-r", str(project / "requirements.lock")], cwd=project)
    run(["uv", "pip", "install", "-q", "-p", python, "--no-deps", "-e", str(project)], cwd=project)
    check = (
        "from pathlib import Path\n"
        "import dvc_s3\n"
        "from churn_retrain.adapters.gitops import default_remote, remote_problem\n"
        "remote = default_remote(Path.cwd())\n"
        "assert remote is not None and remote.url == 's3://bucket/models', remote\n"
        "problem = remote_problem(Path.cwd(), remote)\n"
        "assert problem is None, problem\n"
        "print('dvc-s3 ok')\n"
    )
    assert "dvc-s3 ok" in run([python, "-c", check], cwd=project).stdout


@pytest.mark.slow
def test_the_setup_action_installs_the_runtime_lock_and_adds_the_full_one_for_dask(
    cookies: Any, tmp_path: Path, baked_env: Any
) -> None:
    """The setup action's install step, run as a job runs it (bash, its inputs in the environment) with
    a recording ``uv``: the runtime lock by default; with compute.engine dask the full lock as well
    (the Dask client is only there); a missing lock stops the job naming the file."""
    import os
    import subprocess

    import yaml

    project: Path = bake_ok(cookies)
    action = yaml.safe_load((project / ".github" / "actions" / "setup" / "action.yml").read_text())
    (step,) = [s for s in action["runs"]["steps"] if s.get("name") == "Install the locked dependencies and the project"]
    script = step["run"]
    calls = tmp_path / "uv-calls"
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "uv").write_text(f'#!/bin/sh\necho "$@" >> {calls}\n')
    (fake / "uv").chmod(0o755)
    (fake / "python").write_text(f'#!/bin/sh\nexec "{baked_env.python}" "$@"\n')  # the venv's, found first
    (fake / "python").chmod(0o755)

    def install(lock: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
        calls.unlink(missing_ok=True)
        env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}", "PYTHONPATH": str(project / "src"), "LOCK": lock}
        done = subprocess.run(["bash", "-e", "-c", script], cwd=project, env=env, capture_output=True, text=True)
        return done, (calls.read_text().splitlines() if calls.exists() else [])

    done, uv = install("requirements-runtime.lock")
    assert done.returncode == 0, done.stdout + done.stderr
    assert [line.split(" -r ")[-1] for line in uv if " -r " in line] == ["requirements-runtime.lock"], uv
    params = project / "params.yaml"
    params.write_text(params.read_text().replace("  engine: local", "  engine: dask", 1))
    done, uv = install("requirements-runtime.lock")
    assert done.returncode == 0, done.stdout + done.stderr
    assert [line.split(" -r ")[-1] for line in uv if " -r " in line] == [
        "requirements-runtime.lock",
        "requirements.lock",
    ], uv
    assert "compute.engine is dask" in done.stdout
    (project / "requirements-runtime.lock").unlink()
    done, uv = install("requirements-runtime.lock")
    assert done.returncode == 2 and uv == []
    assert "requirements-runtime.lock is missing" in done.stdout
