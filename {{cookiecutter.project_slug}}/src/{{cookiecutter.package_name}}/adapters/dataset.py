"""The on-disk layout of raw data: one Parquet file per day, never overwritten.

``data/raw/2026-01-05.parquet`` holds that day's accepted batch. A batch that fails
its checks goes to ``data/quarantine/2026-01-05.parquet`` with its check report
beside it, and is never read by training.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

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
