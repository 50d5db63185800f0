"""Scale probe (runs in the BAKED project's venv, cwd = the project).

    python scale_probe.py PACKAGE WORKDIR ROWS_PER_DAY DAYS MODE

Writes DAYS demo partitions of ROWS_PER_DAY rows under WORKDIR (not timed), then:

* ``local`` / ``dask``: times the champion's batch scoring of every partition with the
  project's ``jobs.score.score_partitions`` on that engine (dask: a LocalCluster of two
  worker processes, one thread each; its start-up is reported apart);
* ``memory``: loads the whole window into this process and fits the default model, the
  way local mode trains, and reports this process's peak RSS;
* ``window-local`` / ``window-dask``: the window's data checks (``jobs.validate.partition_summaries``,
  no summary sidecars, so every partition is read and summarized) and the decay trigger's windows
  (``jobs.decide.decay_windows``: score every labelled partition with the champion), on that engine.
"""

from __future__ import annotations

import datetime as dt
import resource
import sys
import time
from pathlib import Path

from _common import emit, load_params, timed_import


def main() -> None:
    package, workdir, rows, days, mode = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    import pandas as pd

    root = Path.cwd()
    params = load_params(package, root)
    raw = params.model_dump()
    raw["data"]["demo"]["rows_per_day"] = rows
    config, _ = timed_import(f"{package}.config")
    params = config.parse_params(raw)
    sources, _ = timed_import(f"{package}.adapters.sources")
    dataset, _ = timed_import(f"{package}.adapters.dataset")
    source = sources.make_source(params)
    paths = []
    start = params.data.start_date
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        path = dataset.partition_path(workdir / "raw", day)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            source.fetch(day).to_parquet(path, index=False)
        paths.append(path)
    train_mod, _ = timed_import(f"{package}.jobs.train")
    total_rows = rows * days

    if mode == "memory":
        started = time.perf_counter()
        frame = dataset.load_partitions(paths)
        train_mod.fit(params, frame)
        emit(mode=mode, rows=total_rows, seconds=round(time.perf_counter() - started, 3),
             peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))
        return

    if mode.startswith("window-"):
        window(package, params, workdir, paths, train_mod, mode)
        return

    score, _ = timed_import(f"{package}.jobs.score")
    compute, _ = timed_import(f"{package}.adapters.compute")
    model = train_mod.fit(params, pd.concat([pd.read_parquet(p) for p in paths[:2]], ignore_index=True))
    if mode == "local":
        started = time.perf_counter()
        out = score.score_partitions(params, paths, model, compute.LocalEngine())
        emit(mode=mode, rows=total_rows, seconds=round(time.perf_counter() - started, 3), scored=len(out))
        return
    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        startup = time.perf_counter() - t0
        engine = compute.DaskEngine(client, cluster.scheduler_address)
        started = time.perf_counter()
        out = score.score_partitions(params, paths, model, engine)
        emit(mode=mode, rows=total_rows, seconds=round(time.perf_counter() - started, 3), scored=len(out),
             cluster_startup_s=round(startup, 2))


def window(package: str, params, workdir: Path, paths: list[Path], train_mod, mode: str) -> None:
    """Window checks and decay windows over ``paths`` on the local engine or a two-process LocalCluster."""
    import os

    import pandas as pd

    config, _ = timed_import(f"{package}.config")
    validate, _ = timed_import(f"{package}.jobs.validate")
    decide, _ = timed_import(f"{package}.jobs.decide")
    raw = params.model_dump()
    raw["data"]["raw_dir"] = "raw"
    raw["data"]["start_date"] = params.data.start_date.isoformat()
    raw["data"]["end_date"] = (params.data.start_date + dt.timedelta(days=len(paths) - 1)).isoformat()
    raw["compute"]["engine"] = "dask" if mode == "window-dask" else "local"
    params = config.parse_params(raw)
    model = train_mod.fit(params, pd.concat([pd.read_parquet(p) for p in paths[:2]], ignore_index=True))
    after = params.data.start_date + dt.timedelta(days=1)  # the "champion" saw the first two days

    def run() -> dict[str, float]:
        t0 = time.perf_counter()
        summaries = validate.partition_summaries(params, workdir)
        t1 = time.perf_counter()
        windows = decide.decay_windows(params, workdir, model, after)
        t2 = time.perf_counter()
        assert len(summaries) == len(paths) and any(w.value is not None for w in windows)
        return {"checks_s": round(t1 - t0, 3), "decay_s": round(t2 - t1, 3)}

    if mode == "window-local":
        emit(mode=mode, rows=sum(len(pd.read_parquet(p, columns=[params.project.target])) for p in paths), **run())
        return
    from distributed import LocalCluster

    t0 = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        os.environ["DASK_SCHEDULER_ADDRESS"] = cluster.scheduler_address
        startup = time.perf_counter() - t0
        emit(mode=mode, cluster_startup_s=round(startup, 2), **run())


if __name__ == "__main__":
    main()
