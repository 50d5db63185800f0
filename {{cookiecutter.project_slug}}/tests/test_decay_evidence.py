"""Decay with evidence: an abrupt concept switch fires on its first window with enough rows; noise never does.

Real rows, a real fitted model, the real interval (closed form and bootstrap: every test runs
with both) and the real trigger: a champion learns y ~ x1 (concept A); after the switch the
label follows -x1 (concept B).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from {{ cookiecutter.package_name }}.config import DecayTrigger
from {{ cookiecutter.package_name }}.core.intervals import single_interval
from {{ cookiecutter.package_name }}.core.metrics import get_metric
from {{ cookiecutter.package_name }}.core.triggers import Window, decay_trigger

AUC = get_metric("roc_auc")
CFG = DecayTrigger(
    window_days=7, windows=4, min_bad=2, max_relative_drop=0.05, min_rows=50, confidence=0.95, min_rows_at_once=200
)
START = dt.date(2026, 3, 1)
METHOD = "auto"  # set per test by the `interval_method` fixture


@pytest.fixture(autouse=True, params=["auto", "bootstrap"])
def interval_method(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every behaviour below holds with the closed-form interval (the default) and with the bootstrap."""
    monkeypatch.setitem(globals(), "METHOD", request.param)
    return str(request.param)


def rows(n: int, concept: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(size=(n, 2))
    logit = 1.5 * concept * x[:, 0] + 0.5 * x[:, 1]
    return x, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)


@pytest.fixture(scope="module")
def champion() -> tuple[LogisticRegression, float]:
    rng = np.random.default_rng(0)
    x, y = rows(5000, 1.0, rng)
    model = LogisticRegression().fit(x, y)
    hx, hy = rows(2000, 1.0, rng)  # its holdout: the baseline at promotion
    return model, AUC(hy, model.predict_proba(hx)[:, 1])


def window(model: LogisticRegression, i: int, n: int, concept: float, seed: int) -> Window:
    """The i-th 7-day window after the champion's holdout, scored as decide scores it."""
    x, y = rows(n, concept, np.random.default_rng(seed))
    start = START + dt.timedelta(days=7 * i)
    if n < CFG.min_rows:
        return Window(start, start + dt.timedelta(days=6), n, None)
    scores = model.predict_proba(x)[:, 1]
    interval, _ = single_interval(
        y, scores, "roc_auc", threshold=0.5, confidence=0.95, method=METHOD, resamples=400, seed=0
    )
    return Window(start, start + dt.timedelta(days=6), n, AUC(y, scores), interval)


def test_abrupt_switch_fires_on_the_first_bad_window_with_enough_rows(champion: tuple) -> None:
    model, baseline = champion
    before = [window(model, i, 700, 1.0, seed=10 + i) for i in range(3)]
    assert not decay_trigger(before, baseline, AUC, CFG).fired, "healthy windows"
    # The switch lands: the newest window has too few labelled rows to be scored yet, so nothing fires...
    early = [*before, window(model, 3, 30, -1.0, seed=20)]
    assert early[-1].value is None
    assert not decay_trigger(early, baseline, AUC, CFG).fired
    # ...a scored window with fewer than min_rows_at_once rows counts for N of M only, however bad it looks...
    thin = decay_trigger([*before, window(model, 3, 120, -1.0, seed=22)], baseline, AUC, CFG)
    assert not thin.fired, thin.detail
    assert thin.value == 1, thin.detail
    # ...and the first window with enough rows fires at once: 1 bad window of 4, no second one needed.
    first_bad = [*before, window(model, 3, 200, -1.0, seed=21)]
    result = decay_trigger(first_bad, baseline, AUC, CFG)
    assert result.fired, result.detail
    assert result.value == 1, "only one bad window: N of M alone would have waited"
    assert "fires at once" in result.detail
    assert "whole 95% interval" in result.detail
    assert result.extra["windows"][-1]["confident"] is True


def test_a_window_within_noise_does_not_fire(champion: tuple) -> None:
    model, baseline = champion
    before = [window(model, i, 700, 1.0, seed=10 + i) for i in range(3)]
    point_bad = 0
    for seed in range(100, 200):  # windows of the unchanged concept: some look bad by chance
        noisy = window(model, 3, 200, 1.0, seed=seed)
        result = decay_trigger([*before, noisy], baseline, AUC, CFG)
        assert not result.fired, result.detail
        if result.extra["windows"][-1]["bad"]:
            point_bad += 1
            assert "within noise" in result.detail
    assert point_bad >= 3, "the check is meaningful only if some noisy windows were bad on their point value"


def test_n_of_m_still_catches_a_slow_decline(champion: tuple) -> None:
    """Two moderately bad windows whose intervals each reach the limit: the N-of-M rule fires, not the at-once rule."""
    _model, baseline = champion
    limit = baseline * 0.95
    mild = Window(START, START + dt.timedelta(days=6), 80, limit - 0.01, (limit - 0.1, limit + 0.05))
    windows = [
        mild,
        Window(
            mild.start + dt.timedelta(days=7),
            mild.end + dt.timedelta(days=7),
            80,
            limit - 0.02,
            (limit - 0.11, limit + 0.04),
        ),
    ]
    result = decay_trigger(windows, baseline, AUC, CFG)
    assert result.fired
    assert "fires at once" not in result.detail
    assert not decay_trigger(windows[:1], baseline, AUC, CFG).fired


def test_lower_is_better_metric_uses_the_same_evidence() -> None:
    rmse = get_metric("rmse")
    cfg = DecayTrigger(windows=3, min_bad=2, max_relative_drop=0.1, confidence=0.95)
    sure = Window(START, START, 500, 13.0, (12.2, 13.8))  # limit 11.0: the whole interval is worse
    unsure = Window(START, START, 500, 11.5, (10.4, 12.6))
    assert decay_trigger([sure], 10.0, rmse, cfg).fired
    assert not decay_trigger([unsure], 10.0, rmse, cfg).fired
