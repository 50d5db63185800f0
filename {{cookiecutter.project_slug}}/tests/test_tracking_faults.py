"""MLflow faults end cleanly: a dead or silent tracking server, a store setup killed half-way.

Real sockets on 127.0.0.1, a real MLflow sqlite store and a real SIGKILL; nothing mocked.
Each case asserts what the user sees (one line, bounded time) and what is kept (the
previous model file, every run ever written).
"""

from __future__ import annotations

import hashlib
import http.server
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from {{ cookiecutter.package_name }}.adapters.mlflow_store import (
    ensure_sqlite_store,
    store_problem,
)
from {{ cookiecutter.package_name }}.cli import main

PREVIOUS_MODEL = b"the model from the previous run"


@pytest.fixture
def split_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with its training split and a model from an earlier run in place."""
    for stage in ("ingest", "validate", "split"):
        assert main(["--root", str(project), stage]) == 0, stage
    (project / "models").mkdir()
    (project / "models/model.skops").write_bytes(PREVIOUS_MODEL)
    (project / "models/model_info.json").write_text("{}\n")
    # Small bounds so each case takes seconds; the defaults are in params.yaml (mlflow.http).
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0")
    return project


def assert_previous_model_kept(project: Path) -> None:
    assert (project / "models/model.skops").read_bytes() == PREVIOUS_MODEL
    assert (project / "models/model_info.json").read_text() == "{}\n"
    assert [p.name for p in (project / "models").iterdir() if p.name.startswith(".tmp-")] == []


def train_against(
    project: Path, uri: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, float, list[str]]:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    started = time.monotonic()
    code = main(["--root", str(project), "train"])
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, elapsed, [line for line in err.splitlines() if line.startswith("error:")]


def test_dead_port_fails_in_seconds_and_keeps_the_model(
    split_project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, elapsed, errors = train_against(split_project, f"http://127.0.0.1:{port}", monkeypatch, capsys)
    assert code == 2
    assert len(errors) == 1, errors
    assert f"MLflow tracking server http://127.0.0.1:{port} is unreachable" in errors[0]
    assert "nothing was trained or written" in errors[0]
    assert elapsed < 20, elapsed
    assert_previous_model_kept(split_project)


def test_server_that_accepts_and_never_answers_times_out(
    split_project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as silent:  # the kernel accepts connections; nobody ever reads or answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        uri = f"http://127.0.0.1:{silent.getsockname()[1]}"
        code, elapsed, errors = train_against(split_project, uri, monkeypatch, capsys)
    assert code == 2
    assert len(errors) == 1, errors
    assert "no answer within the timeout" in errors[0]
    assert "2 attempt(s)" in errors[0]
    assert "timeout 2 s each" in errors[0]
    assert elapsed < 20, elapsed  # 2 attempts x 2 s, not MLflow's minutes
    assert_previous_model_kept(split_project)


class _Unavailable(http.server.BaseHTTPRequestHandler):
    def _refuse(self) -> None:
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _refuse

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def answering_503() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Unavailable)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _BasicAuth(http.server.BaseHTTPRequestHandler):
    """401 unless the request carries Basic team:secret (what `mlflow server --app-name basic-auth` does)."""

    def _answer(self) -> None:
        import base64

        good = "Basic " + base64.b64encode(b"team:secret").decode()
        self.send_response(200 if self.headers.get("Authorization") == good else 401)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


def test_a_refused_login_is_one_line_before_anything_is_fitted(
    split_project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BasicAuth)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    uri = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "team")
        monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "wrong")
        code, elapsed, errors = train_against(split_project, uri, monkeypatch, capsys)
        assert code == 2
        assert errors == [
            f"error: MLflow tracking server {uri} refused the login (HTTP 401) for user 'team': nothing was "
            "trained or written. Check MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD (secrets in the workflows)"
        ]
        assert elapsed < 20, elapsed
        assert_previous_model_kept(split_project)
    finally:
        server.shutdown()
        server.server_close()


class _Scripted(http.server.BaseHTTPRequestHandler):
    """A tracking server stand-in: answers the write check's calls as MLflow does, by ``answers``
    (endpoint -> status), and 503 to everything else; records each call ("GET experiments/search")."""

    answers: ClassVar[dict[str, int]] = {}
    calls: ClassVar[list[str]] = []

    def _answer(self) -> None:
        endpoint = self.path.split("/api/2.0/mlflow/", 1)[-1].split("?", 1)[0]
        self.calls.append(f"{self.command} {endpoint}")
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status = self.answers.get(endpoint, 503)
        body = b"{}"
        if endpoint == "experiments/get-by-name" and status == 200:
            body = b'{"experiment": {"experiment_id": "7", "name": "x", "lifecycle_stage": "active"}}'
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[tuple[str, type[_Scripted]]]:
    handler = type("Handler", (_Scripted,), {"answers": {}, "calls": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


READS = {"experiments/search": 200, "experiments/get-by-name": 200}


def test_a_server_answering_503_is_one_line_before_anything_is_fitted(
    split_project: Path, answering_503: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Up but not serving (its store down behind it): it used to pass the check and fail after the fit."""
    code, elapsed, errors = train_against(split_project, answering_503, monkeypatch, capsys)
    assert code == 2
    assert errors == [
        f"error: MLflow tracking server {answering_503} answered HTTP 503 to every request (2 attempt(s), 0 s, "
        "timeout 2 s each): it is up but not serving (its backend store, or a proxy in front of it): nothing was "
        "trained or written. Check the server's log, or pass --no-track"
    ]
    assert elapsed < 30, elapsed
    assert_previous_model_kept(split_project)


