"""The newcomer demonstration, for real: dvc repro, MLflow, Evidently, git, three verdicts."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.jobs.demo import run_demo

from .conftest import PROJECT_ROOT


def _state(root: Path) -> str:
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored"], cwd=root, capture_output=True, text=True, check=True
    )
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True)
    caches = ("__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache")
    lines = [line for line in status.stdout.splitlines() if not any(c in line for c in caches)]
    return "\n".join(lines) + head.stdout


@pytest.mark.slow
def test_demo_shows_the_three_verdicts_and_leaves_the_project_alone(tmp_path: Path) -> None:
    before = _state(PROJECT_ROOT)
    lines: list[str] = []
    code = run_demo(PROJECT_ROOT, main, workdir=str(tmp_path / "demo"), say=lines.append)
    out = "\n".join(lines)
    assert code == 0, out
    assert "decide: no retrain - no trigger fired" in out
    assert "decide: RETRAIN - " in out
    assert "      drift   FIRED" in out  # the inputs shifted (decay may fire too: the label relationship moved)
    assert "gate: PROMOTE" in out
    assert "gate: REJECT" in out
    assert "  before onset  retrain=false (expected false)" in out
    assert "  after onset   promote=true  (expected true)" in out
    assert "  bad change    promote=false (expected false)" in out
    scratch = tmp_path / "demo/project"
    body = (scratch / "reports/promotion.md").read_text()
    assert body.splitlines()[2].startswith("**Promote**")
    assert "## Drift" in body
    assert (scratch / "reports/drift/drift_report.html").stat().st_size > 10_000
    # issue 24: what the demo points at is kept inside the project (git-ignored), not in a deleted scratch copy
    kept = PROJECT_ROOT / "reports/demo"
    try:
        assert f"{kept / 'promotion.md'}" in out
        assert (kept / "promotion.md").read_text() == body
        assert (kept / "figures").is_dir()
        assert any((kept / "figures").iterdir())
        assert (kept / "model_card.md").exists()
        # git sees nothing new: the folder is ignored
        status = subprocess.run(
            ["git", "status", "--porcelain"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
        )
        assert "reports/demo" not in status.stdout
    finally:
        shutil.rmtree(kept, ignore_errors=True)
    assert _state(PROJECT_ROOT) == before  # nothing else written into the user's project


def test_demo_refuses_a_non_empty_workdir(tmp_path: Path) -> None:
    target = tmp_path / "busy"
    (target / "project").mkdir(parents=True)
    (target / "project" / "keep.txt").write_text("mine")
    lines: list[str] = []
    assert run_demo(PROJECT_ROOT, main, workdir=str(target), say=lines.append) == 2
    assert "not empty" in "\n".join(lines)
    assert (target / "project" / "keep.txt").read_text() == "mine"
