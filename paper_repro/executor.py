"""Where the independent solves of a sweep run: in this process, in local processes, or on a Dask cluster.

A sweep (a table's instances, a noise sweep, a planted campaign) is a list of independent calls
``function(item)``, each seeded by its item alone, so its results do not depend on where or in which
order the calls run. An :class:`Executor` maps a module-level function over items and returns the
results in the order of the items:

* :class:`Serial` runs them here, one after another;
* :class:`LocalProcesses` runs them in ``workers`` spawned processes, one BLAS thread each
  (``workers`` = cores is the fastest on a machine of its own);
* :class:`DaskCluster` hands them to a Dask scheduler at ``address`` (``dask.distributed``, an
  optional dependency: ``pip install "dask[distributed]"``); the workers need this package installed.

:func:`configure` sets the executor that :func:`current` returns, which the sweeps use; the command
lines set it from ``--workers N`` and ``--scheduler ADDRESS``. Without a call, it is
:class:`LocalProcesses` with :func:`default_workers` processes.

Progress: with ``progress=True`` an executor shows a tqdm bar over the items (on stderr, only if
tqdm is installed); it is off by default, so library calls print nothing.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

__all__ = ["Executor", "Serial", "LocalProcesses", "DaskCluster", "configure", "current", "default_workers"]

T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    """Worker processes: ``$PAPER_REPRO_WORKERS`` if set, else the cores this process may use."""
    value = os.environ.get("PAPER_REPRO_WORKERS")
    if value:
        try:
            workers = int(value)
        except ValueError:
            raise ValueError(f"PAPER_REPRO_WORKERS must be a positive integer; got {value!r}") from None
        if workers < 1:
            raise ValueError(f"PAPER_REPRO_WORKERS must be a positive integer; got {value!r}")
        return workers
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _check_workers(workers: Any) -> int:
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"Invalid `workers={workers!r}`: expected a positive int")
    return workers


def _progress(results: Iterable[R], total: int, show: bool, desc: str) -> Iterator[R]:
    if show:
        try:
            from tqdm.auto import tqdm  # noqa: PLC0415 - optional
        except ImportError:
            return iter(results)
        return iter(tqdm(results, total=total, desc=desc, unit="solve"))
    return iter(results)


class Executor:
    """Maps a module-level function over items; results in the items' order."""

    progress: bool = False

    def map(self, function: Callable[[T], R], items: Sequence[T], desc: str = "sweep") -> list[R]:
        raise NotImplementedError

    def close(self) -> None:
        """Release processes or connections (a closed executor may be used again: it reopens)."""


class Serial(Executor):
    """Every call in this process, in order."""

    def __init__(self, progress: bool = False) -> None:
        self.progress = progress

    def map(self, function: Callable[[T], R], items: Sequence[T], desc: str = "sweep") -> list[R]:
        return list(_progress(map(function, items), len(items), self.progress, desc))

    def __repr__(self) -> str:
        return "Serial()"


class LocalProcesses(Executor):
    """``workers`` spawned processes on this machine, one BLAS thread each (one worker: in this process)."""

    def __init__(self, workers: int | None = None, progress: bool = False) -> None:
        self.workers = default_workers() if workers is None else _check_workers(workers)
        self.progress = progress
        self._pool: Any = None

    def _executor(self) -> Any:
        if self._pool is None:
            import multiprocessing  # noqa: PLC0415
            from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

            # one BLAS thread per worker (workers = cores); the children read these at start-up
            for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ.setdefault(name, "1")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def map(self, function: Callable[[T], R], items: Sequence[T], desc: str = "sweep") -> list[R]:
        if self.workers <= 1 or len(items) <= 1:
            return Serial(self.progress).map(function, items, desc)
        return list(_progress(self._executor().map(function, items), len(items), self.progress, desc))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __repr__(self) -> str:
        return f"LocalProcesses(workers={self.workers})"


class DaskCluster(Executor):
    """The workers of the Dask scheduler at ``address`` (``"tcp://host:8786"``), or an existing
    ``distributed.Client`` passed as ``client``.

    Every item is one task; results come back in the items' order. Raises ImportError with the
    install command when ``dask.distributed`` is missing.
    """

    def __init__(self, address: str | None = None, client: Any = None, progress: bool = False) -> None:
        if (address is None) == (client is None):
            raise ValueError("DaskCluster: give exactly one of `address` (a scheduler address) and `client`")
        if address is not None and (not isinstance(address, str) or not address.strip()):
            raise ValueError(f"Invalid scheduler `address={address!r}`: expected a string such as 'tcp://127.0.0.1:8786'")
        self.address = address
        self.progress = progress
        self._client = client
        self._owns_client = client is None

    def _connect(self) -> Any:
        if self._client is None:
            try:
                from distributed import Client  # noqa: PLC0415 - optional
            except ImportError:
                raise ImportError(
                    'A Dask scheduler needs dask.distributed: pip install "dask[distributed]"'
                ) from None
            self._client = Client(self.address)
        return self._client

    def map(self, function: Callable[[T], R], items: Sequence[T], desc: str = "sweep") -> list[R]:
        if not items:
            return []
        client = self._connect()
        # pure=False: a task is a solve to run, not a value to deduplicate by its arguments' hash
        futures = client.map(function, list(items), pure=False)
        if self.progress:
            from distributed import as_completed  # noqa: PLC0415

            for _ in _progress(as_completed(futures), len(futures), True, desc):
                pass
        return client.gather(futures)

    def close(self) -> None:
        if self._client is not None and self._owns_client:
            self._client.close()
            self._client = None

    def __repr__(self) -> str:
        return f"DaskCluster(address={self.address!r})" if self.address else "DaskCluster(client=...)"


_CURRENT: list[Executor] = []


def configure(workers: int | None = None, scheduler: str | None = None, progress: bool = False) -> Executor:
    """Set (and return) the executor of the sweeps: a Dask cluster when ``scheduler`` is given, else
    ``workers`` local processes (default :func:`default_workers`; 1 runs everything here)."""
    if scheduler is not None and workers is not None:
        raise ValueError("Give `workers` (local processes) or `scheduler` (a Dask cluster), not both")
    executor: Executor = DaskCluster(scheduler, progress=progress) if scheduler is not None else LocalProcesses(workers, progress)
    _close()
    _CURRENT.append(executor)
    return executor


def current() -> Executor:
    """The executor set by :func:`configure`, else local processes, one per core."""
    if not _CURRENT:
        _CURRENT.append(LocalProcesses())
    return _CURRENT[-1]


@atexit.register
def _close() -> None:
    while _CURRENT:
        _CURRENT.pop().close()
