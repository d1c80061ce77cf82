"""Random polynomial optimization problems with a planted (known) global optimum and minimizers.

Every generator is seeded and returns a :class:`PlantedProblem`. The constructions make the answer a
theorem, not a numerical observation:

``sos``, ``sos_multi``
    ``f = c0 + a * sum_i q_i(x)^2`` where the ``q_i`` span *all* polynomials of degree ``<= d`` that
    vanish on a set ``P`` of one or several random points (the null space of the evaluation matrix
    at ``P``, mixed by a random orthogonal matrix). Then ``f >= c0`` with equality exactly on the
    common zeros of those polynomials, which for ``|P| <= 3`` points in general position (``n >= 2``,
    ``d = 2``) is ``P`` itself. ``f - c0`` is a sum of squares, so order ``d`` is exact.
``ball``, ``sphere``, ``box``
    ``f = -c^T x + a * sum_i q_i(x)^2`` with the ``q_i`` vanishing at the point ``x*`` of the feasible
    set that maximises ``c^T x`` (``R c / |c|`` on the ball ``|x|^2 <= R^2`` or the sphere
    ``|x|^2 = R^2``; the corner ``sign(c)`` of the box ``[-1, 1]^n``). Then
    ``f >= -c^T x >= -max c^T x`` on the set, with equality only at ``x*``: a unique minimizer on the
    boundary. ``max c^T x - c^T x`` has a degree-2 Putinar certificate, so order ``max(1, d)`` is exact.
``not_exact``
    ``a * M(x_i, x_j) + b * sum_{k != i, j} x_k^2`` with the Motzkin polynomial
    ``M = x^4 y^2 + x^2 y^4 - 3 x^2 y^2 + 1``: minimum 0 at the four points ``|x_i| = |x_j| = 1``
    (other coordinates 0), yet ``f - gamma`` is a sum of squares for no ``gamma``, so no order of the
    unconstrained hierarchy is exact and a certificate would be wrong.

:func:`check_answer` grades a :class:`~momentsos.result.PolyOptResult` against the plant;
``python -m momentsos.planted --count 1000`` runs the full property check and prints the counts.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg as la
from numpy.typing import NDArray

from .basis import graded_lex_exponents
from .polynomial import Polynomial
from .problem import PolyProblem

__all__ = ["KINDS", "PlantedProblem", "planted_problem", "planted_suite", "check_answer", "main"]

KINDS = ("sos", "sos_multi", "ball", "sphere", "box", "not_exact")


@dataclass(frozen=True)
class PlantedProblem:
    """A generated problem and its known answer.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    seed : int
    problem : PolyProblem
    optimum : float
        The global minimum.
    minimizers : ndarray, shape (s, n)
        Every global minimizer.
    exact_order : int or None
        An order at which the hierarchy is exact (None: no order is, for ``not_exact``).
    """

    kind: str
    seed: int
    problem: PolyProblem
    optimum: float
    minimizers: NDArray[np.float64]
    exact_order: int | None

    @property
    def max_order(self) -> int:
        """Where a hierarchy run on this problem can stop: one order past the exact one
        (``min_order + 1`` for ``not_exact``)."""
        return (self.exact_order if self.exact_order is not None else self.problem.min_order) + 1


def _vanishing_squares(points: NDArray[np.float64], degree: int, rng: np.random.Generator) -> Polynomial:
    """``sum_i q_i^2`` over a random orthonormal basis ``q_i`` of the degree-``<= degree``
    polynomials vanishing at every row of ``points``."""
    n = points.shape[1]
    exps = graded_lex_exponents(n, degree)
    values = np.prod(points[:, None, :] ** exps[None, :, :], axis=2)  # (s, B)
    null = la.null_space(values)  # (B, B - rank)
    mix = la.qr(rng.standard_normal((null.shape[1], null.shape[1])))[0]
    total = Polynomial.zero(n)
    for column in (null @ mix).T:
        q = Polynomial(exps, column)
        total = total + q * q
    return total


def _linear(c: NDArray[np.float64]) -> Polynomial:
    return Polynomial(np.eye(len(c), dtype=np.int64), c)


def planted_problem(kind: str, nvars: int, seed: int, degree: int = 2) -> PlantedProblem:
    """Generate one planted problem (see the module docstring for the constructions).

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    nvars : int
        Number of variables, >= 2 (``not_exact`` needs >= 2, ``sos_multi`` uses 2 or 3 points).
    seed : int
    degree : int, default 2
        Degree of the vanishing polynomials ``q_i`` (1 or 2; ``sos_multi`` needs 2).
    """
    if kind not in KINDS:
        raise ValueError(f"Invalid argument `kind={kind!r}`: allowed: {', '.join(KINDS)}")
    if isinstance(nvars, bool) or not isinstance(nvars, (int, np.integer)) or nvars < 2:
        raise ValueError(f"Invalid argument `nvars={nvars!r}`: expected an integer >= 2")
    if degree not in (1, 2):
        raise ValueError(f"Invalid argument `degree={degree!r}`: allowed: 1, 2")
    rng = np.random.default_rng([seed, KINDS.index(kind), nvars, degree])
    scale = float(rng.uniform(0.5, 2.0))
    if kind in ("sos", "sos_multi"):
        count = 1 if kind == "sos" else int(rng.integers(2, 4))
        d = degree if kind == "sos" else 2
        points = rng.uniform(-1.5, 1.5, size=(count, nvars))
        offset = float(rng.uniform(-2, 2))
        f = _vanishing_squares(points, d, rng) * scale + offset
        return PlantedProblem(kind, seed, PolyProblem.from_polynomials(f), offset, points, d)
    if kind == "not_exact":
        i, j = rng.choice(nvars, size=2, replace=False)
        e = np.zeros((4, nvars), dtype=np.int64)
        e[0, [i, j]] = (4, 2)
        e[1, [i, j]] = (2, 4)
        e[2, [i, j]] = (2, 2)
        motzkin = Polynomial(e, np.array([1.0, 1.0, -3.0, 1.0]))
        rest = [k for k in range(nvars) if k not in (i, j)]
        f = motzkin * scale
        if rest:
            f = f + Polynomial(2 * np.eye(nvars, dtype=np.int64)[rest], np.full(len(rest), rng.uniform(0.5, 2.0)))
        points = np.zeros((4, nvars))
        points[:, i] = (1, 1, -1, -1)
        points[:, j] = (1, -1, 1, -1)
        return PlantedProblem(kind, seed, PolyProblem.from_polynomials(f), 0.0, points, None)
    c = rng.standard_normal(nvars)
    c += np.sign(c) * 0.2  # keep every |c_i| away from 0 so the box corner is the unique maximiser
    if kind == "box":
        x_star = np.sign(c)
        optimum = -float(np.abs(c).sum())
        squares = 2 * np.eye(nvars, dtype=np.int64)
        constraints = dict(
            inequalities=[Polynomial.constant(1.0, nvars) - Polynomial(squares[[k]], [1.0]) for k in range(nvars)]
        )
    else:
        radius = float(rng.uniform(0.5, 2.0))
        x_star = radius * c / np.linalg.norm(c)
        optimum = -radius * float(np.linalg.norm(c))
        sphere = Polynomial.constant(radius**2, nvars) - Polynomial(2 * np.eye(nvars, dtype=np.int64), np.ones(nvars))
        constraints = dict(inequalities=[sphere]) if kind == "ball" else dict(equalities=[sphere])
    f = -_linear(c) + _vanishing_squares(x_star[None, :], degree, rng) * scale
    problem = PolyProblem.from_polynomials(f, **constraints)
    return PlantedProblem(kind, seed, problem, optimum, x_star[None, :], max(1, degree))


def planted_suite(count: int, seed: int = 0, kinds: tuple[str, ...] = KINDS, nvars: tuple[int, ...] = (2, 3)):
    """Yield ``count`` planted problems cycling through ``kinds`` and ``nvars`` (degree 1 or 2 at random)."""
    rng = np.random.default_rng(seed)
    for i in range(count):
        kind = kinds[i % len(kinds)]
        n = int(nvars[(i // len(kinds)) % len(nvars)])
        degree = 2 if kind in ("sos_multi", "not_exact") else int(rng.integers(1, 3))
        yield planted_problem(kind, n, seed=int(rng.integers(2**31)), degree=degree)


def check_answer(planted: PlantedProblem, result, tol: float = 1e-4) -> str:
    """Grade a result: ``"certified"`` (and right), ``"wrong"`` (certified but not the plant),
    or the result's status name in lower case (``"bound_only"``, ``"inaccurate"``, ...).

    A certificate is right when the lower bound equals the planted optimum within
    ``tol * max(1, |optimum|)`` and every atom lies within ``tol * max(1, |x|)`` of a planted minimizer.
    A bound above the optimum by more than that tolerance is also ``"wrong"``, whatever the status.
    """
    scale = tol * max(1.0, abs(planted.optimum))
    if result.lower_bound is not None and np.isfinite(result.lower_bound) and result.status.name in ("CERTIFIED", "BOUND_ONLY"):
        if result.lower_bound > planted.optimum + scale:
            return "wrong"
    if result.status.name != "CERTIFIED":
        return result.status.name.lower()
    if abs(result.lower_bound - planted.optimum) > scale:
        return "wrong"
    for atom in result.atoms:
        dist = np.min(np.linalg.norm(planted.minimizers - atom.point, axis=1))
        if dist > tol * max(1.0, float(np.linalg.norm(atom.point))):
            return "wrong"
    return "certified"


def main(argv: list[str] | None = None) -> int:
    from .solve import minimize  # noqa: PLC0415 - keep the generator importable on its own

    parser = argparse.ArgumentParser(prog="python -m momentsos.planted", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--solver", default=None)
    parser.add_argument("--nvars", default="2,3,4", help="comma-separated variable counts to cycle through")
    args = parser.parse_args(argv)
    nvars = tuple(int(v) for v in args.nvars.split(","))
    counts: dict[str, dict[str, int]] = {}
    wrong = []
    start = time.perf_counter()
    for planted in planted_suite(args.count, args.seed, nvars=nvars):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = minimize(planted.problem, solver=args.solver, max_order=planted.max_order)
        grade = check_answer(planted, res)
        counts.setdefault(planted.kind, {}).setdefault(grade, 0)
        counts[planted.kind][grade] += 1
        if grade == "wrong":
            wrong.append((planted.kind, planted.seed, planted.problem.nvars))
    grades = sorted({g for c in counts.values() for g in c})
    print(f"{args.count} planted problems, seed {args.seed}, solver {args.solver or 'default chain'}, "
          f"{time.perf_counter() - start:.1f} s")
    print(f"{'kind':10s} " + " ".join(f"{g:>11s}" for g in grades))
    for kind, c in counts.items():
        print(f"{kind:10s} " + " ".join(f"{c.get(g, 0):11d}" for g in grades))
    print(f"wrong certificates: {len(wrong)}" + (f" {wrong}" if wrong else ""))
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
