"""Data checks: does a batch (or the assembled window) look like what we train on?

Rules come from ``params.yaml`` (``checks:``) and run at two levels:

- **per batch** (``ingest``): each day's rows on their own. A failing batch is
  quarantined. Rules that only make sense on many rows (label classes and balance)
  are off here by default: a quiet day with one label class is not bad data.
- **window** (``validate``): the assembled window ``data.start_date..data.end_date``.
  Column rules again, plus label classes / balance, window size and date gaps. A
  failure stops the pipeline; nothing is quarantined.

Window rules never need the whole window in memory: each partition is reduced to a
:class:`PartitionSummary` (rows, nulls, min/max, value counts of low-cardinality
columns, duplicates) with :func:`summarize`; :func:`merge_summaries` adds them up and
:func:`check_summary` judges the result. A caller may cache summaries per partition.

Every failure names the column, the rule and the observed value. Checks fail
closed: a missing column is a failure, never a skip. Config mistakes (a rule naming
a column the data never had) are told apart from data errors by :func:`config_problems`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ..config import ChecksParams, ColumnRule, ProjectParams

if TYPE_CHECKING:
    import pandas as pd

    from ..config import Params

Scope = Literal["batch", "window"]

#: distinct values kept per text/category column in a summary (enough for allowed-value checks)
VALUE_CAP = 200


@dataclass(frozen=True)
class CheckResult:
    column: str
    rule: str
    passed: bool
    observed: Any
    expected: Any

    def sentence(self) -> str:
        where = f"column {self.column!r}" if self.column != "*" else "dataset"
        return f"{where}: {self.rule} expected {self.expected}, observed {self.observed}"


@dataclass
class CheckReport:
    subject: str
    rows: int
    results: list[CheckResult] = field(default_factory=list)
    warnings: list[CheckResult] = field(default_factory=list)

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if not r.passed]

    @property
    def passed(self) -> bool:
        return not self.failures

    def add(self, column: str, rule: str, passed: bool, observed: Any, expected: Any) -> None:
        self.results.append(CheckResult(column, rule, bool(passed), _plain(observed), _plain(expected)))

    def judge(self, column: str, rule: str, passed: bool, observed: Any, expected: Any, *, soft: bool) -> None:
        """A hard rule adds a result; a soft one that fails warns instead (the day is admitted)."""
        if passed or not soft:
            self.add(column, rule, passed, observed, expected)
        else:
            self.warn(column, f"{rule} (soft)", observed, expected)

    def warn(self, column: str, rule: str, observed: Any, expected: Any) -> None:
        self.warnings.append(CheckResult(column, rule, False, _plain(observed), _plain(expected)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "rows": self.rows,
            "passed": self.passed,
            "checks": len(self.results),
            "failures": [asdict(r) for r in self.failures],
            "warnings": [asdict(r) for r in self.warnings],
            "results": [asdict(r) for r in self.results],
        }

    def to_markdown(self) -> str:
        verdict = "passed" if self.passed else f"FAILED ({len(self.failures)} of {len(self.results)} checks)"
        lines = [f"### Data checks: {self.subject} — {verdict}", "", f"Rows: {self.rows}", ""]
        if self.failures:
            lines += ["| column | rule | expected | observed |", "|---|---|---|---|"]
            lines += [f"| `{r.column}` | {r.rule} | {r.expected} | {r.observed} |" for r in self.failures]
        else:
            lines.append(f"All {len(self.results)} checks passed.")
        if self.warnings:
            lines += [
                "",
                "Warnings (not failures: soft rules and undeclared columns; a soft rule is listed in the column's "
                "`soft:`, and `checks.strict: true` makes unexpected columns fail):",
                "",
            ]
            lines += [f"- {r.sentence()}" for r in self.warnings]
        return "\n".join(lines) + "\n"


def _plain(value: Any) -> Any:
    """JSON-friendly, rounded values for reports."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


