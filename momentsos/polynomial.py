"""Sparse multivariate polynomials held as an exponent matrix and a coefficient vector.

A :class:`Polynomial` in ``n`` variables with ``t`` terms stores

* ``exponents``: an integer array of shape ``(t, n)``; row ``i`` is the exponent tuple of term ``i``;
* ``coefficients``: a float array of shape ``(t,)``.

Rows are unique and no coefficient is zero. Variables are positional: column ``j`` of
``exponents`` belongs to ``variables[j]`` of the problem that owns the polynomial.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import sympy as sp
from sympy.polys.polyutils import dict_from_expr
from numpy.typing import NDArray

__all__ = ["Polynomial"]


def _unique_rows(rows: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``np.unique(rows, axis=0, return_inverse=True)`` (same order: lexicographic by column), by
    one lexsort (np.unique's structured-dtype path is slow on the many small polynomials of an SOS
    certificate)."""
    if rows.shape[1] == 0:
        return rows[:1], np.zeros(rows.shape[0], dtype=np.int64)
    # a column equal in every row orders nothing: a term of a clique's block in a thousand
    # variables varies in two or three of them
    varying = np.flatnonzero(rows.max(axis=0) != rows.min(axis=0)) if rows.shape[0] > 1 else np.zeros(0, np.int64)
    if len(varying) == 0:
        return rows[:1], np.zeros(rows.shape[0], dtype=np.int64)
    keys = rows[:, varying]
    if keys.shape[1] > 16:
        keys = _sparse_keys(keys)
    order = np.lexsort(keys.T[::-1])
    ranked = keys[order]
    new = np.ones(rows.shape[0], dtype=bool)
    new[1:] = np.any(ranked[1:] != ranked[:-1], axis=1)
    ranked = rows[order]
    inverse = np.empty(rows.shape[0], dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ranked[new], inverse


def _sparse_keys(rows: NDArray[np.int64]) -> NDArray[np.int64]:
    """Keys whose lexicographic order is that of ``rows``, of width twice the most nonzeros of a
    row (the rows themselves where that is not narrower).

    Row ``a`` precedes row ``b`` where they first differ; with the nonzeros of each row listed by
    column, ``(c_1, a_{c_1}), (c_2, a_{c_2}), ...``, that is decided by the first pair that differs:
    an earlier column makes the larger row (the other is zero there), a missing pair the smaller
    one. So the keys are ``(-c_k, a_{c_k})`` per pair, a missing pair ``(-n, 0)``.
    """
    r, c = np.nonzero(rows)
    count = np.bincount(r, minlength=rows.shape[0])
    width = int(count.max(initial=0))
    if 2 * width >= rows.shape[1]:
        return rows
    rank = np.arange(len(r)) - np.repeat(np.cumsum(count) - count, count)
    keys = np.zeros((rows.shape[0], 2 * width), dtype=np.int64)
    keys[:, 0::2] = -rows.shape[1]
    keys[r, 2 * rank] = -c
    keys[r, 2 * rank + 1] = rows[r, c]
    return keys


def sparse_terms(expr: sp.Expr, variables: Sequence[sp.Symbol]) -> list[tuple[tuple[int, ...], sp.Expr]]:
    """``(exponents, coefficient)`` of every nonzero term of the polynomial ``expr`` in ``variables``.

    Read from sympy's sparse dictionary form, not ``sp.Poly``, whose dense recursive representation
    exhausts the recursion limit in a thousand variables.
    """
    rep, _ = dict_from_expr(sp.expand(expr), gens=tuple(variables))
    return [(tuple(int(e) for e in monom), coef) for monom, coef in rep.items() if coef != 0]


@dataclass(frozen=True, eq=False)
class Polynomial:
    """A real polynomial ``sum_i coefficients[i] * x**exponents[i]``.

    Parameters
    ----------
    exponents : array_like of int, shape (t, n)
        Exponent tuples, one row per term.
    coefficients : array_like of float, shape (t,)
        Real, finite coefficients.

    Notes
    -----
    The constructor merges duplicate rows and drops zero coefficients, so two polynomials that are
    equal as functions have equal term sets (compare them with :meth:`allclose`).
    """

    exponents: NDArray[np.int64]
    coefficients: NDArray[np.float64]

    def __post_init__(self) -> None:
        raw_exps, raw_coefs = np.asarray(self.exponents), np.asarray(self.coefficients)
        if raw_exps.dtype.kind == "f" and not np.array_equal(raw_exps, np.round(raw_exps)):
            raise ValueError(f"Polynomial: exponents must be non-negative integers; got {raw_exps.tolist()!r}")
        try:
            if raw_coefs.dtype.kind == "c":
                raise TypeError
            coefs = raw_coefs.astype(np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise TypeError(f"Polynomial: coefficients must be real numbers; got {raw_coefs.tolist()!r}") from None
        exps = raw_exps.astype(np.int64)
        if exps.ndim != 2 or exps.shape[0] != coefs.shape[0]:
            raise ValueError(
                f"Polynomial: exponents must have shape (t, n) and coefficients shape (t,); "
                f"got {exps.shape} and {coefs.shape}"
            )
        if exps.size and exps.min() < 0:
            raise ValueError(f"Polynomial: exponents must be non-negative integers; got {exps.tolist()!r}")
        if exps.shape[0]:
            exps, inverse = _unique_rows(exps)
            coefs = np.bincount(inverse, weights=coefs, minlength=exps.shape[0])
            keep = coefs != 0.0
            exps, coefs = exps[keep], coefs[keep]
        exps.setflags(write=False)
        coefs.setflags(write=False)
        object.__setattr__(self, "exponents", exps)
        object.__setattr__(self, "coefficients", coefs)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def zero(cls, nvars: int) -> Polynomial:
        """The zero polynomial in ``nvars`` variables."""
        return cls(np.zeros((0, nvars), dtype=np.int64), np.zeros(0))

    @classmethod
    def constant(cls, value: float, nvars: int) -> Polynomial:
        """The constant polynomial ``value`` in ``nvars`` variables."""
        return cls(np.zeros((1, nvars), dtype=np.int64), np.array([float(value)]))

    @classmethod
    def from_sympy(cls, expr: sp.Expr, variables: Sequence[sp.Symbol]) -> Polynomial:
        """Expand a sympy expression that is known to be polynomial in ``variables``.

        Validation with user-facing messages lives in :mod:`momentsos.problem`; this constructor
        assumes a polynomial with real finite coefficients.
        """
        variables = tuple(variables)
        if not variables:
            return cls.constant(float(sp.sympify(expr)), 0)
        terms = sparse_terms(expr, variables)
        exps = np.array([monom for monom, _ in terms], dtype=np.int64).reshape(len(terms), len(variables))
        coefs = np.array([float(coef) for _, coef in terms], dtype=np.float64)
        return cls(exps, coefs)

    # -- properties ---------------------------------------------------------------------------
    @property
    def nvars(self) -> int:
        return int(self.exponents.shape[1])

    @property
    def nterms(self) -> int:
        return int(self.exponents.shape[0])

    @functools.cached_property
    def degree(self) -> int:
        """Total degree; 0 for constants and for the zero polynomial (computed once: the arrays are read-only)."""
        return int(self.exponents.sum(axis=1).max()) if self.nterms else 0

    @property
    def is_zero(self) -> bool:
        return self.nterms == 0

    @property
    def constant_term(self) -> float:
        """The coefficient of the monomial ``1`` (0 when absent)."""
        return float(self.coefficients[~self.exponents.any(axis=1)].sum()) if self.nterms else 0.0

    # -- numerics -----------------------------------------------------------------------------
    def __call__(self, points: NDArray[np.float64]) -> NDArray[np.float64] | float:
        return self.evaluate(points)

    def evaluate(self, points: NDArray[np.float64]) -> NDArray[np.float64] | float:
        """Evaluate at one point (shape ``(n,)``, returns a float) or at many (shape ``(p, n)``)."""
        pts = np.asarray(points, dtype=np.float64)
        single = pts.ndim == 1
        pts = np.atleast_2d(pts)
        if pts.shape[1] != self.nvars:
            raise ValueError(
                f"Polynomial.evaluate: points must have {self.nvars} columns; got shape {np.shape(points)}"
            )
        if self.is_zero:
            values = np.zeros(pts.shape[0])
        else:
            # (p, t) matrix of monomial values, then one matrix-vector product.
            monomials = np.prod(pts[:, None, :] ** self.exponents[None, :, :], axis=2)
            values = monomials @ self.coefficients
        return float(values[0]) if single else values

    def derivative(self, var: int) -> Polynomial:
        """Partial derivative with respect to variable number ``var``."""
        if not 0 <= var < self.nvars:
            raise ValueError(f"Polynomial.derivative: var must be in [0, {self.nvars}); got {var}")
        powers = self.exponents[:, var]
        keep = powers > 0
        exps = self.exponents[keep].copy()
        exps[:, var] -= 1
        return Polynomial(exps, self.coefficients[keep] * powers[keep])

    def evaluate_gradient(self, point: NDArray[np.float64]) -> NDArray[np.float64]:
        """The gradient at one point (shape ``(n,)``), without building the derivative polynomials.

        ``d/dx_i x^e = e_i x^(e - u_i)``, evaluated for the (term, i) pairs with ``e_i > 0`` only:
        a term of support ``s`` costs ``s n``, not ``n^2``.
        """
        x = np.asarray(point, dtype=np.float64).reshape(-1)
        if x.shape[0] != self.nvars:
            raise ValueError(f"Polynomial.evaluate_gradient: point must have {self.nvars} entries; got shape {np.shape(point)}")
        if self.is_zero:
            return np.zeros(self.nvars)
        term, i = np.nonzero(self.exponents)  # only the (term, i) with e_i > 0 contribute
        lowered = self.exponents[term].copy()
        lowered[np.arange(term.size), i] -= 1
        values = self.coefficients[term] * self.exponents[term, i] * np.prod(x[None, :] ** lowered, axis=1)
        return np.bincount(i, weights=values, minlength=self.nvars).astype(np.float64)

    def evaluate_hessian(self, point: NDArray[np.float64]) -> NDArray[np.float64]:
        """The Hessian at one point (shape ``(n, n)``), without building the derivative polynomials.

        ``d2/dx_i dx_j x^e = e_i (e_j - [i = j]) x^(e - u_i - u_j)``. Only the (term, i, j) triples
        with a nonzero factor are evaluated, in one vectorised pass; the factors are formed for the
        variables ``i`` of each term's support only, so a term of support ``s`` costs ``s n``, not ``n^2``.
        """
        x = np.asarray(point, dtype=np.float64).reshape(-1)
        n = self.nvars
        if x.shape[0] != n:
            raise ValueError(f"Polynomial.evaluate_hessian: point must have {n} entries; got shape {np.shape(point)}")
        if self.is_zero:
            return np.zeros((n, n))
        E = self.exponents
        owner, first = np.nonzero(E)  # (term, i) with e_i > 0
        factor = E[owner, first][:, None] * (E[owner] - (np.arange(n)[None, :] == first[:, None]))  # (pair, j)
        pair, j = np.nonzero(factor)
        term, i = owner[pair], first[pair]
        lowered = E[term].copy()
        rows = np.arange(term.size)
        lowered[rows, i] -= 1
        lowered[rows, j] -= 1  # i = j lowers twice: the two fancy-index updates are separate statements
        values = self.coefficients[term] * factor[pair, j] * np.prod(x[None, :] ** lowered, axis=1)
        return np.bincount(i * n + j, weights=values, minlength=n * n).astype(np.float64).reshape(n, n)

    def gradient(self) -> list[Polynomial]:
        """The partial derivatives, one per variable."""
        return [self.derivative(i) for i in range(self.nvars)]

    def __mul__(self, other: Polynomial | float) -> Polynomial:
        if not isinstance(other, Polynomial):
            return Polynomial(self.exponents, self.coefficients * float(other))
        if self.is_zero or other.is_zero:
            return Polynomial.zero(self.nvars)
        exps = (self.exponents[:, None, :] + other.exponents[None, :, :]).reshape(-1, self.nvars)
        coefs = np.outer(self.coefficients, other.coefficients).reshape(-1)
        return Polynomial(exps, coefs)

    __rmul__ = __mul__

    def __add__(self, other: Polynomial | float) -> Polynomial:
        if not isinstance(other, Polynomial):
            other = Polynomial.constant(float(other), self.nvars)
        return Polynomial(
            np.vstack([self.exponents, other.exponents]),
            np.concatenate([self.coefficients, other.coefficients]),
        )

    __radd__ = __add__

    def __neg__(self) -> Polynomial:
        return Polynomial(self.exponents, -self.coefficients)

    def __sub__(self, other: Polynomial | float) -> Polynomial:
        return self + (-other)

    def allclose(self, other: Polynomial, atol: float = 1e-12) -> bool:
        """Whether ``self - other`` has every coefficient below ``atol`` in absolute value."""
        diff = self - other
        return bool(np.all(np.abs(diff.coefficients) <= atol))

    def to_sympy(self, variables: Sequence[sp.Symbol]) -> sp.Expr:
        """The polynomial as a sympy expression in ``variables`` (floats as sympy Floats)."""
        variables = tuple(variables)
        terms = [
            sp.Float(c) * sp.Mul(*[v**int(e) for v, e in zip(variables, row)])
            for row, c in zip(self.exponents, self.coefficients)
        ]
        return sp.Add(*terms)

    def __repr__(self) -> str:
        return f"Polynomial(nvars={self.nvars}, degree={self.degree}, nterms={self.nterms})"
