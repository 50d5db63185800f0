"""The pull-request figures show their data: no legend over a marker, no log axis half empty (issue 24)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.jobs import figures


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The matplotlib figures the renderers would save, kept open to measure them."""
    kept: list[Any] = []

    def keep(fig: Any, path: Path) -> Path:
        kept.append(fig)
        return path

    monkeypatch.setattr(figures, "_save", keep)
    yield kept
    for fig in kept:
        figures._pyplot().close(fig)


def timeline_inputs() -> dict[str, Any]:
    """The case issue 24 saw: the candidate's star and the promotion line at the right end, where
    loc="best" put the legend."""
    days = [f"2026-03-{day:02d}" for day in (3, 10, 17, 24, 31)]
    values = [0.80, 0.79, 0.70, 0.62, 0.60]
    points = [
        {"end": day, "value": value, "rows": 2100, "interval": [value - 0.02, value + 0.02]}
        for day, value in zip(days, values, strict=True)
    ]
    return {
        "points": points,
        "metric": "roc_auc",
        "higher_is_better": True,
        "baseline": 0.80,
        "bad_line": 0.72,
        "promoted": "2026-03-28T10:00:00+00:00",
        "candidate": {"end": "2026-03-31", "value": 0.88},
    }


def test_timeline_legend_covers_no_marker(drawn: list[Any], tmp_path: Path) -> None:
    import datetime as dt

    from matplotlib.dates import date2num

    inputs = timeline_inputs()
    figures.metric_timeline(**inputs, path=tmp_path / "timeline.png")
    (fig,) = drawn
    fig.canvas.draw()
    (ax,) = fig.axes
    legend = ax.get_legend()
    box = legend.get_window_extent()
    renderer = fig.canvas.get_renderer()

    def at(day: str, value: float) -> tuple[float, float]:
        x, y = ax.transData.transform((date2num(dt.date.fromisoformat(day)), value))
        return float(x), float(y)

    markers = [at(p["end"], p["value"]) for p in inputs["points"]]
    markers.append(at(inputs["candidate"]["end"], inputs["candidate"]["value"]))
    for x, y in markers:
        assert not box.contains(x, y), f"the legend {box} covers a marker at ({x:.0f}, {y:.0f})"
    promoted_x, _ = at(inputs["promoted"][:10], 0.0)
    assert not box.x0 <= promoted_x <= box.x1 or box.y1 < ax.get_window_extent().y0, "legend over the promotion line"
    for text in ax.texts:  # "champion promoted", "this promotion": beside their lines, over no marker either
        extent = text.get_window_extent(renderer)
        assert not box.overlaps(extent), text.get_text()
        for x, y in markers:
            assert not extent.contains(x, y), f"{text.get_text()!r} covers a marker at ({x:.0f}, {y:.0f})"
    assert not box.overlaps(ax.get_window_extent()), "the legend sits inside the plotting area"


def test_drift_log_axis_spans_the_data(drawn: list[Any], tmp_path: Path) -> None:
    scores = {"monthly_charges": 1.169, "usage_hours": 0.802, "support_calls": 0.7062, "plan": 0.1658}
    scores |= {"age": 0.02708, "contract": 0.01453, "region": 0.01125, "payment_method": 0.004156}
    columns = {
        name: {"method": "Wasserstein distance (normed)", "score": score, "threshold": 0.1, "drifted": score > 0.1}
        for name, score in scores.items()
    }
    summary = {"columns": columns, "drifted_columns": [n for n, c in columns.items() if c["drifted"]]}
    figures.drift_chart(summary | {"drifted_share": 0.5, "drift_share_threshold": 0.5}, tmp_path / "drift.png")
    (fig,) = drawn
    fig.canvas.draw()
    (ax,) = fig.axes
    ratios = [score / 0.1 for score in scores.values()]
    low, high = ax.get_xlim()
    # Within a factor of 2 of the data (and of the threshold line at 1) on both sides.
    assert min([*ratios, 1.0]) / 2 <= low < min([*ratios, 1.0])
    assert max([*ratios, 1.0]) < high <= max([*ratios, 1.0]) * 2
    # The score labels are beside the axes, one per bar, so they need no room on the axis.
    renderer = fig.canvas.get_renderer()
    right = ax.get_window_extent().x1
    assert len(ax.texts) == len(scores)
    assert all(text.get_window_extent(renderer).x0 >= right for text in ax.texts)


def test_both_figures_are_written_whole(tmp_path: Path) -> None:
    timeline = figures.metric_timeline(**timeline_inputs(), path=tmp_path / "timeline.png")
    summary = {
        "columns": {"age": {"method": "K-S p_value", "score": 0.2, "threshold": 0.05, "drifted": False}},
        "drifted_columns": [],
    }
    drift = figures.drift_chart(summary, tmp_path / "drift.png")
    assert figures.is_image(timeline)
    assert figures.is_image(drift)
