"""Real servers on loopback for the team-mode tier: PostgreSQL, an S3-compatible store, MLflow, Dask.

Each server is a real process started on 127.0.0.1 on a free port, waited for until it
answers, and stopped (with its children) when its ``with`` block ends. A watchdog kills
every process it started after ``LIFETIME`` seconds even if the test runner dies, so
nothing outlives a run. Nothing here listens on another address.

* PostgreSQL: Debian's ``postgresql`` package (initdb + pg_ctl), a throwaway cluster in a
  temporary directory, run as the ``postgres`` user when we are root (initdb refuses root).
* S3: ``moto_server`` (moto[server] from PyPI) — S3's REST API, enough for MLflow's
  artifact proxy and DVC's s3 remote (boto3/aiobotocore both speak to it).
* MLflow: ``mlflow server --app-name basic-auth`` with PostgreSQL as backend store and
  proxied artifacts in an S3 bucket, as a team would run it.
* Dask: ``dask scheduler`` and ``dask worker`` processes (not threads in this process).
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = "127.0.0.1"
LIFETIME = int(os.environ.get("SERVERS_LIFETIME", "1800"))  # seconds; the watchdog's limit
S3_KEY, S3_SECRET, S3_REGION = "testing", "testing-secret", "us-east-1"


class ServerUnavailable(RuntimeError):
    """A server could not start here; the message says why (shown as the skip reason off CI)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def wait_for(
    check: Callable[[], bool], what: str, timeout: float = 60.0,
    proc: subprocess.Popen[bytes] | None = None, log: Path | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise ServerUnavailable(f"{what} exited with {proc.returncode} while starting:\n{tail}")
        with contextlib.suppress(OSError, urllib.error.URLError):
            if check():
                return
        time.sleep(0.3)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise ServerUnavailable(f"{what} did not answer within {timeout:.0f} s:\n{tail}")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((LOOPBACK, port)) == 0


def http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as response:
        return 200 <= response.status < 500


@dataclass
class Process:
    """A started server process in its own process group, with its log file."""

    proc: subprocess.Popen[bytes]
    log: Path
    watchdog: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        if self.watchdog is not None and self.watchdog.poll() is None:
            self.watchdog.kill()
            self.watchdog.wait(timeout=5)


def start(cmd: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> Process:
    """Start ``cmd`` in a new process group; a watchdog kills the group after LIFETIME seconds."""
    handle = log.open("w")
    proc = subprocess.Popen(cmd, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True)
    handle.close()
    watchdog = subprocess.Popen(
        [sys.executable, "-c",
         "import os, signal, sys, time\n"
         f"time.sleep({LIFETIME})\n"
         f"try:\n    os.killpg({proc.pid}, signal.SIGKILL)\nexcept ProcessLookupError:\n    pass\n"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    return Process(proc, log, watchdog)


# --- PostgreSQL -----------------------------------------------------------------------------------

def pg_bindir() -> Path:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise ServerUnavailable("PostgreSQL is not installed (Debian: apt-get install postgresql)")


@dataclass
class Postgres:
    port: int
    user: str = "retrain"
    password: str = "retrain-pw"
    process: Process | None = None
    databases: list[str] = field(default_factory=list)

    def url(self, database: str, driver: str = "postgresql") -> str:
        return f"{driver}://{self.user}:{self.password}@{LOOPBACK}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        psql = pg_bindir() / "psql"
        env = {**os.environ, "PGPASSWORD": self.password}
        subprocess.run([str(psql), "-h", LOOPBACK, "-p", str(self.port), "-U", self.user, "-d", "postgres",
                        "-v", "ON_ERROR_STOP=1", "-c", f'CREATE DATABASE "{name}"'],
                       env=env, check=True, capture_output=True, text=True, timeout=60)
        self.databases.append(name)
        return name


@contextlib.contextmanager
def postgres(workdir: Path) -> Iterator[Postgres]:
    bindir = pg_bindir()
    data = workdir / "pgdata"
    data.mkdir(parents=True)
    pwfile = workdir / "pgpass"
    server = Postgres(port=free_port())
    pwfile.write_text(server.password + "\n")
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError as exc:
            raise ServerUnavailable("running as root and there is no 'postgres' user to run the server") from exc
        for path in (workdir, data, pwfile):
            os.chown(path, pw.pw_uid, pw.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    init = subprocess.run(
        [*as_user, str(bindir / "initdb"), "-D", str(data), "-U", server.user, f"--pwfile={pwfile}",
         "-A", "scram-sha-256", "--no-sync", "-E", "UTF8"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    if init.returncode != 0:
        raise ServerUnavailable(f"initdb failed: {init.stderr.strip()[-1500:]}")
    log = workdir / "postgres.log"
    if as_user:
        log.touch()
        os.chown(log, pw.pw_uid, pw.pw_gid)
    # listen_addresses: loopback only; the unix socket stays inside the temporary directory.
    proc = start([*as_user, str(bindir / "postgres"), "-D", str(data), "-p", str(server.port),
                  "-c", f"listen_addresses={LOOPBACK}", "-c", f"unix_socket_directories={workdir}",
                  "-c", "fsync=off", "-c", "full_page_writes=off"], log)
    server.process = proc
    try:
        wait_for(lambda: port_open(server.port), "PostgreSQL", proc=proc.proc, log=log)
        ready = pg_bindir() / "pg_isready"
        wait_for(lambda: subprocess.run([str(ready), "-h", LOOPBACK, "-p", str(server.port)],
                                        capture_output=True, check=False).returncode == 0,
                 "PostgreSQL (pg_isready)", proc=proc.proc, log=log)
        yield server
    finally:
        proc.stop()


# --- S3 (moto) --------------------------------------------------------------------------------------

@dataclass
class S3:
    endpoint: str
    process: Process
    python: Path  # the servers venv's interpreter, which has boto3 (the template's own venv does not)

    def env(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET, "AWS_DEFAULT_REGION": S3_REGION,
                "AWS_ENDPOINT_URL": self.endpoint, "MLFLOW_S3_ENDPOINT_URL": self.endpoint}

    def _boto(self, code: str) -> str:
        script = ("import json, sys, boto3\n"
                  f"s3 = boto3.client('s3', endpoint_url={self.endpoint!r})\n" + code)
        result = subprocess.run([str(self.python), "-c", script], capture_output=True, text=True,
                                env={**os.environ, **self.env()}, timeout=120, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"boto3 against {self.endpoint} failed: {result.stderr.strip()[-1500:]}")
        return result.stdout

    def create_bucket(self, name: str) -> str:
        self._boto(f"s3.create_bucket(Bucket={name!r})")
        return name

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        out = self._boto(
            f"pages = s3.get_paginator('list_objects_v2').paginate(Bucket={bucket!r}, Prefix={prefix!r})\n"
            "print(json.dumps([o['Key'] for p in pages for o in p.get('Contents', [])]))")
        return list(json.loads(out))


@contextlib.contextmanager
def s3(workdir: Path, bindir: Path) -> Iterator[S3]:
    exe = bindir / "moto_server"
    if not exe.exists():
        raise ServerUnavailable(f"moto_server not found in {bindir} (pip install 'moto[server]')")
    port = free_port()
    log = workdir / "moto.log"
    proc = start([str(exe), "-H", LOOPBACK, "-p", str(port)], log)
    endpoint = f"http://{LOOPBACK}:{port}"
    try:
        wait_for(lambda: http_ok(endpoint + "/moto-api/"), "moto S3 server", proc=proc.proc, log=log)
        yield S3(endpoint, proc, bindir / "python")
    finally:
        proc.stop()


# --- MLflow tracking server --------------------------------------------------------------------------

@dataclass
class Mlflow:
    url: str
    username: str
    password: str
    artifact_bucket: str
    process: Process

    def env(self) -> dict[str, str]:
        # A generous request timeout: CI machines are shared, and a client-side timeout makes MLflow
        # retry calls that are not idempotent (seen: a run filed under the Default experiment).
        return {"MLFLOW_TRACKING_URI": self.url, "MLFLOW_TRACKING_USERNAME": self.username,
                "MLFLOW_TRACKING_PASSWORD": self.password, "MLFLOW_HTTP_REQUEST_TIMEOUT": "60"}


@contextlib.contextmanager
def mlflow_server(workdir: Path, bindir: Path, pg: Postgres, store: S3, bucket: str = "mlflow-artifacts",
                  username: str = "admin", password: str = "team-secret-1") -> Iterator[Mlflow]:
    """``mlflow server`` with basic-auth, PostgreSQL backend store and artifacts proxied to S3."""
    exe = bindir / "mlflow"
    if not exe.exists():
        raise ServerUnavailable(f"mlflow not found in {bindir}")
    backend = pg.create_database("mlflow")
    store.create_bucket(bucket)
    auth_ini = workdir / "basic_auth.ini"
    auth_ini.write_text(
        "[mlflow]\n"
        "default_permission = READ\n"
        f"database_uri = sqlite:///{workdir / 'basic_auth.db'}\n"
        f"admin_username = {username}\n"
        f"admin_password = {password}\n"
        "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
        # Without the cache every request re-hashes the password (PBKDF2): seconds per call on a
        # loaded machine. MLflow documents the cache for request-heavy use; a team would set it too.
        "auth_cache_ttl_seconds = 300\n"
    )
    port = free_port()
    # basic-auth needs a static secret for its CSRF protection (one per server here).
    # Job execution off: MLflow 3's job runner starts huey_consumer worker pools (seven processes here)
    # that the tests never use and that compete for the machine's two cores.
    env = {**os.environ, **store.env(), "MLFLOW_AUTH_CONFIG_PATH": str(auth_ini),
           "MLFLOW_FLASK_SERVER_SECRET_KEY": os.urandom(16).hex(), "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    log = workdir / "mlflow-server.log"
    proc = start([str(exe), "server", "--app-name", "basic-auth", "--host", LOOPBACK, "--port", str(port),
                  "--workers", "1",
                  "--backend-store-uri", pg.url(backend, "postgresql+psycopg2"),
                  "--artifacts-destination", f"s3://{bucket}", "--serve-artifacts"], log, env=env, cwd=workdir)
    url = f"http://{LOOPBACK}:{port}"
    try:
        wait_for(lambda: http_ok(url + "/health"), "mlflow server", timeout=180, proc=proc.proc, log=log)
        yield Mlflow(url, username, password, bucket, proc)
    finally:
        proc.stop()


# --- Dask -----------------------------------------------------------------------------------------------

@dataclass
class Dask:
    address: str
    scheduler: Process
    workers: Process


@contextlib.contextmanager
def dask_cluster(workdir: Path, bindir: Path, nworkers: int = 2, env: dict[str, str] | None = None) -> Iterator[Dask]:
    """A real scheduler and ``nworkers`` worker processes (one thread each), from ``bindir``'s dask."""
    exe = bindir / "dask"
    if not exe.exists():
        raise ServerUnavailable(f"dask not found in {bindir} (pip install 'dask[distributed]')")
    port = free_port()
    address = f"tcp://{LOOPBACK}:{port}"
    run_env = {**os.environ, **(env or {}), "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    sched = start([str(exe), "scheduler", "--host", LOOPBACK, "--port", str(port), "--no-dashboard"],
                  workdir / "dask-scheduler.log", env=run_env)
    workers = None
    try:
        wait_for(lambda: port_open(port), "dask scheduler", proc=sched.proc, log=sched.log)
        workers = start([str(exe), "worker", address, "--nworkers", str(nworkers), "--nthreads", "1",
                         "--host", LOOPBACK, "--no-dashboard", "--memory-limit", "2GiB",
                         "--local-directory", str(workdir / "dask-worker-space")],
                        workdir / "dask-workers.log", env=run_env)

        def all_workers() -> bool:
            probe = subprocess.run(
                [str(bindir / "python"), "-c",
                 f"from distributed import Client; c = Client({address!r}, timeout=5); "
                 f"print(len(c.scheduler_info()['workers'])); c.close()"],
                capture_output=True, text=True, timeout=60, check=False)
            return probe.returncode == 0 and probe.stdout.strip() == str(nworkers)

        wait_for(all_workers, "dask workers", timeout=120, proc=workers.proc, log=workers.log)
        yield Dask(address, sched, workers)
    finally:
        if workers is not None:
            workers.stop()
        sched.stop()


def tempdir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path
