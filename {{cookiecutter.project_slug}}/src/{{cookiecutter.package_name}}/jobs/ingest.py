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

from ..adapters.dataset import days, list_partitions, partition_path, write_partition
from ..adapters.files import write_report
from ..config import Params
from ..core.checks import run_checks


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
    if any(partition_path(raw_dir, d).name not in present for d in days(start, end)):
        # A misspelt model.estimator / model.params is a config error (exit 2): caught here, before any
        # day is fetched or quarantined, not at train. Skipped when nothing is to be fetched (no import cost).
        from ..core.features import check_estimator

        check_estimator(params)
    for day in days(start, end):
        target = partition_path(raw_dir, day)
        if target.name in present:
            result.existing.append(day)
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
