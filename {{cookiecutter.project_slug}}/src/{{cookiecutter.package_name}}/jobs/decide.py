"""Decide whether to retrain: gather the observations, run the triggers, combine them.

Order of the rules (each documented in the README):

1. ``--force`` always retrains (the reason is recorded) and ignores the cooldown.
2. No champion on ``evaluate.champion_ref`` yet: retrain, there is nothing to keep.
3. Cooldown: within ``decide.cooldown_days`` of the last change of dvc.lock on the
   champion ref, do not retrain (``--all-triggers`` still evaluates every trigger for the
   record). With ``--now`` the clock is the data's: the last change dates from the last
   day of the data it was made from, not from its commit. ``decide.break_cooldown_on_change``:
   the change trigger alone runs under a cooldown, and a step it proves breaks the cooldown.
4. The triggers, cheapest first: age and new data volume (both counted from the newest retrain
   attempt against this champion when there is one, adapters/attempts.py), performance decay (loads the
   champion and scores the newest labelled windows), a change (the day the champion's per-row loss
   stepped up, the search ``split`` uses to train after it), data drift (Evidently's tests).
   They combine with ``decide.combine`` (any / all). With ``decide.short_circuit``
   the remaining triggers are skipped (and marked "not evaluated") once the outcome
   is settled, so the expensive imports happen only when they can change the answer.

Nothing here imports MLflow; Evidently only when the drift trigger runs.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..adapters import attempts, gitops, history
from ..adapters import champion as champion_mod
from ..adapters.compute import Engine
from ..adapters.dataset import PartitionCache, days, list_partitions, partition_path
from ..adapters.files import write_report
from ..config import Params
from ..core.metrics import get_metric
from ..core.triggers import (
    Cooldown,
    TriggerResult,
    Window,
    after_attempts,
    age_trigger,
    combine,
    decay_trigger,
    drift_trigger,
    manual_trigger,
    skipped,
    volume_trigger,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

TRIGGER_ORDER = ("age", "volume", "decay", "change", "drift")


def count_rows(root: Path, params: Params, start: dt.date, end: dt.date) -> int:
    """Rows in raw partitions from ``start`` to ``end``, read from Parquet metadata (no data loaded)."""
    import pyarrow.parquet as pq

    if end < start:
        return 0
    return sum(pq.read_metadata(p).num_rows for p in list_partitions(root / params.data.raw_dir, start, end))


def labelled_scores(
    path: str, *, model: Any, columns: list[str], target: str, task: str
) -> tuple[pd.Series, np.ndarray]:
    """One partition's labelled rows as (labels, the model's raw scores): runs on a Dask worker."""
    import pandas as pd

    frame = pd.read_parquet(path, columns=[*columns, target])
    return labelled_scores_of(frame[frame[target].notna()], model, columns, target, task)


class DayScores:
    """The local compute engine of one ``decide`` run: many partitions' :func:`labelled_scores` in one
    predict call, each (model, partition) scored once.

    Decay's windows, the change trigger and drift's effect all score the champion on the newest days;
    one predict call a partition cost about 20 ms each (28 days: over half a second of a quiet daily
    check) and the same days were scored twice. Here the days not scored yet are read (through the
    check's partition cache when given), scored together and split back per partition.
    """

    name = "local"

    def __init__(self, cache: PartitionCache | None = None) -> None:
        self.cache = cache
        self._scores: dict[tuple[int, str], tuple[pd.Series, np.ndarray]] = {}
        self._models: dict[int, Any] = {}  # keeps each model alive so its id() is never reused

    def map(self, fn: Any, items: Any, **shared: Any) -> list[Any]:
        if fn is not labelled_scores:
            return [fn(item, **shared) for item in items]
        model = shared["model"]
        self._models[id(model)] = model
        todo = [item for item in dict.fromkeys(items) if (id(model), item) not in self._scores]
        if todo:
            for item, result in zip(todo, self._score_together(todo, **shared), strict=True):
                self._scores[(id(model), item)] = result
        return [self._scores[(id(model), item)] for item in items]

    def _score_together(
        self, paths: list[str], *, model: Any, columns: list[str], target: str, task: str
    ) -> list[tuple[pd.Series, np.ndarray]]:
        import numpy as np
        import pandas as pd

        from ..core.features import predict_scores

        frames = []
        for path in paths:
            frame = self.cache.read(Path(path)) if self.cache is not None else pd.read_parquet(path)
            frame = frame[[*columns, target]]
            frames.append(frame[frame[target].notna()])
        rows = [len(frame) for frame in frames]
        if not sum(rows):  # labels not in yet: nothing to score
            from ..core.features import model_classes

            empty = np.empty((0, len(model_classes(model)))) if task == "multiclass" else np.empty(0)
            return [(frame[target], empty) for frame in frames]
        scores = predict_scores(model, pd.concat(frames, ignore_index=True)[columns], task)
        parts = np.split(scores, np.cumsum(rows)[:-1])
        return [(frame[target], part) for frame, part in zip(frames, parts, strict=True)]

    def training(self) -> Any:
        import contextlib

        return contextlib.nullcontext()


def labelled_scores_of(frame: pd.DataFrame, model: Any, columns: list[str], target: str, task: str) -> Any:
    """:func:`labelled_scores` on rows already read and filtered to the labelled ones."""
    from ..core.features import predict_scores

    return frame[target], predict_scores(model, frame[columns], task)


def scored_truth(model: Any, labels: Any, scores: Any, task: str) -> tuple[Any, Any]:
    """``labelled_scores``'s raw (labels, scores) as a metric or a loss takes them (multiclass: the labels
    as class positions, the probabilities aligned to every class seen), as core.features does."""
    import numpy as np

    y = np.asarray(labels)
    if task != "multiclass":
        return y, scores
    import pandas as pd

    from ..core.features import align_proba, encode_labels, model_classes, sort_classes

    classes = sort_classes([*model_classes(model), *pd.unique(pd.Series(y))])
    return encode_labels(y, classes), align_proba(scores, model_classes(model), classes)


def change_trigger(
    params: Params,
    root: Path,
    model: Any,
    trained_until: dt.date,
    last: attempts.Attempt | None,
    compute: Engine | None = None,
    *,
    learnt_since: tuple[dt.date, dt.date] | None = None,
) -> TriggerResult:
    """Fire the day after the champion's per-row loss stepped up (issue 18: the decay windows average a
    week, so a switch showed only days later). The search is split's (``split.after_change``, core/change.py)
    on the newest ``lookback_days`` after the champion's training data, so when it fires, the retrain trains
    on the days since the step. It needs ``min_days_after`` days after the step: one to train, one to judge.

    After a retrain attempt on the days since the same step, it fires again only once those days have
    doubled: each retry has materially more evidence, and a rejected retry is not repeated every morning.

    ``learnt_since``: (change day, last day it saw) when the champion itself was trained on the days since a
    change; with no new step it is refreshed as those days double (:func:`refresh_after_change`).
    """
    from ..adapters.compute import LocalEngine
    from ..core.change import find_change, row_losses
    from ..core.features import input_columns

    cfg = params.split.after_change
    end = params.data.end_date
    start = max(end - dt.timedelta(days=cfg.lookback_days - 1), trained_until + dt.timedelta(days=1))
    found_days = [(d, partition_path(root / params.data.raw_dir, d)) for d in days(start, end)]
    found_days = [(d, p) for d, p in found_days if p.exists()]
    threshold = {"min_t": cfg.min_t, "min_days_after": cfg.min_days_after, "lookback_days": cfg.lookback_days}

    def no_step(detail: str) -> TriggerResult:
        """No new step: the champion may still be due a refresh on the days since its own change."""
        return refresh_after_change(params, TriggerResult("change", None, threshold, False, detail), learnt_since, last)

    if len(found_days) < cfg.min_days_after + 1:
        return no_step(f"{len(found_days)} day(s) after the champion's data: too few to search")
    task = params.project.task
    scored = (compute or LocalEngine()).map(
        labelled_scores,
        [str(p.resolve()) for _, p in found_days],
        model=model,
        columns=input_columns(params),
        target=params.project.target,
        task=task,
    )
    by_day, kept = [], []
    for (day, _), (labels, scores) in zip(found_days, scored, strict=True):
        if len(labels):
            y, s = scored_truth(model, labels, scores, task)
            by_day.append(row_losses(y, s, task))
            kept.append(day)
    step = find_change(kept, by_day, min_t=cfg.min_t, min_days_after=cfg.min_days_after)
    if step is None:
        return no_step(f"no step up in the champion's loss over {kept[0] if kept else start}..{end}")
    found = (
        f"the champion's loss stepped up on {step.day} ({step.loss_before:.4f} -> {step.loss_after:.4f}, "
        f"t = {step.t:.1f}, {step.days_after} day(s) after it)"
    )
    if last is not None and last.data_end_date >= step.day:
        tried_with = (last.data_end_date - step.day).days + 1
        if step.days_after < 2 * tried_with:
            return TriggerResult(
                "change",
                round(step.t, 2),
                threshold,
                False,
                f"{found}; a retrain on {tried_with} day(s) after it was already tried ({last.verdict}): "
                f"again with {2 * tried_with}",
            )
    return TriggerResult("change", round(step.t, 2), threshold, True, found)


def refresh_after_change(
    params: Params, quiet: TriggerResult, learnt_since: tuple[dt.date, dt.date] | None, last: attempts.Attempt | None
) -> TriggerResult:
    """Refresh a champion trained on the days since a change each time those days have doubled.

    Two days after a step leave one day to train on and one to judge: the model that recovers first has
    learnt little, and with no new step in its loss and no decay past the limit nothing retrained it. On the
    decision benchmark's gradual stream such a model served a month, 2 % of online AUC below retraining
    daily (issue 18). So with ``n`` days since its change seen (training and holdout), the trigger fires
    again at ``2n`` (then ``4n`` ...: a handful of retrains per change), and ``split`` trains since the same
    change (its window is kept). It stops once ``n`` reaches the change search's ``lookback_days``: from
    then on the model is an ordinary champion. A refresh tried and rejected counts as seen, so the next
    waits for twice its days.
    """
    if quiet.fired or learnt_since is None:
        return quiet
    since, seen_until = learnt_since
    lookback = params.split.after_change.lookback_days
    learnt = (seen_until - since).days + 1
    if learnt <= 0 or learnt >= lookback:
        return quiet
    tried = 0
    if last is not None and last.data_end_date >= since:
        tried = (last.data_end_date - since).days + 1
    basis = max(learnt, tried)
    now = (params.data.end_date - since).days + 1
    from dataclasses import replace

    what = f"the champion learnt from {learnt} day(s) since the change on {since}"
    if tried > learnt:
        what += f" (a refresh on {tried} was tried: {last.verdict if last else ''})"
    if now < 2 * basis:
        return replace(quiet, detail=f"{quiet.detail}; {what}, {now} now: refreshed at {2 * basis}")
    return replace(
        quiet,
        fired=True,
        value=now,
        detail=f"{quiet.detail}; {what}, {now} now: refresh on them (again at {2 * now}, "
        f"until it learnt from {lookback}, split.after_change.lookback_days)",
    )


def _window_value(params: Params, y: Any, scores: Any, rows: int) -> tuple[float | None, tuple[float, float] | None]:
    """The window's primary metric and its interval (closed form or bootstrap, ``core/intervals.py``;
    None, None: too few rows or one class)."""
    from ..core.metrics import compute

    cfg = params.decide.triggers.decay
    metric = params.evaluate.primary_metric
    if rows < cfg.min_rows:
        return None, None
    value = compute([metric], y, scores, params.evaluate.threshold)[metric]
    if math.isnan(value):  # NaN, e.g. a single class in the window
        return None, None
    if cfg.confidence is None:
        return value, None
    from ..core.intervals import single_interval

    interval, _ = single_interval(
        y,
        scores,
        metric,
        threshold=params.evaluate.threshold,
        confidence=cfg.confidence,
        method=cfg.interval,
        resamples=cfg.resamples,
        seed=params.gate.bootstrap.seed,
    )
    return value, interval


def _window_ranges(params: Params, root: Path, after: dt.date) -> list[tuple[dt.date, dt.date, list[Path]]]:
    """The newest windows after ``after``, newest first, with the partitions each holds."""
    cfg = params.decide.triggers.decay
    ranges = []
    end = params.data.end_date
    for _ in range(cfg.windows):
        start = max(end - dt.timedelta(days=cfg.window_days - 1), after + dt.timedelta(days=1))
        if end < start:
            break
        paths = [partition_path(root / params.data.raw_dir, d) for d in days(start, end)]
        ranges.append((start, end, [p for p in paths if p.exists()]))
        end = start - dt.timedelta(days=1)
    return ranges


def decay_windows(
    params: Params,
    root: Path,
    model: Any,
    after: dt.date,
    cache: PartitionCache | None = None,
    compute: Engine | None = None,
) -> list[Window]:
    """The champion's primary metric on each of the newest windows after ``after`` (oldest first).

    ``after`` is the end of the champion's holdout: windows never overlap the rows it was
    trained or judged on. Each scored window carries an interval from its own rows
    (``decide.triggers.decay.confidence``; closed form or bootstrap, ``core/intervals.py``):
    the evidence the trigger weighs.

    With ``compute.engine: dask`` (or an engine given) each partition is scored where the
    engine runs it (:func:`labelled_scores`): only its labels and scores come back, and this
    process computes each window's metric from them, the window never loaded here at once.
    """
    if compute is None and params.compute.engine != "local":
        from ..adapters.compute import engine

        with engine(params.compute) as connected:
            return decay_windows(params, root, model, after, cache, connected)
    if compute is not None:
        return _decay_windows_mapped(params, root, model, after, compute)
    import pandas as pd

    from ..core.features import input_columns, truth_and_scores

    columns = [*input_columns(params), params.project.target]
    windows = []
    for start, end, paths in _window_ranges(params, root, after):
        if not paths:
            frame = None
        elif cache is not None:
            frame = cache.frame(paths, columns)
        else:
            frame = pd.concat([pd.read_parquet(p, columns=columns) for p in paths], ignore_index=True)
        if frame is not None:
            frame = frame[frame[params.project.target].notna()]
        rows = 0 if frame is None else len(frame)
        value = interval = None
        if frame is not None and rows >= params.decide.triggers.decay.min_rows:
            y, scores = truth_and_scores(
                model, frame[input_columns(params)], frame[params.project.target].to_numpy(), params.project.task
            )
            value, interval = _window_value(params, y, scores, rows)
        windows.append(Window(start, end, rows, value, interval))
    return list(reversed(windows))


def _decay_windows_mapped(params: Params, root: Path, model: Any, after: dt.date, compute: Engine) -> list[Window]:
    """:func:`decay_windows` with each partition scored by ``compute.map``; the windows merged here."""
    import numpy as np
    import pandas as pd

    from ..core.features import align_proba, encode_labels, input_columns, model_classes, sort_classes

    ranges = _window_ranges(params, root, after)
    paths = list(dict.fromkeys(p for _, _, window_paths in ranges for p in window_paths))
    task = params.project.task
    scored = compute.map(
        labelled_scores,
        [str(p.resolve()) for p in paths],  # absolute: a worker's cwd is not ours
        model=model,
        columns=input_columns(params),
        target=params.project.target,
        task=task,
    )
    by_path = dict(zip(paths, scored, strict=True))
    windows = []
    for start, end, window_paths in ranges:
        parts = [by_path[p] for p in window_paths]
        rows = sum(len(labels) for labels, _ in parts)
        value = interval = None
        if parts and rows >= params.decide.triggers.decay.min_rows:
            labels = pd.concat([labels for labels, _ in parts], ignore_index=True).to_numpy()
            scores = np.concatenate([s for _, s in parts])
            if task == "multiclass":  # as core.features.multiclass_scores, on the gathered scores
                classes = sort_classes([*model_classes(model), *pd.unique(pd.Series(labels))])
                scores = align_proba(scores, model_classes(model), classes)
                labels = encode_labels(labels, classes)
            value, interval = _window_value(params, labels, scores, rows)
        windows.append(Window(start, end, rows, value, interval))
    return list(reversed(windows))


def losses_between(
    params: Params, root: Path, model: Any, start: dt.date, end: dt.date, compute: Engine | None = None
) -> np.ndarray:
    """The model's per-row loss (core/change.py) on the labelled rows of ``start..end``."""
    import numpy as np

    from ..adapters.compute import LocalEngine
    from ..core.change import row_losses
    from ..core.features import input_columns

    paths = [partition_path(root / params.data.raw_dir, d) for d in days(start, end)]
    paths = [p for p in paths if p.exists()]
    task = params.project.task
    scored = (compute or LocalEngine()).map(
        labelled_scores,
        [str(p.resolve()) for p in paths],
        model=model,
        columns=input_columns(params),
        target=params.project.target,
        task=task,
    )
    out = [row_losses(*scored_truth(model, labels, scores, task), task) for labels, scores in scored if len(labels)]
    return np.concatenate(out) if out else np.array([])


