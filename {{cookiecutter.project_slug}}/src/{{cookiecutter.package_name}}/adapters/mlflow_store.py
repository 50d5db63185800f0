"""Reach the MLflow store safely: bounded network calls, a sqlite file no kill can break.

Two faults this module closes:

* **A tracking server that is down or hangs.** MLflow's own defaults retry for minutes
  (7 retries, 120 s timeout each). ``apply_http_limits`` sets MLflow's documented
  environment variables (``MLFLOW_HTTP_REQUEST_TIMEOUT``, ``MLFLOW_HTTP_REQUEST_MAX_RETRIES``,
  ``MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR``) from ``mlflow.http`` in params.yaml unless the
  environment already sets them, and ``check_server`` asks the server (with the same bounds)
  *before* anything is fitted or written: a refused connection, a timeout, a 5xx to every
  attempt or a refused login is one line, ``TrackingUnavailable``; a writer also proves a write.
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


def _login_refused(uri: str, code: int, what: str) -> TrackingUnavailable:
    user = os.environ.get("MLFLOW_TRACKING_USERNAME")
    who = f" for user {user!r}" if user else " (no MLFLOW_TRACKING_USERNAME / _TOKEN set)"
    return TrackingUnavailable(
        f"MLflow tracking server {uri} refused {what} (HTTP {code}){who}: nothing was trained or written. "
        "Check MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD (secrets in the workflows)"
    )


def _call(request: urllib.request.Request, timeout: int, max_retries: int, backoff_factor: int) -> tuple[int, bytes]:
    """Status and body of one MLflow REST call, retried like MLflow's client retries (no answer, 429, 5xx).

    Returns the last answer (any status); raises OSError-like ``_NoAnswer`` when nothing answered.
    """
    attempts = max_retries + 1
    started = time.monotonic()
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
            if status != 429 and status < 500:
                return status, body
            problem = f"HTTP {status}"
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            problem = "no answer within the timeout" if isinstance(reason, TimeoutError) else str(reason)
            status, body = 0, b""
        if attempt + 1 < attempts:
            time.sleep(backoff_factor * 2**attempt)
    raise _NoAnswer(problem, status, attempts, time.monotonic() - started, timeout)


class _NoAnswer(Exception):
    def __init__(self, problem: str, status: int, attempts: int, elapsed: float, timeout: int) -> None:
        super().__init__(problem)
        self.problem, self.status = problem, status
        self.detail = f"{attempts} attempt(s), {elapsed:.0f} s, timeout {timeout} s each"


def check_server(uri: str, timeout: int, max_retries: int, backoff_factor: int, experiment: str | None = None) -> None:
    """Ask the tracking server before anything is fitted, with the run's login and MLflow's retry bounds.

    Reachable means it answered a read without a 5xx (a 503 from a server whose store is down used to
    pass here and fail after the fit). A refused login (401/403) is one line naming the user. With
    ``experiment`` (a writer: ``train``), a write is tried as well: the experiment is created if missing
    (as training would) or a tag set on it, so a login that may only read, or a store that refuses writes,
    fails now, not after fitting.
    """
    base = uri.rstrip("/") + "/api/2.0/mlflow/"
    bounds = {"timeout": timeout, "max_retries": max_retries, "backoff_factor": backoff_factor}
    try:
        status, _ = _call(
            urllib.request.Request(base + "experiments/search?max_results=1", headers=_auth_headers()), **bounds
        )
    except _NoAnswer as exc:
        if exc.status:
            raise TrackingUnavailable(
                f"MLflow tracking server {uri} answered {exc.problem} to every request ({exc.detail}): it is up but "
                "not serving (its backend store, or a proxy in front of it): nothing was trained or written. "
                "Check the server's log, or pass --no-track"
            ) from None
        raise TrackingUnavailable(
            f"MLflow tracking server {uri} is unreachable ({exc.problem}; {exc.detail}): nothing was trained or "
            "written. Start the server, fix MLFLOW_TRACKING_URI / mlflow.tracking_uri, or pass --no-track"
        ) from None
    if status in (401, 403):
        raise _login_refused(uri, status, "the login")
    if experiment is not None and status == 200:
        _check_write(uri, base, experiment, bounds)


def _check_write(uri: str, base: str, experiment: str, bounds: dict[str, int]) -> None:
    import json
    import urllib.parse

    def call(method: str, endpoint: str, payload: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        name = endpoint.split("?", maxsplit=1)[0]
        headers = {**_auth_headers(), "Content-Type": "application/json"}
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(base + endpoint, data=data, headers=headers, method=method)
        try:
            status, body = _call(request, **bounds)
        except _NoAnswer as exc:
            raise TrackingUnavailable(
                f"MLflow tracking server {uri} answered a read but not a write ({exc.problem} on "
                f"{name}; {exc.detail}): nothing was trained or written. Check the server's log "
                "(its backend store may be read-only or full), or pass --no-track"
            ) from None
        if status in (401, 403):
            raise _login_refused(uri, status, f"a write to experiment {experiment!r} ({name})")
        try:
            return status, json.loads(body or b"{}")
        except ValueError:
            return status, {}

    query = urllib.parse.urlencode({"experiment_name": experiment})
    status, found = call("GET", f"experiments/get-by-name?{query}")
    info = found.get("experiment") if status == 200 else None
    if not isinstance(info, dict) or "experiment_id" not in info:
        call("POST", "experiments/create", {"name": experiment})  # what training would do first
        return
    if info.get("lifecycle_stage") == "deleted":
        raise TrackingUnavailable(
            f"MLflow experiment {experiment!r} on {uri} is deleted: nothing was trained or written. Restore it "
            f"(`mlflow experiments restore --experiment-id {info['experiment_id']}`) or set another mlflow.experiment"
        )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    tag = {"experiment_id": info["experiment_id"], "key": WRITE_TAG, "value": now}
    call("POST", "experiments/set-experiment-tag", tag)


# The tag the write check sets on the experiment: when a writer last proved it may write.
WRITE_TAG = "retrain.write_checked_at"


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
