"""Profile a sample of your data and propose the params that describe it (``init-data``).

Pure: a DataFrame in, plain data out; reading the sample and editing params.yaml
happen in ``jobs/init_data.py``. What is found, and how:

- **date column candidates**: datetime columns and text columns whose values parse as
  dates (>= 95 % of a sample); the event date is the candidate with no nulls, a
  date-like name and the most distinct days; the others become date features;
- **id column**: a column named ``id``/``*_id``/``uuid``/``key`` that is unique per
  (id, day), or a text column unique over the whole sample;
- **label and task**: ``--target`` or a label-like name (``target``, ``label``, ...);
  0/1 or true/false is binary classification, a few integer codes or text classes
  multiclass, other numbers regression;
- **features**: numbers are numeric features; text with at most ``max_categories``
  values and integers with at most ``max_integer_codes`` values (``sex`` coded 1/2, a
  region code 3/7/9) are categorical, except a count (0..6 in a run from 0 or 1) and a
  calendar part (month, weekday, ...), which stay numbers; constant, empty and free-text
  columns are left out and named in the notes;
- **checks**: dtype, null share (observed, with headroom), the allowed categories, rows per
  day, and ranges that bound only what is impossible for the column's kind, never what the
  sample has not seen yet (issue 25: a busier day, a new month, the next day of the year):
  a calendar part gets its calendar range, a share 0..1, a count >= 0, a non-negative amount
  >= 0 and ten times the sample's maximum (a unit error), a signed measurement its observed
  range widened by ``range_margin`` (at least one span) on each side. Month and weekday
  names get the whole calendar as their allowed set. A text category set is closed (hard) only
  where the data says so: at most ``SMALL_SET`` values, every one seen before the last third of
  the sample's days (of at least ``MIN_DAYS_TO_TELL``); otherwise a new value warns (soft).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from .categories import category_strings
from .categories import integral as _integral

DATE_HINTS = ("date", "day", "time", "timestamp", "_at", "_on", "_dt", "ts")
EVENT_HINTS = ("created", "event", "visit", "order", "transaction", "observed", "recorded")
ID_HINTS = ("id", "uuid", "guid", "key")
LABEL_NAMES = ("target", "label", "labels", "y", "class", "outcome", "response")
#: integer columns named like this are codes even when their values run 1, 2, 3 ...
CODE_HINTS = ("code", "type", "class", "category", "cat", "group", "kind", "status", "region", "segment", "grade")

#: calendar parts an integer column may hold: (what it is, name hints, lowest, highest); the
#: first whose name matches and whose observed values fit is chosen (day of year before day)
CALENDAR_PARTS: tuple[tuple[str, tuple[str, ...], int, int], ...] = (
    ("calendar day of year", ("day_of_year", "dayofyear", "doy", "yday"), 1, 366),
    ("calendar weekday", ("weekday", "day_of_week", "dayofweek", "dow", "wday"), 0, 7),
    ("calendar month", ("month", "mnth", "mon"), 1, 12),
    ("calendar day of month", ("day_of_month", "dayofmonth", "dom", "mday", "day"), 1, 31),
    ("calendar hour", ("hour", "hr", "hh"), 0, 23),
    ("calendar week", ("week", "weekofyear", "week_of_year", "woy"), 1, 53),
    ("calendar quarter", ("quarter", "qtr"), 1, 4),
)
# English names, full and short (locale-independent on purpose: the data's spelling, not the machine's)
MONTH_NAMES = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
    *("Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec"),
)
WEEKDAY_NAMES = (
    *("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    *("Mon", "Tue", "Tues", "Wed", "Thu", "Thur", "Thurs", "Fri", "Sat", "Sun"),
)


class ProfileError(ValueError):
    """The sample cannot be described without help; the message says which option to pass."""


@dataclass(frozen=True)
class ProfileOptions:
    target: str | None = None
    task: str | None = None
    date_column: str | None = None
    id_column: str | None = None  # "" = none
    categorical: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_categories: int = 50
    max_integer_codes: int = 10
    max_classes: int = 20
    range_margin: float = 1.0  # spans of headroom (at least 1) for a signed measurement: units, sign, not unseen tails
    #: names already in params.yaml (preferred when they fit the data)
    known_target: str | None = None
    known_date_column: str | None = None
    known_id_column: str | None = None


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    kind: str  # date | bool | integer | numeric | category | string
    null_share: float
    distinct: int
    minimum: float | None = None
    maximum: float | None = None
    values: tuple[str, ...] | None = None  # the categories seen, as strings
    integer_coded: bool = False
    day_null_share: float = 0.0  # the largest null share of a single day (batch checks see days)
    #: text categories that are calendar names: "calendar month names" | "calendar weekday names"
    calendar_names: str | None = None
    #: a category's arrivals: the sample's days that hold a value of it, and the values first seen
    #: in the last third of those days (``late_window``); a set still growing there is not closed
    sample_days: int = 0
    late_values: tuple[str, ...] = ()


@dataclass
class DataProfile:
    rows: int
    columns: dict[str, ColumnProfile]
    date_candidates: tuple[str, ...]
    date_column: str
    id_column: str | None
    target: str
    task: str
    classes: tuple[str, ...]
    first_day: dt.date
    last_day: dt.date
    days: int
    rows_per_day_min: int
    rows_per_day_median: float
    smallest_class_share: float | None
    one_class_days: int
    label_null_share: float
    label_min: float | None
    label_max: float | None
    date_format: str | None
    features: dict[str, tuple[str, ...]]
    notes: list[str] = field(default_factory=list)
    label_integral: bool = False  # a regression label of whole numbers (a count)


def _is_number(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


_NUMERIC_DATE = r"^\s*(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})\s*$"


def date_format_of(series: pd.Series) -> tuple[str | None, str | None]:
    """The strptime format of text dates written day/month/year or month/day/year, and a note.

    ISO dates (2026-03-31) need no format. ``31/03/2026`` is day-first and ``03/31/2026``
    month-first; when no value tells them apart (every part <= 12) month-first is assumed,
    as pandas does, and the note says so.
    """
    if pd.api.types.is_datetime64_any_dtype(series) or _is_number(series):
        return None, None
    present = series.dropna().astype(str)
    if not len(present):
        return None, None
    parts = present.str.extract(_NUMERIC_DATE)
    if parts[0].isna().mean() > 0.05:
        return None, None
    parts = parts.dropna()
    first, second, sep, year = parts[0].astype(int), parts[2].astype(int), parts[1].iloc[0], parts[3].iloc[0]
    y = "%Y" if len(year) == 4 else "%y"
    if (first > 12).any() and not (second > 12).any():
        return f"%d{sep}%m{sep}{y}", None
    if (second > 12).any() and not (first > 12).any():
        return f"%m{sep}%d{sep}{y}", None
    if (first > 12).any() and (second > 12).any():
        return None, None
    return f"%m{sep}%d{sep}{y}", (
        f"{series.name}: dates like {present.iloc[0]!r} could be day-first or "
        f"month-first; month-first assumed (set data.file.date_format to '%d{sep}%m{sep}{y}' "
        "if the days come first)"
    )


def parse_dates(series: pd.Series) -> pd.Series | None:
    """``series`` as naive datetimes if (nearly) all its values are dates, else None."""
    if pd.api.types.is_datetime64_any_dtype(series):
        parsed = series
    elif _is_number(series) or pd.api.types.is_bool_dtype(series):
        return None
    else:
        present = series.dropna()
        if not len(present):
            return None
        probe = present.iloc[:: max(1, len(present) // 1000)].astype(str)
        if not probe.str.contains(r"\d{1,4}[-/.]\d{1,2}", regex=True).mean() >= 0.95:
            return None
        fmt, _ = date_format_of(series)
        try:
            parsed = pd.to_datetime(
                series.astype(object).where(series.notna(), None), errors="coerce", format=fmt or "mixed"
            )
        except (ValueError, TypeError, OverflowError):
            return None
        if parsed.notna().sum() < 0.95 * len(present):
            return None
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed


def _name_has(name: str, hints: tuple[str, ...]) -> bool:
    lower = name.lower()
    return any(lower == h or lower.endswith(h) or lower.startswith(h + "_") for h in hints)


def _is_id_name(name: str) -> bool:
    lower = name.lower()
    return lower in ID_HINTS or (lower.endswith(("_id", "id", "_uuid", "_key")) and not lower.endswith("paid"))


def _nice_floor(x: float) -> float:
    return _nice(x, math.floor)


def _nice_ceil(x: float) -> float:
    return _nice(x, math.ceil)


def _nice(x: float, rounder: Any) -> float:
    """Round outward to 3 significant digits, so ranges read well in params.yaml."""
    if x == 0 or not math.isfinite(x):
        return 0.0 if x == 0 else x
    digits = 2 - math.floor(math.log10(abs(x)))
    scale = 10.0**digits
    value = rounder(x * scale) / scale
    return float(round(value, max(digits, 0)))


def _choose_date(frame: pd.DataFrame, candidates: dict[str, pd.Series], opts: ProfileOptions) -> str:
    if opts.date_column:
        if opts.date_column not in frame.columns:
            raise ProfileError(f"--date-column {opts.date_column!r} is not a column (columns: {_names(frame)})")
        if opts.date_column not in candidates:
            raise ProfileError(f"--date-column {opts.date_column!r} does not parse as dates")
        return opts.date_column
    if not candidates:
        raise ProfileError(
            f"no column parses as dates, so there is no day to partition by: add one (columns: {_names(frame)})"
        )

    def rank(name: str) -> tuple[int, int, int, pd.Timestamp, int]:
        parsed = candidates[name]
        return (
            int(name == opts.known_date_column),
            int(parsed.isna().sum() == 0),
            int(_name_has(name, DATE_HINTS) or name.lower().startswith(EVENT_HINTS)),
            parsed.max(),  # the event is the latest date of a row (signup, birth come before it)
            int(parsed.dt.normalize().nunique()),
        )

    return max(candidates, key=rank)


def _choose_id(frame: pd.DataFrame, date: pd.Series, exclude: set[str], opts: ProfileOptions) -> str | None:
    if opts.id_column is not None:
        if opts.id_column == "":
            return None
        if opts.id_column not in frame.columns:
            raise ProfileError(f"--id-column {opts.id_column!r} is not a column (columns: {_names(frame)})")
        return opts.id_column
    days = date.dt.normalize()

    def unique_per_day(name: str) -> bool:
        col = frame[name]
        if col.isna().any() or pd.api.types.is_float_dtype(col) or pd.api.types.is_bool_dtype(col):
            return False
        return not pd.DataFrame({"id": col, "day": days}).duplicated().any()

    names = [c for c in frame.columns if c not in exclude]
    if opts.known_id_column in names and unique_per_day(opts.known_id_column):
        return opts.known_id_column
    for name in names:
        if _is_id_name(str(name)) and unique_per_day(name):
            return str(name)
    for name in names:
        col = frame[name]
        if (
            not _is_number(col)
            and not pd.api.types.is_bool_dtype(col)
            and col.notna().all()
            and col.nunique() == len(col)
            and len(col) >= 20
        ):
            return str(name)
    return None


def _choose_target(frame: pd.DataFrame, opts: ProfileOptions) -> str:
    if opts.target:
        if opts.target not in frame.columns:
            raise ProfileError(f"--target {opts.target!r} is not a column (columns: {_names(frame)})")
        return opts.target
    if opts.known_target in frame.columns:
        return str(opts.known_target)
    for name in frame.columns:
        if str(name).lower() in LABEL_NAMES:
            return str(name)
    raise ProfileError(f"cannot tell which column is the label: pass --target NAME (columns: {_names(frame)})")


def _task(label: pd.Series, opts: ProfileOptions) -> tuple[str, tuple[str, ...]]:
    values = label.dropna()
    if not len(values):
        raise ProfileError(f"label {label.name!r} has no values in the sample")
    distinct = values.nunique()
    classes = tuple(sorted(category_strings(values).unique())) if distinct <= opts.max_classes else ()
    if opts.task:
        return opts.task, classes
    if pd.api.types.is_bool_dtype(values) or distinct <= 2:
        return "classification", classes
    if _is_number(values):
        if _integral(values) and distinct <= opts.max_classes and distinct <= 0.05 * len(values):
            return "multiclass", classes
        return "regression", ()
    if distinct <= opts.max_classes:
        return "multiclass", classes
    raise ProfileError(
        f"label {label.name!r} is text with {distinct} distinct values: neither classes nor numbers; "
        "pass --target with the right column"
    )


def _column(name: str, series: pd.Series, opts: ProfileOptions) -> ColumnProfile:
    null_share = float(series.isna().mean()) if len(series) else 0.0
    present = series.dropna()
    distinct = int(present.nunique())
    if pd.api.types.is_datetime64_any_dtype(series):
        return ColumnProfile(name, "date", null_share, distinct)
    if pd.api.types.is_bool_dtype(present) and len(present):
        return ColumnProfile(name, "bool", null_share, distinct)
    if _is_number(series) or (len(present) and _is_number(pd.Series(list(present)))):
        numbers = pd.to_numeric(present, errors="coerce").astype("float64")
        low = float(numbers.min()) if len(numbers) else None
        high = float(numbers.max()) if len(numbers) else None
        integral = _integral(numbers)
        forced_cat = name in opts.categorical
        # a count (0..6) or a calendar part (month 1..3 so far) is a number whose next value is normal
        counts = integral and (_is_count_run(numbers) and not _name_has(name, CODE_HINTS))
        calendar = integral and low is not None and high is not None and _calendar_part(name, low, high) is not None
        coded = integral and (
            forced_cat
            or (distinct <= opts.max_integer_codes and name not in opts.numeric and not counts and not calendar)
        )
        if coded and len(present):
            values = tuple(sorted(category_strings(numbers).unique(), key=int))
            return ColumnProfile(name, "category", null_share, distinct, low, high, values, integer_coded=True)
        return ColumnProfile(name, "integer" if integral else "numeric", null_share, distinct, low, high)
    text = category_strings(present)
    if distinct <= opts.max_categories or name in opts.categorical:
        values = tuple(sorted(text.unique()))
        return ColumnProfile(
            name, "category", null_share, distinct, values=values, calendar_names=_calendar_names(values)
        )
    return ColumnProfile(name, "string", null_share, distinct)


def profile(frame: pd.DataFrame, opts: ProfileOptions | None = None) -> DataProfile:
    """Describe ``frame`` (a bounded sample of the source)."""
    opts = opts or ProfileOptions()
    if frame.empty:
        raise ProfileError("the sample has no rows")
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    for name in (*opts.categorical, *opts.numeric, *opts.exclude):
        if name not in frame.columns:
            raise ProfileError(
                f"column {name!r} (given on the command line) is not in the data (columns: {_names(frame)})"
            )
    notes: list[str] = []
    target = _choose_target(frame, opts)
    candidates = {}
    for name in frame.columns:
        if name == target:
            continue
        parsed = parse_dates(frame[name])
        if parsed is not None:
            candidates[name] = parsed
    date_column = _choose_date(frame, candidates, opts)
    dates = candidates[date_column]
    date_format, ambiguity = date_format_of(frame[date_column])
    if ambiguity:
        notes.append(ambiguity)
    if dates.isna().any():
        notes.append(f"{int(dates.isna().sum())} row(s) have no {date_column!r}: ingest drops them with every batch")
    id_column = _choose_id(frame, dates, {target, date_column, *candidates}, opts)
    task, classes = _task(frame[target], opts)

    columns: dict[str, ColumnProfile] = {}
    numeric: list[str] = []
    categorical: list[str] = []
    date_features: list[str] = []
    for name in frame.columns:
        if name in (target, date_column):
            continue
        if name in candidates:
            prof = ColumnProfile(name, "date", float(frame[name].isna().mean()), int(candidates[name].nunique()))
        else:
            prof = _column(name, frame[name], opts)
        worst_day = float(frame[name].isna().groupby(dates.dt.normalize()).mean().max())
        prof = replace(prof, day_null_share=max(prof.null_share, worst_day))
        if prof.kind == "category":
            sample_days, late = _arrivals(frame[name], dates.dt.normalize())
            prof = replace(prof, sample_days=sample_days, late_values=late)
        columns[name] = prof
        if name == id_column or name in opts.exclude:
            continue
        if prof.null_share == 1.0:
            notes.append(f"{name}: empty in the sample, left out of the features")
        elif prof.distinct <= 1 and prof.kind != "date":
            notes.append(
                f"{name}: one value only ({(prof.values or ('',))[0] or prof.minimum}), left out of the features"
            )
        elif prof.kind == "date":
            date_features.append(name)
        elif prof.kind in ("numeric", "integer"):
            numeric.append(name)
        elif prof.kind in ("category", "bool"):
            categorical.append(name)
            if prof.integer_coded:
                notes.append(
                    f"{name}: integer codes {', '.join(prof.values or ())} -> categorical "
                    f"(pass --numeric {name} to keep it a number)"
                )
        else:
            notes.append(
                f"{name}: text with {prof.distinct} distinct values, left out of the features "
                f"(pass --categorical {name} to use it)"
            )
    if not (numeric or categorical or date_features):
        raise ProfileError("no usable feature column in the sample")

    days = dates.dropna().dt.normalize()
    per_day = days.value_counts()
    label = frame[target]
    smallest = None
    one_class_days = 0
    if task in ("classification", "multiclass"):
        shares = category_strings(label.dropna()).value_counts(normalize=True)
        smallest = float(shares.min()) if len(shares) else None
        by_day = pd.DataFrame({"day": days, "y": category_strings(label)}).dropna().groupby("day")["y"].nunique()
        one_class_days = int((by_day < 2).sum())
        if one_class_days:
            notes.append(
                f"{one_class_days} day(s) hold a single label class: fine for a day, the class "
                "checks apply to the window"
            )
    return DataProfile(
        rows=len(frame),
        columns=columns,
        date_candidates=tuple(candidates),
        date_column=date_column,
        id_column=id_column,
        target=target,
        task=task,
        classes=classes,
        first_day=days.min().date(),
        last_day=days.max().date(),
        days=int(per_day.size),
        rows_per_day_min=int(per_day.min()),
        rows_per_day_median=float(per_day.median()),
        smallest_class_share=smallest,
        one_class_days=one_class_days,
        label_null_share=float(max(label.isna().mean(), label.isna().groupby(days).mean().max())),
        date_format=date_format,
        label_min=float(label.min()) if task == "regression" else None,
        label_max=float(label.max()) if task == "regression" else None,
        label_integral=task == "regression" and _integral(pd.to_numeric(label, errors="coerce")),
        features={"numeric": tuple(numeric), "categorical": tuple(categorical), "dates": tuple(date_features)},
        notes=notes,
    )


def _names(frame: pd.DataFrame) -> str:
    names = [str(c) for c in frame.columns]
    return ", ".join(names[:30]) + (", ..." if len(names) > 30 else "")


# --- the proposal -----------------------------------------------------------------------


def null_allowance(observed: float) -> float:
    """Headroom over the observed null share: none when the sample had none."""
    if observed <= 0:
        return 0.0
    return min(1.0, math.ceil((observed * 1.5 + 0.01) * 100) / 100)


def _is_count_run(numbers: pd.Series) -> bool:
    """Whole numbers >= 0 running without a gap from 0 or 1 (0..6 support calls): a count, not codes.

    Two values (0/1, sex 1/2) stay codes; 3/7/9 has gaps and stays codes."""
    seen = {int(v) for v in numbers.dropna().unique()}
    if len(seen) < 3 or min(seen) not in (0, 1):
        return False
    return seen == set(range(min(seen), max(seen) + 1))


def _calendar_part(name: str, low: float, high: float) -> tuple[str, int, int] | None:
    """(what, lowest, highest) when ``name`` says a calendar part and the observed values fit it."""
    lower = name.lower()
    for what, hints, first, last in CALENDAR_PARTS:
        # whole words only: "random" or "holiday" is no day of the month
        named = any(lower == h or lower.endswith("_" + h) or lower.startswith(h + "_") for h in hints)
        if named and first <= low and high <= last:
            if what == "calendar weekday":  # 0..6 or 1..7; a sample showing neither end admits 0..7
                return what, *((0, 6) if low == 0 else (1, 7) if high == 7 else (0, 7))
            return what, first, last
    return None


def _calendar_names(values: tuple[str, ...]) -> str | None:
    """Which calendar a set of text categories names (``Jan, Feb, March``), if any."""
    lowered = {v.strip().lower() for v in values}
    if not lowered:
        return None
    for what, names in (("calendar month names", MONTH_NAMES), ("calendar weekday names", WEEKDAY_NAMES)):
        if lowered <= {n.lower() for n in names}:
            return what
    return None


def _calendar_set(what: str, seen: tuple[str, ...]) -> list[str]:
    """The whole calendar's names, spelled in the sample's case (jan, JAN or Jan)."""
    names = MONTH_NAMES if what == "calendar month names" else WEEKDAY_NAMES
    if all(v.isupper() for v in seen):
        spelled = [n.upper() for n in names]
    elif all(v.islower() for v in seen):
        spelled = [n.lower() for n in names]
    else:
        spelled = list(names)
    return sorted(set(spelled) | set(seen))


#: a text category set with at most this many values is closed and hard (a new value is more likely an
#: upstream change than growth) if it was complete early in the sample (below); a larger one is soft:
#: a new value warns and the day is admitted
SMALL_SET = 10
#: Is a small set closed? Only if the sample saw it complete early: no value first seen in the last
#: third of the sample's days. A closed set shows its values early and then stops growing; a third of
#: the days with no new value is the plateau asked for, and a value first seen there (a new payment
#: mean, a new store) says the set is still growing, so a next new value is likely normal life: warn.
#: A rare value of a closed set can also first show late; soft is the safe side of that doubt. With
#: fewer than a week of days the sample cannot tell (a weekend-only value has not had its day; the last
#: third is one or two days): soft too.
MIN_DAYS_TO_TELL = 7


def late_window(days: int) -> int:
    """How many of the sample's last days a closed set must show no new value in: a third, rounded up."""
    return math.ceil(days / 3)


