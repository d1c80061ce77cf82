"""Benchmark of :func:`nets.solve_global` at the sizes of Tables 1-4 of Zhang, Nie & Tang (2026).

Run ``python benchmarks/nets_global.py`` (``--help`` for options). For each configuration (degrees, N,
width) it prints the median over ``--repeats`` runs of the POP build time (numeric expansion of the
loss, :func:`nets.loss_problem`) and, unless ``--build-only``, the total ``solve_global`` time at
order 3, the status and the coefficient error, beside the paper's Time column (GloptiPoly 3 + SeDuMi
on an Apple M1 Max). Data follow :func:`nets.synthetic_data` with noise ``1e-2``.

``python benchmarks/nets_global.py --build-only --rows 250`` prints the build time for N = 250, width 40,
degrees (2, 3) only. ``--radius R`` restricts the coefficients to the ball ``||c||_2 <= R`` (see
:func:`nets.solve_global`); the ``proof`` column says why a solution is a global minimizer ("flat"
truncation, "bound": its loss matches the lower bound, "-": not proven).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np

from nets import PolyNet, loss_problem, solve_global, synthetic_data

__all__ = ["PAPER_TIMES", "build_time", "main"]

#: (table, degrees, N, width) -> the paper's Time column (seconds, GloptiPoly 3 + SeDuMi, M1 Max)
PAPER_TIMES: dict[tuple[str, tuple[int, ...], int, int], float] = {
    ("1", (2, 2), 50, 20): 5.3287, ("1", (2, 2), 100, 25): 5.9034, ("1", (2, 2), 150, 30): 7.0377,
    ("1", (2, 2), 200, 35): 6.3813, ("1", (2, 2), 250, 40): 7.9470,
    ("2", (2, 3), 50, 20): 17.2626, ("2", (2, 3), 100, 25): 20.7595, ("2", (2, 3), 150, 30): 22.8920,
    ("2", (2, 3), 200, 35): 24.5851, ("2", (2, 3), 250, 40): 26.3780,
    ("3", (1, 1, 1), 50, 20): 0.9970, ("3", (1, 1, 1), 100, 25): 0.9767, ("3", (1, 1, 1), 150, 30): 1.1439,
    ("3", (1, 1, 1), 200, 35): 1.2455, ("3", (1, 1, 1), 250, 40): 1.3911,
    ("4", (2, 1, 1), 50, 20): 2.8547, ("4", (2, 1, 1), 100, 25): 3.4459, ("4", (2, 1, 1), 150, 30): 3.8279,
    ("4", (2, 1, 1), 200, 35): 4.0465, ("4", (2, 1, 1), 250, 40): 4.3156,
}


def _instance(degrees: tuple[int, ...], nsamples: int, width: int, seed: int):
    net = PolyNet.random([width] * (len(degrees) + 2), degrees, seed=seed)
    truth = net.random_coefficients(seed=seed + 1)
    X, Y = synthetic_data(net, truth, nsamples, noise=1e-2, seed=seed + 2)
    return net, truth, X, Y


def build_time(degrees: tuple[int, ...], nsamples: int, width: int, loss: str = "linf-mean", repeats: int = 5, seed: int = 0) -> float:
    """Median seconds of :func:`nets.loss_problem` (after one warm-up run)."""
    net, _, X, Y = _instance(degrees, nsamples, width, seed)
    loss_problem(net, (X, Y), loss=loss)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        loss_problem(net, (X, Y), loss=loss)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/nets_global.py", description="solve_global at the paper's sizes (Tables 1-4)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per row (median reported)")
    parser.add_argument("--tables", nargs="+", default=["1", "2", "3", "4"], help="subset of 1 2 3 4")
    parser.add_argument("--rows", type=int, nargs="+", default=None, help="subset of N values (50 100 150 200 250)")
    parser.add_argument("--build-only", action="store_true", help="only the POP build time")
    parser.add_argument("--loss", nargs="+", default=["linf-mean", "l2"], choices=["linf-mean", "l2"])
    parser.add_argument("--order", type=int, default=3)
    parser.add_argument("--solver", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--radius", type=float, default=None, help="coefficient ball ||c||_2 <= R (default: none)")
    args = parser.parse_args(argv)
    if args.build_only and args.rows == [250] and args.tables == ["1", "2", "3", "4"]:
        args.tables = ["2"]

    header = f"{'table':>5} {'degrees':>9} {'N':>4} {'width':>5} {'loss':>9} {'build s':>8}"
    if not args.build_only:
        header += f" {'total s':>8} {'paper s':>8} {'status':>11} {'proof':>5} {'solver':>8} {'iters':>5} {'abs err':>9}"
    print(header)
    for (table, degrees, nsamples, width), paper in PAPER_TIMES.items():
        if table not in args.tables or (args.rows and nsamples not in args.rows):
            continue
        for loss in args.loss:
            built = build_time(degrees, nsamples, width, loss, repeats=max(args.repeats, 5), seed=args.seed)
            line = f"{table:>5} {str(degrees):>9} {nsamples:>4} {width:>5} {loss:>9} {built:>8.4f}"
            if not args.build_only:
                net, truth, X, Y = _instance(degrees, nsamples, width, args.seed)
                # the l2 objective has twice the degree of the paper's epigraph form: never below its minimal order
                order = max(args.order, loss_problem(net, (X, Y), loss).min_order)
                totals, fit = [], None
                for _ in range(args.repeats):
                    start = time.perf_counter()
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        fit = solve_global(net, (X, Y), order=order, loss=loss, solver=args.solver, radius=args.radius)
                    totals.append(time.perf_counter() - start)
                assert fit is not None
                err = (
                    float(np.linalg.norm(np.concatenate(fit.coefficients) - np.concatenate(truth)))
                    if fit.coefficients is not None
                    else float("nan")
                )
                proof = {"flat truncation": "flat", "matching bound": "bound", None: "-"}[fit.proof]
                line += (
                    f" {statistics.median(totals):>8.2f} {paper:>8.2f} {fit.status.name:>11} {proof:>5} "
                    f"{fit.result.solver.name:>8} {fit.result.solver.num_iters or 0:>5} {err:>9.2e}"
                )
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
