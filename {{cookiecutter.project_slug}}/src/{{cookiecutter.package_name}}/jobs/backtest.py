"""Replay a stretch of the project's own history, day by day, through the loop's own code (issue 18).

"With these params, what would the last months have looked like?" For each day ``d`` of the stretch:

1. the model serving on ``d`` (chosen with data up to the day before) is scored on ``d``'s labelled
   rows: the **online metric**, what production would have measured;
2. a promotion whose review lag has passed starts serving (a person merges the PR the next day);
3. each policy decides with data up to ``d``: ``configured`` runs ``decide``'s own rules
   (``decide_on``: cooldown, age, volume, decay, drift, the attempt memory) on the replay's facts;
   the baselines ``never`` and ``every:N`` retrain on a fixed rhythm;
4. a retrain runs the pipeline's own steps (``split`` with ``split.after_change``, ``train``'s fit,
   ``evaluate``'s scoring) and the gate's ``judge``; a promotion serves from ``d + 1 + review_lag``.

One process, no git commits, no DVC, no MLflow: models live in memory and the data is read from the
project's raw partitions. The starting champion is the one ``evaluate.champion_ref`` pins.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..adapters import attempts as attempts_mod
from ..adapters import champion as champion_mod
from ..adapters import history
from ..adapters.dataset import PartitionCache, list_partitions, partition_path
from ..config import Params
from ..core.gate import judge
from ..core.metrics import compute
from .decide import DayScores

POLICIES = ("configured", "never", "every:N", "oracle")

# Estimated GitHub Actions minutes per job. GitHub bills each job's time rounded up to the next whole
# minute (docs.github.com: "Viewing job execution time"); docs/benchmarks.md measured the setup at 8.8 s,
# the daily check at 2.4 s, the retrain loop at 100k rows at 23 s: one minute for a check, two for a
# retrain job (setup, DVC pull and push, the loop, MLflow), one for the promotion PR job.
CI_MINUTES = {"check": 1, "retrain": 2, "promote-pr": 1}


class BacktestError(ValueError):
    pass


@dataclass
class Serving:
    """A model in production in the replay, with the facts ``decide`` reads about a champion."""

    name: str  # "champion" or "retrain <day>"
    model: Any
    train_range: tuple[dt.date, dt.date]
    holdout_end: dt.date
    baseline: dict[str, float]
    since: dt.date | None = None  # the change its training window started at (split.json after_change)

    @property
    def md5(self) -> str:
        return hashlib.md5(self.name.encode(), usedforsecurity=False).hexdigest()


@dataclass
class ReplayProduction:
    """``decide``'s facts about production (jobs/decide.py ``Production``), from the replay's timeline."""

    serving: Serving
    promoted_day: dt.date  # the data day it dates from: its holdout's end (decide's data clock)
    attempts: list[attempts_mod.Attempt]

    @property
    def champion(self) -> champion_mod.ChampionRef:
        return champion_mod.ChampionRef("replay", None, self.serving.md5, f"serving in the replay: {self.serving.name}")

    @property
    def last_change(self) -> dt.datetime:
        return _midnight(self.promoted_day)

    @property
    def promoted_at(self) -> dt.datetime:
        return _midnight(self.promoted_day)

    @property
    def train_range(self) -> tuple[dt.date, dt.date]:
        return self.serving.train_range

    @property
    def holdout_end(self) -> dt.date:
        return self.serving.holdout_end

    @property
    def window_start(self) -> dt.date | None:
        return self.serving.since

    @property
    def baseline(self) -> dict[str, float]:
        return self.serving.baseline

    def model(self) -> Any:
        return self.serving.model


@dataclass
class PolicyRun:
    name: str
    production: ReplayProduction
    pending: tuple[dt.date, Serving] | None = None
    days: list[dict[str, Any]] = field(default_factory=list)
    retrains: int = 0
    promotions: int = 0
    rejections: int = 0


class ScoreMemo(DayScores):
    """decide's local scoring engine (jobs/decide.py), kept for the whole replay: each partition is
    scored once per model.

    ``decide``'s decay windows rescore the serving model on the same days every morning, and the online
    metric scores it on each new day: in the replay the model and the rows do not change between days,
    so each (model, partition) is scored once and remembered.
    """

    name = "replay"


class FitMemo:
    """The replay's fits, shared by the policies: a fit is a function of its training rows alone (the model
    params do not change within a replay), so two policies retraining on the same day on the same window
    (``every:7`` and ``every:1`` on all history, say) fit once. Keyed by a hash of the training rows
    themselves, in order, not by the dates that chose them. The newest ``size`` fits are kept (a window
    since a change can repeat on the next day, when its holdout grows by a day)."""

    def __init__(self, size: int = 8) -> None:
        self._models: dict[str, Any] = {}
        self.size = size
        self.hits = 0

    @staticmethod
    def key(params: Params, train: Any) -> str:
        import pandas as pd

        from ..core.features import input_columns

        columns = [*input_columns(params), params.project.target]
        rows = pd.util.hash_pandas_object(train[columns], index=False).to_numpy()
        digest = hashlib.sha256(rows.tobytes())
        digest.update(repr([(c, str(train[c].dtype)) for c in columns]).encode())
        return f"{len(train)}:{digest.hexdigest()}"

    def fit(self, params: Params, train: Any) -> Any:
        from .train import fit

        key = self.key(params, train)
        model = self._models.pop(key, None)
        if model is None:
            model = fit(params, train)
        else:
            self.hits += 1
        self._models[key] = model  # the newest last
        while len(self._models) > self.size:
            del self._models[next(iter(self._models))]
        return model


class DayFrame:
    """The history up to a replayed day, read and concatenated once for every policy retraining that day."""

    def __init__(self, cache: PartitionCache) -> None:
        self.cache = cache
        self._day: dt.date | None = None
        self._frame: Any = None

    def get(self, params: Params, root: Path) -> Any:
        import pandas as pd

        day = params.data.end_date
        if self._day != day:
            paths = list_partitions(root / params.data.raw_dir, params.data.start_date, day)
            self._frame = pd.concat([self.cache.read(p) for p in paths], ignore_index=True)
            self._day = day
        return self._frame


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)


def parse_policy(text: str) -> str:
    if text in ("configured", "never", "oracle") or (
        text.startswith("every:") and text[6:].isdigit() and int(text[6:]) > 0
    ):
        return text
    raise BacktestError(f"unknown policy {text!r}: use configured, never, every:N (N days, e.g. every:7) or oracle")


def starting_champion(params: Params, root: Path) -> Serving:
    ref = champion_mod.resolve(root, params.evaluate.champion_ref)
    if ref.md5 is None:
        raise BacktestError(f"no champion to start from: {ref.reason}; promote a first model, then backtest after it")
    where = ref.commit or params.evaluate.champion_ref
    span = history.train_range(root, where)
    if span is None:
        raise BacktestError(f"{params.evaluate.champion_ref} has no data/processed/split.json: cannot replay from it")
    holdout_end = history.holdout_end(root, where) or span[1]
    model = champion_mod.load(root, ref, params)
    baseline = history.committed_metrics(root, where) or {}
    return Serving("champion", model, span, holdout_end, baseline, history.window_change(root, where))


def online_metric(params: Params, root: Path, model: Any, day: dt.date, memo: ScoreMemo) -> float | None:
    """The serving model's primary metric on one day's labelled rows (None: no rows, or undefined)."""
    from ..core.features import input_columns
    from .decide import labelled_scores, scored_truth

    path = partition_path(root / params.data.raw_dir, day)
    if not path.exists():
        return None
    task = params.project.task
    # The same scoring call decide's decay windows make, so the memo serves both.
    [(labels, scores)] = memo.map(
        labelled_scores,
        [str(path.resolve())],
        model=model,
        columns=input_columns(params),
        target=params.project.target,
        task=task,
    )
    if len(labels) == 0:
        return None
    y, scores = scored_truth(model, labels, scores, task)
    metric = params.evaluate.primary_metric
    value = compute([metric], y, scores, params.evaluate.threshold)[metric]
    return None if math.isnan(value) else float(value)


def retrain(
    params: Params,
    root: Path,
    serving: Serving,
    cache: PartitionCache,
    known_change: dt.date | None = None,
    *,
    frames: DayFrame | None = None,
    fits: FitMemo | None = None,
) -> tuple[Serving, dict[str, Any]]:
    """The retrain path of the loop on data up to ``params.data.end_date``: split, fit, score, judge.
    ``known_change``: the oracle's window start, instead of the one split would find. ``frames`` and
    ``fits``: the replay's day frame and fits, shared by its policies (the same results, computed once)."""
    import pandas as pd

    from .evaluate import evaluation_record, predictions_frame, score_both
    from .split import change_after, kept_change, split_after_change, training_since
    from .train import fit

    frame = (frames or DayFrame(cache)).get(params, root)
    change: dict[str, Any] | None = None
    if known_change is not None:
        days = frame[params.project.date_column].dt.normalize()
        days_after = int(days[days >= pd.Timestamp(known_change)].nunique())
        change = {"day": known_change.isoformat(), "days_after": days_after, "known": True}
    elif params.split.after_change.enabled:
        change = change_after(params, frame, lambda: serving.model, serving.train_range[1])
        change = change or kept_change(params, frame, serving.since, serving.md5)
    train, holdout, _ = split_after_change(params, frame, change)
    model = fits.fit(params, train) if fits is not None else fit(params, train)
    y, cand, champ, classes = score_both(params, model, serving.model, holdout)
    assert champ is not None  # the replay always has a serving model
    ev = params.evaluate
    date_col = params.project.date_column
    ref = {"ref": "replay", "commit": None, "model_md5": serving.md5, "reason": serving.name}
    candidate_metrics = compute(ev.metrics, y, cand, ev.threshold)
    champion_metrics = compute(ev.metrics, y, champ, ev.threshold)
    evaluation = evaluation_record(
        params, holdout, classes, candidate_metrics, champion_metrics, ref, {"model_md5": None}
    )
    predictions = predictions_frame(params, holdout, y, cand, champ, classes)
    verdict = judge(evaluation, predictions, params, ref, compared=(change or {}).get("compared", 1)).to_dict()
    day = params.data.end_date
    candidate = Serving(
        f"retrain {day}",
        model,
        (train[date_col].min().date(), train[date_col].max().date()),
        holdout[date_col].max().date(),
        {k: float(v) for k, v in candidate_metrics.items() if not math.isnan(v)},  # its metrics.json at promotion
        training_since(change),
    )
    verdict["after_change"] = change
    return candidate, verdict


