"""The loop's memory of its retrain attempts: what each gated candidate saw and what the gate said.

Production is what ``main`` pins, and a rejected candidate never reaches ``main``: git alone cannot
tell ``decide`` that the loop already tried. Without this record the volume and age triggers
count from the champion for ever, and a quiet stream retrains every morning after its first
rejection (issue 31). ``gate`` appends one attempt per judged candidate; ``decide`` lets volume
and age count from the newest attempt made against the current champion.

Where it lives: ``data/attempts.json`` in the workspace (git-ignored: operational state, not
production truth). The workflows start from a fresh checkout every morning, so ``remote-push``
(the retrain job, after the gate) stores it in the DVC remote beside the data, at
``<remote>/loop/attempts.json``, and ``remote-pull`` (every job's setup) brings it back. The DVC
remote is the one store every job already reads and the retrain job already writes, with the
credentials it already has; the tracking store would do only with a tracking server (the default
sqlite store vanishes with the runner), and git would need write access from a read-only job.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

LEDGER = "data/attempts.json"
REMOTE_PATH = ("loop", "attempts.json")  # below the DVC remote's URL, outside DVC's files/md5 tree
KEEP = 200  # attempts kept: a year of daily retrains is far more than the triggers ever read


@dataclass(frozen=True)
class Attempt:
    at: str  # wall-clock time of the gate (ISO, UTC)
    data_end: str  # last day the candidate saw (its holdout's end)
    train_end: str | None
    verdict: str  # "promote" or "reject"
    reason: str  # the gate's first reason ("" when promoted)
    champion_md5: str | None  # the champion it was judged against
    candidate_md5: str | None
    holdout_start: str | None = None  # first day of its holdout: with data_end, the newest days it saw

    @property
    def data_end_date(self) -> dt.date:
        return dt.date.fromisoformat(self.data_end)

    @property
    def at_time(self) -> dt.datetime:
        stamp = dt.datetime.fromisoformat(self.at)
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def path(root: Path) -> Path:
    return root / LEDGER


def load(root: Path) -> list[Attempt]:
    """Every recorded attempt, oldest first; a missing ledger is an empty one. A corrupt one is an error
    naming the file: guessing would silently bring back the daily retrain."""
    file = path(root)
    if not file.exists():
        return []
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        return [Attempt(**entry) for entry in data["attempts"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(
            f"{LEDGER} is not a valid attempt record ({exc}); fix it or delete it to forget past attempts"
        ) from exc


def save(root: Path, attempts: list[Attempt]) -> Path:
    file = path(root)
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_name(f".{file.name}.tmp")
    payload = {"version": 1, "attempts": [asdict(a) for a in attempts[-KEEP:]]}
    tmp.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, file)  # atomic: a crash never leaves half a ledger
    return file


def record(
    root: Path, gate: dict[str, Any], split: dict[str, Any] | None, now: dt.datetime | None = None
) -> Attempt | None:
    """Append the attempt ``gate`` (gate.json as a dict) just judged; None when nothing was judged
    (the gate refused its inputs: no candidate was compared, so nothing was tried)."""
    holdout = (split or {}).get("holdout") or {}
    if not gate.get("metrics") or not holdout.get("end"):
        return None
    champion = gate.get("champion_ref") or {}
    candidate = gate.get("candidate") or {}
    attempt = Attempt(
        at=(now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        data_end=str(holdout["end"]),
        train_end=((split or {}).get("train") or {}).get("end"),
        verdict="promote" if gate.get("promote") else "reject",
        reason=str((gate.get("reasons") or [""])[0])[:300],
        champion_md5=champion.get("model_md5"),
        candidate_md5=candidate.get("model_md5"),
        holdout_start=holdout.get("start"),
    )
    attempts = [a for a in load(root) if a != attempt]
    save(root, [*attempts, attempt])
    return attempt


def since_champion(attempts: list[Attempt], champion_md5: str | None) -> list[Attempt]:
    """The attempts judged against this champion, oldest first: the loop's tries since it was promoted."""
    return [a for a in attempts if champion_md5 is not None and a.champion_md5 == champion_md5]


def rejection_streak(attempts: list[Attempt]) -> int:
    """How many of the newest attempts in a row the gate rejected."""
    streak = 0
    for attempt in reversed(attempts):
        if attempt.verdict != "reject":
            break
        streak += 1
    return streak


# --- the copy in the DVC remote (the workflows' memory across fresh checkouts) ------------------


def _remote_fs(root: Path, remote_name: str) -> tuple[Any, str]:
    from dvc.fs import get_cloud_fs
    from dvc.repo import Repo

    with Repo(str(root)) as repo:
        cls, config, base = get_cloud_fs(repo.config, name=remote_name)
    fs = cls(**config)
    return fs, fs.join(base, *REMOTE_PATH)


def _parse(text: str, where: str) -> list[Attempt]:
    try:
        return [Attempt(**entry) for entry in json.loads(text)["attempts"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{where} is not a valid attempt record ({exc})") from exc


def merge(*lists: list[Attempt]) -> list[Attempt]:
    """Every attempt of every list once, oldest first (by gate time): the union never loses a try."""
    seen: dict[Attempt, None] = {}
    for attempts in lists:
        for attempt in attempts:
            seen.setdefault(attempt, None)
    return sorted(seen, key=lambda a: (a.at_time, a.data_end))


def pull(root: Path, remote_name: str) -> int:
    """Merge the remote's record into the workspace's; the number of attempts now known (0: none anywhere)."""
    fs, where = _remote_fs(root, remote_name)
    if not fs.exists(where):
        return len(load(root))
    remote = _parse(fs.cat_file(where).decode("utf-8"), where)
    merged = merge(remote, load(root))
    save(root, merged)
    return len(merged)


def push(root: Path, remote_name: str) -> int:
    """Store the workspace's record (merged with the remote's) in the remote; the number of attempts stored."""
    local = load(root)
    if not local:
        return 0
    fs, where = _remote_fs(root, remote_name)
    remote = _parse(fs.cat_file(where).decode("utf-8"), where) if fs.exists(where) else []
    merged = merge(remote, local)
    payload = json.dumps({"version": 1, "attempts": [asdict(a) for a in merged[-KEEP:]]}, indent=2) + "\n"
    parent = where.rsplit("/", 1)[0]
    fs.makedirs(parent, exist_ok=True)
    fs.pipe(where, payload.encode("utf-8"))
    save(root, merged)
    return len(merged)
