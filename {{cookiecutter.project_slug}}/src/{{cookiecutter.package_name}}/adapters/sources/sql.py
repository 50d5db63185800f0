"""Rows from a SQL database through SQLAlchemy: a query with date parameters, read in chunks.

``data.sql`` in params.yaml::

    sql:
      url_env: RETRAIN_DATABASE_URL      # the SQLAlchemy URL is read from this environment variable
      query: >-
        SELECT * FROM visits
        WHERE visit_date >= :start AND visit_date < :end
      chunksize: 50000

The query is run once per day with ``:start`` = that day and ``:end`` = the next day
(half-open, so a timestamp column works too); rows stream from a server-side
cursor ``chunksize`` at a time. The URL (with its password) never lives in
params.yaml or git: a workflow passes it from a secret, e.g.
``postgresql+psycopg://user:pass@host:5432/db``.

Database types are made pandas-friendly: DATE/TIMESTAMP become naive UTC
datetimes, NUMERIC (Decimal) becomes float.
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
from collections.abc import Iterator
from typing import Any

import pandas as pd

from ...config import SqlSourceParams
from .errors import SourceError


class SqlSourceError(SourceError):
    """The database cannot be reached or the query fails (exit 2); the message names the setting."""


def _engine(url_env: str, env: dict[str, str] | None = None) -> Any:
    import sqlalchemy

    url = (env if env is not None else os.environ).get(url_env, "")
    if not url:
        raise SqlSourceError(
            f"data.sql.url_env: environment variable {url_env} is not set "
            "(it holds the SQLAlchemy URL, e.g. postgresql+psycopg://user:pass@host/db)"
        )
    try:
        return sqlalchemy.create_engine(url)
    except (sqlalchemy.exc.ArgumentError, ImportError, ValueError) as exc:
        raise SqlSourceError(f"data.sql.url_env: {url_env} is not a usable SQLAlchemy URL: {exc}") from None


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Database values as the rest of the pipeline expects them."""
    for name in frame.columns:
        col = frame[name]
        if col.dtype != object:
            if isinstance(col.dtype, pd.DatetimeTZDtype):
                frame[name] = col.dt.tz_convert("UTC").dt.tz_localize(None)
            continue
        present = col.dropna()
        if not len(present):
            continue
        first = present.iloc[0]
        if isinstance(first, decimal.Decimal):
            frame[name] = pd.to_numeric(col.map(lambda v: None if v is None else float(v)), errors="coerce")
        elif isinstance(first, (dt.date, dt.datetime)):
            parsed = pd.to_datetime(col, utc=True)
            frame[name] = parsed.dt.tz_localize(None)
    return frame


class SqlSource:
    name = "sql"

    def __init__(self, params: SqlSourceParams, *, date_column: str, env: dict[str, str] | None = None):
        self.params = params
        self.date_column = date_column
        self.env = env
        self._engine: Any = None

    @property
    def engine(self) -> Any:
        if self._engine is None:
            self._engine = _engine(self.params.url_env, self.env)
        return self._engine

    def _query(self) -> Any:
        import sqlalchemy

        query = sqlalchemy.text(self.params.query)
        missing = {"start", "end"} - set(query.compile().params)
        if missing:
            raise SqlSourceError(
                f"data.sql.query: the query must use the parameters :start and :end "
                f"(missing {', '.join(sorted(':' + m for m in missing))})"
            )
        return query

    def columns(self) -> list[str]:
        """The query's columns, without reading a row (an empty date range): params are checked against them."""
        import sqlalchemy

        nowhere = dt.date(1900, 1, 1)
        try:
            with self.engine.connect() as conn:
                result = conn.execute(self._query(), {"start": nowhere, "end": nowhere})
                keys = result.keys()  # a RowMapping's keys, not a dict
                names = [str(k) for k in keys]
                result.close()
        except sqlalchemy.exc.SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise SqlSourceError(f"data.sql: {type(exc).__name__}: {reason}") from None
        return names

    def chunks(self, start: dt.date, end: dt.date, max_rows: int | None = None) -> Iterator[pd.DataFrame]:
        """Rows with ``start <= date < end``, ``chunksize`` at a time, at most ``max_rows``."""
        import sqlalchemy

        query = self._query()
        seen = 0
        try:
            with self.engine.connect() as plain:
                conn = plain.execution_options(stream_results=True, max_row_buffer=self.params.chunksize)
                result = conn.execute(query, {"start": start, "end": end})
                columns = list(result.keys())
                while True:
                    rows = result.fetchmany(self.params.chunksize)
                    if not rows:
                        break
                    if max_rows is not None:
                        rows = rows[: max_rows - seen]
                    seen += len(rows)
                    yield normalise(pd.DataFrame.from_records(rows, columns=columns))
                    if max_rows is not None and seen >= max_rows:
                        break
                result.close()
        except sqlalchemy.exc.SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise SqlSourceError(f"data.sql: {type(exc).__name__}: {reason}") from None

    def count(self, start: dt.date, end: dt.date) -> int:
        """How many rows the query gives for ``start <= date < end`` now, counted by the server (no row read)."""
        import sqlalchemy

        inner = self.params.query.strip().rstrip(";")
        self._query()  # the same refusal as fetch for a query without :start and :end
        try:
            with self.engine.connect() as conn:
                # the project's own query (params.yaml), wrapped: the server counts, no row comes back
                counted = sqlalchemy.text(f"SELECT COUNT(*) FROM ({inner}) AS late_rows_check")
                return int(conn.execute(counted, {"start": start, "end": end}).scalar_one())
        except sqlalchemy.exc.SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise SqlSourceError(f"data.sql: counting rows for late inserts: {type(exc).__name__}: {reason}") from None

    def read(self, start: dt.date, end: dt.date, max_rows: int | None = None) -> pd.DataFrame:
        parts = list(self.chunks(start, end, max_rows))
        if not parts:
            return pd.DataFrame()
        frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        if self.date_column in frame.columns:
            dates = pd.to_datetime(frame[self.date_column], utc=True)
            frame[self.date_column] = dates.dt.tz_localize(None)
        return frame

    def fetch(self, day: dt.date) -> pd.DataFrame:
        frame = self.read(day, day + dt.timedelta(days=1))
        if frame.empty:
            return frame
        if self.date_column not in frame.columns:
            raise SqlSourceError(
                f"data.sql.query: the result has no column {self.date_column!r} "
                f"(project.date_column); columns are {', '.join(map(str, frame.columns))}"
            )
        return frame[frame[self.date_column].dt.normalize() == pd.Timestamp(day)].reset_index(drop=True)
