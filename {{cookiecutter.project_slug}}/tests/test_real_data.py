"""Real data's ordinary messiness, on a dataset this project did not make.

Daily partitions are cut from scikit-learn's bundled breast-cancer set (569 rows),
with the mess real exports have: quiet days holding one label class, an
integer-coded category, CSV and Parquet variants, date gaps, renamed and extra
columns, broken files. Each configuration mistake must be exit 2 with ONE line
naming the key, with nothing quarantined and nothing lost.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.adapters.locks import exclusive
from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.config import parse_params
from {{ cookiecutter.package_name }}.core.checks import (
    PartitionSummary,
    run_checks,
    summarize,
    window_report,
)

from .conftest import small_params, write_params

START = dt.date(2026, 1, 1)
ROWS_PER_DAY = 20


def cancer_frame() -> pd.DataFrame:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True).frame
    data.columns = [c.replace(" ", "_") for c in data.columns]
    data = data.sample(frac=1.0, random_state=0).reset_index(drop=True)
    n = len(data)
    data["event_date"] = [START + dt.timedelta(days=i // ROWS_PER_DAY) for i in range(n)]
    data["event_date"] = pd.to_datetime(data["event_date"])
    # an integer-coded category, as exports hold them
    data["size_band"] = pd.qcut(data["mean_radius"], 4, labels=False).astype("int64")
    data["row_id"] = np.arange(n)
    cols = ["row_id", "event_date", "mean_radius", "mean_texture", "mean_smoothness", "size_band", "target"]
    return data[cols]


def one_class_day(frame: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    frame = frame.copy()
    frame.loc[frame["event_date"] == pd.Timestamp(day), "target"] = 1
    return frame


def write_days(frame: pd.DataFrame, folder: Path, fmt: str = "csv", days: int = 14) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for day, rows in frame.groupby("event_date"):
        if (day.date() - START).days >= days:
            break
        path = folder / f"{day.date().isoformat()}.{fmt}"
        if fmt == "csv":
            rows.assign(event_date=rows["event_date"].dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
        else:
            rows.to_parquet(path, index=False)
        out.append(path)
    return out


def real_params(folder: Path, fmt: str = "csv", days: int = 14, **overrides: Any) -> dict[str, Any]:
    raw = small_params()
    raw["project"].update(target="target", date_column="event_date", id_column="row_id")
    raw["data"].update(
        source="file", start_date=START.isoformat(), end_date=(START + dt.timedelta(days=days - 1)).isoformat()
    )
    raw["data"]["file"] = {"path": str(folder / f"*.{fmt}"), "dtypes": {"size_band": "category"}}
    raw["checks"] = {
        "min_rows": 10,
        "duplicate_subset": ["row_id"],
        "label": {"max_null_share": 0.0, "min_classes": 2, "min_class_share": 0.05},
        "columns": {
            "mean_radius": {"dtype": "numeric", "min": 0, "max": 40},
            "mean_texture": {"dtype": "numeric", "min": 0, "max": 60},
            "mean_smoothness": {"dtype": "numeric", "min": 0, "max": 1},
            "size_band": {"dtype": "category", "allowed": [0, 1, 2, 3]},
        },
    }
    raw["features"] = {
        "numeric": ["mean_radius", "mean_texture", "mean_smoothness"],
        "categorical": ["size_band"],
        "dates": [],
    }
    # the dataset is a binary classification whatever task this project was baked for
    raw["project"]["task"] = "classification"
    raw["model"].update(estimator="logistic_regression", params={"max_iter": 1000})
    raw["evaluate"].update(primary_metric="roc_auc", metrics=["roc_auc", "accuracy"])
    raw["gate"]["metrics"] = {"roc_auc": {"floor": 0.6}}
    raw["drift"]["columns"] = []
    raw["drift"]["per_column"] = {}
    raw["split"]["holdout_days"] = 4
    raw["gate"]["min_holdout_rows"] = 50
    for dotted, value in overrides.items():
        node = raw
        *path, last = dotted.split(".")
        for key in path:
            node = node.setdefault(key, {})
        node[last] = value
    return raw


@pytest.fixture
def real(tmp_path: Path) -> tuple[Path, Path]:
    """(project root, folder of daily CSV files) with params pointing at them."""
    root = tmp_path / "project"
    root.mkdir()
    folder = tmp_path / "exports"
    write_days(one_class_day(cancer_frame(), START + dt.timedelta(days=3)), folder)
    write_params(root, real_params(folder))
    return root, folder


def run(root: Path, *argv: str) -> int:
    return main(["--root", str(root), *argv])


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def nothing_quarantined(root: Path) -> bool:
    q = root / "data/quarantine"
    return not q.exists() or not any(q.iterdir())


def raw_days(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "data/raw").glob("*.parquet"))


# --- checks that fit real data ------------------------------------------------------------------


def test_one_class_day_is_admitted_and_balance_is_a_window_rule(real: tuple[Path, Path]) -> None:
    root, _ = real
    assert run(root, "ingest") == 0
    assert len(raw_days(root)) == 14
    assert nothing_quarantined(root)
    quiet = pd.read_parquet(root / "data/raw/2026-01-04.parquet")
    assert quiet["target"].nunique() == 1
    assert run(root, "validate") == 0
    report = json.loads((root / "reports/data_checks.json").read_text())
    assert any(r["rule"] == "label classes" and r["passed"] for r in report["results"])


def test_window_with_one_class_fails_validate_and_quarantines_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "p"
    root.mkdir()
    frame = cancer_frame()
    frame["target"] = 1
    write_days(frame, tmp_path / "x", days=6)
    write_params(root, real_params(tmp_path / "x", days=6, **{"split.holdout_days": 2}))
    assert run(root, "ingest") == 0
    assert run(root, "validate") == 1
    assert "label classes expected >= 2, observed 1" in capsys.readouterr().err
    assert nothing_quarantined(root)
    assert len(raw_days(root)) == 6


def test_batch_label_rules_can_be_switched_on(real: tuple[Path, Path]) -> None:
    root, folder = real
    write_params(root, real_params(folder, **{"checks.label.batch_min_classes": 2}))
    assert run(root, "ingest") == 1
    assert (root / "data/quarantine/2026-01-04.parquet").exists()


def test_every_column_rule_can_be_switched_off(real: tuple[Path, Path]) -> None:
    root, folder = real
    raw = real_params(folder)
    raw["checks"]["columns"]["mean_radius"] = {"dtype": "numeric", "max": 5}  # far too strict
    write_params(root, raw)
    assert run(root, "ingest") == 1
    raw["checks"]["columns"]["mean_radius"] = {"dtype": "numeric", "max": None}  # off
    write_params(root, raw)
    assert run(root, "ingest") == 0
    raw["checks"]["columns"]["mean_radius"] = {"enabled": False}
    write_params(root, raw)
    assert run(root, "validate") == 0


def test_window_rules_come_from_partition_summaries(real: tuple[Path, Path]) -> None:
    _root, folder = real
    params = parse_params(real_params(folder))
    frame = one_class_day(cancer_frame(), START)
    frame.loc[3, "mean_radius"] = 99.0
    parts = [summarize(rows, params.checks, params.project) for _, rows in frame.groupby("event_date")]
    parts = [PartitionSummary.from_dict(json.loads(json.dumps(p.to_dict()))) for p in parts]  # cacheable as JSON
    end = START + dt.timedelta(days=len(parts) - 1)
    by_summary = window_report(parts, params.checks, params.project, START, end, params.features.all)
    whole = run_checks(frame, params.checks, params.project, "whole", scope="window", expected=params.features.all)
    assert [f.sentence() for f in by_summary.failures] == [f.sentence() for f in whole.failures]
    assert [f.sentence() for f in by_summary.failures] == [
        "column 'mean_radius': maximum expected <= 40.0, observed 99.0"
    ]


def test_a_row_repeated_on_another_day_fails_the_window(
    real: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root, folder = real  # duplicate_subset is [row_id]: a row may repeat across days
    first = pd.read_csv(folder / "2026-01-01.csv")
    second = folder / "2026-01-02.csv"
    again = first.head(2).assign(event_date="2026-01-02")
    pd.concat([pd.read_csv(second), again], ignore_index=True).to_csv(second, index=False)
    assert run(root, "ingest") == 0  # each day on its own is clean
    assert run(root, "validate") == 1
    assert "column 'row_id': duplicate share expected <= 0.0, observed 0.0071" in capsys.readouterr().err


def test_a_kept_undeclared_column_is_a_warning_and_strict_makes_it_a_failure(
    real: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """With `checks.undeclared: keep` (the default drops it: tests/test_unsafe_input.py)."""
    root, folder = real
    write_params(root, real_params(folder, **{"checks.undeclared": "keep"}))
    day = folder / "2026-01-02.csv"
    pd.read_csv(day).assign(ssn="123-45-6789").to_csv(day, index=False)
    assert run(root, "ingest") == 0
    out = capsys.readouterr().out
    assert "column 'ssn': unexpected column" in out
    summary = json.loads((root / "reports/ingest.json").read_text())
    assert "2026-01-02" in summary["warnings"]
    assert run(root, "validate") == 0
    assert "unexpected column" in (root / "reports/data_checks.md").read_text()

    write_params(root, real_params(folder, **{"checks.strict": True}))
    assert run(root, "validate") == 1
    assert "column 'ssn': declared column" in capsys.readouterr().err


def test_date_gaps_are_reported_and_can_fail(real: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    root, folder = real
    (folder / "2026-01-06.csv").unlink()
    (folder / "2026-01-07.csv").unlink()
    assert run(root, "ingest") == 0
    assert "date gaps: 2026-01-06..2026-01-07" in capsys.readouterr().out
    assert run(root, "validate") == 0
    assert "2026-01-06..2026-01-07" in (root / "reports/data_checks.md").read_text()
    write_params(root, real_params(folder, **{"checks.window.max_gap_days": 1}))
    assert run(root, "validate") == 1
    assert "longest date gap (days) expected <= 1, observed 2" in capsys.readouterr().err


def test_empty_or_header_only_batch_fails_min_rows(real: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    root, folder = real
    day = folder / "2026-01-05.csv"
    day.write_text(day.read_text().splitlines()[0] + "\n")
    assert run(root, "ingest") == 1
    err = capsys.readouterr().err
    assert "batch 2026-01-05 quarantined" in err
    assert "    - dataset: minimum rows expected >= 10, observed 0\n  held days" in err  # the only failure
    assert "2026-01-05" not in raw_days(root)
    assert len(raw_days(root)) == 13


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncate", "cannot be read as parquet"),
        ("not-parquet", "cannot be read as parquet"),
    ],
)
def test_broken_parquet_quarantines_that_day_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str, message: str
) -> None:
    root = tmp_path / "p"
    root.mkdir()
    files = write_days(cancer_frame(), tmp_path / "x", fmt="parquet", days=6)
    bad = files[2]
    if damage == "truncate":
        bad.write_bytes(bad.read_bytes()[: len(bad.read_bytes()) // 2])
    else:
        bad.write_text("row_id,event_date\n1,2026-01-03\n")
    write_params(root, real_params(tmp_path / "x", fmt="parquet", days=6, **{"split.holdout_days": 2}))
    assert run(root, "ingest") == 1
    err = capsys.readouterr().err
    assert message in err
    assert bad.name in err
    assert len(raw_days(root)) == 5
    record = json.loads((root / "data/quarantine/2026-01-03.record.json").read_text())
    assert record["status"] == "held"


def test_non_utf8_csv_names_the_file_and_the_fix(real: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    root, folder = real
    day = folder / "2026-01-09.csv"
    day.write_bytes(day.read_bytes().replace(b"mean_texture", b"mean_t\xe9xture"))
    assert run(root, "ingest") == 1
    err = capsys.readouterr().err
    assert "2026-01-09.csv: not valid utf-8 text" in err
    assert "data.file.csv.encoding" in err
    assert len(raw_days(root)) == 13


# --- config errors are not data errors ----------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "named"),
    [
        ("project.target", "targt", "project.target: column 'targt' is not in the data (did you mean 'target'?)"),
        ("project.id_column", "rowid", "project.id_column: column 'rowid'"),
        ("checks.duplicate_subset", ["row_id", "event_day"], "checks.duplicate_subset: column 'event_day'"),
        ("features.numeric", ["mean_radius", "mean_textur"], "features.numeric: column 'mean_textur'"),
        ("checks.columns", {"mean_radios": {"dtype": "numeric"}}, "checks.columns.mean_radios: column 'mean_radios'"),
        ("data.file.dtypes", {"sizeband": "category"}, "data.file.dtypes.sizeband: column 'sizeband'"),
    ],
)
def test_config_mistake_is_exit_2_one_line_nothing_quarantined(
    real: tuple[Path, Path], capsys: pytest.CaptureFixture[str], key: str, value: Any, named: str
) -> None:
    root, folder = real
    write_params(root, real_params(folder, **{key: value}))
    assert run(root, "ingest") == 2
    assert named in one_line_error(capsys)
    assert nothing_quarantined(root)
    assert not (root / "data/raw").exists()


def test_config_mistake_after_history_loses_nothing(
    real: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root, folder = real
    write_params(root, real_params(folder, **{"data.end_date": "2026-01-07"}))
    assert run(root, "ingest") == 0
    before = {p.name: p.read_bytes() for p in (root / "data/raw").glob("*.parquet")}
    write_params(root, real_params(folder, **{"project.target": "label"}))
    for command in ("ingest", "validate"):
        assert run(root, command) == 2
        assert "project.target: column 'label'" in one_line_error(capsys)
    assert {p.name: p.read_bytes() for p in (root / "data/raw").glob("*.parquet")} == before
    assert nothing_quarantined(root)


def test_a_column_renamed_upstream_is_a_data_error(real: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    root, folder = real
    write_params(root, real_params(folder, **{"data.end_date": "2026-01-07"}))
    assert run(root, "ingest") == 0
    for path in sorted(folder.glob("*.csv"))[7:]:
        pd.read_csv(path).rename(columns={"mean_texture": "texture_mean"}).to_csv(path, index=False)
    write_params(root, real_params(folder))
    assert run(root, "ingest") == 1  # the data changed, not the params: those days are held
    assert (
        "column 'mean_texture': required column present expected present, observed missing" in capsys.readouterr().err
    )
    assert len(raw_days(root)) == 7
    assert len(list((root / "data/quarantine").glob("*.parquet"))) == 7


def test_id_column_null_is_accepted(real: tuple[Path, Path]) -> None:
    root, folder = real
    write_params(root, real_params(folder, **{"project.id_column": None, "checks.duplicate_subset": []}))
    assert run(root, "ingest") == 0
    assert run(root, "validate") == 0
    assert run(root, "split") == 0


def test_params_contradicting_the_rows_per_day_are_said_at_validate(
    real: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root, folder = real
    write_params(root, real_params(folder, **{"gate.min_holdout_rows": 200}))
    assert run(root, "ingest") == 0
    assert run(root, "validate") == 0
    err = capsys.readouterr().err
    assert "gate.min_holdout_rows (200) exceeds the rows a 4-day holdout holds at the 20 rows/day seen" in err
    assert "decide.triggers.volume.min_new_rows (10000) takes about 500 days at the 20 rows/day seen" in err
    assert "decide.triggers.decay.min_rows (50) exceeds the rows a 7-day window holds" not in err
    report = json.loads((root / "reports/data_checks.json").read_text())
    assert report["passed"] is True
    assert len(report["warnings"]) == 2


def test_window_past_today_is_refused(real: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    root, folder = real
    later = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=90)
    write_params(root, real_params(folder, **{"data.end_date": later.isoformat()}))
    assert run(root, "ingest") == 2
    assert "after today" in one_line_error(capsys)
    assert not (root / "data/raw").exists()
    assert nothing_quarantined(root)
    write_params(root, real_params(folder))
    assert run(root, "advance", "--to", later.isoformat()) == 2
    assert "after today" in one_line_error(capsys)


def test_trailing_days_without_data_keep_the_holdout_and_say_so(
    real: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root, folder = real
    write_params(root, real_params(folder, **{"data.end_date": "2026-01-24"}))
    assert run(root, "ingest") == 0
    assert run(root, "split") == 0
    captured = capsys.readouterr()
    assert "holdout 2026-01-11..2026-01-14 (80 rows)" in captured.out
    assert "no rows after 2026-01-14 although data.end_date is 2026-01-24" in captured.err


# --- quarantine: automatic re-check, list, retry, release ---------------------------------------


def test_quarantined_day_is_admitted_after_a_params_fix(real: tuple[Path, Path]) -> None:
    root, folder = real
    raw = real_params(folder)
    raw["checks"]["columns"]["mean_radius"]["max"] = 20.0  # too strict for a few real days
    write_params(root, raw)
    assert run(root, "ingest") == 1
    held = sorted(p.stem for p in (root / "data/quarantine").glob("*.parquet"))
    assert held
    assert run(root, "ingest") == 1  # nothing changed: still held
    raw["checks"]["columns"]["mean_radius"]["max"] = 40.0
    write_params(root, raw)
    assert run(root, "ingest") == 0
    assert len(raw_days(root)) == 14
    summary = json.loads((root / "reports/ingest.json").read_text())
    assert summary["readmitted"] == held
    record = json.loads((root / f"data/quarantine/{held[0]}.record.json").read_text())
    assert record["status"] == "admitted"
    assert [h["action"] for h in record["history"]] == ["quarantined", "admitted"]
    assert "changed since quarantine: params" in record["history"][-1]["why"]


def test_quarantined_day_is_admitted_after_the_source_is_fixed(real: tuple[Path, Path]) -> None:
    root, folder = real
    day = folder / "2026-01-08.csv"
    good = day.read_text()
    pd.read_csv(day).assign(target=lambda f: f["target"].where(f.index > 0, 7)).to_csv(day, index=False)
    write_params(root, real_params(folder, **{"checks.label.classes": ["0", "1"]}))
    assert run(root, "ingest") == 1
    day.write_text(good)
    assert run(root, "ingest") == 0
    record = json.loads((root / "data/quarantine/2026-01-08.record.json").read_text())
    assert "changed since quarantine: source" in record["history"][-1]["why"]


def test_quarantine_list_retry_release_record_who_and_why(
    real: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, folder = real
    monkeypatch.setenv("GITHUB_ACTOR", "octo-reviewer")
    raw = real_params(folder)
    raw["checks"]["columns"]["mean_radius"]["max"] = 21.0
    write_params(root, raw)
    assert run(root, "ingest") == 1
    held = sorted(p.stem for p in (root / "data/quarantine").glob("*.parquet"))
    capsys.readouterr()
    assert run(root, "quarantine", "list") == 0
    listing = capsys.readouterr().out
    assert all(day in listing for day in held)
    assert "maximum expected <= 21.0" in listing

    assert run(root, "quarantine", "retry", held[0], "--reason", "look again") == 1  # same params: still failing
    assert "still failing" in capsys.readouterr().out

    assert run(root, "quarantine", "release", held[0], "--reason", "a genuinely large tumour") == 0
    assert held[0] in raw_days(root)
    md = (root / f"data/quarantine/{held[0]}.checks.md").read_text()
    assert "octo-reviewer (GitHub Actions)" in md
    assert "a genuinely large tumour" in md
    assert "released" in md

    raw["checks"]["columns"]["mean_radius"]["max"] = 40.0
    write_params(root, raw)
    assert run(root, "quarantine", "retry", "--all") == 0
    assert len(raw_days(root)) == 14
    assert run(root, "quarantine", "release", held[0], "--reason", "again") == 2
    assert "already released" in one_line_error(capsys)


# --- the file source's read options -------------------------------------------------------------


def test_folder_path_and_empty_glob_are_one_line(real: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    root, folder = real
    write_params(root, real_params(folder, **{"data.file.path": str(folder)}))
    assert run(root, "ingest") == 2
    assert "is a folder; name its files with a glob" in one_line_error(capsys)
    write_params(root, real_params(folder, **{"data.file.path": str(folder / "*.pq")}))
    assert run(root, "ingest") == 2
    assert "matches no file" in one_line_error(capsys)
    assert nothing_quarantined(root)


def test_csv_options_and_date_format(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    folder = tmp_path / "eu"
    folder.mkdir()
    frame = cancer_frame()
    for day, rows in frame.groupby("event_date"):
        if (day.date() - START).days >= 6:
            break
        export = rows.assign(event_date=rows["event_date"].dt.strftime("%d/%m/%Y"))
        export.loc[export.index[0], "mean_texture"] = np.nan
        export.to_csv(
            folder / f"export_{day:%Y%m%d}.csv", index=False, sep=";", decimal=",", encoding="latin-1", na_rep="n/a"
        )
    raw = real_params(folder, days=6, **{"split.holdout_days": 2})
    raw["data"]["file"].update(
        date_format="%d/%m/%Y", csv={"sep": ";", "decimal": ",", "encoding": "latin-1", "na_values": ["n/a"]}
    )
    raw["checks"]["columns"]["mean_texture"]["max_null_share"] = 0.1
    write_params(root, raw)
    assert run(root, "ingest") == 0
    batch = pd.read_parquet(root / "data/raw/2026-01-02.parquet")
    assert batch["mean_radius"].dtype == "float64"
    assert batch["mean_texture"].isna().sum() == 1
    assert batch["size_band"].map(type).eq(str).all()


def test_integer_coded_category_without_a_type_trains_too(real: tuple[Path, Path]) -> None:
    """No data.file.dtypes: the codes stay int64, and the Pipeline encodes them as text (no fill_value crash)."""
    root, folder = real
    raw = real_params(folder)
    raw["data"]["file"]["dtypes"] = {}
    write_params(root, raw)
    assert run(root, "ingest") == 0
    assert run(root, "validate") == 0
    assert run(root, "split") == 0
    assert run(root, "train", "--no-track") == 0


def test_a_fractional_categorical_feature_is_named_before_training(
    real: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    root, folder = real
    raw = real_params(folder)
    raw["features"]["categorical"] = [*raw["features"]["categorical"], raw["features"]["numeric"][0]]
    raw["features"]["numeric"] = raw["features"]["numeric"][1:]
    write_params(root, raw)
    assert run(root, "ingest") == 0
    assert run(root, "validate") == 2
    assert "holds fractional numbers" in one_line_error(capsys)


def test_integer_coded_category_trains(real: tuple[Path, Path]) -> None:
    root, _ = real
    assert run(root, "ingest") == 0
    assert run(root, "validate") == 0
    assert run(root, "split") == 0
    assert run(root, "train", "--no-track") == 0


# --- concurrency ---------------------------------------------------------------------------------


def test_second_ingest_is_refused_while_one_runs(real: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = real
    with exclusive(root / "data/.ingest.lock", "ingest"):
        assert run(root, "ingest") == 2
        err = one_line_error(capsys)
        assert "another ingest is running" in err
        assert f"pid {os.getpid()}" in err
    assert not (root / "data/raw").exists()
    assert run(root, "ingest") == 0


def test_partition_writes_use_unique_temp_files_and_never_overwrite(tmp_path: Path) -> None:
    from {{ cookiecutter.package_name }}.adapters.dataset import write_partition

    target = tmp_path / "raw/2026-01-01.parquet"
    first = pd.DataFrame({"a": [1]})
    write_partition(first, target)
    (tmp_path / "raw/2026-01-01.parquet.tmp").write_text("another writer's temp file")
    with pytest.raises(FileExistsError):
        write_partition(pd.DataFrame({"a": [2]}), target)
    pd.testing.assert_frame_equal(pd.read_parquet(target), first)
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == ["2026-01-01.parquet", "2026-01-01.parquet.tmp"]


@pytest.mark.slow
def test_two_ingest_processes_at_once_leave_whole_partitions(project: Path) -> None:
    """Two real processes race: one ingests, the other is refused in one line (or runs after it)."""
    import subprocess
    import sys

    write_params(project, small_params(**{"data.end_date": "2026-02-28"}))
    cmd = [
        sys.executable,
        "-m",
        "{{ cookiecutter.package_name }}",
        "--root",
        str(project),
        "ingest",
    ]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    codes = sorted(code for code, _ in outcomes)
    assert codes in ([0, 0], [0, 2]), outcomes
    for code, err in outcomes:
        if code == 2:
            assert err.strip().startswith("error: ingest: another ingest is running (pid ")
            assert len(err.strip().splitlines()) == 1
    raw = sorted((project / "data/raw").glob("*.parquet"))  # each day also has its summary sidecar
    assert [p.name for p in raw] == [
        f"{d.date().isoformat()}.parquet" for d in pd.date_range("2026-01-01", "2026-02-28")
    ]
    assert all(len(pd.read_parquet(p)) == 120 for p in raw)
