"""Named polynomial optimization problems with known optima, minimizers and a source each.

Use them in tests, examples and benchmarks::

    >>> from momentsos import problems
    >>> p = problems.get("six_hump_camel")
    >>> p.optimum
    -1.031628453489877

``expected`` says what a correct solver must report: ``"certified"`` (with ``certified_order``, the
first order of the hierarchy that certifies with an interior-point solver, whose moments have
maximal rank on the optimal face), ``"bound_only"`` (the bound is exact but never
certified at the orders listed), ``"not_certified"`` (no valid certificate can exist at these orders;
the relaxation may be unbounded) or ``"infeasible"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import sqrt
from typing import Callable

import numpy as np
import sympy as sp

from .problem import PolyProblem

__all__ = ["NamedProblem", "PROBLEMS", "get", "names", "SCALABLE", "scalable", "chained_rosenbrock", "chained_wood", "broyden_tridiagonal"]


@dataclass(frozen=True)
class NamedProblem:
    """A reference POP.

    Attributes
    ----------
    name : str
    build : callable
        Returns a fresh :class:`PolyProblem`.
    optimum : float or None
        The global minimum (None for infeasible problems).
    minimizers : tuple of tuples
        All global minimizers (empty when unknown or infinitely many).
    expected : str
        "certified", "bound_only", "not_certified" or "infeasible".
    certified_order : int or None
        First relaxation order that certifies (for "certified").
    citation : str
    notes : str
    """

    name: str
    build: Callable[[], PolyProblem] = field(repr=False)
    optimum: float | None
    minimizers: tuple[tuple[float, ...], ...]
    expected: str
    certified_order: int | None
    citation: str
    notes: str = ""

    def problem(self) -> PolyProblem:
        return self.build()


def _syms(names: str) -> tuple[sp.Symbol, ...]:
    return tuple(sp.symbols(names))


def _six_hump_camel() -> PolyProblem:
    x, y = _syms("x y")
    f = 4 * x**2 - sp.Rational(21, 10) * x**4 + x**6 / 3 + x * y - 4 * y**2 + 4 * y**4
    return PolyProblem(f, variables=(x, y))


def _rosenbrock() -> PolyProblem:
    x, y = _syms("x y")
    return PolyProblem(100 * (y - x**2) ** 2 + (1 - x) ** 2, variables=(x, y))


def _double_well_2d() -> PolyProblem:
    x, y = _syms("x y")
    return PolyProblem((x**2 - 1) ** 2 + (y**2 - 1) ** 2, variables=(x, y))


def _gloptipoly3_three_minimizers() -> PolyProblem:
    x1, x2 = _syms("x1 x2")
    f = -((x1 - 1) ** 2) - (x1 - x2) ** 2 - (x2 - 3) ** 2
    g = [1 - (x1 - 1) ** 2, 1 - (x1 - x2) ** 2, 1 - (x2 - 3) ** 2]
    return PolyProblem(f, inequalities=g, variables=(x1, x2))


def _ball_linear() -> PolyProblem:
    x, y = _syms("x y")
    return PolyProblem(x + y, inequalities=[1 - x**2 - y**2], variables=(x, y))


def _box_bilinear() -> PolyProblem:
    x, y = _syms("x y")
    return PolyProblem(x * y, inequalities=[1 - x**2, 1 - y**2], variables=(x, y))


def _box_concave() -> PolyProblem:
    x, y = _syms("x y")
    return PolyProblem(-(x**2) - y**2, inequalities=[1 - x**2, 1 - y**2], variables=(x, y))


def _circle_linear() -> PolyProblem:
    x, y = _syms("x y")
    return PolyProblem(x + y, equalities=[x**2 + y**2 - 1], variables=(x, y))


def _hyperbola_distance() -> PolyProblem:
    x, y = _syms("x y")
    return PolyProblem(x**2 + y**2, equalities=[x * y - 1], variables=(x, y))


def _lasserre_floudas() -> PolyProblem:
    x1, x2 = _syms("x1 x2")
    f = -12 * x1 - 7 * x2 + x2**2
    return PolyProblem(
        f,
        inequalities=[x1, 2 - x1, x2, 3 - x2],
        equalities=[-2 * x1**4 + 2 - x2],
        variables=(x1, x2),
    )


def _zhang_example_3_4() -> PolyProblem:
    c11, c12, c20, c21, theta = _syms("c11 c12 c20 c21 theta")
    r = [
        3 * c20 + 9 * c21 + 29 * c12 * c21 - 52,
        5 * c11 * c21 - c20 + 5 * c12 * c21 - 4,
        3 * c20 + 10 * c21 - c11 * c21 + 41 * c12 * c21 - 76,
        sp.Rational(5, 2) * c11 * c21 - 9 * c21 - 2 * c20 - sp.Rational(73, 2) * c12 * c21 + sp.Rational(137, 2),
    ]
    g = [theta + rj for rj in r] + [theta - rj for rj in r]
    return PolyProblem(theta, inequalities=g, variables=(c11, c12, c20, c21, theta))


def _motzkin() -> PolyProblem:
    x, y = _syms("x y")
    return PolyProblem(x**4 * y**2 + x**2 * y**4 - 3 * x**2 * y**2 + 1, variables=(x, y))


def _motzkin_sphere() -> PolyProblem:
    x, y, z = _syms("x y z")
    f = x**4 * y**2 + x**2 * y**4 + z**6 - 3 * x**2 * y**2 * z**2
    return PolyProblem(f, equalities=[x**2 + y**2 + z**2 - 1], variables=(x, y, z))


def _maxcut_c5() -> PolyProblem:
    xs = _syms("x1:6")
    edges = [(i, (i + 1) % 5) for i in range(5)]
    f = sum((xs[i] * xs[j] - 1) / 2 for i, j in edges)
    return PolyProblem(f, equalities=[v**2 - 1 for v in xs], variables=xs)


def _infeasible_ball_halfplane() -> PolyProblem:
    x, y = _syms("x y")
    return PolyProblem(x + y, inequalities=[1 - x**2 - y**2, x - 2], variables=(x, y))


_CAMEL_X = (0.08984201368301331, -0.7126564032704135)
_S = 1.0 / sqrt(3.0)
# Motzkin on the sphere vanishes where x^2 = y^2 = z^2 = 1/3 and where z = 0, x y = 0
_MOTZKIN_SPHERE_MINIMIZERS = tuple(
    [(a * _S, b * _S, c * _S) for a in (1, -1) for b in (1, -1) for c in (1, -1)]
    + [(1.0, 0.0, 0.0), (-1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, -1.0, 0.0)]
)

PROBLEMS: dict[str, NamedProblem] = {
    p.name: p
    for p in (
        NamedProblem(
            "six_hump_camel", _six_hump_camel, -1.031628453489877,
            (_CAMEL_X, (-_CAMEL_X[0], -_CAMEL_X[1])), "certified", 3,
            "Dixon & Szego (1978), Towards Global Optimisation 2; GloptiPoly 3 [HLL09] test set",
            "unconstrained, degree 6, two global minimizers (rank 2)",
        ),
        NamedProblem(
            "rosenbrock", _rosenbrock, 0.0, ((1.0, 1.0),), "certified", 2,
            "Rosenbrock (1960), Computer Journal 3(3):175-184", "unconstrained, degree 4, rank 1",
        ),
        NamedProblem(
            "double_well_2d", _double_well_2d, 0.0,
            ((1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)), "certified", 4,
            "elementary; a sum of squares vanishing on 4 points, cf. [HL05, §3] for rank > 1 extraction",
            "unconstrained, four global minimizers (rank 4); interior-point moments are flat from order 4 "
            "(degree-5 and -6 moments are free at order 3)",
        ),
        NamedProblem(
            "gloptipoly3_three_minimizers", _gloptipoly3_three_minimizers, -2.0,
            ((1.0, 2.0), (2.0, 2.0), (2.0, 3.0)), "certified", 2,
            "Henrion, Lasserre & Lofberg (2009), GloptiPoly 3, Optim. Methods Softw. 24(4-5), §3 example",
            "concave quadratic over three slabs; k0 = 1 is not flat, order 2 gives rank 3",
        ),
        NamedProblem(
            "ball_linear", _ball_linear, -sqrt(2.0), ((-sqrt(0.5), -sqrt(0.5)),), "certified", 1,
            "elementary (Cauchy-Schwarz); linear objective on the unit disc, minimizer on the boundary",
        ),
        NamedProblem(
            "box_bilinear", _box_bilinear, -1.0, ((1.0, -1.0), (-1.0, 1.0)), "certified", 2,
            "elementary; bilinear objective on the box [-1, 1]^2, two vertex minimizers (rank 2)",
        ),
        NamedProblem(
            "box_concave", _box_concave, -2.0, ((1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)),
            "certified", 3,
            "elementary; concave quadratic on [-1, 1]^2, four vertex minimizers; ranks (1, 3, 4) at order 2 "
            "are not flat, order 3 is",
            "needs k = k0 + 2",
        ),
        NamedProblem(
            "circle_linear", _circle_linear, -sqrt(2.0), ((-sqrt(0.5), -sqrt(0.5)),), "certified", 1,
            "elementary (Lagrange); equality-constrained",
        ),
        NamedProblem(
            "hyperbola_distance", _hyperbola_distance, 2.0, ((1.0, 1.0), (-1.0, -1.0)), "certified", 3,
            "elementary (AM-GM); squared distance to the hyperbola xy = 1, two minimizers",
        ),
        NamedProblem(
            "lasserre_floudas", _lasserre_floudas, -16.73889318439464, ((0.7175361982896876, 1.4698420763197726),),
            "certified", 3,
            "Floudas & Pardalos (1990), A Collection of Test Problems, LNCS 455; solved in Lasserre (2001), "
            "SIAM J. Optim. 11(3):796-817",
            "box and one quartic equality",
        ),
        NamedProblem(
            "zhang_example_3_4", _zhang_example_3_4, 0.0, ((1.0, -2.0, 1.0, -1.0, 0.0),), "certified", 2,
            "Zhang, Nie & Tang (2026), Learning Polynomial Activation Functions for Deep Neural Networks, "
            "PMLR 321, Example 3.4",
            "network-loss POP in epigraph form; order 1 is not flat, order 2 is",
        ),
        NamedProblem(
            "motzkin", _motzkin, 0.0, ((1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)), "not_certified", None,
            "Motzkin (1967); Motzkin + c is not SOS for any c, so the unconstrained relaxation is unbounded",
            "a solver may answer 'optimal' with huge moments: must never be certified",
        ),
        NamedProblem(
            "motzkin_sphere", _motzkin_sphere, 0.0, _MOTZKIN_SPHERE_MINIMIZERS, "bound_only", None,
            "Motzkin form on the unit sphere; Lasserre (2009), Moments, Positive Polynomials and Their "
            "Applications, §5; 12 minimizers",
            "exact bound; the centre of the optimal face is not flat at orders 3-4 (a minimum-trace "
            "point of the face can be, and then certifies a subset of the 12 minimizers)",
        ),
        NamedProblem(
            "maxcut_c5", _maxcut_c5, -4.0, (), "bound_only", None,
            "max-cut of the 5-cycle (value 4, 10 optimal cuts); Laurent (2003), Math. Oper. Res. 28(3) "
            "(Lasserre rank of the cut polytope)",
            "order 2 is exact but not flat",
        ),
        NamedProblem(
            "infeasible_ball_halfplane", _infeasible_ball_halfplane, None, (), "infeasible", 1,
            "elementary; the unit disc and the half-plane x >= 2 do not meet",
        ),
    )
}


# -- chained problems of any size n (sparse benchmarks) ----------------------------------------------
def _chained_rosenbrock(n: int) -> PolyProblem:
    x = sp.symbols(f"x1:{n + 1}")
    # sp.Add of the list, not sum(): sum adds term by term and re-flattens the whole chain each time
    f = sp.Add(*[100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(n - 1)])
    return PolyProblem(f, variables=x)


def _chained_wood(n: int) -> PolyProblem:
    x = sp.symbols(f"x1:{n + 1}")
    f = 1 + sp.Add(*[
        100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 + 90 * (x[i + 3] - x[i + 2] ** 2) ** 2
        + (1 - x[i + 2]) ** 2 + 10 * (x[i + 1] + x[i + 3] - 2) ** 2 + sp.Rational(1, 10) * (x[i + 1] - x[i + 3]) ** 2
        for i in range(0, n - 3, 2)
    ])
    return PolyProblem(f, variables=x)


def _broyden_tridiagonal(n: int) -> PolyProblem:
    x = sp.symbols(f"x1:{n + 1}")
    padded = (0, *x, 0)
    f = sp.Add(*[((3 - 2 * padded[i]) * padded[i] - padded[i - 1] - 2 * padded[i + 1] + 1) ** 2 for i in range(1, n + 1)])
    return PolyProblem(f, variables=x)


def _check_size(name: str, n: object, minimum: int, multiple: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum or n % multiple:
        allowed = f"an integer >= {minimum}" + (f" divisible by {multiple}" if multiple > 1 else "")
        raise ValueError(f"Invalid size for {name}: `n={n!r}`; allowed: {allowed}")
    return int(n)


def chained_rosenbrock(n: int) -> NamedProblem:
    """``sum_{i<n} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2``: minimum 0 at ``(1, ..., 1)``, cliques ``{i, i+1}``."""
    n = _check_size("chained_rosenbrock", n, 2)
    return NamedProblem(
        f"chained_rosenbrock_{n}", lambda: _chained_rosenbrock(n), 0.0, ((1.0,) * n,), "certified", 2,
        "Rosenbrock (1960) chained as in Nash (1984), SIAM J. Numer. Anal. 21(4); the 'generalized "
        "Rosenbrock' of Waki, Kim, Kojima & Muramatsu (2006), SIAM J. Optim. 17(1), §6 (there shifted by 1)",
        "unconstrained quartic; f = 0 forces x_i = 1 and x_{i+1} = x_i^2, so the minimizer is unique; "
        "certified with correlative sparsity (the dense relaxation has comb(n + 4, 4) moments)",
    )


def chained_wood(n: int) -> NamedProblem:
    """The chained Wood function of Conn, Gould & Toint: minimum 1 at ``(1, ..., 1)``; ``n`` divisible by 4."""
    n = _check_size("chained_wood", n, 4, 4)
    return NamedProblem(
        f"chained_wood_{n}", lambda: _chained_wood(n), 1.0, ((1.0,) * n,), "certified", 2,
        "Conn, Gould & Toint (1988), Math. Comp. 50(182):399-430; as stated in Waki, Kim, Kojima & Muramatsu "
        "(2006), SIAM J. Optim. 17(1), §6",
        "1 + a sum over i = 1, 3, ..., n - 3 of Wood-function terms in x_i..x_{i+3}; every term vanishes only "
        "at x = 1; the csp graph is a tree (cliques of size 2)",
    )


def broyden_tridiagonal(n: int) -> NamedProblem:
    """``sum_i ((3 - 2 x_i) x_i - x_{i-1} - 2 x_{i+1} + 1)^2`` with ``x_0 = x_{n+1} = 0``: minimum 0."""
    n = _check_size("broyden_tridiagonal", n, 2)
    return NamedProblem(
        f"broyden_tridiagonal_{n}", lambda: _broyden_tridiagonal(n), 0.0, (), "certified", 2,
        "Moré, Garbow & Hillstrom (1981), ACM Trans. Math. Softw. 7(1), problem 30; in Waki, Kim, Kojima & "
        "Muramatsu (2006), SIAM J. Optim. 17(1), §6",
        "a sum of squares of the tridiagonal residuals; at n = 20 they have (at least) two common real zeros, "
        "differing mostly in the first coordinates (x1 = -0.5708 and x1 = 1.8327, both found by the "
        "correlative relaxation of order 2); minimizers not listed; cliques {i-1, i, i+1}",
    )


SCALABLE: dict[str, Callable[[int], NamedProblem]] = {
    "chained_rosenbrock": chained_rosenbrock,
    "chained_wood": chained_wood,
    "broyden_tridiagonal": broyden_tridiagonal,
}
"""Reference problems with a size parameter ``n`` (not in :data:`PROBLEMS`: dense relaxations of
them are out of reach beyond n of about 10; solve them with ``sparsity="correlative"``)."""


def scalable(name: str, n: int) -> NamedProblem:
    """The size-``n`` instance of the scalable problem ``name`` (see :data:`SCALABLE`)."""
    try:
        make = SCALABLE[name]
    except KeyError:
        raise KeyError(f"unknown scalable problem {name!r}; known: {', '.join(SCALABLE)}") from None
    return make(n)


def names() -> list[str]:
    """Names of all reference problems."""
    return list(PROBLEMS)


def get(name: str) -> NamedProblem:
    """The reference problem ``name``; raises KeyError listing the known names otherwise."""
    try:
        return PROBLEMS[name]
    except KeyError:
        raise KeyError(f"unknown problem {name!r}; known: {', '.join(PROBLEMS)}") from None


def minimizer_array(problem: NamedProblem) -> np.ndarray:
    """The minimizers as an array of shape (r, n)."""
    return np.array(problem.minimizers, dtype=np.float64)
