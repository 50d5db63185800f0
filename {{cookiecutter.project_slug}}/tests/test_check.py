"""`check`: the daily check in one process gives what the five separate commands gave."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.cli import main

from .conftest import small_params, write_params
from .test_decide import champion_repo  # noqa: F401  (module fixture reused)

OUTPUTS = (
    "reports/decision.json",
    "reports/decision.md",
    "reports/data_checks.json",
    "reports/data_checks.md",
    "reports/ingest.json",
)


def copy(champion_repo: Path, tmp_path: Path, name: str, **overrides: object) -> Path:
    root = tmp_path / name
    shutil.copytree(champion_repo, root)
    write_params(root, small_params(**overrides))  # the champion's window: check advances it
    return root


def separate_commands(root: Path, to: str, now: str) -> None:
    for argv in (["advance", "--to", to], ["ingest"], ["validate"], ["drift"], ["decide", "--now", now]):
        assert main(["--root", str(root), *argv]) == 0, argv


def read(root: Path, path: str) -> str:
    return (root / path).read_text()


@pytest.mark.parametrize(
    ("to", "onset", "retrain"),
    [("2026-01-27", "2026-03-15", False), ("2026-01-31", "2026-01-21", True)],
    ids=["quiet-day", "drift-fires"],
)
def test_check_gives_the_outputs_of_the_five_commands(
    champion_repo: Path,
    tmp_path: Path,
    to: str,
    onset: str,
    retrain: bool,
) -> None:
    now = (dt.date.fromisoformat(to) + dt.timedelta(days=1)).isoformat()
    one = copy(champion_repo, tmp_path, "one", **{"data.demo.drift_onset": onset})
    five = copy(champion_repo, tmp_path, "five", **{"data.demo.drift_onset": onset})
    stale = one / "reports/drift/drift_report.html"  # an older run's report: never left beside a new summary
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("<html>an older window</html>")
    assert main(["--root", str(one), "check", "--to", to, "--now", now]) == 0
    separate_commands(five, to, now)
    for path in OUTPUTS:
        assert read(one, path) == read(five, path), path
    assert read(one, "params.yaml") == read(five, "params.yaml")
    decision = json.loads(read(one, "reports/decision.json"))
    assert decision["retrain"] is retrain, decision["reason"]
    mine = json.loads(read(one, "reports/drift/drift_summary.json"))
    theirs = json.loads(read(five, "reports/drift/drift_summary.json"))  # decide (fast engine) ran last there
    for key in ("dataset_drift", "drifted_columns", "rows", "rows_used", "reference_range", "current_range"):
        assert mine[key] == theirs[key], key
    # Evidently's HTML only when drift fired (or a retrain is decided): a quiet day never imports it.
    assert (one / "reports/drift/drift_report.html").exists() is retrain
    assert "an older window" not in (stale.read_text() if stale.exists() else "")
    if retrain:
        assert mine["engine"] == "evidently"


def test_quiet_check_never_imports_evidently_or_mlflow(champion_repo: Path, tmp_path: Path) -> None:
    root = copy(champion_repo, tmp_path, "quiet")
    code = (
        "import sys; from {{ cookiecutter.package_name }}.cli import main;"
        f"rc = main(['--root', {str(root)!r}, 'check', '--to', '2026-01-27', '--now', '2026-01-28', "
        "'--all-triggers']);"
        "print(rc, [m for m in ('evidently', 'mlflow', 'dvc') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "0 []"
    assert "drift_summary.json written by the drift trigger" in out


def test_html_on_demand_and_never(champion_repo: Path, tmp_path: Path) -> None:
    root = copy(champion_repo, tmp_path, "html")
    assert main(["--root", str(root), "check", "--to", "2026-01-27", "--now", "2026-01-28", "--html", "always"]) == 0
    assert (root / "reports/drift/drift_report.html").stat().st_size > 10_000
    drifting = copy(champion_repo, tmp_path, "never", **{"data.demo.drift_onset": "2026-01-21"})
    assert main(["--root", str(drifting), "check", "--to", "2026-01-31", "--now", "2026-02-01", "--html", "never"]) == 0
    assert json.loads(read(drifting, "reports/decision.json"))["retrain"] is True
    assert not (drifting / "reports/drift/drift_report.html").exists()


def test_drift_reads_the_reference_persisted_with_the_champion(champion_repo: Path, tmp_path: Path) -> None:
    """The training range's raw partitions are not needed: the champion's sample is the reference."""
    root = copy(champion_repo, tmp_path, "persisted", **{"data.demo.drift_onset": "2026-01-21"})
    assert main(["--root", str(root), "check", "--to", "2026-01-31", "--now", "2026-02-01"]) == 0
    with_history = json.loads(read(root, "reports/drift/drift_summary.json"))
    for day in range(1, 16):  # the champion's training days
        (root / f"data/raw/2026-01-{day:02d}.parquet").unlink()
    assert main(["--root", str(root), "drift"]) == 0
    without = json.loads(read(root, "reports/drift/drift_summary.json"))
    assert without == with_history
    assert without["rows"]["reference"] == 15 * 120


def test_reference_drawn_with_other_settings_is_not_used(
    champion_repo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Changed drift settings: the persisted sample no longer answers, the raw partitions do."""
    root = copy(champion_repo, tmp_path, "other", **{"drift.seed": 3})
    for day in range(1, 16):
        (root / f"data/raw/2026-01-{day:02d}.parquet").unlink()
    assert main(["--root", str(root), "advance", "--to", "2026-01-27"]) == 0
    assert main(["--root", str(root), "drift"]) == 2
    assert "no raw partitions" in capsys.readouterr().err


def test_a_quarantined_batch_stops_the_check(
    champion_repo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = copy(champion_repo, tmp_path, "bad", **{"data.demo.bad_days": ["2026-01-25"]})
    assert main(["--root", str(root), "check", "--to", "2026-01-27", "--now", "2026-01-28"]) == 1
    assert "QUARANTINED 2026-01-25" in capsys.readouterr().out
    assert not (root / "reports/decision.json").exists()