def _drift_effect(
    params: Params, root: Path, result: TriggerResult, production: Any, model: Any, compute: Engine | None
) -> TriggerResult:
    """Drift counts as a reason to retrain when it hurts the champion (issue 18: a season drifting away
    from the champion's months proposed a retrain every day, most rejected). With labels on the drifted
    days, the champion's per-row loss there must be up on its loss on its own holdout, both significantly
    (Welch's t at least ``effect_t``) and by a margin that matters: the increase in standard deviations of
    the loss (Cohen's d) at least ``effect_min_d``. At thousands of rows a day the t-test alone finds
    effects too small to retrain for: the decision benchmark's seasonal stream passed two drift retrains
    that way, both rejected. Inputs that moved where the model still predicts as well are no evidence.
    Without labels yet (they arrive late), drift alone fires: it is the early warning decay cannot give.
    """
    from dataclasses import replace

    from ..core.change import effect_size, welch_t
    from .drift import current_range

    cfg = params.decide.triggers.drift
    start, end = current_range(params)
    holdout = (production.train_range[1] + dt.timedelta(days=1), production.holdout_end)
    after = losses_between(params, root, model, start, end, compute)
    before = losses_between(params, root, model, *holdout, compute)
    if len(after) < params.decide.triggers.decay.min_rows:
        return replace(
            result,
            detail=f"{result.detail}; {len(after)} labelled row(s) on {start}..{end}: too few to judge its effect, "
            "drift alone fires",
        )
    t = welch_t(before, after)
    change = (
        f"the champion's loss {float(before.mean()) if len(before) else float('nan'):.4f} on its holdout "
        f"({holdout[0]}..{holdout[1]}), {float(after.mean()):.4f} on the drifted days ({start}..{end})"
    )
    if t is None:
        return replace(result, detail=f"{result.detail}; {change}: no holdout rows to compare, drift alone fires")
    d = effect_size(before, after)
    if t < cfg.effect_t:
        return replace(
            result,
            fired=False,
            detail=f"{result.detail}; but it does not hurt the champion: {change} (t = {t:.1f} < {cfg.effect_t}; "
            "decide.triggers.drift.require_effect)",
        )
    if d < cfg.effect_min_d:
        return replace(
            result,
            fired=False,
            detail=f"{result.detail}; the champion's loss is up but by too little to matter: {change} (t = {t:.1f}, "
            f"d = {d:.3f} < {cfg.effect_min_d}, decide.triggers.drift.effect_min_d)",
        )
    return replace(result, detail=f"{result.detail}; it hurts: {change} (t = {t:.1f}, d = {d:.2f})")


