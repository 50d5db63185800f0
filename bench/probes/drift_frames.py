"""Build the drift benchmark frames: 20 columns (15 numeric, 5 categorical), seeded.

    python drift_frames.py OUT_DIR REFERENCE_ROWS CURRENT_ROWS

Writes reference.parquet, current_same.parquet (same distributions, other seed) and
current_drift.parquet (12 of 15 numeric columns shifted by 0.5 sd or rescaled, 4 of 5
categorical columns with a new mix): a clear dataset drift and a clear non-drift.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

NUMERIC = [f"num_{i:02d}" for i in range(15)]
CATEGORICAL = [f"cat_{i}" for i in range(5)]
LEVELS = [[f"l{j}" for j in range(k)] for k in (3, 4, 5, 8, 12)]


def frame(rows: int, seed: int, drift: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {}
    for i, name in enumerate(NUMERIC):
        loc, scale = 10.0 * i, 1.0 + i
        if drift and i < 12:
            if i % 2:
                loc += 0.5 * scale
            else:
                scale *= 1.6
        if i % 3 == 0:
            values = rng.normal(loc, scale, rows)
        elif i % 3 == 1:
            values = loc + rng.gamma(2.0, scale / 2, rows)
        else:
            values = np.round(rng.normal(loc, scale, rows))  # integer-valued floats
        data[name] = values
    for i, (name, levels) in enumerate(zip(CATEGORICAL, LEVELS, strict=True)):
        p = np.linspace(1.0, 2.0, len(levels))
        if drift and i < 4:
            p = p[::-1] ** 2
        data[name] = pd.Categorical.from_codes(rng.choice(len(levels), size=rows, p=p / p.sum()),
                                               categories=levels).astype(str)
    return pd.DataFrame(data)


def main() -> None:
    out, ref_rows, cur_rows = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    frame(ref_rows, 1, False).to_parquet(out / "reference.parquet", index=False)
    frame(cur_rows, 2, False).to_parquet(out / "current_same.parquet", index=False)
    frame(cur_rows, 3, True).to_parquet(out / "current_drift.parquet", index=False)
    print(f"wrote {out}: reference {ref_rows} rows, current {cur_rows} rows x {len(NUMERIC) + len(CATEGORICAL)} cols")


if __name__ == "__main__":
    main()
