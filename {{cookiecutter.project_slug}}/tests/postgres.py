"""A throwaway PostgreSQL server on 127.0.0.1 for the SQL source's tests.

``initdb`` makes a cluster in a new temporary directory; ``postgres`` serves it on a
free loopback port, with ``fsync`` off, under ``timeout`` so it stops by itself even
if the test run is killed; the fixture stops it (fast shutdown) and deletes the
directory. PostgreSQL refuses to run as root: as root the server runs as the
``postgres`` system user that Debian's package creates.

Where no server can start (binaries missing) the tests are skipped with the reason;
with ``CI`` set they fail instead, so a CI machine without PostgreSQL never passes
by skipping (``.ci/run`` installs Debian's ``postgresql``).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVER_LIFETIME_S = 1800  # the server exits by itself after this, whatever happens to the test run


def _binaries() -> Path | None:
    found = shutil.which("initdb")
    if found and shutil.which("postgres", path=str(Path(found).resolve().parent)):
        return Path(found).resolve().parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "postgres").exists():
            return Path(candidate)
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.user = "test"
        self.port = _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="retrain-pg-"))
        self.data = self.dir / "data"
        self.prefix: list[str] = []
        self.proc: subprocess.Popen[bytes] | None = None
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                _unavailable("running as root and there is no 'postgres' user to run the server as")
            os.chown(self.dir, account.pw_uid, account.pw_gid)
            self.prefix = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups"]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        init = subprocess.run(
            [
                *self.prefix,
                str(self.bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                self.user,
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--locale=C",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if init.returncode != 0:
            _unavailable(f"initdb failed: {init.stderr.strip()[-300:]}")
        self.proc = subprocess.Popen(
            [
                "timeout",
                "--kill-after=10",
                str(SERVER_LIFETIME_S),
                *self.prefix,
                str(self.bindir / "postgres"),
                "-D",
                str(self.data),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-k",
                str(self.dir),
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                _unavailable(f"postgres exited: {err.strip()[-300:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    ready = subprocess.run(
                        [str(self.bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                        capture_output=True,
                        check=False,
                    )
                    if ready.returncode == 0:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        _unavailable("the server did not accept connections within 30 s")

    def stop(self) -> None:
        pid_file = self.data / "postmaster.pid"
        if pid_file.exists():
            with contextlib.suppress(ValueError, ProcessLookupError, IndexError):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)  # fast shutdown
        if self.proc is not None:
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
            if self.proc.stderr:
                self.proc.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bindir = _binaries()
    if bindir is None:
        _unavailable("no initdb/postgres binaries (Debian: apt-get install postgresql)")
    assert bindir is not None
    server = PostgresServer(bindir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