def _drift_since_attempt(
    params: Params,
    root: Path,
    result: TriggerResult,
    last: attempts.Attempt,
    cache: PartitionCache | None,
    drift_dir: Path,
) -> TriggerResult:
    """Drift away from the champion's data is evidence only if it is new since the last retrain attempt.

    That attempt's candidate trained on the drifted data and the gate judged it: when the newest days
    look like the days it was judged on, retraining again would only repeat it (a season drifting away
    from the champion's months proposed a retrain every day, issue 18). Drift fires again when the newest
    days have drifted from the attempt's own holdout days, or when volume or age say so.
    """
    from .drift import run_drift

    assert last.holdout_start is not None
    since = (dt.date.fromisoformat(last.holdout_start), last.data_end_date)
    summary = run_drift(params, root, drift_dir / "since_last_attempt", reference_range=since, html=False, cache=cache)
    again = drift_trigger(summary)
    outcome = "rejected" if last.verdict == "reject" else "promoted, not on main yet"
    detail = (
        f"{result.detail}; against the days the last retrain attempt was judged on ({since[0]}..{since[1]}, "
        f"{outcome}): {again.detail}" + (" - new drift since that attempt" if again.fired else " - nothing new")
    )
    return TriggerResult(
        "drift",
        result.value,
        result.threshold,
        again.fired,
        detail,
        extra={"since_last_attempt": {"drifted_share": again.value, "fired": again.fired}},
    )


