"""Monomial bases in graded lexicographic order, and finite sets of monomials in the same order.

Convention, stated once for the whole package: monomials of degree at most ``d`` in ``n`` variables
are ordered by total degree first (the constant monomial first), and within one degree
lexicographically with ``x1 > x2 > ... > xn``. For ``n = 2, d = 2`` the order is
``1, x1, x2, x1**2, x1*x2, x2**2``. Exponents are ``tuple[int, ...]`` rows aligned with the
problem's variables.
"""

from __future__ import annotations

import itertools
import math
from functools import cached_property
from math import comb

import numpy as np
from numpy.typing import NDArray

__all__ = ["MonomialBasis", "MonomialSet", "graded_lex_exponents", "graded_lex_sort"]


def graded_lex_exponents(nvars: int, degree: int) -> NDArray[np.int64]:
    """All exponent rows of total degree ``<= degree`` in graded lexicographic order.

    Examples
    --------
    >>> graded_lex_exponents(2, 2).tolist()
    [[0, 0], [1, 0], [0, 1], [2, 0], [1, 1], [0, 2]]
    """
    if nvars < 0 or degree < 0:
        raise ValueError(f"graded_lex_exponents: nvars and degree must be >= 0; got {nvars}, {degree}")
    rows = np.zeros((comb(nvars + degree, degree), nvars), dtype=np.int64)
    pos = 0
    for d in range(degree + 1):
        # combinations_with_replacement yields variable multisets in lexicographic order of indices,
        # which is exactly descending lexicographic order of exponent tuples.
        for combo in itertools.combinations_with_replacement(range(nvars), d):
            for var in combo:
                rows[pos, var] += 1
            pos += 1
    assert pos == rows.shape[0]
    return rows


