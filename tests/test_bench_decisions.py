"""The decision-quality benchmark runs (smoke size) and reports what the issue asks for (issue 18 item 4).

``bench/decisions.py --smoke`` writes an abrupt Agrawal stream (river) and a stationary control as daily
CSV files, brings each into a default bake with ``init-data --write``, commits a first champion and runs
``backtest``; the JSON holds per stream and policy the delays, retrains and the ADWIN / PageHinkley anchors.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import TEMPLATE, BakedEnv

pytestmark = pytest.mark.slow


def test_decisions_smoke_reports_delays_and_anchors(tmp_path: Path, baked_env: BakedEnv) -> None:
    out = tmp_path / "decisions.json"
    result = subprocess.run(
        [sys.executable, str(TEMPLATE / "bench" / "decisions.py"), "--smoke", "--venv", str(baked_env.root),
         "--work", str(tmp_path / "work"), "--out", str(out)],
        cwd=TEMPLATE,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert result.returncode == 0, f"{result.stdout[-5000:]}\n{result.stderr[-5000:]}"
    assert "| stream | policy | retrains | promotions |" in result.stdout, result.stdout
    data = json.loads(out.read_text())
    assert data["mode"] == "smoke" and data["rows_per_day"] == 300
    assert set(data["streams"]) == {"abrupt", "stationary"}
    abrupt, stationary = data["streams"]["abrupt"], data["streams"]["stationary"]
    change = dt.date.fromisoformat(abrupt["change_day"])
    replayed = (dt.date.fromisoformat(data["end"]) - dt.date.fromisoformat(data["backtest_from"])).days + 1

    for stream in (abrupt, stationary):
        assert stream["primary_metric"] == "roc_auc"
        assert set(stream["policies"]) == {"configured", "never", "every:1", "every:7"}
        # never keeps serving the first champion; every:1 retrains every replayed day
        assert {d["serving"] for d in stream["days"]["never"]} == {"champion"}
        assert stream["policies"]["never"]["retrains"] == 0
        assert stream["policies"]["every:1"]["retrains"] == replayed
        assert stream["champion"]["metrics"]["roc_auc"] > 0.9  # Agrawal function 6 is linear: the champion is good

    # the abrupt switch hurts the stale champion: its online AUC after the change is below before it
    never = abrupt["policies"]["never"]
    assert never["mean_online_after_change"] < never["mean_online_before_change"] - 0.2, never
    for name, p in abrupt["policies"].items():
        delay = p["detection_delay"]
        assert (isinstance(delay, int) and delay >= 0) or delay == "not detected", (name, delay)
        recovery = p["recovery_delay"]
        assert (isinstance(recovery, int) and recovery >= 0) or recovery == "not recovered", (name, recovery)
        if isinstance(recovery, int):  # a model trained on the new concept, better than the stale champion that day
            day = (change + dt.timedelta(days=recovery)).isoformat()
            row = next(d for d in abrupt["days"][name] if d["day"] == day)
            stale = next(d for d in abrupt["days"]["never"] if d["day"] == day)
            assert row["serving"].startswith("retrain ") and row["online"] > stale["online"], (row, stale)
    assert abrupt["policies"]["never"]["detection_delay"] == "not detected"
    # every:7 retrains within a week of the change and that retrain, trained after it, serves
    assert isinstance(abrupt["policies"]["every:7"]["detection_delay"], int)
    assert abrupt["policies"]["every:7"]["detection_delay"] <= 6

    # the anchors are reported on both streams: river's ADWIN and PageHinkley on never's daily error
    for stream in (abrupt, stationary):
        for detector in ("adwin", "page_hinkley"):
            entry = stream["detectors"][detector]
            assert isinstance(entry["false_alarms"], int) and isinstance(entry["alarms"], list), entry
    for detector in ("adwin", "page_hinkley"):
        delay = abrupt["detectors"][detector]["detection_delay"]
        assert (isinstance(delay, int) and delay >= 0) or delay == "not detected", delay
    # false retrains on the stationary stream are counted apart from age, by trigger
    configured = stationary["policies"]["configured"]
    assert configured["retrains_not_age"] == sum(
        1 for r in configured["retrain_days"] if set(r["fired"]) - {"age"}
    )
    assert [t["target"] for t in data["targets"]] == [
        "abrupt: retrain decided within 1 day",
        "abrupt: a better model serving within 3 days",
        "abrupt: never slower than ADWIN-triggered retraining",
        "stationary: 0 false retrains from drift or decay",
    ]
    assert all(isinstance(t["met"], bool) for t in data["targets"])
