"""The model-health issue and the alert messages: pure text from the check's numbers.

One issue per project, found by a hidden marker and edited in place by every
scheduled check (the same idempotence as the promotion pull request). The issue
carries its own history: the last points are kept in a hidden JSON block of its
body, so the trends need no storage beyond the issue itself. Nothing here does
I/O; ``jobs/health.py`` gathers the inputs and talks to GitHub.
"""

from __future__ import annotations

import json
import re
from typing import Any

MARKER = "model-health"
LABEL = "model-health"
DATA_OPEN, DATA_CLOSE = "<!-- model-health-data", "-->"
DATA_RE = re.compile(re.escape(DATA_OPEN) + r"\n(.*?)\n" + re.escape(DATA_CLOSE), re.S)
KEEP_POINTS = 60
SHOWN_POINTS = 14
SHOWN_FAILURES = 5
SHOWN_WARNINGS, WARNING_CHARS = 5, 200  # data warnings of admitted days, today's only
SPARKS = "▁▂▃▄▅▆▇█"


def history_of(body: str | None) -> list[dict[str, Any]]:
    """The points stored in an issue body (empty when there is none or it is unreadable)."""
    if not body:
        return []
    found = DATA_RE.search(body)
    if not found:
        return []
    try:
        data = json.loads(found.group(1))
    except ValueError:
        return []
    points = data.get("points") if isinstance(data, dict) else None
    return [p for p in points or [] if isinstance(p, dict) and p.get("day")]


def add_point(history: list[dict[str, Any]], point: dict[str, Any], keep: int = KEEP_POINTS) -> list[dict[str, Any]]:
    """``history`` with ``point`` added; a second check of the same data day replaces the first."""
    kept = [p for p in history if p.get("day") != point["day"]]
    return sorted([*kept, point], key=lambda p: str(p["day"]))[-keep:]


