"""Recovery after an abrupt change (issue 18): find the day the champion's loss stepped up, then
train and judge on the days after it instead of all history."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from {{ cookiecutter.package_name }}.cli import main
from {{ cookiecutter.package_name }}.core.change import (
    effect_size,
    find_change,
    row_losses,
    welch_t,
)
from {{ cookiecutter.package_name }}.core.metrics import get_metric

from .conftest import pin_workspace_model, small_params, write_params
from .test_decide import champion_repo, checkout  # noqa: F401  (a module fixture: one champion for these tests)

DAYS = [dt.date(2026, 3, 1) + dt.timedelta(days=i) for i in range(28)]


def daily(rng: np.random.Generator, means: list[float], rows: int = 300) -> list[np.ndarray]:
    """Per-row log losses of a champion, day by day (a skewed, loss-like distribution)."""
    return [rng.exponential(mean, rows) for mean in means]


def test_effect_size_is_a_size_where_t_is_a_significance() -> None:
    """The drift trigger's practical margin (``effect_min_d``): the same small shift of the loss is ever more
    significant with more rows, while its size stays put."""
    rng = np.random.default_rng(0)
    for rows in (2_000, 200_000):
        before, after = rng.normal(1.0, 1.0, rows), rng.normal(1.05, 1.0, rows)
        assert effect_size(before, after) == pytest.approx(0.05, abs=0.03)
        t = welch_t(before, after)
        assert t is not None
        assert (t > 10) is (rows == 200_000)
    assert effect_size(np.zeros(5), np.ones(5)) == 0.0  # neither side varies: no size to speak of
    assert effect_size(np.array([1.0]), np.array([2.0, 3.0])) == 0.0


def test_a_stationary_stream_has_no_change() -> None:
    """The control: 200 stationary 28-day streams, no step called at the default threshold."""
    called = [
        find_change(DAYS, daily(np.random.default_rng(seed), [0.45] * 28), min_t=5.0, min_days_after=2)
        for seed in range(200)
    ]
    assert [c for c in called if c is not None] == []


@pytest.mark.parametrize("switch", [5, 20, 26])
def test_a_step_up_is_found_on_its_day(switch: int) -> None:
    means = [0.45] * switch + [0.9] * (28 - switch)
    change = find_change(DAYS, daily(np.random.default_rng(switch), means), min_t=5.0, min_days_after=2)
    assert change is not None
    assert change.day == DAYS[switch]
    assert change.loss_after > change.loss_before
    assert change.days_after == 28 - switch


def test_only_a_step_up_with_enough_days_after_counts() -> None:
    rng = np.random.default_rng(1)
    better = daily(rng, [0.9] * 14 + [0.45] * 14)
    assert find_change(DAYS, better, min_t=5.0, min_days_after=2) is None  # the champion improved
    last_day = daily(rng, [0.45] * 27 + [2.0])
    assert find_change(DAYS, last_day, min_t=5.0, min_days_after=2) is None  # one day: nothing left to train on


def test_row_losses_per_task() -> None:
    assert row_losses(np.array([1, 0]), np.array([0.8, 0.2]), "classification") == pytest.approx(
        [-np.log(0.8), -np.log(0.8)]
    )
    assert row_losses(np.array([1.0, 3.0]), np.array([2.0, 3.0]), "regression") == pytest.approx([1.0, 0.0])
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    assert row_losses(np.array([0, 2]), probs, "multiclass") == pytest.approx([-np.log(0.7), -np.log(0.8)])


def split_of(root: Path) -> dict:
    assert main(["--root", str(root), "split"]) == 0
    return json.loads((root / "data/processed/split.json").read_text())


def test_split_trains_and_judges_after_an_abrupt_change(champion_repo: Path, tmp_path: Path) -> None:
    """The champion learnt 01-01..15; the label rule changes on 02-01; data up to 02-05. The split
    finds the step and uses 02-01..03 to train and 02-04..05 to judge, not the weeks of the old rule."""
    switch = {"data.demo.drift_onset": "2026-02-01", "data.demo.drift_strength": 3.0}
    root = checkout(champion_repo, tmp_path, "2026-02-05", **switch)
    info = split_of(root)
    change = info["after_change"]
    assert change["day"] == "2026-02-01", change
    assert change["loss_after"] > change["loss_before"]
    assert info["train"]["start"] == "2026-02-01"
    assert info["train"]["end"] == "2026-02-03"
    assert (info["holdout"]["start"], info["holdout"]["end"]) == ("2026-02-04", "2026-02-05")
    assert "compared" not in change  # split.after_change.compare_all_history is off by default
    # The candidate of the new rule beats the champion of the old one on the new days, five days after
    # the switch, where a candidate on all history would still be judged on a holdout of old days.
    verdict = retrain_and_gate(root)
    assert verdict["promote"] is True, verdict["reasons"]
    assert verdict["holdout"]["start"] == "2026-02-04"


COMPARE = {"split.after_change.compare_all_history": True}


def test_after_a_real_change_the_days_since_win_and_the_gate_pays_for_the_choice(
    champion_repo: Path, tmp_path: Path
) -> None:
    """The switch above with the windows judged together (issue 18 item 1): the days since the change beat
    all history on the new days, and the gate tests that pick at 97.5 %. The price is power where recovery
    needs it: this holdout promotes the candidate at 95 % (the test above) and not at 97.5 % (its lower
    bound falls just below 0) -- why the comparison is off by default (min_t 5 made no false call on 200
    stationary streams, test_a_stationary_stream_has_no_change: what it guards against is rare)."""
    switch = {"data.demo.drift_onset": "2026-02-01", "data.demo.drift_strength": 3.0, **COMPARE}
    root = checkout(champion_repo, tmp_path, "2026-02-05", **switch)
    change = split_of(root)["after_change"]
    assert change["chosen"] == "since_change", change
    since, history = change["windows"]
    metric = change["metric"]
    better = since[metric] > history[metric] if get_metric(metric).higher_is_better else since[metric] < history[metric]
    assert better, change
    verdict = retrain_and_gate(root)
    assert verdict["windows_compared"]["confidence"] == pytest.approx(0.975)
    primary = next(m for m in verdict["metrics"] if m["metric"] == metric)
    assert "97.5% CI of improvement" in primary["rule"], primary


def test_a_false_change_call_is_judged_against_all_history(champion_repo: Path, tmp_path: Path) -> None:
    """Candidate windows judged together (issue 18 item 1): when split calls a change it can also fit a
    candidate on all history, judge both on the same holdout after the change, and train the better.
    A stationary stream under a hair-trigger search (min_t 0.1) calls a change that is not there: both
    windows hold the same concept, so which wins on a few hundred holdout rows is close (all history on
    the default bake, the days since on the average-precision bake); what must hold is that the better
    one is trained, and that the gate accounts for the choice: the primary metric's interval at
    1 - 0.05 / 2 (Bonferroni, two windows)."""
    hair_trigger = {"data.demo.drift_onset": "2027-01-01", "split.after_change.min_t": 0.1, **COMPARE}
    root = checkout(champion_repo, tmp_path, "2026-02-05", **hair_trigger)
    info = split_of(root)
    change = info["after_change"]
    assert change["compared"] == 2, change
    since, history = change["windows"]
    assert (since["name"], history["name"]) == ("since_change", "all_history")
    assert since["start"] == change["day"]
    assert history["start"] == "2026-01-01"
    assert history["rows"] > since["rows"]
    metric = get_metric(change["metric"])
    best = max((since, history), key=lambda w: w[change["metric"]] * (1 if metric.higher_is_better else -1))
    assert change["chosen"] == best["name"], change
    assert (info["train"]["start"], info["train"]["rows"]) == (best["start"], best["rows"])
    assert info["holdout"]["start"] > change["day"]  # either window is judged on days after the call
    verdict = retrain_and_gate(root)
    assert verdict["windows_compared"]["windows"] == 2, verdict
    assert verdict["windows_compared"]["confidence"] == pytest.approx(0.975)
    assert "better of 2 training windows" in (root / "reports/gate.md").read_text()


def test_a_change_whose_all_history_window_won_is_not_kept(tmp_path: Path) -> None:
    """The next retrain inherits a champion's change day only when its window started there."""
    from {{ cookiecutter.package_name }}.adapters import history as history_mod

    root = tmp_path / "repo"
    (root / "data/processed").mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    for chosen, kept in (("since_change", dt.date(2026, 1, 25)), ("all_history", None)):
        record = {"after_change": {"day": "2026-01-25", "compared": 2, "chosen": chosen}}
        (root / "data/processed/split.json").write_text(json.dumps(record))
        subprocess.run(["git", "add", "-A"], cwd=root, check=True)
        subprocess.run(["git", "commit", "-q", "-m", chosen], cwd=root, check=True)
        assert history_mod.window_change(root, "HEAD") == kept, chosen


