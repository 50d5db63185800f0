"""What every command module shares: the `add` signature, CommandError, argument types, params loading.

Standard library only, so importing them costs nothing on the fast paths.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import Params


Handler = Callable[[argparse.Namespace], int]
# build_parser's ``add(name, handler, help)``: registers a subcommand, returns its parser.
Add = Callable[[str, Handler, str], argparse.ArgumentParser]
# ``args.main``: the CLI itself, for commands that run other commands (demo, gate-step);
# passed in by ``main`` rather than imported, so no command module imports the package root.
Main = Callable[[list[str]], int]


class CommandError(Exception):
    """A failure the user can act on; printed as one line, exit code 2."""


def date_arg(text: str) -> dt.date:
    """argparse ``type=`` for YYYY-MM-DD, with an error that names the bad value."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def params_of(args: argparse.Namespace) -> Params:
    """The validated params.yaml that ``--root``/``--params`` point at."""
    from ..config import load_params

    return load_params(args.root / args.params)
