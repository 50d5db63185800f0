"""Bring the template's newer release into this project as one pull request.

Runs ``cruft update`` on a branch rebuilt from the base each time, commits what it
produced (clean changes, files with conflict markers, ``*.rej`` files) and opens
or updates the one pull request of that branch. Conflicts are listed in the body
with what to do about each; nothing that did not merge is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..adapters import gitops, template_repo
from ..adapters.template_repo import Release, TemplateRecord, UpdateOutcome

BRANCH = "template-update"
LABEL = "template-update"
MAX_REJECT_CHARS = 4000  # per .rej file shown in the body; the file itself is in the PR


@dataclass(frozen=True)
class Plan:
    record: TemplateRecord
    ref: str  # tag or branch to update to
    commit: str

    @property
    def up_to_date(self) -> bool:
        return self.commit == self.record.commit


@dataclass(frozen=True)
class Result:
    plan: Plan
    outcome: UpdateOutcome | None = None
    changed: bool = False
    pr_number: int | None = None
    pr_url: str = ""
    created: bool = False


def plan(root: Path, ref: str | None = None) -> Plan:
    """What to update to: ``ref``, else the template's newest ``v*`` release tag."""
    record = template_repo.read_record(root)
    if ref:
        return Plan(record, ref, template_repo.resolve(record.template, ref))
    found = template_repo.releases(record.template)
    if not found:
        raise ValueError(
            f"the template {record.template} has no release tags (vMAJOR.MINOR.PATCH): "
            "pass --ref BRANCH to update to a branch"
        )
    newest: Release = found[-1]
    return Plan(record, newest.tag, newest.commit)


def _new_version(root: Path, fallback: str) -> str:
    try:
        return template_repo.read_record(root).label
    except ValueError:
        return fallback


def title(plan: Plan, new_label: str) -> str:
    return f"Update from the template: {plan.record.label} → {new_label}"


def body(plan: Plan, new_label: str, outcome: UpdateOutcome, stat: str, rejects: dict[str, str]) -> str:
    """The pull request body: what changed, and every conflict with what to do about it."""
    rec = plan.record
    lines = [
        f"## Template update: {rec.label} → {new_label}",
        "",
        f"`{rec.template}` from `{rec.commit[:12]}` to `{plan.commit[:12]}` (`{plan.ref}`), applied with "
        "`cruft update`: the template's own change between the two versions, rendered with this project's "
        "answers (`.cruft.json`) and merged three-way, so local edits are kept.",
        "",
    ]
    if outcome.conflicts:
        lines += [
            f"### ⚠️ {outcome.conflicts} conflict(s) to resolve before merging",
            "",
            "Each is committed as it is on this branch; check out `template-update`, fix, push.",
            "",
        ]
        for path in outcome.unmerged:
            lines.append(
                f"- `{path}`: the template and this project changed the same lines; the file holds "
                "conflict markers (`<<<<<<< ours` … `>>>>>>> theirs`): keep what is right, remove the markers."
            )
        for path in outcome.rejects:
            target = path.removesuffix(".rej")
            lines.append(
                f"- `{path}`: hunks that did not apply to `{target}` (no common ancestor to merge "
                f"with); apply them by hand, then delete `{path}`."
            )
        for path, text in rejects.items():
            shown = text if len(text) <= MAX_REJECT_CHARS else text[:MAX_REJECT_CHARS] + "\n… (truncated)"
            lines += [
                "",
                f"<details><summary><code>{path}</code></summary>",
                "",
                "```diff",
                shown.rstrip(),
                "```",
                "",
                "</details>",
            ]
        lines.append("")
    else:
        lines += ["### No conflicts", "", "Every change of the template applied cleanly.", ""]
    lines += ["### Files changed", "", "```", stat.rstrip() or "(only .cruft.json)", "```", ""]
    lines += [
        "The template's CHANGELOG.md says what each release changed and why. "
        "The `pr` checks run on this branch like on any other.",
    ]
    return "\n".join(lines) + "\n"


def run(
    root: Path, ref: str | None = None, base: str = "main", branch: str = BRANCH, open_pr: bool = True, notice: str = ""
) -> Result:
    """Apply the update on ``branch`` and (``open_pr``) push it and upsert its pull request (``notice``
    appended to its body: what a reviewer must do for its checks to run)."""
    the_plan = plan(root, ref)
    if the_plan.up_to_date:
        return Result(the_plan)
    if gitops.git(root, "status", "--porcelain").stdout.strip():
        raise ValueError("the working tree has uncommitted changes: commit or stash them before a template update")
    gh = None
    if open_pr:
        from ..adapters.github import GitHub

        gh = GitHub.from_env()  # fail before any work when there is no token
        gitops.git(root, "switch", "-q", "-C", branch)
    outcome = template_repo.run_update(root, the_plan.ref)
    new_label = _new_version(root, the_plan.ref)
    if gh is None:
        return Result(the_plan, outcome, changed=True)
    rejects = {p: (root / p).read_text(encoding="utf-8", errors="replace") for p in outcome.rejects}
    # Conflicted files are committed with their markers (resolving them is the PR's job).
    gitops.git(root, "add", "-A")
    gitops.git(root, *gitops.identity(root), "commit", "-q", "--no-verify", "-m", title(the_plan, new_label))
    stat = gitops.git(root, "diff", "--stat", f"{base}...HEAD").stdout
    touched = gitops.git(root, "diff", "--name-only", f"{base}...HEAD").stdout.split()
    try:
        gitops.push(root, f"HEAD:refs/heads/{branch}", force=True)
    except gitops.GitError as exc:
        if any(p.startswith(".github/workflows/") for p in touched):
            raise gitops.GitError(
                f"{exc} (the update changes workflow files: GitHub lets only a token with the 'workflows' "
                "permission push those: set the secret TEMPLATE_UPDATE_TOKEN, see README)"
            ) from None
        raise
    from ..adapters.github import upsert_pull

    pr = upsert_pull(
        gh,
        branch,
        base,
        title(the_plan, new_label),
        body(the_plan, new_label, outcome, stat, rejects) + notice,
        labels=[LABEL],
    )
    if pr.label_problem:  # the pull request is open: say so, do not fail the job
        gitops.annotate("warning", pr.label_problem)
    return Result(the_plan, outcome, True, pr.number, pr.url, pr.created)
