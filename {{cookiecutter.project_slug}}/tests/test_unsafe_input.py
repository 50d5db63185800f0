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


# --- quarantine withdraw: a day admitted by mistake leaves history, on record --------------------


def _withdraw(project: Path, day: str, reason: str = "the customer revoked consent") -> int:
    return main(["--root", str(project), "quarantine", "withdraw", day, "--reason", reason])


def test_withdraw_moves_an_admitted_day_out_of_history_and_ingest_does_not_fetch_it_again(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    _file_project(project)
    assert main(["--root", str(project), "ingest"]) == 0
    raw = project / "data/raw/2026-01-03.parquet"
    rows = pd.read_parquet(raw)
    capsys.readouterr()
    assert _withdraw(project, "2026-01-03") == 0
    out = capsys.readouterr().out
    assert f"quarantine withdraw 2026-01-03: {len(rows)} row(s) moved from data/raw to data/quarantine" in out
    assert "data/withdrawn.json" in out  # what to commit so every clone and runner skips the day
    assert not raw.exists()
    assert not (project / "data/raw/2026-01-03.summary.json").exists()
    pd.testing.assert_frame_equal(pd.read_parquet(project / "data/quarantine/2026-01-03.parquet"), rows)
    ledger = json.loads((project / "data/withdrawn.json").read_text())
    assert ledger["2026-01-03"]["why"] == "the customer revoked consent"
    assert ledger["2026-01-03"]["rows"] == len(rows)
    assert ledger["2026-01-03"]["by"]

    # The source still has the file: ingest skips the day, reports it and does not fail.
    assert main(["--root", str(project), "ingest"]) == 0
    assert not raw.exists()
    summary = json.loads((project / "reports/ingest.json").read_text())
    assert summary["ok"] is True
    assert summary["withdrawn"] == ["2026-01-03"]
    assert main(["--root", str(project), "validate"]) == 0

    # A fresh runner has no data/quarantine: the committed ledger alone keeps the day out.
    import shutil

    shutil.rmtree(project / "data/quarantine")
    assert main(["--root", str(project), "ingest"]) == 0
    assert not raw.exists()
    assert main(["--root", str(project), "quarantine", "list"]) == 0
    assert "2026-01-03  withdrawn" in capsys.readouterr().out


def test_withdraw_refuses_what_it_cannot_do_with_one_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _file_project(project)
    assert main(["--root", str(project), "ingest"]) == 0
    capsys.readouterr()
    assert _withdraw(project, "2026-02-01") == 2
    assert "2026-02-01 is not in data/raw" in capsys.readouterr().err
    assert _withdraw(project, "2026-01-02", reason="  ") == 2
    assert "--reason is required" in capsys.readouterr().err
    assert _withdraw(project, "2026-01-02") == 0
    assert _withdraw(project, "2026-01-02") == 2
    assert "2026-01-02 is already withdrawn" in capsys.readouterr().err


def test_a_withdrawn_day_comes_back_by_release_or_retry(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    _file_project(project)
    assert main(["--root", str(project), "ingest"]) == 0
    raw2, raw4 = project / "data/raw/2026-01-02.parquet", project / "data/raw/2026-01-04.parquet"
    rows = pd.read_parquet(raw2)
    assert _withdraw(project, "2026-01-02") == 0
    assert _withdraw(project, "2026-01-04") == 0
    # release: the withdrawn rows come back as they were
    assert main(["--root", str(project), "quarantine", "release", "2026-01-02", "--reason", "consent confirmed"]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(raw2), rows)
    assert (project / "data/raw/2026-01-02.summary.json").exists()
    # retry: fetched from the source and checked again (here no local copy is left)
    (project / "data/quarantine/2026-01-04.parquet").unlink()
    capsys.readouterr()
    assert main(["--root", str(project), "quarantine", "release", "2026-01-04", "--reason", "oops"]) == 2
    assert "quarantine retry 2026-01-04" in capsys.readouterr().err  # no copy here: says what to do
    assert main(["--root", str(project), "quarantine", "retry", "2026-01-04"]) == 0
    assert raw4.exists()
    assert json.loads((project / "data/withdrawn.json").read_text()) == {}
    record = (project / "data/quarantine/2026-01-04.checks.md").read_text()
    assert "| withdrawn |" in record
    assert "| retry requested |" in record
