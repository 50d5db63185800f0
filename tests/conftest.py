"""Fixtures for the template's own tests.

Bakes use pytest-cookies (real cookiecutter, real hooks). Baked projects that are
installed share ONE virtual environment built from the template's lockfile, so
the slow tier pays for the heavy dependencies once per session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TEMPLATE = Path(__file__).resolve().parents[1]
# cookiecutter puts the template on sys.path while it bakes (its local Jinja extension,
# template_guard.py); pytest-cookies renders the context once before that, so do it here too.
if str(TEMPLATE) not in sys.path:
    sys.path.append(str(TEMPLATE))
LOCKFILE = TEMPLATE / "{{cookiecutter.project_slug}}" / "requirements.lock"
# Tests that prove how the baked suite is started (`make test`, pr.yml's lint-and-test job) run this
# sample of it through PYTEST_ADDOPTS: the whole suite runs once per CI run, in test_e2e's default bake.
BAKED_TESTS_SAMPLE = "tests/test_config.py tests/test_architecture.py"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: bakes, installs and runs a project end to end")


def run(
    cmd: list[str], cwd: Path, env: dict[str, str] | None = None, check: bool = True, timeout: int = 900
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} exited {result.returncode} in {cwd}\n--- stdout ---\n{result.stdout[-6000:]}"
            f"\n--- stderr ---\n{result.stderr[-6000:]}"
        )
    return result


def bake(cookies: Any, **context: Any) -> Any:
    """Bake this template (wherever pytest was started from) with ``context`` answers."""
    return cookies.bake(extra_context=context, template=str(TEMPLATE))


def bake_ok(cookies: Any, **context: Any) -> Path:
    result = bake(cookies, **context)
    assert result.exception is None, f"bake failed: {result.exception!r}"
    assert result.exit_code == 0
    return Path(result.project_path)


# Bytecode. CI (and this sandbox) set PYTHONDONTWRITEBYTECODE=1, so every process these tests start (the
# baked suites' CLI subprocesses, `dvc repro` stages, act jobs: hundreds per run) would compile pandas,
# scikit-learn and SciPy from source again: 8.7 s against 2.9 s for `import pandas, sklearn.linear_model,
# scipy.stats` on a 2-core runner. Compiling every venv whole at install (uv --compile-bytecode, ~1 GB
# each) pays for modules no test imports. Instead each process writes the bytecode of what it imports,
# once, into one cache outside every project and venv (PYTHONPYCACHEPREFIX): no __pycache__ appears in a
# baked project, and the next process reads what the first compiled. The benchmark strips both variables
# and chooses its venvs' bytecode state itself.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
os.environ.setdefault(
    "PYTHONPYCACHEPREFIX", str(Path(tempfile.gettempdir()) / f"cookiecutter-retrain-tests-pyc-{os.getuid()}")
)


class BakedEnv:
    """A venv holding the lockfile's packages; baked projects are added editable."""

    def __init__(self, root: Path, python: str) -> None:
        self.root = root
        self.python_version = python
        self.bin = root / "bin"

    @property
    def python(self) -> str:
        return str(self.bin / "python")

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "GITHUB_"))}
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.root)
        env.setdefault("GIT_AUTHOR_NAME", "Template Test")
        env.setdefault("GIT_AUTHOR_EMAIL", "test@example.com")
        env.setdefault("GIT_COMMITTER_NAME", "Template Test")
        env.setdefault("GIT_COMMITTER_EMAIL", "test@example.com")
        env.update(extra)
        return env

    def install_project(self, project: Path) -> None:
        run(["uv", "pip", "install", "-q", "-p", self.python, "--no-deps", "-e", str(project)], cwd=project)


def make_env(root: Path, python: str) -> BakedEnv:
    if shutil.which("uv") is None:
        pytest.fail("uv is required for the slow tier (pip install uv)")
    if not (root / "bin" / "python").exists():
        run(["uv", "venv", "-q", "--no-python-downloads", "-p", python, str(root)], cwd=TEMPLATE)
    run(["uv", "pip", "install", "-q", "-p", str(root / "bin" / "python"), "-r", str(LOCKFILE)],
        cwd=TEMPLATE)
    return BakedEnv(root, python)


@pytest.fixture(scope="session")
def baked_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BakedEnv]:
    """The shared venv (``BAKED_VENV`` reuses one across runs, as CI does).

    Baked projects are installed into it editable, and a project's name is the same in every
    default bake: two pytest-xdist workers sharing one venv would re-point each other's install.
    So each worker gets its own (``BAKED_VENV-gw0``, ...), built from uv's cache in seconds;
    tests inside one worker run one at a time.
    """
    given = os.environ.get("BAKED_VENV")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if given:
        root = Path(f"{given}-{worker}") if worker else Path(given)
    else:
        root = tmp_path_factory.mktemp("baked-venv") / "venv"
    yield make_env(root, f"{sys.version_info.major}.{sys.version_info.minor}")
