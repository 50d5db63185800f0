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
    declared = pyproject["dependencies"] + pyproject["optional-dependencies"]["dev"]
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


def test_lock_keeps_pandas_below_3_for_evidently() -> None:
    # evidently 0.7 fails at `from evidently import Report` on pandas 3 (DESIGN.md).
    assert locked_versions()["pandas"].startswith("2.")


def test_each_remote_bake_keeps_the_lock_with_its_dvc_plugin(cookies: Any) -> None:
    """Issue 8: an s3:// bake's lock lacked dvc-s3, and dvc-s3 cannot be added on top of the default lock."""
    default = bake_ok(cookies)
    assert (default / "requirements.lock").read_text() == LOCKFILE.read_text()
    assert not (default / "locks").exists()
    for extra, plugin in PLUGINS.items():
        project = bake_ok(cookies, dvc_remote_url=f"{extra}://bucket/models")
        assert not (project / "locks").exists(), "the bake keeps one lock, requirements.lock"
        pins = locked_versions(lockfile=project / "requirements.lock")
        assert plugin in pins, f"{extra}:// bake: requirements.lock lacks {plugin}"
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
