"""Bring your own data, end to end: a dataset this project did not generate, no hand edits.

scikit-learn's bundled diabetes study, cut into daily files (``tests/byod_data.py``:
integer-coded ``sex``, days with a single label class, CSV gaps), or loaded into a
real PostgreSQL table, goes through what a new user runs::

    init-data --write -> dvc repro -> gate (first model) -> new days arrive -> advance
    -> ingest -> decide (no retrain: cooldown) -> more days -> decide (retrain)
    -> dvc repro (retrain) -> gate

params.yaml is only ever changed by ``init-data`` and ``advance``. Commits carry the
data's dates, as in the demo, so the cooldown and age clocks read the data's calendar.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.config import load_params
from {{ cookiecutter.package_name }}.jobs.demo import Scratch, make_scratch

from .byod_data import FIRST_DAY, REGRESSION_TARGET, TARGET, diabetes_days, write_days
from .conftest import PROJECT_ROOT
from .postgres import PostgresServer, postgres_server  # noqa: F401 - fixture

pytestmark = pytest.mark.slow

# The loop fits the task this project was baked for (dvc.yaml's plots are the task's): a classification
# bake gets the 0/1 label, a regression bake the study's own numeric label.
REGRESSION = yaml.safe_load((PROJECT_ROOT / "params.yaml").read_text())["project"]["task"] == "regression"
LABEL = REGRESSION_TARGET if REGRESSION else TARGET

QUERY = "SELECT * FROM visits WHERE visit_date >= :start AND visit_date < :end ORDER BY patient_id"


def day(offset: int) -> dt.date:
    return FIRST_DAY + dt.timedelta(days=offset)


def _ok(result: Any, what: str) -> Any:
    assert result.returncode == 0, f"{what} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


def _decision(s: Scratch, as_of: dt.date) -> dict[str, Any]:
    """What retrain.yml's check job does for an as-of day: advance, ingest, decide the morning after."""
    _ok(s.cli("advance", "--to", as_of.isoformat()), "advance")
    _ok(s.cli("ingest"), "ingest")
    _ok(s.cli("decide", "--now", (as_of + dt.timedelta(days=1)).isoformat(), "--all-triggers"), "decide")
    return json.loads((s.root / "reports/decision.json").read_text())


def run_loop(root: Path, init_args: list[str], add_days: Callable[[int, int], None], env: dict[str, str]) -> None:
    s = Scratch(root, say=lambda _: None, cli_main=main)
    s.env.update(env)
    s.run("git", "init", "-q")
    s.run("git", "symbolic-ref", "HEAD", "refs/heads/main")
    add_days(0, 19)
    before = (root / "params.yaml").read_text()

    # 1. init-data: a preview writes nothing; --write applies it, keeping the comments.
    preview = _ok(s.cli("init-data", *init_args), "init-data preview")
    assert f"+  target: {LABEL}" in preview.stdout
    assert "--write" in preview.stdout
    assert (root / "params.yaml").read_text() == before
    _ok(s.cli("init-data", *init_args, "--write"), "init-data --write")
    params = load_params(root / "params.yaml")
    assert params.project.target == LABEL
    assert params.project.date_column == "visit_date"
    assert params.project.id_column == "patient_id"
    assert "sex" in params.features.categorical
    assert "bmi" in params.features.numeric
    assert (params.data.start_date, params.data.end_date) == (day(0), day(19))
    assert "# Data drift:" in (root / "params.yaml").read_text(), "comments kept"
    s.commit("Describe our data (init-data)", day(19))

    # 2. dvc repro: a first model; days with one label class are admitted, not quarantined.
    s.dvc_repro()
    assert len(list((root / "data/raw").glob("*.parquet"))) == 20
    assert not list((root / "data/quarantine").glob("*.parquet")) if (root / "data/quarantine").exists() else True
    gate = s.cli("gate")
    assert gate.returncode == 0, f"first model rejected:\n{gate.stdout}"  # floors only: PROMOTE
    s.commit("First model", day(19))

    # 3. Three new days: decide says no retrain (the first model is within its cooldown).
    add_days(20, 22)
    decision = _decision(s, day(22))
    assert decision["retrain"] is False, decision
    assert "cooldown" in decision["reason"], decision["reason"]

    # 4. A week more. init-data sized the volume trigger to the rows of max_age_days (30 days here), so a
    # steady stream is not retrained weekly: no retrain yet. A team that wants a retrain per week of
    # rows lowers it, and then it fires.
    add_days(23, 29)
    decision = _decision(s, day(29))
    volume = next(t for t in decision["triggers"] if t["name"] == "volume")
    assert decision["retrain"] is False, decision
    assert volume["fired"] is False, volume
    assert volume["threshold"] > 20 * 14, volume  # about 30 days of ~15 rows
    text = (root / "params.yaml").read_text()
    week = re.sub(r"min_new_rows: \d+", "min_new_rows: 90", text)
    assert week != text
    (root / "params.yaml").write_text(week)
    decision = _decision(s, day(29))
    assert decision["retrain"] is True, decision
    fired = {t["name"] for t in decision["triggers"] if t["fired"]}
    assert "volume" in fired, decision["triggers"]
    s.commit("New data; volume: a week of rows", day(29))

    # 5. The retrain, as retrain.yml's retrain job runs it: dvc repro on a branch, then the gate.
    s.run("git", "checkout", "-q", "-b", "promote/byod")
    s.dvc_repro()
    evaluation = json.loads((root / "reports/evaluation.json").read_text())
    assert evaluation["champion"] is not None, "the candidate is compared with main's model"
    gate = s.cli("gate")
    result = json.loads((root / "reports/gate.json").read_text())
    assert gate.returncode in (0, 1)
    assert result["promote"] == (gate.returncode == 0)
    primary = next(m for m in result["metrics"] if m["metric"] == params.evaluate.primary_metric)
    assert primary["champion"] is not None, primary
    assert primary["interval"] is not None, primary
    # The verdict on this data: both models are about as good on the new holdout, so the
    # bootstrap interval of the improvement straddles 0 and the gate keeps the champion.
    assert result["promote"] is False, gate.stdout
    assert any("not significantly" in r or "lower bound" in r for r in result["reasons"]), result["reasons"]


