"""Ingest: fetch each missing day of the window, check it, and admit or quarantine it.

A day already in ``data/raw`` is never fetched again or overwritten, so history is
append-only. A batch that fails its checks is written to ``data/quarantine`` with
its report and ingest exits non-zero: nothing downstream ever runs on it. A day
that stays in quarantine blocks every later ingest until a person deals with it
(fix the source and delete the quarantined file, or widen the rule).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..adapters.dataset import days, list_partitions, partition_path, read_summary, write_partition
from ..adapters.dataset import write_summary as write_partition_summary
from ..adapters.files import write_report
from ..config import Params
from ..core.checks import (
    CheckReport,
    merge_summaries,
    report_from_summary,
    run_checks,
    summarize,
    summary_signature,
)


@dataclass
class IngestResult:
    added: list[dt.date] = field(default_factory=list)
    existing: list[dt.date] = field(default_factory=list)
    empty: list[dt.date] = field(default_factory=list)
    quarantined: list[dt.date] = field(default_factory=list)
    blocked: list[dt.date] = field(default_factory=list)
    reports: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.quarantined or self.blocked)

    def summary(self) -> str:
        parts = [f"{len(self.added)} day(s) added", f"{len(self.existing)} already present"]
        if self.empty:
            parts.append(f"{len(self.empty)} with no rows")
        if self.quarantined:
            parts.append("QUARANTINED " + ", ".join(d.isoformat() for d in self.quarantined))
        if self.blocked:
            parts.append("still in quarantine " + ", ".join(d.isoformat() for d in self.blocked))
        return "; ".join(parts)


def ingest(params: Params, root: Path, start: dt.date | None = None, end: dt.date | None = None) -> IngestResult:
    from ..adapters.sources import make_source

    start = start or params.data.start_date
    end = end or params.data.end_date
    raw_dir = root / params.data.raw_dir
    quarantine_dir = root / params.data.quarantine_dir
    source = make_source(params)
    result = IngestResult()
    present = {p.name for p in list_partitions(raw_dir, start, end)}
    signature = summary_signature(params.checks, params.project)
    for day in days(start, end):
        target = partition_path(raw_dir, day)
        if target.name in present:
            result.existing.append(day)
            if read_summary(target, signature) is None:  # made before summaries, or under other rules
                _summarize_partition(params, target, signature, write=True)
            continue
        held = partition_path(quarantine_dir, day)
        if held.exists():
            result.blocked.append(day)
            continue
        batch = source.fetch(day)
        if batch.empty:
            result.empty.append(day)
            continue
        report = run_checks(batch, params.checks, params.project, subject=f"batch {day.isoformat()}")
        if report.passed:
            write_partition(batch, target)
            # Summarised as stored: Parquet may hand back other dtypes (datetime64[s] -> [ms]).
            _summarize_partition(params, target, signature, write=True)
            result.added.append(day)
        else:
            write_partition(batch, held)
            report_path = held.with_suffix(".checks.json")
            write_report(report_path, held.with_suffix(".checks.md"), report.to_dict(), report.to_markdown())
            result.quarantined.append(day)
            result.reports[day.isoformat()] = "\n".join(f.sentence() for f in report.failures)
    return result


def write_summary(result: IngestResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "ok": result.ok,
                "added": [d.isoformat() for d in result.added],
                "existing": len(result.existing),
                "empty": [d.isoformat() for d in result.empty],
                "quarantined": [d.isoformat() for d in result.quarantined],
                "blocked": [d.isoformat() for d in result.blocked],
                "failures": result.reports,
            },
            indent=2,
        )
        + "\n"
    )


def _summarize_partition(params: Params, path: Path, signature: str, *, write: bool) -> dict[str, Any]:
    import pandas as pd

    summary = summarize(pd.read_parquet(path), params.checks, params.project)
    if write:
        write_partition_summary(path, signature, summary)
    return summary


def validate_window(params: Params, root: Path) -> CheckReport:
    """The data checks on the whole window ``data.start_date..data.end_date``, from per-day summaries.

    Each partition's summary (written by ingest) is merged into the window's; a partition without a
    valid one is read and summarised here (nothing is written: validate only reads ``data/raw``).
    When summaries cannot be merged exactly (a dtype changed between days, duplicates that may span
    days), the window is read whole, as before. Either way the report is the same.
    """
    from ..adapters.dataset import load_partitions

    paths = list_partitions(root / params.data.raw_dir, params.data.start_date, params.data.end_date)
    if not paths:
        raise FileNotFoundError(
            f"no partitions in {params.data.raw_dir} between {params.data.start_date} and {params.data.end_date}; "
            "run ingest first")
    subject = f"{params.data.start_date}..{params.data.end_date}"
    signature = summary_signature(params.checks, params.project)
    summaries = [read_summary(p, signature) or _summarize_partition(params, p, signature, write=False) for p in paths]
    merged = merge_summaries(summaries, params.project)
    if merged is not None:
        return report_from_summary(merged, params.checks, params.project, subject=subject)
    return run_checks(load_partitions(paths), params.checks, params.project, subject=subject)
