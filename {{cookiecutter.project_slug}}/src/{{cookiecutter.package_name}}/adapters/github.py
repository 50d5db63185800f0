"""A small client for the GitHub REST endpoints the workflows need (stdlib only).

The base URL is ``$GITHUB_API_URL`` (GitHub Enterprise sets it; default
https://api.github.com), the repository ``$GITHUB_REPOSITORY`` and the token
``$GITHUB_TOKEN``. Only documented endpoints are used:

- pulls: list (``GET /repos/{o}/{r}/pulls?head=owner:branch``), create (POST), update (PATCH)
- labels: ``GET /repos/{o}/{r}/labels/{name}``, create (``POST /repos/{o}/{r}/labels``),
  ``POST /repos/{o}/{r}/issues/{n}/labels``
- issue comments: list, create, ``PATCH /repos/{o}/{r}/issues/comments/{id}``
- issues: ``GET /repos/{o}/{r}/issues?labels=…&state=all``, create (POST), ``PATCH /repos/{o}/{r}/issues/{n}``
- repository: ``GET /repos/{o}/{r}`` (visibility and default branch, for the keepalive)
- workflows: ``PUT /repos/{o}/{r}/actions/workflows/{id}/enable`` (keepalive; ``actions: write``)
- events: ``POST /repos/{o}/{r}/dispatches`` (``contents: write``); after a lost answer
  ``GET /repos/{o}/{r}/actions/runs?event=repository_dispatch`` (``actions: read``)

Everything here is idempotent: a pull request for a head branch is found and
updated rather than opened twice; a sticky comment is found by a hidden marker
and edited in place.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
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


# 401 "Bad credentials": the token is wrong, expired or revoked. A stored App installation token is the
# likely one: it expires an hour after it was minted (docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api).
TOKEN_REFUSED = (
    " (GitHub refused the token: wrong, expired or revoked. A GitHub App installation token expires after an "
    "hour: set the variable PROMOTION_APP_CLIENT_ID and the secret PROMOTION_APP_PRIVATE_KEY so that each job "
    "mints its own, or store a fine-grained PAT)"
)


def _permission_hint(path: str) -> str:
    """What a 403 on a write most likely lacks, by endpoint (the job's ``permissions:`` block names them)."""
    if path.endswith("/dispatches"):
        return " (does the token have contents: write on the repository?)"
    if "/actions/workflows/" in path:
        return " (does the token have actions: write?)"
    if re.search(r"/issues(/\d+)?$", path):  # opening or editing an issue (the model-health issue)
        return " (does the token have issues: write? the job's permissions block must grant it)"
    return (
        " (does the token have contents/pull-requests write, and is 'Allow GitHub Actions to "
        "create and approve pull requests' enabled in the repository settings?)"
    )


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


# Network defaults; each can be set in the environment of the step (README, "GitHub API").
DEFAULT_TIMEOUT = 30.0  # GITHUB_API_TIMEOUT: seconds to wait for an answer to one request
DEFAULT_RETRIES = 4  # GITHUB_API_RETRIES: extra attempts after a 5xx, a timeout, a lost connection or a rate limit
DEFAULT_BACKOFF = 2.0  # GITHUB_API_BACKOFF: first wait in seconds, doubled after each failed attempt
DEFAULT_MAX_WAIT = 60.0  # GITHUB_API_MAX_WAIT: longest single wait; a rate limit asking for more fails at once
RETRY_STATUS = frozenset({500, 502, 503, 504})
# After a lost dispatch answer: how the delivered event's workflow run is looked for (GitHub.dispatch).
DISPATCH_CLOCK_MARGIN = 10.0  # seconds before the first attempt that a run may be dated (clock skew)
DISPATCH_LOOKS = 3  # looks at the run list before concluding the event was not delivered
DISPATCH_SETTLE = 5.0  # seconds between looks: a run appears a few seconds after its event


def _env_number(env: dict[str, str], name: str, default: float, kind: type = float) -> Any:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise GitHubError(f"{name} must be a {'whole ' if kind is int else ''}number, got {text!r}") from None
    if value < 0:
        raise GitHubError(f"{name} must not be negative, got {text!r}")
    return value


@dataclass(frozen=True)
class GitHub:
    api_url: str
    repository: str
    token: str = field(repr=False)
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    backoff: float = DEFAULT_BACKOFF
    max_wait: float = DEFAULT_MAX_WAIT
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)

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
        timeout = _env_number(env, "GITHUB_API_TIMEOUT", DEFAULT_TIMEOUT)
        if timeout == 0:
            raise GitHubError("GITHUB_API_TIMEOUT must be more than 0 seconds")
        return cls(
            api,
            repository,
            token,
            timeout=timeout,
            retries=_env_number(env, "GITHUB_API_RETRIES", DEFAULT_RETRIES, int),
            backoff=_env_number(env, "GITHUB_API_BACKOFF", DEFAULT_BACKOFF),
            max_wait=_env_number(env, "GITHUB_API_MAX_WAIT", DEFAULT_MAX_WAIT),
        )

    @property
    def owner(self) -> str:
        return self.repository.split("/", 1)[0]

    def _rate_limit_wait(self, status: int, headers: Any, detail: str) -> float | None:
        """Seconds GitHub asks us to wait (secondary or primary rate limit), or None if this is no rate limit."""
        if status not in (403, 429):
            return None
        retry_after = (headers.get("Retry-After") or "").strip() if headers else ""
        if retry_after:
            with contextlib.suppress(ValueError):
                return max(0.0, float(retry_after))
        if headers and headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset"):
            with contextlib.suppress(ValueError):
                return max(0.0, float(headers["x-ratelimit-reset"]) - time.time()) + 1.0
        if "rate limit" in detail.lower():
            return max(60.0, self.backoff)  # GitHub: without headers, wait at least a minute
        return None

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: dict[str, Any] | None = None,
        *,
        already_done: Callable[[], Any] | None = None,
    ) -> Any:
        """One API call with bounded retries.

        5xx answers, timeouts and lost connections are retried ``retries`` times with exponential
        backoff; a rate limit is retried after the wait GitHub asks for (``Retry-After`` or
        ``x-ratelimit-reset``) when it is at most ``max_wait``. ``already_done`` is asked before a
        request that creates something is sent again after an answer that may hide a success (a 5xx,
        a timeout, a lost connection; not a rate limit, which changed nothing), and its answer (not
        None) is returned instead of creating a duplicate.
        """
        url = f"{self.api_url}{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = json.dumps(body).encode() if body is not None else None
        attempts = self.retries + 1
        maybe_done = False  # an earlier attempt may have succeeded without our hearing of it
        for attempt in range(1, attempts + 1):
            if maybe_done and already_done is not None:
                found = already_done()
                if found is not None:
                    return found
            req = urllib.request.Request(url, data=data, method=method)
            req.add_header("Accept", "application/vnd.github+json")
            req.add_header("Authorization", f"Bearer {self.token}")
            req.add_header("X-GitHub-Api-Version", API_VERSION)
            req.add_header("User-Agent", "cookiecutter-retrain")
            if data is not None:
                req.add_header("Content-Type", "application/json")
            backoff = min(self.max_wait, self.backoff * 2 ** (attempt - 1))
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as response:
                    raw = response.read()
                return json.loads(raw) if raw else None
            except urllib.error.HTTPError as exc:
                detail = exc.read().decode(errors="replace")[:500]
                with contextlib.suppress(ValueError, AttributeError, TypeError):
                    payload = json.loads(detail)
                    errors = [str(e.get("message") or e) for e in payload.get("errors") or [] if isinstance(e, dict)]
                    detail = "; ".join([str(payload.get("message", detail)), *errors])
                failure = f"{method} {path}: HTTP {exc.code}: {detail}"
                limited = self._rate_limit_wait(exc.code, exc.headers, detail)
                if limited is not None:
                    if limited > self.max_wait:
                        raise GitHubError(
                            f"{failure} (rate limited: GitHub asks to wait {limited:.0f} s, more than "
                            f"GITHUB_API_MAX_WAIT={self.max_wait:g}; re-run later)",
                            exc.code,
                        ) from None
                    wait = limited
                elif exc.code in RETRY_STATUS:
                    wait, maybe_done = backoff, True
                else:
                    hint = _permission_hint(path) if exc.code == 403 and method != "GET" else ""
                    if exc.code == 401:
                        hint = TOKEN_REFUSED
                    raise GitHubError(f"{failure}{hint}", exc.code) from None
                status: int | None = exc.code
            except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
                reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
                if isinstance(reason, TimeoutError):
                    failure = (
                        f"{method} {path}: no answer from {self.api_url} within {self.timeout:g} s (GITHUB_API_TIMEOUT)"
                    )
                else:
                    failure = f"{method} {url}: cannot reach the GitHub API: {reason}"
                wait, status, maybe_done = backoff, None, True
            if attempt == attempts:
                tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
                raise GitHubError(f"{failure}; gave up after {tries} (GITHUB_API_RETRIES={self.retries})", status)
            print(f"github: {failure}; retry {attempt}/{self.retries} in {wait:g} s", file=sys.stderr)
            self.sleep(wait)
        raise AssertionError("unreachable")

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

    # events (docs.github.com/rest/repos/repos#create-a-repository-dispatch-event: "Contents" write)
    def dispatch(self, event_type: str, client_payload: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """``POST /repos/{o}/{r}/dispatches``: start the workflows listening to ``repository_dispatch``.

        GitHub answers 204 with no body; the token needs *Contents* write on the repository. Returns
        None when GitHub accepted the event, or the workflow run found after a lost answer.

        A 5xx or a timeout may hide a delivered event (the runs started, the 204 was lost), and GitHub
        gives a dispatch no id to look up. So before sending again the client lists the
        ``repository_dispatch`` runs created since the first attempt
        (docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-repository, *Actions*
        read): one found means delivered. Runs appear a few seconds after the event, so an empty list
        is looked at again (``DISPATCH_LOOKS``). The window starts ``DISPATCH_CLOCK_MARGIN`` seconds
        early against clock skew; a run another sender started in that window, or concurrently,
        counts as this one: two "new data" events seconds apart are one retrain either way. When the
        list is refused (a token without ``actions: read``) or fails, nothing is sent again: the
        error says delivery is unknown, since a second event would start a second retrain.
        """
        path = self._repo("/dispatches")
        body = {"event_type": event_type, "client_payload": client_payload or {}}
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - DISPATCH_CLOCK_MARGIN))
        query = {"event": "repository_dispatch", "created": f">={since}", "per_page": 1}

        def delivered() -> dict[str, Any] | None:
            for look in range(DISPATCH_LOOKS):
                if look:
                    self.sleep(DISPATCH_SETTLE)
                try:
                    found = self.request("GET", self._repo("/actions/runs"), query=query)
                except GitHubError as exc:
                    raise GitHubError(
                        f"POST {path}: the answer was lost and listing workflow runs failed ({exc}), so this cannot "
                        f"tell whether the '{event_type}' event was delivered; not sent again (a second event would "
                        "start a second retrain): look for a repository_dispatch run in the Actions tab and send it "
                        "again only if there is none (listing runs needs actions: read)",
                        exc.status,
                    ) from None
                runs = found.get("workflow_runs") if isinstance(found, dict) else None
                if runs:
                    return dict(runs[0])
            return None

        result = self.request("POST", path, body, already_done=delivered)
        return result if isinstance(result, dict) else None

    # pulls
    def find_pulls(self, branch: str, base: str | None = None, state: str = "open") -> list[dict[str, Any]]:
        query: dict[str, Any] = {"head": f"{self.owner}:{branch}", "state": state}
        if base:
            query["base"] = base
        return self._paged(self._repo("/pulls"), query)

    def create_pull(self, branch: str, base: str, title: str, body: str) -> dict[str, Any]:
        payload = {"title": title, "head": branch, "base": base, "body": body, "maintainer_can_modify": True}

        def opened() -> dict[str, Any] | None:  # a 5xx may hide a success: never open a second one
            found = self.find_pulls(branch, base)
            return min(found, key=lambda p: int(p["number"])) if found else None

        return self.request("POST", self._repo("/pulls"), payload, already_done=opened)

    def update_pull(self, number: int, title: str, body: str) -> dict[str, Any]:
        return self.request("PATCH", self._repo(f"/pulls/{number}"), {"title": title, "body": body})

    def add_labels(self, number: int, labels: list[str]) -> Any:
        return self.request("POST", self._repo(f"/issues/{number}/labels"), {"labels": labels})

    # labels
    def label(self, name: str) -> dict[str, Any] | None:
        """``GET /repos/{o}/{r}/labels/{name}``; None when the repository has no such label."""
        try:
            found: dict[str, Any] = self.request("GET", self._repo(f"/labels/{urllib.parse.quote(name, safe='')}"))
        except GitHubError as exc:
            if exc.status == 404:
                return None
            raise
        return found

    def ensure_label(self, name: str) -> None:
        """Create ``name`` in the repository unless it exists (``POST /repos/{o}/{r}/labels``).

        GitHub creates a missing label while adding it only for a token with Issues write; the jobs
        that open pull requests grant Pull requests write, which "Create a label" accepts (REST
        reference, fine-grained permissions). A label created meanwhile (422 already_exists) is fine.
        """
        if self.label(name) is not None:
            return
        color, description = LABELS.get(name, ("ededed", ""))
        try:
            self.request("POST", self._repo("/labels"), {"name": name, "color": color, "description": description})
        except GitHubError as exc:
            if exc.status != 422 or "already_exists" not in str(exc):
                raise

    # issue comments
    def list_comments(self, number: int) -> list[dict[str, Any]]:
        return self._paged(self._repo(f"/issues/{number}/comments"), {})

    def create_comment(self, number: int, body: str, marker: str | None = None) -> dict[str, Any]:
        def posted() -> dict[str, Any] | None:  # a 5xx may hide a success: never post the sticky comment twice
            if marker is None:
                return None
            return next((c for c in self.list_comments(number) if marker in str(c.get("body") or "")), None)

        return self.request("POST", self._repo(f"/issues/{number}/comments"), {"body": body}, already_done=posted)

    def update_comment(self, comment_id: int, body: str) -> dict[str, Any]:
        return self.request("PATCH", self._repo(f"/issues/comments/{comment_id}"), {"body": body})

    # issues (GET /repos/{o}/{r}/issues lists pull requests too: they carry a "pull_request" key)
    def find_issues(self, label: str, state: str = "all") -> list[dict[str, Any]]:
        items = self._paged(self._repo("/issues"), {"labels": label, "state": state})
        return [i for i in items if "pull_request" not in i]

    def create_issue(self, title: str, body: str, labels: list[str], marker: str | None = None) -> dict[str, Any]:
        def opened() -> dict[str, Any] | None:  # a 5xx may hide a success: never open the marked issue twice
            if marker is None or not labels:
                return None
            return next((i for i in self.find_issues(labels[0]) if marker in str(i.get("body") or "")), None)

        payload = {"title": title, "body": body, "labels": labels}
        return self.request("POST", self._repo("/issues"), payload, already_done=opened)

    def update_issue(self, number: int, **fields: Any) -> dict[str, Any]:
        return self.request("PATCH", self._repo(f"/issues/{number}"), fields)

    # repository (docs.github.com/rest/repos/repos#get-a-repository: "Metadata" read, every token has it)
    def repository_info(self) -> dict[str, Any]:
        info = self.request("GET", self._repo(""))
        if not isinstance(info, dict):
            raise GitHubError(f"GET {self._repo('')}: expected a repository object")
        return info

    # docs.github.com/rest/actions/permissions#get-default-workflow-permissions-for-a-repository:
    # "Administration" read, which no workflow GITHUB_TOKEN has (a PAT or an App may)
    def workflow_permissions(self) -> dict[str, Any]:
        """``default_workflow_permissions`` and ``can_approve_pull_request_reviews`` (the setting "Allow GitHub
        Actions to create and approve pull requests")."""
        found = self.request("GET", self._repo("/actions/permissions/workflow"))
        if not isinstance(found, dict):
            raise GitHubError(f"GET {self._repo('/actions/permissions/workflow')}: expected an object")
        return found

    # docs.github.com/rest/repos/rules#get-rules-for-a-branch and
    # docs.github.com/rest/branches/branches#get-a-branch: "Metadata" read, which every token has
    def required_checks(self, branch: str) -> set[str]:
        """The status checks a merge into ``branch`` requires: from rulesets and from classic branch protection."""
        quoted = urllib.parse.quote(branch, safe="")
        required: set[str] = set()
        for rule in self._paged(self._repo(f"/rules/branches/{quoted}"), {}):
            if isinstance(rule, dict) and rule.get("type") == "required_status_checks":
                checks = (rule.get("parameters") or {}).get("required_status_checks") or []
                required.update(str(c.get("context")) for c in checks if isinstance(c, dict))
        found = self.request("GET", self._repo(f"/branches/{quoted}"))
        protection = found.get("protection") if isinstance(found, dict) else None
        status = (protection or {}).get("required_status_checks") or {}
        required.update(str(c) for c in status.get("contexts") or [])
        required.update(str(c.get("context")) for c in status.get("checks") or [] if isinstance(c, dict))
        return required

    # actions (docs.github.com/rest/actions/workflows#enable-a-workflow: "Actions" write)
    def enable_workflow(self, workflow: str) -> None:
        """``PUT /repos/{o}/{r}/actions/workflows/{id}/enable`` (``workflow``: file name or numeric id); 204."""
        self.request("PUT", self._repo(f"/actions/workflows/{urllib.parse.quote(workflow)}/enable"))


