"""The quarantine on disk: held batches, their check reports and a record of each decision.

``data/quarantine/<day>.parquet`` is the held batch (absent when it could not be read),
``<day>.checks.json``/``.md`` the report that failed, and ``<day>.record.json`` the
record: status (``held``, ``admitted``, ``released``, ``withdrawn``), the fingerprint of
the params and of the batch when it was judged, and a history of who did what and why. The
markdown report is re-rendered with that history after every decision, so a person
reading one file sees the failures and what happened since.

The quarantine folder is not in git (a hosted runner's lives for one run). A withdrawn day must stay
out everywhere, so its decision also goes into ``data/withdrawn.json``, a ledger kept in git: ingest
never fetches a day it names.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .dataset import partition_day, partition_path
from .files import write_json, write_text_atomic

if TYPE_CHECKING:
    import pandas as pd

    from ..config import Params

RECORD_SUFFIX = ".record.json"
WITHDRAWN_LEDGER = "withdrawn.json"  # beside the raw data folder, committed to git


def actor() -> str:
    """Who acts: the GitHub actor in a workflow, else the local user."""
    gh = os.environ.get("GITHUB_ACTOR")
    if gh:
        return f"{gh} (GitHub Actions)"
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def now_text() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def params_fingerprint(params: Params) -> str:
    """Hash of every setting that decides whether a batch passes (not the window dates)."""
    data = params.data
    relevant = {
        "project": params.project.model_dump(mode="json"),
        "checks": params.checks.model_dump(mode="json"),
        "features": params.features.model_dump(mode="json"),
        "source": data.source,
        "source_params": getattr(data, data.source).model_dump(mode="json") if hasattr(data, data.source) else None,
    }
    return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()[:16]


def batch_fingerprint(batch: pd.DataFrame | None, error: str | None = None) -> str:
    """Hash of a batch's content (or of the error that stopped it being read)."""
    digest = hashlib.sha256()
    if batch is None:
        digest.update(f"error:{error}".encode())
    else:
        import pandas as pd

        digest.update(json.dumps([[str(c), str(t)] for c, t in batch.dtypes.items()]).encode())
        digest.update(pd.util.hash_pandas_object(batch, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


@dataclass
class Record:
    day: dt.date
    status: str = "held"  # held | admitted | released | withdrawn
    fingerprint: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    history: list[dict[str, str]] = field(default_factory=list)

    def log(self, action: str, by: str, why: str) -> None:
        self.history.append({"at": now_text(), "action": action, "by": by, "why": why})

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "status": self.status,
            "fingerprint": self.fingerprint,
            "failures": self.failures,
            "history": self.history,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        return cls(
            dt.date.fromisoformat(data["day"]),
            data.get("status", "held"),
            dict(data.get("fingerprint", {})),
            list(data.get("failures", [])),
            list(data.get("history", [])),
        )


class Quarantine:
    def __init__(self, directory: Path):
        self.dir = directory

    def batch_path(self, day: dt.date) -> Path:
        return partition_path(self.dir, day)

    def record_path(self, day: dt.date) -> Path:
        return self.dir / f"{day.isoformat()}{RECORD_SUFFIX}"

    def report_paths(self, day: dt.date) -> tuple[Path, Path]:
        base = self.dir / day.isoformat()
        return base.with_suffix(".checks.json"), base.with_suffix(".checks.md")

    def record(self, day: dt.date) -> Record | None:
        path = self.record_path(day)
        if path.exists():
            try:
                return Record.from_dict(json.loads(path.read_text(encoding="utf-8")))
            except (ValueError, KeyError):
                pass
        if self.batch_path(day).exists():  # a batch held before records existed
            return Record(day, "held", {}, ["(no record: quarantined by an older version)"], [])
        return None

    def days(self) -> list[dt.date]:
        found: set[dt.date] = set()
        if self.dir.is_dir():
            for path in self.dir.iterdir():
                name = path.name
                if name.endswith(RECORD_SUFFIX):
                    try:
                        found.add(dt.date.fromisoformat(name.removesuffix(RECORD_SUFFIX)))
                    except ValueError:
                        continue
                elif name.endswith(".parquet") and (day := partition_day(path)) is not None:
                    found.add(day)
        return sorted(found)

    def save(self, record: Record, report_md: str | None = None) -> None:
        write_json(self.record_path(record.day), record.to_dict())
        _, md_path = self.report_paths(record.day)
        body = (
            report_md
            if report_md is not None
            else (md_path.read_text(encoding="utf-8").split("\n#### Quarantine record")[0] if md_path.exists() else "")
        )
        write_text_atomic(md_path, body.rstrip("\n") + "\n\n" + render_history(record))


def render_history(record: Record) -> str:
    lines = [
        f"#### Quarantine record: {record.day} — {record.status}",
        "",
        "| when (UTC) | action | by | why |",
        "|---|---|---|---|",
    ]
    for h in record.history:
        why = h.get("why", "").replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {h.get('at', '')} | {h.get('action', '')} | {h.get('by', '')} | {why} |")
    return "\n".join(lines) + "\n"


def ledger_path(root: Path, raw_dir: str) -> Path:
    """``data/withdrawn.json`` for the default ``data.raw_dir: data/raw``."""
    return (root / raw_dir).parent / WITHDRAWN_LEDGER


def withdrawn_days(root: Path, raw_dir: str) -> dict[str, dict[str, Any]]:
    """The ledger: {day: {at, by, why, rows}}; {} when there is none. A ledger that cannot be read stops
    ingest (ValueError naming the file): guessing could admit rows a person took out."""
    path = ledger_path(root, raw_dir)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"{path.name}: not valid JSON ({exc}); fix or restore it from git") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: expected an object of days, found {type(data).__name__}")
    return data


def write_withdrawn(root: Path, raw_dir: str, ledger: dict[str, dict[str, Any]]) -> None:
    write_json(ledger_path(root, raw_dir), dict(sorted(ledger.items())))