def retrain_and_gate(root: Path) -> dict:
    for stage in ("split", "train", "evaluate"):
        extra = ["--no-track"] if stage in ("train", "evaluate") else []
        assert main(["--root", str(root), stage, *extra]) == 0, stage
    main(["--root", str(root), "gate"])
    return json.loads((root / "reports/gate.json").read_text())


def test_split_without_a_change_uses_all_history(champion_repo: Path, tmp_path: Path) -> None:
    root = checkout(champion_repo, tmp_path, "2026-02-05", **{"data.demo.drift_onset": "2027-01-01"})
    info = split_of(root)
    assert "after_change" not in info
    assert info["train"]["start"] == "2026-01-01"
    assert (info["holdout"]["start"], info["holdout"]["end"]) == ("2026-02-01", "2026-02-05")  # holdout_days 5
    off = checkout(
        champion_repo,
        tmp_path / "off",
        "2026-02-05",
        **{"data.demo.drift_onset": "2026-02-01", "data.demo.drift_strength": 3.0, "split.after_change.enabled": False},
    )
    assert "after_change" not in split_of(off)


def promote(root: Path) -> None:
    """Commit the workspace model as main's champion, as merging the promotion PR would."""
    pin_workspace_model(root)
    subprocess.run(["git", "add", "dvc.lock", "metrics.json", "data/processed/split.json"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "promote"], cwd=root, check=True)


