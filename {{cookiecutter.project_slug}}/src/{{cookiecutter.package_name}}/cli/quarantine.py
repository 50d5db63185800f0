"""``quarantine list|retry|release|withdraw``: a person's decisions on held batches, each recorded.

Exit codes follow cli/__init__.py: 0 done, 1 a retried batch still fails, 2 bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt

from .args import Add, CommandError
from .args import date_arg as _date
from .args import params_of as _load


def cmd_quarantine_list(args: argparse.Namespace) -> int:
    from ..jobs.quarantine import list_days

    params = _load(args)
    rows = list_days(params, args.root)
    if not rows:
        print(f"quarantine: nothing in {params.data.quarantine_dir}/")
        return 0
    print(
        f"quarantine: {sum(r['status'] == 'held' for r in rows)} held, "
        f"{sum(r['status'] == 'withdrawn' for r in rows)} withdrawn, {len(rows)} recorded in "
        f"{params.data.quarantine_dir}/"
    )
    for r in rows:
        stale = "  (params or source changed since: the next ingest re-checks it)" if r["stale"] else ""
        print(f"  {r['day']}  {r['status']:<8} {r['last']}{stale}")
        for failure in r["failures"][:5]:
            print(f"      - {failure}")
    return 0


def _days(args: argparse.Namespace) -> list[dt.date]:
    if args.all == bool(args.day):
        raise CommandError("name one DAY (YYYY-MM-DD) or pass --all")
    return [args.day] if args.day else []


def cmd_quarantine_retry(args: argparse.Namespace) -> int:
    from ..jobs.quarantine import retry

    params = _load(args)
    outcomes = retry(params, args.root, _days(args), why=args.reason or "retry requested")
    failed = 0
    for day, admitted, detail in outcomes:
        print(f"quarantine retry {day}: {'ADMITTED' if admitted else 'still failing'} - {detail}")
        failed += not admitted
    return 1 if failed else 0


def _decide_one_day(args: argparse.Namespace) -> int:
    """release and withdraw: one day, a reason recorded with the actor's name, one line of outcome."""
    from ..jobs import quarantine

    if not args.reason or not args.reason.strip():
        raise CommandError(f"quarantine {args.action}: --reason is required (it is recorded with your name)")
    decide = {"release": quarantine.release, "withdraw": quarantine.withdraw}[args.action]
    detail = decide(_load(args), args.root, args.day, why=args.reason.strip())
    print(f"quarantine {args.action} {args.day}: {detail}")
    return 0


def cmd_quarantine(args: argparse.Namespace) -> int:
    handlers = {
        "list": cmd_quarantine_list,
        "retry": cmd_quarantine_retry,
        "release": _decide_one_day,
        "withdraw": _decide_one_day,
    }
    return handlers[args.action](args)


def register(add: Add) -> None:
    p = add(
        "quarantine",
        cmd_quarantine,
        "held batches: list them, retry them with the current params and source, or release one (recorded)",
    )
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    sub.add_parser("list", help="held and decided days, why, and whether a re-check is due")
    q = sub.add_parser("retry", help="fetch and check held days again now; admit those that pass")
    q.add_argument("day", nargs="?", type=_date, help="the day (YYYY-MM-DD)")
    q.add_argument("--all", action="store_true", help="every held day")
    q.add_argument("--reason", help="recorded with your name")
    q = sub.add_parser("release", help="admit a held or withdrawn batch as it is (a person vouches for it); recorded")
    q.add_argument("day", type=_date, help="the day (YYYY-MM-DD)")
    q.add_argument("--reason", required=True, help="why it is fine: recorded with your name in the report")
    q = sub.add_parser(
        "withdraw", help="take an admitted day out of data/raw (into the quarantine), recorded in data/withdrawn.json"
    )
    q.add_argument("day", type=_date, help="the day (YYYY-MM-DD)")
    q.add_argument("--reason", required=True, help="why it must go: recorded with your name in the ledger")
