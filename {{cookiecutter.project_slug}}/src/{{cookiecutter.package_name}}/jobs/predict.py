"""Batch inference: score one day's batch with the champion, and change nothing else.

Scoring is a reader of the pipeline's state, never a writer: it does not add days to
``data/raw`` (a day outside ``data.start_date..data.end_date`` there would dirty
``dvc repro``), does not quarantine, does not ``dvc add``, stage files in git or push
to the DVC remote. A day already ingested is read from ``data/raw``; any other day is
fetched from the source and checked in memory with the same per-batch checks ingest
uses. The predictions are one Parquet file written atomically under ``--out-dir``
(git-ignored; the workflow keeps them as an artifact).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..adapters.dataset import partition_path
from ..config import Params


@dataclass
class PredictResult:
    day: dt.date
    origin: str
    rows: int = 0
    target: Path | None = None
    model_md5: str | None = None
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def run_predict(params: Params, root: Path, day: dt.date, out_dir: Path) -> PredictResult:
    import pandas as pd

    from ..adapters import champion
    from ..adapters.compute import engine
    from ..core.checks import run_checks
    from .score import score_frame, score_partitions

    ingested = partition_path(root / params.data.raw_dir, day)
    frame: pd.DataFrame | None = None
    if ingested.exists():
        result = PredictResult(day, f"{params.data.raw_dir} (ingested)")
    else:
        from ..adapters.sources import make_source

        held = partition_path(root / params.data.quarantine_dir, day)
        if held.exists():
            return PredictResult(
                day, "quarantine", failures=[f"the batch of {day} is in quarantine ({held}): not scored"]
            )
        result = PredictResult(day, f"the {params.data.source} source (checked, not stored)")
        frame = make_source(params, root).fetch(day)
        if frame.empty:
            raise FileNotFoundError(f"no batch for {day}: the {params.data.source} source returned no rows")
        report = run_checks(frame, params.checks, params.project, subject=f"batch {day.isoformat()}")
        if not report.passed:
            result.failures = [f.sentence() for f in report.failures]
            return result
    ref = champion.resolve(root, params.evaluate.champion_ref)
    model = champion.load(root, ref, params)
    if model is None:
        raise RuntimeError(f"no champion to score with: {ref.reason}")
    if frame is None:
        # An ingested partition is scored where compute.engine says: here, or on a Dask
        # worker that reads the file itself (the model is sent once per worker).
        with engine(params.compute) as compute:
            out = score_partitions(params, [ingested], model, compute)
    else:
        out = score_frame(params, frame, model)
    out["model_md5"] = ref.md5
    out["model_commit"] = ref.commit
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{day.isoformat()}.parquet"
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".tmp-{target.name}-")
    os.close(fd)
    try:
        out.to_parquet(tmp, index=False)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    result.rows, result.target, result.model_md5 = len(out), target, ref.md5
    return result
