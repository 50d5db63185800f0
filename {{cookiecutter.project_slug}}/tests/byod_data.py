"""A dataset this project did not generate, cut into daily partitions like a real export.

scikit-learn's bundled diabetes study (442 patients, ``load_diabetes(scaled=False)``,
no download) becomes a daily feed: each patient is a visit on one of 30 days, the
label ``high_progression`` is 1 when the disease progressed past 140 a year later,
``sex`` stays integer-coded (1/2) as the study published it, and a few days hold only
one label class, as quiet real days do. The CSV variant leaves ``sex`` and ``bp``
missing on a few rows, so the reader sees floats (``2.0``) where the codes were integers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

FIRST_DAY = dt.date(2026, 1, 1)
DAYS = 30
ONE_CLASS_DAYS = (5, 16, 25)  # day offsets whose rows all have label 0
TARGET = "high_progression"
REGRESSION_TARGET = "progression"  # the study's own label: disease progression one year later


def diabetes_days(seed: int = 0, regression: bool = False) -> pd.DataFrame:
    """The daily visits; ``regression=True`` keeps the study's numeric label instead of the 0/1 one."""
    from sklearn.datasets import load_diabetes

    data = load_diabetes(as_frame=True, scaled=False).frame
    rng = np.random.default_rng(seed)
    data = data.iloc[rng.permutation(len(data))].reset_index(drop=True)
    progression = data.pop("target")
    label = (progression > 140).astype("int64")
    zeros = list(np.flatnonzero(label.to_numpy() == 0))
    day_of = np.full(len(data), -1)
    for offset in ONE_CLASS_DAYS:
        for _ in range(8):
            day_of[zeros.pop()] = offset
    others = [d for d in range(DAYS) if d not in ONE_CLASS_DAYS]
    rest = np.flatnonzero(day_of < 0)
    day_of[rest] = np.array(others)[np.arange(len(rest)) % len(others)]
    frame = pd.DataFrame(
        {
            "patient_id": [f"P{i:04d}" for i in range(len(data))],
            "visit_date": [pd.Timestamp(FIRST_DAY + dt.timedelta(days=int(d))) for d in day_of],
        }
    )
    frame = pd.concat([frame, data], axis=1)
    frame["sex"] = frame["sex"].astype("int64")
    frame["age"] = frame["age"].astype("int64")
    if regression:
        frame[REGRESSION_TARGET] = progression.to_numpy()
    else:
        frame[TARGET] = label
    return frame.sort_values(["visit_date", "patient_id"]).reset_index(drop=True)


def write_days(
    frame: pd.DataFrame, folder: Path, fmt: str = "parquet", first: int = 0, last: int = DAYS - 1
) -> list[Path]:
    """One file per day (``2026-01-05.csv``), days ``first..last`` (offsets from FIRST_DAY)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for offset in range(first, last + 1):
        day = FIRST_DAY + dt.timedelta(days=offset)
        rows = frame[frame["visit_date"] == pd.Timestamp(day)]
        path = folder / f"{day.isoformat()}.{fmt}"
        if fmt == "csv":
            rows = rows.copy()
            if offset % 4 == 1:  # a few gaps: the reader then sees 2.0 for the integer code 2
                rows.loc[rows.index[:1], ["sex", "bp"]] = np.nan
            rows.assign(visit_date=rows["visit_date"].dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
        else:
            rows.to_parquet(path, index=False)
        written.append(path)
    return written
