"""Compute engines: local (default, no Dask imported) and a real Dask cluster (scheduler + worker processes)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.adapters.compute import (
    ComputeError,
    LocalEngine,
    engine,
)
from {{ cookiecutter.package_name }}.adapters.dataset import (
    list_partitions,
    partition_path,
    write_summary,
)
from {{ cookiecutter.package_name }}.adapters.sources import make_source
from {{ cookiecutter.package_name }}.config import ComputeParams, Params, parse_params
from {{ cookiecutter.package_name }}.core.checks import summarize, summary_signature
from {{ cookiecutter.package_name }}.jobs.decide import decay_windows
from {{ cookiecutter.package_name }}.jobs.score import score_partitions
from {{ cookiecutter.package_name }}.jobs.train import fit
from {{ cookiecutter.package_name }}.jobs.validate import run_validate

from .conftest import small_params


def test_local_is_the_default_and_imports_no_dask() -> None:
    code = (
        "import sys\n"
        "from {{ cookiecutter.package_name }}.adapters.compute import engine\n"
        "from {{ cookiecutter.package_name }}.config import ComputeParams\n"
        "import {{ cookiecutter.package_name }}.jobs.score\n"
        "import {{ cookiecutter.package_name }}.jobs.decide, {{ cookiecutter.package_name }}.jobs.validate\n"
        "with engine(ComputeParams()) as e:\n"
        "    assert e.name == 'local' and e.map(abs, [-1, 2]) == [1, 2]\n"
        "assert not {'dask', 'distributed'} & set(sys.modules), sorted(m for m in sys.modules if 'dask' in m)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert ComputeParams().engine == "local"


def test_dask_without_an_address_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with pytest.raises(ComputeError, match="DASK_SCHEDULER_ADDRESS"), engine(ComputeParams(engine="dask")):
        pass


def test_a_dead_scheduler_fails_within_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("distributed", reason="the `dask` extra is not installed")
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", f"tcp://127.0.0.1:{port}")
    started = time.monotonic()
    with (
        pytest.raises(ComputeError, match=rf"Dask scheduler tcp://127.0.0.1:{port} did not answer within 3 s"),
        engine(ComputeParams(engine="dask", connect_timeout_s=3)),
    ):
        pass
    assert time.monotonic() - started < 30


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A real Dask scheduler with two worker PROCESSES on loopback (not threads in this process)."""
    distributed = pytest.importorskip("distributed", reason="the `dask` extra is not installed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None, memory_limit="2GiB"
    ) as running:
        yield running.scheduler_address


@pytest.fixture
def partitions(tmp_path: Path) -> tuple[Params, list[Path]]:
    params = parse_params(small_params())
    source = make_source(params)
    paths = []
    for offset in range(4):
        day = params.data.start_date + pd.Timedelta(days=offset).to_pytimedelta()
        path = partition_path(tmp_path / "raw", day)
        path.parent.mkdir(parents=True, exist_ok=True)
        source.fetch(day).to_parquet(path, index=False)
        paths.append(path)
    return params, paths


@pytest.mark.slow
def test_dask_scores_exactly_what_local_scores(
    cluster: str, partitions: tuple[Params, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    params, paths = partitions
    model = fit(params, pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True))
    local = score_partitions(params, paths, model, LocalEngine())
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster)
    with engine(ComputeParams(engine="dask")) as dask_engine:
        assert dask_engine.name == "dask"
        on_cluster = score_partitions(params, paths, model, dask_engine)
        workers = dask_engine.client.run(lambda: __import__("os").getpid())  # type: ignore[attr-defined]
    assert len(set(workers.values())) == 2, "two separate worker processes did the work"
    assert len(local) == sum(len(pd.read_parquet(p)) for p in paths)
    pd.testing.assert_frame_equal(local, on_cluster)


@pytest.mark.slow
def test_training_through_the_dask_joblib_backend_gives_the_same_model(
    cluster: str, partitions: tuple[Params, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    params, paths = partitions
    raw: dict[str, Any] = small_params()
    # random_forest fits its trees through joblib (n_jobs): the estimator that scales out this way.
    raw["model"] = {"estimator": "random_forest", "params": {"n_estimators": 20, "n_jobs": 2}, "seed": 0}
    params = parse_params(raw)
    frame = pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)
    local_model = fit(params, frame)
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster)
    with engine(ComputeParams(engine="dask")) as dask_engine, dask_engine.training():
        cluster_model = fit(params, frame)
    np.testing.assert_allclose(
        score_partitions(params, paths, local_model, LocalEngine())["score"],
        score_partitions(params, paths, cluster_model, LocalEngine())["score"],
    )


