"""What git says about production: when the champion was promoted, when main last changed.

Plain ``git`` subprocesses, no DVC or MLflow import: the decision path stays fast.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import yaml

from ..config import SAFE_LOADER


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)


def git_show(root: Path, ref: str, path: str) -> str | None:
    """The file's text at ``ref``, or None when the ref or the file does not exist."""
    shown = _git(root, "show", f"{ref}:{path}")
    return shown.stdout if shown.returncode == 0 else None


def head_sha(root: Path) -> str | None:
    result = _git(root, "rev-parse", "HEAD")
    return result.stdout.strip() if result.returncode == 0 else None


def lock_model_md5(lock_text: str, model_path: str = "models/model.skops") -> str | None:
    return lock_out_md5(lock_text, model_path)


def lock_out_md5(lock_text: str, path: str) -> str | None:
    """The md5 a dvc.lock pins for the output ``path`` (None: not an output there)."""
    lock = yaml.load(lock_text, Loader=SAFE_LOADER) or {}
    for stage in (lock.get("stages") or {}).values():
        for out in stage.get("outs") or []:
            if out.get("path") == path and out.get("md5"):
                return str(out["md5"])
    return None


def _lock_commits(root: Path, ref: str, limit: int) -> list[tuple[str, dt.datetime]]:
    log = _git(root, "log", f"-{limit}", "--format=%H %cI", ref, "--", "dvc.lock")
    if log.returncode != 0:
        return []
    commits = []
    for line in log.stdout.splitlines():
        sha, _, stamp = line.partition(" ")
        commits.append((sha, dt.datetime.fromisoformat(stamp).astimezone(dt.UTC)))
    return commits


def data_time(root: Path, ref: str) -> dt.datetime | None:
    """Where ``ref`` sits on the data's timeline: the last day of the data its pipeline ran on
    (``holdout.end`` in the committed split.json), at 00:00 UTC. None when not recorded."""
    text = git_show(root, ref, "data/processed/split.json")
    try:
        end = dt.date.fromisoformat(json.loads(text)["holdout"]["end"]) if text else None
    except (ValueError, KeyError, TypeError):
        return None
    return dt.datetime.combine(end, dt.time(0, 0), tzinfo=dt.UTC) if end else None


def last_lock_change(root: Path, ref: str, clock: str = "commit") -> dt.datetime | None:
    """When ``dvc.lock`` last changed on ``ref`` (the last retrain merged), or None.

    ``clock="commit"``: the commit's time (wall clock). ``clock="data"``: that commit's place
    on the data's timeline (``data_time``), for a decision made as of a data day (backfills).
    """
    commits = _lock_commits(root, ref, 1)
    if not commits:
        return None
    return commits[0][1] if clock == "commit" else data_time(root, commits[0][0])


def promoted_at(root: Path, ref: str, md5: str, limit: int = 200, clock: str = "commit") -> dt.datetime | None:
    """When the model with ``md5`` first became the one ``ref``'s dvc.lock pins (see ``clock``).

    Walks the commits that touched dvc.lock, newest first, while they still pin the
    same model: data-only updates of dvc.lock do not make a model younger.
    """
    first: tuple[str, dt.datetime] | None = None
    for sha, stamp in _lock_commits(root, ref, limit):
        text = git_show(root, sha, "dvc.lock")
        if text is None or lock_model_md5(text) != md5:
            break
        first = (sha, stamp)
    if first is None:
        return None
    return first[1] if clock == "commit" else data_time(root, first[0])


def train_range(root: Path, ref: str) -> tuple[dt.date, dt.date] | None:
    """The champion's training date range, from split.json as committed on ``ref`` (None: not there)."""
    text = git_show(root, ref, "data/processed/split.json")
    if text is None:
        return None
    try:
        train = json.loads(text)["train"]
        return dt.date.fromisoformat(train["start"]), dt.date.fromisoformat(train["end"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{ref}:data/processed/split.json is not a valid split record: {exc}") from exc


def holdout_end(root: Path, ref: str) -> dt.date | None:
    """Last day of the champion's holdout (split.json on ``ref``): its metrics.json was measured up to here.

    Decay windows start after it, so they never re-score rows the champion was trained or judged on.
    None when split.json or its holdout record is not there.
    """
    text = git_show(root, ref, "data/processed/split.json")
    if text is None:
        return None
    try:
        end = (json.loads(text).get("holdout") or {}).get("end")
        return dt.date.fromisoformat(end) if end else None
    except (ValueError, TypeError, AttributeError) as exc:
        raise ValueError(f"{ref}:data/processed/split.json is not a valid split record: {exc}") from exc


def window_change(root: Path, ref: str) -> dt.date | None:
    """The change day the champion's training window started at (split.json ``after_change.day`` on
    ``ref``), or None: it was trained on all history, or nothing is committed there."""
    text = git_show(root, ref, "data/processed/split.json")
    if text is None:
        return None
    try:
        change = json.loads(text).get("after_change") or {}
        if change.get("chosen") == "all_history":  # a change was called, the all-history window won
            return None
        day = change.get("day")
        return dt.date.fromisoformat(day) if day else None
    except (ValueError, TypeError, AttributeError) as exc:
        raise ValueError(f"{ref}:data/processed/split.json is not a valid split record: {exc}") from exc


def committed_metrics(root: Path, ref: str) -> dict[str, float] | None:
    """metrics.json as committed on ``ref``: the champion's holdout metrics at promotion."""
    text = git_show(root, ref, "metrics.json")
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{ref}:metrics.json is not valid JSON: {exc}") from exc
    return {k: float(v) for k, v in data.items() if isinstance(v, int | float)}
