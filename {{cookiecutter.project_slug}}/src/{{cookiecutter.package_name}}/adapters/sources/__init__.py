"""Data sources: where a day's batch comes from.

Every source answers one question, "give me the rows for this day", so ingest,
tests and the demo all work the same way whatever the data's origin. Add a source
by writing a class with ``fetch(day)`` and registering it in :func:`make_source`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Protocol

from .errors import BatchError, SourceError

__all__ = ["BatchError", "Source", "SourceError", "make_source"]

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from ...config import Params


class Source(Protocol):
    """Optional extras ingest uses when a source has them: ``columns()`` (every column the source
    holds, to check the params against before anything is judged) and ``announced(day)`` (a batch
    for the day arrived even if it has no rows: an empty batch, not a date gap)."""

    name: str

    def fetch(self, day: dt.date) -> pd.DataFrame:
        """Rows whose date column falls on ``day`` (possibly none); raises BatchError when unreadable."""
        ...


def make_source(params: Params, root: Path | None = None) -> Source:
    """The configured source; ``root`` is the project root a relative ``data.file.path`` is under."""
    if params.data.source == "demo":
        from .demo import DemoSource

        return DemoSource(
            params.data.demo,
            task=params.project.task,
            target=params.project.target,
            date_column=params.project.date_column,
            id_column=params.project.id_column,
        )
    if params.data.source == "file":
        from .file import FileSource

        declared = tuple(name for name, rule in params.checks.columns.items() if rule.dtype == "date")
        return FileSource(params.data.file, date_column=params.project.date_column, root=root, declared_dates=declared)
    if params.data.source == "sql":
        from .sql import SqlSource

        return SqlSource(params.data.sql, date_column=params.project.date_column)
    raise ValueError(f"data.source: unknown source {params.data.source!r}")
