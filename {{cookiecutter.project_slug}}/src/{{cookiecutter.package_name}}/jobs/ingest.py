"""Ingest: fetch each missing day of the window, check it, and admit or quarantine it.

A day already in ``data/raw`` is never fetched again or overwritten, so history is
append-only. Before anything is judged, the params are checked against the data's
columns: a key naming a column the data does not have is a configuration error
(exit 2, one line, nothing quarantined), not a bad batch.

A batch that fails its per-batch checks goes to ``data/quarantine`` with its report
and a record (who, why, and the fingerprint of the params and of the batch), and
ingest exits 1. A held day is re-checked by every later ingest whose params or
source differ from that fingerprint, and admitted if it passes now; otherwise it
keeps failing the run until a person decides (``quarantine retry|release``).

Nothing is lost or doubled without a word (issue 20 item 5). Rows a source holds for a day already
in ``data/raw`` that are not in it (late rows: a newer file carrying them, a day's file changed
upstream) are refused: one line names how many, their days and files, nothing is written for them,
and ingest exits 1 on every run until a person removes them from the source. Refusing is the one
policy because a day in ``data/raw`` is never rewritten and every reader takes a day as one file;
appending them as a correction partition would have to be taught to all of them. Rows that are
already stored coming again (a cumulative export) are neither refused nor stored twice. A new
day whose batch is an ingested day's again (the same rows under another date) fails the
``re-sent batch`` check and is quarantined like any bad batch; the same set of ids with other
values only warns, as daily snapshots of one population look like that (``quarantine
release`` admits it on a person's word). Each day's fingerprints are kept in its summary file.

Only one ingest runs at a time (a lock file beside the raw data); partitions are
written to unique temporary files and renamed, never rewritten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..adapters.dataset import (
    days,
    fingerprints,
    list_partitions,
    partition_day,
    partition_path,
    read_fingerprints,
    read_sidecar,
    read_summary,
    row_hashes,
    write_partition,
)
from ..adapters.dataset import write_summary as write_partition_summary
from ..adapters.files import write_json, write_report
from ..adapters.locks import exclusive
from ..adapters.quarantine import (
    Quarantine,
    Record,
    actor,
    batch_fingerprint,
    params_fingerprint,
    withdrawn_days,
)
from ..config import ConfigError, Params
from ..core.checks import (
    PartitionSummary,
    config_problems,
    run_checks,
    summarize,
    summary_signature,
    undeclared_columns,
)

if TYPE_CHECKING:
    import pandas as pd

LOCK = "data/.ingest.lock"


@dataclass
class IngestResult:
    added: list[dt.date] = field(default_factory=list)
    existing: list[dt.date] = field(default_factory=list)
    empty: list[dt.date] = field(default_factory=list)
    quarantined: list[dt.date] = field(default_factory=list)
    blocked: list[dt.date] = field(default_factory=list)
    readmitted: list[dt.date] = field(default_factory=list)
    released: list[dt.date] = field(default_factory=list)
    withdrawn: list[dt.date] = field(default_factory=list)  # taken out by a person: never fetched again
    reports: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    late: list[dict[str, Any]] = field(default_factory=list)  # [{"file": name, "days": {day: rows}}]
    # Rows a database took for an ingested day after it was ingested: counted and named, not refused.
    late_in_source: list[dict[str, Any]] = field(default_factory=list)  # same shape, "file": "data.sql.query"

    @property
    def ok(self) -> bool:
        return not (self.quarantined or self.blocked or self.late)

    def late_line(self) -> str:
        """The refused late rows in one line ("" when there are none)."""
        if not self.late:
            return ""
        rows = sum(n for entry in self.late for n in entry["days"].values())
        late_days = sorted({dt.date.fromisoformat(d) for entry in self.late for d in entry["days"]})
        files = ", ".join(entry["file"] for entry in self.late)
        return (
            f"{rows} row(s) for already-ingested day(s) {_runs(late_days)} in {files}: refused (a day in data/raw "
            "is never rewritten); nothing written for them: remove them from the source to go on"
        )

    def summary(self) -> str:
        parts = [f"{len(self.added)} day(s) added", f"{len(self.existing)} already present"]
        if self.readmitted:
            parts.append("re-checked and admitted " + ", ".join(d.isoformat() for d in self.readmitted))
        if self.empty:
            parts.append(f"{len(self.empty)} with no rows (date gaps: {_runs(self.empty)})")
        if self.quarantined:
            parts.append("QUARANTINED " + ", ".join(d.isoformat() for d in self.quarantined))
        if self.blocked:
            parts.append("still in quarantine " + ", ".join(d.isoformat() for d in self.blocked))
        if self.withdrawn:
            parts.append(f"{len(self.withdrawn)} withdrawn by a person ({_runs(self.withdrawn)})")
        if self.late:
            parts.append(f"LATE ROWS refused: {sum(n for e in self.late for n in e['days'].values())}")
        return "; ".join(parts)


def _runs(dates: list[dt.date]) -> str:
    runs: list[list[dt.date]] = []
    for d in sorted(dates):
        if runs and (d - runs[-1][-1]).days == 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    text = [r[0].isoformat() if len(r) == 1 else f"{r[0]}..{r[-1]}" for r in runs[:5]]
    return ", ".join(text) + (" ..." if len(runs) > 5 else "")


def _newest_columns(raw_dir: Path) -> list[str] | None:
    paths = list_partitions(raw_dir)
    if not paths:
        return None
    import pyarrow.parquet as pq

    return [str(n) for n in pq.read_schema(paths[-1]).names]


def summarize_partition(params: Params, path: Path, *, write: bool) -> PartitionSummary:
    """A partition's check summary, as stored (Parquet may hand back other dtypes); ``write``: keep it beside it."""
    import pandas as pd

    frame = pd.read_parquet(path)
    summary = summarize(frame, params.checks, params.project)
    if write:
        prints = fingerprints(frame, params.project.date_column, params.project.id_column)
        write_partition_summary(path, summary_signature(params.checks, params.project), summary.to_dict(), prints)
    return summary


