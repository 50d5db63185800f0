"""Time-based split: the most recent ``holdout_days`` of the window are the holdout.

A random split would leak the future into training and flatter every model; a
time split asks the question production asks: how well does a model trained on
the past score the days that came after it?
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from ..adapters.dataset import list_partitions, load_partitions
from ..adapters.files import Outputs
from ..config import Params


class SplitError(RuntimeError):
    pass


def load_window(params: Params, root: Path) -> pd.DataFrame:
    paths = list_partitions(root / params.data.raw_dir, params.data.start_date, params.data.end_date)
    if not paths:
        raise SplitError(
            f"no partitions in {params.data.raw_dir} between {params.data.start_date} and {params.data.end_date}; run ingest first"
        )
    return load_partitions(paths)


def time_split(
    frame: pd.DataFrame, params: Params, holdout_days: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    date_col = params.project.date_column
    id_col = params.project.id_column
    holdout_days = holdout_days or params.split.holdout_days
    frame = frame.sort_values([date_col, id_col] if id_col and id_col in frame else [date_col])
    frame = frame.reset_index(drop=True)
    dates = frame[date_col].dt.normalize()
    last = dates.max()
    cutoff = last - pd.Timedelta(days=holdout_days - 1)
    holdout = frame[dates >= cutoff]
    train = frame[dates < cutoff]
    if params.split.max_train_days:
        train = train[dates[dates < cutoff] >= cutoff - pd.Timedelta(days=params.split.max_train_days)]
    if train.empty:
        raise SplitError(
            f"no training rows before the {holdout_days}-day holdout starting {cutoff.date()}; "
            "widen data.start_date..data.end_date or shorten split.holdout_days"
        )
    return train.reset_index(drop=True), holdout.reset_index(drop=True)


def date_range(frame: pd.DataFrame, column: str) -> dict[str, Any]:
    return {
        "start": frame[column].min().date().isoformat(),
        "end": frame[column].max().date().isoformat(),
        "rows": len(frame),
    }


def holdout_warnings(holdout: pd.DataFrame, params: Params, holdout_days: int | None = None) -> list[str]:
    """Say when the window runs past the data, or the holdout has days without rows (never silently)."""
    days = holdout[params.project.date_column].dt.normalize()
    last = days.max().date()
    warnings = []
    end = params.data.end_date
    if last < end:
        warnings.append(
            f"no rows after {last} although data.end_date is {end} ({(end - last).days} day(s)): the holdout is the "
            f"last {holdout_days or params.split.holdout_days} days with data, {days.min().date()}..{last}; "
            "move data.end_date back"
        )
    seen = set(days.dt.date)
    first = days.min().date()
    missing = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    missing = [d for d in missing if d not in seen]
    if missing:
        shown = ", ".join(d.isoformat() for d in missing[:7]) + (" ..." if len(missing) > 7 else "")
        warnings.append(
            f"the holdout has no rows on {len(missing)} of its {holdout_days or params.split.holdout_days} days: {shown}"
        )
    return warnings


def champion_change(params: Params, root: Path, frame: pd.DataFrame) -> dict[str, Any] | None:
    """The day the champion's loss stepped up among the newest days it never trained on (core/change.py).

    None when the search is off, there is no champion, or no step passes ``min_t``. The champion is the
    model ``evaluate.champion_ref`` pins (read from git, as evaluate reads it); only days after its
    training data are searched, since its loss on rows it learnt from is optimistic and would look like
    a step at their end.
    """
    cfg = params.split.after_change
    if not cfg.enabled:
        return None
    from ..adapters import champion as champion_mod
    from ..adapters import history

    ref = champion_mod.resolve(root, params.evaluate.champion_ref)
    if ref.md5 is None:
        return None
    where = ref.commit or params.evaluate.champion_ref
    span = history.train_range(root, where)
    change = change_after(params, frame, lambda: champion_mod.load(root, ref, params), span[1] if span else None)
    if change is None:
        return kept_change(params, frame, history.window_change(root, where), ref.md5)
    return {**change, "champion_md5": ref.md5}


def kept_change(
    params: Params, frame: pd.DataFrame, since: dt.date | None, champion_md5: str | None
) -> dict[str, Any] | None:
    """The champion's own window start, kept when no newer change is found against it.

    A champion trained after a change fits the new regime, so the search against it finds no step;
    a candidate on all history would again be mostly the old regime, and worse (the 365-day
    backtest: every such retrain rejected). So the window keeps starting at that change until a
    newer one is found. None when the champion was trained on all history or the window already
    starts after that day.
    """
    if since is None or not params.split.after_change.enabled:
        return None
    days = frame[params.project.date_column].dt.normalize()
    start = pd.Timestamp(since)
    if days.min() >= start:
        return None
    days_after = int(days[days >= start].nunique())
    if days_after < params.split.after_change.min_days_after:
        return None
    return {"day": since.isoformat(), "days_after": days_after, "inherited": True, "champion_md5": champion_md5}


def training_since(change: dict[str, Any] | None) -> dt.date | None:
    """The change day a model's training window started at, per its split record; None when it trained on
    all history (no change, or the all-history candidate was the better one)."""
    if not change or change.get("chosen") == "all_history" or not change.get("day"):
        return None
    return dt.date.fromisoformat(str(change["day"]))


def change_after(
    params: Params, frame: pd.DataFrame, load_model: Any, trained_until: dt.date | None
) -> dict[str, Any] | None:
    """The step in ``load_model()``'s per-row loss among the newest ``lookback_days`` after ``trained_until``
    (core/change.py), as split.json records it; None when there is none. The replay calls it too."""
    from ..core.change import find_change, row_losses
    from ..core.features import input_columns, truth_and_scores

    cfg = params.split.after_change
    date_col, target = params.project.date_column, params.project.target
    days = frame[date_col].dt.normalize()
    start = days.max() - pd.Timedelta(days=cfg.lookback_days - 1)
    if trained_until is not None:
        start = max(start, pd.Timestamp(trained_until) + pd.Timedelta(days=1))
    recent = frame[(days >= start) & frame[target].notna()]
    if recent[date_col].dt.normalize().nunique() < cfg.min_days_after + 1:
        return None  # not enough days to hold a change and the days after it
    model = load_model()
    y, scores = truth_and_scores(model, recent[input_columns(params)], recent[target].to_numpy(), params.project.task)
    losses = row_losses(y, scores, params.project.task)
    recent_days = recent[date_col].dt.normalize().to_numpy()
    ordered = sorted(set(recent_days))
    by_day = [losses[recent_days == d] for d in ordered]
    change = find_change(
        [pd.Timestamp(d).date() for d in ordered], by_day, min_t=cfg.min_t, min_days_after=cfg.min_days_after
    )
    return None if change is None else change.to_dict()


def split_after_change(
    params: Params, frame: pd.DataFrame, change: dict[str, Any] | None
) -> tuple[pd.DataFrame, pd.DataFrame, int | None]:
    """time_split, on the days since ``change`` when there is one (holdout: the newest half of them).

    A change just found is a call made on a few days of loss: a candidate on all history is fitted
    beside the one on the days since, both judged on the same holdout, and the better window is kept
    (:func:`choose_window`; the gate widens its interval for the choice). A change kept from the
    champion's own window (``inherited``) or given (the replay's oracle) is not second-guessed.
    """
    holdout_days = None
    if change is not None:
        # After an abrupt change the old days teach the old concept: train on the days after it and
        # judge on the newest of them (at most holdout_days, at least one day left to train on).
        since = frame[frame[params.project.date_column].dt.normalize() >= pd.Timestamp(change["day"])]
        holdout_days = max(1, min(params.split.holdout_days, change["days_after"] // 2))
        change["holdout_days"] = holdout_days
        train, holdout = time_split(since, params, holdout_days)
        if not change.get("inherited") and not change.get("known") and params.split.after_change.compare_all_history:
            wide, _ = time_split(frame, params, holdout_days)  # the same newest days held out
            train = choose_window(params, change, {"since_change": train, "all_history": wide}, holdout)
        return train, holdout, holdout_days
    train, holdout = time_split(frame, params, holdout_days)
    return train, holdout, holdout_days


def choose_window(
    params: Params, change: dict[str, Any], windows: dict[str, pd.DataFrame], holdout: pd.DataFrame
) -> pd.DataFrame:
    """Fit a candidate on each training window, score each on ``holdout`` (the primary metric), and
    return the rows of the best; ``change`` records every window, its score and the choice.

    Choosing on the holdout the gate judges on is a multiple comparison: the gate takes the number of
    windows compared from split.json and tests the primary metric at 1 - (1 - confidence) / K
    (Bonferroni), so the chosen candidate is not promoted on the luck of the pick. A window whose
    candidate cannot be fitted (one class since the change) is recorded with the reason and skipped.
    """
    from ..core.features import input_columns, truth_and_scores
    from ..core.metrics import compute, get_metric
    from .train import TrainingError, fit

    name = params.evaluate.primary_metric
    metric = get_metric(name)
    date_col, target = params.project.date_column, params.project.target
    holdout = holdout[holdout[target].notna()]
    y_all = holdout[target].to_numpy()
    scored: list[dict[str, Any]] = []
    for label, rows in windows.items():
        entry: dict[str, Any] = {"name": label, **date_range(rows, date_col)}
        try:
            model = fit(params, rows)
        except TrainingError as exc:
            entry["error"] = str(exc)
            scored.append(entry)
            continue
        y, scores = truth_and_scores(model, holdout[input_columns(params)], y_all, params.project.task)
        value = compute([name], y, scores, params.evaluate.threshold)[name]
        entry[name] = None if pd.isna(value) else round(float(value), 6)
        scored.append(entry)
    usable = [w for w in scored if w.get(name) is not None]
    if not usable:
        change.update(windows=scored, compared=len(scored), chosen="since_change", metric=name)
        return windows["since_change"]
    sign = 1 if metric.higher_is_better else -1
    best = max(usable, key=lambda w: sign * w[name])  # ties: the first, the days since the change
    change.update(windows=scored, compared=len(usable), chosen=best["name"], metric=name)
    return windows[best["name"]]


def run_split(params: Params, root: Path, out_dir: Path) -> dict[str, Any]:
    frame = load_window(params, root)
    change = champion_change(params, root, frame)
    train, holdout, holdout_days = split_after_change(params, frame, change)
    info: dict[str, Any] = {
        "train": date_range(train, params.project.date_column),
        "holdout": date_range(holdout, params.project.date_column),
    }  # no "created" date: the output stays deterministic, so `dvc repro` stays a no-op
    if change is not None:
        info["after_change"] = change
    warnings = holdout_warnings(holdout, params, holdout_days or params.split.holdout_days)
    if warnings:
        info["warnings"] = warnings
    # The drift reference travels with the model trained on this split: the fixed-size sample the
    # daily check compares against, instead of rereading the whole training range (jobs/drift.py).
    from .drift import write_reference

    train_range = (dt.date.fromisoformat(info["train"]["start"]), dt.date.fromisoformat(info["train"]["end"]))
    # All four outputs or none: a failed split keeps the last one whole (issue 20).
    with Outputs() as outputs:
        train.to_parquet(outputs.path(out_dir / "train.parquet"), index=False)
        holdout.to_parquet(outputs.path(out_dir / "holdout.parquet"), index=False)
        info["drift_reference"] = write_reference(params, root, train_range, outputs)
        outputs.json(out_dir / "split.json", info)
    return info