def _settled(results: list[TriggerResult], mode: str) -> str | None:
    evaluated = [r for r in results if r.evaluated]
    if mode == "any":
        fired = [r.name for r in evaluated if r.fired]
        return f"{fired[0]} already fired (combine: any)" if fired else None
    quiet = [r.name for r in evaluated if not r.fired]
    return f"{quiet[0]} did not fire (combine: all)" if quiet else None


class Production:
    """What ``decide`` knows of the model in production, read from git (``evaluate.champion_ref``).

    Each fact is read when a rule first needs it (a cooldown day reads none of the history). The
    replay in ``jobs/backtest.py`` gives ``decide_on`` the same facts from its own timeline instead.
    """

    def __init__(self, root: Path, params: Params, clock: str) -> None:
        self.root, self.params, self.clock = root, params, clock
        self.ref_name = params.evaluate.champion_ref
        self.champion = champion_mod.resolve(root, self.ref_name)

    @property
    def where(self) -> str:
        return self.champion.commit or self.ref_name

    @cached_property
    def last_change(self) -> dt.datetime | None:
        return history.last_lock_change(self.root, self.ref_name, self.clock)

    @cached_property
    def train_range(self) -> tuple[dt.date, dt.date]:
        span = history.train_range(self.root, self.where)
        if span is None:
            raise ValueError(
                f"{self.ref_name} pins a model but has no data/processed/split.json: "
                "cannot tell which data the champion learnt from"
            )
        return span

    @cached_property
    def holdout_end(self) -> dt.date:
        return history.holdout_end(self.root, self.where) or self.train_range[1]

    @cached_property
    def window_start(self) -> dt.date | None:
        """The change day the champion's training window started at (None: it trained on all history)."""
        return history.window_change(self.root, self.where)

    @cached_property
    def promoted_at(self) -> dt.datetime | None:
        assert self.champion.md5 is not None
        return history.promoted_at(self.root, self.ref_name, self.champion.md5, clock=self.clock)

    @cached_property
    def baseline(self) -> dict[str, float]:
        return history.committed_metrics(self.root, self.where) or {}

    @cached_property
    def attempts(self) -> list[attempts.Attempt]:
        return attempts.since_champion(attempts.load(self.root), self.champion.md5)

    def model(self) -> Any:
        return champion_mod.load(self.root, self.champion, self.params)


