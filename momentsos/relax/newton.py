"""Newton-polytope reduction of the Gram basis of an unconstrained moment relaxation.

For ``min f`` without constraints the order-``k`` relaxation is dual to ``max b`` subject to
``f - b = v^T Q v`` with ``Q`` PSD over the monomial vector ``v``. A monomial ``x^a`` can carry a
nonzero row of ``Q`` only if ``a`` lies in half the Newton polytope ``(1/2) conv(supp(f) u {0})``
[Rez78]; and a monomial ``b`` whose square ``x^{2b}`` is neither a term of ``f - b`` nor a product
``x^{b1} x^{b2}`` of two other basis monomials has ``Q_bb`` equal to that (zero) coefficient, so its
row vanishes too [Lof09, diagonal consistency]. Repeating that removal to a fixed point leaves a
basis ``B`` with **the same SOS bound, hence the same moment bound** (strong duality holds for
these relaxations as for the dense one): the moment matrix over ``B`` is a principal submatrix of
``M_k(y)``, and any Gram matrix of the dense dual is zero outside ``B``.

Membership in the half polytope is decided exactly up to rounding: ``0`` is one of the points, so
the affine hull of the points is the linear span of ``supp(f)``; the candidates ``2b`` outside that
span are rejected, the others are written in an orthonormal basis of it, where the polytope is
full dimensional, and tested against its facets (Qhull). When every variable has a pure power in
the support the span is all of ``R^n`` (no SVD needed); in two variables the polygon's edges come
from an integer monotone chain and the test is exact. Where Qhull fails or the span has many
dimensions (facet counts grow fast with it), one linear program per undecided candidate decides.

References
----------
[Rez78] B. Reznick, "Extremal PSD forms with few terms", Duke Math. J. 45(2), 1978.
[Lof09] J. Löfberg, "Pre- and post-processing sum-of-squares programs in practice", IEEE Trans.
Autom. Control 54(5), 2009.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from math import comb, log2

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog
from scipy.spatial import ConvexHull, QhullError

from ..basis import MonomialSet, graded_lex_exponents
from ..polynomial import Polynomial
from ..tables import small_size_cache

__all__ = ["NewtonBasis", "newton_basis", "half_newton_polytope", "prune_diagonal", "HULL_MAX_DIMENSION"]

HULL_MAX_DIMENSION = 8
"""Largest dimension of the Newton polytope tested with Qhull's facets; above it, linear programs."""

_TOL = 1e-9


def _key_map(*blocks: NDArray[np.int64]) -> NDArray[np.int64] | None:
    """Weights ``w`` with ``rows @ w`` injective and additive (``key(a + b) = key(a) + key(b)``) on
    the rows of ``blocks``, their doubles and pairwise sums; None when int64 cannot hold them."""
    n = blocks[0].shape[1]
    top = max((int(b.max()) for b in blocks if b.size), default=0)
    base = 2 * top + 1
    if n * log2(base) >= 62:
        return None
    return base ** np.arange(n, dtype=np.int64)


_CACHED_PAIRS_MAX = 256
"""Largest size whose pair indices are cached (0.5 MB at most, 32 sizes kept; larger ones cost little next to their pruning)."""


