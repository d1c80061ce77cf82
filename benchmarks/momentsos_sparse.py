"""Benchmark of the sparse relaxations on the chained problems of :mod:`momentsos.problems`.

Run ``python benchmarks/momentsos_sparse.py`` (``--help`` for options). For chained Rosenbrock, chained
Wood and Broyden tridiagonal at each size ``n`` (default 20 and 40) and relaxation order (default
2) it solves with each sparsity mode (default ``correlative`` and ``both``) and prints the median
over ``--repeats`` runs of

* ``build``: the PolyProblem from sympy plus the sparsity graphs and the sparse maps,
* ``solve``: the SDP solver (every solve of the run: TSSOS steps and re-solves included),
* ``total``: the wall time of the whole call, problem construction included,

with the bound, the literature optimum, the status (``certified`` or not), the clique sizes, the
largest PSD block and the number of moments against the dense relaxation's. The dense relaxation
runs only with ``--modes none``, for small ``n`` side by side: at n = 20 and order 2 it has 10626
moments and a 231 x 231 moment matrix, and the built-in IPM's Schur complement alone would be a
dense 10626 x 10626 matrix (0.9 GB) factored at every iteration; its size is printed instead.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from math import comb
from typing import Any, Sequence

from momentsos.problems import SCALABLE
from momentsos import minimize

__all__ = ["run_benchmark", "main"]


def _one_run(name: str, n: int, order: int, sparsity: str, solver: str | None) -> dict[str, Any]:
    start = time.perf_counter()
    named = SCALABLE[name](n)
    problem = named.problem()
    sympy_time = time.perf_counter() - start
    res = minimize(problem, order=order, solver=solver, sparsity=sparsity)
    total = time.perf_counter() - start
    report = res.sparsity
    steps = res.hierarchy or ()
    solve = sum(r.solve_time for r in steps) if len(steps) > 1 else res.solver.solve_time
    return {
        "problem": named.name, "n": n, "order": order, "sparsity": sparsity,
        "used": None if report is None else report.used,
        "build": sympy_time + res.solver.build_time, "solve": solve, "total": total,
        "bound": res.lower_bound, "optimum": named.optimum, "status": res.status.value,
        "certified": res.success,
        "cliques": None if report is None else report.clique_sizes,
        "largest_block": comb(n + order, order) if report is None else report.largest_block,
        "moments": comb(n + 2 * order, 2 * order) if report is None else report.num_moments,
        "dense_moments": comb(n + 2 * order, 2 * order), "dense_matrix": comb(n + order, order),
        "term_step": None if report is None else report.term_step, "solver": res.solver.name,
    }


def run_benchmark(
    names: Sequence[str] = tuple(SCALABLE),
    sizes: Sequence[int] = (20, 40),
    order: int = 2,
    modes: Sequence[str] = ("correlative", "both"),
    repeats: int = 3,
    solver: str | None = "IPM",
) -> list[dict[str, Any]]:
    """One row per (problem, n, mode): medians of build/solve/total over ``repeats`` runs.

    The runs of one row are consecutive in one process; ``certified`` is True only if every run
    certified, and ``bound`` is the median bound.
    """
    rows = []
    for name in names:
        for n in sizes:
            for mode in modes:
                runs = [_one_run(name, n, order, mode, solver) for _ in range(repeats)]
                row = dict(runs[0])
                for key in ("build", "solve", "total"):
                    row[key] = statistics.median(r[key] for r in runs)
                bounds = [r["bound"] for r in runs if r["bound"] is not None]  # None: no bound claimed
                row["bound"] = statistics.median(bounds) if bounds else None
                row["status"] = "/".join(sorted({r["status"] for r in runs}))
                row["certified"] = all(r["certified"] for r in runs)
                row["repeats"] = repeats
                rows.append(row)
    return rows


def _format(rows: list[dict[str, Any]]) -> str:
    head = (f"{'problem':24s} {'mode':12s} {'build s':>8s} {'solve s':>8s} {'total s':>8s} {'bound':>14s} "
            f"{'optimum':>8s} {'certified':>9s} {'cliques':>14s} {'block':>5s} {'moments':>16s}")
    lines = [head, "-" * len(head)]
    for r in rows:
        sizes = r["cliques"] or ()
        cliques = f"{len(sizes)} x <= {max(sizes)}" if sizes else "-"
        step = f" s{r['term_step']}" if r["term_step"] else ""
        lines.append(
            f"{r['problem']:24s} {r['sparsity'] + step:12s} {r['build']:8.3f} {r['solve']:8.3f} {r['total']:8.3f} "
            f"{'-' if r['bound'] is None else format(r['bound'], '14.8g'):>14s} {r['optimum']:8.3g} "
            f"{str(r['certified']) if r['certified'] else r['status']:>9s} {cliques:>14s} "
            f"{r['largest_block']:5d} {str(r['moments']) + ' / ' + str(r['dense_moments']):>16s}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/momentsos_sparse.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--problems", nargs="+", default=list(SCALABLE), choices=list(SCALABLE))
    parser.add_argument("--sizes", nargs="+", type=int, default=[20, 40])
    parser.add_argument("--order", type=int, default=2)
    parser.add_argument("--modes", nargs="+", default=["correlative", "both"],
                        choices=["none", "auto", "correlative", "term", "both"],
                        help="'none' runs the dense relaxation (only sensible for small n)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--solver", default="IPM", help="SDP solver name, or 'default' for the solver=None chain")
    args = parser.parse_args(argv)
    solver = None if args.solver.lower() == "default" else args.solver
    rows = run_benchmark(args.problems, args.sizes, args.order, args.modes, args.repeats, solver)
    print(_format(rows))
    print(f"\nmedians of {args.repeats} runs; order {args.order}; solver {args.solver}; the dense relaxation "
          "has the 'moments' denominator and a moment matrix of comb(n + k, k) rows: "
          + ", ".join(f"n = {n}: {comb(n + args.order, args.order)}" for n in args.sizes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
