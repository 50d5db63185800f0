"""`backtest`: a stretch of the project's own days replayed through the loop's code (issue 18 item 3),
checked against a replay computed here by hand."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.adapters import champion as champion_mod
from {{ cookiecutter.package_name }}.adapters.dataset import partition_path
from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.config import load_params
from {{ cookiecutter.package_name }}.core.features import input_columns, predict_scores
from {{ cookiecutter.package_name }}.core.metrics import get_metric
from {{ cookiecutter.package_name }}.jobs.backtest import replay

from .test_decide import champion_repo, checkout  # noqa: F401  (one champion for the module)

FIRST, LAST = dt.date(2026, 1, 21), dt.date(2026, 1, 26)


def by_hand(root: Path, day: dt.date) -> float:
    """The champion's primary metric on one day's rows, computed with scikit-learn, not the backtest's code."""
    from sklearn import metrics

    params = load_params(root / "params.yaml")
    model = champion_mod.load(root, champion_mod.resolve(root, "main"), params)
    frame = pd.read_parquet(partition_path(root / params.data.raw_dir, day))
    y = frame[params.project.target].to_numpy()
    s = predict_scores(model, frame[input_columns(params)], params.project.task)
    cut = s >= params.evaluate.threshold
    by_name = {
        "roc_auc": lambda: metrics.roc_auc_score(y, s),
        "average_precision": lambda: metrics.average_precision_score(y, s),
        "log_loss": lambda: metrics.log_loss(y, s),
        "f1": lambda: metrics.f1_score(y, cut),
        "accuracy": lambda: metrics.accuracy_score(y, cut),
        "rmse": lambda: metrics.mean_squared_error(y, s) ** 0.5,
        "mae": lambda: metrics.mean_absolute_error(y, s),
        "r2": lambda: metrics.r2_score(y, s),
    }
    return float(by_name[params.evaluate.primary_metric]())


{%- if cookiecutter.model_task != "multiclass" %}


def test_a_replay_matches_the_hand_computed_one(champion_repo: Path, tmp_path: Path) -> None:
    root = checkout(champion_repo, tmp_path, "2026-01-28")
    params = load_params(root / "params.yaml")
    result = replay(params, root, FIRST, LAST, ["never", "every:2", "configured"], review_lag=1)
    never, every, configured = (result["days"][p] for p in ("never", "every:2", "configured"))
    # never: the champion serves every day, scored on that day's rows exactly as by hand
    assert [d["serving"] for d in never] == ["champion"] * 6
    for d in never:
        assert d["online"] == pytest.approx(by_hand(root, dt.date.fromisoformat(d["day"])), abs=1e-9)
    assert result["policies"]["never"]["retrains"] == 0
    # every:2 retrains on the 2nd, 4th and 6th day; a promotion serves from the second morning after it
    retrain_days = [d["day"] for d in every if "verdict" in d]
    assert retrain_days == ["2026-01-22", "2026-01-24", "2026-01-26"]
    serving = "champion"
    expected = []
    pending: dict[str, str] = {}
    for d in every:
        serving = pending.pop(d["day"], serving)
        expected.append(serving)
        if d.get("verdict") == "promote":
            day = dt.date.fromisoformat(d["day"])
            pending[(day + dt.timedelta(days=2)).isoformat()] = f"retrain {d['day']}"
    assert [d["serving"] for d in every] == expected
    s = result["policies"]["every:2"]
    assert s["retrains"] == 3
    assert s["promotions"] + s["rejections"] == 3
    # configured: the champion dates from 01-20 on the data's timeline and the cooldown is 7 days, so the
    # decisions made the mornings of 01-22..26 are blocked; the one of 01-27 (data up to 01-26) is free, and
    # on this stationary stretch no trigger fires
    assert [d["why"].split(":")[0] for d in configured] == ["cooldown"] * 5 + ["no trigger fired"]
    assert result["policies"]["configured"]["retrains"] == 0
    mean = sum(d["online"] for d in never) / 6
    assert result["policies"]["never"]["mean_online"] == pytest.approx(mean, abs=1e-6)


{%- endif %}


