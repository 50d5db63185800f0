"""notify-new-data sends the repository_dispatch event retrain.yml listens to (a local HTTP server stands in for GitHub)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from {{ cookiecutter.package_name }}.cli import main

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Recorder(ThreadingHTTPServer):
    requests: list[dict[str, Any]]
    status: int = 204


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
            self.send_response(server.status)
            if server.status >= 400:
                payload = json.dumps({"message": "Resource not accessible by integration"}).encode()
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            else:
                self.end_headers()

    server = Recorder(("127.0.0.1", 0), Handler)
    server.requests = []
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
