"""Issue 20 item 5: late rows for an ingested day and re-sent batches are never lost or duplicated silently.

A day in data/raw is never rewritten, so rows that arrive later for it (inside a newer file) are
refused in one line and the run fails until a person acts; a new day whose batch is an ingested
day's again (the same rows under another date) fails its checks and is quarantined, and one with an
ingested day's ids but other values is admitted with a warning (a daily snapshot looks like that).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.adapters.sources import make_source
from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.config import parse_params

from .conftest import small_params, write_params


def _day(n: int) -> dt.date:
    return dt.date(2026, 1, n)


def _file_project(project: Path, end: int) -> tuple[Path, pd.DataFrame]:
    """A project reading data/external/*.csv, one file per day 1..5; returns the folder and day 5's rows."""
    folder = project / "data" / "external"
    folder.mkdir(parents=True, exist_ok=True)
    demo = make_source(parse_params(small_params()))
    for n in range(1, 6):
        demo.fetch(_day(n)).to_csv(folder / f"{_day(n)}.csv", index=False)
    _window(project, end)
    return folder, pd.read_csv(folder / f"{_day(5)}.csv")


def _window(project: Path, end: int) -> None:
    write_params(
        project,
        small_params(
            **{"data.source": "file", "data.file.path": "data/external/*.csv", "data.end_date": str(_day(end))}
        ),
    )


def test_late_rows_for_an_ingested_day_are_refused_in_one_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder, _ = _file_project(project, 5)
    assert main(["--root", str(project), "ingest"]) == 0
    stored = (project / "data/raw/2026-01-03.parquet").read_bytes()
    capsys.readouterr()

    demo = make_source(parse_params(small_params()))
    today = demo.fetch(_day(6))
    late = pd.concat([demo.fetch(_day(2)).head(2), demo.fetch(_day(3)).head(1)])
    late = late.assign(customer_id=["late-1", "late-2", "late-3"])
    pd.concat([today, late]).to_csv(folder / "2026-01-06.csv", index=False)
    _window(project, 6)
    for _ in range(2):  # refused again on the next run: never silent, never half-forgotten
        assert main(["--root", str(project), "ingest"]) == 1
        err = capsys.readouterr().err
        lines = [line for line in err.splitlines() if "already-ingested" in line]
        assert len(lines) == 1, err
        assert "3 row(s) for already-ingested day(s) 2026-01-02..2026-01-03 in data/external/2026-01-06.csv" in lines[0]
        assert "refused" in lines[0]
        assert "nothing written for them" in lines[0]
        assert "Traceback" not in err
    assert (project / "data/raw/2026-01-03.parquet").read_bytes() == stored
    assert len(pd.read_parquet(project / "data/raw/2026-01-06.parquet")) == len(today)  # the new day is in
    summary = json.loads((project / "reports/ingest.json").read_text())
    assert summary["ok"] is False
    assert summary["late_rows"] == [
        {"file": "data/external/2026-01-06.csv", "days": {"2026-01-02": 2, "2026-01-03": 1}}
    ]


def test_rows_already_ingested_that_come_again_are_not_late(project: Path) -> None:
    """A cumulative export repeats the days it already sent: nothing new, nothing refused, nothing doubled."""
    folder, _ = _file_project(project, 5)
    assert main(["--root", str(project), "ingest"]) == 0
    demo = make_source(parse_params(small_params()))
    pd.concat([demo.fetch(_day(n)) for n in range(1, 7)]).to_csv(folder / "all-to-2026-01-06.csv", index=False)
    _window(project, 6)
    assert main(["--root", str(project), "ingest"]) == 0
    assert len(pd.read_parquet(project / "data/raw/2026-01-03.parquet")) == 120


def test_a_re_sent_batch_under_a_new_date_is_quarantined(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder, day5 = _file_project(project, 5)
    assert main(["--root", str(project), "ingest"]) == 0
    capsys.readouterr()
    day5.assign(event_date=str(_day(6))).to_csv(folder / "2026-01-06.csv", index=False)  # yesterday's, as today's
    _window(project, 6)
    assert main(["--root", str(project), "ingest"]) == 1
    err = capsys.readouterr().err
    assert "batch 2026-01-06 quarantined" in err
    assert "re-sent batch expected none, observed same content as 2026-01-05" in err
    assert not (project / "data/raw/2026-01-06.parquet").exists()
    assert (project / "data/quarantine/2026-01-06.parquet").exists()


def test_the_same_ids_with_new_values_warn_and_are_admitted(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Today's rows for yesterday's customers: a corrected re-send, or a daily snapshot of one population
    (every customer, every day). Holding it would hold every day of a snapshot feed: a warning instead."""
    folder, day5 = _file_project(project, 5)
    assert main(["--root", str(project), "ingest"]) == 0
    capsys.readouterr()
    today = make_source(parse_params(small_params())).fetch(_day(6)).assign(customer_id=day5["customer_id"])
    today.to_csv(folder / "2026-01-06.csv", index=False)
    _window(project, 6)
    assert main(["--root", str(project), "ingest"]) == 0
    out = capsys.readouterr().out
    warning = "warning: batch 2026-01-06: dataset: re-sent batch (soft) expected none, observed same ids as 2026-01-05"
    assert warning in out
    assert (project / "data/raw/2026-01-06.parquet").exists()
    summary = json.loads((project / "reports/ingest.json").read_text())
    assert any("same ids as 2026-01-05" in w for w in summary["warnings"]["2026-01-06"]), summary["warnings"]


def test_demo_days_are_not_mistaken_for_re_sent_batches(project: Path) -> None:
    assert main(["--root", str(project), "ingest"]) == 0