def _arrivals(series: pd.Series, days: pd.Series) -> tuple[int, tuple[str, ...]]:
    """The days that hold a value of ``series``, and the values first seen in the last third of them."""
    seen = pd.DataFrame({"day": days, "value": category_strings(series)}).dropna()
    order = sorted(seen["day"].unique())
    if len(order) < MIN_DAYS_TO_TELL:
        return len(order), ()
    first = seen.groupby("value")["day"].min()
    late = first[first >= order[len(order) - late_window(len(order))]]
    return len(order), tuple(sorted(str(v) for v in late.index))


HARD = "[hard: a failure quarantines the day]"


def _numeric(
    name: str, low: float, high: float, integral: bool, margin: float
) -> tuple[int | float | None, int | float | None, str, tuple[str, ...]]:
    """min, max (None: unbounded), why, and which of them are soft, for a number.

    Hard where the column's kind makes a value impossible (the calendar, a share's 0..1, a count's or
    an amount's 0); soft where the bound is only learned from the sample's extremes (an amount's
    10 x maximum, a signed measurement's widened range): growth warns, it does not quarantine."""
    part = _calendar_part(name, low, high) if integral else None
    if part is not None:
        what, first, last = part
        return first, last, f"{what}, {first}..{last}", ()
    if low >= 0 and high <= 1 and not integral:
        return 0, 1, "share, 0..1", ()
    if low >= 0 and integral:
        return 0, None, "count, >= 0 (no upper bound: busier days are normal)", ()
    if low >= 0:
        top = _plain_number(_nice_ceil(10 * high)) if high > 0 else None
        shown = f"<= {top} (10 x the sample's maximum: a unit error)" if top is not None else "no upper bound"
        return 0, top, f"non-negative amount, >= 0, {shown}", ("max",) if top is not None else ()
    lo, hi = _range(low, high, max(margin, 1.0), integral)
    why = f"signed measurement, {lo}..{hi} (the sample's range widened by {max(margin, 1.0):g} span each side)"
    return lo, hi, why, ("min", "max")


