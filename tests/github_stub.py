"""A local stand-in for the GitHub REST API endpoints the baked project calls.

Implements the documented contract of:
  GET/POST  /repos/{owner}/{repo}/pulls          (list with head=owner:branch, base, state; create)
  PATCH     /repos/{owner}/{repo}/pulls/{number}
  POST      /repos/{owner}/{repo}/issues/{number}/labels
  GET       /repos/{owner}/{repo}/labels/{name}    POST /repos/{owner}/{repo}/labels  (create a label)
  GET/POST  /repos/{owner}/{repo}/issues/{number}/comments
  PATCH     /repos/{owner}/{repo}/issues/comments/{id}
  GET/POST  /repos/{owner}/{repo}/issues          (list with labels=a,b, state=open|closed|all, pull requests
                                                   included with a "pull_request" key, newest first; create)
  PATCH     /repos/{owner}/{repo}/issues/{number} (title, body, state)
  PUT       /repos/{owner}/{repo}/actions/workflows/{workflow_id}/enable   (204 No Content)
  GET       /repos/{owner}/{repo}                  (private, visibility, default_branch)
  POST      /repos/{owner}/{repo}/dispatches       (204; each event starts one workflow run, event repository_dispatch)
  GET       /repos/{owner}/{repo}/actions/runs     (event=, created=>=ISO-8601; {"total_count", "workflow_runs"})
with per_page/page pagination, 401 without a token, 422 for a second open pull
request on the same head/base and for bodies over 65,536 characters (GitHub's
documented behaviour). Every request is recorded for the tests to assert on.

Permissions: ``permissions[token]`` (e.g. ``{"contents": "write", "pull-requests": "write"}``, what a job's
``permissions:`` block grants its GITHUB_TOKEN) limits what that token may do; a token not listed may do
anything. Under act each job's ``github.token`` is a token of its own holding that job's ``permissions:``
block (act_harness.act_readable), so every scenario runs under this contract. Rules, per endpoint, from
GitHub's REST reference ("Fine-grained access tokens for ..."):
- Create and update a pull request (docs.github.com/rest/pulls/pulls#create-a-pull-request,
  #update-a-pull-request): Pull requests, write.
- Update an issue (docs.github.com/rest/issues/issues#update-an-issue): Issues, write.
- Create a label (docs.github.com/rest/issues/labels#create-a-label): Issues or Pull requests, write.
- Add labels to an issue (docs.github.com/rest/issues/labels#add-labels-to-an-issue): Issues or Pull
  requests, write; a label the repository does not have yet is created on the fly only for a token with
  Issues write, otherwise the call is refused (issue 19 item 1, found against github.com).
- Enable a workflow (docs.github.com/rest/actions/workflows#enable-a-workflow): Actions, write (a job's
  ``actions: write``); the keepalive's call is refused without it.
- Get a repository (docs.github.com/rest/repos/repos#get-a-repository): Metadata, read, which every token has.
- Create a repository dispatch event (docs.github.com/rest/repos/repos#create-a-repository-dispatch-event):
  Contents, write.
- List workflow runs for a repository (docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-repository):
  Actions, read (a job's ``actions: read``; a token with only ``contents: write`` is refused).
A new repository starts with GitHub's default labels only (docs.github.com, "Managing labels").
Tokens: ``expired`` holds tokens GitHub refuses with 401 "Bad credentials" (troubleshooting the REST API), as
it refuses an App installation token an hour after it was minted.

Faults are injected per test with ``fail(method, path_regex, *faults)``: each matching
request takes the next fault, in order, and later requests are served normally. A fault
is an HTTP status (answered before anything changes, e.g. ``502``), a ``Fault`` with
headers and a body (a secondary rate limit: ``Fault(403, {"Retry-After": "1"})``), a
``Fault(502, applied=True)`` (the change IS made, then the answer is lost), or
``Fault(delay=2.0)`` (a slow answer: it sleeps that long, then answers normally).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

MAX_BODY = 65_536


# What GitHub puts in every new repository ("Managing labels": default labels).
DEFAULT_LABELS = (
    "bug", "documentation", "duplicate", "enhancement", "good first issue", "help wanted", "invalid",
    "question", "wontfix",
)


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    authorization: str


@dataclass(frozen=True)
class Fault:
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    applied: bool = False  # make the change, then answer ``status`` anyway (a lost success)
    delay: float = 0.0  # seconds to wait before answering


@dataclass
class State:
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    enabled_workflows: list[str] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)  # workflow runs, oldest first
    private: bool = False  # the repository's visibility, as GET /repos/{owner}/{repo} reports it
    default_branch: str = "main"
    labels: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {name: {"name": name, "color": "ededed", "description": ""} for name in DEFAULT_LABELS}
    )
    permissions: dict[str, dict[str, str]] = field(default_factory=dict)
    expired: set[str] = field(default_factory=set)  # tokens GitHub no longer accepts (an App token after 1 h)
    requests: list[Recorded] = field(default_factory=list)
    next_number: int = 1
    next_comment: int = 1000
    faults: list[tuple[str, re.Pattern[str], deque[Fault]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class GitHubStub:
    """Start with ``with GitHubStub() as gh:``; ``gh.url`` is the API base URL."""

    def __init__(self, owner: str = "acme", repo: str = "churn-retrain", host: str = "127.0.0.1") -> None:
        self.owner, self.repo = owner, repo
        self.token = ""  # the token of the request being routed (under the state lock)
        self.state = State()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _handle(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    self._send(400, {"message": "Problems parsing JSON"})
                    return
                auth = self.headers.get("Authorization", "")
                with stub.state.lock:
                    stub.state.requests.append(Recorded(method, parts.path, query, body, auth))
                    fault = stub._next_fault(method, parts.path)
                if fault is not None and fault.delay:
                    time.sleep(fault.delay)
                with stub.state.lock:
                    if not re.match(r"^(Bearer|token) \S+$", auth):
                        self._send(401, {"message": "Requires authentication"})
                        return
                    if fault is not None and fault.status is not None and not fault.applied:
                        self._send(fault.status, fault.body or {"message": "injected fault"}, fault.headers)
                        return
                    if auth.split(" ", 1)[1] in stub.state.expired:
                        # docs.github.com/rest/using-the-rest-api/troubleshooting-the-rest-api: "401 Bad
                        # credentials" for a token that is invalid, expired or revoked (an App installation
                        # token expires one hour after it was minted)
                        self._send(401, {"message": "Bad credentials", "status": "401"})
                        return
                    stub.token = auth.split(" ", 1)[1]
                    status, payload = stub.route(method, parts.path, query, body)
                if fault is not None and fault.status is not None:  # applied: the change stands, the answer is lost
                    status, payload = fault.status, fault.body or {"message": "injected fault"}
                self._send(status, payload, fault.headers if fault is not None else None)

            def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
                if status == 204:  # No Content: no body, no content type
                    self.send_response(status)
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    return
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (a slow fault)
                    pass

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_PATCH(self) -> None:
                self._handle("PATCH")

            def do_PUT(self) -> None:
                self._handle("PUT")

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # lifecycle
    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # fault injection
    def fail(self, method: str, pattern: str, *faults: int | Fault) -> None:
        """The next requests matching ``method`` and the path regex get these faults, in order."""
        queue = deque(f if isinstance(f, Fault) else Fault(status=f) for f in faults)
        with self.state.lock:
            self.state.faults.append((method, re.compile(pattern), queue))

    def _next_fault(self, method: str, path: str) -> Fault | None:
        for wanted, pattern, queue in self.state.faults:
            if queue and wanted == method and pattern.fullmatch(path):
                return queue.popleft()
        return None

    # views for assertions
    @property
    def requests(self) -> list[Recorded]:
        return list(self.state.requests)

    def calls(self, method: str, pattern: str) -> list[Recorded]:
        return [r for r in self.state.requests if r.method == method and re.fullmatch(pattern, r.path)]

    @property
    def pulls(self) -> list[dict[str, Any]]:
        return [self.state.pulls[n] for n in sorted(self.state.pulls)]

    @property
    def issues(self) -> list[dict[str, Any]]:
        return [self.state.issues[n] for n in sorted(self.state.issues)]

    @property
    def runs(self) -> list[dict[str, Any]]:
        return list(self.state.runs)

    def comments_on(self, number: int) -> list[dict[str, Any]]:
        return [c for c in self.state.comments.values() if c["issue_number"] == number]

    # routing
    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        prefix = f"/repos/{self.owner}/{self.repo}"
        if path == prefix:
            return self.get_repository() if method == "GET" else (405, {})
        if not path.startswith(prefix + "/"):
            return 404, {"message": "Not Found"}
        rest = path[len(prefix) :]
        if rest == "/pulls":
            return (
                self.list_pulls(query) if method == "GET" else self.create_pull(body) if method == "POST" else (405, {})
            )
        if m := re.fullmatch(r"/pulls/(\d+)", rest):
            return self.update_pull(int(m.group(1)), body) if method == "PATCH" else (405, {})
        if m := re.fullmatch(r"/labels/([^/]+)", rest):
            return self.get_label(unquote(m.group(1))) if method == "GET" else (405, {})
        if rest == "/labels":
            return self.create_label(body) if method == "POST" else (405, {})
        if m := re.fullmatch(r"/issues/(\d+)/labels", rest):
            return self.add_labels(int(m.group(1)), body) if method == "POST" else (405, {})
        if m := re.fullmatch(r"/issues/(\d+)/comments", rest):
            number = int(m.group(1))
            if method == "GET":
                return self.list_comments(number, query)
            return self.create_comment(number, body) if method == "POST" else (405, {})
        if m := re.fullmatch(r"/issues/comments/(\d+)", rest):
            return self.update_comment(int(m.group(1)), body) if method == "PATCH" else (405, {})
        if rest == "/issues":
            if method == "GET":
                return self.list_issues(query)
            return self.create_issue(body) if method == "POST" else (405, {})
        if m := re.fullmatch(r"/issues/(\d+)", rest):
            return self.update_issue(int(m.group(1)), body) if method == "PATCH" else (405, {})
        if rest == "/dispatches":
            return self.create_dispatch(body) if method == "POST" else (405, {})
        if rest == "/actions/runs":
            return self.list_runs(query) if method == "GET" else (405, {})
        if m := re.fullmatch(r"/actions/workflows/([^/]+)/enable", rest):
            return self.enable_workflow(m.group(1)) if method == "PUT" else (405, {})
        return 404, {"message": "Not Found"}

    @staticmethod
    def _page(items: list[Any], query: dict[str, str]) -> list[Any]:
        per_page = min(int(query.get("per_page", 30)), 100)
        page = max(int(query.get("page", 1)), 1)
        return items[(page - 1) * per_page : page * per_page]

    def _too_long(self, body: Any, key: str) -> bool:
        return isinstance(body, dict) and len(str(body.get(key) or "")) > MAX_BODY

    def _invalid(self, message: str) -> tuple[int, Any]:
        return 422, {"message": "Validation Failed", "errors": [{"message": message}]}

    def list_pulls(self, query: dict[str, str]) -> tuple[int, Any]:
        state = query.get("state", "open")
        found = []
        for pr in self.pulls:
            if state != "all" and pr["state"] != state:
                continue
            if "head" in query and pr["head"]["label"] != query["head"]:
                continue
            if "base" in query and pr["base"]["ref"] != query["base"]:
                continue
            found.append(pr)
        return 200, self._page(found, query)

    def create_pull(self, body: Any) -> tuple[int, Any]:
        if not self._may_write("pull-requests"):  # Create a pull request: Pull requests, write
            return self._forbidden()
        if not isinstance(body, dict) or not all(body.get(k) for k in ("title", "head", "base")):
            return self._invalid("title, head and base are required")
        if self._too_long(body, "body"):
            return self._invalid("body is too long (maximum is 65536 characters)")
        head = body["head"] if ":" in body["head"] else f"{self.owner}:{body['head']}"
        for pr in self.pulls:
            if pr["state"] == "open" and pr["head"]["label"] == head and pr["base"]["ref"] == body["base"]:
                return self._invalid(f"A pull request already exists for {head}.")
        number = self.state.next_number
        self.state.next_number += 1
        pr = {
            "number": number,
            "state": "open",
            "title": body["title"],
            "body": body.get("body") or "",
            "html_url": f"https://github.example/{self.owner}/{self.repo}/pull/{number}",
            "head": {"ref": head.split(":", 1)[1], "label": head},
            "base": {"ref": body["base"]},
            "labels": [],
        }
        self.state.pulls[number] = pr
        return 201, pr

    def update_pull(self, number: int, body: Any) -> tuple[int, Any]:
        if not self._may_write("pull-requests"):  # Update a pull request: Pull requests, write
            return self._forbidden()
        pr = self.state.pulls.get(number)
        if pr is None:
            return 404, {"message": "Not Found"}
        if self._too_long(body, "body"):
            return self._invalid("body is too long (maximum is 65536 characters)")
        for key in ("title", "body", "state"):
            if key in (body or {}):
                pr[key] = body[key]
        return 200, pr

    @property
    def permissions(self) -> dict[str, dict[str, str]]:
        return self.state.permissions

    @property
    def labels(self) -> dict[str, dict[str, Any]]:
        return self.state.labels

    def _may_write(self, *scopes: str) -> bool:
        granted = self.state.permissions.get(self.token)
        return granted is None or any(granted.get(scope) == "write" for scope in scopes)

    def _may_read(self, scope: str) -> bool:
        granted = self.state.permissions.get(self.token)
        return granted is None or granted.get(scope) in ("read", "write")

    @staticmethod
    def _forbidden() -> tuple[int, Any]:
        return 403, {"message": "Resource not accessible by integration", "status": "403"}

    def get_label(self, name: str) -> tuple[int, Any]:
        label = self.state.labels.get(name)
        return (200, label) if label is not None else (404, {"message": "Not Found"})

    def create_label(self, body: Any) -> tuple[int, Any]:
        if not self._may_write("issues", "pull-requests"):
            return self._forbidden()
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not name:
            return self._invalid("name is required")
        if name in self.state.labels:
            return 422, {"message": "Validation Failed", "errors": [{"resource": "Label", "code": "already_exists"}]}
        label = {"name": name, "color": body.get("color", "ededed"), "description": body.get("description", "")}
        self.state.labels[name] = label
        return 201, label

    def add_labels(self, number: int, body: Any) -> tuple[int, Any]:
        pr = self.state.pulls.get(number)
        if pr is None:
            return 404, {"message": "Not Found"}
        if not self._may_write("issues", "pull-requests"):
            return self._forbidden()
        labels = body.get("labels") if isinstance(body, dict) else None
        if not isinstance(labels, list) or not labels:
            return self._invalid("labels must be a non-empty array")
        if any(name not in self.state.labels for name in labels) and not self._may_write("issues"):
            return self._forbidden()  # a missing label is created on the fly only with Issues write
        for name in labels:
            self.state.labels.setdefault(name, {"name": name, "color": "ededed", "description": ""})
            if name not in [lab["name"] for lab in pr["labels"]]:
                pr["labels"].append({"name": name})
        return 200, pr["labels"]

    def list_comments(self, number: int, query: dict[str, str]) -> tuple[int, Any]:
        return 200, self._page(sorted(self.comments_on(number), key=lambda c: c["id"]), query)

    def create_comment(self, number: int, body: Any) -> tuple[int, Any]:
        if number not in self.state.pulls:
            return 404, {"message": "Not Found"}
        if not isinstance(body, dict) or not body.get("body"):
            return self._invalid("body is required")
        if self._too_long(body, "body"):
            return self._invalid("body is too long (maximum is 65536 characters)")
        cid = self.state.next_comment
        self.state.next_comment += 1
        comment = {"id": cid, "issue_number": number, "body": body["body"]}
        self.state.comments[cid] = comment
        return 201, comment

    def update_comment(self, cid: int, body: Any) -> tuple[int, Any]:
        comment = self.state.comments.get(cid)
        if comment is None:
            return 404, {"message": "Not Found"}
        if self._too_long(body, "body"):
            return self._invalid("body is too long (maximum is 65536 characters)")
        comment["body"] = body["body"]
        return 200, comment

    # --- issues (GitHub: issues and pull requests share one number sequence; GET /issues lists both) ---
    def _issue_view(self, number: int) -> dict[str, Any]:
        if number in self.state.pulls:
            pr = self.state.pulls[number]
            return {**pr, "pull_request": {"url": f"{self.url}/repos/{self.owner}/{self.repo}/pulls/{number}"}}
        return self.state.issues[number]

    def list_issues(self, query: dict[str, str]) -> tuple[int, Any]:
        state = query.get("state", "open")
        if state not in ("open", "closed", "all"):
            return self._invalid("state must be open, closed or all")
        wanted = [name for name in query.get("labels", "").split(",") if name]
        found = []
        for number in sorted({*self.state.issues, *self.state.pulls}, reverse=True):  # default sort: newest first
            item = self._issue_view(number)
            if state != "all" and item["state"] != state:
                continue
            names = {lab["name"] for lab in item.get("labels", [])}
            if any(name not in names for name in wanted):
                continue
            found.append(item)
        return 200, self._page(found, query)

    def create_issue(self, body: Any) -> tuple[int, Any]:
        if not self._may_write("issues"):  # Create an issue: Issues, write
            return self._forbidden()
        if not isinstance(body, dict) or not body.get("title"):
            return self._invalid("title is required")
        for name in body.get("labels") or []:  # with Issues write a missing label is created
            self.state.labels.setdefault(str(name), {"name": str(name), "color": "ededed", "description": ""})
        if self._too_long(body, "body"):
            return self._invalid("body is too long (maximum is 65536 characters)")
        number = self.state.next_number
        self.state.next_number += 1
        issue = {
            "number": number,
            "state": "open",
            "title": body["title"],
            "body": body.get("body") or "",
            "html_url": f"https://github.example/{self.owner}/{self.repo}/issues/{number}",
            "labels": [{"name": str(name)} for name in body.get("labels") or []],
        }
        self.state.issues[number] = issue
        return 201, issue

    def update_issue(self, number: int, body: Any) -> tuple[int, Any]:
        if not self._may_write("issues"):  # Update an issue: Issues, write
            return self._forbidden()
        issue = self.state.issues.get(number)
        if issue is None:
            return 404, {"message": "Not Found"}
        if self._too_long(body, "body"):
            return self._invalid("body is too long (maximum is 65536 characters)")
        if (body or {}).get("state") not in (None, "open", "closed"):
            return self._invalid("state must be open or closed")
        for key in ("title", "body", "state"):
            if key in (body or {}):
                issue[key] = body[key]
        return 200, issue

    def get_repository(self) -> tuple[int, Any]:
        visibility = "private" if self.state.private else "public"
        full = f"{self.owner}/{self.repo}"
        return 200, {"full_name": full, "private": self.state.private, "visibility": visibility,
                     "default_branch": self.state.default_branch}

    def enable_workflow(self, workflow: str) -> tuple[int, Any]:
        if not re.fullmatch(r"\d+|[\w.-]+\.ya?ml", workflow):
            return 404, {"message": "Not Found"}
        if not self._may_write("actions"):
            return self._forbidden()
        self.state.enabled_workflows.append(workflow)
        return 204, None

    # --- events and workflow runs ---
    def create_dispatch(self, body: Any) -> tuple[int, Any]:
        if not self._may_write("contents"):  # Create a repository dispatch event: Contents, write
            return self._forbidden()
        if not isinstance(body, dict) or not isinstance(body.get("event_type"), str) or not body["event_type"]:
            return self._invalid("event_type is required")
        run_id = 9000 + len(self.state.runs)
        self.state.runs.append(
            {
                "id": run_id,
                "name": "retrain",
                "event": "repository_dispatch",
                "status": "queued",
                "display_title": "retrain",
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "html_url": f"https://github.example/{self.owner}/{self.repo}/actions/runs/{run_id}",
            }
        )
        return 204, None

    def list_runs(self, query: dict[str, str]) -> tuple[int, Any]:
        if not self._may_read("actions"):  # List workflow runs for a repository: Actions, read
            return self._forbidden()
        found = [run for run in reversed(self.state.runs) if query.get("event", run["event"]) == run["event"]]
        created = query.get("created", "")
        if created:
            if not re.fullmatch(r">=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created):
                return self._invalid(f"created: unsupported filter {created!r} in this stand-in")
            found = [run for run in found if run["created_at"] >= created[2:]]  # ISO-8601 UTC sorts as text
        return 200, {"total_count": len(found), "workflow_runs": self._page(found, query)}