@small_size_cache(lambda s: s <= _CACHED_PAIRS_MAX)
def _distinct_pairs(s: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """``np.triu_indices(s, k=1)`` (cached for small ``s``: on small problems the index construction
    costs more than the pruning that uses it)."""
    return np.triu_indices(s, k=1)


def _member(keys: NDArray[np.int64], table: NDArray[np.int64]) -> NDArray[np.bool_]:
    """``keys[i] in table`` for a sorted ``table``, repeats allowed (searchsorted, cheaper than np.isin on small sets)."""
    if not table.size:
        return np.zeros(keys.shape, dtype=bool)
    pos = np.minimum(np.searchsorted(table, keys), table.size - 1)
    return table[pos] == keys


@dataclass(frozen=True)
class NewtonBasis:
    """The reduced Gram basis of an unconstrained relaxation and how it was obtained.

    Attributes
    ----------
    rows : ndarray (s, n)
        Exponent rows of ``B``, graded lex (a subsequence of the dense basis of degree ``k``).
    dense_size : int
        ``comb(n + k, k)``, the size of the dense basis.
    hull_size : int
        Monomials of degree ``<= k`` in half the Newton polytope (before the diagonal pruning).
    has_first_moments : bool
        Whether ``1`` and every ``x_i`` are in ``B`` (the minimizer can be read off the moments).
    full_degree : int
        The largest ``t`` with every monomial of degree ``<= t`` in ``B`` (``-1`` if ``1`` is not):
        the leading block of the moment matrix over ``B`` is then the full ``M_t(y)``.
    build_time : float
        Seconds spent computing the basis.
    """

    rows: NDArray[np.int64]
    dense_size: int
    hull_size: int
    has_first_moments: bool
    full_degree: int
    build_time: float = 0.0

    @property
    def size(self) -> int:
        return int(self.rows.shape[0])

    @property
    def reduces(self) -> bool:
        """Whether ``B`` is smaller than the dense basis and still holds the first-order monomials."""
        return self.has_first_moments and self.size < self.dense_size


def half_newton_polytope(support: NDArray[np.int64], candidates: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Which ``candidates`` ``b`` satisfy ``2b in conv(support u {0})``.

    Examples
    --------
    The support of ``x^4 y^2 + x^2 y^4 + 1`` (the Motzkin terms) keeps ``x y`` and drops ``x^2``:

    >>> half_newton_polytope(np.array([[4, 2], [2, 4], [0, 0]]), np.array([[1, 1], [2, 0], [0, 0]])).tolist()
    [True, False, True]
    """
    support = np.asarray(support, dtype=np.int64)
    candidates = np.asarray(candidates, dtype=np.int64)
    n = candidates.shape[1]
    if not candidates.shape[0] or not n:
        return np.full(candidates.shape[0], n == 0)  # without variables the only monomial is 1
    if n == 2:  # a polygon, unless the points lie on a line: exact in Python integers
        edges = _polygon_edges(support)
        if edges is not None:
            return np.array([all(a * u + b * v <= c for a, b, c in edges) for u, v in (2 * candidates).tolist()],
                            dtype=bool)
    target = 2.0 * candidates
    points = np.zeros((support.shape[0] + 1, n))
    points[1:] = support
    scale = 1.0 + float(np.abs(points).max())
    # the affine hull contains 0, so it is the span of the points: all of R^n when every variable
    # has a pure power in the support (the usual case, decided without an SVD)
    if _has_every_pure_power(support):
        dim, vt = n, None
    else:
        _, sv, vt = np.linalg.svd(points, full_matrices=False)
        dim = int(np.count_nonzero(sv > _TOL * max(1.0, float(sv[0]) if sv.size else 1.0)))
    if dim == n:  # full-dimensional: every candidate is in the span, no projection
        z, pz, in_span = target, points, np.ones(target.shape[0], dtype=bool)
    else:
        span = vt[:dim].T  # (n, dim), orthonormal columns
        z = target @ span
        in_span = np.linalg.norm(target - z @ span.T, axis=1) <= _TOL * scale
        pz = points @ span
    if dim == 0:
        return in_span & np.all(target == 0, axis=1)
    if dim == 1:
        lo, hi = pz.min() - _TOL * scale, pz.max() + _TOL * scale
        return in_span & (z[:, 0] >= lo) & (z[:, 0] <= hi)
    # a point of the support is inside whatever the polytope's shape: no test needed
    doubled = 2 * candidates
    weights = _key_map(support, doubled)
    if weights is None:
        inside = in_span & MonomialSet(support).contains(doubled)
    else:
        inside = in_span & _member(doubled @ weights, np.sort(support @ weights))
    undecided = in_span & ~inside
    if not undecided.any():
        return inside
    if dim <= HULL_MAX_DIMENSION:
        try:
            hull = ConvexHull(pz)
        except QhullError:
            hull = None
        if hull is not None:
            slack = z[undecided] @ hull.equations[:, :-1].T + hull.equations[:, -1]
            inside[undecided] = np.all(slack <= _TOL * scale, axis=1)
            return inside
    for i in np.flatnonzero(undecided):
        inside[i] = _in_hull_lp(pz, z[i])
    return inside


def _has_every_pure_power(support: NDArray[np.int64]) -> bool:
    """Whether each variable has a term ``x_i^a`` (``a > 0``) in ``support``: the points then span R^n."""
    pure = support[np.count_nonzero(support, axis=1) == 1]
    return bool(pure.shape[0] >= support.shape[1] and np.all(pure.any(axis=0)))


def _polygon_edges(support: NDArray[np.int64]) -> list[tuple[int, int, int]] | None:
    """The edges ``(a, b, c)`` of the convex hull of ``support u {0}`` in the plane, ``p`` in the hull
    iff ``a p_1 + b p_2 <= c`` for every edge (outward normals, exact); None when the points lie on
    a line (no polygon).

    Andrew's monotone chain, in Python integers: a support in two variables has few points, on them
    this costs a fraction of Qhull's set-up, and no product overflows.
    """
    ordered = sorted({(0, 0), *map(tuple, support.tolist())})

    def chain(seq: list[tuple[int, int]]) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        for p in seq:
            while len(out) >= 2 and ((out[-1][0] - out[-2][0]) * (p[1] - out[-2][1])
                                     - (out[-1][1] - out[-2][1]) * (p[0] - out[-2][0])) <= 0:
                out.pop()  # no left turn at out[-1]: not a vertex
            out.append(p)
        return out

    vertices = chain(ordered)[:-1] + chain(ordered[::-1])[:-1]  # counter-clockwise
    if len(vertices) < 3:
        return None
    # the edge from p to q, turned clockwise, points out of the polygon
    return [(q[1] - p[1], p[0] - q[0], (q[1] - p[1]) * p[0] + (p[0] - q[0]) * p[1])
            for p, q in zip(vertices, vertices[1:] + vertices[:1])]


def _in_hull_lp(points: NDArray[np.float64], target: NDArray[np.float64]) -> bool:
    """Whether ``target = points^T lam`` for some ``lam >= 0`` summing to 1 (a feasibility LP)."""
    m = points.shape[0]
    a_eq = np.vstack([points.T, np.ones((1, m))])
    b_eq = np.concatenate([target, [1.0]])
    out = linprog(np.zeros(m), A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    return bool(out.status == 0)


def prune_diagonal(rows: NDArray[np.int64], support: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Which ``rows`` survive the diagonal-consistency pruning, iterated to the fixed point.

    A row ``b`` is removed when ``2b`` is not in ``support`` and is not ``b1 + b2`` for two distinct
    surviving rows; removing rows can only remove such sums, so the loop stops after at most
    ``len(rows)`` rounds.

    Examples
    --------
    ``x^4 y^2 + x^2 y^4 + 1`` (the Motzkin polynomial without its ``-3 x^2 y^2``): half its Newton
    polytope holds ``1, xy, x^2 y, x y^2``, and ``x^2 y^2`` is neither a term nor a product of two
    other of them, so ``xy`` goes:

    >>> rows = np.array([[0, 0], [1, 1], [2, 1], [1, 2]])
    >>> prune_diagonal(rows, np.array([[4, 2], [2, 4], [0, 0]])).tolist()
    [True, False, True, True]
    """
    rows = np.asarray(rows, dtype=np.int64)
    support = np.asarray(support, dtype=np.int64)
    weights = _key_map(rows, support)
    if weights is None:
        return _prune_by_sets(rows, support)
    keys = rows @ weights  # additive: the key of b1 + b2 is the sum of the keys
    alive = np.ones(rows.shape[0], dtype=bool)
    in_support = (keys == 0) | _member(2 * keys, np.sort(support @ weights))  # 1 squares to the constant
    while True:
        live = keys[alive]
        i, j = _distinct_pairs(live.shape[0])
        covered = in_support[alive] | _member(2 * live, np.sort(live[i] + live[j]))
        if covered.all():
            return alive
        alive[np.flatnonzero(alive)[~covered]] = False


def _prune_by_sets(rows: NDArray[np.int64], support: NDArray[np.int64]) -> NDArray[np.bool_]:
    """:func:`prune_diagonal` with exact row sets, for exponents too large for int64 keys."""
    alive = np.ones(rows.shape[0], dtype=bool)
    in_support = ~rows.any(axis=1)  # 1 squares to the constant
    if support.shape[0]:
        in_support |= MonomialSet(support).contains(2 * rows)
    while True:
        live = rows[alive]
        i, j = _distinct_pairs(live.shape[0])
        sums = MonomialSet(live[i] + live[j]) if i.size else None
        covered = in_support[alive] | (sums.contains(2 * live) if sums is not None else False)
        if covered.all():
            return alive
        alive[np.flatnonzero(alive)[~covered]] = False


_CACHED_ROWS_MAX = 2**16
"""Largest dense basis (rows times variables) whose rows are cached: 0.5 MB each, 32 kept (16 MB at most)."""


@small_size_cache(lambda n, order: n * comb(n + order, order) <= _CACHED_ROWS_MAX)
def _dense_rows(n: int, order: int) -> NDArray[np.int64]:
    """:func:`graded_lex_exponents` (cached for small bases: the candidates of every Newton basis)."""
    return graded_lex_exponents(n, order)


def newton_basis(objective: Polynomial, order: int) -> NewtonBasis:
    """The reduced Gram basis of the order-``order`` relaxation of ``min objective`` (no constraints).

    Examples
    --------
    The six-hump camel function at order 3 keeps 7 of the 10 monomials of degree <= 3:

    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> f = Polynomial.from_sympy(4*x**2 - sp.Rational(21, 10)*x**4 + x**6/3 + x*y - 4*y**2 + 4*y**4, (x, y))
    >>> nb = newton_basis(f, 3)
    >>> nb.rows.tolist(), nb.full_degree
    ([[0, 0], [1, 0], [0, 1], [2, 0], [1, 1], [0, 2], [3, 0]], 2)
    """
    start = time.perf_counter()
    n = objective.nvars
    dense = _dense_rows(n, order)
    support = objective.exponents
    hull = dense[half_newton_polytope(support, dense)]
    rows = hull[prune_diagonal(hull, support)]
    # B is a subset of the dense basis, so it holds every monomial of degree <= t iff it holds as many
    held = np.cumsum(np.bincount(rows.sum(axis=1), minlength=order + 1)).tolist()
    full = -1
    while full < order and held[full + 1] == comb(n + full + 1, full + 1):
        full += 1
    return NewtonBasis(rows=rows, dense_size=dense.shape[0], hull_size=hull.shape[0],
                       has_first_moments=n > 0 and full >= 1, full_degree=full,
                       build_time=time.perf_counter() - start)
