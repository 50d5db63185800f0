"""A person's decisions on quarantined days: list, retry, release, withdraw. Each is recorded (who, why, when).

``withdraw`` is the way back for a day admitted by mistake (consent revoked, a wrong export found
later): its rows move from data/raw to the quarantine, and the ledger ``data/withdrawn.json`` (in git)
keeps every later ingest, on any clone or runner, from fetching it again. ``release`` puts the withdrawn
rows back as they were; ``retry`` fetches and checks the day again from the source.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..adapters.dataset import partition_path, summary_path, write_partition
from ..adapters.locks import exclusive
from ..adapters.quarantine import (
    Quarantine,
    Record,
    actor,
    ledger_path,
    params_fingerprint,
    withdrawn_days,
    write_withdrawn,
)
from ..config import Params
from .ingest import LOCK, ingest, summarize_partition


class QuarantineError(ValueError):
    """Bad request (no such held day): exit 2 with one line."""


def list_days(params: Params, root: Path) -> list[dict[str, Any]]:
    quarantine = Quarantine(root / params.data.quarantine_dir)
    current = params_fingerprint(params)
    ledger = withdrawn_days(root, params.data.raw_dir)
    rows = []
    for day in sorted(set(quarantine.days()) | {dt.date.fromisoformat(d) for d in ledger}):
        record = quarantine.record(day)
        if record is None or (day.isoformat() in ledger and record.status != "withdrawn"):
            entry = ledger.get(day.isoformat())
            if entry is None:
                continue
            record = Record(day, "withdrawn", {}, [], [{"action": "withdrawn", **entry}])  # from the ledger
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


def _held(quarantine: Quarantine, day: dt.date, ledger: dict[str, Any] | None = None) -> Any:
    """The record of a held (or, with the ledger, withdrawn) day; QuarantineError for any other day."""
    record = quarantine.record(day)
    if ledger is not None and day.isoformat() in ledger:
        if record is None or record.status != "withdrawn":  # a fresh clone: the ledger is the record
            record = Record(day, "withdrawn", {}, [], [])
        return record
    if record is None or record.status != "held":
        state = "not in quarantine" if record is None else f"already {record.status}"
        raise QuarantineError(f"quarantine: {day} is {state} (see `quarantine list`)")
    return record


def _reinstate(params: Params, root: Path, day: dt.date, ledger: dict[str, Any]) -> None:
    """Take a withdrawn day off the ledger: ingest may fetch (retry) or keep (release) it again."""
    if ledger.pop(day.isoformat(), None) is not None:
        write_withdrawn(root, params.data.raw_dir, ledger)


def retry(params: Params, root: Path, days: list[dt.date], why: str) -> list[tuple[str, bool, str]]:
    """Fetch and check each day again with the current params and source; admit those that pass."""
    quarantine = Quarantine(root / params.data.quarantine_dir)
    if not days:
        days = [d for d in quarantine.days() if (r := quarantine.record(d)) is not None and r.status == "held"]
    outcomes = []
    ledger = withdrawn_days(root, params.data.raw_dir)
    for day in days:
        record = _held(quarantine, day, ledger)
        record.status = "held"  # a withdrawn day is checked again like a held one
        record.fingerprint = {"retry": "requested"}  # differs from any fingerprint: re-checked now
        record.log("retry requested", actor(), why)
        quarantine.save(record)
        _reinstate(params, root, day, ledger)
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
        ledger = withdrawn_days(root, params.data.raw_dir)
        record = _held(quarantine, day, ledger)
        held = quarantine.batch_path(day)
        if record.status == "withdrawn" and not held.exists():
            raise QuarantineError(
                f"quarantine: {day} was withdrawn, but its rows are not in {params.data.quarantine_dir}/ on this "
                f"machine (withdrawn elsewhere): `quarantine retry {day}` fetches and checks it from the source"
            )
        _reinstate(params, root, day, ledger)
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


def withdraw(params: Params, root: Path, day: dt.date, why: str) -> str:
    """Move an admitted day's rows from data/raw to the quarantine and record it in the ledger.

    The held copy is written before the raw partition is removed, so an interrupted withdraw loses
    nothing (at worst the day is in both places, and the ledger, written last, does not name it yet).
    """
    import pandas as pd

    quarantine = Quarantine(root / params.data.quarantine_dir)
    with exclusive(root / LOCK, "ingest"):
        ledger = withdrawn_days(root, params.data.raw_dir)
        if day.isoformat() in ledger:
            raise QuarantineError(f"quarantine: {day} is already withdrawn (see `quarantine list`)")
        raw = partition_path(root / params.data.raw_dir, day)
        if not raw.exists():
            raise QuarantineError(
                f"quarantine: {day} is not in {params.data.raw_dir}/ (nothing admitted to withdraw; "
                "`quarantine list` shows held days)"
            )
        rows = pd.read_parquet(raw)
        write_partition(rows, quarantine.batch_path(day), overwrite=True)
        record = quarantine.record(day) or Record(day)
        record.status = "withdrawn"
        record.failures = [f"withdrawn from {params.data.raw_dir}/: {why}"]
        record.log("withdrawn", actor(), why)
        quarantine.save(record)
        raw.unlink()
        summary_path(raw).unlink(missing_ok=True)
        ledger[day.isoformat()] = {"at": record.history[-1]["at"], "by": actor(), "why": why, "rows": len(rows)}
        write_withdrawn(root, params.data.raw_dir, ledger)
    ledger_name = ledger_path(root, params.data.raw_dir).relative_to(root)
    return (
        f"{len(rows)} row(s) moved from {params.data.raw_dir} to {params.data.quarantine_dir}; recorded in "
        f"{ledger_name}: commit it (git add {ledger_name}) and run the pipeline (`dvc repro`, `dvc push`) so "
        "every clone and runner leaves the day out"
    )
