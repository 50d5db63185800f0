"""The template this project was baked from: its record, its releases, and cruft.

``.cruft.json`` (cruft's format, written at bake time) names the template's git
URL, the commit baked from and every answer. Releases are the template's ``v*``
tags. An update re-renders the old and the new template with the same answers
and applies the difference as a three-way merge (``cruft update``), so local
edits are kept and overlapping ones become conflicts that this module lists.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .gitops import git

RECORD = ".cruft.json"
TAG_RE = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")
# Tells the template's post-generation hook that cruft is only rendering a version to
# diff it: no git repository, no DVC metadata in the rendered copy.
RENDER_ONLY_ENV = "RETRAIN_TEMPLATE_RENDER_ONLY"
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|CREDENTIAL|_KEY", re.IGNORECASE)


@dataclass(frozen=True)
class TemplateRecord:
    template: str
    commit: str
    checkout: str | None
    version: str | None

    @property
    def label(self) -> str:
        return self.version or self.commit[:12]


@dataclass(frozen=True)
class Release:
    tag: str
    commit: str

    @property
    def version(self) -> str:
        return self.tag.removeprefix("v")


@dataclass(frozen=True)
class UpdateOutcome:
    unmerged: list[str] = field(default_factory=list)  # files left with conflict markers
    rejects: list[str] = field(default_factory=list)  # *.rej files: hunks that did not apply
    log: str = ""

    @property
    def conflicts(self) -> int:
        return len(self.unmerged) + len(self.rejects)


def read_record(root: Path) -> TemplateRecord:
    path = root / RECORD
    if not path.is_file():
        raise ValueError(
            f"{RECORD} not found: this project has no record of the template it was baked from "
            "(bake with cookiecutter-retrain >= 0.1.0, or `cruft link` it)"
        )
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"{RECORD}: not valid JSON ({exc})") from None
    template, commit = state.get("template"), state.get("commit")
    if not isinstance(template, str) or not template:
        raise ValueError(f"{RECORD}: key 'template' (the template's git URL) is missing")
    if not isinstance(commit, str) or not commit:
        raise ValueError(
            f"{RECORD}: key 'commit' is empty: set it to the template commit this project was "
            "baked from (e.g. the commit of its release tag)"
        )
    context = (state.get("context") or {}).get("cookiecutter") or {}
    version = context.get("_template_version")
    return TemplateRecord(template, commit, state.get("checkout"), str(version) if version else None)


def _remote_git(*args: str) -> str:
    result = subprocess.run(
        ["git", *args], capture_output=True, text=True, check=False, env={**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    )
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


def releases(template: str) -> list[Release]:
    """The template's ``vMAJOR.MINOR.PATCH`` tags, oldest first."""
    found: list[Release] = []
    for line in _remote_git("ls-remote", "--tags", template, "refs/tags/v*").splitlines():
        sha, _, ref = line.partition("\t")
        name = ref.removeprefix("refs/tags/")
        if name.endswith("^{}"):  # annotated tag: this line carries the commit it points at
            name = name[:-3]
            found = [r for r in found if r.tag != name]
        elif any(r.tag == name for r in found):
            continue
        if TAG_RE.match(name):
            found.append(Release(name, sha))
    return sorted(found, key=lambda r: tuple(int(p) for p in TAG_RE.match(r.tag).groups()))  # type: ignore[union-attr]


def resolve(template: str, ref: str) -> str:
    """The commit ``ref`` (tag or branch) names in the template repository."""
    if re.fullmatch(r"[0-9a-f]{40}", ref):
        return ref
    peeled = f"refs/tags/{ref}" + "^{}"  # an annotated tag's commit
    out = _remote_git("ls-remote", template, peeled, f"refs/tags/{ref}", f"refs/heads/{ref}")
    lines = [line.split("\t") for line in out.splitlines() if "\t" in line]
    for sha, name in lines:
        if name.endswith("^{}"):
            return sha
    if not lines:
        raise ValueError(f"template ref {ref!r} not found in {template}")
    return lines[0][0]


def run_update(root: Path, ref: str) -> UpdateOutcome:
    """``cruft update`` to ``ref`` in the working tree; lists what did not merge."""
    # The template's hooks run during the renders: they get no token or other secret of this job.
    env = {k: v for k, v in os.environ.items() if not SECRET_NAME.search(k)}
    env.update({RENDER_ONLY_ENV: "1", "PWD": str(root), "GIT_TERMINAL_PROMPT": "0"})
    cmd = [sys.executable, "-m", "cruft", "update", "--skip-apply-ask", "--checkout", ref]
    result = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False, env=env)
    log = (result.stdout + result.stderr).strip()
    if result.returncode != 0 or "Cruft cannot apply updates" in log:
        raise RuntimeError(f"cruft update failed (exit {result.returncode}): {log[-2000:]}")
    listed = git(root, "diff", "--name-only", "--diff-filter=U", "-z").stdout.split("\0")
    unmerged = sorted({p for p in listed if p})
    others = git(root, "ls-files", "--others", "--exclude-standard", "-z").stdout.split("\0")
    rejects = sorted(p for p in others if p.endswith(".rej"))
    return UpdateOutcome(unmerged, rejects, log)