def _oracle_due(
    run: PolicyRun, day: dt.date, changes: list[dt.date], min_days: int
) -> tuple[bool, str, dt.date | None]:
    """Knows each change day: retrains from the first day with enough days after it (one to train, one to
    judge) on the days since it, every day until a promotion; otherwise never."""
    known = [c for c in changes if c <= day]
    if not known:
        return False, "no known change yet", None
    change = known[-1]
    promoted_since = any(d.get("verdict") == "promote" and d["day"] >= change.isoformat() for d in run.days)
    if promoted_since or run.pending is not None:
        return False, f"a model trained after the change on {change} is promoted", None
    if (day - change).days + 1 < min_days:
        return False, f"change on {change}: waiting for {min_days} days after it", None
    return True, f"known change on {change}: retrain on the days since", change


def _due(policy: str, day: dt.date, start: dt.date) -> tuple[bool, str]:
    if policy == "never":
        return False, "never retrains"
    every = int(policy.split(":", 1)[1])
    due = (day - start).days % every == every - 1
    return due, f"every {every} day(s)" + (": due" if due else "")


def replay(
    params: Params,
    root: Path,
    start: dt.date,
    end: dt.date,
    policies: list[str],
    *,
    review_lag: int = 1,
    progress: Any = None,
    changes: list[dt.date] | None = None,
) -> dict[str, Any]:
    """Replay ``start..end`` under each policy; the per-day table and the per-policy summary.
    ``changes``: known change days (a benchmark stream's): the oracle policy's knowledge, and the days
    each policy's recovery is measured from."""
    from .decide import decide_on

    if end < start:
        raise BacktestError(f"--to {end} is before --from {start}")
    if end > params.data.end_date:
        raise BacktestError(
            f"--to {end} is after data.end_date {params.data.end_date}: ingest those days first (`advance --to {end}`)"
        )
    champion = starting_champion(params, root)
    if start <= champion.holdout_end:
        raise BacktestError(
            f"--from {start} is not after the starting champion's data (it was judged up to {champion.holdout_end}): "
            f"replay from {champion.holdout_end + dt.timedelta(days=1)}"
        )
    if review_lag < 0:
        raise BacktestError("--review-lag must be 0 or more days")
    changes = sorted(set(changes or []))
    outside = [c for c in changes if not start <= c <= end]
    if outside:
        raise BacktestError(f"--change {outside[0]} is outside the replayed days {start}..{end}")
    if "oracle" in policies and not changes:
        raise BacktestError("the oracle policy needs the known change days: give --change DAY")
    cache = PartitionCache()
    memo = ScoreMemo()
    frames, fits = DayFrame(cache), FitMemo()
    runs = [PolicyRun(p, ReplayProduction(champion, champion.holdout_end, [])) for p in policies]
    total = (end - start).days + 1
    with tempfile.TemporaryDirectory(prefix="backtest-drift-") as drift_dir:
        for i in range(total):
            day = start + dt.timedelta(days=i)
            day_params = params.model_copy(update={"data": params.data.model_copy(update={"end_date": day})})
            for run in runs:
                if run.pending and run.pending[0] <= day:  # the PR was merged: the candidate serves
                    run.production = ReplayProduction(run.pending[1], run.pending[1].holdout_end, [])
                    run.pending = None
                serving = run.production.serving
                row: dict[str, Any] = {
                    "day": day.isoformat(),
                    "serving": serving.name,
                    "online": online_metric(params, root, serving.model, day, memo),
                }
                if run.name == "configured":
                    decision = decide_on(
                        day_params,
                        root,
                        _midnight(day + dt.timedelta(days=1)),
                        run.production,
                        clock="data",
                        cache=cache,
                        drift_dir=Path(drift_dir),
                        compute=memo,
                    )
                    due = bool(decision["retrain"])
                    row["fired"] = [t["name"] for t in decision["triggers"] if t["fired"]]
                    row["why"] = decision["reason"]
                elif run.name == "oracle":
                    due, row["why"], known = _oracle_due(run, day, changes, params.split.after_change.min_days_after)
                    row["fired"] = []
                else:
                    due, row["why"] = _due(run.name, day, start)
                    row["fired"] = []
                if due:
                    candidate, verdict = retrain(
                        day_params,
                        root,
                        serving,
                        cache,
                        known if run.name == "oracle" else None,
                        frames=frames,
                        fits=fits,
                    )
                    run.retrains += 1
                    row["verdict"] = "promote" if verdict["promote"] else "reject"
                    row["reason"] = (verdict["reasons"] or [""])[0]
                    row["train"] = [d.isoformat() for d in candidate.train_range]
                    if verdict["promote"]:
                        run.promotions += 1
                        # One promotion PR, updated in place by a newer promotion (open-pr is
                        # idempotent): the reviewer merges it on the day they would have merged the first.
                        merge_day = run.pending[0] if run.pending else day + dt.timedelta(days=1 + review_lag)
                        run.pending = (merge_day, candidate)
                    else:
                        run.rejections += 1
                    holdout = verdict.get("holdout") or {}
                    run.production.attempts.append(
                        attempts_mod.Attempt(
                            at=_midnight(day).isoformat(),
                            data_end=str(holdout.get("end", day.isoformat())),
                            train_end=candidate.train_range[1].isoformat(),
                            verdict=row["verdict"],
                            reason=row["reason"],
                            champion_md5=serving.md5,
                            candidate_md5=candidate.md5,
                            holdout_start=holdout.get("start"),
                        )
                    )
                run.days.append(row)
            if progress is not None:
                progress(i + 1, total, day)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "review_lag": review_lag,
        "primary_metric": params.evaluate.primary_metric,
        "starting_champion": {
            "train_range": [champion.train_range[0].isoformat(), champion.train_range[1].isoformat()],
            "holdout_end": champion.holdout_end.isoformat(),
        },
        "changes": [c.isoformat() for c in changes],
        "ci_minutes_per_job": CI_MINUTES,
        "policies": {run.name: _summary(run, params, changes) for run in runs},
        "days": {run.name: run.days for run in runs},
    }


