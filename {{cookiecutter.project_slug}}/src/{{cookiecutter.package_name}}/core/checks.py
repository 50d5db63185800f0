"""Data checks: does a batch (or the assembled dataset) look like what we train on?

Every rule is computed from a *summary* (:func:`summarize`: per-column counts, ranges,
dtypes, label classes, duplicates). Summaries of day partitions merge into the summary of
the window they make up (:func:`merge_summaries`), so checking a window of three years
reads three years of small summaries, not three years of data; a batch and a window go
through the same rules (:func:`report_from_summary`).

Rules come from ``params.yaml`` (``checks:``). Every failure names the column, the
rule and the observed value, so a person reading the report knows what to fix
without opening the data. Checks fail closed: an unreadable column or a missing
one is a failure, never a skip.
"""

from __future__ import annotations

import hashlib
import json
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


SUMMARY_VERSION = 1


def _series_summary(series: pd.Series, rule: ColumnRule) -> dict[str, Any]:
    """What the column rules need from one column, as plain JSON values."""
    ok, kind = _dtype_ok(series, rule.dtype)
    values = series.dropna()
    ranged = rule.min is not None or rule.max is not None
    out: dict[str, Any] = {"dtype": str(series.dtype), "nulls": int(series.isna().sum()), "dtype_ok": ok,
                           "kind": kind, "min": None, "max": None, "unknown": None}
    if ok and len(values) and ranged:
        out["min"], out["max"] = float(values.min()), float(values.max())
    if ok and rule.allowed is not None:
        out["unknown"] = sorted(set(values.astype(str)) - set(rule.allowed))
    return out


def summarize(frame: pd.DataFrame, checks: ChecksParams, project: ProjectParams) -> dict[str, Any]:
    """Everything the rules need to know about ``frame``: per-column counts, ranges, dtypes, label classes.

    Summaries of day partitions merge (:func:`merge_summaries`) into the summary of the window they
    make up, so the window's checks never reread the data; :func:`run_checks` is
    ``report_from_summary(summarize(frame))``, one mechanism for a batch and for a window.
    """
    columns: dict[str, Any] = {}
    for name, rule in checks.columns.items():
        if name in frame.columns:
            columns[name] = _series_summary(frame[name], rule)
    date = None
    if project.date_column in frame.columns:
        series = frame[project.date_column]
        ok, kind = _dtype_ok(series, "date")
        days = None
        if ok and series.notna().any():
            normal = series.dropna().dt.normalize()
            days = [normal.min().date().isoformat(), normal.max().date().isoformat()]
        date = {"dtype": str(series.dtype), "dtype_ok": ok, "kind": kind, "days": days}
    label = None
    if project.target in frame.columns:
        series = frame[project.target]
        values = series.dropna()
        label = {"dtype": str(series.dtype), "nulls": int(series.isna().sum()), "present": len(values)}
        if project.task == "classification":
            label["classes"] = {str(k): int(v) for k, v in values.value_counts().items()}
        else:
            numeric = bool(pd.api.types.is_numeric_dtype(values))
            label["numeric"] = numeric
            label["min"] = _plain(values.min()) if numeric and len(values) else None
            label["max"] = _plain(values.max()) if numeric and len(values) else None
    subset = [c for c in checks.duplicate_subset if c in frame.columns]
    duplicates = int(frame.duplicated(subset=subset).sum()) if subset and len(frame) else 0
    return {"version": SUMMARY_VERSION, "rows": len(frame), "present": list(frame.columns), "columns": columns,
            "date": date, "label": label, "duplicate_subset": subset, "duplicates": duplicates}