class MonomialBasis:
    """The monomials of degree ``<= degree`` in ``nvars`` variables, with vectorised look-up.

    Parameters
    ----------
    nvars : int
        Number of variables ``n``.
    degree : int
        Largest total degree ``d``. The basis has ``comb(n + d, d)`` elements.

    Examples
    --------
    >>> b = MonomialBasis(2, 2)
    >>> len(b), b.index_of([[1, 1], [0, 0]]).tolist()
    (6, [4, 0])
    """

    def __init__(self, nvars: int, degree: int) -> None:
        self.nvars = int(nvars)
        self.degree = int(degree)
        self.exponents = graded_lex_exponents(self.nvars, self.degree)
        self.exponents.setflags(write=False)
        # Mixed-radix integer keys: exact while radix**nvars fits in int64; otherwise a sorted
        # row table is searched instead (slower but general).
        radix = self.degree + 1
        self._radix_ok = self.nvars * np.log2(max(radix, 2)) < 62
        if self._radix_ok:
            self._weights = radix ** np.arange(self.nvars - 1, -1, -1, dtype=np.int64)
            keys = self.exponents @ self._weights
            self._order = np.argsort(keys, kind="stable")
            self._sorted_keys = keys[self._order]

    def __len__(self) -> int:
        return int(self.exponents.shape[0])

    def __repr__(self) -> str:
        return f"MonomialBasis(nvars={self.nvars}, degree={self.degree}, size={len(self)})"

    def size_of_degree(self, degree: int) -> int:
        """Number of basis elements of total degree ``<= degree`` (a prefix of this basis)."""
        return comb(self.nvars + degree, degree)

    @cached_property
    def degrees(self) -> NDArray[np.int64]:
        return self.exponents.sum(axis=1)

    def index_of(self, exponents: NDArray[np.int64] | list[list[int]]) -> NDArray[np.int64]:
        """Positions of exponent rows in this basis; raises KeyError for a row not in it."""
        rows = np.asarray(exponents, dtype=np.int64).reshape(-1, self.nvars)
        if rows.size and (rows.min() < 0 or rows.sum(axis=1).max() > self.degree):
            raise KeyError(f"{type(self).__name__}: an exponent row is outside the basis of degree {self.degree}")
        if self._radix_ok:
            pos = np.searchsorted(self._sorted_keys, rows @ self._weights)
            return self._order[pos]
        return self._index_by_table(rows)

    def _index_by_table(self, rows: NDArray[np.int64]) -> NDArray[np.int64]:
        both = np.vstack([self.exponents, rows])
        _, first, inverse = np.unique(both, axis=0, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        found = first[inverse[len(self):]]
        if np.any(found >= len(self)):
            raise KeyError(f"{type(self).__name__}: an exponent row is not in the basis")
        return found.astype(np.int64)

    def labels(self, variables: tuple[object, ...] | None = None) -> list[str]:
        """Human-readable monomials, e.g. ``['1', 'x', 'y', 'x^2', 'x*y', 'y^2']``."""
        names = [str(v) for v in variables] if variables is not None else [f"x{i + 1}" for i in range(self.nvars)]
        out = []
        for row in self.exponents:
            factors = [n if e == 1 else f"{n}^{e}" for n, e in zip(names, row) if e]
            out.append("*".join(factors) or "1")
        return out


def _void_keys(rows: NDArray[np.int64]) -> NDArray[np.void]:
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    return rows.view(np.dtype((np.void, 8 * rows.shape[1]))).ravel()


def graded_lex_sort(rows: NDArray[np.int64]) -> NDArray[np.int64]:
    """Unique rows in graded lexicographic order (the convention of :mod:`momentsos.basis`)."""
    rows = np.asarray(rows, dtype=np.int64)
    keys = [-rows[:, j] for j in range(rows.shape[1] - 1, -1, -1)] + [rows.sum(axis=1)]
    rows = rows[np.lexsort(keys)]
    # sorted, so duplicates are neighbours
    keep = np.ones(rows.shape[0], dtype=bool)
    keep[1:] = np.any(rows[1:] != rows[:-1], axis=1)
    return rows[keep]


def _graded_lex_weights(top: int, nvars: int) -> NDArray[np.int64] | None:
    """Weights ``w`` (one per variable, then one for the degree) with ``key(a) = (top - a) . w[:n]
    + deg(a) w[n]`` increasing in graded lex order on rows with entries in ``[0, top]``; None when
    the keys may not fit int64."""
    base = top + 1
    if nvars * math.log2(base) + math.log2(nvars * top + 1) >= 62:
        return None
    return np.array([base**k for k in range(nvars - 1, -1, -1)] + [base**nvars], dtype=np.int64)


class MonomialSet:
    """A finite set of exponent rows (graded lex) with exact vectorised look-up.

    It plays the role of :class:`~momentsos.basis.MonomialBasis` for index sets that are not a
    full basis: the moments of a sparse relaxation. Rows are compared by integer keys that order
    them graded lex where the keys fit int64 (exponents up to ``top``, the largest of the set), else
    as raw bytes, so any number of variables and degrees works.

    Examples
    --------
    >>> s = MonomialSet(np.array([[0, 2], [0, 0], [1, 0]]))
    >>> s.exponents.tolist(), s.index_of([[1, 0], [0, 2]]).tolist(), s.contains([[1, 1], [3, 0]]).tolist()
    ([[0, 0], [1, 0], [0, 2]], [1, 2], [False, False])
    """

    def __init__(self, rows: NDArray[np.int64]) -> None:
        self._build(np.asarray(rows, dtype=np.int64), positions=False)

    @classmethod
    def indexed(cls, rows: NDArray[np.int64]) -> tuple[MonomialSet, NDArray[np.int64]]:
        """The set of ``rows`` and the position of every row in it (one sort for both where the
        integer keys fit)."""
        out = cls.__new__(cls)
        positions = out._build(np.asarray(rows, dtype=np.int64), positions=True)
        assert positions is not None
        return out, positions

    def _build(self, rows: NDArray[np.int64], positions: bool) -> NDArray[np.int64] | None:
        self.nvars = int(rows.shape[1])
        self._top = int(rows.max()) if rows.size else 0
        self._weights = _graded_lex_weights(self._top, self.nvars) if rows.size and rows.min() >= 0 else None
        inverse = None
        if self._weights is not None:
            # sorted unique keys are the graded lex order itself
            self._sorted, first, *inverse = np.unique(self._keys(rows), return_index=True, return_inverse=positions)
            self.exponents = rows[first]
            self._order = None
        else:
            self.exponents = graded_lex_sort(rows) if rows.shape[0] else rows.reshape(0, self.nvars)
            keys = _void_keys(self.exponents)
            self._order = np.argsort(keys, kind="stable")
            self._sorted = keys[self._order]
        self.exponents.setflags(write=False)
        if not positions:
            return None
        return inverse[0].reshape(-1) if inverse else self.index_of(rows)

    def _keys(self, rows: NDArray[np.int64]) -> NDArray[np.int64]:
        assert self._weights is not None
        return (self._top - rows) @ self._weights[:-1] + rows.sum(axis=1) * self._weights[-1]

    def __len__(self) -> int:
        return int(self.exponents.shape[0])

    def __repr__(self) -> str:
        return f"MonomialSet(nvars={self.nvars}, size={len(self)})"

    def _positions(self, rows: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        rows = np.asarray(rows, dtype=np.int64).reshape(-1, self.nvars)
        if not len(self):
            return np.zeros(rows.shape[0], dtype=np.int64), np.zeros(rows.shape[0], dtype=bool)
        if self._weights is not None:
            # a row with an entry outside [0, top] is not in the set (and its key could alias one that is)
            outside = rows.size and (rows.max() > self._top or rows.min() < 0)
            keys = self._keys(np.clip(rows, 0, self._top) if outside else rows)
            pos = np.minimum(np.searchsorted(self._sorted, keys), len(self) - 1)
            found = self._sorted[pos] == keys
            if outside:
                found &= np.all((rows >= 0) & (rows <= self._top), axis=1)
            return pos, found
        keys = _void_keys(rows)
        pos = np.minimum(np.searchsorted(self._sorted, keys), len(self) - 1)
        return self._order[pos], self._sorted[pos] == keys

    def contains(self, rows: NDArray[np.int64] | list[list[int]]) -> NDArray[np.bool_]:
        return self._positions(np.asarray(rows, dtype=np.int64))[1]

    def index_of(self, rows: NDArray[np.int64] | list[list[int]]) -> NDArray[np.int64]:
        """Positions of ``rows``; raises KeyError for a row not in the set."""
        idx, found = self._positions(np.asarray(rows, dtype=np.int64))
        if not np.all(found):
            raise KeyError(f"{type(self).__name__}: an exponent row is not in the set")
        return idx