def recovery(days: list[dict[str, Any]], change: dt.date) -> dict[str, Any]:
    """After a known change: days until a retrain was decided, and until a model retrained after the
    change served (None: not within the replay)."""
    after = [d for d in days if d["day"] >= change.isoformat()]
    decided = next((d["day"] for d in after if "verdict" in d), None)
    serving = next(
        (d["day"] for d in after if d["serving"].startswith("retrain ") and d["serving"][8:] >= change.isoformat()),
        None,
    )

    def since(day: str | None) -> int | None:
        return None if day is None else (dt.date.fromisoformat(day) - change).days

    return {
        "change": change.isoformat(),
        "retrain_decided_after_days": since(decided),
        "serving_after_days": since(serving),
    }


def _summary(run: PolicyRun, params: Params, changes: list[dt.date]) -> dict[str, Any]:
    from ..core.metrics import get_metric

    values = [d["online"] for d in run.days if d["online"] is not None]
    higher = get_metric(params.evaluate.primary_metric).higher_is_better
    minutes = (
        len(run.days) * CI_MINUTES["check"]
        + run.retrains * CI_MINUTES["retrain"]
        + run.promotions * CI_MINUTES["promote-pr"]
    )
    return {
        "retrains": run.retrains,
        "promotions": run.promotions,
        "rejections": run.rejections,
        "mean_online": round(sum(values) / len(values), 6) if values else None,
        "worst_online": round((min(values) if higher else max(values)), 6) if values else None,
        "days_scored": len(values),
        "ci_minutes": minutes,
        "recovery": [recovery(run.days, c) for c in changes],
    }


