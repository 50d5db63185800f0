"""A scratch project for `backtest`: the demo at 300 rows/day, a champion trained on January 2026 (pinned
by a commit as merging a promotion would), the label rule switched on ONSET, days ingested up to END.

    <baked venv>/bin/python scripts/backtest_demo_setup.py BAKED_PROJECT SCRATCH ONSET END [STRENGTH]

The package name is the default bake's (churn_retrain). docs/backtest-demo.png came from
ONSET 2026-03-10, END 2026-04-30, then in SCRATCH:
`churn_retrain backtest --from 2026-02-01 --to 2026-04-30 --policy configured --policy never
--policy every:7 --policy oracle --change 2026-03-10`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from churn_retrain.cli import main  # type: ignore[import-not-found]

OUTPUTS = ("models/model.skops", "data/processed/drift_reference.parquet")


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def setup(src: Path, root: Path, onset: str, end: str, strength: float) -> None:
    shutil.rmtree(root, ignore_errors=True)
    ignore = shutil.ignore_patterns("data", "reports", "models", ".git", "mlruns", "*.db", ".dvc")
    shutil.copytree(src, root, ignore=ignore)
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["data"].update(start_date="2026-01-01", end_date="2026-01-31")
    params["data"]["demo"].update(drift_onset=onset, drift_strength=strength)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    for stage in ("ingest", "validate", "split", "train", "evaluate"):
        extra = ["--no-track"] if stage in ("train", "evaluate") else []
        if main(["--root", str(root), stage, *extra]) != 0:
            sys.exit(f"{stage} failed")
    outs = []
    for path in OUTPUTS:  # into the DVC cache and dvc.lock, as `dvc commit` would
        md5 = hashlib.md5((root / path).read_bytes(), usedforsecurity=False).hexdigest()
        cached = root / ".dvc/cache/files/md5" / md5[:2] / md5[2:]
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(root / path, cached)
        outs.append({"path": path, "md5": md5})
    lock = {"schema": "2.0", "stages": {"train": {"cmd": "train", "outs": outs}}}
    (root / "dvc.lock").write_text(json.dumps(lock))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "dvc.lock", "metrics.json", "data/processed/split.json", "params.yaml")
    git(root, "commit", "-q", "-m", "champion")
    params["data"]["end_date"] = end
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    if main(["--root", str(root), "ingest"]) != 0:
        sys.exit("ingest failed")


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    src, scratch, onset_day, end_day = sys.argv[1:5]
    setup(Path(src), Path(scratch), onset_day, end_day, float(sys.argv[5]) if len(sys.argv) == 6 else 3.0)
