"""Retraining triggers: each turns one observation into a number, a threshold and a verdict.

The functions here are pure (numbers in, verdict out) so each rule is tested on
crafted inputs; ``decide.py`` gathers the observations from git and the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from ..config import AgeTrigger, DecayTrigger, VolumeTrigger
from .metrics import Metric


@dataclass
class TriggerResult:
    name: str
    value: Any
    threshold: Any
    fired: bool
    detail: str
    evaluated: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if not out["extra"]:
            out.pop("extra")
        return out


def skipped(name: str, why: str) -> TriggerResult:
    return TriggerResult(name, None, None, False, f"not evaluated: {why}", evaluated=False)


def days_between(earlier: dt.datetime, later: dt.datetime) -> float:
    return (later - earlier).total_seconds() / 86400.0


def age_trigger(
    promoted: dt.datetime | None, now: dt.datetime, cfg: AgeTrigger, last_attempt: dt.datetime | None = None
) -> TriggerResult:
    """Fires when the champion is older than ``max_age_days``, counted from its promotion or, after a
    retrain attempt against it (rejected, or its promotion not merged yet), from that attempt."""
    if promoted is None and last_attempt is None:
        return TriggerResult(
            "age", None, cfg.max_age_days, True, "promotion date unknown (no dvc.lock history): treated as too old"
        )
    if last_attempt is not None and (promoted is None or last_attempt > promoted):
        since, what = last_attempt, f"last retrain attempt {last_attempt.date()}"
        older = " (the champion is older)"
    else:
        assert promoted is not None
        since, what, older = promoted, f"champion promoted {promoted.date()}", ""
    age = days_between(since, now)
    fired = age > cfg.max_age_days
    verdict = "older than" if fired else "within"
    return TriggerResult(
        "age",
        round(age, 2),
        cfg.max_age_days,
        fired,
        f"{what}, {age:.1f} days ago{older}: {verdict} the {cfg.max_age_days}-day maximum",
    )


def volume_trigger(
    new_rows: int, since: dt.date, cfg: VolumeTrigger, counted_after: str = "the champion's training data"
) -> TriggerResult:
    fired = new_rows >= cfg.min_new_rows
    return TriggerResult(
        "volume",
        new_rows,
        cfg.min_new_rows,
        fired,
        f"{new_rows} rows ingested after {counted_after} (ends {since}); retrain at {cfg.min_new_rows}",
    )


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date
    rows: int
    value: float | None  # None: too few labelled rows to score
    interval: tuple[float, float] | None = None  # interval of value from the window's own rows (core/intervals.py)


def decay_limits(baseline: float | None, metric: Metric, cfg: DecayTrigger) -> list[tuple[str, float]]:
    """The values a window must not be worse than: the floor, and the baseline less the allowed drop."""
    limits: list[tuple[str, float]] = []
    if cfg.floor is not None:
        limits.append(("floor", float(cfg.floor)))
    if cfg.max_relative_drop is not None and baseline is not None and baseline != 0:
        allowed = cfg.max_relative_drop * abs(baseline)
        limit = baseline - allowed if metric.higher_is_better else baseline + allowed
        limits.append((f"promotion value {baseline:.4f} made {cfg.max_relative_drop:.0%} worse", limit))
    return limits


def _worse(value: float, limit: float, metric: Metric) -> bool:
    return value < limit if metric.higher_is_better else value > limit


def window_is_bad(value: float, baseline: float | None, metric: Metric, cfg: DecayTrigger) -> list[str]:
    """Why this window's value is bad (empty list: it is fine)."""
    reasons = []
    if cfg.floor is not None and _worse(value, cfg.floor, metric):
        reasons.append(f"{metric.name} {value:.4f} is worse than the floor {cfg.floor}")
    if cfg.max_relative_drop is not None and baseline is not None and baseline != 0:
        drop = -metric.improvement(baseline, value) / abs(baseline)
        if drop > cfg.max_relative_drop:
            reasons.append(f"{metric.name} {value:.4f} is {drop:.1%} worse than {baseline:.4f} at promotion")
    return reasons


def window_evidence(window: Window, baseline: float | None, metric: Metric, cfg: DecayTrigger) -> str | None:
    """Why the window is bad *with confidence* (None: it is not, or its rows cannot tell).

    Confident means even the best end of the window's interval is worse than a limit:
    the rows themselves rule out "the model is as good as allowed".
    """
    if window.interval is None or cfg.confidence is None or window.rows < cfg.min_rows_at_once:
        return None
    low, high = window.interval
    best = high if metric.higher_is_better else low
    for name, limit in decay_limits(baseline, metric, cfg):
        if _worse(best, limit, metric):
            return (
                f"its whole {cfg.confidence:.0%} interval [{low:.4f}, {high:.4f}] from {window.rows} rows is worse "
                f"than the limit {limit:.4f} ({name})"
            )
    return None


