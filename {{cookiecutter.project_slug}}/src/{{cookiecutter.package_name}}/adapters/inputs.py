"""What an evaluation was computed from: a fingerprint recorded with it and checked before it is used.

The gate and the report must never act on evidence that no longer matches the project: a
``model.params`` edit without ``dvc repro`` would otherwise be promoted on the previous run's
numbers. ``evaluate`` records the fingerprint of its inputs in evaluation.json; ``gate``
recomputes it and rejects on any difference (``core.gate.input_differences``), and copies it into gate.json, which ``report``
checks the same way.

The fingerprint covers exactly what the ``evaluate`` stage declares in dvc.yaml (a test keeps
the two in step), so whenever it differs, ``dvc repro`` re-runs ``evaluate`` and the difference
goes away:

- params: one hash per params.yaml section that shapes the model or its evaluation;
- code: one hash per source file that trains, scores or measures the model;
- files: the md5 of the model and of the holdout rows it was scored on.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .. import paths
from ..config import Params

PARAM_SECTIONS = ("project", "data", "split", "features", "model", "evaluate")
CODE_FILES = (
    "jobs/train.py",
    "core/features.py",
    "jobs/evaluate.py",
    "jobs/importance.py",
    "adapters/champion.py",
    "core/metrics.py",
)
DATA_FILES = (paths.MODEL, paths.HOLDOUT)
PACKAGE_DIR = Path(__file__).resolve().parents[1]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _file_md5(path: Path) -> str | None:
    if not path.is_file():
        return None
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fingerprint(params: Params, root: Path) -> dict[str, dict[str, str | None]]:
    dumped = params.model_dump(mode="json")
    return {
        "params": {s: _sha(json.dumps(dumped.get(s), sort_keys=True).encode()) for s in PARAM_SECTIONS},
        "code": {
            f: (_sha((PACKAGE_DIR / f).read_bytes()) if (PACKAGE_DIR / f).is_file() else None) for f in CODE_FILES
        },
        "files": {f: _file_md5(root / f) for f in DATA_FILES},
    }
