"""Pictures for the promotion pull request: candidate against champion, drift, the metric's trend.

Rendered with matplotlib's Agg backend (no display, no browser, no external host) as
PNG files under ``reports/figures/``. ``open-pr`` commits them to the promotion branch
and the PR body embeds them by commit-pinned URL, so they render in private
repositories and never depend on a third-party image host. matplotlib is imported
only here, only when ``report`` runs: the daily check never pays for it.

Every renderer takes plain arrays or dicts and returns the path it wrote, or None
with a reason when there is nothing honest to draw (e.g. no champion yet, a task
without a plot of its own): the report then says why instead of showing a blank.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import paths
from ..config import Params

CANDIDATE_COLOR, CHAMPION_COLOR = "#1f77b4", "#ff7f0e"
DPI = 100
LABEL_GAP_POINTS = 8  # a vertical line's label keeps this far from it (the candidate star's radius is ~6.3)
DRIFT_AXIS_MARGIN = 1.6  # the drift chart's log axis reaches this factor beyond the data (and the threshold, 1)


@dataclass(frozen=True)
class Figure:
    name: str  # file name under reports/figures
    title: str
    path: Path | None  # None: not drawn
    note: str = ""  # why it was not drawn, or what to read from it


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: Path) -> Path:
    from ..adapters.files import Outputs

    # metadata: no creation date or software version, so the same inputs give the same bytes; format: the
    # temporary file's name does not end in the target's suffix
    with Outputs() as outputs:
        fig.savefig(
            outputs.path(path),
            format=path.suffix.lstrip("."),
            dpi=DPI,
            bbox_inches="tight",
            metadata={"Software": None},
        )
    _pyplot().close(fig)
    return path


def _curves(y: np.ndarray, scores: dict[str, np.ndarray], kind: str) -> dict[str, tuple[np.ndarray, np.ndarray, float]]:
    """Each model's ROC or precision-recall points and area, computed as the gate computes its metrics
    (``core.metrics``): the legend's AUC and AP are the gate's numbers, and the report never imports
    ``sklearn.metrics`` (about a second of a report's CPU)."""
    from ..core.metrics import get_metric, pr_points, roc_points

    out = {}
    for who, s in scores.items():
        if kind == "roc":
            out[who] = (*roc_points(y, s), get_metric("roc_auc")(y, s))
        else:
            out[who] = (*pr_points(y, s), get_metric("average_precision")(y, s))
    return out


def roc_pr(y: np.ndarray, scores: dict[str, np.ndarray], path: Path) -> Path:
    """ROC and precision-recall curves of each model, side by side."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 4))
    colors = {"candidate": CANDIDATE_COLOR, "champion": CHAMPION_COLOR}
    for who, (x, yy, area) in _curves(y, scores, "roc").items():
        left.plot(x, yy, color=colors.get(who), label=f"{who} (AUC {area:.3f})")
    left.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    left.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC", xlim=(0, 1), ylim=(0, 1.01))
    for who, (x, yy, area) in _curves(y, scores, "pr").items():
        right.plot(x, yy, color=colors.get(who), label=f"{who} (AP {area:.3f})")
    right.axhline(float(np.mean(y)), color="grey", linestyle=":", linewidth=1, label=f"base rate {np.mean(y):.2f}")
    right.set(xlabel="recall", ylabel="precision", title="Precision-recall", xlim=(0, 1), ylim=(0, 1.01))
    for ax in (left, right):
        ax.legend(loc="lower right" if ax is left else "lower left", fontsize=8)
        ax.grid(alpha=0.3)
    return _save(fig, path)


def calibration(y: np.ndarray, scores: dict[str, np.ndarray], path: Path, bins: int = 10) -> Path:
    """Reliability diagram: observed positive rate per bin of predicted probability (quantile bins)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.8, 4))
    colors = {"candidate": CANDIDATE_COLOR, "champion": CHAMPION_COLOR}
    for who, s in scores.items():
        edges = np.unique(np.quantile(s, np.linspace(0, 1, bins + 1)))
        which = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, max(len(edges) - 2, 0))
        mean_pred = np.array([s[which == b].mean() for b in np.unique(which)])
        observed = np.array([y[which == b].mean() for b in np.unique(which)])
        brier = float(np.mean((s - y) ** 2))
        ax.plot(mean_pred, observed, marker="o", color=colors.get(who), label=f"{who} (Brier {brier:.3f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1, label="perfectly calibrated")
    ax.set(
        xlabel="mean predicted probability",
        ylabel="observed positive rate",
        title="Calibration (holdout)",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def regression_errors(y: np.ndarray, scores: dict[str, np.ndarray], path: Path, cap: int = 3000) -> Path:
    """Predicted against actual, and residuals against predicted, for each model."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 4))
    colors = {"candidate": CANDIDATE_COLOR, "champion": CHAMPION_COLOR}
    rng = np.random.default_rng(0)
    keep = np.sort(rng.choice(len(y), size=min(cap, len(y)), replace=False))
    lo, hi = float(np.min(y)), float(np.max(y))
    for who, s in scores.items():
        rmse = float(np.sqrt(np.mean((y - s) ** 2)))
        left.scatter(y[keep], s[keep], s=6, alpha=0.35, color=colors.get(who), label=f"{who} (RMSE {rmse:.3g})")
        right.scatter(s[keep], (y - s)[keep], s=6, alpha=0.35, color=colors.get(who), label=who)
    left.plot([lo, hi], [lo, hi], color="grey", linestyle=":", linewidth=1)
    left.set(xlabel="actual", ylabel="predicted", title="Predicted vs actual (holdout)")
    right.axhline(0, color="grey", linestyle=":", linewidth=1)
    right.set(xlabel="predicted", ylabel="residual (actual - predicted)", title="Residuals")
    for ax in (left, right):
        ax.legend(fontsize=8, markerscale=2)
        ax.grid(alpha=0.3)
    return _save(fig, path)


def drift_severity(r: dict[str, Any]) -> float:
    """How far past its threshold a column is, >= 1 means drifted (p-value tests: threshold / p)."""
    threshold = float(r.get("threshold") or 1e-12)
    score = float(r.get("score") or 0.0)
    if "p_value" in str(r.get("method", "")).lower():
        return threshold / max(score, 1e-300)
    return score / threshold


def drift_chart(summary: dict[str, Any], path: Path, limit: int = 15) -> Path:
    """One bar per feature: its drift score relative to its threshold (1 = the threshold), scores annotated."""
    plt = _pyplot()
    columns = sorted(summary.get("columns", {}).items(), key=lambda kv: drift_severity(kv[1]), reverse=True)[:limit]
    columns.reverse()  # most drifted on top
    height = 0.9 + 0.32 * len(columns)
    fig, ax = plt.subplots(figsize=(7.5, height))
    ratios = [max(drift_severity(r), 1e-3) for _, r in columns]
    colors = ["#d62728" if r.get("drifted") else "#7f7f7f" for _, r in columns]
    ax.barh([name for name, _ in columns], ratios, color=colors)
    ax.axvline(1.0, color="black", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    # The axis spans the data and the threshold, no more (issue 24: room for the labels inside it left
    # half the log axis empty); the labels sit right of the axes, one per bar.
    ax.set_xlim(min([*ratios, 1.0]) / DRIFT_AXIS_MARGIN, max([*ratios, 1.0]) * DRIFT_AXIS_MARGIN)
    for i, (_, r) in enumerate(columns):
        ax.text(
            1.02,
            i,
            f"{r.get('score', 0):.3g} vs {r.get('threshold', 0):.3g} ({_short_method(str(r.get('method', '')))})",
            transform=ax.get_yaxis_transform(),  # x in axes fraction, y in bars
            va="center",
            fontsize=7,
        )
    share = summary.get("drifted_share", 0.0)
    ax.set(
        xlabel="score relative to its threshold (log; right of the dashed line = drifted)",
        title=f"Drift by feature: {len(summary.get('drifted_columns', []))} of {len(summary.get('columns', {}))} "
        f"drifted ({share:.0%}; dataset drift at {summary.get('drift_share_threshold', 0):.0%})",
    )
    ax.tick_params(axis="y", labelsize=8)
    return _save(fig, path)


def _short_method(method: str) -> str:
    method = method.replace(" (normed)", "").replace(" distance", "")
    return method if len(method) <= 28 else method[:27] + "…"


def metric_timeline(
    points: list[dict[str, Any]],
    *,
    metric: str,
    higher_is_better: bool,
    baseline: float | None,
    bad_line: float | None,
    promoted: str | None,
    candidate: dict[str, Any] | None,
    path: Path,
) -> Path:
    """The champion's primary metric per recent window, its value at promotion, and the candidate proposed here.

    ``points``: ``{"end": "YYYY-MM-DD", "value": float, "rows": int, "interval": [lo, hi] | None}``.
    """
    import datetime as dt

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.6))
    scored = [p for p in points if p.get("value") is not None]
    xs = [dt.date.fromisoformat(p["end"]) for p in scored]
    ys = [float(p["value"]) for p in scored]
    if scored:
        ax.plot(xs, ys, marker="o", color=CHAMPION_COLOR, label="champion, per window")
        lows = [p["interval"][0] if p.get("interval") else v for p, v in zip(scored, ys, strict=True)]
        highs = [p["interval"][1] if p.get("interval") else v for p, v in zip(scored, ys, strict=True)]
        ax.fill_between(xs, lows, highs, color=CHAMPION_COLOR, alpha=0.15, label="95% interval")
    if baseline is not None:
        ax.axhline(
            baseline, color=CHAMPION_COLOR, linestyle=":", linewidth=1, label=f"champion at promotion ({baseline:.4f})"
        )
    if bad_line is not None:
        ax.axhline(bad_line, color="#d62728", linestyle="--", linewidth=1, label=f"decay threshold ({bad_line:.4f})")
    last = max(
        [*xs, *([dt.date.fromisoformat(candidate["end"])] if candidate and candidate.get("end") else [])], default=None
    )
    if promoted and (last is None or dt.date.fromisoformat(promoted[:10]) <= last):
        day = dt.date.fromisoformat(promoted[:10])
        ax.axvline(day, color="black", linewidth=1)
        ax.annotate(
            "champion promoted",
            (day, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(-LABEL_GAP_POINTS, 0),  # clear of the line and of the candidate's star on it
            textcoords="offset points",
            rotation=90,
            va="top",
            ha="right",
            fontsize=7,
        )
    if candidate and candidate.get("value") is not None:
        day = dt.date.fromisoformat(candidate["end"])
        ax.scatter(
            [day],
            [candidate["value"]],
            marker="*",
            s=160,
            color=CANDIDATE_COLOR,
            zorder=5,
            label=f"candidate on its holdout ({candidate['value']:.4f})",
        )
        ax.axvline(day, color=CANDIDATE_COLOR, linewidth=1, linestyle="-.")
        ax.annotate(
            "this promotion",
            (day, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(-LABEL_GAP_POINTS, 0),  # clear of the line and of the candidate's star on it
            textcoords="offset points",
            rotation=90,
            va="top",
            ha="right",
            fontsize=7,
            color=CANDIDATE_COLOR,
        )
    arrow = "higher is better" if higher_is_better else "lower is better"
    ax.set(ylabel=metric, title=f"{metric} ({arrow}) across the recent windows")
    # Outside the axes: inside, "best" still covered the promotion marker and the candidate star (issue 24).
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    return _save(fig, path)


def importance_chart(table: list[dict[str, Any]], metric: str, path: Path) -> Path:
    """Permutation importance of candidate and champion, top features side by side."""
    plt = _pyplot()
    rows = list(reversed(table))
    y = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(7, 0.9 + 0.35 * len(rows)))
    for offset, who, color in ((0.2, "candidate", CANDIDATE_COLOR), (-0.2, "champion", CHAMPION_COLOR)):
        means = [r.get(who, {}).get("mean") if r.get(who) else None for r in rows]
        stds = [r.get(who, {}).get("std") if r.get(who) else None for r in rows]
        if all(m is None for m in means):
            continue
        ax.barh(
            y + offset,
            [m or 0.0 for m in means],
            height=0.38,
            xerr=[s or 0.0 for s in stds],
            color=color,
            label=who,
            error_kw={"linewidth": 0.8},
        )
    ax.set_yticks(y, [r["feature"] for r in rows], fontsize=8)
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set(xlabel=f"drop in {metric} when the feature is shuffled (holdout)", title="Permutation importance")
    ax.legend(fontsize=8)
    return _save(fig, path)


def backtest_chart(result: dict[str, Any], path: Path) -> Path:
    """The backtest's online metric per day, one line per policy; retrains marked (filled: promoted,
    hollow: rejected), known change days as dashed lines."""
    import datetime as dt

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(10, 4))
    for name, days in result["days"].items():
        x = [dt.date.fromisoformat(d["day"]) for d in days]
        y = [np.nan if d["online"] is None else d["online"] for d in days]
        (line,) = ax.plot(x, y, lw=1.2, label=name)
        for d, value in zip(days, y, strict=True):
            if "verdict" in d and not np.isnan(value):
                promoted = d["verdict"] == "promote"
                ax.plot(
                    dt.date.fromisoformat(d["day"]),
                    value,
                    "o",
                    ms=5,
                    color=line.get_color(),
                    markerfacecolor=line.get_color() if promoted else "none",
                )
    for change in result.get("changes", []):
        ax.axvline(dt.date.fromisoformat(change), color="grey", ls="--", lw=1)
    ax.set_ylabel(f"online {result['primary_metric']}")
    ax.set_title(
        f"Backtest {result['from']}..{result['to']}: the serving model on each day's rows "
        "(dots: retrains, filled = promoted; dashed: known changes)",
        fontsize=9,
    )
    ax.legend(fontsize=8, loc="lower left")
    fig.autofmt_xdate()
    return _save(fig, path)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def render_all(
    params: Params, root: Path, *, timeline: dict[str, Any] | None = None, importance: dict[str, Any] | None = None
) -> list[Figure]:
    """Every figure the inputs allow, under reports/figures; the rest are listed with the reason."""
    out = root / paths.FIGURES
    figures: list[Figure] = []
    task = params.project.task
    predictions = root / paths.PREDICTIONS
    if predictions.exists():
        import pandas as pd

        frame = pd.read_parquet(predictions)
        y = frame["y_true"].to_numpy(dtype=float)
        scores = {"candidate": frame["candidate"].to_numpy(dtype=float)}
        if "champion" in frame and frame["champion"].notna().all():
            scores["champion"] = frame["champion"].to_numpy(dtype=float)
        if task == "classification" and set(np.unique(y)) <= {0.0, 1.0} and len(np.unique(y)) == 2:
            figures.append(
                Figure("roc_pr.png", "ROC and precision-recall (holdout)", roc_pr(y, scores, out / "roc_pr.png"))
            )
            figures.append(
                Figure("calibration.png", "Calibration (holdout)", calibration(y, scores, out / "calibration.png"))
            )
        elif task == "regression":
            figures.append(
                Figure(
                    "errors.png",
                    "Predicted vs actual and residuals (holdout)",
                    regression_errors(y, scores, out / "errors.png"),
                )
            )
        else:
            figures.append(
                Figure(
                    "model.png",
                    "Candidate vs champion",
                    None,
                    f"no candidate-vs-champion plot for task {task!r} with these labels",
                )
            )
    else:
        figures.append(Figure("model.png", "Candidate vs champion", None, f"{paths.PREDICTIONS} is missing"))
    drift = _read(root / "reports" / "drift" / "drift_summary.json")
    if drift and drift.get("columns"):
        figures.append(Figure("drift.png", "Drift by feature", drift_chart(drift, out / "drift.png")))
    else:
        figures.append(Figure("drift.png", "Drift by feature", None, "no drift summary"))
    if timeline is not None:
        figures.append(
            Figure(
                "timeline.png",
                f"{params.evaluate.primary_metric} across the recent windows",
                metric_timeline(**timeline, path=out / "timeline.png"),
            )
        )
    if importance and importance.get("features"):
        figures.append(
            Figure(
                "importance.png",
                "Permutation importance (holdout)",
                importance_chart(importance["features"], importance.get("metric", ""), out / "importance.png"),
            )
        )
    return figures


def is_image(path: Path) -> bool:
    """A PNG or SVG file by its content, not its name."""
    head = path.read_bytes()[:256]
    return head.startswith(b"\x89PNG\r\n\x1a\n") or b"<svg" in head
