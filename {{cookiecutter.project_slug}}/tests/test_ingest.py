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


def test_validate_merges_the_day_summaries_ingest_wrote(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The window's checks read each day's summary, not the day: flat in history, same report."""
    import pandas as pd

    from {{ cookiecutter.package_name }}.config import load_params
    from {{ cookiecutter.package_name }}.core.checks import run_checks
    from {{ cookiecutter.package_name }}.jobs.split import load_window

    assert main(["--root", str(project), "ingest"]) == 0
    params = load_params(project / "params.yaml")
    raw = project / params.data.raw_dir
    assert len(list(raw.glob("*.summary.json"))) == len(list(raw.glob("*.parquet"))) == 20
    reread = run_checks(
        load_window(params, project),
        params.checks,
        params.project,
        subject=f"{params.data.start_date}..{params.data.end_date}",
        scope="window",
        expected=params.features.all,
    ).to_dict()

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("validate read a partition although its summary was there")

    monkeypatch.setattr(pd, "read_parquet", no_reading)
    assert main(["--root", str(project), "validate"]) == 0
    assert json.loads((project / "reports/data_checks.json").read_text()) == reread


def test_missing_or_stale_summaries_are_rebuilt_by_ingest(project: Path) -> None:
    assert main(["--root", str(project), "ingest"]) == 0
    raw = project / "data/raw"
    (raw / "2026-01-03.summary.json").unlink()
    stale = raw / "2026-01-04.summary.json"
    stale.write_text(stale.read_text().replace('"signature": "', '"signature": "old'))
    assert main(["--root", str(project), "validate"]) == 0  # validate copes, and writes nothing into data/raw
    assert not (raw / "2026-01-03.summary.json").exists()
    assert main(["--root", str(project), "ingest"]) == 0  # ingest owns data/raw: it rebuilds them
    assert (raw / "2026-01-03.summary.json").exists()
    assert '"signature": "old' not in stale.read_text()
