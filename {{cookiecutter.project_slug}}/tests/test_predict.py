"""`predict` (batch inference) reads the pipeline's state and writes only its predictions."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd

from {{ cookiecutter.package_name }}.cli import main

from .conftest import PROJECT_ROOT
from .test_decide import champion_repo, checkout  # noqa: F401  (the module-scoped champion fixture)


def snapshot(root: Path) -> dict[str, object]:
    git = ["git", "-C", str(root)]
    return {
        "raw": sorted(p.name for p in (root / "data/raw").rglob("*") if p.is_file()),
        "quarantine": sorted(p.name for p in (root / "data/quarantine").rglob("*"))
        if (root / "data/quarantine").exists()
        else [],
        "status": subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True, check=True).stdout,
        "staged": subprocess.run(
            [*git, "diff", "--cached", "--name-only"], capture_output=True, text=True, check=True
        ).stdout,
        "dvc_files": sorted(p.name for p in root.rglob("*.dvc")),
    }


def test_predict_scores_any_day_and_changes_nothing_else(champion_repo: Path, tmp_path: Path) -> None:
    root = checkout(champion_repo, tmp_path, "2026-01-22", **{"data.demo.bad_days": ["2026-02-11"]})
    shutil.copy(PROJECT_ROOT / ".gitignore", root / ".gitignore")
    before = snapshot(root)

    # an ingested day, read from data/raw
    assert main(["--root", str(root), "predict", "--day", "2026-01-21"]) == 0
    # a day outside the window: fetched and checked in memory, never written to data/raw
    assert main(["--root", str(root), "predict", "--day", "2026-02-10"]) == 0
    for day in ("2026-01-21", "2026-02-10"):
        scored = pd.read_parquet(root / "data/predictions" / f"{day}.parquet")
        assert len(scored) == 120
        assert scored["score"].notna().all()
    assert snapshot(root) == before, "predict must not add raw days, stage files, quarantine or dvc-add"

    # a bad batch is refused with its reasons, and still nothing is written anywhere
    assert main(["--root", str(root), "predict", "--day", "2026-02-11"]) == 1
    assert not (root / "data/predictions/2026-02-11.parquet").exists()
    assert snapshot(root) == before
