"""A small client for the GitHub REST endpoints the workflows need (stdlib only).

The base URL is ``$GITHUB_API_URL`` (GitHub Enterprise sets it; default
https://api.github.com), the repository ``$GITHUB_REPOSITORY`` and the token
``$GITHUB_TOKEN``. Only documented endpoints are used:

- pulls: list (``GET /repos/{o}/{r}/pulls?head=owner:branch``), create (POST), update (PATCH)
- labels: ``POST /repos/{o}/{r}/issues/{n}/labels``
- issue comments: list, create, ``PATCH /repos/{o}/{r}/issues/comments/{id}``

Everything here is idempotent: a pull request for a head branch is found and
updated rather than opened twice; a sticky comment is found by a hidden marker
and edited in place.
"""

from __future__ import annotations

import contextlib
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

API_VERSION = "2022-11-28"
MAX_BODY = 65_536  # GitHub's limit on a pull request / comment body, in characters
TRUNCATION_NOTE = (
    "\n\n---\n*Truncated: {dropped} characters did not fit GitHub's {limit}-character limit. "
    "The full report is in the workflow run's artifacts.*\n"
)


class GitHubError(RuntimeError):
    """A GitHub API call failed; the message names the call, status and GitHub's reason."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def truncate_body(text: str, limit: int = MAX_BODY) -> str:
    """``text`` cut at a line boundary so that it, plus a note, fits in ``limit`` characters.

    An open code fence in the kept part is closed, so the rest still renders.
    """
    if len(text) <= limit:
        return text
    reserve = len(TRUNCATION_NOTE.format(dropped=len(text), limit=limit)) + len("\n```")
    kept = text[: max(0, limit - reserve)]
    cut = kept.rfind("\n")
    if cut > 0:
        kept = kept[:cut]
    if kept.count("```") % 2:
        kept += "\n```"
    result = kept + TRUNCATION_NOTE.format(dropped=len(text) - len(kept), limit=limit)
    assert len(result) <= limit
    return result


@dataclass(frozen=True)
class GitHub:
    api_url: str
    repository: str
    token: str
    timeout: float = 30.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> GitHub:
        env = dict(os.environ if env is None else env)
        repository = env.get("GITHUB_REPOSITORY", "")
        token = env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or ""
        if repository.count("/") != 1:
            raise GitHubError(f"GITHUB_REPOSITORY must be owner/name, got {repository!r}")
        if not token:
            raise GitHubError("no token: set GITHUB_TOKEN (the workflow passes a PAT/App token or github.token)")
        api = (env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/")
        return cls(api, repository, token)

    @property
    def owner(self) -> str:
        return self.repository.split("/", 1)[0]

    def request(self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None) -> Any:
        url = f"{self.api_url}{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Accept", "application/vnd.github+json")
        req.add_header("Authorization", f"Bearer {self.token}")
        req.add_header("X-GitHub-Api-Version", API_VERSION)
        req.add_header("User-Agent", "cookiecutter-retrain")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:500]
            with contextlib.suppress(ValueError, AttributeError, TypeError):
                payload = json.loads(detail)
                errors = [str(e.get("message") or e) for e in payload.get("errors") or [] if isinstance(e, dict)]
                detail = "; ".join([str(payload.get("message", detail)), *errors])
            hint = ""
            if exc.code == 403 and method != "GET":
                hint = (" (does the token have contents/pull-requests write, and is 'Allow GitHub Actions to create "
                        "and approve pull requests' enabled in the repository settings?)")
            raise GitHubError(f"{method} {path}: HTTP {exc.code}: {detail}{hint}", exc.code) from None
        except urllib.error.URLError as exc:
            raise GitHubError(f"{method} {url}: cannot reach the GitHub API: {exc.reason}") from None
        return json.loads(raw) if raw else None

    def _repo(self, suffix: str) -> str:
        owner, name = self.repository.split("/", 1)
        return f"/repos/{urllib.parse.quote(owner)}/{urllib.parse.quote(name)}{suffix}"

    def _paged(self, path: str, query: dict[str, Any]) -> list[Any]:
        items: list[Any] = []
        page = 1
        while True:
            batch = self.request("GET", path, query={**query, "per_page": 100, "page": page})
            items.extend(batch)
            if len(batch) < 100:
                return items
            page += 1

    # events
    def dispatch(self, event_type: str, client_payload: dict[str, Any] | None = None) -> None:
        """``POST /repos/{o}/{r}/dispatches``: start the workflows listening to ``repository_dispatch``.

        GitHub answers 204 with no body; the token needs *Contents* write on the repository.
        """
        body = {"event_type": event_type, "client_payload": client_payload or {}}
        self.request("POST", self._repo("/dispatches"), body)

    # pulls
    def find_pulls(self, branch: str, base: str | None = None, state: str = "open") -> list[dict[str, Any]]:
        query: dict[str, Any] = {"head": f"{self.owner}:{branch}", "state": state}
        if base:
            query["base"] = base
        return self._paged(self._repo("/pulls"), query)

    def create_pull(self, branch: str, base: str, title: str, body: str) -> dict[str, Any]:
        payload = {"title": title, "head": branch, "base": base, "body": body, "maintainer_can_modify": True}
        return self.request("POST", self._repo("/pulls"), payload)

    def update_pull(self, number: int, title: str, body: str) -> dict[str, Any]:
        return self.request("PATCH", self._repo(f"/pulls/{number}"), {"title": title, "body": body})

    def add_labels(self, number: int, labels: list[str]) -> Any:
        return self.request("POST", self._repo(f"/issues/{number}/labels"), {"labels": labels})

    # issue comments
    def list_comments(self, number: int) -> list[dict[str, Any]]:
        return self._paged(self._repo(f"/issues/{number}/comments"), {})

    def create_comment(self, number: int, body: str) -> dict[str, Any]:
        return self.request("POST", self._repo(f"/issues/{number}/comments"), {"body": body})

    def update_comment(self, comment_id: int, body: str) -> dict[str, Any]:
        return self.request("PATCH", self._repo(f"/issues/comments/{comment_id}"), {"body": body})


@dataclass(frozen=True)
class PullResult:
    number: int
    url: str
    created: bool


def upsert_pull(gh: GitHub, branch: str, base: str, title: str, body: str, *,
                labels: list[str] | None = None) -> PullResult:
    """Open a pull request for ``branch`` or update the open one; never a second one."""
    body = truncate_body(body)
    existing = gh.find_pulls(branch, base)
    if existing:
        pr = min(existing, key=lambda p: int(p["number"]))
        pr = gh.update_pull(int(pr["number"]), title, body)
        created = False
    else:
        pr = gh.create_pull(branch, base, title, body)
        created = True
    if labels:
        gh.add_labels(int(pr["number"]), labels)
    return PullResult(int(pr["number"]), str(pr.get("html_url", "")), created)


def marker_line(marker: str) -> str:
    return f"<!-- {marker} -->"


def upsert_comment(gh: GitHub, number: int, body: str, marker: str) -> tuple[int, bool]:
    """Create the comment holding ``marker`` or edit it in place. Returns (id, created)."""
    tag = marker_line(marker)
    text = truncate_body(f"{tag}\n{body}", MAX_BODY)
    for comment in gh.list_comments(number):
        if tag in str(comment.get("body") or ""):
            gh.update_comment(int(comment["id"]), text)
            return int(comment["id"]), False
    made = gh.create_comment(number, text)
    return int(made["id"]), True
