"""A person's decisions on quarantined days: list, retry, release. Each is recorded (who, why, when)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..adapters.dataset import partition_path, write_partition
from ..adapters.locks import exclusive
from ..adapters.quarantine import Quarantine, actor, params_fingerprint
from ..config import Params
from .ingest import LOCK, ingest, summarize_partition


class QuarantineError(ValueError):
    """Bad request (no such held day): exit 2 with one line."""


def list_days(params: Params, root: Path) -> list[dict[str, Any]]:
    quarantine = Quarantine(root / params.data.quarantine_dir)
    current = params_fingerprint(params)
    rows = []
    for day in quarantine.days():
        record = quarantine.record(day)
        if record is None:
            continue
        last = record.history[-1] if record.history else {}
        rows.append(
            {
                "day": day.isoformat(),
                "status": record.status,
                "failures": record.failures,
                "last": f"{last.get('action', '?')} by {last.get('by', '?')} at {last.get('at', '?')}: {last.get('why', '')}"
                if last
                else "(no record)",
                "stale": record.status == "held" and record.fingerprint.get("params") not in (None, current),
            }
        )
    return rows


def _held(quarantine: Quarantine, day: dt.date) -> Any:
    record = quarantine.record(day)
    if record is None or record.status != "held":
        state = "not in quarantine" if record is None else f"already {record.status}"
        raise QuarantineError(f"quarantine: {day} is {state} (see `quarantine list`)")
    return record


def retry(params: Params, root: Path, days: list[dt.date], why: str) -> list[tuple[str, bool, str]]:
    """Fetch and check each day again with the current params and source; admit those that pass."""
    quarantine = Quarantine(root / params.data.quarantine_dir)
    if not days:
        days = [d for d in quarantine.days() if (r := quarantine.record(d)) is not None and r.status == "held"]
    outcomes = []
    for day in days:
        record = _held(quarantine, day)
        record.fingerprint = {"retry": "requested"}  # differs from any fingerprint: re-checked now
        record.log("retry requested", actor(), why)
        quarantine.save(record)
        result = ingest(params, root, day, day)
        if day in result.readmitted:
            outcomes.append((day.isoformat(), True, "passes the current checks; admitted to the raw data"))
        else:
            failures = result.reports.get(day.isoformat(), "")
            outcomes.append((day.isoformat(), False, failures.splitlines()[0] if failures else "still held"))
    return outcomes


def release(params: Params, root: Path, day: dt.date, why: str) -> str:
    """Admit a held batch as it is, on a person's word; a batch that could not be read becomes a recorded gap."""
    quarantine = Quarantine(root / params.data.quarantine_dir)
    with exclusive(root / LOCK, "ingest"):
        record = _held(quarantine, day)
        held = quarantine.batch_path(day)
        if held.exists():
            import pandas as pd

            target = partition_path(root / params.data.raw_dir, day)
            write_partition(pd.read_parquet(held), target)
            summarize_partition(params, target, write=True)
            held.unlink()
            detail = f"admitted as it is to {params.data.raw_dir}/{target.name}"
        else:
            detail = "no readable batch: the day is a recorded gap and no longer blocks ingest"
        record.status = "released"
        record.log("released", actor(), why)
        quarantine.save(record)
    return detail
