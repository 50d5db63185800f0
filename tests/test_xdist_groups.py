"""`--dist loadgroup` keeps an xdist_group on one worker with the installed pytest and pytest-xdist.

The suite relies on it: tests that share servers (test_team_mode.py), one repository (the
`promoted` act scenarios) or one bake (test_e2e.py) would otherwise each rebuild their fixture
on both workers, and an order-dependent module would see another worker's half of its state.
pytest 9.2 with pytest-xdist 3.8 silently grouped nothing (hence the pin in requirements-dev.txt).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

PROBE = """
import pytest

@pytest.mark.xdist_group("shared")
def test_a(): pass

@pytest.mark.xdist_group("shared")
def test_b(): pass

@pytest.mark.xdist_group("shared")
def test_c(): pass

def test_d(): pass

def test_e(): pass

def test_f(): pass
"""


def test_loadgroup_keeps_a_group_on_one_worker(tmp_path: Path) -> None:
    (tmp_path / "test_probe.py").write_text(PROBE)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # not the template's config
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    workers = {
        name: worker for worker, name in re.findall(r"\[(gw\d+)\].*PASSED test_probe\.py::(test_\w)", result.stdout)
    }
    assert set(workers) == {"test_a", "test_b", "test_c", "test_d", "test_e", "test_f"}, result.stdout
    assert len({workers["test_a"], workers["test_b"], workers["test_c"]}) == 1, (
        f"the xdist_group was split across workers ({workers}): --dist loadgroup is not grouping"
    )
