"""Random polynomial optimization problems for tests and benchmarks: planted (known) global optima and
minimizers, and dense random quartics on the ball (no known answer; a size and speed workload).

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
``variety``
    ``f = c0 + a * sum_i q_i(x)^2 + phi(x) h(x)`` with ``h`` a random quadric through one or two
    random points ``P``, ``phi`` a random polynomial of degree 0..2 and the ``q_i`` vanishing on
    ``P`` as above, subject to ``h(x) = 0``. On the variety ``f = c0 + a sum q_i^2 >= c0`` with
    equality exactly on ``P``, while off it ``phi h`` makes ``f`` unbounded below: the equality is
    essential. ``f - c0 = a sum q_i^2 + phi h`` is a certificate of order
    ``max(d, ceil((deg phi + 2) / 2))``.
``binary``
    A random quadratic with integer coefficients in ``{-1, 0, 1}`` on the hypercube ``x_i^2 = 1``
    (``n <= 8``). Optimum and every minimizer (ties are common, so often several) come from
    enumerating the ``2^n`` points in exact integer arithmetic. Order ``ceil(n / 2)`` is exact
    [FSP16]; order 1 in general is not.
``odd_cycle``
    ``c0 + a * sum_{edges ij of a random Hamiltonian cycle} x_i x_j`` on ``x_i^2 = 1`` with ``n``
    odd: minimum ``c0 - a (n - 2)`` at the ``2 n`` sign patterns with exactly one unfrustrated edge.
    Order 1 is provably not exact (its bound is ``c0 - a n cos(pi / n)``, below the minimum
    [GW95]); order ``ceil(n / 2)`` is [FSP16].
``not_exact``
    ``a * M(A (x_i, x_j) + b) + s * sum_{k != i, j} x_k^2`` with the Motzkin polynomial
    ``M = u^4 v^2 + u^2 v^4 - 3 u^2 v^2 + 1`` and a random invertible affine map ``(A, b)``: minimum
    0 at the four points ``A (x_i, x_j) + b = (+-1, +-1)`` (other coordinates 0), yet
    ``f - gamma`` is a sum of squares for no ``gamma`` (for ``M`` itself a classical fact; an affine
    change of variables and the restriction to ``x_k = 0`` both preserve sums of squares), so no
    order of the unconstrained hierarchy is exact and a certificate would be wrong.

:func:`badly_scaled` turns any of them into a badly scaled one with the same answer in other units:
``x = D u`` with ``D_i = 10^{U(-decades, decades)}``, the objective and each constraint multiplied
by ``10^{U(-2 decades, 2 decades)}``; coefficients then span ``1e-6 .. 1e6`` and more.

The networks with known activations and noiseless data live in :mod:`nets.polynet.planted`
(``momentsos`` does not import ``nets``).

:func:`check_answer` grades a :class:`~momentsos.result.PolyOptResult` against the plant;
``python benchmarks/momentsos_fuzz.py --count 1000 [--scaled]`` runs the full property check and
prints the counts.

References
----------
[FSP16] H. Fawzi, J. Saunderson, P. A. Parrilo, "Sparse sums of squares on finite abelian groups
and improved semidefinite lifts", Math. Program. 160 (2016): the Lasserre hierarchy of a quadratic
on the hypercube is exact at order ``ceil(n / 2)``.
[GW95] M. X. Goemans, D. P. Williamson, "Improved approximation algorithms for maximum cut and
satisfiability problems using semidefinite programming", J. ACM 42 (1995): the order-1 (Shor)
bound of the odd cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as la
from numpy.typing import NDArray

from .basis import graded_lex_exponents
from .polynomial import Polynomial
from .problem import PolyProblem

__all__ = ["KINDS", "PlantedProblem", "planted_problem", "planted_suite", "badly_scaled", "check_answer",
           "random_quartic_on_ball"]

KINDS = ("sos", "sos_multi", "ball", "sphere", "box", "variety", "binary", "odd_cycle", "not_exact")
EXTRA_KINDS = ("unattained",)
"""Kinds outside the default suite (whose cycle through :data:`KINDS` fixes the seeds of its problems)."""
MAX_BINARY_VARS = 8


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
    inexact_order : int or None
        An order at which the hierarchy is provably NOT exact, where a certificate is always wrong
        (1 for ``odd_cycle``; None where no such order is known, or for ``not_exact``, where none is exact).
    variable_scale : ndarray, shape (n,)
        ``x = variable_scale * u``: the units in which minimizers are compared (ones unless
        :func:`badly_scaled`).
    value_scale : float
        The unit of objective values (1 unless :func:`badly_scaled`).
    """

    kind: str
    seed: int
    problem: PolyProblem
    optimum: float
    minimizers: NDArray[np.float64]
    exact_order: int | None
    inexact_order: int | None = None
    variable_scale: NDArray[np.float64] | None = None
    value_scale: float = 1.0

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