# The labels the workflows put on pull requests and issues: (color, description) when created.
LABELS = {
    "model-promotion": ("0e8a16", "A retrained model proposed for promotion"),
    "automated": ("c5def5", "Opened by a workflow"),
    "model-rollback": ("d93f0b", "Pins an earlier model again"),
    "template-update": ("5319e7", "Brings in the project template's new version"),
    "model-health": ("fbca04", "The model's health, updated by the workflows"),
}


@dataclass(frozen=True)
class PullResult:
    number: int
    url: str
    created: bool
    label_problem: str | None = None  # labels could not be set: the PR is open, the caller warns


def upsert_pull(
    gh: GitHub, branch: str, base: str, title: str, body: str, *, labels: list[str] | None = None
) -> PullResult:
    """Open a pull request for ``branch`` or update the open one; never a second one."""
    body = truncate_body(body)
    existing = gh.find_pulls(branch, base)
    if existing:
        pr = min(existing, key=lambda p: int(p["number"]))
        pr = gh.update_pull(int(pr["number"]), title, body)
        created = False
    else:
        try:
            pr = gh.create_pull(branch, base, title, body)
            created = True
        except GitHubError as exc:  # opened meanwhile (another run): update that one
            found = gh.find_pulls(branch, base) if exc.status == 422 and "already exists" in str(exc) else []
            if not found:
                raise
            pr = gh.update_pull(int(min(found, key=lambda p: int(p["number"]))["number"]), title, body)
            created = False
    problem = None
    if labels:
        # The pull request is open: a label that cannot be set is a warning for the caller, not a failed job.
        try:
            for name in labels:
                gh.ensure_label(name)
            gh.add_labels(int(pr["number"]), labels)
        except GitHubError as exc:
            problem = f"labels {', '.join(labels)} not set: {exc}"
    return PullResult(int(pr["number"]), str(pr.get("html_url", "")), created, problem)


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
    made = gh.create_comment(number, text, marker=tag)
    return int(made["id"]), True


