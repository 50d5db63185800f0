"""CSV or Parquet files by path or glob, local or remote through fsspec.

A relative path is relative to the project root (``--root``), not to the current
directory. ``s3://bucket/prefix/*.parquet`` (or ``*.csv``) works once the ``s3`` extra
is installed (``pip install -e '.[s3]'``; s3fs); the endpoint and the keys come from
the standard AWS variables (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``) or ``data.file.storage_options``. ``gs://`` works the same
way with the ``gs`` extra. The files are read once per ingest run and split by the
date column, so each day's partition holds exactly that day's rows.

Read options (``data.file``): ``dtypes`` states column types (``category`` turns
integer codes into labels), ``date_format`` parses the date column, ``csv`` holds
the separator, decimal mark, encoding, extra null markers and rows to skip.

Each file is read on its own. A file that cannot be read (truncated Parquet, not
Parquet at all, bytes that are not in the CSV's encoding, a value that does not fit
its declared type) is named in the error; when its name holds a day
(``2026-01-05.csv``, ``sales_20260105.parquet``) only that day's batch fails and
is quarantined, the other days go on. A file named after a day that holds no rows
(header only) is an empty batch: it fails ``checks.min_rows``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from ...config import FileSourceParams
from .errors import BatchError, SourceError

_DAY_IN_NAME = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")


def _credentials(protocol: str) -> str:
    if protocol in ("s3", "s3a"):
        return "check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and AWS_ENDPOINT_URL (README, Team setup)"
    return "check the store's credentials (data.file.storage_options)"


def _missing(protocol: str, located: str, exc: BaseException) -> str:
    if protocol:
        bucket = located.split("://", 1)[1].split("/", 1)[0]
        return f"bucket {bucket!r} does not exist or is not reachable ({_short(exc)})"
    return f"does not exist ({_short(exc)})"


class _NoDateColumn(ValueError):
    pass


def day_in_name(path: str) -> dt.date | None:
    name = path.rsplit("/", 1)[-1]
    for match in _DAY_IN_NAME.finditer(name):
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            continue
    return None


# fsspec protocol -> the project extra that installs its filesystem
_EXTRAS = {"s3": "s3", "s3a": "s3", "gs": "gs", "gcs": "gs", "az": "azure", "abfs": "azure", "abfss": "azure"}


def resolve_path(path: str, root: Path | None) -> str:
    """``path`` with a relative local path made relative to the project root (URLs and absolute paths as given)."""
    if root is None or "://" in path or os.path.isabs(path):
        return path
    return str(Path(root) / path)


def _short(exc: BaseException) -> str:
    from ...core.text import error_line

    return error_line(exc, 200)


def _is_text(series: pd.Series) -> bool:
    return bool(pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series))


class FileSource:
    name = "file"

    def __init__(
        self,
        params: FileSourceParams,
        *,
        date_column: str,
        root: Path | None = None,
        declared_dates: tuple[str, ...] = (),
    ):
        self.params = params
        self.date_column = date_column
        self.root = root
        # Columns the checks declare as dates (checks.columns.<c>.dtype: date): a CSV has no types, so
        # they are parsed here unless data.file.dtypes says otherwise; text that does not parse stays
        # text and the dtype check names what to set.
        self.declared_dates = declared_dates
        self._origins: dict[dt.date, list[str]] = {}  # each day's row groups: the file each came from

    def _format(self, path: str) -> str:
        if self.params.format != "auto":
            return self.params.format
        lower = path.lower()
        if lower.endswith((".parquet", ".pq")):
            return "parquet"
        if lower.endswith((".csv", ".csv.gz", ".txt", ".tsv")):
            return "csv"
        raise SourceError(f"data.file.path: cannot tell the format of {path!r}; set data.file.format to csv or parquet")

    def _files(self) -> list[Any]:
        """The files ``data.file.path`` names, sorted; a store that cannot be listed is one clear line."""
        path = self.params.path
        located = resolve_path(path, self.root)
        protocol = located.split("://", 1)[0] if "://" in located else ""
        try:
            return self._list(located, protocol)
        except ImportError:
            extra = _EXTRAS.get(protocol)
            how = f"install the project's `{extra}` extra (uv pip install -e '.[{extra}]')" if extra else "see fsspec"
            raise SourceError(f"data.file.path {path!r}: reading {protocol}:// needs a library: {how}") from None
        except PermissionError as exc:
            raise SourceError(
                f"data.file.path {path!r}: access denied ({_short(exc)}); {_credentials(protocol)}"
            ) from None
        except FileNotFoundError as exc:
            raise SourceError(f"data.file.path {path!r}: {_missing(protocol, located, exc)}") from None
        except ValueError as exc:
            raise SourceError(f"data.file.path {path!r}: {_short(exc)}") from None
        except OSError as exc:  # the store did not answer (wrong endpoint, network)
            raise SourceError(f"data.file.path {path!r}: {_short(exc)}; {_credentials(protocol)}") from None

    def _list(self, located: str, protocol: str) -> list[Any]:
        import fsspec

        path = self.params.path
        fs, _, paths = fsspec.get_fs_token_paths(located, storage_options=self.params.storage_options)
        has_glob = any(ch in path for ch in "*?[")
        if not has_glob and paths and fs.isdir(paths[0]):
            raise SourceError(
                f"data.file.path {path!r} is a folder; name its files with a glob, e.g. {path.rstrip('/')}/*.csv"
            )
        files = [p for p in paths if not fs.isdir(p) and (has_glob or fs.exists(p))]
        if not files:
            if protocol:
                bucket = located.split("://", 1)[1].split("/", 1)[0]
                if not fs.exists(bucket):
                    raise SourceError(f"data.file.path {path!r}: bucket {bucket!r} does not exist")
            what = "matches no file" if has_glob else "does not exist"
            raise SourceError(f"data.file.path {path!r} {what}")
        return [(fs, p) for p in sorted(files)]

    def _read(self, fs: Any, path: str) -> pd.DataFrame:
        fmt = self._format(path)
        opts = self.params.csv
        with fs.open(path, "rb") as handle:
            if fmt == "parquet":
                frame = pd.read_parquet(handle)
            else:
                frame = pd.read_csv(
                    handle,
                    sep=opts.sep,
                    decimal=opts.decimal,
                    thousands=opts.thousands,
                    encoding=opts.encoding,
                    na_values=list(opts.na_values) or None,
                    skiprows=opts.skiprows or None,
                    compression="infer" if not path.endswith(".gz") else "gzip",
                )
        return self._typed(frame, path)

    def _typed(self, frame: pd.DataFrame, path: str) -> pd.DataFrame:
        if self.date_column not in frame.columns:
            raise _NoDateColumn(
                f"file {path}: no column {self.date_column!r} (project.date_column); "
                f"columns are {', '.join(map(str, frame.columns))}"
            )
        frame[self.date_column] = self._dates(frame[self.date_column], self.date_column)
        for column, kind in self.params.dtypes.items():
            if column not in frame.columns or column == self.date_column:
                continue
            frame[column] = self._convert(frame[column], column, kind)
        for column in self.declared_dates:
            undeclared_here = column not in self.params.dtypes and column != self.date_column
            if undeclared_here and column in frame.columns and _is_text(frame[column]):
                with contextlib.suppress(ValueError):
                    frame[column] = self._dates(frame[column], column)
        return frame

    def _dates(self, series: pd.Series, column: str) -> pd.Series:
        fmt = self.params.date_format
        try:
            dates = pd.to_datetime(series, format=fmt) if fmt else pd.to_datetime(series)
        except (ValueError, TypeError) as exc:
            hint = "" if fmt else " (set data.file.date_format, e.g. '%d/%m/%Y')"
            raise ValueError(f"column {column!r} does not parse as dates{hint}: {_short(exc)}") from None
        return dates.dt.tz_localize(None) if dates.dt.tz is not None else dates

    def _convert(self, series: pd.Series, column: str, kind: str) -> pd.Series:
        try:
            if kind == "date":
                return self._dates(series, column)
            if kind in ("numeric", "integer"):
                values = pd.to_numeric(series, errors="raise")
                if kind == "integer":
                    values = values.astype("Int64")
                return values
            if kind == "bool":
                mapping = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
                text = series.astype("string").str.strip().str.lower()
                unknown = sorted(set(text.dropna()) - set(mapping))
                if unknown:
                    raise ValueError(f"not a boolean: {unknown[:3]}")
                return text.map(mapping).astype("boolean")

            # string / category: text, with integral floats (1.0 from a CSV with gaps) as "1"
            def as_text(v: Any) -> Any:
                if pd.isna(v):
                    return None
                if isinstance(v, float) and v.is_integer():
                    return str(int(v))
                return str(v)

            return series.map(as_text).astype("object")
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"column {column!r} does not convert to {kind} (data.file.dtypes): {_short(exc)}"
            ) from None

    @cached_property
    def _loaded(self) -> tuple[dict[dt.date, list[pd.DataFrame]], dict[dt.date, str], dict[dt.date, list[str]]]:
        """(each day's rows, per file they came from; unreadable files by the day in their name;
        the columns of the files named after each day)."""
        by_day: dict[dt.date, list[pd.DataFrame]] = {}
        broken: dict[dt.date, str] = {}
        named: dict[dt.date, list[str]] = {}
        no_date: list[str] = []
        read = 0
        for fs, path in self._files():
            day = day_in_name(path)
            try:
                frame = self._read(fs, path)
            except _NoDateColumn as exc:
                no_date.append(path)
                problem = str(exc)
            except UnicodeDecodeError as exc:
                problem = (
                    f"file {path}: not valid {self.params.csv.encoding} text at byte {exc.start} "
                    "(set data.file.csv.encoding)"
                )
            except (ValueError, TypeError, OSError, pd.errors.ParserError) as exc:
                problem = f"file {path}: cannot be read as {self._format(path)}: {_short(exc)}"
            else:
                read += 1
                if day is not None:
                    named.setdefault(day, []).extend(str(c) for c in frame.columns)
                dates = frame[self.date_column].dt.normalize()
                for stamp, rows in frame.groupby(dates, sort=False):
                    by_day.setdefault(pd.Timestamp(stamp).date(), []).append(rows)
                    self._origins.setdefault(pd.Timestamp(stamp).date(), []).append(path)
                continue
            if day is None:
                raise SourceError(
                    f"{problem}; its name holds no day, so no single batch can be quarantined: fix or remove the file"
                )
            broken[day] = problem
        if no_date and not read:  # no file has it: the setting is wrong, not the data
            raise SourceError(
                f"project.date_column: column {self.date_column!r} is in none of the files "
                f"matching data.file.path (e.g. {no_date[0]})"
            )
        return by_day, broken, named

    def columns(self) -> list[str]:
        """Every column the readable files hold (for checking params against the data)."""
        seen: dict[str, None] = {}
        for parts in self._loaded[0].values():
            for part in parts:
                seen.update(dict.fromkeys(str(c) for c in part.columns))
        for cols in self._loaded[2].values():
            seen.update(dict.fromkeys(cols))
        return list(seen)

    @property
    def frame(self) -> pd.DataFrame:
        """Every readable row (tests, exploration)."""
        parts = [p for day_parts in self._loaded[0].values() for p in day_parts]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    def announced(self, day: dt.date) -> bool:
        """A file is named after ``day``: an empty result is an empty batch, not a gap."""
        return day in self._loaded[2]

    def days_with_rows(self) -> list[dt.date]:
        """Every day some readable file holds rows for (ingest looks for late rows among them)."""
        return sorted(self._loaded[0])

    def parts(self, day: dt.date) -> list[tuple[str, pd.DataFrame]]:
        """The day's rows, per file they came from (named relative to the project root when under it)."""
        groups = self._loaded[0].get(day, [])  # read first: it fills the origins
        return [(self._shown(path), rows) for path, rows in zip(self._origins.get(day, []), groups, strict=True)]

    def _shown(self, path: str) -> str:
        if self.root is not None and "://" not in path:
            with contextlib.suppress(ValueError):
                return str(Path(path).resolve().relative_to(Path(self.root).resolve()))
        return path

    def fetch(self, day: dt.date) -> pd.DataFrame:
        """The day's rows with the columns of the files they came from (a column renamed upstream shows)."""
        by_day, broken, named = self._loaded
        if day in broken:
            raise BatchError(broken[day])
        parts = by_day.get(day)
        if parts:
            return pd.concat(parts, ignore_index=True)
        return pd.DataFrame(columns=list(dict.fromkeys(named.get(day, []))))