def test_the_window_after_a_change_outlives_the_promotion(champion_repo: Path, tmp_path: Path) -> None:
    """Found in the 365-day backtest: the candidate trained after the switch is promoted, it fits the new
    rule, so the next search against it finds no step, and the next retrain went back to all history --
    mostly the old rule -- and was significantly worse than the champion every time. The window keeps
    starting at the change the champion was trained after, until a newer change is found."""
    switch = {"data.demo.drift_onset": "2026-02-01", "data.demo.drift_strength": 3.0}
    root = checkout(champion_repo, tmp_path, "2026-02-05", **switch)
    assert retrain_and_gate(root)["promote"] is True
    promote(root)
    write_params(root, small_params(**{"data.end_date": "2026-02-20", **switch}))
    assert main(["--root", str(root), "ingest"]) == 0
    info = split_of(root)
    change = info["after_change"]
    assert change["day"] == "2026-02-01", change
    assert change["inherited"] is True  # the champion's window, no new step against it
    assert info["train"]["start"] == "2026-02-01"
    assert (info["holdout"]["start"], info["holdout"]["end"]) == ("2026-02-16", "2026-02-20")  # holdout_days 5
    # Off: the old behaviour, all history.
    write_params(root, small_params(**{"data.end_date": "2026-02-20", "split.after_change.enabled": False, **switch}))
    info = split_of(root)
    assert "after_change" not in info
    assert info["train"]["start"] == "2026-01-01"
