"""A deterministic simulator of daily customer batches, churn-like.

Each day's rows depend only on (seed, day), so any window can be regenerated
exactly on any machine: this is what lets the whole loop run offline and lets a CI
runner without the DVC remote rebuild the demo data. After ``drift_onset`` both the
input distribution (prices up, usage down, a different plan mix) and the
feature-to-label relationship (customers become more price-sensitive and
support calls matter more) change, by ``drift_strength``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ...config import DemoSourceParams

PLANS = ("basic", "standard", "premium")
CONTRACTS = ("month-to-month", "one-year", "two-year")
REGIONS = ("north", "south", "east", "west")
PAYMENTS = ("card", "bank-transfer", "invoice")


class DemoSource:
    name = "demo"

    def __init__(self, params: DemoSourceParams, *, task: str, target: str, date_column: str, id_column: str | None):
        self.params = params
        self.task = task
        self.target = target
        self.date_column = date_column
        self.id_column = id_column

    def drifted(self, day: dt.date) -> bool:
        return day >= self.params.drift_onset

    def fetch(self, day: dt.date) -> pd.DataFrame:
        p = self.params
        rng = np.random.default_rng([p.seed, day.toordinal()])
        n = p.rows_per_day
        s = p.drift_strength if self.drifted(day) else 0.0

        plan_p = np.array([0.5, 0.35, 0.15]) * (1 - 0.6 * min(s, 1.0)) + np.array([0.2, 0.3, 0.5]) * 0.6 * min(s, 1.0)
        plan = rng.choice(len(PLANS), size=n, p=plan_p / plan_p.sum())
        contract = rng.choice(len(CONTRACTS), size=n, p=[0.55, 0.3, 0.15])
        region = rng.choice(len(REGIONS), size=n)
        payment = rng.choice(len(PAYMENTS), size=n, p=[0.6, 0.3, 0.1])
        age = np.clip(rng.normal(42, 12, n).round(), 18, 90).astype("int64")
        tenure_days = rng.gamma(2.0, 300.0, n).astype("int64")
        signup = pd.Timestamp(day) - pd.to_timedelta(tenure_days, unit="D")
        base_charge = np.array([30.0, 55.0, 85.0])[plan]
        monthly_charges = (base_charge * (1 + 0.25 * s) + rng.normal(0, 6, n)).round(2)
        support_calls = rng.poisson(1.2 + 0.8 * s, n).astype("int64")
        usage_hours = np.clip(rng.normal(40 - 10 * s, 12, n), 0, None).round(1)
        usage_hours[rng.random(n) < 0.02] = np.nan  # a few genuinely missing readings

        m2m = (contract == 0).astype(float)
        tenure_years = tenure_days / 365.0
        if self.task == "classification":
            logit = (
                -1.6
                + 1.4 * m2m
                + (0.35 + 0.35 * s) * support_calls
                - 0.5 * tenure_years
                + (0.015 + 0.045 * s) * (monthly_charges - 55)
                - 0.02 * np.nan_to_num(usage_hours, nan=40.0)
                + 0.6 * s * (region == 1)
            )
            label = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype("int64")
        else:
            label = (
                monthly_charges * (1.0 + 0.1 * s)
                + 2.5 * support_calls * (1 + 2 * s)
                + 0.3 * np.nan_to_num(usage_hours, nan=40.0) * (1 - s)
                + 8.0 * (plan == 2)
                + rng.normal(0, 5, n)
            ).round(2)

        frame = pd.DataFrame(
            {
                self.id_column or "__no_id__": [f"{day:%Y%m%d}-{i:06d}" for i in range(n)],
                self.date_column: pd.Timestamp(day),
                "signup_date": signup.normalize(),
                "age": age,
                "monthly_charges": monthly_charges,
                "support_calls": support_calls,
                "usage_hours": usage_hours,
                "plan": np.array(PLANS)[plan],
                "contract": np.array(CONTRACTS)[contract],
                "region": np.array(REGIONS)[region],
                "payment_method": np.array(PAYMENTS)[payment],
                self.target: label,
            }
        )
        if self.id_column is None:
            frame = frame.drop(columns="__no_id__")
        if day in p.bad_days:
            frame = corrupt(frame, rng, self.target)
        return frame


def corrupt(frame: pd.DataFrame, rng: np.random.Generator, target: str) -> pd.DataFrame:
    """What a broken upstream export looks like: impossible ages, an unknown plan, lost labels."""
    frame = frame.copy()
    n = len(frame)
    idx = rng.choice(n, size=max(1, n // 5), replace=False)
    frame.loc[frame.index[idx], "age"] = -1
    frame.loc[frame.index[idx[: max(1, len(idx) // 2)]], "plan"] = "platinum-legacy"
    frame[target] = frame[target].astype("float64")
    frame.loc[frame.index[idx], target] = np.nan
    return frame
