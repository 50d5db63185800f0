"""Reach the MLflow store safely: bounded network calls, a sqlite file no kill can break.

Two faults this module closes:

* **A tracking server that is down or hangs.** MLflow's own defaults retry for minutes
  (7 retries, 120 s timeout each). ``apply_http_limits`` sets MLflow's documented
  environment variables (``MLFLOW_HTTP_REQUEST_TIMEOUT``, ``MLFLOW_HTTP_REQUEST_MAX_RETRIES``,
  ``MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR``) from ``mlflow.http`` in params.yaml unless the
  environment already sets them, and ``check_server`` asks the server once (with the same
  bounds) *before* anything is fitted or written: any HTTP answer means reachable; a refused
  connection or a timeout is one line, ``TrackingUnavailable``.
* **A first run killed while MLflow creates its sqlite store.** MLflow migrates a new
  database in dozens of steps that sqlite does not roll back; a kill in between leaves a
  store every later run fails on. ``ensure_sqlite_store`` builds a new store in a unique
  temporary file and renames it into place (atomic), under a lock, so ``mlflow.db`` is
  either absent or complete. A store that is broken anyway (made by an older version of
  this project, or by MLflow directly) is moved aside, never deleted, with one line
  saying where it went, and a fresh one is created.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import sqlite3
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# MLflow's names for its HTTP client limits (mlflow.environment_variables), and the
# params.yaml key that sets each default.
HTTP_ENV = {
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "timeout",
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "max_retries",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "backoff_factor",
}


class TrackingUnavailable(RuntimeError):
    """The tracking store cannot be used; the message says which and what to do (one line)."""


def apply_http_limits(http: Any) -> dict[str, int]:
    """Put ``mlflow.http``'s limits into MLflow's environment variables; the environment wins."""
    limits = {}
    for env, key in HTTP_ENV.items():
        os.environ.setdefault(env, str(getattr(http, key)))
        try:
            limits[key] = int(os.environ[env])
        except ValueError as exc:
            raise TrackingUnavailable(f"{env}={os.environ[env]!r} is not a whole number") from exc
    return limits


def _auth_headers() -> dict[str, str]:
    """The login MLflow's client would send: a bearer token, or basic-auth user and password."""
    import base64

    token = os.environ.get("MLFLOW_TRACKING_TOKEN")
    if token:
        return {"Authorization": f"Bearer {token}"}
    user, password = os.environ.get("MLFLOW_TRACKING_USERNAME"), os.environ.get("MLFLOW_TRACKING_PASSWORD")
    if user and password:
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}
    return {}


def check_server(uri: str, timeout: int, max_retries: int, backoff_factor: int) -> None:
    """One request to the tracking server with the run's login, retried with exponential backoff.

    Any HTTP answer means reachable, except a refused login (401/403): that would fail after
    the fit, so it is reported now, as one line naming the user.
    """
    probe = uri.rstrip("/") + "/api/2.0/mlflow/experiments/search?max_results=1"
    request = urllib.request.Request(probe, headers=_auth_headers())  # http(s) only: the caller checks
    attempts = max_retries + 1
    started = time.monotonic()
    problem = ""
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(request, timeout=timeout):
                return
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                user = os.environ.get("MLFLOW_TRACKING_USERNAME")
                who = f" for user {user!r}" if user else " (no MLFLOW_TRACKING_USERNAME / _TOKEN set)"
                raise TrackingUnavailable(
                    f"MLflow tracking server {uri} refused the login (HTTP {exc.code}){who}: nothing was trained "
                    "or written. Check MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD (secrets in the workflows)"
                ) from None
            return  # it answered (404, 503 ...): reachable; MLflow reports what it said
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            problem = "no answer within the timeout" if isinstance(reason, TimeoutError) else str(reason)
        if attempt + 1 < attempts:
            time.sleep(backoff_factor * 2**attempt)
    raise TrackingUnavailable(
        f"MLflow tracking server {uri} is unreachable ({problem}; {attempts} attempt(s), "
        f"{time.monotonic() - started:.0f} s, timeout {timeout} s each): nothing was trained or written. "
        "Start the server, fix MLFLOW_TRACKING_URI / mlflow.tracking_uri, or pass --no-track"
    )


