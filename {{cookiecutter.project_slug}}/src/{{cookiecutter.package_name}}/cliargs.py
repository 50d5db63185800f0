"""Argument helpers shared by the CLI modules (cli.py, decisions_cli.py).

Standard library only, so importing them costs nothing on the fast paths.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Params


def date_arg(text: str) -> dt.date:
    """argparse ``type=`` for YYYY-MM-DD, with an error that names the bad value."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def params_of(args: argparse.Namespace) -> Params:
    """The validated params.yaml that ``--root``/``--params`` point at."""
    from .config import load_params

    return load_params(args.root / args.params)