@pytest.mark.parametrize(
    ("write_status", "message"),
    [
        (403, "refused a write to experiment '{experiment}' (experiments/set-experiment-tag) (HTTP 403)"),
        (500, "answered a read but not a write (HTTP 500 on experiments/set-experiment-tag; 2 attempt(s)"),
    ],
    ids=["login-may-only-read", "store-refuses-writes"],
)
def test_a_write_the_server_refuses_stops_train_before_the_fit(
    split_project: Path,
    scripted: tuple[str, type[_Scripted]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    write_status: int,
    message: str,
) -> None:
    from {{ cookiecutter.package_name }}.config import load_params

    uri, handler = scripted
    handler.answers.update(READS, **{"experiments/set-experiment-tag": write_status})
    code, _, errors = train_against(split_project, uri, monkeypatch, capsys)
    assert code == 2
    assert len(errors) == 1, errors
    experiment = load_params(split_project / "params.yaml").mlflow.experiment
    assert message.format(experiment=experiment) in errors[0]
    assert "nothing was trained or written" in errors[0]
    assert not any("runs/" in call for call in handler.calls), handler.calls  # no run was started: no fit
    assert_previous_model_kept(split_project)


def test_a_missing_experiment_is_created_by_the_write_check(
    split_project: Path,
    scripted: tuple[str, type[_Scripted]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    uri, handler = scripted
    handler.answers.update({"experiments/search": 200, "experiments/get-by-name": 404, "experiments/create": 403})
    code, _, errors = train_against(split_project, uri, monkeypatch, capsys)
    assert code == 2
    assert "refused a write to experiment" in errors[0]
    assert "(experiments/create) (HTTP 403)" in errors[0]
    assert handler.calls[-1] == "POST experiments/create"


def test_server_failing_after_the_check_keeps_the_model(
    split_project: Path,
    scripted: tuple[str, type[_Scripted]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """It passes the read and the write check but every later MLflow call fails: the fitted model is not put
    in place."""
    uri, handler = scripted
    handler.answers.update(READS, **{"experiments/set-experiment-tag": 200})
    code, elapsed, errors = train_against(split_project, uri, monkeypatch, capsys)
    assert code == 2
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"error: logging the run to MLflow ({uri}) failed")
    assert "model.skops was not replaced" in errors[0]
    assert elapsed < 60, elapsed
    assert_previous_model_kept(split_project)
    # MLflow's message is cut at a word with a mark, never mid-word (issue 20 item 2)
    cause = errors[0].split(" failed: ", 1)[1].split("; model.skops", 1)[0]
    assert len(cause) <= 300, cause
    assert cause.endswith("…") or len(cause) < 300, cause


def test_error_lines_are_cut_at_a_word() -> None:
    from {{ cookiecutter.package_name }}.core.text import error_line, shorten

    words = "API request to endpoint /api/2.0/mlflow/runs/create failed with error code 503 != 200 " * 10
    line = shorten(words, 100)
    assert len(line) <= 100
    assert line.endswith("…")
    assert words.startswith(line[:-1])
    assert words[len(line) - 1] == " "  # the cut falls between words
    assert shorten("short", 100) == "short"
    assert shorten("x" * 500, 50) == "x" * 49 + "…"  # one long token: cut where it must be
    assert error_line(RuntimeError("first line\nsecond")) == "first line"
    assert error_line(RuntimeError()) == "RuntimeError"


# --- a first run killed while MLflow builds its sqlite store --------------------------------

# Runs in a child process that SIGKILLs itself in the middle of one of MLflow's schema
# migrations (just before alembic renames its temporary copy of a table back): the point
# where the Ctrl-C / kill left a store no later run could open.
CHILD = """
import os, signal, sys
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "before_cursor_execute")
def _kill_mid_migration(conn, cursor, statement, parameters, context, executemany):
    text = statement.lstrip().upper()
    if text.startswith("ALTER TABLE _ALEMBIC_TMP_"):
        os.kill(os.getpid(), signal.SIGKILL)


mode, db = sys.argv[1], Path(sys.argv[2])
if mode == "mlflow":  # what happened before: MLflow initialises mlflow.db in place
    from mlflow import MlflowClient

    MlflowClient(tracking_uri=f"sqlite:///{db}").search_experiments()
else:  # what the project does now
    from {{ cookiecutter.package_name }}.adapters.mlflow_store import ensure_sqlite_store

    ensure_sqlite_store(db)
"""


def killed_during_setup(mode: str, db: Path) -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(db)], capture_output=True, text=True, timeout=300, check=False
    )
    assert child.returncode == -signal.SIGKILL, child.stderr[-3000:]


def mlflow_opens(db: Path, spelling: str = "") -> bool:
    """Whether MLflow can use the store. MLflow keeps one engine per URI for the process: a
    probe of a broken file uses another spelling of its path (``spelling="./"``), so the
    project's later calls start as clean as in a new process."""
    from mlflow import MlflowClient

    try:
        MlflowClient(tracking_uri=f"sqlite:///{db.parent}/{spelling}{db.name}").search_experiments()
    except Exception:
        return False
    return True


@pytest.mark.slow
def test_a_kill_during_store_setup_never_leaves_a_broken_store(tmp_path: Path) -> None:
    db = tmp_path / "mlflow.db"
    killed_during_setup("project", db)
    assert not db.exists(), "the half-built store must stay in its temporary file"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-mlflow.db-")], "the kill landed mid-setup"
    assert ensure_sqlite_store(db) is None  # a clean start, nothing to report
    assert mlflow_opens(db)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")] == []


@pytest.mark.slow
def test_a_store_broken_by_an_earlier_kill_is_kept_aside_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "mlflow.db"
    killed_during_setup("mlflow", db)  # reproduce the fault: MLflow's own in-place setup, killed
    assert store_problem(db) is not None
    assert not mlflow_opens(db, spelling="./"), "precondition: plain MLflow cannot use this store any more"
    broken = hashlib.sha256(db.read_bytes()).hexdigest()
    capsys.readouterr()

    warning = ensure_sqlite_store(db)
    assert warning is not None
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [warning], lines
    assert "a schema migration was interrupted" in warning
    assert "kept as mlflow.db.broken-" in warning
    aside = next(tmp_path.glob("mlflow.db.broken-*"))
    assert hashlib.sha256(aside.read_bytes()).hexdigest() == broken, "the old store is kept byte for byte"
    assert mlflow_opens(db)
    assert ensure_sqlite_store(db) is None  # and it stays fixed


def test_under_dvc_repro_a_dead_server_keeps_the_workspace_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 20 item 2: DVC removes a stage's outputs before running it, so a tracking server that was
    down under `dvc repro` left the workspace with no model.skops and no model_info.json, while the
    README's fault table says they are untouched. The train stage's outputs persist (dvc.yaml): DVC
    leaves them in place and train replaces them only after MLflow accepted the run."""
    from .conftest import DvcWorkspace, small_params, write_params

    workspace = DvcWorkspace(tmp_path / "project")
    root, env = workspace.root, workspace.env
    first = workspace.repro("train")
    assert first.returncode == 0, first.stdout + first.stderr
    model = (root / "models/model.skops").read_bytes()
    info = (root / "models/model_info.json").read_text()
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env.update(MLFLOW_TRACKING_URI=f"http://127.0.0.1:{port}", MLFLOW_HTTP_REQUEST_TIMEOUT="2")
    env.update(MLFLOW_HTTP_REQUEST_MAX_RETRIES="1", MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR="0")
    write_params(root, small_params(**{"model.seed": 43}))  # a train param changed: train must run again
    failed = workspace.repro("train")
    assert failed.returncode != 0
    assert "is unreachable" in failed.stdout + failed.stderr
    assert (root / "models/model.skops").read_bytes() == model
    assert (root / "models/model_info.json").read_text() == info