def ensure_summaries(params: Params, paths: list[Path]) -> dict[Path, dict[str, str | None]]:
    """Rebuild the summaries ingest owns when missing, made under other rules, or without fingerprints;
    returns each partition's fingerprints (each file parsed once: the daily check reads them all)."""
    signature = summary_signature(params.checks, params.project)
    found = {}
    for path in paths:
        data = read_sidecar(path)
        prints = _prints(params, path, data)
        if read_summary(path, signature, data) is None or prints is None:
            summarize_partition(params, path, write=True)
            prints = _prints(params, path)
        if prints is not None:
            found[path] = prints
    return found


def _prints(params: Params, path: Path, data: dict[str, Any] | None = None) -> dict[str, str | None] | None:
    return read_fingerprints(path, params.project.date_column, params.project.id_column, data)


def _ingested_prints(
    params: Params, raw_dir: Path, known: dict[Path, dict[str, str | None]]
) -> dict[tuple[str, str], dt.date]:
    """(kind, fingerprint) -> the first ingested day that has it, over all of data/raw (a retry's window is
    one day); ``known``: the fingerprints already read."""
    index: dict[tuple[str, str], dt.date] = {}
    for path in list_partitions(raw_dir):
        day = partition_day(path)
        prints = known.get(path) or _prints(params, path)
        if prints is None:
            summarize_partition(params, path, write=True)
            prints = _prints(params, path) or {}
        for kind in ("content", "ids"):
            if day is not None and prints.get(kind):
                index.setdefault((kind, str(prints[kind])), day)
    return index


def _resent(params: Params, batch: pd.DataFrame, index: dict[tuple[str, str], dt.date]) -> tuple[str, dt.date] | None:
    """(what matched, which day) when the batch is an ingested day's again: same rows (date left out) or same ids."""
    prints = fingerprints(batch, params.project.date_column, params.project.id_column)
    for kind in ("content", "ids"):
        value = prints.get(kind)
        if value and (kind, value) in index:
            return kind, index[(kind, value)]
    return None