def numeric_bounds(
    name: str, low: float, high: float, integral: bool, margin: float
) -> tuple[int | float | None, int | float | None, str]:
    """min, max (None: unbounded) and why, for a number: bound what is impossible, not what is unseen."""
    return _numeric(name, low, high, integral, margin)[:3]


def _kind_text(soft: tuple[str, ...]) -> str:
    if not soft:
        return HARD
    return f"[{', '.join(soft)} soft: a failure warns and the day is admitted; the rest hard]"


def learned_rule(prof: ColumnProfile, margin: float) -> tuple[dict[str, Any], str]:
    """The checks rule for one column and why it was chosen, with its kind (shown in the init-data preview).

    max_null_share stays hard: a column turning empty is the commonest sign of a broken upstream."""
    rule: dict[str, Any] = {"dtype": prof.kind if prof.kind != "category" or not prof.integer_coded else "category"}
    rule["max_null_share"] = null_allowance(max(prof.null_share, prof.day_null_share))
    why = prof.kind
    soft: tuple[str, ...] = ()
    if prof.kind in ("numeric", "integer") and prof.minimum is not None and prof.maximum is not None:
        low, high, why, soft = _numeric(prof.name, prof.minimum, prof.maximum, prof.kind == "integer", margin)
        if low is not None:
            rule["min"] = low
        if high is not None:
            rule["max"] = high
    if prof.kind in ("category", "bool") and prof.values is not None:
        if prof.calendar_names:  # the whole calendar: a value outside it is impossible, hard
            rule["allowed"] = _calendar_set(prof.calendar_names, prof.values)
            why = f"{prof.calendar_names}, the whole calendar allowed"
        elif prof.integer_coded:  # at most max_integer_codes codes: a small closed set, hard
            rule["allowed"] = [int(v) for v in prof.values]
            why = f"integer codes, one of {', '.join(prof.values)} (pass --numeric {prof.name} if it is a number)"
        else:
            rule["allowed"] = list(prof.values)
            shown = ", ".join(prof.values[:8]) + (", ..." if len(prof.values) > 8 else "")
            why = f"{prof.kind}, one of the {len(prof.values)} values seen ({shown})"
            days, late = prof.sample_days, late_window(prof.sample_days)
            if len(prof.values) > SMALL_SET:  # many values: the sample has likely not seen them all
                soft = ("allowed",)
                why += f", more than {SMALL_SET}"
            elif days < MIN_DAYS_TO_TELL:
                soft = ("allowed",)
                why += f", only {days} day{'s' * (days != 1)} in the sample, too few to tell whether the set is closed"
            elif prof.late_values:  # still growing in the sample's last days: the next new value is likely normal
                soft = ("allowed",)
                new = ", ".join(prof.late_values[:5]) + (", ..." if len(prof.late_values) > 5 else "")
                why += (
                    f", {len(prof.late_values)} of {len(prof.values)} values first seen in the sample's last "
                    f"{late} of {days} days ({new}): the set is still growing"
                )
            else:
                why += f", every value seen before the sample's last {late} of {days} days: a closed set"
    if soft:
        rule["soft"] = list(soft)
    return rule, f"{why} {_kind_text(soft)}"


