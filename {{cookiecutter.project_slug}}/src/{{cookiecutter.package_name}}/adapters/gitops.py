"""Git and DVC-remote plumbing for the workflows, and the GitHub Actions outputs.

Checkouts keep no credentials (``persist-credentials: false``); a push passes the
token for this one command through git's environment-only configuration
(``GIT_CONFIG_COUNT``), never on the command line and never written to disk.
"""

from __future__ import annotations

import base64
import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BOT_NAME = "github-actions[bot]"
# DVC from the interpreter running this CLI (the project's environment), whatever PATH says.
DVC = (sys.executable, "-m", "dvc")
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"


class GitError(RuntimeError):
    pass


def git(
    root: Path, *args: str, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=False, env={**os.environ, **(env or {})}
    )
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


def commit_to_branch(
    root: Path, branch: str, message: str, base: str = "HEAD", against: str | None = None
) -> str | None:
    """Put the working tree's changes on ``branch`` (rebuilt from ``base``) and return its head commit.

    None when there is nothing to propose: the branch's tree equals ``against`` (default: the
    commit the branch starts from). Comparing trees, not "anything new since HEAD", keeps a re-run
    in the same workspace honest: the branch committed by an earlier, interrupted run is still
    a proposal, not "nothing to propose".
    """
    start = git(root, "rev-parse", "--verify", base + "^{commit}").stdout.strip()
    git(root, "switch", "-q", "-C", branch, base) if base != "HEAD" else git(root, "switch", "-q", "-C", branch)
    git(root, "add", "-A")
    if git(root, "diff", "--cached", "--quiet", check=False).returncode != 0:
        git(root, *identity(root), "commit", "-q", "--no-verify", "-m", message)
    head = git(root, "rev-parse", "HEAD").stdout.strip()
    reference = git(root, "rev-parse", "--verify", (against or start) + "^{tree}").stdout.strip()
    if git(root, "rev-parse", "HEAD^{tree}").stdout.strip() == reference:
        return None
    return head


def push(root: Path, *refspecs: str, force: bool = False, remote: str = "origin") -> None:
    args = ["push", "-q", *(["--force"] if force else []), remote, *refspecs]
    git(root, *args, env=auth_env())


# --- GitHub Actions: untrusted text, step outputs and summary

COMMAND_STARTS = ("::", "##[")  # how the Actions runner recognises a workflow command at a line's start


def log_safe(text: object) -> str:
    """Text from data (column names, values, file names) made safe for one log line on Actions.

    The runner treats a line starting with ``::`` (after blanks) or ``##[`` as a workflow
    command (``::add-mask::``, ``::error::``, ``::stop-commands::``...). Line breaks and other
    control characters are written as escapes, so data can never start a line of its own, and
    a fragment that itself starts like a command gets a backslash in front.
    """
    out = []
    for ch in str(text):
        code = ord(ch)
        if ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append(" ")
        elif code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0 or ch in "\u2028\u2029":
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    safe = "".join(out)
    if safe.lstrip().startswith(COMMAND_STARTS):
        safe = "\\" + safe
    return safe


def set_output(name: str, value: str) -> None:
    path = os.environ.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{name}={value}\n")


def export_env(name: str, value: str) -> None:
    """``name=value`` for the job's later steps (``$GITHUB_ENV``), one line: no line break may reach it.

    GitHub reads ``$GITHUB_ENV`` line by line, so a value with a line break would end the
    assignment early and could set a second variable of the value's choosing (``NODE_OPTIONS=...``):
    such a value is refused, never escaped or written in the multi-line form.
    """
    path = os.environ.get("GITHUB_ENV")
    if not path:
        raise RuntimeError("GITHUB_ENV is not set: exporting for later steps works only inside a GitHub Actions step")
    if "\n" in value or "\r" in value:
        raise ValueError(f"{name}: the value contains a line break, which $GITHUB_ENV cannot take as one line")
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"{name}={value}\n")


def summary(markdown: str) -> None:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(markdown.rstrip() + "\n\n")


def annotate(level: str, message: str) -> None:
    """A workflow command (``::warning::``) when on Actions; a plain line otherwise.

    The message is encoded as GitHub documents for command data (``%``, CR, LF), so it stays
    one command; it is written past the command guard, the only way a command is emitted.
    """
    if os.environ.get("GITHUB_ACTIONS"):
        text = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        stream = getattr(sys.stdout, "unguarded", sys.stdout)
        stream.write(f"::{level}::{text}\n")
        stream.flush()
    else:
        print(f"{level}: {log_safe(message)}")


class CommandGuard:
    """A text stream that escapes any line that would start a workflow command.

    Installed on stdout and stderr while a command runs on Actions (``command_guard``), so a
    traceback or a library message quoting data cannot form ``::add-mask::`` or ``::error::``
    either; ``annotate`` writes through ``unguarded``.
    """

    def __init__(self, stream: Any) -> None:
        self.unguarded = stream
        self._line_start = True

    def write(self, text: str) -> int:
        out = []
        for piece in text.splitlines(keepends=True):
            escape = self._line_start and piece.lstrip().startswith(COMMAND_STARTS)
            out.append("\\" + piece if escape else piece)
            self._line_start = piece.endswith(("\n", "\r")) or (self._line_start and not piece.strip())
        self.unguarded.write("".join(out))
        return len(text)

    def flush(self) -> None:
        self.unguarded.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.unguarded, name)