def _scratch(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    make_scratch(PROJECT_ROOT, root)
    return root


def test_csv_files_loop_with_init_data_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _scratch(tmp_path)
    monkeypatch.chdir(root)  # as a person runs the commands: data.file.path is relative to the project root
    frame = diabetes_days(regression=REGRESSION)

    def add_days(first: int, last: int) -> None:
        write_days(frame, root / "data/external", "csv", first, last)

    run_loop(root, ["data/external", "--target", LABEL], add_days, {})


@pytest.mark.postgres
def test_sql_source_loop_against_postgres(
    tmp_path: Path,
    postgres_server: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sqlalchemy

    root = _scratch(tmp_path)
    frame = diabetes_days(regression=REGRESSION)
    engine = sqlalchemy.create_engine(postgres_server.url)
    table = "visits"
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text(f"DROP TABLE IF EXISTS {table}"))
        conn.execute(
            sqlalchemy.text(
                f"CREATE TABLE {table} (patient_id text PRIMARY KEY, visit_date date NOT NULL, age integer, "
                "sex integer, bmi numeric(5, 1), bp double precision, s1 integer, s2 double precision, "
                "s3 double precision, s4 double precision, s5 double precision, s6 integer, "
                f"{LABEL} {'double precision' if REGRESSION else 'integer'} NOT NULL)"
            )
        )

    def add_days(first: int, last: int) -> None:
        rows = frame[(frame["visit_date"] >= str(day(first))) & (frame["visit_date"] <= str(day(last)))]
        rows = rows.assign(visit_date=rows["visit_date"].dt.date)
        with engine.begin() as conn:
            rows.to_sql(table, conn, if_exists="append", index=False)

    env = {"BYOD_DATABASE_URL": postgres_server.url}
    monkeypatch.setenv("BYOD_DATABASE_URL", postgres_server.url)  # in-process commands read it too
    try:
        run_loop(root, ["--sql", QUERY, "--url-env", "BYOD_DATABASE_URL", "--target", LABEL], add_days, env)
    finally:
        engine.dispose()
    params = yaml.safe_load((root / "params.yaml").read_text())
    assert params["data"]["source"] == "sql"
    assert params["data"]["sql"]["url_env"] == "BYOD_DATABASE_URL"
    assert "postgresql" not in (root / "params.yaml").read_text(), "the URL stays out of params.yaml"
