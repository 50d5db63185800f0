"""Where per-partition work runs: in this process (``local``) or on a Dask cluster (``dask``).

``compute.engine: local`` (the default) imports no Dask at all. With ``dask`` the scheduler
address comes from ``DASK_SCHEDULER_ADDRESS`` (a repository variable in the workflows) or
``compute.scheduler_address``. Work is shipped as (function, partition path) pairs: each worker
reads its own Parquet partition, so the window never passes through this process, and only the
small results come back. Objects every task needs (the model) are scattered once, to every worker.

What the workers need: this package and its dependencies installed (the same lockfile), and read
access to the partition paths (a shared filesystem, or object storage such as ``s3://`` URLs with
credentials on the workers).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

from ..config import ComputeParams

T = TypeVar("T")
ADDRESS_ENV = "DASK_SCHEDULER_ADDRESS"


class ComputeError(RuntimeError):
    """The cluster cannot be used; the message names the address and what to do."""


class Engine(Protocol):
    name: str

    def map(self, fn: Callable[..., T], items: Sequence[Any], **shared: Any) -> list[T]:
        """``[fn(item, **shared) for item in items]``, wherever the engine runs it, in order."""
        ...

    def training(self) -> contextlib.AbstractContextManager[None]:
        """Context in which joblib-parallel estimators (``n_jobs``) fit."""
        ...


class LocalEngine:
    name = "local"

    def map(self, fn: Callable[..., T], items: Sequence[Any], **shared: Any) -> list[T]:
        return [fn(item, **shared) for item in items]

    def training(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()


class DaskEngine:
    name = "dask"

    def __init__(self, client: Any, address: str) -> None:
        self.client = client
        self.address = address

    def map(self, fn: Callable[..., T], items: Sequence[Any], **shared: Any) -> list[T]:
        if not items:
            return []
        # One copy of each shared object per worker, not one per task.
        scattered = {key: self.client.scatter(value, broadcast=True, hash=False) for key, value in shared.items()}
        futures = self.client.map(fn, list(items), pure=False, **scattered)
        return list(self.client.gather(futures))

    @contextlib.contextmanager
    def training(self) -> Iterator[None]:
        from joblib import parallel_backend

        with parallel_backend("dask", client=self.client):
            yield


def scheduler_address(params: ComputeParams) -> str:
    return os.environ.get(ADDRESS_ENV, "").strip() or params.scheduler_address.strip()


@contextlib.contextmanager
def engine(params: ComputeParams) -> Iterator[Engine]:
    """The configured engine, connected; the Dask client is closed on exit."""
    if params.engine == "local":
        yield LocalEngine()
        return
    address = scheduler_address(params)
    if not address:
        raise ComputeError(
            f"compute.engine is dask but no scheduler address is set: set {ADDRESS_ENV} "
            "(a repository variable in the workflows) or compute.scheduler_address"
        )
    try:
        from distributed import Client
    except ImportError:
        raise ComputeError(
            "compute.engine is dask but Dask is not installed: install the project's `dask` extra "
            "(uv pip install -e '.[dask]')"
        ) from None
    try:
        client = Client(address, timeout=params.connect_timeout_s, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ComputeError(
            f"Dask scheduler {address} did not answer within {params.connect_timeout_s:g} s "
            f"(compute.connect_timeout_s): {type(exc).__name__}"
        ) from None
    try:
        if not client.scheduler_info().get("workers"):
            client.wait_for_workers(1, timeout=params.connect_timeout_s)
    except TimeoutError:
        client.close()
        raise ComputeError(f"Dask scheduler {address} has no workers (waited {params.connect_timeout_s:g} s)") from None
    try:
        yield DaskEngine(client, address)
    finally:
        client.close()
