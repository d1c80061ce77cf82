"""Monomial bases in graded lexicographic order.

Convention, stated once for the whole package: monomials of degree at most ``d`` in ``n`` variables
are ordered by total degree first (the constant monomial first), and within one degree
lexicographically with ``x1 > x2 > ... > xn``. For ``n = 2, d = 2`` the order is
``1, x1, x2, x1**2, x1*x2, x2**2``. Exponents are ``tuple[int, ...]`` rows aligned with the
problem's variables.
"""

from __future__ import annotations

import itertools
from functools import cached_property
from math import comb

import numpy as np
from numpy.typing import NDArray

__all__ = ["MonomialBasis", "graded_lex_exponents"]


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
