"""A local incoming-webhook receiver (Slack/Teams style: POST JSON ``{"text": ...}``), 127.0.0.1 only.

Records every message for the tests; answers 200 "ok" like Slack. Start with
``with WebhookReceiver() as hook:``; ``hook.url`` goes into ``ALERT_WEBHOOK_URL``.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class WebhookReceiver:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.messages: list[dict[str, Any]] = []
        self.rejected: list[str] = []
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    payload = json.loads(raw)
                    ok = isinstance(payload, dict) and isinstance(payload.get("text"), str) and payload["text"]
                except ValueError:
                    ok, payload = False, None
                with lock:
                    if ok and self.headers.get("Content-Type", "").startswith("application/json"):
                        receiver.messages.append(payload)
                        status, body = 200, b"ok"
                    else:
                        receiver.rejected.append(raw.decode(errors="replace"))
                        status, body = 400, b"invalid_payload"
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/alerts"

    @property
    def texts(self) -> list[str]:
        return [str(m["text"]) for m in self.messages]

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
