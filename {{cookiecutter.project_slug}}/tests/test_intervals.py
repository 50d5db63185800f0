"""Closed-form intervals of one model's metric (core/intervals.py) against the bootstrap and the truth.

Each closed form must (a) agree with the percentile bootstrap on the same rows, endpoint by
endpoint, to a fraction of the interval's width, and (b) cover the metric's true value about as
often as its confidence says, over fresh samples of a population whose truth is known.
"""

from __future__ import annotations

import numpy as np
import pytest

from {{ cookiecutter.package_name }}.core.gate import metric_interval
from {{ cookiecutter.package_name }}.core.intervals import (
    ANALYTIC_SINGLE,
    analytic_single_interval,
    single_interval,
)
from {{ cookiecutter.package_name }}.core.metrics import get_metric

CLASSIFICATION = ("roc_auc", "log_loss", "brier", "accuracy")
REGRESSION = ("rmse", "mae", "r2")


def classification_rows(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-1.2 * x))).astype(float)
    scores = 1 / (1 + np.exp(-(1.0 * x + rng.normal(scale=0.7, size=n))))  # a calibrated-ish, imperfect model
    return y, scores


def regression_rows(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(size=n)
    y = 3.0 * x + rng.standard_t(df=5, size=n)  # heavy-ish tails: the delta method must still hold
    return y, 2.8 * x + 0.2


def rows_for(name: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return classification_rows(n, rng) if name in CLASSIFICATION else regression_rows(n, rng)


def test_every_closed_form_has_a_test() -> None:
    assert set(ANALYTIC_SINGLE) == set(CLASSIFICATION) | set(REGRESSION)


@pytest.mark.parametrize("name", CLASSIFICATION + REGRESSION)
def test_closed_form_matches_the_bootstrap_on_the_same_rows(name: str) -> None:
    y, scores = rows_for(name, 4000, seed=7)
    closed = analytic_single_interval(name, y, scores, threshold=0.5, confidence=0.95)
    boot = metric_interval(y, scores, name, threshold=0.5, resamples=2000, confidence=0.95, seed=3)
    assert closed is not None
    assert boot is not None
    width = boot[1] - boot[0]
    assert width > 0
    # 2,000 resamples put the bootstrap's own endpoints within a few percent of the width.
    assert abs(closed[0] - boot[0]) < 0.12 * width, (name, closed, boot)
    assert abs(closed[1] - boot[1]) < 0.12 * width, (name, closed, boot)
    value = get_metric(name)(y, scores, 0.5)
    assert closed[0] <= value <= closed[1]


@pytest.mark.parametrize("name", CLASSIFICATION + REGRESSION)
def test_closed_form_covers_the_truth_as_often_as_it_claims(name: str) -> None:
    metric = get_metric(name)
    truth = metric(*rows_for(name, 400_000, seed=99), 0.5)  # the population's value, to ~1e-3
    covered = 0
    trials = 300
    for seed in range(trials):
        y, scores = rows_for(name, 600, seed=1000 + seed)
        low, high = analytic_single_interval(name, y, scores, threshold=0.5, confidence=0.90)  # type: ignore[misc]
        covered += low <= truth <= high
    # 90% nominal; 300 trials give a binomial sd of 1.7 points.
    assert 0.84 <= covered / trials <= 0.96, (name, covered / trials)


def test_no_closed_form_falls_back_to_the_bootstrap() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 500).astype(float)
    probabilities = rng.dirichlet(np.ones(3), 500)  # multiclass: a probability matrix
    assert analytic_single_interval("log_loss", y, probabilities, threshold=0.5, confidence=0.95) is None
    interval, how = single_interval(
        y, probabilities, "log_loss", threshold=0.5, confidence=0.95, method="auto", resamples=200, seed=0
    )
    assert interval is not None
    assert how == "percentile bootstrap, 200 resamples"


def test_one_class_rows_have_no_auc_interval() -> None:
    y = np.ones(300)
    scores = np.linspace(0, 1, 300)
    assert analytic_single_interval("roc_auc", y, scores, threshold=0.5, confidence=0.95) is None
    interval, _ = single_interval(
        y, scores, "roc_auc", threshold=0.5, confidence=0.95, method="auto", resamples=200, seed=0
    )
    assert interval is None  # undefined on every resample too: the window counts for N of M only


def test_bootstrap_on_request_and_unknown_methods_refused() -> None:
    y, scores = rows_for("roc_auc", 500, seed=1)
    _, how = single_interval(
        y, scores, "roc_auc", threshold=0.5, confidence=0.95, method="bootstrap", resamples=200, seed=0
    )
    assert how.startswith("percentile bootstrap")
    _, how = single_interval(y, scores, "roc_auc", threshold=0.5, confidence=0.95, method="auto", resamples=200, seed=0)
    assert how == "DeLong"
    with pytest.raises(ValueError, match="auto or bootstrap"):
        single_interval(y, scores, "roc_auc", threshold=0.5, confidence=0.95, method="exact", resamples=200, seed=0)
