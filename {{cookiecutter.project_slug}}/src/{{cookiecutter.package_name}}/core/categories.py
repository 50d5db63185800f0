"""One spelling for category labels, whatever stored them.

A CSV column of integer codes with a gap reads as floats (``2.0``), a SQL NULL in an
INTEGER column does the same, and a clean file reads as ``int64`` (``2``). Checks
(allowed categories), ``init-data`` and the model's one-hot encoding all compare
labels through :func:`category_strings`, so ``2``, ``2.0`` and ``"2"`` are one category.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

_INTEGRAL_TOLERANCE = 1e-9


def integral(values: pd.Series) -> bool:
    """True when every non-null value is a whole number (``2.0`` included)."""
    finite = values.dropna()
    if not len(finite):
        return False
    floats = finite.astype("float64")
    return bool(((floats - floats.round()).abs() <= _INTEGRAL_TOLERANCE).all())


def category_strings(values: pd.Series) -> pd.Series:
    """Labels as text (object dtype), missing values as NaN: ``2.0`` -> ``"2"``, ``True`` -> ``"True"``."""
    out = pd.Series(np.nan, index=values.index, dtype=object)
    present = values.notna()
    if not present.any():
        return out
    kept = values[present]
    text: pd.Series
    if pd.api.types.is_bool_dtype(kept):
        text = kept.map(str)  # "True" / "False", as the data checks spell them
    elif pd.api.types.is_float_dtype(kept) and integral(kept):
        text = kept.astype("int64").astype(str)
    else:
        text = kept.astype(str)
    out.loc[present] = text.astype(object)
    return out


def as_category_frame(frame: Any) -> pd.DataFrame:
    """A Pipeline step: every column through :func:`category_strings` (before imputing and encoding)."""
    frame = pd.DataFrame(frame)
    return frame.apply(category_strings)
