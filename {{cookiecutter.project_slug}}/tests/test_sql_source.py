"""The sql source against a real PostgreSQL on 127.0.0.1 (tests/postgres.py), and its refusals."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from {{ cookiecutter.package_name }}.adapters.sources.sql import (
    SqlSource,
    SqlSourceError,
)
from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.config import (
    ConfigError,
    SqlSourceParams,
    parse_params,
)

from .conftest import small_params, write_params
from .postgres import PostgresServer, postgres_server  # noqa: F401 - fixture
from .test_notify import Recorder, api  # noqa: F401 - fixture

QUERY = "SELECT * FROM events WHERE event_date >= :start AND event_date < :end ORDER BY id"


def test_a_query_without_date_parameters_is_a_config_error() -> None:
    raw = small_params(**{"data.source": "sql", "data.sql.query": "SELECT * FROM events"})
    with pytest.raises(ConfigError, match=r"data.sql.query: .*:start and :end \(missing :start, :end\)"):
        parse_params(raw)
    with pytest.raises(ConfigError, match=r"data\.sql\.query: required when data\.source is sql"):
        parse_params(small_params(**{"data.source": "sql"}))


def test_a_missing_url_variable_is_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("RETRAIN_DATABASE_URL", raising=False)
    write_params(tmp_path, small_params(**{"data.source": "sql", "data.sql.query": QUERY}))
    assert main(["--root", str(tmp_path), "ingest"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [err]
    assert "environment variable RETRAIN_DATABASE_URL is not set" in err
    assert not list(tmp_path.rglob("*.parquet")), "nothing ingested, nothing quarantined"


@pytest.fixture
def events(postgres_server: PostgresServer) -> Iterator[Any]:
    import sqlalchemy

    engine = sqlalchemy.create_engine(postgres_server.url)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text("DROP TABLE IF EXISTS events"))
        conn.execute(
            sqlalchemy.text(
                "CREATE TABLE events (id integer PRIMARY KEY, event_date timestamptz NOT NULL, signup date, "
                "amount numeric(8, 2), store_type integer, channel text, label integer)"
            )
        )
        conn.execute(
            sqlalchemy.text(
                "INSERT INTO events SELECT g, timestamptz '2026-03-01 08:00+00' + (g % 3) * interval '1 day', "
                "date '2025-01-01' + g, (g * 1.25)::numeric(8, 2), CASE WHEN g % 7 = 0 THEN NULL ELSE g % 3 END, "
                "CASE WHEN g % 2 = 0 THEN 'web' ELSE 'shop' END, g % 2 FROM generate_series(1, 300) g"
            )
        )
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_fetch_reads_one_day_in_chunks_with_pandas_types(events: Any, postgres_server: PostgresServer) -> None:
    source = SqlSource(
        SqlSourceParams(url_env="DB", query=QUERY, chunksize=7),
        date_column="event_date",
        env={"DB": postgres_server.url},
    )
    chunks = list(source.chunks(dt.date(2026, 3, 2), dt.date(2026, 3, 3)))
    assert [len(c) for c in chunks] == [7] * 14 + [2]  # 100 rows, 7 at a time from a server-side cursor
    day = source.fetch(dt.date(2026, 3, 2))
    assert len(day) == 100
    assert (day["event_date"].dt.normalize() == pd.Timestamp("2026-03-02")).all()
    assert str(day["event_date"].dtype) == "datetime64[ns]"
    assert str(day["signup"].dtype).startswith("datetime64")
    assert day["amount"].dtype == "float64"  # NUMERIC (Decimal) -> float
    assert day["store_type"].isna().any()
    assert day["store_type"].dtype == "float64"
    assert source.fetch(dt.date(2026, 4, 1)).empty
    assert len(source.read(dt.date(2026, 3, 1), dt.date(2026, 3, 4), max_rows=50)) == 50


@pytest.fixture
def initialised(
    events: Any,
    postgres_server: PostgresServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[Path, str]:
    """A project whose params `init-data --sql` wrote from the events table, and what init-data printed."""
    monkeypatch.setenv("SHOP_DB", postgres_server.url)
    write_params(tmp_path, small_params())
    argv = ["--root", str(tmp_path), "init-data", "--sql", QUERY, "--url-env", "SHOP_DB", "--write"]
    assert main(argv) == 0, capsys.readouterr().err
    return tmp_path, capsys.readouterr().out


@pytest.mark.postgres
def test_ingest_and_init_data_from_postgres(initialised: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    tmp_path, out = initialised
    assert "label      label (classification, classes 0, 1)" in out
    assert "id         id" in out
    raw = yaml.safe_load((tmp_path / "params.yaml").read_text())
    assert raw["data"]["source"] == "sql"
    assert raw["data"]["sql"] == {"url_env": "SHOP_DB", "query": QUERY, "chunksize": 50000, "late_rows_days": 7}
    assert raw["features"]["categorical"] == ["store_type", "channel"]
    assert raw["features"]["dates"] == ["signup"]
    assert raw["checks"]["columns"]["store_type"]["allowed"] == [0, 1, 2]
    assert (raw["data"]["start_date"], raw["data"]["end_date"]) == ("2026-03-01", "2026-03-03")
    assert main(["--root", str(tmp_path), "ingest"]) == 0, capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "data/raw").glob("*.parquet")) == [
        "2026-03-01.parquet",
        "2026-03-02.parquet",
        "2026-03-03.parquet",
    ]


@pytest.mark.postgres
def test_rows_inserted_after_their_day_was_ingested_are_counted_and_named(
    events: Any, initialised: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 20 item 5: a database takes late inserts for a day already in data/raw (events written after
    midnight with yesterday's date). Before, the next ingest said "0 day(s) added" and they were lost without
    a word. Now the newest `data.sql.late_rows_days` ingested days are counted in the database: rows beyond
    the stored ones are a warning naming the day and the count, recorded in reports/ingest.json; the day is
    not rewritten (append-only history) and ingest still succeeds, since late inserts are normal for a
    database (a file source carrying them is refused: a file can be fixed, a database's past cannot)."""
    import sqlalchemy

    tmp_path, _ = initialised
    assert main(["--root", str(tmp_path), "ingest"]) == 0, capsys.readouterr().err
    stored = (tmp_path / "data/raw/2026-03-02.parquet").read_bytes()
    capsys.readouterr()
    with events.begin() as conn:  # three late events for 03-02, one for 03-03
        conn.execute(
            sqlalchemy.text(
                "INSERT INTO events SELECT g, timestamptz '2026-03-01 23:30+00' + (g / 1000) * interval '1 day', "
                "date '2025-06-01', 10.00, 1, 'web', 1 FROM unnest(ARRAY[1001, 1002, 1003, 2004]) g"
            )
        )
    assert main(["--root", str(tmp_path), "ingest"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    [line_0302] = [line for line in out.splitlines() if "2026-03-02" in line and "after" in line]
    assert "3 row(s)" in line_0302, line_0302
    assert "not stored" in line_0302, line_0302
    assert any("2026-03-03" in line and "1 row(s)" in line for line in out.splitlines()), out
    summary = json.loads((tmp_path / "reports/ingest.json").read_text())
    assert summary["ok"] is True
    assert summary["late_rows_in_source"] == [{"file": "data.sql.query", "days": {"2026-03-02": 3, "2026-03-03": 1}}]
    assert (tmp_path / "data/raw/2026-03-02.parquet").read_bytes() == stored
    # Off: not counted.
    raw = yaml.safe_load((tmp_path / "params.yaml").read_text())
    raw["data"]["sql"]["late_rows_days"] = 0
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    assert main(["--root", str(tmp_path), "ingest"]) == 0
    assert json.loads((tmp_path / "reports/ingest.json").read_text())["late_rows_in_source"] == []


@pytest.mark.postgres
def test_a_failing_query_is_one_line(events: Any, postgres_server: PostgresServer) -> None:
    bad = QUERY.replace("events", "no_such_table")
    source = SqlSource(
        SqlSourceParams(url_env="DB", query=bad), date_column="event_date", env={"DB": postgres_server.url}
    )
    with pytest.raises(SqlSourceError, match=r'data.sql: ProgrammingError: relation "no_such_table" does not exist'):
        source.fetch(dt.date(2026, 3, 1))


def _readme_block(language: str, after: str) -> str:
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    rest = text[text.index(after) :]
    start = rest.index(f"```{language}\n") + len(f"```{language}\n")
    return rest[start : rest.index("```", start)]


@pytest.mark.postgres
def test_the_readme_trigger_and_listener_send_new_data(
    postgres_server: PostgresServer,
    api: Recorder,
    tmp_path: Path,
) -> None:
    """The PostgreSQL recipe in the README, as written: a committed load reaches notify-new-data."""
    import sqlalchemy

    heading = "### Tell the workflow that new data landed"
    engine = sqlalchemy.create_engine(postgres_server.url)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text("DROP TABLE IF EXISTS visits"))
        conn.execute(sqlalchemy.text("CREATE TABLE visits (patient_id text, visit_date date)"))
        conn.exec_driver_sql(_readme_block("sql", heading))
    listener = tmp_path / "listen_new_data.py"
    listener.write_text(_readme_block("python", heading))
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "LISTEN_DATABASE_URL": postgres_server.url.replace("postgresql+psycopg://", "postgresql://"),
        "GITHUB_API_URL": f"http://127.0.0.1:{api.server_address[1]}",
        "GITHUB_REPOSITORY": "acme/shop-model",
        "GITHUB_TOKEN": "t0ken",
    }
    proc = subprocess.Popen(
        [sys.executable, str(listener)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 60
        listening = "SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN new_data'"
        while time.monotonic() < deadline and proc.poll() is None:
            with engine.connect() as conn:
                if conn.execute(sqlalchemy.text(listening)).scalar():
                    break
            time.sleep(0.2)
        with engine.begin() as conn:  # one load of two days; the notification goes out on commit
            conn.execute(sqlalchemy.text("INSERT INTO visits VALUES ('a', '2026-03-30'), ('b', '2026-03-31')"))
        while time.monotonic() < deadline and not api.requests and proc.poll() is None:
            time.sleep(0.2)
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
        engine.dispose()
    assert api.requests, f"no dispatch reached the API; listener said:\n{output}"
    assert api.requests[0]["path"] == "/repos/acme/shop-model/dispatches"
    assert api.requests[0]["body"] == {
        "event_type": "new-data",
        "client_payload": {"as_of": "2026-03-31", "reason": "rows loaded up to 2026-03-31"},
    }
