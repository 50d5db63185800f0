"""Compute engines: local (default, no Dask imported) and a real Dask cluster (scheduler + worker processes)."""

from __future__ import annotations

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
from {{ cookiecutter.package_name }}.adapters.dataset import partition_path
from {{ cookiecutter.package_name }}.adapters.sources import make_source
from {{ cookiecutter.package_name }}.config import ComputeParams, Params, parse_params
from {{ cookiecutter.package_name }}.jobs.score import score_partitions
from {{ cookiecutter.package_name }}.jobs.train import fit

from .conftest import small_params


def test_local_is_the_default_and_imports_no_dask() -> None:
    code = (
        "import sys\n"
        "from {{ cookiecutter.package_name }}.adapters.compute import engine\n"
        "from {{ cookiecutter.package_name }}.config import ComputeParams\n"
        "import {{ cookiecutter.package_name }}.jobs.score\n"
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
