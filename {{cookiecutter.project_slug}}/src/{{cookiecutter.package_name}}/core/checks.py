"""Data checks: does a batch (or the assembled dataset) look like what we train on?

Rules come from ``params.yaml`` (``checks:``). Every failure names the column, the
rule and the observed value, so a person reading the report knows what to fix
without opening the data. Checks fail closed: an unreadable column or a missing
one is a failure, never a skip.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from ..config import ChecksParams, ColumnRule, ProjectParams


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

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if not r.passed]

    @property
    def passed(self) -> bool:
        return not self.failures

    def add(self, column: str, rule: str, passed: bool, observed: Any, expected: Any) -> None:
        self.results.append(CheckResult(column, rule, bool(passed), _plain(observed), _plain(expected)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "rows": self.rows,
            "passed": self.passed,
            "checks": len(self.results),
            "failures": [asdict(r) for r in self.failures],
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


def _dtype_ok(series: pd.Series, dtype: str) -> tuple[bool, str]:
    kind = str(series.dtype)
    non_null = series.dropna()
    if dtype in ("numeric", "integer"):
        if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            return False, kind
        if dtype == "integer" and len(non_null) and not (non_null == non_null.round()).all():
            return False, f"{kind} with fractional values"
        return True, kind
    if dtype == "date":
        if pd.api.types.is_datetime64_any_dtype(series):
            return True, kind
        return False, kind
    if dtype == "bool":
        return pd.api.types.is_bool_dtype(series) or set(non_null.unique()) <= {0, 1}, kind
    # string / category: anything that is not numbers or dates
    ok = not pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_datetime64_any_dtype(series)
    return ok, kind


def _check_column(report: CheckReport, name: str, series: pd.Series, rule: ColumnRule) -> None:
    null_share = float(series.isna().mean()) if len(series) else 0.0
    report.add(name, "null share", null_share <= rule.max_null_share, round(null_share, 4), f"<= {rule.max_null_share}")
    ok, kind = _dtype_ok(series, rule.dtype)
    report.add(name, "dtype", ok, kind, rule.dtype)
    if not ok:
        return  # ranges and categories are meaningless on the wrong type
    values = series.dropna()
    if rule.min is not None and len(values):
        low = float(values.min())
        report.add(name, "minimum", low >= rule.min, low, f">= {rule.min}")
    if rule.max is not None and len(values):
        high = float(values.max())
        report.add(name, "maximum", high <= rule.max, high, f"<= {rule.max}")
    if rule.allowed is not None:
        unknown = sorted(set(values.astype(str)) - set(rule.allowed))
        shown = unknown[:10] + (["..."] if len(unknown) > 10 else [])
        report.add(name, "allowed categories", not unknown, shown or "none outside", f"one of {list(rule.allowed)}")


def run_checks(frame: pd.DataFrame, checks: ChecksParams, project: ProjectParams, subject: str) -> CheckReport:
    report = CheckReport(subject=subject, rows=len(frame))
    report.add("*", "minimum rows", len(frame) >= checks.min_rows, len(frame), f">= {checks.min_rows}")

    required = [project.date_column, project.target] + [n for n, r in checks.columns.items() if r.required]
    missing = [c for c in dict.fromkeys(required) if c not in frame.columns]
    for name in missing:
        report.add(name, "required column present", False, "missing", "present")
    for name, rule in checks.columns.items():
        if name in frame.columns:
            _check_column(report, name, frame[name], rule)

    if project.date_column in frame.columns:
        ok, kind = _dtype_ok(frame[project.date_column], "date")
        report.add(project.date_column, "dtype", ok, kind, "date")

    if project.target in frame.columns:
        _check_label(report, frame[project.target], checks, project)

    subset = [c for c in checks.duplicate_subset if c in frame.columns]
    if subset and len(frame):
        share = float(frame.duplicated(subset=subset).mean())
        report.add(
            ",".join(subset),
            "duplicate share",
            share <= checks.max_duplicate_share,
            round(share, 4),
            f"<= {checks.max_duplicate_share}",
        )
    return report


def _check_label(report: CheckReport, label: pd.Series, checks: ChecksParams, project: ProjectParams) -> None:
    rule = checks.label
    name = project.target
    null_share = float(label.isna().mean()) if len(label) else 0.0
    report.add(
        name, "label null share", null_share <= rule.max_null_share, round(null_share, 4), f"<= {rule.max_null_share}"
    )
    values = label.dropna()
    if not len(values):
        report.add(name, "label present", False, "no labelled rows", "at least one")
        return
    if project.task == "classification":
        classes = values.value_counts(normalize=True)
        report.add(name, "label classes", len(classes) >= 2, len(classes), ">= 2")
        smallest = float(classes.min())
        report.add(
            name,
            "label balance (smallest class share)",
            smallest >= rule.min_class_share,
            round(smallest, 4),
            f">= {rule.min_class_share}",
        )
    else:
        if not pd.api.types.is_numeric_dtype(values):
            report.add(name, "label dtype", False, str(label.dtype), "numeric")
            return
        if rule.min is not None:
            report.add(name, "label minimum", float(values.min()) >= rule.min, float(values.min()), f">= {rule.min}")
        if rule.max is not None:
            report.add(name, "label maximum", float(values.max()) <= rule.max, float(values.max()), f"<= {rule.max}")
