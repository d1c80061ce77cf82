"""Benchmark of the dense relaxation: where the time goes, per solver.

Run ``python benchmarks/momentsos_speed.py`` (``--help`` for options). For each test problem and each solver it
prints the median over ``--repeats`` runs of: building the sparse maps, cvxpy compilation, the
solver itself and extraction, plus the share of time spent outside the solver, the bound and the
status. Test problems:

* ``quartic_ball_n{n}_k{k}``: a dense random quartic (every monomial of degree <= 4, standard normal
  coefficients, seeded) on the unit ball ``1 - |x|^2 >= 0``;
* ``netloss7_k3``: the network-loss POP of Zhang, Nie & Tang (2026), Table 2 shape: two hidden
  layers of width 20 with activation degrees (2, 3), N = 50 samples, the paper's epigraph form of the
  infinity norm of the averaged residual: 7 unknowns, moment matrix 120 x 120, 1716 moments, 40
  localizing blocks. It is generated here with its own small expansion so that the benchmark does not
  depend on ``nets``.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
import warnings
from math import factorial
from typing import Callable

import numpy as np

from momentsos.polynomial import Polynomial
from momentsos.problem import PolyProblem
from momentsos.testing import random_quartic_on_ball
from momentsos import minimize
from momentsos import available_solvers

__all__ = ["two_layer_network_loss", "main"]


def _multinomial_exponents(nterms: int, power: int) -> list[tuple[int, ...]]:
    return [a for a in itertools.product(range(power + 1), repeat=nterms) if sum(a) == power]


def two_layer_network_loss(
    width: int = 20, nsamples: int = 50, degrees: tuple[int, int] = (2, 3), noise: float = 0.0, seed: int = 0
) -> tuple[PolyProblem, np.ndarray]:
    """The paper's POP for a 2-hidden-layer net with fixed weights; returns (problem, true unknowns).

    Unknowns ``(c_{1,1..d1}, c_{2,0..d2}, theta)``; ``p_1(t) = 1 + sum_j c_{1j} t^j`` (normalised),
    ``p_2(t) = sum_j c_{2j} t^j``; weights and inputs N(0, 1/width) and N(0, 1), true coefficients
    U(-1, 1). The expansion is exact: ``v_2 = B_0 + sum_j B_j c_{1j}`` is affine in ``c_1``, so
    ``v_2^k`` follows from the multinomial theorem, averaged over samples before ``W_3``.
    """
    rng = np.random.default_rng(seed)
    d1, d2 = degrees
    W1, W2, W3 = (rng.standard_normal((width, width)) / np.sqrt(width) for _ in range(3))
    X = rng.standard_normal((nsamples, width))
    c1 = rng.uniform(-1, 1, d1)
    c2 = rng.uniform(-1, 1, d2 + 1)
    v1 = X @ W1.T
    B = [np.ones_like(v1) @ W2.T] + [(v1**j) @ W2.T for j in range(1, d1 + 1)]  # v2 = B0 + sum B_j c1j
    v2_true = B[0] + sum(B[j] * c1[j - 1] for j in range(1, d1 + 1))
    Y = np.polynomial.polynomial.polyval(v2_true, c2) @ W3.T + noise * rng.standard_normal(W3.shape[0])
    n = d1 + d2 + 2
    exps: list[np.ndarray] = []
    coefs: list[np.ndarray] = []  # each (m_out,)
    for k in range(d2 + 1):
        for alpha in _multinomial_exponents(d1 + 1, k):
            mult = factorial(k) / np.prod([factorial(a) for a in alpha])
            term = mult * np.prod([B[j] ** alpha[j] for j in range(d1 + 1)], axis=0).mean(axis=0)
            e = np.zeros(n, dtype=np.int64)
            e[:d1] = alpha[1:]
            e[d1 + k] = 1
            exps.append(e)
            coefs.append(W3 @ term)
    E = np.array(exps)
    C = np.array(coefs)  # (terms, m_out)
    target = Y.mean(axis=0)
    theta = np.zeros(n, dtype=np.int64)
    theta[-1] = 1
    const = np.zeros(n, dtype=np.int64)
    ineqs = []
    for j in range(W3.shape[0]):
        residual = Polynomial(np.vstack([E, const]), np.concatenate([C[:, j], [-target[j]]]))
        t = Polynomial(theta[None, :], [1.0])
        ineqs += [t + residual, t - residual]
    import sympy as sp  # noqa: PLC0415

    names = [f"c1{j}" for j in range(1, d1 + 1)] + [f"c2{j}" for j in range(d2 + 1)] + ["theta"]
    problem = PolyProblem.from_polynomials(Polynomial(theta[None, :], [1.0]), ineqs, variables=sp.symbols(names))
    return problem, np.concatenate([c1, c2, [0.0]])


def _cases(quick: bool) -> list[tuple[str, Callable[[], PolyProblem], int]]:
    cases: list[tuple[str, Callable[[], PolyProblem], int]] = []
    sizes = [(6, 2), (8, 2)] if quick else [(6, 2), (8, 2), (10, 2), (6, 3), (8, 3)]
    for n, k in sizes:
        cases.append((f"quartic_ball_n{n}_k{k}", lambda n=n: random_quartic_on_ball(n, seed=n), k))
    if not quick:
        cases.append(("netloss7_k3", lambda: two_layer_network_loss()[0], 3))
    return cases


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["peers"]:  # side-by-side benchmark against pydrake and ncpol2sdpa
        from momentsos_peers import main as peers_main  # noqa: PLC0415 - the sibling script

        return peers_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python benchmarks/momentsos_speed.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--solvers", default=",".join(available_solvers()))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--only", default="", help="comma-separated case names")
    parser.add_argument("--skip", default="", help="comma-separated solver:case pairs to skip (too slow)")
    parser.add_argument("--named", action="store_true", help="accuracy table on the named reference problems instead")
    args = parser.parse_args(argv)
    solvers = [s.strip().upper() for s in args.solvers.split(",") if s.strip()]
    if args.named:
        return _named_table(solvers)
    skip = {tuple(p.split(":")) for p in args.skip.split(",") if ":" in p}
    header = (
        f"{'problem':22s} {'solver':9s} {'build':>7s} {'compile':>8s} {'solve':>8s} {'extract':>8s} "
        f"{'outside%':>8s} {'bound':>14s} {'status':>11s} ranks"
    )
    print(header)
    print("-" * len(header))
    for name, make, order in _cases(args.quick):
        if args.only and name not in args.only.split(","):
            continue
        problem = make()
        for solver in solvers:
            if (solver, name) in skip:
                print(f"{name:22s} {solver:9s} skipped (--skip)")
                continue
            runs = []
            for _ in range(args.repeats):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    start = time.perf_counter()
                    res = minimize(problem, order=order, solver=solver)
                    res_wall = time.perf_counter() - start
                runs.append((res, res_wall))
            med = {
                key: statistics.median(getattr(r.solver, key) for r, _ in runs)
                for key in ("build_time", "compile_time", "solve_time", "extraction_time")
            }
            outside = med["build_time"] + med["compile_time"] + med["extraction_time"]
            share = 100 * outside / (outside + med["solve_time"])
            res = runs[-1][0]
            ranks = list(res.flatness.ranks) if res.flatness is not None else None
            bound = f"{res.lower_bound:.8f}" if res.lower_bound is not None else "None"
            print(
                f"{name:22s} {solver:9s} {med['build_time']:7.3f} {med['compile_time']:8.3f} {med['solve_time']:8.3f} "
                f"{med['extraction_time']:8.3f} {share:8.1f} {bound:>14s} {res.status.name:>11s} {ranks}",
                flush=True,
            )
    return 0


def _named_table(solvers: list[str]) -> int:
    """Per solver: how many of the named problems expected to certify do so at their known order."""
    from momentsos import problems  # noqa: PLC0415

    names = [n for n in problems.names() if problems.get(n).expected == "certified"]
    print(f"{'solver':9s} {'certified':>9s} {'of':>3s} {'total s':>8s}  not certified")
    for solver in solvers:
        good, missed, total = 0, [], 0.0
        for name in names:
            named = problems.get(name)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                start = time.perf_counter()
                res = minimize(named.problem(), order=named.certified_order, solver=solver)
                total += time.perf_counter() - start
            if res.success and abs(res.lower_bound - named.optimum) <= 1e-5 * max(1.0, abs(named.optimum)):
                good += 1
            else:
                missed.append(f"{name} ({res.status.name})")
        print(f"{solver:9s} {good:9d} {len(names):3d} {total:8.2f}  {', '.join(missed) or '-'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
