"""Git and DVC-remote plumbing for the workflows, and the GitHub Actions outputs.

Checkouts keep no credentials (``persist-credentials: false``); a push passes the
token for this one command through git's environment-only configuration
(``GIT_CONFIG_COUNT``), never on the command line and never written to disk.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BOT_NAME = "github-actions[bot]"
# DVC from the interpreter running this CLI (the project's environment), whatever PATH says.
DVC = (sys.executable, "-m", "dvc")
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"


class GitError(RuntimeError):
    pass


def git(root: Path, *args: str, env: dict[str, str] | None = None,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False,
                            env={**os.environ, **(env or {})})
    if check and result.returncode != 0:
        raise GitError(f"git {' '.join(args)} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result


def auth_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """Environment that makes git send the token to the GitHub server, for one command."""
    env = dict(os.environ if env is None else env)
    token = env.get("GITHUB_TOKEN", "")
    if not token:
        return {}
    server = (env.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/")
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"http.{server}/.extraheader",
        "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}",
        "GIT_TERMINAL_PROMPT": "0",
    }


def identity(root: Path) -> list[str]:
    args: list[str] = []
    if not git(root, "config", "user.name", check=False).stdout.strip():
        args += ["-c", f"user.name={BOT_NAME}"]
    if not git(root, "config", "user.email", check=False).stdout.strip():
        args += ["-c", f"user.email={BOT_EMAIL}"]
    return args


def commit_to_branch(root: Path, branch: str, message: str, base: str = "HEAD") -> bool:
    """Put the working tree's changes on ``branch`` (rebuilt from ``base``). False if nothing changed."""
    git(root, "switch", "-q", "-C", branch, base) if base != "HEAD" else git(root, "switch", "-q", "-C", branch)
    git(root, "add", "-A")
    if git(root, "diff", "--cached", "--quiet", check=False).returncode == 0:
        return False
    git(root, *identity(root), "commit", "-q", "--no-verify", "-m", message)
    return True


def push(root: Path, *refspecs: str, force: bool = False, remote: str = "origin") -> None:
    args = ["push", "-q", *(["--force"] if force else []), remote, *refspecs]
    git(root, *args, env=auth_env())


# --- GitHub Actions step outputs and summary --------------------------------------------

def set_output(name: str, value: str) -> None:
    path = os.environ.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{name}={value}\n")


def summary(markdown: str) -> None:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(markdown.rstrip() + "\n\n")


def annotate(level: str, message: str) -> None:
    """A workflow command (``::warning::``) when on Actions; a plain line otherwise."""
    text = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    print(f"::{level}::{text}" if os.environ.get("GITHUB_ACTIONS") else f"{level}: {message}")


# --- DVC remote ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Remote:
    name: str
    url: str
    local_path: Path | None  # resolved path when the remote is a local directory

    @property
    def reachable(self) -> bool:
        return self.local_path is None or self.local_path.is_dir()


def default_remote(root: Path) -> Remote | None:
    """The default DVC remote from the merged config (config + config.local), paths resolved."""
    from dvc.repo import Repo

    with Repo(str(root)) as repo:
        config = repo.config
        name = config["core"].get("remote")
        section = config["remote"].get(name) if name else None
    if not name or not section or not section.get("url"):
        return None
    url = str(section["url"])
    if "://" in url and not url.startswith("file://"):
        return Remote(name, url, None)
    path = Path(os.path.expanduser(url.removeprefix("file://")))
    if not path.is_absolute():  # DVC resolves relative URLs against .dvc/ when it loads them
        path = (root / ".dvc" / path).resolve()
    return Remote(name, url, path)


def unreachable_message(remote: Remote | None, action: str) -> str:
    where = f"`{remote.url}` (resolves to `{remote.local_path}`)" if remote else "(no default remote configured)"
    return (
        f"### DVC remote not available: {action} skipped\n\n"
        f"The DVC remote {where} is a local directory that does not exist on this runner: it lives "
        "only on the machine that created the project.\n\n"
        "- The **demo** data source is rebuilt deterministically by `ingest` (same days, same rows), "
        "so checks, drift and retraining still run.\n"
        "- Models and data produced here cannot be shared with other runs until a real remote is set: "
        "`dvc remote modify storage url s3://bucket/path` (or gs://, azure://, ssh://) and commit "
        "`.dvc/config`, then store credentials in the repository secret `DVC_REMOTE_CONFIG` "
        "(content of `.dvc/config.local`, see README, *Set up on GitHub*).\n"
    )