def column_rule(prof: ColumnProfile, margin: float) -> dict[str, Any]:
    return learned_rule(prof, margin)[0]


def rule_reasons(profile: DataProfile, margin: float) -> list[str]:
    """One line per checked column (and the label): the rule chosen, why, and its kind."""
    lines = [f"{name}: {learned_rule(prof, margin)[1]}" for name, prof in profile.columns.items()]
    if profile.label_min is not None and profile.label_max is not None:
        _, _, why, soft = _numeric(profile.target, profile.label_min, profile.label_max, profile.label_integral, margin)
        lines.append(f"{profile.target} (label): {why} {_kind_text(soft)}")
    return lines


def _range(low: float, high: float, margin: float, integral: bool) -> tuple[int | float, int | float]:
    span = high - low
    pad = span * margin if span > 0 else max(abs(high) * margin, 1.0)
    lo, hi = low - pad, high + pad
    if low >= 0 > lo:
        lo = 0.0  # a non-negative quantity stays non-negative
    lo, hi = _nice_floor(lo), _nice_ceil(hi)
    if integral:
        lo, hi = float(math.floor(lo)), float(math.ceil(hi))
    return _plain_number(lo), _plain_number(hi)


def _plain_number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def sizes(profile: DataProfile, current: dict[str, Any]) -> dict[str, Any]:
    """Row-count settings that fit the rows per day actually seen (the defaults fit the demo's 300)."""
    per_day = max(1.0, profile.rows_per_day_median)
    holdout_days = int(current.get("split", {}).get("holdout_days", 7))
    holdout_days = max(1, min(holdout_days, profile.days // 3 or 1))
    # Volume sized to the rows of max_age_days: on a steady stream it then fires about when age would,
    # and earlier only when rows arrive faster than usual. A week of rows made it a weekly schedule
    # (issue 18: on a stationary benchmark stream 8 retrains in 62 days, 7 of them rejected).
    max_age = int(current.get("decide", {}).get("triggers", {}).get("age", {}).get("max_age_days", 30))
    age_rows = math.ceil(per_day * max_age)
    decay = current.get("decide", {}).get("triggers", {}).get("decay", {})
    window_days = int(decay.get("window_days", 7))
    return {
        "checks.min_rows": max(1, profile.rows_per_day_min // 2),
        "split.holdout_days": holdout_days,
        "gate.min_holdout_rows": max(
            1, min(int(current.get("gate", {}).get("min_holdout_rows", 200)), int(per_day * holdout_days * 0.5))
        ),
        # Not capped by the template's 10,000: at 3,000 rows/day that cap made volume fire every 4 days
        # (decision benchmark, full size: 28 retrains in 122 stationary days, 24 rejected).
        "decide.triggers.volume.min_new_rows": max(1, age_rows),
        "decide.triggers.decay.min_rows": max(1, min(int(decay.get("min_rows", 50)), int(per_day * window_days * 0.5))),
    }


TASK_DEFAULTS: dict[str, dict[str, Any]] = {
    "classification": {
        "model.estimator": "logistic_regression",
        "model.params": {"C": 1.0, "max_iter": 1000},
        "evaluate.primary_metric": "roc_auc",
        "evaluate.metrics": ["roc_auc", "average_precision", "log_loss", "f1", "accuracy"],
        "gate.metrics": {
            "roc_auc": {"floor": 0.6},
            "log_loss": {"tolerance": -0.02, "floor": 0.69},
            "accuracy": {"tolerance": -0.02},
        },
    },
    # (used where the project's Task includes multiclass; init-data refuses the task otherwise)
    "multiclass": {
        "model.estimator": "logistic_regression",
        "model.params": {"C": 1.0, "max_iter": 1000},
        "evaluate.primary_metric": "roc_auc_ovr",
        "evaluate.metrics": ["roc_auc_ovr", "log_loss", "f1_macro", "accuracy"],
        "gate.metrics": {
            "roc_auc_ovr": {"floor": 0.6},
            "log_loss": {"tolerance": -0.02},
            "accuracy": {"tolerance": -0.02},
        },
    },
    "regression": {
        "model.estimator": "ridge",
        "model.params": {"alpha": 1.0},
        "evaluate.primary_metric": "rmse",
        "evaluate.metrics": ["rmse", "mae", "r2"],
        "gate.metrics": {"r2": {"floor": 0.3, "tolerance": -0.02}, "mae": {"tolerance": -0.5}},
    },
}


def _get(raw: dict[str, Any], dotted: str, default: Any = None) -> Any:
    node: Any = raw
    for key in dotted.split("."):
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return node


def propose(
    profile: DataProfile, current: dict[str, Any], source: dict[str, Any], margin: float = 0.5, id_none: Any = None
) -> tuple[dict[str, Any], list[str]]:
    """The params.yaml values (dotted keys -> values) that describe ``profile``, and notes.

    ``current`` is params.yaml as loaded (plain data); ``source`` the ``data.*`` keys of
    the source that was read (``data.source``, ``data.file.path``, ...).
    """
    notes: list[str] = []
    out: dict[str, Any] = {
        "project.task": profile.task,
        "project.target": profile.target,
        "project.date_column": profile.date_column,
        "project.id_column": profile.id_column if profile.id_column is not None else id_none,
        **source,
        "data.start_date": profile.first_day.isoformat(),
        "data.end_date": profile.last_day.isoformat(),
    }
    columns = {name: column_rule(prof, margin) for name, prof in profile.columns.items()}
    # label rules: class presence and balance belong to the window; a quiet day with one class is fine
    label_rule: dict[str, Any] = {"checks.label.max_null_share": null_allowance(profile.label_null_share)}
    if profile.task in ("classification", "multiclass"):
        share = profile.smallest_class_share or 0.0
        coded = all(c.lstrip("-").isdigit() for c in profile.classes)
        bools = set(profile.classes) <= {"True", "False"}
        label_rule.update(
            {
                "checks.label.min_classes": max(2, len(profile.classes)) if profile.classes else 2,
                "checks.label.min_class_share": min(0.5, math.floor(share * 0.5 * 1000) / 1000),
                "checks.label.batch_min_classes": None,
                "checks.label.batch_min_class_share": None,
                "checks.label.classes": (
                    [int(c) for c in profile.classes]
                    if coded
                    else [c == "True" for c in profile.classes]
                    if bools
                    else list(profile.classes)
                ),
            }
        )
    elif profile.label_min is not None and profile.label_max is not None:
        # a growing or seasonal label is normal: bound only what its kind makes impossible
        low, high, _, soft = _numeric(
            profile.target, profile.label_min, profile.label_max, profile.label_integral, margin
        )
        label_rule.update({"checks.label.min": low, "checks.label.max": high, "checks.label.soft": list(soft)})
    coded_columns = {name: "category" for name, prof in profile.columns.items() if prof.integer_coded}
    if source.get("data.source") == "file":
        out["data.file.dtypes"] = coded_columns
        out["data.file.date_format"] = profile.date_format
    out.update(label_rule)
    out.update(
        {
            "checks.duplicate_subset": [profile.id_column, profile.date_column] if profile.id_column else [],
            "checks.columns": columns,
            "features.numeric": list(profile.features["numeric"]),
            "features.categorical": list(profile.features["categorical"]),
            "features.dates": list(profile.features["dates"]),
        }
    )
    out.update(sizes(profile, current))
    if profile.task != _get(current, "project.task") and profile.task in TASK_DEFAULTS:
        out.update(TASK_DEFAULTS[profile.task])
        if profile.task == "multiclass" and profile.classes:  # worse than a uniform guess over the classes
            out["gate.metrics"] = {
                **out["gate.metrics"],
                "log_loss": {"tolerance": -0.02, "floor": math.floor(math.log(len(profile.classes)) * 95) / 100},
            }
        notes.append(
            f"task changes from {_get(current, 'project.task')} to {profile.task}: model, evaluate "
            "and gate metrics reset to that task's defaults"
        )
    features = set(profile.features["numeric"]) | set(profile.features["categorical"]) | set(profile.features["dates"])
    drift_columns = [c for c in _get(current, "drift.columns", []) or [] if c in features]
    if drift_columns != list(_get(current, "drift.columns", []) or []):
        out["drift.columns"] = drift_columns
    per_column = _get(current, "drift.per_column", {}) or {}
    if any(c not in features for c in per_column):
        out["drift.per_column"] = {c: r for c, r in per_column.items() if c in features}
    return out, notes
