"""Subcommands that decide: decide, drift, gate, report, demo.

Exit codes follow cli/__init__.py: 0 ok (decide: whatever the decision; gate: promote),
1 refused (gate: reject), 2 bad input or configuration.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from .args import Add
from .args import date_arg as _date
from .args import params_of as _params


def decide_and_write(args: argparse.Namespace, params: Any, cache: Any = None) -> tuple[dict[str, Any], Any]:
    """decide with the command line's clock and flags, then write reports/decision.* (decide and check share it)."""
    from ..jobs.decide import decide, write_outputs

    now = dt.datetime.combine(args.now, dt.time(0, 0), tzinfo=dt.UTC) if args.now else dt.datetime.now(dt.UTC)
    decision = decide(
        params,
        args.root,
        now,
        force=args.force,
        reason=args.reason,
        all_triggers=args.all_triggers,
        clock="commit" if args.now is None else "data",
        cache=cache,
    )
    json_path, _ = write_outputs(decision, args.root)
    return decision, json_path


def cmd_decide(args: argparse.Namespace) -> int:
    if args.reason and not args.force:
        print("decide: --reason without --force is recorded nowhere; pass --force to force a retrain", file=sys.stderr)
        return 2
    decision, json_path = decide_and_write(args, _params(args))
    print_decision(decision, json_path, args.root)
    return 0


def print_decision(decision: dict[str, Any], json_path: Path, root: Path) -> None:
    print(f"decide: {'RETRAIN' if decision['retrain'] else 'no retrain'} - {decision['reason']}")
    for t in decision["triggers"]:
        state = "FIRED" if t["fired"] else ("quiet" if t["evaluated"] else "skipped")
        print(f"  {t['name']:<7} {state:<7} {t['detail']}")
    print(f"  written: {json_path.relative_to(root)} and decision.md")


def cmd_drift(args: argparse.Namespace) -> int:
    from ..jobs.drift import run_drift

    params = _params(args)
    out = args.root / "reports" / "drift"
    print_drift(run_drift(params, args.root, out), html=True)
    return 0


def print_drift(summary: dict[str, Any], *, html: bool) -> None:
    verdict = "DATASET DRIFT" if summary["dataset_drift"] else "no dataset drift"
    print(
        f"drift: {verdict}: {len(summary['drifted_columns'])} of {len(summary['columns'])} columns drifted "
        f"({summary['drifted_share']:.0%}, threshold {summary['drift_share_threshold']:.0%}); "
        f"reference {summary['reference_range'][0]}..{summary['reference_range'][1]}, "
        f"current {summary['current_range'][0]}..{summary['current_range'][1]}"
    )
    for col, r in summary["columns"].items():
        print(
            f"  {col:<20} {r['method']:<32} score {r['score']:.4g} threshold {r['threshold']:.4g}"
            f"{'  DRIFTED' if r['drifted'] else ''}"
        )
    html_file = "reports/drift/drift_report.html, " if html else ""
    print(f"  written: {html_file}reports/drift/drift_summary.json")


def cmd_gate(args: argparse.Namespace) -> int:
    from ..jobs.gate import run_gate

    params = _params(args)
    result = run_gate(params, args.root)
    attempt = _record_attempt(args.root, result)
    if result.get("already_champion"):  # exit 1 as for a rejection: nothing to promote, no PR to open
        print("gate: ALREADY THE CHAMPION (nothing to promote)")
    else:
        print(f"gate: {'PROMOTE' if result['promote'] else 'REJECT'}")
    for m in result["metrics"]:
        interval = f" CI [{m['interval'][0]:+.4f}, {m['interval'][1]:+.4f}]" if m["interval"] else ""
        champ = "none" if m["champion"] is None else f"{m['champion']:.4f}"
        print(
            f"  {m['metric']:<18} champion {champ} candidate {m['candidate']:.4f}{interval} "
            f"[{m['rule']}] {'pass' if m['passed'] else 'FAIL'}"
        )
    for reason in result["reasons"]:
        print(f"  reason: {reason}")
    print("  written: reports/gate.json, reports/gate.md" + (", data/attempts.json" if attempt else ""))
    return 0 if result["promote"] else 1


def _record_attempt(root: Path, result: dict[str, Any]) -> Any:
    """Remember a judged candidate (adapters/attempts.py): decide's volume and age count from it."""
    import json

    from .. import paths
    from ..adapters import attempts

    split_file = root / paths.SPLIT_INFO
    try:
        split = json.loads(split_file.read_text()) if split_file.exists() else None
    except ValueError:
        split = None  # the gate has already refused what it could not read; nothing was tried
    return attempts.record(root, result, split)


def cmd_report(args: argparse.Namespace) -> int:
    from ..jobs.report import run_report

    params = _params(args)
    path, text = run_report(params, args.root, pictures=not args.no_pictures, track=not args.no_track)
    print(f"report: {path.relative_to(args.root)} ({len(text)} characters): {text.splitlines()[0]}")
    return 0


