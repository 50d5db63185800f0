"""Validate: the window rules on the assembled window ``data.start_date..data.end_date``.

Each partition is reduced to a summary (core/checks.py ``summarize``) and the window
rules judge their sum, so the window never has to fit in memory at once. Before any
rule runs, the params are checked against the window's columns: a key naming a column
the data does not have is a configuration error, not a failed check.
"""

from __future__ import annotations

from pathlib import Path

from ..adapters.dataset import list_partitions, read_summary
from ..config import ChecksParams, ConfigError, Params, ProjectParams
from ..core.checks import (
    CheckReport,
    PartitionSummary,
    config_problems,
    feature_type_problems,
    merge_summaries,
    rate_problems,
    summarize,
    summary_signature,
    window_report,
)


def partition_summary(path: str, *, checks: ChecksParams, project: ProjectParams, signature: str) -> PartitionSummary:
    """One partition's summary: the sidecar ingest wrote beside it, else read and summarized (runs on a Dask worker)."""
    import pandas as pd

    cached = read_summary(Path(path), signature)
    return (
        PartitionSummary.from_dict(cached) if cached is not None else summarize(pd.read_parquet(path), checks, project)
    )


def partition_summaries(params: Params, root: Path) -> list[PartitionSummary]:
    """Each partition's summary, in day order; with ``compute.engine: dask`` each is made on a worker."""
    import pandas as pd

    paths = list_partitions(root / params.data.raw_dir, params.data.start_date, params.data.end_date)
    if not paths:
        raise FileNotFoundError(
            f"no partitions in {params.data.raw_dir} between {params.data.start_date} and "
            f"{params.data.end_date}; run ingest first"
        )
    signature = summary_signature(params.checks, params.project)
    if params.compute.engine != "local":
        from ..adapters.compute import engine

        with engine(params.compute) as compute:
            return compute.map(
                partition_summary,
                [str(p.resolve()) for p in paths],  # absolute: a worker's cwd is not ours
                checks=params.checks,
                project=params.project,
                signature=signature,
            )
    summaries = []
    for path in paths:  # the summary ingest wrote beside the partition, else read it (validate writes nothing)
        cached = read_summary(path, signature)
        summaries.append(
            PartitionSummary.from_dict(cached)
            if cached is not None
            else summarize(pd.read_parquet(path), params.checks, params.project)
        )
    return summaries


def window_duplicates(params: Params, root: Path) -> int | None:
    """Duplicates across days, exactly, when ``duplicate_subset`` lacks the date column (reads only those columns)."""
    subset = list(params.checks.duplicate_subset)
    if not subset or params.project.date_column in subset:
        return None  # per-day counts add up exactly
    import pandas as pd

    paths = list_partitions(root / params.data.raw_dir, params.data.start_date, params.data.end_date)
    import pyarrow.parquet as pq

    frames = []
    for path in paths:
        names = set(pq.read_schema(path).names)
        frames.append(pd.read_parquet(path, columns=[c for c in subset if c in names]))
    window = pd.concat(frames, ignore_index=True)
    have = [c for c in subset if c in window.columns]
    return int(window.duplicated(subset=have).sum()) if have and len(window) else 0


def run_validate(params: Params, root: Path) -> CheckReport:
    summaries = partition_summaries(params, root)
    columns = list(dict.fromkeys(name for s in summaries for name in s.columns))
    problems = config_problems(params, columns) or feature_type_problems(params, merge_summaries(summaries))
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ConfigError(f"params.yaml: {problems[0]}{more}")
    merged = merge_summaries(summaries, duplicates=window_duplicates(params, root))
    report = window_report(
        merged,
        params.checks,
        params.project,
        params.data.start_date,
        params.data.end_date,
        expected=params.features.all,
    )
    days_with_rows = len({d for s in summaries for d in s.days}) or 1
    for problem in rate_problems(params, report.rows / days_with_rows):
        report.warn("*", "params against the rows per day seen", problem, "params that fit the data")
    return report
