"""notify-new-data sends the repository_dispatch event retrain.yml listens to (a local HTTP server stands in for GitHub)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from {{ cookiecutter.package_name }}.cli import main

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REFUSED = {"message": "Resource not accessible by integration"}


class Recorder(ThreadingHTTPServer):
    """What GitHub does with a dispatch: each one delivered starts a ``repository_dispatch`` workflow run.

    ``status`` answers every POST (403: refused, nothing delivered); ``lose`` answers that many
    delivered POSTs with a 502 (GitHub started the run, the answer was lost). ``grants`` is the
    token's permissions, refused per endpoint as GitHub's REST reference says: creating a dispatch
    needs Contents write (docs.github.com/rest/repos/repos#create-a-repository-dispatch-event), listing
    workflow runs needs Actions read (docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-repository).
    """

    requests: list[dict[str, Any]]
    runs: list[dict[str, Any]]
    status: int = 204
    lose: int = 0
    grants: frozenset[str] = frozenset({"contents: write", "actions: read"})


@pytest.fixture
def api() -> Iterator[Recorder]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            server: Recorder = self.server  # type: ignore[assignment]
            server.requests.append(
                {
                    "path": self.path,
                    "auth": self.headers.get("Authorization"),
                    "body": json.loads(self.rfile.read(length) or b"null"),
                }
            )
            if server.status >= 400 or "contents: write" not in server.grants:
                self._json(server.status if server.status >= 400 else 403, REFUSED)
                return
            server.runs.append(
                {
                    "id": len(server.runs) + 1,
                    "event": "repository_dispatch",
                    "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                }
            )
            if server.lose:
                server.lose -= 1
                self._json(502, {"message": "Server Error"})
                return
            self.send_response(204)
            self.end_headers()

        def do_GET(self) -> None:
            server: Recorder = self.server  # type: ignore[assignment]
            parts = urlsplit(self.path)
            query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
            server.requests.append({"path": parts.path, "query": query})
            if parts.path != "/repos/acme/shop-model/actions/runs":
                self._json(404, {"message": "Not Found"})
            elif "actions: read" not in server.grants:
                self._json(403, REFUSED)
            else:
                since = query.get("created", ">=")[2:]
                runs = [r for r in server.runs if r["event"] == query.get("event") and r["created_at"] >= since]
                self._json(200, {"total_count": len(runs), "workflow_runs": runs[::-1]})

        def _json(self, status: int, body: Any) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = Recorder(("127.0.0.1", 0), Handler)
    server.requests = []
    server.runs = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _env(monkeypatch: pytest.MonkeyPatch, api: Recorder) -> None:
    monkeypatch.setenv("GITHUB_API_URL", f"http://127.0.0.1:{api.server_address[1]}")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/shop-model")
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")


def test_notify_new_data_sends_the_event_retrain_listens_to(
    api: Recorder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _env(monkeypatch, api)
    argv = ["notify-new-data", "--as-of", "2026-03-31", "--reason", "warehouse load 2026-03-31", "--force"]
    assert main(argv) == 0
    assert api.requests == [
        {
            "path": "/repos/acme/shop-model/dispatches",
            "auth": "Bearer t0ken",
            "body": {
                "event_type": "new-data",
                "client_payload": {"as_of": "2026-03-31", "reason": "warehouse load 2026-03-31", "force": True},
            },
        }
    ]
    assert "sent repository_dispatch 'new-data' to acme/shop-model" in capsys.readouterr().out
    workflow = yaml.safe_load((PROJECT_ROOT / ".github/workflows/retrain.yml").read_text())
    triggers = workflow[True] if True in workflow else workflow["on"]  # PyYAML reads `on:` as True
    assert triggers["repository_dispatch"]["types"] == ["new-data"]


def test_notify_new_data_errors_are_one_line(
    api: Recorder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _env(monkeypatch, api)
    api.status = 403
    assert main(["notify-new-data"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [err]
    assert "HTTP 403: Resource not accessible by integration" in err
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.delenv("GH_TOKEN", raising=False)
    assert main(["notify-new-data"]) == 2
    assert "no token: set GITHUB_TOKEN" in capsys.readouterr().err


def _posts(api: Recorder) -> list[dict[str, Any]]:
    return [r for r in api.requests if r["path"].endswith("/dispatches")]


def test_a_lost_answer_sends_the_event_once(
    api: Recorder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 20 item 3: GitHub started retrain.yml and the 204 was lost (a 502); the retry sent it again."""
    _env(monkeypatch, api)
    monkeypatch.setenv("GITHUB_API_BACKOFF", "0")
    api.lose = 1
    assert main(["notify-new-data", "--as-of", "2026-03-31"]) == 0
    assert len(_posts(api)) == 1
    assert len(api.runs) == 1
    assert "already delivered" in capsys.readouterr().out


def test_a_lost_answer_that_cannot_be_checked_fails_in_one_line_and_is_not_resent(
    api: Recorder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A token without actions: read cannot see the runs: the command says it cannot tell, never sends twice."""
    _env(monkeypatch, api)
    monkeypatch.setenv("GITHUB_API_BACKOFF", "0")
    api.lose, api.grants = 1, frozenset({"contents: write"})
    assert main(["notify-new-data"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2  # the retry notice, then the error
    assert err[0].startswith("github: POST")
    assert "cannot tell whether" in err[1]
    assert "actions: read" in err[1]
    assert len(_posts(api)) == 1
    assert len(api.runs) == 1
