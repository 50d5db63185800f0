"""Finish the baked project: drop unselected files, set up git and DVC.

Runs inside the new project folder. It needs no network and no DVC install (the
DVC metadata is written directly, exactly as ``dvc init`` and ``dvc remote add``
would write it). It is safe to run again on an existing project, as cruft does on
update: nothing that already exists is re-initialised or overwritten.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ANSWERS = json.loads(
    r"""{{ {
    "author_name": cookiecutter.author_name,
    "author_email": cookiecutter.author_email,
    "license": cookiecutter.license,
    "dvc_remote_url": cookiecutter.dvc_remote_url,
    "remote_name": cookiecutter.__remote_name,
    "include_batch_inference": cookiecutter.include_batch_inference,
    "context": cookiecutter.items() | list,
} | tojson }}"""
)
# The whole context in its order, to record where the project came from (.cruft.json).
CONTEXT = dict(ANSWERS.get("context") or [])

ROOT = Path.cwd()


def remove_unselected() -> None:
    if not ANSWERS["include_batch_inference"]:
        for rel in (".github/workflows/batch-inference.yml",):
            (ROOT / rel).unlink(missing_ok=True)
    if ANSWERS["license"] == "Proprietary":
        (ROOT / "LICENSE").unlink(missing_ok=True)


# The locks resolved with the DVC plugin of each remote protocol (scripts/update-lock.sh). A plugin
# cannot be installed on top of the default lock (dvc-s3's botocore pins python-dateutil < 3), so
# each protocol has whole locks of its own: the bake keeps the ones it needs as requirements.lock
# (everything, dev tools included) and requirements-runtime.lock (what the workflow jobs install).
LOCK_EXTRAS = {"s3://": "s3", "gs://": "gs", "azure://": "azure", "ssh://": "ssh"}


def select_lockfile() -> None:
    locks = ROOT / "locks"
    if not locks.is_dir():
        return  # re-run on a project that already chose its lock
    url = ANSWERS["dvc_remote_url"]
    extra = next((name for prefix, name in LOCK_EXTRAS.items() if url.startswith(prefix)), None)
    if extra is not None:
        (locks / f"requirements-{extra}.lock").replace(ROOT / "requirements.lock")
        (locks / f"requirements-runtime-{extra}.lock").replace(ROOT / "requirements-runtime.lock")
    shutil.rmtree(locks)


def dvc_remote_url(url: str) -> str:
    """DVC stores a relative local remote relative to ``.dvc/``, not to the project."""
    if "://" in url or os.path.isabs(os.path.expanduser(url)):
        return url
    return os.path.relpath(ROOT / url, ROOT / ".dvc")


def init_dvc() -> None:
    dvc_dir = ROOT / ".dvc"
    dvc_dir.mkdir(exist_ok=True)
    gitignore = dvc_dir / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text("/config.local\n/tmp\n/cache\n")
    config = dvc_dir / "config"
    text = config.read_text() if config.exists() else ""
    if "[core]" not in text and "['remote" not in text:
        name = ANSWERS["remote_name"]
        url = dvc_remote_url(ANSWERS["dvc_remote_url"])
        config.write_text(
            f"[core]\n    remote = {name}\n    autostage = true\n"
            f"['remote \"{name}\"']\n    url = {url}\n"
        )
    # A local directory remote is created up front so that the first `dvc push` works.
    url = ANSWERS["dvc_remote_url"]
    if "://" not in url:
        (ROOT / url).expanduser().mkdir(parents=True, exist_ok=True)


def git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)


def init_git() -> None:
    if shutil.which("git") is None:
        print("WARNING: git not found; run `git init -b main` and commit yourself.", file=sys.stderr)
        return
    if not (ROOT / ".git").exists():
        result = git("init", "-q", "-b", "main")
        if result.returncode != 0:  # git < 2.28 has no -b
            git("init", "-q")
            git("symbolic-ref", "HEAD", "refs/heads/main")
    if git("rev-parse", "--verify", "-q", "HEAD").returncode == 0:
        return  # re-run on an existing project: never rewrite its history
    identity: list[str] = []
    if not git("config", "user.email").stdout.strip():
        identity += ["-c", f"user.email={ANSWERS['author_email']}"]
    if not git("config", "user.name").stdout.strip():
        identity += ["-c", f"user.name={ANSWERS['author_name']}"]
    git("add", "-A")
    result = git(*identity, "commit", "-q", "--no-verify", "-m", "Initial project from cookiecutter-retrain")
    if result.returncode != 0:
        print(f"WARNING: initial commit failed: {result.stderr.strip()}", file=sys.stderr)


def render_only() -> bool:
    """True when cruft renders the template to diff two versions (update, diff, check).

    Those renders must stay plain files: no git repository, no DVC metadata, no remote
    folder. The project's `template-update` command says so through the environment;
    a hand-run `cruft update` is recognised by the project's .cruft.json in its folder.
    """
    if os.environ.get("RETRAIN_TEMPLATE_RENDER_ONLY") == "1":
        return True
    cwd = os.environ.get("PWD", "")
    return "_commit" in CONTEXT and bool(cwd) and (Path(cwd) / ".cruft.json").is_file()


def git_out(*args: str, cwd: Path) -> str:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError:
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def record_template() -> None:
    """Write .cruft.json (cruft's format) so `cruft update` / `template-update` work.

    A plain cookiecutter bake records the template's git origin (or its folder) and the
    commit it was baked from. Under `cruft create` (its context carries `_commit`) the
    hook writes what cruft itself writes after the hook, so the file is in the initial
    commit; cruft's copy differs only if `--checkout` was given (then commit that change).
    """
    if (ROOT / ".cruft.json").exists():
        return
    if "_commit" in CONTEXT:
        context = dict(CONTEXT)
        template, commit, checkout = str(CONTEXT.get("_template", "")), str(CONTEXT["_commit"]), None
    else:
        repo = Path(os.path.expanduser(str(CONTEXT.get("_repo_dir") or "")))
        if not repo.is_absolute():  # a relative template path is relative to where cookiecutter ran
            repo = Path(os.environ.get("PWD", ".")) / repo
        commit = git_out("rev-parse", "HEAD", cwd=repo) if (repo / "cookiecutter.json").is_file() else ""
        template = git_out("remote", "get-url", "origin", cwd=repo) if commit else ""
        if commit and not template:
            template = str(repo.resolve())
        template = template or str(CONTEXT.get("_template", ""))
        checkout = CONTEXT.get("_checkout")
        context = {k: v for k, v in CONTEXT.items() if k not in ("_output_dir", "_repo_dir", "_checkout")}
        context["_template"], context["_commit"] = template, commit
    state = {
        "template": template,
        "commit": commit or None,
        "checkout": checkout,
        "context": {"cookiecutter": context},
        "directory": None,
    }
    text = json.dumps(state, ensure_ascii=False, indent=2, separators=(",", ": ")) + "\n"
    (ROOT / ".cruft.json").write_text(text, encoding="utf-8")
    if not commit:
        print("WARNING: the template is not a git checkout: .cruft.json records no commit, so "
              "template updates need it set by hand", file=sys.stderr)


def main() -> int:
    remove_unselected()
    select_lockfile()
    if render_only():
        return 0
    record_template()
    init_dvc()
    init_git()
    return 0


if __name__ == "__main__":
    sys.exit(main())