def to_markdown(result: dict[str, Any]) -> str:
    metric = result["primary_metric"]
    lines = [
        f"## Backtest {result['from']}..{result['to']}",
        "",
        f"Each day's online {metric}: the serving model on that day's labelled rows. A promotion serves from "
        f"{result['review_lag']} day(s) after the retrain's next morning (review lag). Same code as the loop: "
        "decide's rules, split, train, evaluate's scoring, the gate's judge.",
        "",
        f"| policy | retrains | promotions | rejections | mean online {metric} | worst day | CI minutes (est.) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s in result["policies"].items():
        mean = "–" if s["mean_online"] is None else f"{s['mean_online']:.4f}"
        worst = "–" if s["worst_online"] is None else f"{s['worst_online']:.4f}"
        lines.append(
            f"| {name} | {s['retrains']} | {s['promotions']} | {s['rejections']} | {mean} | {worst} | {s['ci_minutes']} |"
        )
    per_job = result["ci_minutes_per_job"]
    lines += [
        "",
        f"CI minutes: {per_job['check']} per daily check, {per_job['retrain']} per retrain job, "
        f"{per_job['promote-pr']} per promotion PR job (GitHub bills each job rounded up to whole minutes).",
    ]
    if result.get("changes"):
        lines += [
            "",
            "### Recovery after the known changes",
            "",
            "| policy | change | retrain decided after | a model retrained since serving after |",
            "|---|---|---|---|",
        ]
        for name, s in result["policies"].items():
            for r in s["recovery"]:
                decided, serving = r["retrain_decided_after_days"], r["serving_after_days"]
                lines.append(
                    f"| {name} | {r['change']} | {'–' if decided is None else f'{decided} day(s)'} | "
                    f"{'not within the replay' if serving is None else f'{serving} day(s)'} |"
                )
    if result.get("figure"):
        lines += ["", f"![online {metric} per day]({result['figure']})"]
    lines += ["", "### Retrains", "", "| policy | day | fired | verdict | reason |", "|---|---|---|---|---|"]
    for name, days in result["days"].items():
        for d in days:
            if "verdict" in d:
                reason = str(d.get("reason", "")).replace("|", "\\|")[:160]
                lines.append(f"| {name} | {d['day']} | {', '.join(d['fired']) or '–'} | {d['verdict']} | {reason} |")
    return "\n".join(lines) + "\n"


def write_outputs(result: dict[str, Any], root: Path, figure: bool = True) -> tuple[Path, Path]:
    from ..adapters.files import write_text_atomic

    out = root / "reports"
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / "backtest.json", out / "backtest.md"
    if figure:
        from .figures import backtest_chart

        result["figure"] = backtest_chart(result, out / "backtest.png").name
    write_text_atomic(json_path, json.dumps(result, indent=2, default=str) + "\n")
    write_text_atomic(md_path, to_markdown(result))
    return json_path, md_path


def progress_bar(done: int, total: int, day: dt.date) -> None:
    width = 30
    filled = int(width * done / total)
    sys.stderr.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} days, {day}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()
