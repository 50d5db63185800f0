"""The baked project's GitHub client (github.py) against the local API stand-in."""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from github_stub import MAX_BODY, Fault, GitHubStub

PACKAGE = (
    Path(__file__).resolve().parents[1] / "{{cookiecutter.project_slug}}" / "src" / "{{cookiecutter.package_name}}"
)


def load(name: str) -> ModuleType:
    # github.py and gitops.py use only the standard library and no relative imports.
    spec = importlib.util.spec_from_file_location(f"baked_{name}", PACKAGE / "adapters" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gh_mod = load("github")


@pytest.fixture
def stub() -> GitHubStub:
    with GitHubStub() as server:
        yield server


@pytest.fixture
def client(stub: GitHubStub) -> object:
    env = {"GITHUB_API_URL": stub.url, "GITHUB_REPOSITORY": "acme/churn-retrain", "GITHUB_TOKEN": "t0k"}
    return gh_mod.GitHub.from_env(env)


def test_from_env_requires_repository_and_token() -> None:
    with pytest.raises(gh_mod.GitHubError, match="owner/name"):
        gh_mod.GitHub.from_env({"GITHUB_TOKEN": "x"})
    with pytest.raises(gh_mod.GitHubError, match="no token"):
        gh_mod.GitHub.from_env({"GITHUB_REPOSITORY": "a/b"})
    default = gh_mod.GitHub.from_env({"GITHUB_REPOSITORY": "a/b", "GITHUB_TOKEN": "x"})
    assert default.api_url == "https://api.github.com"


def test_upsert_pull_creates_then_updates(stub: GitHubStub, client: object) -> None:
    first = gh_mod.upsert_pull(client, "promote/m", "main", "Promote m", "body 1", labels=["model-promotion"])
    second = gh_mod.upsert_pull(client, "promote/m", "main", "Promote m again", "body 2", labels=["model-promotion"])
    assert first.created and not second.created
    assert first.number == second.number
    assert len(stub.pulls) == 1
    pr = stub.pulls[0]
    assert pr["body"] == "body 2" and pr["title"] == "Promote m again"
    assert [lab["name"] for lab in pr["labels"]] == ["model-promotion"]
    lists = stub.calls("GET", r"/repos/acme/churn-retrain/pulls")
    assert lists and all(r.query["head"] == "acme:promote/m" and r.query["base"] == "main" for r in lists)
    assert all(r.authorization == "Bearer t0k" for r in stub.requests)
    assert len(stub.calls("POST", r"/repos/acme/churn-retrain/pulls")) == 1
    assert len(stub.calls("PATCH", r"/repos/acme/churn-retrain/pulls/\d+")) == 1


def test_other_branches_do_not_count(stub: GitHubStub, client: object) -> None:
    gh_mod.upsert_pull(client, "promote/a", "main", "A", "a")
    result = gh_mod.upsert_pull(client, "promote/b", "main", "B", "b")
    assert result.created and len(stub.pulls) == 2


def test_long_body_is_truncated_under_the_limit(stub: GitHubStub, client: object) -> None:
    table = "| col | value |\n|---|---|\n" + "".join(f"| column_{i} | {i * 0.001:.6f} |\n" for i in range(5000))
    body = "# Promote\n\n```\n" + "x" * 70_000 + "\n```\n" + table
    result = gh_mod.upsert_pull(client, "promote/m", "main", "T", body)
    stored = stub.pulls[result.number - 1]["body"]
    assert len(stored) <= MAX_BODY
    assert "Truncated" in stored and stored.count("```") % 2 == 0


@pytest.mark.parametrize("size", [0, 10, MAX_BODY - 1, MAX_BODY, MAX_BODY + 1, 3 * MAX_BODY])
def test_truncate_body_sizes(size: int) -> None:
    text = ("line of text\n" * (size // 13 + 1))[:size]
    out = gh_mod.truncate_body(text)
    assert len(out) <= MAX_BODY
    assert (out == text) == (size <= MAX_BODY)


def test_sticky_comment_is_updated_in_place(stub: GitHubStub, client: object) -> None:
    pr = gh_mod.upsert_pull(client, "feature", "main", "F", "f")
    stub.state.comments[1] = {"id": 1, "issue_number": pr.number, "body": "a human comment"}
    cid1, created1 = gh_mod.upsert_comment(client, pr.number, "gate: FAIL", "retrain-gate")
    cid2, created2 = gh_mod.upsert_comment(client, pr.number, "gate: PASS", "retrain-gate")
    assert created1 and not created2 and cid1 == cid2
    bodies = [c["body"] for c in stub.comments_on(pr.number)]
    assert len(bodies) == 2 and "a human comment" in bodies
    sticky = stub.state.comments[cid1]["body"]
    assert sticky.startswith("<!-- retrain-gate -->") and "gate: PASS" in sticky and "FAIL" not in sticky


def test_sticky_comment_found_beyond_the_first_page(stub: GitHubStub, client: object) -> None:
    pr = gh_mod.upsert_pull(client, "feature", "main", "F", "f")
    for i in range(150):
        stub.state.comments[i + 1] = {"id": i + 1, "issue_number": pr.number, "body": f"noise {i}"}
    stub.state.comments[500] = {"id": 500, "issue_number": pr.number, "body": "<!-- retrain-gate -->\nold"}
    cid, created = gh_mod.upsert_comment(client, pr.number, "new", "retrain-gate")
    assert (cid, created) == (500, False)
    pages = [r.query["page"] for r in stub.calls("GET", r".*/issues/\d+/comments")]
    assert pages == ["1", "2"]


def test_errors_name_the_call_and_status(stub: GitHubStub) -> None:
    anonymous = gh_mod.GitHub(stub.url, "acme/churn-retrain", "")
    with pytest.raises(gh_mod.GitHubError, match="HTTP 401"):
        anonymous.find_pulls("x")
    client = gh_mod.GitHub(stub.url, "acme/churn-retrain", "t")
    with pytest.raises(gh_mod.GitHubError, match=r"PATCH .*/pulls/99: HTTP 404"):
        client.update_pull(99, "t", "b")
    unreachable = gh_mod.GitHub("http://127.0.0.1:9", "acme/churn-retrain", "t", timeout=2, retries=0)
    with pytest.raises(gh_mod.GitHubError, match="cannot reach"):
        unreachable.find_pulls("x")


def test_stub_refuses_a_second_open_pull_for_the_same_head(client: object) -> None:
    client.create_pull("promote/m", "main", "A", "a")
    with pytest.raises(gh_mod.GitHubError, match=r"422.*already exists"):
        client.create_pull("promote/m", "main", "B", "b")


def test_git_auth_env_keeps_the_token_off_the_command_line() -> None:
    gitops = sys.modules.get("baked_gitops") or load("gitops")
    env = gitops.auth_env({"GITHUB_TOKEN": "s3cret", "GITHUB_SERVER_URL": "https://ghe.example"})
    assert env["GIT_CONFIG_KEY_0"] == "http.https://ghe.example/.extraheader"
    assert env["GIT_CONFIG_VALUE_0"].startswith("AUTHORIZATION: basic ")
    assert "s3cret" not in env["GIT_CONFIG_VALUE_0"]  # base64, as actions/checkout does
    assert gitops.auth_env({}) == {}


# --- issue 8 item 6: faults of the API (the stand-in injects them per test) ---------------------

PULLS = r"/repos/acme/churn-retrain/pulls"


def make(stub: GitHubStub, waits: list[float], **env: str) -> object:
    base = {"GITHUB_API_URL": stub.url, "GITHUB_REPOSITORY": "acme/churn-retrain", "GITHUB_TOKEN": "t0k"}
    client = gh_mod.GitHub.from_env({**base, **env})
    return dataclasses.replace(client, sleep=waits.append)


def test_502_then_201_opens_exactly_one_pr_with_its_labels(stub: GitHubStub) -> None:
    waits: list[float] = []
    stub.fail("POST", PULLS, 502)
    labels = ["model-promotion", "automated"]
    result = gh_mod.upsert_pull(make(stub, waits), "promote/m", "main", "T", "B", labels=labels)
    assert result.created and len(stub.pulls) == 1
    assert [lab["name"] for lab in stub.pulls[0]["labels"]] == ["model-promotion", "automated"]
    assert len(stub.calls("POST", PULLS)) == 2 and waits == [2.0]


def test_a_lost_success_is_found_not_duplicated(stub: GitHubStub) -> None:
    waits: list[float] = []
    stub.fail("POST", PULLS, Fault(502, applied=True))
    result = gh_mod.upsert_pull(make(stub, waits), "promote/m", "main", "T", "B", labels=["x"])
    assert len(stub.pulls) == 1 and result.number == 1
    assert len(stub.calls("POST", PULLS)) == 1, "the PR was found before a second POST"


def test_backoff_doubles_and_gives_up_with_one_line(stub: GitHubStub) -> None:
    waits: list[float] = []
    stub.fail("GET", PULLS, 503, 503, 503)
    with pytest.raises(gh_mod.GitHubError) as info:
        gh_mod.upsert_pull(make(stub, waits, GITHUB_API_RETRIES="2", GITHUB_API_BACKOFF="0.5"), "b", "main", "T", "B")
    assert waits == [0.5, 1.0]
    assert "HTTP 503" in str(info.value) and "gave up after 3 attempts" in str(info.value)
    assert "\n" not in str(info.value) and stub.pulls == []


def test_slow_answer_times_out_then_retries(stub: GitHubStub) -> None:
    waits: list[float] = []
    stub.fail("GET", PULLS, Fault(delay=1.5))
    result = gh_mod.upsert_pull(make(stub, waits, GITHUB_API_TIMEOUT="0.3"), "b", "main", "T", "B")
    assert result.created and waits == [2.0]


def test_always_slow_is_a_clear_error(stub: GitHubStub) -> None:
    stub.fail("GET", PULLS, *[Fault(delay=1.0)] * 3)
    with pytest.raises(gh_mod.GitHubError, match=r"no answer from .* within 0.3 s .*gave up after 3 attempts"):
        gh_mod.upsert_pull(make(stub, [], GITHUB_API_TIMEOUT="0.3", GITHUB_API_RETRIES="2"), "b", "main", "T", "B")


def test_secondary_rate_limit_waits_what_github_asks(stub: GitHubStub) -> None:
    waits: list[float] = []
    stub.fail("POST", PULLS, Fault(403, {"Retry-After": "3"}, {"message": "You have exceeded a secondary rate limit"}))
    assert gh_mod.upsert_pull(make(stub, waits), "b", "main", "T", "B").created
    assert waits == [3.0]


def test_rate_limit_reset_beyond_max_wait_fails_at_once(stub: GitHubStub) -> None:
    import time

    reset = str(int(time.time()) + 3600)
    stub.fail("GET", PULLS, Fault(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
                                  {"message": "API rate limit exceeded"}))
    waits: list[float] = []
    with pytest.raises(gh_mod.GitHubError, match=r"rate limited: GitHub asks to wait 36\d\d s"):
        gh_mod.upsert_pull(make(stub, waits), "b", "main", "T", "B")
    assert waits == [] and len(stub.requests) == 1


def test_client_errors_are_not_retried(stub: GitHubStub) -> None:
    stub.fail("GET", PULLS, 404)
    with pytest.raises(gh_mod.GitHubError, match="HTTP 404"):
        gh_mod.upsert_pull(make(stub, []), "b", "main", "T", "B")
    assert len(stub.requests) == 1


def test_network_settings_come_from_the_environment_and_the_token_stays_out_of_repr() -> None:
    base = {"GITHUB_REPOSITORY": "a/b", "GITHUB_TOKEN": "s3cret-token"}
    client = gh_mod.GitHub.from_env(base)
    assert (client.timeout, client.retries, client.backoff, client.max_wait) == (30.0, 4, 2.0, 60.0)
    assert "s3cret-token" not in repr(client)
    tuned = gh_mod.GitHub.from_env({**base, "GITHUB_API_TIMEOUT": "5", "GITHUB_API_RETRIES": "1"})
    assert (tuned.timeout, tuned.retries) == (5.0, 1)
    for name, value in (("GITHUB_API_TIMEOUT", "soon"), ("GITHUB_API_RETRIES", "1.5"), ("GITHUB_API_BACKOFF", "-1")):
        with pytest.raises(gh_mod.GitHubError, match=name):
            gh_mod.GitHub.from_env({**base, name: value})


def test_a_lost_issue_create_is_found_not_opened_twice(stub: GitHubStub) -> None:
    """Issue 20 item 3: a 502 after GitHub created the model-health issue opened a second one on the retry
    (the README says "never a second one"). Like PRs and sticky comments, the issue is looked up by its
    marker before the create is sent again."""
    waits: list[float] = []
    stub.fail("POST", "/repos/acme/churn-retrain/issues", Fault(502, applied=True))
    result = gh_mod.upsert_issue(make(stub, waits), "model-health", "Model health", "body", "model-health")
    assert len(stub.issues) == 1 and result.number == stub.issues[0]["number"]
    assert len(stub.calls("POST", "/repos/acme/churn-retrain/issues")) == 1, "found before a second POST"
    # the next run edits that one issue in place
    again = gh_mod.upsert_issue(make(stub, waits), "model-health", "Model health", "body 2", "model-health")
    assert not again.created and again.number == result.number and len(stub.issues) == 1


def test_a_refused_issue_write_names_the_issues_permission(stub: GitHubStub) -> None:
    """Issue 20 item 7: a 403 on the model-health issue pointed at pull-request permissions."""
    stub.fail("POST", "/repos/acme/churn-retrain/issues", 403)
    with pytest.raises(gh_mod.GitHubError) as refused:
        gh_mod.upsert_issue(make(stub, []), "model-health", "Model health", "body", "model-health")
    assert "issues: write" in str(refused.value) and "pull-requests" not in str(refused.value)
    stub.fail("POST", PULLS, 403)
    with pytest.raises(gh_mod.GitHubError) as refused:
        gh_mod.upsert_pull(make(stub, []), "promote/m", "main", "T", "B", labels=[])
    assert "pull-requests write" in str(refused.value)


def test_first_promotion_pr_on_a_fresh_repository_is_labelled_without_issues_write(stub: GitHubStub) -> None:
    """Issue 19 item 1: a new repository has none of the project's labels, and GitHub creates a missing
    label on the fly when adding it only for a token with Issues write; the promotion job grants
    contents and pull-requests. The PR opened, the label call was refused, the job failed on every run.
    Labels are now created first through "Create a label" (Pull requests write is enough, per the REST
    reference), then added."""
    stub.permissions["t0k"] = {"contents": "write", "pull-requests": "write"}
    labels = ["model-promotion", "automated"]
    result = gh_mod.upsert_pull(make(stub, []), "promote/m", "main", "T", "B", labels=labels)
    assert result.created
    assert result.label_problem is None
    assert [lab["name"] for lab in stub.pulls[0]["labels"]] == labels
    assert {"model-promotion", "automated"} <= set(stub.labels)
    # a second run finds them and creates nothing
    created = len(stub.calls("POST", r"/repos/acme/churn-retrain/labels$"))
    gh_mod.upsert_pull(make(stub, []), "promote/m", "main", "T2", "B", labels=labels)
    assert len(stub.calls("POST", r"/repos/acme/churn-retrain/labels$")) == created


def test_a_refused_label_never_fails_the_job_whose_pr_is_open(stub: GitHubStub) -> None:
    """A token that may not label at all (contents write only): the PR is open, so the label failure is a
    warning the caller prints, not an error."""
    stub.permissions["t0k"] = {"contents": "write", "pull-requests": "write"}
    stub.fail("POST", r"/repos/acme/churn-retrain/labels$", 403)
    result = gh_mod.upsert_pull(make(stub, []), "promote/m", "main", "T", "B", labels=["model-promotion"])
    assert result.created and len(stub.pulls) == 1
    assert result.label_problem is not None
    assert "model-promotion" in result.label_problem and "HTTP 403" in result.label_problem


def test_the_stand_in_refuses_an_unknown_label_without_issues_write(stub: GitHubStub) -> None:
    """The stand-in holds the rule the old code broke: adding a label the repository lacks needs Issues write."""
    stub.permissions["t0k"] = {"contents": "write", "pull-requests": "write"}
    pr = gh_mod.upsert_pull(make(stub, []), "promote/m", "main", "T", "B")
    with pytest.raises(gh_mod.GitHubError) as refused:
        make(stub, []).add_labels(pr.number, ["never-created"])
    assert refused.value.status == 403


DISPATCHES = "/repos/acme/churn-retrain/dispatches"
RUNS = "/repos/acme/churn-retrain/actions/runs"


def test_a_lost_dispatch_answer_is_checked_not_sent_twice(stub: GitHubStub) -> None:
    """Issue 20 item 3: GitHub started retrain.yml, then the 204 was lost (a 502); the retry sent the event
    again and a second retrain ran. Before re-sending, the client looks for the repository_dispatch run the
    first attempt created."""
    waits: list[float] = []
    stub.fail("POST", DISPATCHES, Fault(502, applied=True))
    found = make(stub, waits).dispatch("new-data", {"as_of": "2026-03-31"})
    assert len(stub.calls("POST", DISPATCHES)) == 1, "the run was found before a second POST"
    assert len(stub.runs) == 1 and found is not None and found["id"] == stub.runs[0]["id"]
    [check] = stub.calls("GET", RUNS)
    assert check.query["event"] == "repository_dispatch" and check.query["created"].startswith(">=")


def test_a_dispatch_refused_before_delivery_is_sent_again(stub: GitHubStub) -> None:
    """A 502 that changed nothing: no run appeared, so the event is sent again, once."""
    stub.fail("POST", DISPATCHES, 502)
    assert make(stub, []).dispatch("new-data") is None
    assert len(stub.calls("POST", DISPATCHES)) == 2 and len(stub.runs) == 1


def test_a_dispatch_whose_delivery_cannot_be_checked_is_never_sent_twice(stub: GitHubStub) -> None:
    """Without actions: read the check is refused: one line saying delivery is unknown, and no second POST."""
    stub.permissions["t0k"] = {"contents": "write"}
    stub.fail("POST", DISPATCHES, Fault(502, applied=True))
    with pytest.raises(gh_mod.GitHubError) as unknown:
        make(stub, []).dispatch("new-data")
    message = str(unknown.value)
    assert "cannot tell whether" in message and "actions: read" in message and "\n" not in message
    assert len(stub.calls("POST", DISPATCHES)) == 1 and len(stub.runs) == 1


def test_the_stand_in_refuses_dispatches_and_run_lists_by_permission(stub: GitHubStub) -> None:
    stub.permissions["t0k"] = {"actions": "read"}
    with pytest.raises(gh_mod.GitHubError) as refused:
        make(stub, []).dispatch("new-data")
    assert refused.value.status == 403 and "contents: write" in str(refused.value)
    stub.permissions["t0k"] = {"contents": "write"}
    with pytest.raises(gh_mod.GitHubError) as refused:
        make(stub, []).request("GET", RUNS)
    assert refused.value.status == 403


def test_a_rate_limited_dispatch_is_sent_again_without_a_check(stub: GitHubStub) -> None:
    """A rate limit is a refusal that changed nothing: the event is sent again after the wait, with no run
    lookup (so a token without actions: read is not stopped by a check it does not need)."""
    stub.permissions["t0k"] = {"contents": "write"}
    waits: list[float] = []
    limited = Fault(403, {"Retry-After": "1"}, {"message": "You have exceeded a secondary rate limit"})
    stub.fail("POST", DISPATCHES, limited)
    assert make(stub, waits).dispatch("new-data") is None
    assert waits == [1.0] and stub.calls("GET", RUNS) == []
    assert len(stub.calls("POST", DISPATCHES)) == 2 and len(stub.runs) == 1


def test_an_expired_token_is_one_line_that_names_the_app_fix(stub: GitHubStub, client: object) -> None:
    """Issue 19 item 2: a GitHub App installation token stored as a secret works for an hour, then GitHub
    answers 401 "Bad credentials". The failure is one line that says so and names the per-job App token."""
    stub.state.expired.add("t0k")
    with pytest.raises(gh_mod.GitHubError) as refused:
        gh_mod.upsert_pull(client, "promote/m", "main", "Promote m", "body", labels=["model-promotion"])
    message = str(refused.value)
    assert refused.value.status == 401
    assert "HTTP 401: Bad credentials" in message and "\n" not in message
    assert "expired" in message and "PROMOTION_APP_CLIENT_ID" in message
    assert len(stub.calls("GET", r"/repos/acme/churn-retrain/pulls")) == 1, "a refused token is not retried"
    assert stub.pulls == []


def test_the_stand_in_refuses_pull_request_and_issue_writes_by_permission(stub: GitHubStub) -> None:
    """The contract act scenarios run under (github_stub.py): a job's token holds its permissions block only."""
    env = {"GITHUB_API_URL": stub.url, "GITHUB_REPOSITORY": "acme/churn-retrain", "GITHUB_TOKEN": "job-read-only"}
    stub.permissions["job-read-only"] = {"contents": "write", "issues": "write"}
    client = gh_mod.GitHub.from_env(env)
    with pytest.raises(gh_mod.GitHubError, match="HTTP 403"):
        client.create_pull("promote/m", "main", "Promote m", "body")
    stub.permissions["job-read-only"] = {"contents": "write", "pull-requests": "write"}
    number = client.create_pull("promote/m", "main", "Promote m", "body")["number"]
    client.update_pull(number, "Promote m again", "body 2")
    with pytest.raises(gh_mod.GitHubError, match="HTTP 403"):
        client.update_issue(number, title="edited with no Issues write")