def _late_rows(
    params: Params, raw_dir: Path, source: Any, existing: list[dt.date], known: dict[Path, dict[str, str | None]]
) -> list[dict[str, Any]]:
    """Rows the source holds for already-ingested days that are not stored, per file (sources that say
    which file rows came from: ``parts(day)``). A day whose rows print as stored is not read."""
    if not existing or not hasattr(source, "parts"):
        return []
    import numpy as np
    import pandas as pd

    date_column = params.project.date_column
    held = set(source.days_with_rows())
    per_file: dict[str, dict[str, int]] = {}
    for day in existing:
        if day not in held:
            continue
        parts = source.parts(day)
        path = partition_path(raw_dir, day)
        stored_prints = known.get(path)
        batch = pd.concat([rows for _, rows in parts], ignore_index=True)
        now = fingerprints(batch, date_column, params.project.id_column)
        if stored_prints is not None and stored_prints.get("content") == now["content"]:
            continue
        stored = pd.read_parquet(path)
        for name, rows in parts:
            columns = [c for c in rows.columns if c in stored.columns]
            stored_rows = row_hashes(stored, date_column, columns)
            new = int((~np.isin(row_hashes(rows, date_column, columns), stored_rows)).sum())
            if new:
                days_of = per_file.setdefault(name, {})
                days_of[day.isoformat()] = days_of.get(day.isoformat(), 0) + new
    return [{"file": name, "days": found} for name, found in sorted(per_file.items())]


def _late_inserts(params: Params, raw_dir: Path, source: Any, existing: list[dt.date]) -> dict[str, int]:
    """Per day, the rows a SQL source now gives beyond those stored, over the newest ``data.sql.late_rows_days``
    ingested days: one COUNT(*) per day on the server, so the cost stays flat as history grows.

    A database takes inserts for past days (an event written after midnight with yesterday's date); a day in
    data/raw is never rewritten, so they are not stored, but they are never lost without a word either."""
    import pyarrow.parquet as pq

    lookback = params.data.sql.late_rows_days
    found: dict[str, int] = {}
    for day in sorted(existing)[-lookback:] if lookback else []:
        stored = pq.ParquetFile(partition_path(raw_dir, day)).metadata.num_rows
        extra = source.count(day, day + dt.timedelta(days=1)) - stored
        if extra > 0:
            found[day.isoformat()] = extra
    return found


def check_params_against(params: Params, columns: list[str]) -> None:
    problems = config_problems(params, columns)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ConfigError(f"params.yaml: {problems[0]}{more}; nothing was quarantined")


class _Fetcher:
    """Fetch batches. The params are checked against the data's columns before the first batch is
    judged: the columns the source declares, else the first fetched batch's, plus (when there is
    history) the newest admitted partition's, so a column that appears only from today on counts."""

    def __init__(self, params: Params, raw_dir: Path, root: Path | None = None):
        from ..adapters.sources import make_source

        self.params = params
        self.source: Any = make_source(params, root)
        self.history = _newest_columns(raw_dir) or []
        self.checked = False
        if hasattr(self.source, "columns"):
            self._check(self.source.columns())

    def _check(self, columns: list[str]) -> None:
        if not columns:
            return  # nothing readable yet: the first batch with columns settles it
        check_params_against(self.params, list(dict.fromkeys([*self.history, *columns])))
        self.checked = True

    def fetch(self, day: dt.date) -> tuple[pd.DataFrame | None, str | None]:
        from ..adapters.sources import BatchError

        try:
            batch = self.source.fetch(day)
        except BatchError as exc:
            return None, str(exc)
        if not self.checked and len(batch.columns):
            self._check([str(c) for c in batch.columns])
        return batch, None

    def announced(self, day: dt.date) -> bool:
        probe = getattr(self.source, "announced", None)
        return bool(probe(day)) if probe else False