def _affine(row: NDArray[np.float64], offset: float) -> Polynomial:
    """``row . x + offset``."""
    n = len(row)
    return Polynomial(np.vstack([np.zeros((1, n), dtype=np.int64), np.eye(n, dtype=np.int64)]), np.r_[offset, row])


def _random_polynomial(nvars: int, degree: int, rng: np.random.Generator) -> Polynomial:
    exps = graded_lex_exponents(nvars, degree)
    return Polynomial(exps, rng.standard_normal(len(exps)) / np.sqrt(len(exps)))


def _squares(nvars: int) -> Polynomial:
    return Polynomial(2 * np.eye(nvars, dtype=np.int64), np.ones(nvars))


def _hypercube(nvars: int) -> list[Polynomial]:
    """The equalities ``x_i^2 - 1 = 0``."""
    squares = 2 * np.eye(nvars, dtype=np.int64)
    return [Polynomial(np.vstack([squares[[k]], np.zeros((1, nvars), dtype=np.int64)]), [1.0, -1.0]) for k in range(nvars)]


def _sos(kind: str, nvars: int, degree: int, rng: np.random.Generator, scale: float) -> tuple:
    count = 1 if kind == "sos" else int(rng.integers(2, 4))
    d = degree if kind == "sos" else 2
    points = rng.uniform(-1.5, 1.5, size=(count, nvars))
    offset = float(rng.uniform(-2, 2))
    f = _vanishing_squares(points, d, rng) * scale + offset
    return PolyProblem.from_polynomials(f), offset, points, d, None


def _on_boundary(kind: str, nvars: int, degree: int, rng: np.random.Generator, scale: float) -> tuple:
    c = rng.standard_normal(nvars)
    c += np.sign(c) * 0.2  # keep every |c_i| away from 0 so the box corner is the unique maximiser
    if kind == "box":
        x_star = np.sign(c)
        optimum = -float(np.abs(c).sum())
        constraints = dict(inequalities=[-eq for eq in _hypercube(nvars)])  # 1 - x_i^2 >= 0
    else:
        radius = float(rng.uniform(0.5, 2.0))
        x_star = radius * c / np.linalg.norm(c)
        optimum = -radius * float(np.linalg.norm(c))
        sphere = Polynomial.constant(radius**2, nvars) - _squares(nvars)
        constraints = dict(inequalities=[sphere]) if kind == "ball" else dict(equalities=[sphere])
    f = -_linear(c) + _vanishing_squares(x_star[None, :], degree, rng) * scale
    return PolyProblem.from_polynomials(f, **constraints), optimum, x_star[None, :], max(1, degree), None


