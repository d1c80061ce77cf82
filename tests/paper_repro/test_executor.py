"""Sweeps on every executor give the rows of a serial run (local processes, a local Dask cluster)."""

from __future__ import annotations

import pytest

from paper_repro import executor
from paper_repro import zhang_common as zc


def _instances() -> list[zc.Instance]:
    # Table 3's network at a tiny size: order-3 solves of about a second each
    return [zc.Instance((1, 1, 1), 6, 4, trial, 0, 1e-2, "shared", "linf-mean", 60.0) for trial in range(2)]


def _comparable(row: dict) -> dict:
    return {key: value for key, value in row.items() if key != "time"}


@pytest.fixture(scope="module")
def serial_rows():
    zc.clear_memo()
    executor.configure(workers=1)
    try:
        rows = zc.run_instances(_instances())
    finally:
        executor._close()
        zc.clear_memo()
    return [_comparable(r) for r in rows]


def test_local_processes_give_the_serial_rows(serial_rows):
    zc.clear_memo()
    try:
        rows = zc.run_instances(_instances(), workers=2)
    finally:
        zc.clear_memo()
    assert [_comparable(r) for r in rows] == serial_rows


def test_a_local_dask_cluster_of_two_workers_gives_the_serial_rows(serial_rows):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        zc.clear_memo()
        executor.configure(scheduler=cluster.scheduler_address)
        try:
            rows = zc.run_instances(_instances())
            assert isinstance(executor.current(), executor.DaskCluster)
        finally:
            executor._close()
            zc.clear_memo()
    assert [_comparable(r) for r in rows] == serial_rows


def test_executor_arguments_are_checked():
    with pytest.raises(ValueError, match="workers=0"):
        executor.LocalProcesses(0)
    with pytest.raises(ValueError, match="not both"):
        executor.configure(workers=2, scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(ValueError, match="exactly one"):
        executor.DaskCluster()
    with pytest.raises(ValueError, match="scheduler `address"):
        executor.DaskCluster(address="  ")


def test_progress_is_off_by_default(capsys):
    assert executor.Serial().map(abs, [-1, 2]) == [1, 2]
    assert capsys.readouterr() == ("", "")
