"""`check`: the daily check of the scheduled workflow, in one process.

advance -> ingest -> validate -> decide (its drift trigger included), each printing what its own
command prints and writing the same files, so the workflow's outputs and verdicts are those of the
five separate commands it replaces. One process pays the imports once; the triggers share the
partitions they read (adapters.dataset.PartitionCache); validate merges per-day summaries; drift
compares against the fixed-size sample persisted with the champion. Evidently (seconds of import)
renders its HTML report only when drift fired, when a retrain is decided (the promotion PR links
it) or with ``--html always``; otherwise the drift summary decide wrote is the report.

Exit codes: 0 decided (whatever the decision), 1 a batch was quarantined or the window's checks
failed (nothing after that step runs), 2 bad input.
"""

from __future__ import annotations

import argparse
import sys

from .args import Add
from .args import date_arg as _date
from .args import params_of as _params

# What the check imports on its way, compiled once by the setup action (`check --warm`)
# so that no step pays for compiling them.
WARM_MODULES = (
    "pandas",
    "pyarrow.parquet",
    "numpy",
    "scipy.stats",
    "scipy.spatial.distance",
    "joblib",
    "sklearn.pipeline",
    "sklearn.compose",
    "sklearn.preprocessing",
    "sklearn.linear_model",
    "sklearn.ensemble",
    "sklearn.impute",
    "sklearn.metrics",
    "yaml",
    "pydantic",
)


def cmd_check(args: argparse.Namespace) -> int:
    from ..adapters.dataset import PartitionCache
    from ..jobs.drift import run_drift
    from .decisions import decide_and_write, print_decision, print_drift
    from .pipeline import cmd_advance, cmd_ingest, cmd_validate

    if args.warm:
        import importlib

        from ..adapters import model_store

        for name in WARM_MODULES:
            importlib.import_module(name)
        model_store.skops_io()  # skops as loading the champion imports it (without the estimator scan)
        print(f"check: imported {len(WARM_MODULES) + 1} modules (their bytecode is compiled now)")
        return 0
    if args.reason and not args.force:
        print("check: --reason without --force is recorded nowhere; pass --force to force a retrain", file=sys.stderr)
        return 2
    if args.to is not None:
        code = cmd_advance(args)
        if code:
            return code
    args.start = args.end = None  # ingest the whole (advanced) window
    for step in (cmd_ingest, cmd_validate):
        code = step(args)
        if code:
            return code  # a quarantined batch or failed window checks stop the check, as the separate steps did
    cache = PartitionCache()  # the newest partitions and the drift reference, read once for triggers and report
    params = _params(args)
    decision, json_path = decide_and_write(args, params, cache)
    print_decision(decision, json_path, args.root)
    if decision["champion"].get("model_md5") is None:
        print("drift: no champion yet, so no training data to compare the newest window with")
        return 0
    trigger = next((t for t in decision["triggers"] if t["name"] == "drift"), None)
    fired = bool(trigger and trigger["fired"])
    html = args.html == "always" or (args.html == "auto" and (fired or decision["retrain"]))
    if html or not (trigger and trigger["evaluated"]):
        out = args.root / "reports" / "drift"
        print_drift(run_drift(params, args.root, out, html=html, cache=cache), html=html)
    else:
        print(
            "drift: reports/drift/drift_summary.json written by the drift trigger; the HTML report is "
            "rendered when drift fires, on the retrain path, or with --html always"
        )
    return 0


def register(add: Add) -> None:
    p = add("check", cmd_check, "the daily check in one process: advance, ingest, validate, decide, drift report")
    p.add_argument("--to", type=_date, help="first move data.end_date to this day (as `advance --to`)")
    p.add_argument("--force", action="store_true", help="retrain regardless of triggers and cooldown")
    p.add_argument("--reason", help="why the retrain is forced (recorded in the decision)")
    p.add_argument("--now", type=_date, help="evaluate age and cooldown as of this day (default: now, UTC)")
    p.add_argument(
        "--all-triggers", action="store_true", help="evaluate every trigger, even when the outcome is settled"
    )
    p.add_argument(
        "--html",
        choices=["auto", "always", "never"],
        default="auto",
        help="Evidently's HTML drift report: auto = when drift fires or a retrain is decided",
    )
    p.add_argument(
        "--warm",
        action="store_true",
        help="only import what the check uses (the setup action compiles its bytecode this way)",
    )