@contextlib.contextmanager
def command_guard() -> Iterator[None]:
    """Guard stdout and stderr against workflow commands from data while on Actions."""
    if not os.environ.get("GITHUB_ACTIONS") or isinstance(sys.stdout, CommandGuard):
        yield
        return
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = CommandGuard(sys.stdout), CommandGuard(sys.stderr)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = saved


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


PLUGIN_HINT = (
    "requirements.lock and requirements-runtime.lock must be resolved with the matching extra "
    "(`--extra {extra}`; the README's 'Set up on GitHub' has both commands)"
)
PLUGIN_ADVICE = (
    "This is not a credentials problem: the DVC plugin for the remote's protocol is not installed. A project "
    "baked with that remote carries it in both lockfiles; otherwise re-resolve them with the extra named "
    "above, commit them, and re-run the failed jobs."
)


@dataclass(frozen=True)
class RemoteProblem:
    message: str  # one line: what is wrong and where
    advice: str  # what to do about it (job summary)

    def __str__(self) -> str:
        return self.message


def remote_problem(root: Path, remote: Remote | None, write: bool = True) -> RemoteProblem | None:
    """Why data cannot be written to (or read from) ``remote`` on this machine; None when it can be tried.

    Named causes, in the order they are checked: no default remote; a local remote that is
    missing, below a file, not a directory or not writable; a cloud remote whose DVC plugin
    (dvc-s3, dvc-gs, ...) is not installed. Credentials and network are only known by trying.
    """
    if remote is None:
        return RemoteProblem(
            "no default DVC remote is configured (`dvc remote add -d storage <url>`, then commit .dvc/config)",
            REMOTE_ADVICE,
        )
    where = f"DVC remote '{remote.name}' ({remote.url})"
    if remote.local_path is not None:
        path = remote.local_path
        message = None
        if not path.exists():
            blocker = next((p for p in path.parents if p.exists()), None)
            if blocker is not None and not blocker.is_dir():
                message = f"{where} resolves to {path}, below {blocker}, which is a file, not a directory"
            else:
                message = (
                    f"{where} resolves to {path}, a local directory that does not exist on this machine "
                    "(a local remote lives only where the project was baked: set a shared remote)"
                )
        elif not path.is_dir():
            message = f"{where} resolves to {path}, which is a file, not a directory"
        elif write and not os.access(path, os.W_OK | os.X_OK):
            message = f"{where} resolves to {path}, which this user cannot write to"
        return RemoteProblem(message, REMOTE_ADVICE) if message else None
    from dvc.fs import get_cloud_fs
    from dvc.repo import Repo

    try:
        with Repo(str(root)) as repo:
            get_cloud_fs(repo.config, name=remote.name)
    except ImportError as exc:
        scheme = remote.url.split("://", 1)[0]
        return RemoteProblem(f"{where}: {exc} ({PLUGIN_HINT.format(extra=scheme)})", PLUGIN_ADVICE)
    except Exception as exc:  # DVC config errors: say which
        return RemoteProblem(f"{where} cannot be used: {exc}", REMOTE_ADVICE)
    return None


def unreachable_message(remote: Remote | None, action: str) -> str:
    where = f"`{remote.url}` (resolves to `{remote.local_path}`)" if remote else "(no default remote configured)"
    return (
        f"### DVC remote not available: {action} skipped\n\n"
        f"The DVC remote {where} is a local directory that does not exist on this runner: it lives "
        "only on the machine that created the project.\n\n"
        "- The **demo** data source is rebuilt deterministically by `ingest` (same days, same rows), "
        "so checks, drift and retraining still run.\n"
        "- A retrain fails at `remote-push` until a real remote is set (data and a model stored nowhere are "
        "never proposed): `dvc remote modify storage url s3://bucket/path` (or gs://, azure://, ssh://) and "
        "commit `.dvc/config`, then store credentials in the secret `DVC_REMOTE_CONFIG` of each environment "
        "(content of `.dvc/config.local`, see README, *Set up on GitHub*): read and write in `model-promotion`, "
        "read-only in `model-monitoring` and `pr-checks`.\n"
    )


REMOTE_ADVICE = (
    "Data and model must be stored before they are proposed, so the job fails and no pull request is opened. "
    "Set a shared remote (`dvc remote modify storage url s3://bucket/path`, or gs://, azure://, ssh://; commit "
    "`.dvc/config`) and its credentials as the secret `DVC_REMOTE_CONFIG` of the `model-promotion` environment "
    "(README, *Set up on GitHub*), then re-run the failed jobs."
)


def run_dvc(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run DVC, echo its output to this process's streams, and keep it for the error line."""
    result = subprocess.run([*DVC, *args], cwd=root, capture_output=True, text=True, check=False)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result


def dvc_error(result: subprocess.CompletedProcess[str]) -> str:
    """DVC's own reason on one line: its first and last ``ERROR:`` lines (the cause and the outcome)."""
    lines = [line.strip() for line in (result.stderr + "\n" + result.stdout).splitlines() if line.strip()]
    errors = [line.removeprefix("ERROR:").strip() for line in lines if line.startswith("ERROR:")]
    if not errors:
        return lines[-1] if lines else f"exit {result.returncode}"
    return errors[0] if len(errors) == 1 else f"{errors[0]}; {errors[-1]}"
