"""Bring your own data: ``init-data`` (describe it in params.yaml) and ``notify-new-data``
(tell the retrain workflow that new data landed).

Exit codes follow cli/__init__.py: 0 ok, 2 bad input (one line naming what is wrong).
"""

from __future__ import annotations

import argparse
import sys

from .args import Add
from .args import date_arg as _date

EXIT_OK, EXIT_BAD_INPUT = 0, 2


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(n.strip() for n in (text or "").split(",") if n.strip())


def cmd_init_data(args: argparse.Namespace) -> int:
    from ..core.profile import ProfileOptions
    from ..jobs.init_data import InitDataError, run_init_data

    options = ProfileOptions(
        target=args.target,
        task=args.task,
        date_column=args.date_column,
        id_column=args.id_column,
        categorical=_names(args.categorical),
        numeric=_names(args.numeric),
        exclude=_names(args.exclude),
        max_categories=args.max_categories,
        max_integer_codes=args.max_integer_codes,
        range_margin=args.range_margin,
    )
    try:
        result = run_init_data(
            args.root,
            args.params,
            path=args.path,
            fmt=args.format,
            sql=args.sql,
            url_env=args.url_env,
            start=args.start,
            end=args.end,
            sample_rows=args.sample_rows,
            options=options,
            write=args.write,
        )
    except InitDataError as exc:
        print(f"error: init-data: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    p = result.profile
    print(f"init-data: {result.sample_rows} sample rows from {result.source}")
    print(f"  label      {p.target} ({p.task}{', classes ' + ', '.join(p.classes) if p.classes else ''})")
    others = [c for c in p.date_candidates if c != p.date_column]
    print(
        f"  date       {p.date_column} ({p.first_day}..{p.last_day}, {p.days} days, median "
        f"{p.rows_per_day_median:g} rows a day){'; other date columns: ' + ', '.join(others) if others else ''}"
    )
    print(f"  id         {p.id_column or 'none'}")
    for kind, names in p.features.items():
        print(f"  {kind:<10} {', '.join(names) if names else '-'}")
    for note in result.notes:
        print(f"  note: {note}")
    diff = result.diff
    if not diff:
        print(f"  {args.params} already says all this: nothing to change")
    elif result.written:
        print(f"  written: {args.params} ({diff.count(chr(10) + '+')} line(s) changed, comments kept); next: dvc repro")
    else:
        print("")
        print(diff, end="")
        print(f"\n(preview: nothing written; run again with --write to apply it to {args.params})")
    return EXIT_OK


def cmd_notify_new_data(args: argparse.Namespace) -> int:
    from ..adapters.github import GitHub

    gh = GitHub.from_env()
    payload: dict[str, object] = {}
    if args.as_of is not None:
        payload["as_of"] = args.as_of.isoformat()
    if args.reason:
        payload["reason"] = args.reason
    if args.force:
        payload["force"] = True
    run = gh.dispatch(args.event, payload)
    shown = ", ".join(f"{k}={v}" for k, v in payload.items()) or "no payload"
    if run is not None:  # the answer was lost, the event was not: not sent twice
        where = run.get("html_url") or f"run {run.get('id')}"
        print(
            f"notify-new-data: repository_dispatch '{args.event}' to {gh.repository} ({shown}) was already delivered "
            f"(its answer was lost; {where}); not sent again"
        )
        return EXIT_OK
    print(f"notify-new-data: sent repository_dispatch '{args.event}' to {gh.repository} ({shown})")
    return EXIT_OK


def register(add: Add) -> None:
    p = add(
        "init-data",
        cmd_init_data,
        "describe your data (a path/glob or --sql) in params.yaml: project, data, checks, features; "
        "a preview unless --write",
    )
    p.add_argument(
        "path",
        nargs="?",
        help="file, folder or glob (CSV/Parquet; s3:// gs:// with the extras); default: the source params.yaml names",
    )
    p.add_argument(
        "--format", choices=("auto", "csv", "parquet"), default="auto", help="file format (default: by name)"
    )
    p.add_argument("--sql", metavar="QUERY", help="read from a SQL query using :start and :end instead of files")
    p.add_argument(
        "--url-env",
        help="environment variable holding the SQLAlchemy URL (default: data.sql.url_env, else RETRAIN_DATABASE_URL)",
    )
    p.add_argument("--start", type=_date, help="SQL: first day to sample (default: all)")
    p.add_argument("--end", type=_date, help="SQL: last day to sample (default: all)")
    p.add_argument("--sample-rows", type=int, default=100_000, help="read at most this many rows (default 100000)")
    p.add_argument("--target", help="the label column (default: params.yaml's, or a column named target/label/...)")
    p.add_argument("--task", choices=("classification", "multiclass", "regression"), help="override the detected task")
    p.add_argument("--date-column", help="the column that dates each row (default: detected)")
    p.add_argument("--id-column", help="the row id column; '' for none (default: detected)")
    p.add_argument("--categorical", metavar="COLS", help="comma-separated columns to treat as categories")
    p.add_argument("--numeric", metavar="COLS", help="comma-separated integer columns to keep numeric")
    p.add_argument("--exclude", metavar="COLS", help="comma-separated columns to leave out of the features")
    p.add_argument(
        "--max-categories",
        type=int,
        default=50,
        help="text columns with at most this many values are categorical (default 50)",
    )
    p.add_argument(
        "--max-integer-codes",
        type=int,
        default=10,
        help="integer columns with at most this many values are categorical codes (default 10)",
    )
    p.add_argument(
        "--range-margin",
        type=float,
        default=1.0,
        help="a signed measurement's observed min..max is widened by this many spans on each side (at "
        "least 1, the default: catches unit and sign errors, not unseen tails); counts, amounts, shares "
        "and calendar parts get the bounds of their kind",
    )
    p.add_argument("--write", action="store_true", help="apply the proposal to params.yaml (comments kept)")

    p = add(
        "notify-new-data",
        cmd_notify_new_data,
        "send the repository_dispatch event that starts retrain.yml (GITHUB_REPOSITORY, GITHUB_TOKEN)",
    )
    p.add_argument("--as-of", type=_date, help="last day of data the run should consider (default: yesterday, UTC)")
    p.add_argument("--reason", help="recorded in the decision (default: 'new-data event')")
    p.add_argument("--force", action="store_true", help="retrain whatever the triggers say")
    p.add_argument("--event", default="new-data", help="event type (retrain.yml listens to new-data)")
