"""Ingest is append-only and fails closed: a bad batch is quarantined, kept, and blocks."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.cli import main

from .conftest import small_params, write_params


def test_ingest_adds_each_day_once(project: Path) -> None:
    assert main(["--root", str(project), "ingest"]) == 0
    raw = sorted((project / "data/raw").glob("*.parquet"))
    assert [p.name for p in raw][:2] == ["2026-01-01.parquet", "2026-01-02.parquet"]
    assert len(raw) == 20
    stamp = {p.name: p.stat().st_mtime_ns for p in raw}
    assert main(["--root", str(project), "ingest"]) == 0
    assert {p.name: p.stat().st_mtime_ns for p in raw} == stamp  # nothing rewritten


def test_advancing_the_window_appends_only_new_days(project: Path) -> None:
    assert main(["--root", str(project), "ingest"]) == 0
    before = {p.name: p.read_bytes() for p in (project / "data/raw").glob("*.parquet")}
    assert main(["--root", str(project), "advance", "--to", "2026-01-23"]) == 0
    assert main(["--root", str(project), "ingest"]) == 0
    after = {p.name: p.read_bytes() for p in (project / "data/raw").glob("*.parquet")}
    assert set(after) - set(before) == {"2026-01-21.parquet", "2026-01-22.parquet", "2026-01-23.parquet"}
    assert all(after[name] == data for name, data in before.items())


def test_bad_batch_is_quarantined_kept_and_blocks(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_params(project, small_params(**{"data.demo.bad_days": ["2026-01-07"]}))
    assert main(["--root", str(project), "ingest"]) == 1
    err = capsys.readouterr().err
    assert "batch 2026-01-07 quarantined" in err
    assert "column 'age': minimum expected >= 18.0, observed -1.0" in err
    assert "column 'plan': allowed categories" in err
    held = project / "data/quarantine/2026-01-07.parquet"
    assert held.exists(), "a quarantined batch must stay on disk"
    report = json.loads(held.with_suffix(".checks.json").read_text())
    assert report["passed"] is False
    assert {f["column"] for f in report["failures"]} >= {"age", "plan"}
    assert not (project / "data/raw/2026-01-07.parquet").exists()
    assert (project / "data/raw/2026-01-08.parquet").exists()

    # The quarantined day blocks later runs until a person resolves it ...
    assert main(["--root", str(project), "ingest"]) == 1
    assert "still in quarantine 2026-01-07" in capsys.readouterr().out
    assert held.exists()
    summary = json.loads((project / "reports/ingest.json").read_text())
    assert summary["blocked"] == ["2026-01-07"]


def test_ingest_date_arguments_are_validated(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--root", str(project), "ingest", "--start", "yesterday"])
    assert exc.value.code == 2
    assert "'yesterday' is not a date" in capsys.readouterr().err


def test_quarantine_days_outside_window_do_not_block(project: Path) -> None:
    (project / "data/quarantine").mkdir(parents=True)
    (project / "data/quarantine/2025-12-01.parquet").write_bytes(b"")
    assert main(["--root", str(project), "ingest", "--end", str(dt.date(2026, 1, 3))]) == 0
