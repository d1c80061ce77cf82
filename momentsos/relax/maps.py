"""Moment and localizing matrices as sparse linear maps of the moment vector.

Notation (Lasserre 2001): ``y = (y_a)`` is indexed by the monomials of degree ``<= 2k`` of
:class:`~momentsos.basis.MonomialBasis` (graded lex). For a basis ``B_t`` of degree ``t``,

* the moment matrix ``M_t(y)[a, b] = y_{a+b}`` for ``a, b`` in ``B_t``;
* the localizing matrix of ``g = sum_c g_c x^c`` is ``L_g(y)[a, b] = sum_c g_c y_{a+b+c}`` over
  ``B_{t - ceil(deg g / 2)}``;
* the equality rows of ``h`` are ``L(h x^a) = sum_c h_c y_{a+c} = 0`` for ``|a| <= 2t - deg h``.

Each is returned as a ``scipy.sparse.csr_matrix`` ``A`` with ``vec(M) = A @ y`` (row-major vec),
built from integer exponent tables in one vectorised pass: no per-entry Python loop.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sparse
from numpy.typing import NDArray

from ..basis import MonomialBasis
from ..polynomial import Polynomial

__all__ = [
    "moment_matrix_map",
    "localizing_matrix_map",
    "equality_rows_map",
    "MomentMatrix",
    "moment_vector_of_atoms",
    "uniform_rows_map",
    "tiled",
    "stack_rows",
    "no_rows",
]


INT32_MAX = int(np.iinfo(np.int32).max)
"""Largest index stored as int32 in the sparse maps (read once: ``np.iinfo`` costs microseconds a call)."""


def uniform_rows_map(columns: NDArray[np.int64], values: NDArray[np.float64], shape: tuple[int, int]) -> sparse.csr_matrix:
    """The CSR matrix whose row ``r`` holds ``values[r q:(r + 1) q]`` at ``columns[r q:(r + 1) q]``
    (``q = len(columns) / shape[0]``; the caller guarantees distinct columns within a row, which
    is not checked): the shape of every map of this module, built from its arrays directly, without
    scipy's COO conversion. Column indices are not sorted within rows (scipy and the solvers accept that)."""
    per_row = len(columns) // shape[0] if shape[0] else 0
    # int32 indices where they fit: scipy otherwise checks int64 ones for a downcast on every build
    index = np.int32 if max(len(columns), shape[1]) < INT32_MAX else np.int64
    indptr = np.arange(shape[0] + 1, dtype=index) * per_row
    return sparse.csr_matrix((values, np.asarray(columns, dtype=index), indptr), shape=shape)


def tiled(coefficients: NDArray[np.float64], times: int) -> NDArray[np.float64]:
    """``coefficients`` repeated ``times`` times end to end, a new writable array: the values of a
    :func:`uniform_rows_map` whose rows all carry the same coefficients (``np.tile`` of a 1-d array,
    without its Python overhead)."""
    out = np.empty((times, coefficients.shape[0]))
    out[:] = coefficients
    return out.reshape(-1)


def stack_rows(blocks: list[sparse.csr_matrix], ncols: int) -> sparse.csr_matrix:
    """The rows of ``blocks`` stacked (the equality maps of a relaxation); a block alone is returned
    as is, and no blocks give the empty ``(0, ncols)`` map of :func:`no_rows`."""
    if len(blocks) == 1:
        return blocks[0]
    if not blocks:
        return no_rows(ncols)
    return sparse.vstack(blocks, format="csr")


@functools.lru_cache(maxsize=16)
def no_rows(ncols: int) -> sparse.csr_matrix:
    """The empty ``(0, ncols)`` map (the equality map of a problem without equalities), cached:
    scipy's checks of a new one cost a tenth of a small relaxation's assembly, and sharing it is safe
    since it has no entries to change."""
    return uniform_rows_map(np.zeros(0, dtype=np.int64), np.zeros(0), (0, ncols))


def moment_matrix_map(moment_basis: MonomialBasis, order: int) -> sparse.csr_matrix:
    """Sparse ``A`` with ``vec(M_order(y)) = A @ y``; shape ``(s*s, len(moment_basis))``.

    Examples
    --------
    >>> A = moment_matrix_map(MonomialBasis(1, 2), 1)
    >>> (A @ np.array([1.0, 2.0, 5.0])).reshape(2, 2).tolist()
    [[1.0, 2.0], [2.0, 5.0]]
    """
    return localizing_matrix_map(moment_basis, order, Polynomial.constant(1.0, moment_basis.nvars))


def localizing_matrix_map(moment_basis: MonomialBasis, order: int, g: Polynomial) -> sparse.csr_matrix:
    """Sparse ``A`` with ``vec(L_g(y)) = A @ y`` for the localizing matrix of ``g`` at ``order``.

    The row basis is ``B_{order - ceil(deg g / 2)}``; ``g = 1`` gives the moment matrix.
    """
    half = order - (g.degree + 1) // 2
    if half < 0:
        raise ValueError(f"localizing_matrix_map: order {order} is below ceil(deg g / 2) = {(g.degree + 1) // 2}")
    rows_basis = moment_basis.exponents[: moment_basis.size_of_degree(half)]
    s = rows_basis.shape[0]
    pair = (rows_basis[:, None, :] + rows_basis[None, :, :]).reshape(s * s, 1, -1)
    shifted = (pair + g.exponents[None, :, :]).reshape(-1, moment_basis.nvars)
    cols = moment_basis.index_of(shifted)
    return uniform_rows_map(cols, tiled(g.coefficients, s * s), (s * s, len(moment_basis)))


def equality_rows_map(moment_basis: MonomialBasis, order: int, h: Polynomial) -> sparse.csr_matrix:
    """Sparse ``A`` with rows ``L(h x^a)`` for every ``|a| <= 2*order - deg h`` (``A @ y = 0``)."""
    free = 2 * order - h.degree
    if free < 0:
        raise ValueError(f"equality_rows_map: 2*order = {2 * order} is below deg h = {h.degree}")
    multipliers = moment_basis.exponents[: moment_basis.size_of_degree(free)]
    r = multipliers.shape[0]
    shifted = (multipliers[:, None, :] + h.exponents[None, :, :]).reshape(-1, moment_basis.nvars)
    cols = moment_basis.index_of(shifted)
    return uniform_rows_map(cols, tiled(h.coefficients, r), (r, len(moment_basis)))


def moment_vector_of_atoms(
    moment_basis: MonomialBasis, points: NDArray[np.float64], weights: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Moments ``y_a = sum_i w_i x_i^a`` of the atomic measure ``sum_i w_i delta_{x_i}``."""
    pts = np.atleast_2d(np.asarray(points, dtype=np.float64))
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    monomials = np.prod(pts[:, None, :] ** moment_basis.exponents[None, :, :], axis=2)
    return w @ monomials


@dataclass(frozen=True)
class MomentMatrix:
    """A moment matrix ``M_k(y)`` together with its basis labels (graded lex).

    Attributes
    ----------
    values : ndarray, shape (s, s)
        The numeric moment matrix.
    basis : MonomialBasis
        The monomial basis of degree ``order`` labelling rows and columns.
    order : int
        The relaxation order ``k``.
    """

    values: NDArray[np.float64]
    basis: MonomialBasis
    order: int

    def truncation(self, t: int) -> NDArray[np.float64]:
        """The leading block ``M_t(y)`` (rows/columns of degree ``<= t``)."""
        s = self.basis.size_of_degree(t)
        return self.values[:s, :s]

    def __repr__(self) -> str:
        return f"MomentMatrix(order={self.order}, shape={self.values.shape})"
