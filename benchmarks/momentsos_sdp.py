"""Benchmark of the SDP engine: the built-in IPM on the sizes of issue 21, with and without BLAS threads.

Run ``python benchmarks/momentsos_sdp.py`` (``--help`` for options). For each problem it runs
``momentsos.minimize(problem, order=k)`` with the default solver chain ``--repeats`` times per
BLAS-thread mode and prints: moments, moment-matrix size, the answering solver and its iterations,
the median wall time of the whole call and of the solver, the status and the bound. Modes:
``auto`` (the IPM picks the threads by problem size and load), ``1`` (one BLAS thread) and ``all``
(every core). The one-minute load average is printed before and after each row, since timings on a
shared machine move with it. ``--src DIR`` imports ``momentsos`` from another checkout (a baseline).

Problems: ``netloss7_k3`` (:func:`momentsos_speed.two_layer_network_loss`, 7 unknowns, order 3,
120 x 120, 1716 moments), ``sphere{n}_k{k}`` (:func:`momentsos_peers.quartic_sphere`, a dense random
quartic on the unit sphere), ``ball{n}_k{k}`` (:func:`momentsos.testing.random_quartic_on_ball`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _problems(names: list[str]):  # type: ignore[no-untyped-def]
    from momentsos.testing import random_quartic_on_ball  # noqa: PLC0415 - after --src
    from momentsos_peers import quartic_sphere  # noqa: PLC0415
    from momentsos_speed import two_layer_network_loss  # noqa: PLC0415

    out = []
    for name in names:
        if name == "netloss7_k3":
            out.append((name, two_layer_network_loss()[0], 3))
        elif name.startswith(("sphere", "ball")):
            body, k = name.split("_k")
            n = int(body.lstrip("spherbal"))
            make = quartic_sphere(n, seed=0) if name.startswith("sphere") else random_quartic_on_ball(n, seed=n)
            out.append((name, make, int(k)))
        else:
            raise SystemExit(f"unknown problem {name!r}")
    return out


def _threads(mode: str):  # type: ignore[no-untyped-def]
    """A context running the solve with ``mode`` BLAS threads (``auto``: the package's choice)."""
    if mode == "auto":
        return contextlib.nullcontext()
    count = (os.cpu_count() or 1) if mode == "all" else int(mode)
    import momentsos.sdp.ipm as ipm  # noqa: PLC0415

    if hasattr(ipm, "blas_threads"):  # the IPM sets its own limit: override its choice
        original = ipm.blas_threads

        @contextlib.contextmanager
        def patched():  # type: ignore[no-untyped-def]
            ipm.blas_threads = lambda n: count
            try:
                yield
            finally:
                ipm.blas_threads = original

        return patched()
    from threadpoolctl import threadpool_limits  # noqa: PLC0415

    return threadpool_limits(limits=count, user_api="blas")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/momentsos_sdp.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="netloss7_k3,sphere10_k2,sphere8_k3", help="comma-separated problems")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--modes", default="auto,1,all", help="BLAS-thread modes: auto, all, or a count")
    parser.add_argument("--src", default="", help="import momentsos from this checkout (a baseline)")
    args = parser.parse_args(argv)
    if args.src:
        sys.path.insert(0, str(Path(args.src).resolve()))
    sys.path.insert(0, str(HERE))
    import momentsos as ms  # noqa: PLC0415 - after --src

    print(f"momentsos from {Path(ms.__file__).parent}; {os.cpu_count()} cpus; load {os.getloadavg()[0]:.2f}")
    header = (f"{'problem':13s} {'moments':>7s} {'matrix':>6s} {'threads':>7s} {'solver':>8s} {'iters':>5s} "
              f"{'wall s':>7s} {'solver s':>8s} {'status':>10s} {'bound':>16s} {'load':>10s}")
    print(header)
    print("-" * len(header))
    for name, problem, order in _problems([p for p in args.only.split(",") if p]):
        for mode in args.modes.split(","):
            walls, solves = [], []
            load_before = os.getloadavg()[0]
            for _ in range(args.repeats):
                with warnings.catch_warnings(), _threads(mode):
                    warnings.simplefilter("ignore")
                    start = time.perf_counter()
                    res = ms.minimize(problem, order=order)
                    walls.append(time.perf_counter() - start)
                solves.append(res.solver.solve_time)
            from momentsos.relax.dense import MomentRelaxation  # noqa: PLC0415 - after --src

            relax = MomentRelaxation(problem, order)
            print(f"{name:13s} {relax.num_moments:7d} {relax.matrix_size:6d} {mode:>7s} {res.solver.name:>8s} "
                  f"{res.solver.num_iters!s:>5s} {statistics.median(walls):7.2f} {statistics.median(solves):8.2f} "
                  f"{res.status.name:>10s} {res.lower_bound:16.9e} {load_before:4.2f}-{os.getloadavg()[0]:4.2f}",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