def _variety(kind: str, nvars: int, degree: int, rng: np.random.Generator, scale: float) -> tuple:
    count = int(rng.integers(1, 3))
    d = degree if count == 1 else 2
    points = rng.uniform(-1.5, 1.5, size=(count, nvars))
    exps = graded_lex_exponents(nvars, 2)
    null = la.null_space(np.prod(points[:, None, :] ** exps[None, :, :], axis=2))
    h = Polynomial(exps, null @ rng.standard_normal(null.shape[1]))
    h = h * (1.0 / np.abs(h.coefficients).max())
    phi_degree = int(rng.integers(0, 3))
    phi = _random_polynomial(nvars, phi_degree, rng) * float(rng.uniform(1.0, 3.0))
    offset = float(rng.uniform(-2, 2))
    f = _vanishing_squares(points, d, rng) * scale + phi * h + offset
    order = max(d, -(-(phi_degree + 2) // 2))
    return PolyProblem.from_polynomials(f, equalities=[h]), offset, points, order, None


def _enumerate(f: Polynomial, nvars: int) -> tuple[float, NDArray[np.float64]]:
    """Minimum and every minimizer of ``f`` over ``{-1, 1}^n`` (exact for integer coefficients)."""
    grid = 1.0 - 2.0 * ((np.arange(2**nvars)[:, None] >> np.arange(nvars)[None, :]) & 1)
    values = np.asarray(f.evaluate(grid))
    best = float(values.min())
    return best, grid[values <= best + 1e-9]


def _binary(kind: str, nvars: int, degree: int, rng: np.random.Generator, scale: float) -> tuple:
    if nvars > MAX_BINARY_VARS:
        raise ValueError(f"Invalid argument `nvars={nvars!r}` for kind='binary': allowed 2..{MAX_BINARY_VARS}")
    exps = graded_lex_exponents(nvars, 2)
    exps = exps[exps.max(axis=1) <= 1]  # multilinear: x_i^2 = 1 on the hypercube
    f = Polynomial(exps, rng.integers(-1, 2, size=len(exps)).astype(np.float64))
    optimum, minimizers = _enumerate(f, nvars)
    return PolyProblem.from_polynomials(f, equalities=_hypercube(nvars)), optimum, minimizers, -(-nvars // 2), None


def _odd_cycle(kind: str, nvars: int, degree: int, rng: np.random.Generator, scale: float) -> tuple:
    if nvars % 2 == 0 or nvars < 3 or nvars > MAX_BINARY_VARS:
        raise ValueError(f"Invalid argument `nvars={nvars!r}` for kind='odd_cycle': allowed odd 3..{MAX_BINARY_VARS}")
    order = rng.permutation(nvars)
    edges = np.zeros((nvars, nvars), dtype=np.int64)
    edges[np.arange(nvars), order] = 1
    edges[np.arange(nvars), np.roll(order, -1)] = 1
    offset = float(rng.uniform(-2, 2))
    f = Polynomial(edges, np.full(nvars, scale)) + offset
    optimum, minimizers = _enumerate(f, nvars)
    assert len(minimizers) == 2 * nvars and abs(optimum - (offset - scale * (nvars - 2))) < 1e-9
    return PolyProblem.from_polynomials(f, equalities=_hypercube(nvars)), optimum, minimizers, -(-nvars // 2), 1


def _not_exact(kind: str, nvars: int, degree: int, rng: np.random.Generator, scale: float) -> tuple:
    i, j = rng.choice(nvars, size=2, replace=False)
    angle = rng.uniform(0, 2 * np.pi)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    A = rotation @ np.diag(rng.uniform(0.7, 1.4, size=2))
    b = rng.uniform(-0.5, 0.5, size=2)
    rows = np.zeros((2, nvars))
    rows[:, [i, j]] = A
    u, v = _affine(rows[0], b[0]), _affine(rows[1], b[1])
    u2, v2 = u * u, v * v
    motzkin = u2 * u2 * v2 + u2 * v2 * v2 - 3.0 * u2 * v2 + 1.0
    rest = [k for k in range(nvars) if k not in (i, j)]
    f = motzkin * scale
    if rest:
        f = f + Polynomial(2 * np.eye(nvars, dtype=np.int64)[rest], np.full(len(rest), rng.uniform(0.5, 2.0)))
    corners = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    points = np.zeros((4, nvars))
    points[:, [i, j]] = np.linalg.solve(A, (corners - b).T).T
    return PolyProblem.from_polynomials(f), 0.0, points, None, None


def _unattained(kind: str, nvars: int, degree: int, rng: np.random.Generator, scale: float) -> tuple:
    """``c0 + a ((x_i x_j - 1)^2 + x_i^2) + sum_k c_k (x_k - t_k)^2``: infimum ``c0`` along ``x_i -> 0``,
    ``x_j = 1 / x_i``, never attained, so no certificate of a minimum can be right."""
    i, j = rng.choice(nvars, size=2, replace=False)
    e = np.eye(nvars, dtype=np.int64)
    offset = float(rng.uniform(-1.0, 1.0))
    xy = Polynomial(np.array([e[i] + e[j], np.zeros(nvars, dtype=np.int64)]), np.array([1.0, -1.0]))
    f = (xy * xy + Polynomial(2 * e[i][None, :], np.ones(1))) * scale + offset
    for k in range(nvars):
        if k not in (i, j):
            shifted = _affine(e[k].astype(float), -float(rng.uniform(-1, 1)))
            f = f + shifted * shifted * float(rng.uniform(0.5, 2.0))
    return PolyProblem.from_polynomials(f), offset, np.zeros((0, nvars)), None, None


_BUILDERS = {"unattained": _unattained, "sos": _sos, "sos_multi": _sos, "ball": _on_boundary, "sphere": _on_boundary, "box": _on_boundary,
             "variety": _variety, "binary": _binary, "odd_cycle": _odd_cycle, "not_exact": _not_exact}


def planted_problem(kind: str, nvars: int, seed: int, degree: int = 2) -> PlantedProblem:
    """Generate one planted problem (see the module docstring for the constructions).

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    nvars : int
        Number of variables, >= 2 (``odd_cycle``: odd, 3..8; ``binary``: at most 8).
    seed : int
        The problem is a deterministic function of ``(kind, nvars, seed, degree)``.
    degree : int, default 2
        Degree of the vanishing polynomials ``q_i`` (1 or 2; ``sos_multi`` always uses 2; ignored
        by ``binary``, ``odd_cycle`` and ``not_exact``).

    Raises
    ------
    ValueError
        For an unknown ``kind`` or a ``nvars`` or ``degree`` the kind does not allow.
    """
    if kind not in KINDS + EXTRA_KINDS:
        raise ValueError(f"Invalid argument `kind={kind!r}`: allowed: {', '.join(KINDS + EXTRA_KINDS)}")
    if isinstance(nvars, bool) or not isinstance(nvars, (int, np.integer)) or nvars < 2:
        raise ValueError(f"Invalid argument `nvars={nvars!r}`: expected an integer >= 2")
    if degree not in (1, 2):
        raise ValueError(f"Invalid argument `degree={degree!r}`: allowed: 1, 2")
    rng = np.random.default_rng([seed, (KINDS + EXTRA_KINDS).index(kind), nvars, degree])
    scale = float(rng.uniform(0.5, 2.0))
    problem, optimum, minimizers, exact, inexact = _BUILDERS[kind](kind, int(nvars), degree, rng, scale)
    return PlantedProblem(kind, seed, problem, optimum, np.atleast_2d(minimizers), exact, inexact)


def badly_scaled(planted: PlantedProblem, seed: int, decades: float = 1.5) -> PlantedProblem:
    """The same problem in badly scaled units: ``x = D u``, objective and constraints multiplied by
    random factors.

    ``D_i = 10^{U(-decades, decades)}``; the objective and each constraint get a factor
    ``10^{U(-2 decades, 2 decades)}``. Minimizers become ``D^{-1} x*`` and the optimum
    ``s f*``; :func:`check_answer` compares in the original units (``variable_scale = D``,
    ``value_scale = s``). Factors are not powers of two, so the coefficients are rounded once
    (relative 1e-16): the answer moves by that much, far below any tolerance.
    """
    rng = np.random.default_rng([seed, 7919])
    problem = planted.problem
    n = problem.nvars
    D = 10.0 ** rng.uniform(-decades, decades, size=n)

    def substitute(p: Polynomial, factor: float) -> Polynomial:
        if not p.nterms:
            return p
        return Polynomial(p.exponents, factor * p.coefficients * np.prod(D[None, :] ** p.exponents, axis=1))

    factors = 10.0 ** rng.uniform(-2 * decades, 2 * decades, size=1 + len(problem.inequalities) + len(problem.equalities))
    k = len(problem.inequalities)
    scaled = PolyProblem.from_polynomials(
        substitute(problem.objective, factors[0]),
        [substitute(g, c) for g, c in zip(problem.inequalities, factors[1 : 1 + k])],
        [substitute(h, c) for h, c in zip(problem.equalities, factors[1 + k :])],
        problem.variables,
    )
    base = np.ones(n) if planted.variable_scale is None else planted.variable_scale
    return PlantedProblem(
        f"{planted.kind}/scaled", planted.seed, scaled, planted.optimum * factors[0], planted.minimizers / D,
        planted.exact_order, planted.inexact_order, base * D, planted.value_scale * float(factors[0]),
    )


def planted_suite(count: int, seed: int = 0, kinds: tuple[str, ...] = KINDS, nvars: tuple[int, ...] = (2, 3),
                  scaled: bool = False):
    """Yield ``count`` planted problems cycling through ``kinds`` and ``nvars`` (degree 1 or 2 at
    random); with ``scaled``, each passed through :func:`badly_scaled`. ``odd_cycle`` rounds an
    even ``nvars`` up to the next odd number."""
    rng = np.random.default_rng(seed)
    for i in range(count):
        kind = kinds[i % len(kinds)]
        n = int(nvars[(i // len(kinds)) % len(nvars)])
        if kind == "odd_cycle":
            n = max(3, n | 1)
        degree = 2 if kind in ("sos_multi", "not_exact", "binary", "odd_cycle") else int(rng.integers(1, 3))
        planted = planted_problem(kind, n, seed=int(rng.integers(2**31)), degree=degree)
        yield badly_scaled(planted, seed=int(rng.integers(2**31))) if scaled else planted


def check_answer(planted: PlantedProblem, result, tol: float = 1e-4, point_tol: float = 1e-3) -> str:
    """Grade a result against the plant.

    Returns ``"certified"`` (certified and right), ``"wrong"`` (certified but not the plant),
    ``"false_infeasible"`` (INFEASIBLE, a false claim: the plant is feasible),
    ``"incomplete"`` (certified, every atom a planted minimizer, but planted minimizers are missing
    although the result does not say the list may be incomplete), or the result's status name in
    lower case (``"bound_only"``, ``"inaccurate"``, ...).

    Values are compared in units of ``planted.value_scale`` and points in the units of
    ``planted.variable_scale``: a certificate is right when the lower bound equals the optimum
    within ``tol * max(1, |optimum|)`` and every atom lies within ``point_tol * max(1, |x|)`` of a
    planted minimizer (``point_tol`` is about the square root of the default ``gap_tol`` 1e-6: at a
    minimum of unit curvature a value within 1e-6 puts the point within 1e-3). A bound above the optimum by more than that is also ``"wrong"`` for a BOUND_ONLY
    result. A certificate at ``planted.inexact_order`` is wrong whatever its numbers.
    """
    s = planted.value_scale
    D = np.ones(planted.problem.nvars) if planted.variable_scale is None else planted.variable_scale
    optimum = planted.optimum / s
    slack = tol * max(1.0, abs(optimum))
    if result.lower_bound is not None and np.isfinite(result.lower_bound) and result.status.name in ("CERTIFIED", "BOUND_ONLY"):
        if result.lower_bound / s > optimum + slack:
            return "wrong"
    if result.status.name == "INFEASIBLE":
        return "false_infeasible"  # the planted minimizers are feasible, so is every relaxation
    if result.status.name != "CERTIFIED":
        return result.status.name.lower()
    if planted.inexact_order is not None and result.order <= planted.inexact_order:
        return "wrong"
    if planted.minimizers.shape[0] == 0:  # an infimum that is not attained has no certifiable minimum
        return "wrong"
    if abs(result.lower_bound / s - optimum) > slack:
        return "wrong"
    plant = planted.minimizers * D
    covered = np.zeros(len(plant), dtype=bool)
    for atom in result.atoms:
        point = atom.point * D
        dist = np.linalg.norm(plant - point, axis=1)
        if dist.min() > point_tol * max(1.0, float(np.linalg.norm(point))):
            return "wrong"
        covered[np.argmin(dist)] = True
    if result.minimizers_complete and not covered.all():
        return "incomplete"
    return "certified"


def random_quartic_on_ball(nvars: int, seed: int = 0) -> PolyProblem:
    """Dense random quartic (all monomials of degree <= 4, N(0, 1) coefficients) on the unit ball."""
    rng = np.random.default_rng(seed)
    exps = graded_lex_exponents(nvars, 4)
    objective = Polynomial(exps, rng.standard_normal(len(exps)))
    ball = Polynomial(np.vstack([np.zeros((1, nvars), dtype=np.int64), 2 * np.eye(nvars, dtype=np.int64)]),
                      np.concatenate([[1.0], -np.ones(nvars)]))
    return PolyProblem.from_polynomials(objective, [ball])
