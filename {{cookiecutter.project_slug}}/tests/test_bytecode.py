"""Python's bytecode never makes a DVC stage look changed.

dvc.yaml names source folders as dependencies (ingest's `adapters/sources`). Python writes
`__pycache__` into them on first import, on a laptop and on a hosted runner alike, and not at all where
PYTHONDONTWRITEBYTECODE is set; a hash that counted those files would differ between the machine
that ran `dvc repro` and a fresh clone, so `dvc status` would call the stage changed and the next run
would do it again. `.dvcignore` leaves them out.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from .conftest import DvcWorkspace

SOURCES = Path("src") / "{{ cookiecutter.package_name }}" / "adapters" / "sources"


def test_bytecode_written_by_a_run_is_not_a_change_to_its_stage(tmp_path: Path) -> None:
    workspace = DvcWorkspace(tmp_path / "project")
    # as a user's Python runs the stage: bytecode written next to the sources
    for name in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX"):
        workspace.env.pop(name, None)
    ran = workspace.repro("ingest")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    caches = sorted((workspace.root / SOURCES).rglob("__pycache__"))
    assert caches, "the stage's Python wrote no bytecode next to its sources: nothing to check"

    # a fresh clone has none
    for cache in caches:
        shutil.rmtree(cache)
    status = workspace.run(sys.executable, "-m", "dvc", "status", "ingest")
    assert status.returncode == 0, status.stdout + status.stderr
    assert "changed" not in status.stdout, status.stdout
    assert "up to date" in status.stdout, status.stdout