def _judge(params: Params, day: dt.date, batch: pd.DataFrame | None, error: str | None) -> tuple[bool, Any]:
    from ..core.checks import CheckReport

    if batch is None:
        report = CheckReport(subject=f"batch {day.isoformat()}", rows=0)
        report.add("*", "readable batch", False, error, "a readable file")
        return False, report
    report = run_checks(
        batch, params.checks, params.project, subject=f"batch {day.isoformat()}", expected=params.features.all
    )
    return report.passed, report


def _changed(old: dict[str, str], new: dict[str, str]) -> str:
    if "retry" in old:
        return "retry requested"
    return ", ".join(k for k in ("params", "source") if old.get(k) != new[k]) or "nothing"


def refuse_future(params: Params, end: dt.date, today: dt.date | None = None) -> None:
    """A real source cannot hold days after today: a window moved past it is a mistake, said in one line."""
    if params.data.source == "demo":
        return  # the simulator makes any day; its dates are a story, not a clock
    today = today or dt.datetime.now(dt.UTC).date()
    if end > today:
        raise ConfigError(
            f"data.end_date: the window ends {end}, {(end - today).days} day(s) after today ({today}, UTC); "
            f"no {params.data.source} data can exist for those days: move it back (advance --to)"
        )


def ingest(params: Params, root: Path, start: dt.date | None = None, end: dt.date | None = None) -> IngestResult:
    start, end = start or params.data.start_date, end or params.data.end_date
    refuse_future(params, end)
    raw_dir = root / params.data.raw_dir
    present = {p.name for p in list_partitions(raw_dir, start, end)}
    withdrawn = withdrawn_days(root, params.data.raw_dir)
    if any(partition_path(raw_dir, d).name not in present and d.isoformat() not in withdrawn for d in days(start, end)):
        # A misspelt model.estimator / model.params is a config error (exit 2): caught here, before any
        # day is fetched or quarantined (or a folder made), not at train. Skipped when nothing is to be
        # fetched, so a no-op ingest pays no import.
        from ..core.features import check_estimator

        check_estimator(params)
    with exclusive(root / LOCK, "ingest"):
        return _ingest(params, root, start, end)


