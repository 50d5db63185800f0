"""The on-disk layout of raw data: one Parquet file per day, never overwritten.

``data/raw/2026-01-05.parquet`` holds that day's accepted batch. A batch that fails
its checks goes to ``data/quarantine/2026-01-05.parquet`` with its check report
beside it, and is never read by training.

Beside each admitted partition, ``2026-01-05.summary.json`` holds what the data checks need
to know about it (core.checks.summarize), so checking the whole window reads summaries,
not history. It records the rules it was made under (a hash of ``checks`` and ``project``);
a missing or stale one is recomputed from its partition. DVC tracks both with ``data/raw``.
It also holds the day's fingerprints (:func:`fingerprints`): ingest compares them to tell a
re-sent batch or late rows for a day from new data without reading history.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported by the functions that read or write data: the paths stay light
    import pandas as pd


def days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def partition_path(directory: Path, day: dt.date) -> Path:
    return directory / f"{day.isoformat()}.parquet"


def partition_day(path: Path) -> dt.date | None:
    try:
        return dt.date.fromisoformat(path.name.removesuffix(".parquet"))
    except ValueError:
        return None


def list_partitions(directory: Path, start: dt.date | None = None, end: dt.date | None = None) -> list[Path]:
    if not directory.is_dir():
        return []
    found = []
    for path in sorted(directory.glob("*.parquet")):
        day = partition_day(path)
        if day is None:
            continue
        if (start is None or day >= start) and (end is None or day <= end):
            found.append(path)
    return found


def load_partitions(paths: list[Path], columns: list[str] | None = None) -> pd.DataFrame:
    import pandas as pd

    if not paths:
        raise FileNotFoundError("no data partitions to read")
    return pd.concat([pd.read_parquet(p, columns=columns) for p in paths], ignore_index=True)


def write_partition(frame: pd.DataFrame, path: Path, overwrite: bool = False) -> None:
    """Write atomically through a unique temporary file: a killed run leaves no half-written
    partition, two writers never share a temporary file, and (unless ``overwrite``) an
    existing partition is never replaced: history is append-only."""
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".tmp-{path.name}-")
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails with FileExistsError rather than replace a partition
            except FileExistsError:
                raise
            except OSError:  # a filesystem without hard links
                if path.exists():
                    raise FileExistsError(f"{path} exists: partitions are never overwritten") from None
                os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def summary_path(partition: Path) -> Path:
    return partition.with_name(partition.name.removesuffix(".parquet") + ".summary.json")


def read_sidecar(partition: Path) -> dict[str, Any] | None:
    """The partition's summary file as stored (summary and fingerprints), parsed once; None when unreadable."""
    try:
        data = json.loads(summary_path(partition).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def read_summary(partition: Path, signature: str, data: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The partition's check summary when it was made under ``signature``, else None (``data``: the parsed file)."""
    data = data if data is not None else read_sidecar(partition)
    if data is None or data.get("signature") != signature:
        return None
    summary = data.get("summary")
    return summary if isinstance(summary, dict) else None


def write_summary(
    partition: Path, signature: str, summary: dict[str, Any], prints: dict[str, str | None] | None = None
) -> None:
    from .files import write_text_atomic

    data: dict[str, Any] = {"signature": signature, "summary": summary}
    if prints is not None:
        data["fingerprints"] = prints
    write_text_atomic(summary_path(partition), json.dumps(data, sort_keys=True) + "\n")


def read_fingerprints(
    partition: Path, date_column: str, id_column: str | None, data: dict[str, Any] | None = None
) -> dict[str, str | None] | None:
    """The fingerprints kept beside the partition when made with these columns, else None."""
    data = data if data is not None else read_sidecar(partition)
    prints = data.get("fingerprints") if data is not None else None
    if not isinstance(prints, dict) or prints.get("by") != f"{date_column}|{id_column}":
        return None
    return prints


def row_hashes(frame: pd.DataFrame, date_column: str, columns: list[str] | None = None) -> Any:
    """One 64-bit hash per row over ``columns`` (default: all but the date column), taken on the values'
    text so a Parquet round trip (object vs string, category vs text) does not change it."""
    import pandas as pd

    cols = sorted(str(c) for c in (columns if columns is not None else frame.columns) if c != date_column)
    return pd.util.hash_pandas_object(frame[cols].astype("string"), index=False).to_numpy()


def fingerprints(frame: pd.DataFrame, date_column: str, id_column: str | None) -> dict[str, str | None]:
    """A day's identity apart from its date: ``content`` (its rows, in any order, date column left out) and
    ``ids`` (its set of ids, when the data declares an id column); None when there is nothing to print."""
    import hashlib

    import numpy as np

    def digest(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()[:32]

    content = None
    if len(frame):
        names = ",".join(sorted(str(c) for c in frame.columns if c != date_column)).encode()
        content = digest(names + np.sort(row_hashes(frame, date_column)).tobytes())
    ids = None
    if id_column and id_column in frame.columns and frame[id_column].notna().any():
        values = sorted(set(frame[id_column].dropna().astype(str)))
        ids = digest("\n".join(values).encode())
    return {"by": f"{date_column}|{id_column}", "content": content, "ids": ids}


class PartitionCache:
    """Partitions read at most once per process: the daily check's triggers and reports share them.

    ``frame(paths, columns)`` concatenates the partitions; each file is read whole the first
    time, so another caller asking for other columns reads nothing more. ``extra`` holds other
    loaded data the callers share (the drift reference).
    """

    def __init__(self) -> None:
        self._frames: dict[Path, pd.DataFrame] = {}
        self.extra: dict[str, Any] = {}

    def read(self, path: Path) -> pd.DataFrame:
        key = path.resolve()  # the same file under a relative and an absolute name is read once
        if key not in self._frames:
            import pandas as pd

            self._frames[key] = pd.read_parquet(key)
        return self._frames[key]

    def frame(self, paths: list[Path], columns: list[str] | None = None) -> pd.DataFrame:
        if not paths:
            raise FileNotFoundError("no data partitions to read")
        parts = [self.read(p) for p in paths]
        if columns is not None:
            missing = sorted({c for part in parts for c in columns if c not in part.columns})
            if missing:
                raise KeyError(f"column(s) {', '.join(missing)} are not in the partitions")
            parts = [part[columns] for part in parts]
        import pandas as pd

        return pd.concat(parts, ignore_index=True)
