"""A stage that fails under `dvc repro` keeps the outputs git and DVC hold (issue 24 item 5, issue 20).

DVC deletes a stage's outputs before it runs the command. A failing `validate` left git's
reports/data_checks.json deleted, and the README's next step (`git add -A`) committed the deletion; a
failing `evaluate` could leave this run's evaluation beside the last run's metrics. dvc.yaml marks
those outputs `persist` and each job publishes its outputs together (adapters/files.Outputs).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import DvcWorkspace

JOBS = Path("src") / "{{ cookiecutter.package_name }}" / "jobs"
TRACKED = (
    "reports/data_checks.json",
    "reports/data_checks.md",
    "data/processed/split.json",
    "data/processed/train.parquet",
    "data/processed/holdout.parquet",
    "data/processed/drift_reference.parquet",
    "reports/evaluation.json",
    "reports/importance.json",
    "reports/predictions.parquet",
    "metrics.json",
)


def outputs(root: Path) -> dict[str, bytes]:
    files = [*TRACKED, *(str(p.relative_to(root)) for p in sorted((root / "reports/plots").iterdir()))]
    return {name: (root / name).read_bytes() for name in files}


def strays(root: Path) -> list[str]:
    return [str(p.relative_to(root)) for p in root.rglob(".tmp-*")]


@pytest.mark.slow
def test_a_failed_stage_under_dvc_repro_keeps_the_last_outputs_whole(tmp_path: Path) -> None:
    workspace = DvcWorkspace(tmp_path / "project")
    root = workspace.root
    first = workspace.repro("evaluate")
    assert first.returncode == 0, first.stdout + first.stderr
    before = outputs(root)
    assert len(before) > len(TRACKED), "the task's plots"

    # validate fails before it writes anything (a changed job is a dependency: DVC runs it again)
    job = root / JOBS / "validate.py"
    source = job.read_text()
    job.write_text(source + "\n\ndef run_validate(params, root):\n    raise RuntimeError('validate broke')\n")
    failed = workspace.repro("validate")
    assert failed.returncode != 0
    assert "validate broke" in failed.stdout + failed.stderr
    assert outputs(root) == before, "DVC deleted or the job half-wrote validate's outputs"
    job.write_text(source)

    # evaluate fails after it staged evaluation.json and metrics.json, while writing the plots
    job = root / JOBS / "evaluate.py"
    job.write_text(job.read_text() + "\n\ndef write_plots(*args, **kwargs):\n    raise RuntimeError('plots broke')\n")
    failed = workspace.repro("evaluate")
    assert failed.returncode != 0
    assert "plots broke" in failed.stdout + failed.stderr
    assert outputs(root) == before, "a failed evaluate changed or removed the last evaluation's outputs"
    assert strays(root) == []