def _ingest(params: Params, root: Path, start: dt.date, end: dt.date) -> IngestResult:
    raw_dir = root / params.data.raw_dir
    quarantine = Quarantine(root / params.data.quarantine_dir)
    present = {p.name for p in list_partitions(raw_dir, start, end)}
    withdrawn = withdrawn_days(root, params.data.raw_dir)
    todo = [d for d in days(start, end) if partition_path(raw_dir, d).name not in present]
    missing = set(todo)
    result = IngestResult(
        existing=[d for d in days(start, end) if d not in missing],
        withdrawn=[d for d in todo if d.isoformat() in withdrawn],
    )
    todo = [d for d in todo if d.isoformat() not in withdrawn]
    known = ensure_summaries(params, [partition_path(raw_dir, d) for d in result.existing])
    counts_late = params.data.source == "sql" and params.data.sql.late_rows_days > 0
    if not todo and params.data.source != "file" and not counts_late:
        return result  # the demo source never changes a past day: no late rows to find
    fetcher = _Fetcher(params, raw_dir, root)
    result.late = _late_rows(params, raw_dir, fetcher.source, result.existing, known)
    if counts_late:
        late = _late_inserts(params, raw_dir, fetcher.source, result.existing)
        result.late_in_source = [{"file": "data.sql.query", "days": late}] if late else []
        for late_day, rows in late.items():
            result.warnings.setdefault(late_day, []).append(
                f"{rows} row(s) were inserted in the database for this day after it was ingested: not stored (a "
                "day in data/raw is never rewritten); if rows keep arriving after their day, schedule the "
                "daily ingest later"
            )
    if not todo:
        return result
    ingested = _ingested_prints(params, raw_dir, known)
    fp_params = params_fingerprint(params)
    for day in todo:
        batch, error = fetcher.fetch(day)  # the first batch with columns settles the config check
        record = quarantine.record(day)
        fingerprint = {"params": fp_params, "source": batch_fingerprint(batch, error)}
        if record is not None and record.status == "released":
            result.released.append(day)  # a person accepted this day as a gap
            continue
        if (
            record is not None
            and record.status == "held"
            and (record.fingerprint == fingerprint or not record.fingerprint)
        ):
            result.blocked.append(day)  # nothing changed since it was quarantined
            continue
        if batch is not None and batch.empty and not fetcher.announced(day):
            result.empty.append(day)  # no rows and no file named after the day: a date gap, reported
            continue
        passed, report = _judge(params, day, batch, error)
        if batch is not None:
            # Judged with them (the report names them); stored without them, held or admitted alike.
            batch = batch.drop(columns=undeclared_columns(batch, params.checks, params.project, params.features.all))
        same = _resent(params, batch, ingested) if batch is not None and not batch.empty else None
        if same is not None:
            # The same rows under another date are a re-sent batch: held. The same ids with other values
            # may be one (a corrected re-send) or a daily snapshot of one population (every customer,
            # every day): a warning the health issue carries, never a hold on every such day.
            ids_only = same[0] == "ids"
            report.judge("*", "re-sent batch", False, f"same {same[0]} as {same[1]}", "none", soft=ids_only)
            passed = passed and ids_only
        if report.warnings:
            result.warnings[day.isoformat()] = [w.sentence() for w in report.warnings]
        if passed:
            assert batch is not None
            write_partition(batch, partition_path(raw_dir, day))
            summarize_partition(params, partition_path(raw_dir, day), write=True)
            for kind, value in (_prints(params, partition_path(raw_dir, day)) or {}).items():
                if kind in ("content", "ids") and value:
                    ingested.setdefault((kind, value), day)
            if record is not None:
                changed = _changed(record.fingerprint, fingerprint)
                record.status = "admitted"
                record.fingerprint = fingerprint
                record.log(
                    "admitted", "ingest (automatic re-check)", f"passes now; changed since quarantine: {changed}"
                )
                quarantine.save(record)
                quarantine.batch_path(day).unlink(missing_ok=True)
                result.readmitted.append(day)
            else:
                result.added.append(day)
            continue
        failures = [f.sentence() for f in report.failures]
        json_path, md_path = quarantine.report_paths(day)
        write_report(json_path, md_path, report.to_dict(), report.to_markdown())
        if batch is not None:
            write_partition(batch, quarantine.batch_path(day), overwrite=True)
        if record is None:
            record = Record(day)
            record.log("quarantined", f"ingest ({actor()})", f"{len(failures)} check(s) failed: {failures[0]}")
        else:
            record.log(
                "re-checked",
                "ingest",
                f"{_changed(record.fingerprint, fingerprint)} changed, still failing: {failures[0]}",
            )
        record.status = "held"
        record.fingerprint = fingerprint
        record.failures = failures
        quarantine.save(record, report.to_markdown())
        result.quarantined.append(day)
        result.reports[day.isoformat()] = "\n".join(failures)
    return result


def write_summary(result: IngestResult, path: Path) -> None:
    write_json(
        path,
        {
            "ok": result.ok,
            "added": [d.isoformat() for d in result.added],
            "existing": len(result.existing),
            "empty": [d.isoformat() for d in result.empty],
            "quarantined": [d.isoformat() for d in result.quarantined],
            "blocked": [d.isoformat() for d in result.blocked],
            "readmitted": [d.isoformat() for d in result.readmitted],
            "released": [d.isoformat() for d in result.released],
            "withdrawn": [d.isoformat() for d in result.withdrawn],
            "failures": result.reports,
            "warnings": result.warnings,
            "late_rows": result.late,
            "late_rows_in_source": result.late_in_source,
        },
    )