def summary_signature(checks: ChecksParams, project: ProjectParams) -> str:
    """Identifies the rules a summary was made under: a summary is reused only under the same rules."""
    text = json.dumps([SUMMARY_VERSION, checks.model_dump(mode="json"), project.model_dump(mode="json")],
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def merge_summaries(summaries: list[dict[str, Any]], project: ProjectParams) -> dict[str, Any] | None:
    """The summary of the concatenated frames, or None when only the data itself can tell.

    None when the parts disagree on which columns exist or on a column's dtype (concatenating
    would change the dtype), or when rows of two parts could duplicate each other (the
    duplicate subset lacks the date column, or a part spans more than one day or shares a day).
    """
    if not summaries:
        return None
    first = summaries[0]
    if len(summaries) == 1:
        return first
    for s in summaries[1:]:
        if s["present"] != first["present"] or s["duplicate_subset"] != first["duplicate_subset"]:
            return None
        if set(s["columns"]) != set(first["columns"]):
            return None
        if any(s["columns"][c]["dtype"] != first["columns"][c]["dtype"] for c in first["columns"]):
            return None
        for key in ("date", "label"):
            if (s[key] is None) != (first[key] is None) or (s[key] and s[key]["dtype"] != first[key]["dtype"]):
                return None
    if first["duplicate_subset"]:
        if project.date_column not in first["duplicate_subset"] or first["date"] is None:
            return None
        spans = [s["date"]["days"] for s in summaries if s["rows"]]
        if any(span is None or span[0] != span[1] for span in spans) or len({span[0] for span in spans}) != len(spans):
            return None
    columns: dict[str, Any] = {}
    for name, col in first["columns"].items():
        parts = [s["columns"][name] for s in summaries]
        failing = [p for p in parts if not p["dtype_ok"]]
        lows = [p["min"] for p in parts if p["min"] is not None]
        highs = [p["max"] for p in parts if p["max"] is not None]
        unknown = None if col["unknown"] is None and not failing else sorted(
            {v for p in parts for v in (p["unknown"] or [])})
        columns[name] = {"dtype": col["dtype"], "nulls": sum(p["nulls"] for p in parts), "dtype_ok": not failing,
                         "kind": (failing[0] if failing else col)["kind"],
                         "min": min(lows) if lows and not failing else None,
                         "max": max(highs) if highs and not failing else None,
                         "unknown": unknown if not failing else None}
    date = first["date"]
    if date is not None:
        failing = [s["date"] for s in summaries if not s["date"]["dtype_ok"]]
        spans = [s["date"]["days"] for s in summaries if s["date"]["days"]]
        date = {"dtype": date["dtype"], "dtype_ok": not failing, "kind": (failing[0] if failing else date)["kind"],
                "days": [min(d[0] for d in spans), max(d[1] for d in spans)] if spans else None}
    label = first["label"]
    if label is not None:
        parts = [s["label"] for s in summaries]
        merged: dict[str, Any] = {"dtype": label["dtype"], "nulls": sum(p["nulls"] for p in parts),
                                  "present": sum(p["present"] for p in parts)}
        if "classes" in label:
            classes: dict[str, int] = {}
            for p in parts:
                for k, v in p["classes"].items():
                    classes[k] = classes.get(k, 0) + v
            merged["classes"] = classes
        else:
            merged["numeric"] = all(p["numeric"] for p in parts)
            lows = [p["min"] for p in parts if p["min"] is not None]
            highs = [p["max"] for p in parts if p["max"] is not None]
            merged["min"] = min(lows) if lows else None
            merged["max"] = max(highs) if highs else None
        label = merged
    return {"version": SUMMARY_VERSION, "rows": sum(s["rows"] for s in summaries), "present": first["present"],
            "columns": columns, "date": date, "label": label, "duplicate_subset": first["duplicate_subset"],
            "duplicates": sum(s["duplicates"] for s in summaries)}


def report_from_summary(summary: dict[str, Any], checks: ChecksParams, project: ProjectParams,
                        subject: str) -> CheckReport:
    rows = summary["rows"]
    report = CheckReport(subject=subject, rows=rows)
    report.add("*", "minimum rows", rows >= checks.min_rows, rows, f">= {checks.min_rows}")
    present = set(summary["present"])
    required = [project.date_column, project.target] + [n for n, r in checks.columns.items() if r.required]
    for name in [c for c in dict.fromkeys(required) if c not in present]:
        report.add(name, "required column present", False, "missing", "present")
    for name, rule in checks.columns.items():
        col = summary["columns"].get(name)
        if col is None:
            continue
        null_share = col["nulls"] / rows if rows else 0.0
        report.add(name, "null share", null_share <= rule.max_null_share, round(null_share, 4),
                   f"<= {rule.max_null_share}")
        report.add(name, "dtype", col["dtype_ok"], col["kind"], rule.dtype)
        if not col["dtype_ok"]:
            continue  # ranges and categories are meaningless on the wrong type
        if rule.min is not None and col["min"] is not None:
            low = float(col["min"])
            report.add(name, "minimum", low >= rule.min, low, f">= {rule.min}")
        if rule.max is not None and col["max"] is not None:
            high = float(col["max"])
            report.add(name, "maximum", high <= rule.max, high, f"<= {rule.max}")
        if rule.allowed is not None:
            unknown = col["unknown"] or []
            shown = unknown[:10] + (["..."] if len(unknown) > 10 else [])
            report.add(name, "allowed categories", not unknown, shown or "none outside",
                       f"one of {list(rule.allowed)}")
    if summary["date"] is not None:
        report.add(project.date_column, "dtype", summary["date"]["dtype_ok"], summary["date"]["kind"], "date")
    if summary["label"] is not None:
        _label_from_summary(report, summary["label"], rows, checks, project)
    subset = summary["duplicate_subset"]
    if subset and rows:
        share = summary["duplicates"] / rows
        report.add(",".join(subset), "duplicate share", share <= checks.max_duplicate_share, round(share, 4),
                   f"<= {checks.max_duplicate_share}")
    return report


def run_checks(frame: pd.DataFrame, checks: ChecksParams, project: ProjectParams, subject: str) -> CheckReport:
    return report_from_summary(summarize(frame, checks, project), checks, project, subject)


def _label_from_summary(report: CheckReport, label: dict[str, Any], rows: int, checks: ChecksParams,
                        project: ProjectParams) -> None:
    rule = checks.label
    name = project.target
    null_share = label["nulls"] / rows if rows else 0.0
    report.add(name, "label null share", null_share <= rule.max_null_share, round(null_share, 4),
               f"<= {rule.max_null_share}")
    if not label["present"]:
        report.add(name, "label present", False, "no labelled rows", "at least one")
        return
    if project.task == "classification":
        counts = label["classes"]
        report.add(name, "label classes", len(counts) >= 2, len(counts), ">= 2")
        smallest = min(counts.values()) / label["present"]
        report.add(name, "label balance (smallest class share)", smallest >= rule.min_class_share, round(smallest, 4),
                   f">= {rule.min_class_share}")
    else:
        if not label["numeric"]:
            report.add(name, "label dtype", False, label["dtype"], "numeric")
            return
        if rule.min is not None:
            report.add(name, "label minimum", float(label["min"]) >= rule.min, float(label["min"]), f">= {rule.min}")
        if rule.max is not None:
            report.add(name, "label maximum", float(label["max"]) <= rule.max, float(label["max"]), f"<= {rule.max}")
