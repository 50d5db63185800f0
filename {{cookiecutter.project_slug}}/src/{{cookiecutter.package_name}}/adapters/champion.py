"""Find the production model: the one ``main`` pins in its dvc.lock.

Production truth lives in git (GitOps): the champion is whatever model file the
``dvc.lock`` on ``evaluate.champion_ref`` points at. This module reads that lock
with plain git, loads the file from the local DVC cache when it is there, and only
then asks DVC to fetch it from the remote. "No champion yet" (a fresh project) is a
normal answer; "there is one but it cannot be fetched" is an error, never silently
treated as "no champion".
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..config import SAFE_LOADER

MODEL_PATH = "models/model.joblib"


class ChampionError(RuntimeError):
    pass


@dataclass(frozen=True)
class ChampionRef:
    ref: str
    commit: str | None
    md5: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, "commit": self.commit, "model_md5": self.md5, "reason": self.reason}


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)


def resolve(root: Path, ref: str, model_path: str = MODEL_PATH) -> ChampionRef:
    commit = _git(root, "rev-parse", "--verify", "-q", ref + "^{commit}")
    if commit.returncode != 0:
        return ChampionRef(ref, None, None, f"git ref {ref!r} does not exist: no champion yet")
    sha = commit.stdout.strip()
    shown = _git(root, "show", f"{sha}:dvc.lock")
    if shown.returncode != 0:
        return ChampionRef(ref, sha, None, f"{ref} has no dvc.lock: no champion yet")
    lock = yaml.load(shown.stdout, Loader=SAFE_LOADER) or {}
    for stage in (lock.get("stages") or {}).values():
        for out in stage.get("outs") or []:
            if out.get("path") == model_path and out.get("md5"):
                return ChampionRef(ref, sha, str(out["md5"]), f"model pinned by {ref}'s dvc.lock")
    return ChampionRef(ref, sha, None, f"{ref}'s dvc.lock pins no {model_path}: no champion yet")


def _cache_path(root: Path, md5: str) -> Path:
    return root / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]


def load(root: Path, ref: ChampionRef, model_path: str = MODEL_PATH) -> Any:
    """Load the champion's Pipeline, or None when there is no champion."""
    import joblib

    if ref.md5 is None:
        return None
    cached = _cache_path(root, ref.md5)
    if cached.exists():
        return joblib.load(cached)
    try:
        import dvc.api

        with dvc.api.open(model_path, repo=str(root), rev=ref.commit, mode="rb") as handle:
            return joblib.load(handle)
    except Exception as exc:  # dvc raises many types; all mean "cannot get it"
        raise ChampionError(
            f"champion model {model_path} (md5 {ref.md5}) pinned by {ref.ref} is neither in the local DVC cache "
            f"nor fetchable from the DVC remote: {exc}. Run `dvc pull` or check the remote's credentials."
        ) from exc