# --- per-partition summaries --------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnSummary:
    """What the rules need to know about one column of one partition (JSON-friendly)."""

    dtype: str  # pandas dtype as text, for messages
    kind: str  # numeric | integer | bool | date | text
    rows: int
    nulls: int
    min: float | None = None
    max: float | None = None
    fractional: bool = False  # numeric with non-integer values
    # distinct values (as text) with their counts; None when more than VALUE_CAP distinct
    values: dict[str, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PartitionSummary:
    """One partition (a day, or any set of rows) reduced to what the window rules need."""

    rows: int
    columns: dict[str, ColumnSummary]
    duplicates: int = 0  # rows repeating an earlier row on checks.duplicate_subset
    days: tuple[str, ...] = ()  # ISO days holding rows (date column), for gap reports

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "duplicates": self.duplicates,
            "days": list(self.days),
            "columns": {name: c.to_dict() for name, c in self.columns.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PartitionSummary:
        return cls(
            rows=int(data["rows"]),
            duplicates=int(data.get("duplicates", 0)),
            days=tuple(data.get("days", ())),
            columns={name: ColumnSummary(**c) for name, c in data["columns"].items()},
        )


SUMMARY_VERSION = 1


def summary_signature(checks: ChecksParams, project: ProjectParams) -> str:
    """What a partition's summary depends on besides its rows: a cached summary is valid while this holds."""
    import hashlib
    import json

    basis = {
        "version": SUMMARY_VERSION,
        "cap": VALUE_CAP,
        "duplicate_subset": list(checks.duplicate_subset),
        "date_column": project.date_column,
    }
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()[:16]


def _value_key(value: Any) -> str:
    """Values as text; integral floats (1.0 from a CSV with gaps) read as their integer."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "item"):
        return _value_key(value.item())
    return str(value)


def summarize_column(series: pd.Series) -> ColumnSummary:
    import pandas as pd

    rows = len(series)
    nulls = int(series.isna().sum())
    non_null = series.dropna()
    dtype = str(series.dtype)
    low: float | None = None
    high: float | None = None
    fractional = False
    if pd.api.types.is_bool_dtype(series):
        kind = "bool"
    elif pd.api.types.is_numeric_dtype(series):
        kind = "numeric"
        if len(non_null):
            low, high = float(non_null.min()), float(non_null.max())
            fractional = bool((non_null != non_null.round()).any())
        if not fractional:
            kind = "integer"
    elif pd.api.types.is_datetime64_any_dtype(series):
        kind = "date"
    else:
        kind = "text"
    values: dict[str, int] | None = None
    if kind in ("text", "bool", "integer"):
        counts = non_null.value_counts()
        if len(counts) <= VALUE_CAP:
            values = {}
            for value, count in counts.items():
                key = _value_key(value)
                values[key] = values.get(key, 0) + int(count)
    return ColumnSummary(dtype, kind, rows, nulls, low, high, fractional, values)


def summarize(frame: pd.DataFrame, checks: ChecksParams, project: ProjectParams) -> PartitionSummary:
    """Reduce a partition to a :class:`PartitionSummary` (the unit the window rules add up)."""
    columns = {str(name): summarize_column(frame[name]) for name in frame.columns}
    subset = [c for c in checks.duplicate_subset if c in frame.columns]
    duplicates = int(frame.duplicated(subset=subset).sum()) if subset and len(frame) else 0
    days: tuple[str, ...] = ()
    date_col = project.date_column
    if date_col in frame.columns and columns[date_col].kind == "date" and len(frame):
        days = tuple(sorted({d.date().isoformat() for d in frame[date_col].dropna().dt.normalize().unique()}))
    return PartitionSummary(rows=len(frame), columns=columns, duplicates=duplicates, days=days)


def _merge_column(a: ColumnSummary, b: ColumnSummary) -> ColumnSummary:
    kinds = {a.kind, b.kind}
    if len(kinds) == 1:
        kind = a.kind
    elif kinds == {"numeric", "integer"}:
        kind = "numeric"
    else:
        kind = "mixed"
    lows = [v for v in (a.min, b.min) if v is not None]
    highs = [v for v in (a.max, b.max) if v is not None]
    values: dict[str, int] | None = None
    if a.values is not None and b.values is not None:
        values = dict(a.values)
        for key, count in b.values.items():
            values[key] = values.get(key, 0) + count
        if len(values) > VALUE_CAP:
            values = None
    dtype = a.dtype if a.dtype == b.dtype else f"{a.dtype}|{b.dtype}"
    return ColumnSummary(
        dtype=dtype,
        kind=kind,
        rows=a.rows + b.rows,
        nulls=a.nulls + b.nulls,
        min=min(lows) if lows else None,
        max=max(highs) if highs else None,
        fractional=a.fractional or b.fractional,
        values=values,
    )


def merge_summaries(summaries: Iterable[PartitionSummary], duplicates: int | None = None) -> PartitionSummary:
    """Add partitions up. A column missing from some partitions counts their rows as nulls.

    Duplicates add up per partition, exact when ``duplicate_subset`` holds the date column (a row
    cannot repeat across days); otherwise pass the window's exact count as ``duplicates``."""
    parts = list(summaries)
    rows = sum(p.rows for p in parts)
    names: list[str] = list(dict.fromkeys(name for p in parts for name in p.columns))
    columns: dict[str, ColumnSummary] = {}
    for name in names:
        merged: ColumnSummary | None = None
        for p in parts:
            col = p.columns.get(name) or ColumnSummary("absent", "absent", p.rows, p.rows)
            if col.kind == "absent" and merged is not None:
                merged = ColumnSummary(
                    merged.dtype,
                    merged.kind,
                    merged.rows + col.rows,
                    merged.nulls + col.nulls,
                    merged.min,
                    merged.max,
                    merged.fractional,
                    merged.values,
                )
                continue
            if merged is None:
                merged = col
            elif merged.kind == "absent":
                merged = ColumnSummary(
                    col.dtype,
                    col.kind,
                    merged.rows + col.rows,
                    merged.nulls + col.nulls,
                    col.min,
                    col.max,
                    col.fractional,
                    col.values,
                )
            else:
                merged = _merge_column(merged, col)
        assert merged is not None
        columns[name] = merged
    days = tuple(sorted({d for p in parts for d in p.days}))
    total = sum(p.duplicates for p in parts) if duplicates is None else duplicates
    return PartitionSummary(rows=rows, columns=columns, duplicates=total, days=days)


# --- rules --------------------------------------------------------------------------------------


def _dtype_ok(col: ColumnSummary, dtype: str) -> tuple[bool, str]:
    kind = col.dtype
    if col.kind == "mixed":
        return False, f"{kind} (differs between partitions)"
    if dtype in ("numeric", "integer"):
        if col.kind not in ("numeric", "integer"):
            return False, kind
        if dtype == "integer" and col.fractional:
            return False, f"{kind} with fractional values"
        return True, kind
    if dtype == "date":
        return col.kind == "date", kind
    if dtype == "bool":
        if col.kind == "bool":
            return True, kind
        ok = col.kind == "integer" and (col.min is None or (col.min >= 0 and (col.max or 0) <= 1))
        return ok, kind
    if dtype == "category":
        # text categories, or integer-coded ones (0, 1, 2 ...): both are compared as text
        return col.kind in ("text", "integer", "bool"), kind
    return col.kind == "text", kind  # string


def _check_column(report: CheckReport, name: str, col: ColumnSummary, rule: ColumnRule) -> None:
    def judge(key: str, label: str, passed: bool, observed: Any, expected: Any) -> None:
        report.judge(name, label, passed, observed, expected, soft=key in rule.soft)

    if rule.max_null_share is not None:
        share = col.nulls / col.rows if col.rows else 0.0
        judge(
            "max_null_share", "null share", share <= rule.max_null_share, round(share, 4), f"<= {rule.max_null_share}"
        )
    if rule.dtype is not None:  # always hard: ranges, categories and the model need the right type
        ok, kind = _dtype_ok(col, rule.dtype)
        if not ok and rule.dtype == "date" and col.kind == "text":
            kind += " (text that does not parse as dates: set data.file.date_format, or data.file.dtypes)"
        report.add(name, "dtype", ok, kind, rule.dtype)
        if not ok:
            return  # ranges and categories are meaningless on the wrong type
    if rule.min is not None and col.min is not None:
        judge("min", "minimum", col.min >= rule.min, col.min, f">= {rule.min}")
    if rule.max is not None and col.max is not None:
        judge("max", "maximum", col.max <= rule.max, col.max, f"<= {rule.max}")
    if rule.allowed is not None:
        allowed = {str(a) for a in rule.allowed}
        if col.values is None:
            judge(
                "allowed",
                "allowed categories",
                False,
                f"more than {VALUE_CAP} distinct values",
                f"one of {list(rule.allowed)}",
            )
            return
        unknown = sorted(set(col.values) - allowed)
        shown = unknown[:10] + (["..."] if len(unknown) > 10 else [])
        judge("allowed", "allowed categories", not unknown, shown or "none outside", f"one of {list(rule.allowed)}")


def _check_label(
    report: CheckReport, col: ColumnSummary, checks: ChecksParams, project: ProjectParams, scope: Scope
) -> None:
    rule = checks.label
    name = project.target

    def judge(key: str, label: str, passed: bool, observed: Any, expected: Any) -> None:
        report.judge(name, label, passed, observed, expected, soft=key in rule.soft)

    if rule.max_null_share is not None:
        share = col.nulls / col.rows if col.rows else 0.0
        judge(
            "max_null_share",
            "label null share",
            share <= rule.max_null_share,
            round(share, 4),
            f"<= {rule.max_null_share}",
        )
    labelled = col.rows - col.nulls
    if col.rows and not labelled:
        report.add(name, "label present", False, "no labelled rows", "at least one")
        return
    if project.task == "regression":
        if col.kind not in ("numeric", "integer"):
            report.add(name, "label dtype", False, col.dtype, "numeric")
            return
        if rule.min is not None and col.min is not None:
            judge("min", "label minimum", col.min >= rule.min, col.min, f">= {rule.min}")
        if rule.max is not None and col.max is not None:
            judge("max", "label maximum", col.max <= rule.max, col.max, f"<= {rule.max}")
        return
    # classification (any number of classes)
    if rule.classes is not None and col.values is not None:
        unknown = sorted(set(col.values) - set(rule.classes))
        report.add(name, "label values", not unknown, unknown[:10] or "none outside", f"one of {list(rule.classes)}")
    elif project.task == "classification" and col.values is not None:
        # A binary task's label is 0/1 or true/false (init-data refuses anything else): a `2` is bad data,
        # refused with its batch rather than found later by the window's class balance.
        unknown = sorted(v for v in col.values if not _binary_label(v))
        report.add(name, "label values", not unknown, unknown[:10] or "none outside", "0/1 or true/false (binary)")
    min_classes = rule.min_classes if scope == "window" else rule.batch_min_classes
    min_share = rule.min_class_share if scope == "window" else rule.batch_min_class_share
    if min_classes is None and not min_share:
        return
    if col.values is None:
        report.add(name, "label classes", False, f"more than {VALUE_CAP} distinct values", "a class label")
        return
    if not labelled:
        return  # an empty batch: min_rows already says so
    if min_classes is not None:
        report.add(name, "label classes", len(col.values) >= min_classes, len(col.values), f">= {min_classes}")
    if min_share:
        smallest = min(col.values.values()) / labelled
        if rule.classes:  # a declared class with no rows at all has share 0
            smallest = min(col.values.get(c, 0) for c in rule.classes) / labelled
        report.add(
            name, "label balance (smallest class share)", smallest >= min_share, round(smallest, 4), f">= {min_share}"
        )


def _binary_label(value: str) -> bool:
    if value.strip().lower() in ("true", "false"):
        return True
    try:
        return float(value) in (0.0, 1.0)
    except ValueError:
        return False


def declared_columns(checks: ChecksParams, project: ProjectParams, expected: Iterable[str] = ()) -> set[str]:
    names = {project.target, project.date_column, *checks.columns, *expected}
    if project.id_column:
        names.add(project.id_column)
    return names


def check_summary(
    summary: PartitionSummary,
    checks: ChecksParams,
    project: ProjectParams,
    subject: str,
    scope: Scope = "batch",
    expected: Iterable[str] = (),
) -> CheckReport:
    """Judge a (merged) summary. ``expected``: columns the model uses besides the declared ones."""
    report = CheckReport(subject=subject, rows=summary.rows)
    min_rows = checks.min_rows if scope == "batch" else checks.window.min_rows
    if min_rows:
        report.add("*", "minimum rows", summary.rows >= min_rows, summary.rows, f">= {min_rows}")

    cols = summary.columns
    if summary.rows == 0 and not cols:
        return report  # nothing at all (not even a header): minimum rows speaks for it
    required = [project.date_column, project.target] + [
        n for n, r in checks.columns.items() if r.required and r.enabled
    ]
    for name in dict.fromkeys(required):
        if name not in cols:
            report.add(name, "required column present", False, "missing", "present")
    if summary.rows == 0:
        return report  # an empty batch: minimum rows says it; types and shares of no rows mean nothing
    for name, rule in checks.columns.items():
        if rule.enabled and name in cols and name != project.target:
            _check_column(report, name, cols[name], rule)

    if project.date_column in cols:
        col = cols[project.date_column]
        report.add(project.date_column, "dtype", col.kind == "date", col.dtype, "date")
        nulls = col.nulls
        if nulls:
            report.add(project.date_column, "null share", False, round(nulls / max(col.rows, 1), 4), "<= 0.0")

    if project.target in cols:
        target_rule = checks.columns.get(project.target)
        if target_rule is not None and target_rule.enabled and target_rule.allowed is not None:
            _check_column(report, project.target, cols[project.target], target_rule)
        _check_label(report, cols[project.target], checks, project, scope)

    if checks.max_duplicate_share is not None and checks.duplicate_subset and summary.rows:
        share = summary.duplicates / summary.rows
        report.add(
            ",".join(checks.duplicate_subset),
            "duplicate share",
            share <= checks.max_duplicate_share,
            round(share, 4),
            f"<= {checks.max_duplicate_share}",
        )

    unexpected = sorted(set(cols) - declared_columns(checks, project, expected))
    policy = checks.undeclared_policy
    for name in unexpected:
        if policy == "refuse":
            report.add(
                name, "declared column", False, "not in checks.columns or features", "declared (checks.undeclared)"
            )
        elif policy == "drop" and scope == "batch":
            report.warn(name, "undeclared column dropped", "not in checks.columns or features", "declared")
        else:
            report.warn(name, "unexpected column", "not in checks.columns or features", "declared")
    return report


def undeclared_columns(
    frame: pd.DataFrame, checks: ChecksParams, project: ProjectParams, expected: Iterable[str] = ()
) -> list[str]:
    """The columns of ``frame`` that ingest must not store (``checks.undeclared`` drop or refuse)."""
    if checks.undeclared_policy == "keep":
        return []
    return sorted(str(c) for c in set(frame.columns) - declared_columns(checks, project, expected))


def date_gaps(days_present: Iterable[str], start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Runs of consecutive days in ``start..end`` with no rows, as (first, last) pairs."""
    present = {dt.date.fromisoformat(d) for d in days_present}
    gaps: list[tuple[dt.date, dt.date]] = []
    day, run_start = start, None
    while day <= end:
        if day not in present:
            run_start = run_start or day
        elif run_start is not None:
            gaps.append((run_start, day - dt.timedelta(days=1)))
            run_start = None
        day += dt.timedelta(days=1)
    if run_start is not None:
        gaps.append((run_start, end))
    return gaps


def window_report(
    summaries: Iterable[PartitionSummary] | PartitionSummary,
    checks: ChecksParams,
    project: ProjectParams,
    start: dt.date,
    end: dt.date,
    expected: Iterable[str] = (),
) -> CheckReport:
    """The window rules on per-partition summaries: column rules, label classes/balance, size, gaps."""
    merged = summaries if isinstance(summaries, PartitionSummary) else merge_summaries(summaries)
    report = check_summary(merged, checks, project, f"{start}..{end}", scope="window", expected=expected)
    gaps = date_gaps(merged.days, start, end)
    longest = max(((b - a).days + 1 for a, b in gaps), default=0)
    shown = ", ".join(a.isoformat() if a == b else f"{a}..{b}" for a, b in gaps[:10]) + (
        " ..." if len(gaps) > 10 else ""
    )
    limit = checks.window.max_gap_days
    if limit is not None:
        report.add(
            project.date_column,
            "longest date gap (days)",
            longest <= limit,
            f"{longest} ({shown})" if gaps else 0,
            f"<= {limit}",
        )
    elif gaps:
        report.warn(
            project.date_column,
            "date gaps (days with no rows)",
            shown,
            "none (checks.window.max_gap_days makes gaps fail)",
        )
    return report


def run_checks(
    frame: pd.DataFrame,
    checks: ChecksParams,
    project: ProjectParams,
    subject: str,
    scope: Scope = "batch",
    expected: Iterable[str] = (),
) -> CheckReport:
    """Check one frame (a batch by default) with the rules of ``scope``."""
    return check_summary(summarize(frame, checks, project), checks, project, subject, scope, expected)


# --- params against the data's columns ----------------------------------------------------------


def config_problems(params: Params, columns: Sequence[str]) -> list[str]:
    """Params keys naming a column the data does not have: configuration errors, not data errors.

    ``columns`` are the data's columns as seen so far (the newest admitted partition, or the
    first batch of the first run). Each problem names the key, the column and close matches.
    """
    import difflib

    have = [str(c) for c in columns]
    problems: list[str] = []

    def need(key: str, name: str | None) -> None:
        if name and name not in have:
            close = difflib.get_close_matches(name, have, n=3)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            problems.append(
                f"{key}: column {name!r} is not in the data{hint}; columns are {', '.join(have[:30])}"
                + (" ..." if len(have) > 30 else "")
            )

    p = params.project
    need("project.target", p.target)
    need("project.date_column", p.date_column)
    need("project.id_column", p.id_column)
    for name in params.checks.duplicate_subset:
        need("checks.duplicate_subset", name)
    for group in ("numeric", "categorical", "dates"):
        for name in getattr(params.features, group):
            need(f"features.{group}", name)
    for name, rule in params.checks.columns.items():
        if rule.required and rule.enabled:
            need(f"checks.columns.{name}", name)
    if params.data.source == "file":
        for name in params.data.file.dtypes:
            need(f"data.file.dtypes.{name}", name)
    return problems


def feature_type_problems(params: Params, summary: PartitionSummary) -> list[str]:
    """Categorical features holding fractional numbers: a measurement listed as a category by mistake.

    Integer codes (``sex`` 1/2, a SQL INTEGER column, ``2.0`` from a CSV with gaps) are fine without a
    declared type: the model's Pipeline turns categorical columns to text before encoding them
    (``core/categories.py``), and the checks compare them as text.
    """
    problems = []
    for name in params.features.categorical:
        col = summary.columns.get(name)
        if col is not None and col.kind == "numeric":
            problems.append(
                f"features.categorical: column {name!r} holds fractional numbers ({col.dtype}); "
                "list it under features.numeric"
            )
    return problems


def holdout_problem(params: Params, rows_per_day: float) -> str | None:
    """gate.min_holdout_rows against the rows a holdout of split.holdout_days holds at the rate seen."""
    expected = rows_per_day * params.split.holdout_days
    need = params.gate.min_holdout_rows
    if expected >= need:
        return None
    return (
        f"gate.min_holdout_rows ({need}) exceeds the rows a {params.split.holdout_days}-day holdout holds at the "
        f"{rows_per_day:.0f} rows/day seen (about {expected:.0f}): every candidate would be rejected; lower "
        f"gate.min_holdout_rows or raise split.holdout_days to {int(-(-need // max(rows_per_day, 1e-9)))}"
    )


def rate_problems(params: Params, rows_per_day: float) -> list[str]:
    """Params that contradict the rows per day actually seen (defaults sized for the demo, say)."""
    problems = []
    holdout = holdout_problem(params, rows_per_day)
    if holdout:
        problems.append(holdout)
    triggers = params.decide.triggers
    if triggers.volume.enabled and triggers.age.enabled and rows_per_day > 0:
        days_needed = triggers.volume.min_new_rows / rows_per_day
        if days_needed > 3 * triggers.age.max_age_days:  # the age trigger always fires long before
            problems.append(
                f"decide.triggers.volume.min_new_rows ({triggers.volume.min_new_rows}) takes about {days_needed:.0f} "
                f"days at the {rows_per_day:.0f} rows/day seen, far longer than decide.triggers.age.max_age_days "
                f"({triggers.age.max_age_days}): the volume trigger is dead; lower it"
            )
    decay = triggers.decay
    if decay.enabled and rows_per_day * decay.window_days < decay.min_rows:
        problems.append(
            f"decide.triggers.decay.min_rows ({decay.min_rows}) exceeds the rows a {decay.window_days}-day window "
            f"holds at the {rows_per_day:.0f} rows/day seen: decay is never scored; lower it or widen window_days"
        )
    return problems
