"""The model-health issue's text: history kept in the body, one point per data day, trends, failures, alerts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from {{ cookiecutter.package_name }}.core import health


def decision(retrain: bool, value: float, share: float) -> dict:
    return {
        "retrain": retrain,
        "reason": "x",
        "data": {"end_date": "2026-03-01"},
        "triggers": [
            {
                "name": "decay",
                "fired": False,
                "evaluated": True,
                "extra": {"windows": [{"value": 0.9}, {"value": value}]},
            },
            {"name": "drift", "fired": retrain, "evaluated": True, "value": share},
        ],
    }


def render(history: list[dict]) -> str:
    return health.render(
        history,
        model="m",
        primary_metric="roc_auc",
        decision_md="### Retraining decision: ok",
        pull={"number": 4, "html_url": "https://h/pull/4", "title": "Promote m"},
        keepalive="Keepalive: fine",
        run_url="https://h/run/1",
    )


def test_history_lives_in_the_body_and_one_day_is_one_point() -> None:
    body = None
    for day, value in (("2026-03-01", 0.8), ("2026-03-02", 0.7), ("2026-03-02", 0.75), ("2026-03-03", 0.6)):
        point = health.point_from(
            decision(value < 0.65, value, 0.2), day=day, status="success", rows_today=300, run_url="https://h/run/1"
        )
        body = render(health.add_point(health.history_of(body), point))
    points = health.history_of(body)
    assert [p["day"] for p in points] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert points[1]["primary"] == 0.75, "a re-run of the same data day replaces its point"
    assert "[#4](https://h/pull/4)" in body
    assert "| champion roc_auc (newest window) | `█▆▁` | 0.6000 |" in body
    assert "| 2026-03-03 | retrain | drift |" in body
    assert "None in the last 3 checks." in body


def test_failures_are_listed_and_the_body_fits_the_limit() -> None:
    history: list[dict] = []
    for i in range(200):
        failed = i % 10 == 0
        point = health.point_from(
            None if failed else decision(False, 0.8, 0.1),
            day=f"2026-{1 + i // 28:02d}-{1 + i % 28:02d}",
            status="failure" if failed else "success",
            rows_today=None,
            run_url=f"https://h/run/{i}",
            ingest={"quarantined": ["d"]} if failed else None,
        )
        history = health.add_point(history, point)
    assert len(history) == health.KEEP_POINTS
    body = health.fit_body(
        history, 4000, model="m", primary_metric="roc_auc", decision_md=None, pull=None, keepalive="k", run_url=""
    )
    assert len(body) <= 4000
    assert "check job failure; batch d quarantined" in body
    assert "No decision today" in body
    assert "**Open promotion pull request:** none." in body
    assert health.history_of(body), "the data block survives the trim"


def test_data_warnings_of_admitted_days_reach_the_health_issue() -> None:
    """Issue 25: a soft check that fails admits the day; the health issue says so in a short line."""
    ingest = {
        "quarantined": [],
        "warnings": {
            "2026-03-01": [f"column 'temp': maximum (soft) expected <= {40 + i}, observed 80.0" for i in range(7)]
        },
    }
    point = health.point_from(
        decision(False, 0.8, 0.1), day="2026-03-01", status="success", rows_today=300, run_url="", ingest=ingest
    )
    assert point["failures"] == []
    assert len(point["warnings"]) == health.SHOWN_WARNINGS + 1  # the rest are counted, not listed
    assert point["warnings"][-1] == "... and 2 more in reports/ingest.json"
    body = render([point])
    assert "**Data warnings** (the days were admitted):" in body
    assert "- batch 2026-03-01: column 'temp': maximum (soft) expected <= 40, observed 80.0" in body
    quiet = health.point_from(None, day="2026-03-02", status="success", rows_today=300, run_url="", ingest=None)
    assert "Data warnings" not in render([point, quiet]), "only today's warnings are shown"


@pytest.mark.parametrize("event", health.EVENTS)
def test_alert_text_names_the_model_and_links(event: str) -> None:
    text = health.alert_text(event, model="churn", detail="why.", link="https://h/x")
    assert text.startswith("churn: ")
    assert text.endswith("https://h/x")
    with pytest.raises(ValueError, match="unknown alert event"):
        health.alert_text("quiet-day", model="m", detail="")


def test_the_daily_health_step_stays_light() -> None:
    code = (
        "import sys; from {{ cookiecutter.package_name }}.cli import workflow; "
        "from {{ cookiecutter.package_name }}.jobs import health; "
        "print(sorted(m for m in ('pandas', 'sklearn', 'matplotlib', 'mlflow', 'evidently') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
