"""Issue 20 item 4: nothing unsafe is admitted into append-only history with a warning only.

An export that carries a column the project never declared (an ``ssn``) must not land in data/raw,
the processed splits or the DVC remote; a label outside a binary task's classes is bad data of its
batch, not something the window's class balance notices days later.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.adapters.sources import make_source
from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.config import parse_params

from .conftest import small_params, write_params


def _file_project(project: Path, extra: dict[str, object] | None = None, **overrides: object) -> Path:
    """Days 1..5 as CSV files (day 5's rows changed by ``extra`` columns), read by the file source."""
    folder = project / "data" / "external"
    folder.mkdir(parents=True, exist_ok=True)
    demo = make_source(parse_params(small_params()))
    for n in range(1, 6):
        rows = demo.fetch(dt.date(2026, 1, n))
        if n == 5 and extra:
            rows = rows.assign(**extra)
        rows.to_csv(folder / f"2026-01-0{n}.csv", index=False)
    write_params(
        project,
        small_params(
            **{"data.source": "file", "data.file.path": "data/external/*.csv", "data.end_date": "2026-01-05"},
            **overrides,
        ),
    )
    return folder


def test_an_undeclared_column_is_never_stored(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _file_project(project, {"ssn": "123-45-6789"})
    assert main(["--root", str(project), "ingest"]) == 0
    out = capsys.readouterr().out
    assert "warning: batch 2026-01-05: column 'ssn': undeclared column dropped" in out
    stored = pd.read_parquet(project / "data/raw/2026-01-05.parquet")
    assert "ssn" not in stored.columns
    assert len(stored) > 0
    assert "123-45-6789" not in (project / "data/raw/2026-01-05.summary.json").read_text()


def test_refuse_quarantines_the_day_and_its_held_copy_has_no_such_column(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _file_project(project, {"ssn": "123-45-6789"}, **{"checks.undeclared": "refuse"})
    assert main(["--root", str(project), "ingest"]) == 1
    err = capsys.readouterr().err
    assert "column 'ssn': declared column expected declared (checks.undeclared)" in err
    assert not (project / "data/raw/2026-01-05.parquet").exists()
    assert "ssn" not in pd.read_parquet(project / "data/quarantine/2026-01-05.parquet").columns


def test_keep_stores_it_with_a_warning(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _file_project(project, {"note": "free text"}, **{"checks.undeclared": "keep"})
    assert main(["--root", str(project), "ingest"]) == 0
    assert "column 'note': unexpected column" in capsys.readouterr().out
    assert "note" in pd.read_parquet(project / "data/raw/2026-01-05.parquet").columns


def test_strict_true_still_means_refuse() -> None:
    assert parse_params(small_params(**{"checks.strict": True})).checks.undeclared_policy == "refuse"
    assert parse_params(small_params()).checks.undeclared_policy == "drop"


{%- if cookiecutter.model_task == "classification" %}


def test_a_label_outside_a_binary_task_is_refused_with_its_batch(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    folder = _file_project(project)
    day5 = pd.read_csv(folder / "2026-01-05.csv")
    target = parse_params(small_params()).project.target
    day5.loc[day5.index[:3], target] = 2
    day5.to_csv(folder / "2026-01-05.csv", index=False)
    assert main(["--root", str(project), "ingest"]) == 1
    err = capsys.readouterr().err
    assert "batch 2026-01-05 quarantined" in err
    assert "label values expected 0/1 or true/false (binary), observed ['2']" in err
    assert not (project / "data/raw/2026-01-05.parquet").exists()
    summary = json.loads((project / "reports/ingest.json").read_text())
    assert summary["ok"] is False
{%- endif %}