def test_after_a_switch_a_promotion_serves_after_the_review_lag(champion_repo: Path, tmp_path: Path) -> None:
    """The label rule changes on 01-23: a retrain on 01-26 trains on the days since the change, is
    promoted, and serves from 01-28 (the retrain job runs the morning after, the merge a day later).
    The next retrain, against that model, keeps the window from the change (split.kept_change)."""
    switch = {"data.demo.drift_onset": "2026-01-23", "data.demo.drift_strength": 3.0}
    root = checkout(champion_repo, tmp_path, "2026-02-01", **switch)
    params = load_params(root / "params.yaml")
    change = dt.date(2026, 1, 23)
    result = replay(
        params, root, FIRST, dt.date(2026, 2, 1), ["never", "every:6", "oracle", "every:1"], changes=[change]
    )
    never, every = result["days"]["never"], result["days"]["every:6"]
    first, second = [d for d in every if "verdict" in d]
    assert first["day"] == "2026-01-26"
    assert first["verdict"] == "promote", first["reason"]
    assert first["train"][0] == "2026-01-23"
    assert (second["day"], second["train"]) == ("2026-02-01", ["2026-01-23", "2026-01-27"])  # not all history
    serving = [d["serving"] for d in every]
    assert serving == ["champion"] * 7 + ["retrain 2026-01-26"] * 5  # 01-21..27, then 01-28..02-01
    metric = get_metric(params.evaluate.primary_metric)
    after = [(b["online"], a["online"]) for a, b in zip(never, every, strict=True) if b["serving"] != "champion"]
    assert all(metric.improvement(old, new) > 0 for new, old in after[:3]), after  # better on its first days
    mean_new, mean_old = (sum(x) / len(x) for x in zip(*after, strict=True))
    assert metric.improvement(mean_old, mean_new) > 0, after  # and over all the days it serves
    # Recovery from the known change: every:6 decided 3 days after it and served 5 days after it.
    summary = result["policies"]
    assert summary["every:6"]["recovery"] == [
        {"change": "2026-01-23", "retrain_decided_after_days": 3, "serving_after_days": 5}
    ]
    assert summary["never"]["recovery"][0]["serving_after_days"] is None
    # The oracle knows the day: it retrains on the first day with one day to train and one to judge,
    # on the days since the change, every day until a promotion.
    oracle = [d for d in result["days"]["oracle"] if "verdict" in d]
    assert oracle[0]["day"] == "2026-01-24"
    assert all(d["train"][0] == "2026-01-23" for d in oracle)
    assert [d["verdict"] for d in oracle][-1] == "promote"
    assert summary["oracle"]["recovery"][0]["serving_after_days"] <= 5
    # Promotions on consecutive days update one PR: it is merged on the day the first would have been,
    # with the newest candidate in it (not pushed back a day by each update).
    daily = result["days"]["every:1"]
    promoted = [d["day"] for d in daily if d.get("verdict") == "promote"]
    first_served = next(d for d in daily if d["serving"] != "champion")
    first = dt.date.fromisoformat(promoted[0])
    assert first_served["day"] == (first + dt.timedelta(days=2)).isoformat(), promoted
    newest = max(p for p in promoted if p < first_served["day"])
    assert first_served["serving"] == f"retrain {newest}"
    # CI minutes: one per daily check, two per retrain job, one per promotion PR job.
    every_summary = summary["every:6"]
    assert every_summary["ci_minutes"] == 12 + 2 * every_summary["retrains"] + every_summary["promotions"]
    assert summary["never"]["ci_minutes"] == 12


def test_policies_replayed_together_decide_as_each_alone(
    champion_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The replay reads each day's history once and fits each training window once for all its policies
    (jobs/backtest.py DayFrame, FitMemo): every policy's days and summary are the ones it has replayed
    alone, and the policies retraining on the same rows on the same day share one fit."""
    from {{ cookiecutter.package_name }}.jobs import train

    switch = {"data.demo.drift_onset": "2026-01-23", "data.demo.drift_strength": 3.0}
    root = checkout(champion_repo, tmp_path, "2026-02-01", **switch)
    params = load_params(root / "params.yaml")
    fitted = []
    real_fit = train.fit
    monkeypatch.setattr(train, "fit", lambda p, rows: fitted.append(len(rows)) or real_fit(p, rows))
    policies = ["configured", "never", "every:3", "every:1"]
    together = replay(params, root, FIRST, dt.date(2026, 2, 1), policies)
    retrains = sum(s["retrains"] for s in together["policies"].values())
    assert together["policies"]["every:1"]["retrains"] == 12
    assert len(fitted) < retrains, (len(fitted), retrains)  # every:3's first retrains are every:1's fits
    for policy in policies:
        alone = replay(params, root, FIRST, dt.date(2026, 2, 1), [policy])
        assert alone["days"][policy] == together["days"][policy], policy
        assert alone["policies"][policy] == together["policies"][policy], policy


def test_backtest_command_writes_its_reports_and_refuses_bad_input(
    champion_repo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = checkout(champion_repo, tmp_path, "2026-01-24")
    args = ["--root", str(root), "backtest", "--from", "2026-01-21", "--policy", "never", "--policy", "every:3"]
    assert main([*args, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "every:3" in out
    assert "written: reports/backtest.json" in out
    result = json.loads((root / "reports/backtest.json").read_text())
    assert set(result["policies"]) == {"never", "every:3"}
    assert result["to"] == "2026-01-24"
    md = (root / "reports/backtest.md").read_text()
    assert "| never | 0 |" in md
    assert "![online" in md
    assert (root / "reports/backtest.png").read_bytes().startswith(b"\x89PNG")
    for bad, message in (
        (["--policy", "weekly"], "unknown policy 'weekly'"),
        (["--policy", "oracle"], "the oracle policy needs the known change days"),
        (["--change", "2026-01-01"], "--change 2026-01-01 is outside the replayed days"),
        (["--from", "2026-01-10"], "not after the starting champion's data"),
        (["--to", "2026-02-20"], "after data.end_date"),
    ):
        base = ["--root", str(root), "backtest", "--from", "2026-01-21", "--quiet"]
        if bad[0] == "--from":
            base = ["--root", str(root), "backtest", "--quiet"]
        assert main([*base, *bad]) == 2
        err = capsys.readouterr().err
        assert message in err, err
        assert len(err.strip().splitlines()) == 1
