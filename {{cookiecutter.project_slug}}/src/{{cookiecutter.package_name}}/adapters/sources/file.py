"""CSV or Parquet files by path or glob, local or remote through fsspec.

``s3://`` and ``gs://`` work once the matching extra is installed
(``pip install -e '.[s3]'``). The files are read once per ingest run and split by
the date column, so each day's partition holds exactly that day's rows.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

import pandas as pd

from ...config import FileSourceParams


class SourceError(RuntimeError):
    pass


class FileSource:
    name = "file"

    def __init__(self, params: FileSourceParams, *, date_column: str):
        self.params = params
        self.date_column = date_column

    def _format(self, path: str) -> str:
        if self.params.format != "auto":
            return self.params.format
        lower = path.lower()
        if lower.endswith((".parquet", ".pq")):
            return "parquet"
        if lower.endswith((".csv", ".csv.gz", ".txt")):
            return "csv"
        raise SourceError(f"data.file.path: cannot tell the format of {path!r}; set data.file.format to csv or parquet")

    @cached_property
    def frame(self) -> pd.DataFrame:
        import fsspec

        try:
            files = fsspec.open_files(self.params.path, mode="rb", **self.params.storage_options)
        except (ImportError, ValueError) as exc:
            raise SourceError(f"data.file.path {self.params.path!r}: {exc}") from exc
        if not files:
            raise SourceError(f"data.file.path {self.params.path!r} matches no file")
        parts = []
        for of in files:
            with of as handle:
                if self._format(of.path) == "parquet":
                    parts.append(pd.read_parquet(handle))
                else:
                    parts.append(pd.read_csv(handle))
        frame = pd.concat(parts, ignore_index=True)
        if self.date_column not in frame.columns:
            raise SourceError(
                f"data.file.path: column {self.date_column!r} (project.date_column) not found; "
                f"columns are {', '.join(map(str, frame.columns))}"
            )
        try:
            dates = pd.to_datetime(frame[self.date_column])
        except (ValueError, TypeError) as exc:
            raise SourceError(f"column {self.date_column!r} does not parse as dates: {exc}") from exc
        frame[self.date_column] = dates.dt.tz_localize(None) if dates.dt.tz is not None else dates
        return frame

    def fetch(self, day: dt.date) -> pd.DataFrame:
        frame = self.frame
        mask = frame[self.date_column].dt.normalize() == pd.Timestamp(day)
        return frame.loc[mask].reset_index(drop=True)