def _learnt_since(production: Any) -> tuple[dt.date, dt.date] | None:
    """(change day, last day seen) when the champion was trained on the days since a change, else None."""
    since = production.window_start
    return None if since is None else (since, production.holdout_end)


def decide(
    params: Params,
    root: Path,
    now: dt.datetime,
    *,
    force: bool = False,
    reason: str | None = None,
    all_triggers: bool = False,
    clock: str = "commit",
    cache: PartitionCache | None = None,
) -> dict[str, Any]:
    """``clock="data"`` (``--now`` given): cooldown and age are measured on the data's timeline,
    the champion dated by the last day of its data, not by its commit (backfills need no
    backdated commits). ``all_triggers``: every trigger is evaluated, under a cooldown too.
    ``cache``: partitions already read in this process, shared with the caller (the daily
    ``check`` renders the drift report from the same frames)."""
    production = Production(root, params, clock)
    return decide_on(
        params, root, now, production, force=force, reason=reason, all_triggers=all_triggers, clock=clock, cache=cache
    )


def decide_on(
    params: Params,
    root: Path,
    now: dt.datetime,
    production: Any,
    *,
    force: bool = False,
    reason: str | None = None,
    all_triggers: bool = False,
    clock: str = "commit",
    cache: PartitionCache | None = None,
    drift_dir: Path | None = None,
    compute: Engine | None = None,
) -> dict[str, Any]:
    """The rules of ``decide`` on the facts ``production`` gives (a :class:`Production`, or the replay's
    stand-in with the same attributes); the data itself is read from ``root`` up to ``data.end_date``.
    ``compute``: the engine that scores the champion on the newest partitions (default: the configured
    engine; locally :class:`DayScores`; the replay's remembers scores across days)."""
    cfg = params.decide
    ref_name = params.evaluate.champion_ref
    drift_dir = drift_dir or root / "reports" / "drift"
    if compute is None and params.compute.engine == "local":
        compute = DayScores(cache)  # decay, change and drift's effect score the same days: once, together
    manual = manual_trigger(force, reason)
    champ = production.champion
    cooldown = Cooldown(cfg.cooldown_days, production.last_change, now)
    blocked = cooldown.active and not force
    if clock == "data":
        blocked_why = (
            (
                f"cooldown: dvc.lock on {ref_name} last changed with data up to "
                f"{cooldown.last_change:%Y-%m-%d}; on the data's timeline retraining is blocked until "
                f"{cooldown.until:%Y-%m-%d} ({cfg.cooldown_days} days)"
            )
            if blocked
            else ""
        )
    else:
        blocked_why = (
            (
                f"cooldown: dvc.lock on {ref_name} changed {cooldown.last_change:%Y-%m-%d %H:%M} UTC, "
                f"retraining is blocked until {cooldown.until:%Y-%m-%d %H:%M} UTC "
                f"({cfg.cooldown_days} days)"
            )
            if blocked
            else ""
        )
    enabled = [name for name in TRIGGER_ORDER if getattr(cfg.triggers, name).enabled]
    results: list[TriggerResult] = []
    champion_info: dict[str, Any] = champ.to_dict()

    loaded: list[Any] = []

    def champion_model() -> Any:  # loaded at most once, and only when a trigger needs it
        if not loaded:
            loaded.append(production.model())
        return loaded[0]

    # A step in the champion's loss that the change search proves (t past split.after_change.min_t, with a
    # day to train and one to judge) is not the noise a cooldown guards against: it breaks the cooldown. An
    # age promotion three days before an abrupt switch otherwise held the retrain to day 3 and a better
    # model to day 5 in the decision benchmark, the champion at a coin's AUC meanwhile (issue 18). The same
    # trigger refreshes a recovery model as the days since its change double: a schedule, not noise either.
    breaker: TriggerResult | None = None
    if blocked and champ.md5 is not None and cfg.break_cooldown_on_change and "change" in enabled:
        tried_before = production.attempts
        breaker = change_trigger(
            params,
            root,
            champion_model(),
            production.train_range[1],
            tried_before[-1] if tried_before else None,
            compute,
            learnt_since=_learnt_since(production),
        )
        if breaker.fired:
            blocked = False

    def skip_all(why: str) -> None:
        results.extend(skipped(name, why) for name in enabled)

    if champ.md5 is None:
        retrain, why = True, f"no champion yet ({champ.reason}): train the first model"
        skip_all("no champion to compare")
    elif force and not all_triggers:
        retrain, why = True, f"forced by hand: {reason or 'no reason given'}"
        skip_all("forced")
    elif blocked and not all_triggers:
        retrain, why = False, blocked_why
        results.extend(
            breaker if breaker is not None and name == "change" else skipped(name, "cooldown active")
            for name in enabled
        )
    else:
        span = production.train_range
        champion_info["train_range"] = [span[0].isoformat(), span[1].isoformat()]
        promoted = production.promoted_at
        champion_info["promoted_at"] = promoted.isoformat() if promoted else None
        primary = params.evaluate.primary_metric
        baseline = production.baseline.get(primary)
        champion_info["baseline"] = {primary: baseline}
        # The loop's memory (adapters/attempts.py, issue 31): volume and age count from the newest
        # retrain already tried against this champion, not from the champion, so a rejected retrain is
        # not retried every morning. Decay judges the champion itself; drift counts when it is new.
        tried = production.attempts
        last = tried[-1] if tried else None
        if tried:
            champion_info["attempts"] = {
                "count": len(tried),
                "rejected_in_a_row": attempts.rejection_streak(tried),
                "last": {"at": last.at, "data_end": last.data_end, "verdict": last.verdict, "reason": last.reason}
                if last
                else None,
            }
        # The champion saw its training rows and was judged on its holdout: neither is new data.
        seen_until = production.holdout_end
        for name in enabled:
            if name == "change" and breaker is not None:  # searched already, under the cooldown
                results.append(breaker)
                continue
            known = results + ([breaker] if breaker is not None else [])
            settled = None if (all_triggers or not cfg.short_circuit) else _settled(known, cfg.combine)
            if settled:
                results.append(skipped(name, f"outcome settled, {settled}"))
                continue
            if name == "age":
                attempt_time = None
                if last is not None:
                    attempt_time = (
                        dt.datetime.combine(last.data_end_date, dt.time(0, 0), tzinfo=dt.UTC)
                        if clock == "data"
                        else last.at_time
                    )
                results.append(age_trigger(promoted, now, cfg.triggers.age, last_attempt=attempt_time))
            elif name == "volume":
                after, what = seen_until, "the champion's training and holdout data"
                if last is not None and last.data_end_date > after:
                    outcome = "rejected" if last.verdict == "reject" else "promoted, not on main yet"
                    after, what = last.data_end_date, f"the data of the last retrain attempt ({outcome})"
                rows = count_rows(root, params, after + dt.timedelta(days=1), params.data.end_date)
                results.append(volume_trigger(rows, after, cfg.triggers.volume, counted_after=what))
            elif name == "decay":
                model = champion_model()
                after = seen_until
                champion_info["decay_after"] = after.isoformat()
                windows = decay_windows(params, root, model, after, cache, compute)
                result = decay_trigger(windows, baseline, get_metric(primary), cfg.triggers.decay)
                if last is not None:
                    result = after_attempts(
                        result,
                        data_end=params.data.end_date,
                        last_data_end=last.data_end_date,
                        rejected_in_a_row=attempts.rejection_streak(tried),
                        base_days=cfg.triggers.decay.window_days,
                    )
                results.append(result)
            elif name == "change":
                results.append(
                    change_trigger(
                        params, root, champion_model(), span[1], last, compute, learnt_since=_learnt_since(production)
                    )
                )
            elif name == "drift":
                from .drift import run_drift

                summary = run_drift(params, root, drift_dir, reference_range=span, html=False, cache=cache)
                result = drift_trigger(summary)
                if result.fired and last is not None and last.holdout_start:
                    result = _drift_since_attempt(params, root, result, last, cache, drift_dir)
                if result.fired and cfg.triggers.drift.require_effect:
                    result = _drift_effect(params, root, result, production, champion_model(), compute)
                results.append(result)
        retrain = (combine(results, cfg.combine) or force) and not blocked
        fired = [r.name for r in results if r.fired]
        if blocked:  # --all-triggers under a cooldown: every number for the record, still no retrain
            why = blocked_why + (f"; {', '.join(fired)} fired" if fired else "; no trigger fired")
        elif force:
            why = f"forced by hand: {reason or 'no reason given'}"
        elif retrain and breaker is not None and breaker.fired:
            why = (
                f"change fired under the cooldown (until {cooldown.until:%Y-%m-%d %H:%M} UTC), which it breaks "
                f"(decide.break_cooldown_on_change): {breaker.detail}"
            )
        elif retrain:
            why = f"{', '.join(fired)} fired (combine: {cfg.combine})"
        elif not enabled:
            why = "every trigger is disabled in decide.triggers"
        elif cfg.combine == "all" and fired:
            why = f"only {', '.join(fired)} fired; combine: all needs every trigger"
        else:
            why = "no trigger fired: " + "; ".join(r.detail for r in results if r.evaluated)

    return {
        "retrain": retrain,
        "reason": why,
        "forced": force,
        "now": now.isoformat(),
        "clock": clock,
        "combine": cfg.combine,
        "cooldown": {**cooldown.to_dict(), "broken_by": "change" if breaker is not None and breaker.fired else None},
        "champion": champion_info,
        "data": {"end_date": params.data.end_date.isoformat()},
        "triggers": [manual.to_dict(), *(r.to_dict() for r in results)],
    }


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, dict):
        parts = [f"{k} {v}" for k, v in value.items() if v is not None]
        return ", ".join(parts) or "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def to_markdown(decision: dict[str, Any]) -> str:
    verdict = "retrain" if decision["retrain"] else "no retrain"
    lines = [
        f"### Retraining decision: **{verdict}**",
        "",
        _escape(decision["reason"]),
        "",
        "| trigger | value | threshold | fired | detail |",
        "|---|---|---|---|---|",
    ]
    for t in decision["triggers"]:
        fired = "yes" if t["fired"] else ("no" if t["evaluated"] else "skipped")
        lines.append(
            f"| {t['name']} | {_escape(_cell(t['value']))} | {_escape(_cell(t['threshold']))} | {fired} | "
            f"{_escape(t['detail'])} |"
        )
    tried = (decision.get("champion") or {}).get("attempts")
    if tried and tried.get("last"):
        last = tried["last"]
        streak = tried.get("rejected_in_a_row", 0)
        lines += [
            "",
            f"Retrain attempts against this champion: {tried['count']}"
            + (f", the last {streak} rejected in a row" if streak else "")
            + f". Last: {last['at'][:10]}, data up to {last['data_end']}, "
            + ("rejected: " + _escape(last["reason"]) if last["verdict"] == "reject" else "promoted, not on main yet")
            + ". Volume and age count from it.",
        ]
    cd = decision["cooldown"]
    lines += [
        "",
        f"Combine: `{decision['combine']}` · cooldown {cd['days']} days "
        f"({'active until ' + cd['until'] if cd['active'] else 'not active'}) · now {decision['now']}",
        "",
    ]
    return "\n".join(lines)


def _escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def write_outputs(decision: dict[str, Any], root: Path) -> tuple[Path, Path]:
    out = root / "reports"
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / "decision.json", out / "decision.md"
    markdown = to_markdown(decision)
    write_report(json_path, md_path, decision, markdown)  # both or neither: the summary never shows another day
    gitops.set_output("retrain", "true" if decision["retrain"] else "false")  # both no-ops off Actions
    gitops.summary(markdown)
    return json_path, md_path
