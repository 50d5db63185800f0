"""Chat alerts through an incoming webhook (Slack, Teams, Mattermost, ... all accept ``{"text": ...}``).

The URL comes from the ``ALERT_WEBHOOK_URL`` secret; without it nothing is sent. One
POST per event, stdlib only, a short timeout: an alert that cannot be delivered is
reported on stderr and never fails the run it reports on.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

ENV = "ALERT_WEBHOOK_URL"


def post(url: str, text: str, timeout: float = 10.0) -> str | None:
    """POST ``{"text": text}``; returns None on success, else why it failed."""
    if not url.startswith(("https://", "http://")):
        return f"{ENV} must be an http(s) URL"
    request = urllib.request.Request(
        url,
        data=json.dumps({"text": text}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "retrain-alerts"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        return f"webhook answered HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return f"webhook unreachable: {getattr(exc, 'reason', exc)}"
    return None
