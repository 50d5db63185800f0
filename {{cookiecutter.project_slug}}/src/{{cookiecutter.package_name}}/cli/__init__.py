"""The project's one entry point. DVC stages, workflows, tests and people call it.

Every subcommand imports what it needs when it runs: ``--help`` and the fast
paths never pay for pandas, scikit-learn or MLflow they do not use.
Exit codes: 0 success, 1 a check or gate said no, 2 bad input or configuration.
"""

from __future__ import annotations

import argparse
import atexit
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from . import check, data, decisions, doctor, pipeline, quarantine, workflow
from .args import CommandError, Handler

EXIT_OK, EXIT_REFUSED, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C


__all__ = ["CommandError", "build_parser", "main", "run"]


def build_parser() -> argparse.ArgumentParser:
    # prog: what people type (the console script, `python -m <package>`), not this module's path.
    prog = __name__.rpartition(".")[0]
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="project root (default: current directory)")
    parser.add_argument("--params", default="params.yaml", help="parameters file, relative to --root")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    pipeline.register(add)  # ingest, validate, split, train, evaluate, advance
    decisions.register(add)  # decide, drift, gate, report, demo
    workflow.register(add)  # what the GitHub workflows call
    quarantine.register(add)  # quarantine list|retry|release|withdraw
    check.register(add)  # the daily check in one process (check.py)
    data.register(add)  # init-data, notify-new-data (bring your own data)
    doctor.register(add)  # what a fresh repository still lacks (doctor.py)
    return parser


def os_error_line(exc: OSError) -> str:
    """An operating-system failure as one line: what, where, and what to do."""
    import errno

    where = " -> ".join(str(f) for f in (exc.filename, exc.filename2) if f) or "a file"
    cause = exc.strerror or str(exc)
    advice = {
        errno.ENOSPC: "free disk space and re-run",
        errno.EDQUOT: "free space within your quota and re-run",
        errno.EACCES: "fix the permissions and re-run",
        errno.EPERM: "fix the permissions and re-run",
        errno.EROFS: "the file system is read-only: run where the project can be written",
    }.get(exc.errno or 0, "fix the cause and re-run")
    return f"{cause} ({where}); the command stopped there, {advice}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.root = args.root.resolve()
    args.main = main  # for commands that run other commands (see args.Main)
    from ..adapters.gitops import command_guard, log_safe, summary

    def fail(exc: BaseException) -> int:
        # One line for people, and on Actions the same line in the job summary, where a
        # reviewer looks first (a refused MLflow login, an unreachable remote, bad params).
        line = log_safe(exc)
        print(f"error: {line}", file=sys.stderr)
        summary(f"**`{args.command}` failed:** {line}")
        return EXIT_BAD_INPUT

    # On Actions no line this command prints can form a workflow command (issue 8 item 11).
    with command_guard():
        try:
            return int(args.handler(args))
        except CommandError as exc:
            return fail(exc)
        # config.ConfigError is a ValueError: caught below without importing config (pydantic, ~0.15 s) in
        # commands that never read params.yaml, such as the workflows' export-if-set step (issue 23).
        except (FileNotFoundError, ValueError, RuntimeError) as exc:
            # Domain errors (bad data, missing inputs, unfetchable champion) carry
            # messages written for people; show them without a traceback.
            return fail(exc)
        except OSError as exc:
            # Disk full, permission denied, a read-only file system (issue 20 item 1): one line naming
            # the path and the cause, never a traceback; a re-run after the fix recovers.
            return fail(OSError(os_error_line(exc)))
        except KeyboardInterrupt:
            # Ctrl-C is a person's decision, not a bug: one line, no traceback.
            print("interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED


def run() -> NoReturn:
    """The process entry point (``python -m <package>``, the console script): ``main``, then an exit that
    skips the interpreter's teardown once the command has finished.

    Native thread pools can abort a finished command while the interpreter tears down: pyarrow's parquet
    readers leave pool threads that hit ``std::terminate`` ("terminate called without an active
    exception", exit 134; apache/arrow#34314, open), seen here as a `dvc repro` stage that did its work
    and then failed. Only module teardown and C++ static destructors are skipped: non-daemon threads
    are joined and every other atexit handler has run first (this one is registered before any
    library is imported, so it runs last); streams and logging are flushed. A command that raised keeps
    the normal exit and its traceback.
    """
    finished: list[int] = []

    def leave() -> None:
        if not finished:
            return
        import contextlib
        import logging

        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more can reach it
                stream.flush()
        os._exit(finished[0])

    atexit.register(leave)
    code = main()
    finished.append(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