def cmd_backtest(args: argparse.Namespace) -> int:
    from ..jobs import backtest

    params = _params(args)
    try:
        policies = [backtest.parse_policy(p) for p in (args.policy or ["configured", "never", "every:7", "every:1"])]
        result = backtest.replay(
            params,
            args.root,
            args.start,
            args.end or params.data.end_date,
            policies,
            review_lag=args.review_lag,
            progress=None if args.quiet else backtest.progress_bar,
            changes=args.change or [],
        )
    except backtest.BacktestError as exc:
        print(f"backtest: {exc}", file=sys.stderr)
        return 2
    json_path, _ = backtest.write_outputs(result, args.root, figure=not args.no_figure)
    metric = result["primary_metric"]
    print(f"backtest {result['from']}..{result['to']} (review lag {result['review_lag']} day(s)), online {metric}:")
    print(f"  {'policy':<12} {'retrains':>8} {'promoted':>8} {'rejected':>8} {'mean':>8} {'worst':>8} {'CI min':>7}")
    for name, s in result["policies"].items():
        mean = "-" if s["mean_online"] is None else f"{s['mean_online']:.4f}"
        worst = "-" if s["worst_online"] is None else f"{s['worst_online']:.4f}"
        print(
            f"  {name:<12} {s['retrains']:>8} {s['promotions']:>8} {s['rejections']:>8} {mean:>8} {worst:>8}"
            f" {s['ci_minutes']:>7}"
        )
        for r in s["recovery"]:
            decided, serving = r["retrain_decided_after_days"], r["serving_after_days"]
            print(
                f"    change {r['change']}: "
                + ("no retrain" if decided is None else f"retrain decided after {decided} day(s)")
                + ", "
                + (
                    "no model retrained since served"
                    if serving is None
                    else f"a model retrained since served after {serving}"
                )
            )
    written = "backtest.md" + (" and backtest.png" if result.get("figure") else "")
    print(f"  written: {json_path.relative_to(args.root)}, {written}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from ..jobs.demo import run_demo

    return run_demo(args.root, args.main, workdir=args.workdir, rows_per_day=args.rows_per_day, keep=args.keep)


def register(add: Add) -> None:
    p = add("decide", cmd_decide, "decide whether to retrain (triggers, cooldown); write reports/decision.*")
    p.add_argument("--force", action="store_true", help="retrain regardless of triggers and cooldown")
    p.add_argument("--reason", help="why the retrain is forced (recorded in the decision)")
    p.add_argument(
        "--now",
        type=_date,
        help="evaluate age and cooldown as of this day, on the data's timeline: "
        "the champion dates from the last day of its data (default: now, UTC, against commit times)",
    )
    p.add_argument(
        "--all-triggers",
        action="store_true",
        help="evaluate every trigger, even when the outcome is settled or a cooldown holds (which still blocks)",
    )
    add("drift", cmd_drift, "Evidently drift report: champion's training data vs the newest window")
    add(
        "gate",
        cmd_gate,
        "promote or reject the candidate against the champion (exit 0 promote, 1 reject or already the champion)",
    )
    p = add(
        "report",
        cmd_report,
        "write the promotion pull-request body to reports/promotion.md, its figures "
        "(reports/figures/) and the model card (reports/model_card.md)",
    )
    p.add_argument("--no-pictures", action="store_true", help="text only: no figures, no model card")
    p.add_argument("--no-track", action="store_true", help="do not attach the report to the MLflow run")
    p = add(
        "backtest",
        cmd_backtest,
        "replay past days through the loop's own code under several retrain policies (no git, DVC or MLflow)",
    )
    p.add_argument("--from", dest="start", type=_date, required=True, help="first day to replay (YYYY-MM-DD)")
    p.add_argument("--to", dest="end", type=_date, help="last day to replay (default: data.end_date)")
    p.add_argument(
        "--policy",
        action="append",
        help="configured (params.yaml's decide), never, every:N, oracle (needs --change); repeat for several "
        "(default: configured, never, every:7, every:1)",
    )
    p.add_argument("--review-lag", type=int, default=1, help="days between a promotion and its merge (default 1)")
    p.add_argument(
        "--change",
        action="append",
        type=_date,
        help="a day the data is known to have changed (repeatable): recovery is measured from it, the oracle "
        "policy retrains on the days since it",
    )
    p.add_argument("--no-figure", action="store_true", help="no reports/backtest.png")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p = add("demo", cmd_demo, "walk through no-drift / drift / bad-change on a scratch copy of this project")
    p.add_argument("--workdir", help="scratch directory (default: a new temporary directory)")
    p.add_argument("--rows-per-day", type=int, default=150, help="demo rows per day (small keeps it quick)")
    p.add_argument("--keep", action="store_true", help="keep the scratch directory to look around afterwards")
