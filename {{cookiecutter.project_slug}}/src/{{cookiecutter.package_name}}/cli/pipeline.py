"""Pipeline commands: ingest, validate, split, train, evaluate (the DVC stages) and advance.

Exit codes follow cli/__init__.py: 0 success, 1 a check said no, 2 bad input or configuration.
"""

from __future__ import annotations

import argparse
import sys

from .args import Add, CommandError
from .args import date_arg as _date
from .args import params_of as _load

EXIT_OK, EXIT_REFUSED = 0, 1


def cmd_ingest(args: argparse.Namespace) -> int:
    from ..jobs.ingest import ingest, write_summary
    from ..paths import INGEST_SUMMARY

    params = _load(args)
    result = ingest(params, args.root, args.start, args.end)
    write_summary(result, args.root / INGEST_SUMMARY)
    print(f"ingest: {result.summary()}")
    for day, warnings in result.warnings.items():
        for line in warnings:
            print(f"  warning: batch {day}: {line}")
    for day, failures in result.reports.items():
        print(f"  batch {day} quarantined in {params.data.quarantine_dir}/:", file=sys.stderr)
        for line in failures.splitlines():
            print(f"    - {line}", file=sys.stderr)
    if result.late:
        print(f"ingest: {result.late_line()}", file=sys.stderr)
    if result.quarantined or result.blocked:
        print(
            f"  held days block the pipeline until they pass: fix the source or the params (the next ingest "
            f"re-checks them by itself), or decide by hand: `{__package__.split('.')[0]} quarantine list|retry|release DAY`",
            file=sys.stderr,
        )
    return EXIT_OK if result.ok else EXIT_REFUSED


def cmd_validate(args: argparse.Namespace) -> int:
    from ..adapters.files import write_report
    from ..jobs.validate import run_validate
    from ..paths import DATA_CHECKS_JSON, DATA_CHECKS_MD

    params = _load(args)
    report = run_validate(params, args.root)
    write_report(args.root / DATA_CHECKS_JSON, args.root / DATA_CHECKS_MD, report.to_dict(), report.to_markdown())
    print(f"validate: {len(report.results)} checks on {report.rows} rows, {len(report.failures)} failed")
    for warning in report.warnings:
        print(f"  warning: {warning.sentence()}", file=sys.stderr)
    for failure in report.failures:
        print(f"  - {failure.sentence()}", file=sys.stderr)
    return EXIT_OK if report.passed else EXIT_REFUSED


def cmd_split(args: argparse.Namespace) -> int:
    from ..jobs.split import run_split

    params = _load(args)
    info = run_split(params, args.root, args.root / "data/processed")
    print(
        f"split: train {info['train']['start']}..{info['train']['end']} ({info['train']['rows']} rows), "
        f"holdout {info['holdout']['start']}..{info['holdout']['end']} ({info['holdout']['rows']} rows)"
    )
    change = info.get("after_change")
    if change and change.get("inherited"):
        print(
            f"  the champion was trained on the days since a change on {change['day']} and no newer change is "
            f"found: trained and judged on the {change['days_after']} day(s) since (split.after_change)"
        )
    elif change:
        print(
            f"  after a change on {change['day']}: the champion's loss rose from {change['loss_before']:.4f} to "
            f"{change['loss_after']:.4f} (t = {change['t']:.1f}); trained and judged on the {change['days_after']} "
            "day(s) since (split.after_change)"
        )
    for warning in info.get("warnings", []):
        print(f"  warning: {warning}", file=sys.stderr)
    return EXIT_OK


def cmd_train(args: argparse.Namespace) -> int:
    from .. import paths
    from ..adapters.gitops import summary
    from ..core.features import check_estimator
    from ..jobs.report import mlflow_link
    from ..jobs.train import run_train

    params = _load(args)
    check_estimator(params)  # one line naming the key before any data is read or a tracking run opened
    info = run_train(
        params,
        args.root,
        args.root / paths.TRAIN,
        args.root / paths.MODEL,
        args.root / paths.MODEL_INFO,
        track=not args.no_track,
    )
    where = (
        f"MLflow run {info['run_id']}, {info.get('registered_model')} v{info.get('version')} @challenger"
        if "run_id" in info
        else "not tracked"
    )
    print(f"train: {params.model.estimator} on {info['tags']['data.rows']} rows; {where}")
    if link := mlflow_link(info):
        summary(f"MLflow run of this training: {link}")
    return EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .. import paths
    from ..jobs.evaluate import run_evaluate

    params = _load(args)
    root = args.root
    out = {
        "predictions": root / paths.PREDICTIONS,
        "evaluation": root / paths.EVALUATION,
        "metrics": root / paths.METRICS,
        "plots": root / paths.PLOTS,
        "model_info": root / paths.MODEL_INFO,
    }
    result = run_evaluate(params, root, root / paths.MODEL, root / paths.HOLDOUT, out, track=not args.no_track)
    primary = params.evaluate.primary_metric
    cand = result["candidate"]["metrics"][primary]
    champ = result["champion"]["metrics"][primary] if result["champion"] else None
    print(
        f"evaluate: {primary} candidate={cand} champion={champ if champ is not None else 'none'} "
        f"on {result['holdout']['rows']} holdout rows ({result['champion_ref']['reason']})"
    )
    return EXIT_OK


def cmd_advance(args: argparse.Namespace) -> int:
    from ..adapters.params_edit import set_end_date

    params = _load(args)
    if args.to < params.data.start_date:
        raise CommandError(f"--to {args.to} is before data.start_date {params.data.start_date}")
    from ..jobs.ingest import refuse_future

    try:
        refuse_future(params, args.to)
    except ValueError as exc:
        raise CommandError(f"--to: {exc}") from None
    old = set_end_date(args.root / args.params, args.to)
    print(f"advance: data.end_date {old} -> {args.to}")
    return EXIT_OK


def register(add: Add) -> None:
    p = add("ingest", cmd_ingest, "fetch missing days of the window, check each batch, admit or quarantine it")
    p.add_argument("--start", type=_date, help="first day (default: data.start_date)")
    p.add_argument("--end", type=_date, help="last day (default: data.end_date)")
    add("validate", cmd_validate, "check the assembled window of raw data; write reports/data_checks.*")
    add("split", cmd_split, "time-based train/holdout split of the window")
    p = add("train", cmd_train, "fit the model Pipeline, save it, log and register it in MLflow")
    p.add_argument("--no-track", action="store_true", help="skip MLflow logging")
    p = add("evaluate", cmd_evaluate, "score candidate and champion on the same holdout rows")
    p.add_argument("--no-track", action="store_true", help="skip MLflow logging")
    p = add("advance", cmd_advance, "move data.end_date in params.yaml (the window the pipeline covers)")
    p.add_argument("--to", type=_date, required=True, help="new data.end_date")