@dataclass(frozen=True)
class IssueResult:
    number: int
    url: str
    created: bool
    body_before: str


def find_marked_issue(gh: GitHub, marker: str, label: str) -> dict[str, Any] | None:
    """The issue holding ``marker``: the open one if any, else the oldest closed one."""
    tag = marker_line(marker)
    found = [i for i in gh.find_issues(label) if tag in str(i.get("body") or "")]
    if not found:
        return None
    return min(found, key=lambda i: (i.get("state") != "open", int(i["number"])))


def save_issue(gh: GitHub, issue: dict[str, Any] | None, title: str, body: str, label: str, marker: str) -> IssueResult:
    """Edit ``issue`` in place (reopening it if closed) or, when None, open it with ``label``."""
    tag = marker_line(marker)
    text = truncate_body(body if tag in body else f"{tag}\n{body}")
    if issue is None:
        made = gh.create_issue(title, text, [label], marker=tag)
        return IssueResult(int(made["number"]), str(made.get("html_url", "")), True, "")
    fields: dict[str, Any] = {"title": title, "body": text}
    if issue.get("state") != "open":
        fields["state"] = "open"
    updated = gh.update_issue(int(issue["number"]), **fields)
    return IssueResult(int(issue["number"]), str(updated.get("html_url", "")), False, str(issue.get("body") or ""))


def upsert_issue(gh: GitHub, marker: str, title: str, body: str, label: str) -> IssueResult:
    """The one issue holding ``marker``: found and edited in place, or opened; never a second one."""
    return save_issue(gh, find_marked_issue(gh, marker, label), title, body, label, marker)