def point_from(
    decision: dict[str, Any] | None,
    *,
    day: str,
    status: str,
    rows_today: int | None,
    run_url: str,
    drift: dict[str, Any] | None = None,
    ingest: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Today's numbers: decision, fired triggers, champion's primary metric, drift share, rows."""
    triggers = {t.get("name"): t for t in (decision or {}).get("triggers", [])}
    primary = None
    decay = triggers.get("decay") or {}
    windows = (decay.get("extra") or {}).get("windows") or []
    scored = [w for w in windows if w.get("value") is not None]
    if scored:
        primary = scored[-1]["value"]
    drift_share = (drift or {}).get("drifted_share")
    if drift_share is None and (triggers.get("drift") or {}).get("evaluated"):
        drift_share = triggers["drift"].get("value")
    failures = []
    if status != "success":
        failures.append(f"check job {status}")
    for day_q in (ingest or {}).get("quarantined") or []:
        failures.append(f"batch {day_q} quarantined")
    # admitted days with warnings (soft checks that failed, undeclared columns): a few lines, the rest counted
    warned = [
        f"batch {day_w}: {line}"[:WARNING_CHARS].replace("-->", "->")  # never closes the data block
        for day_w, lines in sorted(((ingest or {}).get("warnings") or {}).items())
        for line in lines
    ]
    warnings = warned[:SHOWN_WARNINGS]
    if len(warned) > SHOWN_WARNINGS:
        warnings.append(f"... and {len(warned) - SHOWN_WARNINGS} more in reports/ingest.json")
    return {
        "day": day,
        "status": status,
        "retrain": None if decision is None else bool(decision.get("retrain")),
        "fired": [name for name, t in triggers.items() if t.get("fired")],
        "primary": None if primary is None else round(float(primary), 6),
        "drift_share": None if drift_share is None else round(float(drift_share), 4),
        "rows": rows_today,
        "run": run_url,
        "failures": failures,
        "warnings": warnings,
    }


def sparkline(values: list[float | None]) -> str:
    """One character per value (a gap for missing ones), scaled between the series' min and max."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    lo, hi = min(known), max(known)
    span = hi - lo
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        else:
            out.append(SPARKS[0 if span == 0 else min(len(SPARKS) - 1, int((v - lo) / span * len(SPARKS)))])
    return "".join(out)


def _fmt(value: Any, pattern: str = "{:.4f}") -> str:
    if value is None:
        return "–"
    return pattern.format(value) if isinstance(value, int | float) else str(value)


def _decision_word(p: dict[str, Any]) -> str:
    if p.get("status") != "success":
        return f"**{p.get('status', 'failed')}**"
    if p.get("retrain") is None:
        return "–"
    return "retrain" if p["retrain"] else "no retrain"


def render(
    history: list[dict[str, Any]],
    *,
    model: str,
    primary_metric: str,
    decision_md: str | None,
    pull: dict[str, Any] | None,
    keepalive: str,
    run_url: str,
) -> str:
    """The whole issue body: today's table, trends, failures, the open PR, keepalive; data block last."""
    today = history[-1] if history else {}
    lines = [
        f"<!-- {MARKER} -->",
        f"# Model health: {model}",
        "",
        f"Updated by the scheduled check for data up to **{today.get('day', '?')}**"
        + (f" ([run]({run_url}))" if run_url else "")
        + ". This issue is edited in place every day; "
        "it is the one place to see how the production model is doing.",
        "",
    ]
    if pull:
        lines += [
            f"**Open promotion pull request:** [#{pull['number']}]({pull.get('html_url', '')}) {pull.get('title', '')}",
            "",
        ]
    else:
        lines += ["**Open promotion pull request:** none.", ""]
    lines += ["## Today", ""]
    if decision_md:
        lines += [decision_md.strip().replace("### Retraining decision", "**Retraining decision**", 1), ""]
    else:
        lines += ["No decision today: the check stopped before `decide` (see *Last failures*).", ""]
    if today.get("warnings"):
        lines += ["**Data warnings** (the days were admitted):", ""]
        lines += [f"- {w}" for w in today["warnings"]] + [""]
    shown = history[-SHOWN_POINTS:]
    lines += [
        "## Trends",
        "",
        f"Oldest to newest, last {len(shown)} checks (of {len(history)} kept).",
        "",
        "| series | trend | latest |",
        "|---|---|---|",
        f"| champion {primary_metric} (newest window) | `{sparkline([p.get('primary') for p in shown])}` | "
        f"{_fmt(today.get('primary'))} |",
        f"| drifted share of columns | `{sparkline([p.get('drift_share') for p in shown])}` | "
        f"{_fmt(today.get('drift_share'), '{:.0%}')} |",
        f"| rows per day | `{sparkline([p.get('rows') for p in shown])}` | {_fmt(today.get('rows'), '{:d}')} |",
        "",
        "<details><summary>Daily values</summary>",
        "",
        f"| data day | decision | fired | {primary_metric} | drift share | rows | run |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in reversed(shown):
        run = f"[run]({p['run']})" if p.get("run") else "–"
        lines.append(
            f"| {p['day']} | {_decision_word(p)} | {', '.join(p.get('fired') or []) or '–'} | "
            f"{_fmt(p.get('primary'))} | {_fmt(p.get('drift_share'), '{:.0%}')} | "
            f"{_fmt(p.get('rows'), '{:d}')} | {run} |"
        )
    lines += ["", "</details>", "", "## Last failures", ""]
    failed = [p for p in history if p.get("failures")][-SHOWN_FAILURES:]
    if failed:
        for p in reversed(failed):
            run = f" ([run]({p['run']}))" if p.get("run") else ""
            lines.append(f"- {p['day']}: {'; '.join(p['failures'])}{run}")
    else:
        lines.append(f"None in the last {len(history)} checks.")
    lines += ["", "## Keepalive", "", keepalive, ""]
    # older points keep no warnings: the body holds 60 points, and only today's are shown
    kept = [{k: v for k, v in p.items() if k != "warnings"} for p in history[:-1]] + history[-1:]
    data = json.dumps({"points": kept}, separators=(",", ":"))
    lines += [DATA_OPEN, data, DATA_CLOSE, ""]
    return "\n".join(lines)


def fit_body(history: list[dict[str, Any]], limit: int, **kwargs: Any) -> str:
    """``render`` with the oldest points dropped until the body fits GitHub's limit."""
    kept = list(history)
    while True:
        body = render(kept, **kwargs)
        if len(body) <= limit or len(kept) <= 1:
            return body[:limit]
        kept = kept[max(1, len(kept) // 4) :]


# --- alerts ----------------------------------------------------------------------------------

EVENTS = ("retrain-proposed", "gate-rejected", "check-failed")


def alert_text(event: str, *, model: str, detail: str, link: str = "") -> str:
    """One short message for a chat webhook (Slack and Teams both accept ``{"text": ...}``)."""
    if event not in EVENTS:
        raise ValueError(f"unknown alert event {event!r}; known: {', '.join(EVENTS)}")
    head = {
        "retrain-proposed": f"{model}: a retrained model is proposed for review",
        "gate-rejected": f"{model}: a retrain was rejected by the promotion gate",
        "check-failed": f"{model}: the scheduled check failed",
    }[event]
    text = f"{head}. {detail}".strip()
    return f"{text} {link}".strip() if link else text