def _messy_window(root: Path, **overrides: Any) -> Params:
    """Twenty days: a three-day gap, two days whose labels are all one value, null labels and features."""
    raw: dict[str, Any] = small_params(**overrides)
    raw["decide"]["triggers"]["decay"].update(
        {"window_days": 3, "windows": 5, "min_rows": 10, "resamples": 100, "min_rows_at_once": 50}
    )
    params = parse_params(raw)
    source = make_source(params)
    target, signature = params.project.target, summary_signature(params.checks, params.project)
    one: Any = None
    for offset in range(20):
        day = params.data.start_date + pd.Timedelta(days=offset).to_pytimedelta()
        if offset in (11, 12, 13):
            continue  # a gap: the decay window [11, 13] holds no partition at all
        frame = source.fetch(day)
        if offset in (9, 10):  # one class (one value) for two whole days: the window [9, 10]
            one = frame[target].iloc[0] if one is None else one
            frame[target] = one
        if offset == 16:
            frame.loc[frame.index[:7], target] = None  # unlabelled rows: not scored, counted by the checks
            frame.loc[frame.index[7:12], params.features.numeric[0]] = None
        path = partition_path(root / params.data.raw_dir, day)
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(path, index=False)
        if offset % 2:  # half the days have the summary ingest writes beside them, half are summarized afresh
            write_summary(path, signature, summarize(frame, params.checks, params.project).to_dict())
    return params


def _window_model(params: Params, root: Path) -> Any:
    paths = list_partitions(
        root / params.data.raw_dir, params.data.start_date, params.data.start_date + dt.timedelta(days=7)
    )
    frame = pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)
    return fit(params, frame[frame[params.project.target].notna()])


def test_decay_windows_merged_per_partition_equal_the_window_read_at_once(tmp_path: Path) -> None:
    params = _messy_window(tmp_path)
    model = _window_model(params, tmp_path)
    after = params.data.start_date + dt.timedelta(days=8)
    at_once = decay_windows(params, tmp_path, model, after)
    per_partition = decay_windows(params, tmp_path, model, after, compute=LocalEngine())
    assert per_partition == at_once
    # oldest first (after day 8, three-day windows to day 19): one class, the gap, null labels, full
    assert [w.rows for w in at_once] == [240, 0, 360 - 7, 360]
    assert at_once[1].value is None
    assert at_once[2].value is not None
    assert at_once[3].interval is not None
    if params.project.task != "regression":
        assert at_once[0].value is None  # one class: the metric is undefined, the window is not scored


@pytest.mark.slow
def test_dask_checks_and_decay_windows_equal_local_on_a_messy_window(
    cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import distributed

    params = _messy_window(tmp_path)
    model = _window_model(params, tmp_path)
    after = params.data.start_date + dt.timedelta(days=8)
    local_report = run_validate(params, tmp_path).to_dict()
    local_windows = decay_windows(params, tmp_path, model, after)

    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster)
    on_dask = params.model_copy(update={"compute": ComputeParams(engine="dask")})
    monkeypatch.chdir(tmp_path)  # a relative root: the workers, started elsewhere, still find the partitions
    with distributed.Client(cluster, set_as_default=False) as client:
        workers = client.run(os.getpid)
        with distributed.get_task_stream(client=client) as stream:
            dask_report = run_validate(on_dask, Path(".")).to_dict()
            dask_windows = decay_windows(on_dask, Path("."), model, after)
    assert dask_report == local_report
    assert not dask_report["passed"]  # the gap is reported, identically
    assert dask_windows == local_windows
    # each partition was summarized and scored by a task on a worker process, not in this one
    tasks = [(r["key"].split("-")[0], r["worker"]) for r in stream.data]
    partitions = len(list_partitions(tmp_path / params.data.raw_dir))
    assert sum(name == "partition_summary" for name, _ in tasks) == partitions
    assert sum(name == "labelled_scores" for name, _ in tasks) == 8  # days 9-19 less the gap
    assert {w for _, w in tasks} <= set(workers)
    assert len(workers) == 2
    assert os.getpid() not in workers.values()
