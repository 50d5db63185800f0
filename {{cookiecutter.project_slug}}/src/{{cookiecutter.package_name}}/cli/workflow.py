"""Subcommands the GitHub workflows call. The workflows stay thin; the logic is here.

``register(add)`` is called by ``cli.build_parser``. Each handler imports
what it needs when it runs.

| command        | workflow step                                                        |
|----------------|----------------------------------------------------------------------|
| remote-pull    | setup action: `dvc pull`, or say plainly why not                     |
| remote-push    | retrain: `dvc push` of data and model                                |
| gate-step      | retrain / pr: run `gate`, expose `promote=true/false`, fail on errors |
| open-pr        | retrain: commit to promote/<model>, push, open or update the PR      |
| pr-comment     | pr: the sticky comment with the gate's table                         |
| promote        | promote: MLflow version + aliases + tag model-v<N>                  |
| predict        | batch-inference: score a day's batch with the champion             |
| rollback       | rollback: restore a model-v<N> on a branch and open a PR             |
| template-update| template-update: newest template release on a branch, one PR         |
| export-if-set  | retrain, batch-inference: cloud credentials for later steps, if set  |
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

from .args import Add, CommandError
from .args import date_arg as _date

EXIT_OK, EXIT_REFUSED, EXIT_BAD_INPUT = 0, 1, 2

STICKY_MARKER = "retrain-gate"
# A pull request opened or updated with the workflow's GITHUB_TOKEN (as github-actions[bot]): events that token
# causes start no workflow run, except workflow_dispatch and repository_dispatch, but on github.com (since June
# 2026) its pull_request events (opened, synchronize, reopened) do create runs, held in an approval-required
# state until someone with write access approves them in the pull request's merge box. GitHub's docs:
# https://docs.github.com/en/actions/concepts/security/github_token (When GITHUB_TOKEN triggers workflow runs)
# and https://docs.github.com/en/actions/how-tos/manage-workflow-runs/approve-runs-from-forks (the button).
# Where no run is created (GitHub Enterprise Server), a person closing and reopening the pull request starts them.
TOKEN_NOTICE = (
    "Opened with the workflow's `GITHUB_TOKEN` (as `github-actions[bot]`): GitHub holds this pull request's "
    "checks (`pr.yml`, with the required check `pipeline (dvc repro + gate)`) until someone with write access "
    'approves them. On the **Conversation** tab, under "workflow(s) awaiting approval", click '
    "**Approve workflows to run**, again after each update of the branch by the workflow. If no run awaits "
    "approval, close and reopen the pull request. With a fine-grained PAT or GitHub App token as the secret "
    "`PROMOTION_TOKEN` (README, *Set up on GitHub*) the checks start by themselves."
)


def token_notice_markdown() -> str:
    """The notice for a pull request body, or "" when a PROMOTION_TOKEN (or TEMPLATE_UPDATE_TOKEN) opened it."""
    if os.environ.get("TOKEN_KIND", "github-token") != "github-token":
        return ""
    return f"\n\n> [!IMPORTANT]\n> **Checks need an approval.** {TOKEN_NOTICE}\n"


def _params(args: argparse.Namespace) -> Any:
    from ..config import load_params

    return load_params(args.root / args.params)


def _run_url() -> str:
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    repo, run = os.environ.get("GITHUB_REPOSITORY"), os.environ.get("GITHUB_RUN_ID")
    return f"{server}/{repo}/actions/runs/{run}" if repo and run else ""


# --- DVC remote -------------------------------------------------------------------------


def _remote_failure(gitops: Any, step: str, line: str, advice: str, code: int) -> int:
    """One line on stderr and in an error annotation, the details in the job summary; a non-zero exit."""
    print(f"{step}: {gitops.log_safe(line)}", file=sys.stderr)
    gitops.annotate("error", f"{step}: {line}")
    gitops.summary(f"### `{step}` failed: data and model are not stored, nothing is proposed\n\n{line}\n\n{advice}")
    return code


# Which secrets reach a pull request's run depends on who opened it (pr.yml sets PULL_REQUEST_SOURCE):
# - Dependabot: "Secrets are populated from Dependabot secrets. GitHub Actions secrets are not available."
#   (docs.github.com/en/code-security/dependabot/troubleshooting-dependabot/troubleshooting-dependabot-on-github-actions)
# - a fork: no secrets at all, the token read-only
#   (docs.github.com/en/actions/security-for-github-actions/security-guides/using-secrets-in-github-actions).
# A fork's pipeline fails rather than passing unrun: `pipeline` is main's required check, and a pass that ran
# nothing would let unreviewed model code through it.
NO_CREDENTIAL = {
    "dependabot": (
        "a Dependabot pull request's run gets Dependabot secrets only, not the `pr-checks` environment's: add the "
        "same read-only DVC_REMOTE_CONFIG under Settings > Secrets and variables > Dependabot, then re-run"
    ),
    "fork": (
        "a pull request from a fork gets no secrets, so its run cannot read the DVC remote: review its changes, then "
        "push its branch to this repository and open the pull request from there to run the pipeline"
    ),
    "branch": "no DVC_REMOTE_CONFIG reached this run: the secret of the environment `pr-checks` is empty or missing",
}


def _credential_hint(root: Path) -> str:
    """Why no credential reached this pull request's run, as `; <why>` for a failure line ("" when one did,
    or outside pr.yml): the setup action writes .dvc/config.local only from a non-empty DVC_REMOTE_CONFIG."""
    if (root / ".dvc" / "config.local").exists():
        return ""
    hint = NO_CREDENTIAL.get(os.environ.get("PULL_REQUEST_SOURCE", ""))
    return f"; {hint}" if hint else ""


def cmd_remote_pull(args: argparse.Namespace) -> int:
    from ..adapters import gitops

    remote = gitops.default_remote(args.root)
    if remote is None or not remote.reachable:
        gitops.summary(gitops.unreachable_message(remote, "`dvc pull`"))
        gitops.annotate("warning", "DVC remote not available on this runner: data is rebuilt, see the job summary")
        gitops.set_output("remote-available", "false")
        return EXIT_OK
    problem = gitops.remote_problem(args.root, remote, write=False)
    if problem:  # configured but unusable here (e.g. its DVC plugin is not installed): not a credentials problem
        print(f"remote-pull: {gitops.log_safe(problem.message)}", file=sys.stderr)
        gitops.annotate("error", f"remote-pull: {problem.message}")
        gitops.summary(f"### `dvc pull` impossible\n\n{problem.message}\n\n{problem.advice}\n")
        return EXIT_BAD_INPUT
    if (code := _pull_attempts(gitops, args.root, remote)) != EXIT_OK:
        return code
    if not (args.root / "dvc.lock").exists():
        print("remote-pull: no dvc.lock yet, nothing is pinned: nothing to pull")
        gitops.set_output("remote-available", "true")
        return EXIT_OK
    targets = _pinned(args.root, args.targets) if args.targets else []
    if args.targets and not targets:
        print(f"remote-pull: dvc.lock pins none of {' '.join(args.targets)}: nothing to pull")
        gitops.set_output("remote-available", "true")
        return EXIT_OK
    result = gitops.run_dvc(args.root, "pull", *targets)
    if result.returncode != 0:
        cause = gitops.dvc_error(result)
        line = f"dvc pull from DVC remote '{remote.name}' ({remote.url}) failed: {cause}{_credential_hint(args.root)}"
        print(f"remote-pull: {gitops.log_safe(line)}", file=sys.stderr)
        gitops.annotate("error", f"remote-pull: {line}")
        gitops.summary(
            f"### `dvc pull` failed\n\n{line}\n\nIf the cause is access, check the `DVC_REMOTE_CONFIG` secret of this "
            "job's environment (`model-monitoring`: the check and batch scoring; `model-promotion`: the retrain and "
            "promotion; `pr-checks`: pull requests); if objects are missing, the data pinned by `dvc.lock` was "
            "never pushed (`dvc push`)."
        )
        return EXIT_REFUSED
    gitops.set_output("remote-available", "true")
    print(f"remote-pull: pulled from {remote.name} ({remote.url})")
    return EXIT_OK


def _pull_attempts(gitops: Any, root: Path, remote: Any) -> int:
    """The loop's record of retrain attempts (adapters/attempts.py): without it a fresh checkout would
    retry every rejected retrain the next morning, so a remote that holds one but cannot give it fails."""
    from ..adapters import attempts

    try:
        known = attempts.pull(root, remote.name)
    except Exception as exc:  # network, credentials or a corrupt record: say which, fail the job
        line = (
            f"reading the retrain attempts ({'/'.join(attempts.REMOTE_PATH)}) from DVC remote '{remote.name}' "
            f"failed: {exc}{_credential_hint(root)}"
        )
        print(f"remote-pull: {gitops.log_safe(line)}", file=sys.stderr)
        gitops.annotate("error", f"remote-pull: {line}")
        return EXIT_REFUSED
    if known:
        print(f"remote-pull: {known} retrain attempt(s) known ({attempts.LEDGER})")
    return EXIT_OK


def _pinned(root: Path, targets: list[str]) -> list[str]:
    """The targets dvc.lock pins as outputs (an older lock may lack a newer output: skip it, not fail)."""
    import yaml

    lock = yaml.safe_load((root / "dvc.lock").read_text()) or {}
    outs = {str(out.get("path")) for stage in (lock.get("stages") or {}).values() for out in stage.get("outs") or []}
    return [t for t in targets if t.rstrip("/") in outs]


def _push_targets(root: Path) -> list[str]:
    """What ``dvc push`` stores: everything (no targets), or after a rejection only the new raw data.

    The raw history must reach the remote whatever the gate said (it is append-only truth); a rejected
    candidate's model and its split copies need not, or a quiet stream would store a model a day.
    """
    import json

    gate_file = root / "reports" / "gate.json"
    if not gate_file.exists() or not (root / "dvc.lock").exists():
        return []
    try:
        promoted = bool(json.loads(gate_file.read_text()).get("promote"))
    except ValueError:
        return []  # unreadable: store everything rather than guess
    return [] if promoted else _pinned(root, ["data/raw"])


def cmd_remote_push(args: argparse.Namespace) -> int:
    """dvc push, or fail the job: a model stored nowhere must never reach a promotion pull request."""
    from ..adapters import gitops

    remote = gitops.default_remote(args.root)
    problem = gitops.remote_problem(args.root, remote, write=True)
    if problem:
        return _remote_failure(gitops, "remote-push", problem.message, problem.advice, EXIT_BAD_INPUT)
    assert remote is not None
    targets = _push_targets(args.root)
    result = gitops.run_dvc(args.root, "push", *targets)
    if result.returncode != 0:
        line = f"dvc push to DVC remote '{remote.name}' ({remote.url}) failed: {gitops.dvc_error(result)}"
        advice = (
            "Check that the remote exists and that the credentials in the `DVC_REMOTE_CONFIG` secret "
            "(environment `model-promotion`) may write to it, then re-run the failed jobs: `dvc push` only "
            "uploads what is missing."
        )
        return _remote_failure(gitops, "remote-push", line, advice, EXIT_REFUSED)
    what = f" (the gate did not promote: only {' '.join(targets)}; the rejected model stays in its tracking run)"
    print(f"remote-push: pushed to {remote.name} ({remote.url})" + (what if targets else ""))
    from ..adapters import attempts

    try:
        stored = attempts.push(args.root, remote.name)
    except Exception as exc:  # the record of this attempt must survive the runner: fail loudly
        line = f"storing the retrain attempts in DVC remote '{remote.name}' ({remote.url}) failed: {exc}"
        advice = (
            "Without it tomorrow's check would retry this retrain. Check the remote's credentials, then re-run the "
            "failed jobs."
        )
        return _remote_failure(gitops, "remote-push", line, advice, EXIT_REFUSED)
    if stored:
        print(f"remote-push: {stored} retrain attempt(s) stored ({'/'.join(attempts.REMOTE_PATH)})")
    return EXIT_OK


# --- cloud credentials ------------------------------------------------------------------------

IF_SET_PREFIX = "IF_SET_"


def cmd_export_if_set(args: argparse.Namespace) -> int:
    """Export each ``IF_SET_<NAME>`` of this step's environment as ``<NAME>`` for the job's later steps,
    only when it is non-empty and ``<NAME>`` is not already set.

    A step's ``env:`` entry ``AWS_ACCESS_KEY_ID`` set from ``secrets.AWS_ACCESS_KEY_ID`` puts an empty string in the
    environment when the secret does not exist, and botocore then finds no credentials, even those a
    role-assuming step (OIDC, ``aws-actions/configure-aws-credentials``) exported for the job. So the
    workflows pass secrets and variables under ``IF_SET_<NAME>``; an absent one changes nothing, and
    credentials already in the environment (the role's, with their session token) win over stored keys.
    Values are never printed; a value with a line break is refused before anything is written.
    """
    from ..adapters import gitops

    wanted = {
        key.removeprefix(IF_SET_PREFIX): value
        for key, value in sorted(os.environ.items())
        if key.startswith(IF_SET_PREFIX) and key != IF_SET_PREFIX
    }
    bad = [name for name, value in wanted.items() if "\n" in value or "\r" in value]
    if bad:
        raise CommandError(
            f"export-if-set: {', '.join(bad)}: the value contains a line break; $GITHUB_ENV takes one line "
            "per variable, so nothing was exported. Remove the line break from the secret or variable."
        )
    if not os.environ.get("GITHUB_ENV"):
        raise CommandError("export-if-set: GITHUB_ENV is not set: it exports for later steps of a GitHub Actions job")
    for name, value in wanted.items():
        if not value:
            print(f"export-if-set: {name}: not set (no secret or variable): left as it is")
        elif os.environ.get(name):
            print(f"export-if-set: {name}: already set in this job (e.g. by a role-assuming step): kept")
        else:
            gitops.export_env(name, value)
            print(f"export-if-set: {name}: exported for the later steps")
    return EXIT_OK


# --- gate ---------------------------------------------------------------------------------


def _already_champion(root: Path) -> bool:
    try:
        return json.loads((root / "reports" / "gate.json").read_text(encoding="utf-8")).get("already_champion") is True
    except (OSError, ValueError, AttributeError):
        return False


def cmd_gate_step(args: argparse.Namespace) -> int:
    from ..adapters import gitops

    code = args.main(["--root", str(args.root), "--params", args.params, "gate"])
    table = args.root / "reports" / "gate.md"
    if table.exists():
        gitops.summary(table.read_text(encoding="utf-8"))
    if code == EXIT_OK:
        gitops.set_output("promote", "true")
        return EXIT_OK
    if code == EXIT_REFUSED and _already_champion(args.root):
        # The candidate is the model main pins (e.g. a PR that changes no model): nothing to promote,
        # no pull request, and nothing wrong with the change either (pr.yml passes its check).
        gitops.set_output("promote", "false")
        gitops.set_output("already-champion", "true")
        gitops.summary("**Gate: the candidate is already main's champion.** Nothing to promote; no pull request.")
        print("gate-step: the candidate is already the champion (promote=false)")
        return EXIT_OK
    if code == EXIT_REFUSED:
        gitops.set_output("promote", "false")
        gitops.summary("**Gate: the candidate is not promoted.** No pull request is opened; the reasons are above.")
        print("gate-step: candidate rejected (promote=false)")
        return EXIT_OK
    return code


# --- pull requests --------------------------------------------------------------------------


def _token_notice(gitops: Any) -> None:
    if os.environ.get("TOKEN_KIND", "github-token") == "github-token":
        gitops.annotate("notice", TOKEN_NOTICE)
        gitops.summary(f"> [!NOTE]\n> {TOKEN_NOTICE}")


def cmd_open_pr(args: argparse.Namespace) -> int:
    """Commit to promote/<model>, push it and open or update its pull request.

    The branch is pushed only after the API has answered (the open pull requests for the branch
    are listed first, with retries), so a GitHub outage leaves no orphan branch behind. A re-run,
    even in the same workspace, compares the branch's tree with the base: an earlier run that
    committed but could not open the pull request is picked up, never "nothing to propose".
    """
    from ..adapters import gitops
    from ..adapters.github import GitHub, upsert_pull
    from ..jobs.report import CANDIDATE_COMMIT, pin_links, section

    params = _params(args)
    name = params.mlflow.registered_model
    branch = args.branch or f"promote/{name}"
    body_file = args.root / args.body_file
    if not body_file.exists():
        raise FileNotFoundError(f"{args.body_file} not found: run `report` first")
    body = body_file.read_text(encoding="utf-8")
    body += token_notice_markdown()
    if url := _run_url():
        body += f"\n\n<sub>Proposed by [this workflow run]({url}).</sub>\n"
    title = args.title or f"Promote {name}: model trained on data up to {params.data.end_date}"
    gh = GitHub.from_env()
    commit = gitops.commit_to_branch(args.root, branch, title, against=args.base)
    if commit is None:
        print(f"open-pr: the working tree equals {args.base}: nothing to propose")
        gitops.summary(f"Nothing to propose: the retrained outputs are identical to `{args.base}`.")
        return EXIT_OK
    # "Reproduce" names the candidate: the commit that pins it, the head of the promotion branch.
    body = body.replace(CANDIDATE_COMMIT, commit)
    # The figures and the model card were committed with the model: pin their links to that commit.
    server = os.environ.get("GITHUB_SERVER_URL") or "https://github.com"
    body = pin_links(body, server=server, repository=gh.repository, sha=commit)
    gh.find_pulls(branch, args.base)  # the API answers (retried) before anything is pushed
    gitops.push(args.root, f"{commit}:refs/heads/{branch}", force=True)
    result = upsert_pull(gh, branch, args.base, title, body, labels=args.label)
    if result.label_problem:  # the pull request is open: say so, do not fail the job
        gitops.annotate("warning", result.label_problem)
    verb = "opened" if result.created else "updated"
    print(f"open-pr: {verb} pull request #{result.number} {result.url} from {branch} at {commit[:12]}")
    gitops.set_output("pr-number", str(result.number))
    gitops.set_output("pr-url", result.url)
    gitops.summary(
        f"### Promotion pull request {verb}: #{result.number}\n\n{result.url}\n\nBranch `{branch}` at `{commit}`."
    )
    if pictures := section(body, "## Pictures"):
        gitops.summary(pictures)
    _token_notice(gitops)
    return EXIT_OK


def cmd_pr_comment(args: argparse.Namespace) -> int:
    from ..adapters.github import GitHub, upsert_comment

    body_file = args.root / args.body_file
    if body_file.exists():
        body = body_file.read_text(encoding="utf-8")
    else:
        body = (
            f"### Promotion gate: no result\n\nThe pipeline job ended with status `{args.status}` before the gate "
            "wrote its table; see the run's log."
        )
    if args.status and args.status != "success" and body_file.exists():
        body = f"**Pipeline check: {args.status}.**\n\n{body}"
    if url := _run_url():
        now = dt.datetime.now(dt.UTC)
        body += f"\n\n<sub>[Workflow run]({url}) · updated {now:%Y-%m-%d %H:%M} UTC</sub>\n"
    comment_id, created = upsert_comment(GitHub.from_env(), args.pr, body, args.marker)
    print(f"pr-comment: {'created' if created else 'updated'} comment {comment_id} on #{args.pr}")
    return EXIT_OK


# --- promotion, rollback --------------------------------------------------------------------


def cmd_promote(args: argparse.Namespace) -> int:
    from ..adapters import gitops, registry

    params = _params(args)
    result = registry.promote(params, args.root, push=not args.no_push)
    gitops.summary(registry.markdown(result, params.mlflow.registered_model))
    print(
        f"promote: {result.reason}; {params.mlflow.registered_model} v{result.version} @champion"
        + (f", v{result.previous} @previous" if result.previous else "")
    )
    return EXIT_OK


RESTORED = ("dvc.lock", "params.yaml", "metrics.json", "models/model_info.json")


def cmd_rollback(args: argparse.Namespace) -> int:
    from ..adapters import gitops
    from ..adapters.github import GitHub, upsert_pull
    from ..adapters.registry import TAG_RE

    if not TAG_RE.match(args.tag):
        raise ValueError(f"--tag {args.tag!r} is not a model tag (model-v<N>)")
    found = gitops.git(args.root, "rev-parse", "--verify", "-q", f"refs/tags/{args.tag}" + "^{commit}", check=False)
    if found.returncode != 0:
        raise ValueError(f"tag {args.tag} does not exist (fetch tags: checkout with fetch-depth: 0)")
    sha = found.stdout.strip()
    params = _params(args)
    restored = []
    for path in RESTORED:
        if gitops.git(args.root, "cat-file", "-e", f"{sha}:{path}", check=False).returncode == 0:
            gitops.git(args.root, "checkout", sha, "--", path)
            restored.append(path)
    if "dvc.lock" not in restored:
        raise ValueError(f"{args.tag} has no dvc.lock: nothing to restore")
    branch = f"rollback/{args.tag}"
    title = f"Roll back {params.mlflow.registered_model} to {args.tag}"
    gh = GitHub.from_env()
    commit = gitops.commit_to_branch(args.root, branch, title, against=args.base)
    if commit is None:
        print(f"rollback: {args.base} already pins the model of {args.tag}: nothing to do")
        gitops.summary(f"`{args.base}` already pins the model of `{args.tag}`: no pull request needed.")
        return EXIT_OK
    gh.find_pulls(branch, args.base)  # the API answers (retried) before anything is pushed
    gitops.push(args.root, f"{commit}:refs/heads/{branch}", force=True)
    old = gitops.git(args.root, "show", f"{args.base}:metrics.json", check=False).stdout.strip()
    new = (args.root / "metrics.json").read_text().strip() if (args.root / "metrics.json").exists() else ""
    body = (
        f"## Roll back to `{args.tag}`\n\nRestores {', '.join(f'`{p}`' for p in restored)} from `{args.tag}` "
        f"(commit `{sha[:12]}`). Merging this pull request makes `{args.base}` pin that model again; "
        "`promote.yml` then moves the MLflow alias `champion` to it and tags the merge commit.\n\n"
        "The gate check compares this model with the current champion: a rollback may be worse on recent data. "
        "That is the reviewer's call.\n\n"
        f"### Metrics at `{args.tag}`\n```json\n{new}\n```\n### Metrics on `{args.base}` now\n```json\n{old}\n```\n"
    ) + token_notice_markdown()
    result = upsert_pull(gh, branch, args.base, title, body, labels=["model-rollback"])
    if result.label_problem:  # the pull request is open: say so, do not fail the job
        gitops.annotate("warning", result.label_problem)
    verb = "opened" if result.created else "updated"
    print(f"rollback: {verb} pull request #{result.number} {result.url} from {branch}")
    gitops.summary(f"### Rollback pull request {verb}: #{result.number}\n\n{result.url}")
    _token_notice(gitops)
    return EXIT_OK


# --- batch inference --------------------------------------------------------------------------


def cmd_predict(args: argparse.Namespace) -> int:
    from ..adapters import gitops
    from ..jobs.predict import run_predict

    params = _params(args)
    result = run_predict(params, args.root, args.day, args.root / args.out_dir)
    if not result.ok:
        print(f"predict: the batch of {result.day} from {result.origin} failed its checks: not scored", file=sys.stderr)
        for failure in result.failures:
            print(f"  - {failure}", file=sys.stderr)
        return EXIT_REFUSED
    assert result.target is not None
    line = (
        f"predict: {result.rows} rows of {result.day} from {result.origin} scored with the champion "
        f"(md5 {result.model_md5}) -> {result.target.relative_to(args.root)}"
    )
    print(line)
    gitops.summary(f"### Batch inference\n\n{line}")
    return EXIT_OK


# --- model health, alerts -----------------------------------------------------------------------


def _alert(event: str, model: str, detail: str, link: str) -> bool:
    """One message to the ALERT_WEBHOOK_URL secret, if set; never fails the step."""
    from ..adapters import gitops, webhook
    from ..core.health import alert_text

    url = os.environ.get(webhook.ENV, "")
    if not url:
        print(f"alert: {webhook.ENV} is not set: no {event} message sent")
        return False
    problem = webhook.post(url, alert_text(event, model=model, detail=detail, link=link))
    if problem:
        gitops.annotate("warning", f"{event} alert not delivered: {problem}")
        return False
    print(f"alert: {event} message sent")
    return True


def cmd_health_issue(args: argparse.Namespace) -> int:
    from ..adapters import gitops
    from ..adapters.github import GitHub, GitHubError
    from ..jobs.health import update_health

    params = _params(args)
    model = params.mlflow.registered_model
    if args.status != "success":
        _alert(
            "check-failed",
            model,
            f"The check for data up to {params.data.end_date} ended with status {args.status}.",
            _run_url(),
        )
    try:
        gh = GitHub.from_env()
    except GitHubError as exc:  # no token or repository: nothing can be updated or kept alive
        gitops.annotate("warning", f"model-health issue not updated: {exc}")
        print(f"keepalive: skipped, {exc}")
        return EXIT_OK
    try:
        result = update_health(
            params,
            args.root,
            gh,
            status=args.status,
            run_url=_run_url(),
            keepalive_after=args.keepalive_after,
            base=args.base,
        )
    except GitHubError as exc:  # reporting must never block the retrain it reports on
        gitops.annotate("warning", f"model-health issue not updated: {exc}")
        gitops.summary(
            f"### Model-health issue not updated\n\n{exc}\n\nThe job needs `issues: write` (and "
            "`actions: write` for the keepalive)."
        )
        return EXIT_OK
    verb = "opened" if result.created else "updated"
    print(f"health-issue: {verb} #{result.number} {result.url}")
    for line in result.keepalive:
        print(line)
    listed = "\n".join(f"- {line}" for line in result.keepalive)
    gitops.summary(f"### Model-health issue {verb}: #{result.number}\n\n{result.url}\n\n{listed}")
    return EXIT_OK


def cmd_notify(args: argparse.Namespace) -> int:
    import json

    params = _params(args)
    model = params.mlflow.registered_model
    link, detail = _run_url(), args.detail or ""
    if args.event == "retrain-proposed" and args.pr:
        server = (os.environ.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/")
        link = f"{server}/{os.environ.get('GITHUB_REPOSITORY', '')}/pull/{args.pr}"
        decision = args.root / "reports" / "decision.json"
        why = json.loads(decision.read_text()).get("reason", "") if decision.exists() else ""
        detail = detail or f"Pull request #{args.pr} is ready for review" + (f" (why: {why})" if why else "") + "."
        gate = args.root / "reports" / "gate.json"
        below = json.loads(gate.read_text()).get("below_floor") or [] if gate.exists() else []
        if below:
            names = ", ".join(b["metric"] for b in below)
            detail += f" Both models are below the floor on {names}: the candidate is the less bad one."
    elif args.event == "gate-rejected":
        gate_file = args.root / "reports" / "gate.json"
        gate = json.loads(gate_file.read_text()) if gate_file.exists() else {}
        quiet = _rejection_already_alerted(args.root, gate)
        if quiet:
            print(f"notify: no gate-rejected message: {quiet}")
            return EXIT_OK
        if not detail:
            reasons = gate.get("reasons", [])
            detail = f"No pull request opened: {reasons[0]}" if reasons else "No pull request opened."
    _alert(args.event, model, detail, link)
    return EXIT_OK


def _rejection_already_alerted(root: Path, gate: dict[str, Any]) -> str | None:
    """Why a gate-rejected alert would repeat what people were already told, else None.

    One alert per streak of rejections (issue 31): the first rejection against a champion is news,
    the next ones in a row are counted in the model-health issue and the decision, not sent again.
    """
    from ..adapters import attempts

    if gate.get("already_champion"):
        return "the candidate is the model main already pins: nothing was rejected"
    champion = (gate.get("champion_ref") or {}).get("model_md5")
    tried = attempts.since_champion(attempts.load(root), champion)
    streak = attempts.rejection_streak(tried)
    if streak > 1:
        first = tried[-streak]
        return (
            f"rejection {streak} in a row against this champion; the first of the streak "
            f"(data up to {first.data_end}) was alerted, the model-health issue counts the rest"
        )
    return None


# --- template updates -------------------------------------------------------------------------


def cmd_template_update(args: argparse.Namespace) -> int:
    from ..adapters import gitops
    from ..jobs import template_update

    result = template_update.run(
        args.root,
        ref=args.ref or None,
        base=args.base,
        branch=args.branch,
        open_pr=not args.no_pr,
        notice=token_notice_markdown(),
    )
    the_plan = result.plan
    if the_plan.up_to_date:
        line = f"template-update: up to date: {the_plan.record.label} is {the_plan.ref} of {the_plan.record.template}"
        print(line)
        gitops.summary(f"### Template update: nothing to do\n\n{line.split(': ', 1)[1]}.")
        return EXIT_OK
    outcome = result.outcome
    assert outcome is not None
    for path in outcome.unmerged:
        print(f"template-update: conflict: {path} (conflict markers in the file)")
    for path in outcome.rejects:
        print(f"template-update: conflict: {path} (hunks that did not apply to {path.removesuffix('.rej')})")
    if args.no_pr:
        print(
            f"template-update: applied {the_plan.ref} to the working tree with {outcome.conflicts} conflict(s); "
            "review with `git diff`, then commit"
        )
        return EXIT_REFUSED if outcome.conflicts else EXIT_OK
    verb = "opened" if result.created else "updated"
    print(
        f"template-update: {verb} pull request #{result.pr_number} {result.pr_url} from {args.branch} "
        f"({outcome.conflicts} conflict(s))"
    )
    gitops.set_output("pr-number", str(result.pr_number))
    gitops.summary(
        f"### Template update pull request {verb}: #{result.pr_number}\n\n{result.pr_url}\n\n"
        f"{the_plan.record.label} → {the_plan.ref}, {outcome.conflicts} conflict(s) listed in its body."
    )
    _token_notice(gitops)
    return EXIT_OK


def register(add: Add) -> None:
    p = add("remote-pull", cmd_remote_pull, "dvc pull, or explain in the job summary why the remote is not available")
    p.add_argument("targets", nargs="*", help="pull only these outputs (default: everything dvc.lock pins)")
    add("remote-push", cmd_remote_push, "dvc push, or explain in the job summary why the remote is not available")
    add("gate-step", cmd_gate_step, "run the gate for a workflow: output promote=true/false, fail only on errors")
    p = add("open-pr", cmd_open_pr, "commit the working tree to promote/<model>, push it, open or update its PR")
    p.add_argument("--branch", help="head branch (default promote/<registered model>)")
    p.add_argument("--base", default="main", help="base branch (default main)")
    p.add_argument("--title", help="pull request title")
    p.add_argument("--body-file", default="reports/promotion.md", help="pull request body (markdown)")
    p.add_argument("--label", action="append", default=[], help="label to add (repeatable)")
    p = add("pr-comment", cmd_pr_comment, "create or update the one sticky comment on a pull request")
    p.add_argument("--pr", type=int, required=True, help="pull request number")
    p.add_argument("--body-file", default="reports/gate.md", help="comment body (markdown)")
    p.add_argument("--status", default="", help="result of the pipeline job (success, failure, ...)")
    p.add_argument("--marker", default=STICKY_MARKER, help="hidden marker that identifies the comment")
    p = add("promote", cmd_promote, "register main's model in MLflow, alias champion/previous, tag model-v<N>")
    p.add_argument("--no-push", action="store_true", help="create the tag locally only")
    p = add("rollback", cmd_rollback, "restore the model of a model-v<N> tag on a branch and open a pull request")
    p.add_argument("--tag", required=True, help="model tag, e.g. model-v3")
    p.add_argument("--base", default="main", help="base branch (default main)")
    p = add("predict", cmd_predict, "score one day's batch with the champion; writes only the predictions file")
    p.add_argument("--day", type=_date, required=True, help="day to score (YYYY-MM-DD)")
    p.add_argument("--out-dir", default="data/predictions", help="output directory (git-ignored; not DVC-tracked)")
    p = add(
        "health-issue",
        cmd_health_issue,
        "update the one model-health issue (trends, failures, open PR), keep "
        "the schedule alive, alert on a failed check",
    )
    p.add_argument("--status", default="success", help="status of the check job (success, failure, cancelled)")
    p.add_argument(
        "--keepalive-after",
        type=int,
        default=45,
        help="with RETRAIN_KEEPALIVE=on, re-enable the scheduled workflows through the API after this many "
        "days without a commit, by the wall clock (default 45)",
    )
    p.add_argument("--base", default="main", help="base branch of the promotion pull request (default main)")
    p = add("notify", cmd_notify, "send one alert to the ALERT_WEBHOOK_URL webhook (Slack/Teams), if set")
    p.add_argument("--event", required=True, choices=["retrain-proposed", "gate-rejected", "check-failed"])
    p.add_argument("--pr", type=int, help="pull request number (retrain-proposed)")
    p.add_argument("--detail", help="text of the message (default: from the reports)")
    add(
        "export-if-set",
        cmd_export_if_set,
        "export each non-empty IF_SET_<NAME> of the environment as <NAME> for the job's later steps ($GITHUB_ENV)",
    )
    p = add(
        "template-update",
        cmd_template_update,
        "apply the newest template release (.cruft.json) on a branch and open or update its one PR",
    )
    p.add_argument("--ref", default="", help="template tag or branch (default: the newest vX.Y.Z tag)")
    p.add_argument("--base", default="main")
    p.add_argument("--branch", default="template-update")
    p.add_argument(
        "--no-pr", action="store_true", help="only apply the update to the working tree (no branch, commit, push or PR)"
    )