# --- the local sqlite store ------------------------------------------------------------


def sqlite_path(uri: str) -> Path | None:
    """The file behind a ``sqlite:///`` URI (None for other stores and in-memory databases)."""
    if not uri.startswith("sqlite:///"):
        return None
    path = uri[len("sqlite:///") :].split("?", 1)[0]
    return None if not path or path == ":memory:" else Path(path)


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    import fcntl

    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def store_problem(db: Path) -> str | None:
    """Why ``db`` is not a complete MLflow store (None: it is). Read with sqlite3, not through
    MLflow: MLflow would try to migrate a broken store in place, and caches its engine."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not tables:
                return "it has no tables"
            leftovers = sorted(t for t in tables if t.startswith("_alembic_tmp_"))
            if leftovers:
                return f"a schema migration was interrupted ({leftovers[0]} left behind)"
            versions = (
                conn.execute("SELECT version_num FROM alembic_version").fetchall()
                if ("alembic_version" in tables)
                else []
            )
            if len(versions) != 1:
                return "it records no schema version"
        head = _head_revision()
        if head is not None and versions[0][0] != head:
            return (
                f"its schema is at revision {versions[0][0]}, this MLflow needs {head}: "
                "an interrupted setup, or a store from another MLflow version"
            )
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc):
            raise TrackingUnavailable(f"{db} is locked by another process; re-run when it has finished") from exc
        return f"sqlite cannot read it ({exc})"
    except sqlite3.DatabaseError as exc:
        return f"it is not an sqlite database ({exc})"
    return None


@functools.cache
def _head_revision() -> str | None:
    """The schema revision this MLflow creates and expects (None when MLflow no longer tells).

    Cached: alembic reads every migration script to find it (~0.35 s), and train prepares the
    store twice in one process."""
    from mlflow.store.db import utils

    head = getattr(utils, "_get_latest_schema_revision", None)
    return str(head()) if head else None


def _count_runs(db: Path) -> str:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return f"{conn.execute('SELECT COUNT(*) FROM runs').fetchone()[0]} run(s)"
    except sqlite3.Error:
        return "no readable runs"


def _create(db: Path) -> None:
    """A complete new store at ``db``: built in a unique temporary file, then renamed into place."""
    import logging

    from mlflow import MlflowClient

    tmp = db.with_name(f".tmp-{db.name}-{os.getpid()}-{time.monotonic_ns()}")
    chatty = logging.getLogger("mlflow.store.db.utils")  # "Creating initial MLflow database tables..."
    level = chatty.level
    chatty.setLevel(logging.WARNING)
    try:
        MlflowClient(tracking_uri=f"sqlite:///{tmp}").search_experiments(max_results=1)
        os.replace(tmp, db)
    finally:
        chatty.setLevel(level)
        tmp.unlink(missing_ok=True)


def ensure_sqlite_store(db: Path) -> str | None:
    """Make ``db`` a complete MLflow store. Returns the warning line printed when one was set aside."""
    db = db.resolve()
    with _locked(db.with_name(f"{db.name}.lock")):
        for stale in db.parent.glob(f".tmp-{db.name}-*"):
            stale.unlink(missing_ok=True)  # a store half-built by a killed run: never held data
        warning = None
        if db.exists():
            problem = store_problem(db)
            if problem is None:
                return None
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            aside = db.with_name(f"{db.name}.broken-{stamp}")
            os.replace(db, aside)
            warning = (
                f"warning: {db.name} was not a usable MLflow store ({problem}); kept as {aside.name} "
                f"({_count_runs(aside)}) and started a new store. `mlflow db upgrade sqlite:///{aside}` "
                "migrates a store from an older MLflow"
            )
            print(warning, file=sys.stderr)
        _create(db)
        return warning
