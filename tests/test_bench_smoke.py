"""The benchmark harness runs (smoke size) and produces a table with numbers.

``bench/run.py --smoke`` bakes the default project, installs it from its lockfile and
measures every section at the smallest size with one repetition (drift on 5k rows,
no cold-cache or pip installs). This keeps the scripts from rotting; the published
figures come from ``bench/run.py --full``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import TEMPLATE, BakedEnv

pytestmark = pytest.mark.slow

NUMBER = r"(?:\d+(?:\.\d+)? (?:s|MB|GB)|\u00d7\d+(?:\.\d+)?)"  # \u00d7: the multiplication sign


def test_bench_smoke_writes_a_table_with_numbers(tmp_path: Path, baked_env: BakedEnv) -> None:
    if shutil.which("uv") is None:
        pytest.fail("uv is required for the benchmark (pip install uv)")
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            str(TEMPLATE / "bench" / "run.py"),
            "--smoke",
            "--work",
            str(tmp_path / "work"),
            "--out-dir",
            str(out),
            "--venv",
            str(baked_env.root),
        ],
        cwd=TEMPLATE,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    assert result.returncode == 0, f"{result.stdout[-5000:]}\n{result.stderr[-5000:]}"
    # The printed table: one row per target, each with a verdict and a measured number.
    assert re.search(rf"daily no-op decide\s+≤ 10 s\s+(yes|NO)\s+{NUMBER}", result.stdout), result.stdout
    assert re.search(rf"setup from a warm cache .*≤ 10 s\s+(yes|NO)\s+{NUMBER}", result.stdout), result.stdout
    assert re.search(r"^\s+10k\s+\d+\.\d+s\s+\d+\.\d+s\s+\d+%", result.stdout, re.M), result.stdout

    data = json.loads((out / "benchmarks.json").read_text())
    assert data["not_measured"] == []
    # Issue 23: the check is measured as a runner installs it, against the import floor run beside it.
    check = data["check"]
    assert check["lock"] == "requirements-runtime.lock"
    assert check["importable"] == {"pytest": False, "dask": False, "ruff": False, "mypy": False}
    load = check["model_load_import"]  # the model-loading path's own import, timed in-process (target 0.5 s)
    assert 0 < load["pyc"]["wall"] < 5 and 0 < load["nopyc"]["wall"] < 5, load
    assert re.search(rf"import of the model-loading path on top of the floor, bytecode compiled\s+≤ 0.5 s\s+(yes|NO)\s+"
                     rf"{NUMBER}", result.stdout), result.stdout
    first = next(iter(check["cases"].values()))["new_pyc"]
    assert first["floor"] > 0 and first["ratio"] == pytest.approx(first["wall"] / first["floor"], rel=0.01)
    # Issue 18: the backtest as a person runs it (smoke: 30 days of the configured policy; the full run's
    # 365 days of the four default policies carry the 60 s target).
    runs = data["backtest"]["runs"]
    assert data["backtest"]["days"] == 30 and set(runs) == {"configured"}, runs
    assert set(runs["configured"]["policies"]) == {"configured"} and runs["configured"]["wall"] > 0
    assert 0 <= runs["configured"]["policies"]["configured"]["retrains"] <= 30
    assert re.search(rf"daily check ÷ import floor, 30 d × 300 rows/day, bytecode compiled .*≤ 2 ×\s+(yes|NO)\s+×\d",
                     result.stdout), result.stdout
    assert not data["noop"]["30"]["retrain"], data["noop"]["30"]["reason"]
    loop = data["loop"]["10000"]
    assert loop["total_wall"] > loop["fit_seconds"] > 0
    assert set(loop["steps"]) == {"ingest", "validate", "decide", "dvc repro", "gate", "report"}
    assert all(step["wall"] > 0 and step["peak_rss_mb"] > 0 for step in loop["steps"].values())
    assert loop["repro_noop_up_to_date"]
    assert loop["mlflow_log"]["log_and_register"] > 0
    pairs = data["drift"]["pairs"]
    assert pairs["same"]["project"]["dataset_drift"] is False and pairs["drift"]["project"]["dataset_drift"] is True
    assert all(p["same_verdict"] for p in pairs.values())
    assert data["install"]["uv-warm"]["wall"] > 0
    # Setup as the check job runs the setup action: every run step timed, the pull fetched the champion.
    setup = data["setup"]["cases"]["30d x 300"]["variants"]["compile"]
    assert setup["setup"] > 0 and setup["first_step"] > 0 and setup["pulled_mb"] > 0
    ran = [s for s in setup["steps"] if s["wall"] is not None]
    assert any(s["name"] == "dvc pull" for s in ran) and any("ompile" in s["name"] for s in ran), setup["steps"]
    # Minutes-long sections are skipped in smoke, each with its reason, and are not failures.
    assert set(data["skipped"]) == {"gate", "newcomer"}, data.get("skipped")
    assert data["machine"]["libraries"]["evidently"]

    markdown = (out / "benchmarks.md").read_text()
    for heading in (
        "## Machine",
        "## Targets",
        "## 1. Daily no-op check",
        "## 2. Full retrain loop",
        "## 3. Drift",
        "## 4. Environment",
        "## 5. `dvc repro`",
        "## 6. Setup from a warm cache",
        "## Skipped in this mode",
    ):
        assert heading in markdown, heading
    targets = markdown.split("## Targets", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in targets.splitlines() if line.startswith("| ") and not line.startswith("| what")]
    assert len(rows) >= 7, targets
    assert all(re.search(NUMBER, row) for row in rows if "verdict" not in row), targets
    assert (out / "benchmarks.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_scale_bench_smoke_compares_engines_and_fits_memory(tmp_path: Path, baked_env: BakedEnv) -> None:
    """``bench/scale.py --smoke``: local against a real Dask LocalCluster (worker processes), and its section."""
    out = tmp_path / "scale.json"
    result = subprocess.run(
        [
            sys.executable,
            str(TEMPLATE / "bench" / "scale.py"),
            "--smoke",
            "--venv",
            str(baked_env.root),
            "--out",
            str(out),
        ],
        cwd=TEMPLATE,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"{result.stdout[-5000:]}\n{result.stderr[-5000:]}"
    data = json.loads(out.read_text())
    assert [r["rows_per_day"] for r in data["scoring"]] == [300, 3000]
    for row in data["scoring"]:
        assert row["local_s"] > 0
        assert row["dask_s"] > 0
        assert row["dask_startup_s"] > 0
    assert data["memory"][0]["peak_rss_mb"] > 50
    assert [w["rows_per_day"] for w in data["windows"]] == [300, 3000]
    for w in data["windows"]:
        assert min(w["checks_local_s"], w["checks_dask_s"], w["decay_local_s"], w["decay_dask_s"]) > 0
    assert "| rows per day | rows | checks local | checks dask | decay local | decay dask |" in result.stdout
    assert data["template_commit"]
    assert "| rows per day | rows | local | dask | dask / local | cluster start-up |" in result.stdout
    assert re.search(rf"\| 3,000 \| 90,000 \| {NUMBER} \| {NUMBER} \| {NUMBER} \|", result.stdout), result.stdout