def decay_trigger(windows: list[Window], baseline: float | None, metric: Metric, cfg: DecayTrigger) -> TriggerResult:
    """Fire when the latest window is bad with confidence, or when ``min_bad`` of the last ``windows`` AND the latest are bad.

    ``windows`` are oldest first. One window whose interval lies entirely past the
    limit is unmistakable: waiting for a second one only delays the retrain. A window
    that is bad on its point value but whose interval reaches back over the limit
    may be noise: then N of M (and the latest) are needed, so one noisy window never
    triggers (no flapping), and a recovered model never triggers on stale evidence.
    """
    threshold = {
        "min_bad": cfg.min_bad,
        "of_windows": cfg.windows,
        "floor": cfg.floor,
        "max_relative_drop": cfg.max_relative_drop,
        "confidence": cfg.confidence,
        "baseline": baseline,
    }
    scored = [w for w in windows if w.value is not None][-cfg.windows :]
    if not scored:
        return TriggerResult(
            "decay", None, threshold, False, "no labelled window after the champion's holdout to score yet"
        )
    verdicts = [
        (w, window_is_bad(w.value, baseline, metric, cfg), window_evidence(w, baseline, metric, cfg))
        for w in scored
        if w.value is not None
    ]
    bad = sum(1 for _, reasons, _ in verdicts if reasons)
    latest, latest_reasons, latest_evidence = verdicts[-1]
    latest_bad = bool(latest_reasons)
    n_of_m = bad >= cfg.min_bad and latest_bad
    at_once = latest_evidence is not None
    fired = n_of_m or at_once
    assert latest.value is not None
    detail = (
        f"{bad} of the last {len(verdicts)} windows of {cfg.window_days} days are bad (need {cfg.min_bad}), "
        f"latest ({latest.start}..{latest.end}, {latest.rows} rows, {metric.name} {latest.value:.4f}) is "
        f"{'bad' if latest_bad else 'fine'}"
    )
    if latest_reasons:
        detail += ": " + "; ".join(latest_reasons)
    if at_once:
        detail += f"; bad with confidence, {latest_evidence}" + ("" if n_of_m else ": fires at once")
    elif latest_bad and latest.interval is not None:
        detail += f" but within noise (interval [{latest.interval[0]:.4f}, {latest.interval[1]:.4f}])"
    extra = {
        "windows": [
            {
                "start": w.start.isoformat(),
                "end": w.end.isoformat(),
                "rows": w.rows,
                "value": None if w.value is None else round(w.value, 6),
                "interval": None if w.interval is None else [round(v, 6) for v in w.interval],
                "bad": bool(r),
                "confident": e is not None,
            }
            for w, r, e in verdicts
        ]
    }
    return TriggerResult("decay", bad, threshold, fired, detail, extra=extra)


def drift_trigger(summary: dict[str, Any]) -> TriggerResult:
    share = summary["drifted_share"]
    fired = bool(summary["dataset_drift"])
    cols = summary["drifted_columns"]
    shown = ", ".join(cols[:5]) + (f" and {len(cols) - 5} more" if len(cols) > 5 else "")
    detail = (
        f"{len(cols)} of {len(summary['columns'])} columns drifted ({share:.0%}; dataset drift at "
        f"{summary['drift_share_threshold']:.0%})" + (f": {shown}" if cols else "")
    )
    return TriggerResult("drift", round(share, 4), summary["drift_share_threshold"], fired, detail)


def manual_trigger(force: bool, reason: str | None) -> TriggerResult:
    if force:
        return TriggerResult("manual", True, None, True, f"forced: {reason or 'no reason given'}")
    return TriggerResult("manual", False, None, False, "not forced")


def combine(results: list[TriggerResult], mode: str) -> bool:
    """``any``: one fired trigger is enough; ``all``: every evaluated trigger must fire."""
    evaluated = [r for r in results if r.evaluated]
    if not evaluated:
        return False
    if mode == "any":
        return any(r.fired for r in evaluated)
    return all(r.fired for r in evaluated)


@dataclass(frozen=True)
class Cooldown:
    days: float
    last_change: dt.datetime | None
    now: dt.datetime

    @property
    def until(self) -> dt.datetime | None:
        return None if self.last_change is None else self.last_change + dt.timedelta(days=self.days)

    @property
    def active(self) -> bool:
        return self.until is not None and self.days > 0 and self.now < self.until

    def to_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "last_change": self.last_change.isoformat() if self.last_change else None,
            "until": self.until.isoformat() if self.until else None,
            "active": self.active,
        }


def after_attempts(
    result: TriggerResult, *, data_end: dt.date, last_data_end: dt.date, rejected_in_a_row: int, base_days: int
) -> TriggerResult:
    """Hold a fired trigger after rejected retrains until the data holds enough days they never saw.

    Decay judges the champion, so a champion that stays bad fires it every morning while each retrain is
    rejected (a regime no candidate beats yet): a retrain a day, each on one more day of data. After a
    rejection against this champion the trigger fires again only with ``base_days`` new days (a whole
    decay window: new evidence, not the same evidence again), doubled for each further rejection in a
    row (exponential backoff: 1, 2, 4 windows), so a hopeless regime costs a few retrains, not one a day.
    Age (counted from the attempt) still bounds the wait.

    A promoted attempt whose PR awaits its merge holds nothing: the next morning's retrain refreshes
    that PR with one more day of the new regime, which soon after an abrupt change is much of the
    post-change data (holding it cost the decision benchmark's abrupt stream 2 % of online AUC).
    """
    if not result.fired or rejected_in_a_row < 1:
        return result
    wait = base_days * 2 ** (rejected_in_a_row - 1)
    new_days = (data_end - last_data_end).days
    if new_days >= wait:
        return result
    from dataclasses import replace

    tried = (
        f"{rejected_in_a_row} retrain{'s' if rejected_in_a_row > 1 else ''} against it rejected"
        f"{' in a row' if rejected_in_a_row > 1 else ''}, the last with data to {last_data_end}"
    )
    again = last_data_end + dt.timedelta(days=wait)
    return replace(
        result,
        fired=False,
        detail=f"{result.detail}; {tried}: again with data to {again} ({wait} new day(s), {new_days} so far)",
        extra={**result.extra, "held_after_attempt": {"until": again.isoformat(), "new_days": new_days}},
    )
