"""Facial reduction of moment matrices by the equality rows: the kernel that equalities force.

With an equality ``h = 0`` the relaxation imposes ``L(h x^a) = 0`` for ``|a| <= 2k - deg h``. For
``|b| <= k - deg h`` the coefficient vector ``v`` of ``h x^b`` in the moment matrix's basis then
satisfies ``(M_k(y) v)_a = L(x^a h x^b) = 0``: every feasible ``M_k(y)`` is singular, the primal has
no interior point (Slater fails), and an interior-point method's dual iterates diverge along
``v v^T`` (on the quartic on the sphere the dual residual grew from 1e-9 to 1e-6 and the steps
collapsed). The known kernel is removed exactly: if ``M K = 0`` for a basis ``K`` of ``d`` vectors
and ``K[p, :]`` is invertible for a set ``p`` of ``d`` rows, then ``W = [e_i (i not in p), K]`` is
invertible and ``W^T M W = diag(M[q, q], 0)`` with ``q`` the other rows, so

.. math::

    M \\succeq 0 \\iff M[q, q] \\succeq 0 \\quad (\\text{when } M K = 0).

Dropping the rows and columns ``p`` keeps the block a 0/1 Hankel-like map (the Schur assembly of
:mod:`momentsos.sdp.schur` applies unchanged), and the reduced dual matrix, padded with zeros, is
a dual matrix of the full block with the same ``A^*(X)``: the SOS certificate is unchanged.

The candidates are read off the maps (an equality row supported on the moments of the block's
first row, the constant monomial's), and each is verified before use: ``M(y) v`` must vanish on
the whole affine set ``{y : E y = 0, y_0 = 1}``, checked against the orthonormal equality system.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as la
import scipy.sparse as sparse
from numpy.typing import NDArray

__all__ = ["reduce_block"]

_KERNEL_TOL = 1e-11  # relative residual of M(y) v on the affine set for a verified kernel vector


def reduce_block(B: sparse.spmatrix, equality: sparse.spmatrix | None, V: NDArray[np.float64],
                 g: NDArray[np.float64]) -> tuple[sparse.csr_matrix, NDArray[np.int64] | None]:
    """``(B', keep)``: the vec map of ``M[keep, keep]`` and the kept rows, or ``(B, None)``.

    ``B`` is an ``(s^2, m)`` row-major vec map of ``M(y)``; ``equality`` the rows ``E y = 0``;
    ``V``, ``g`` the orthonormal system ``V^T z = g`` of the same affine set in ``z = y[1:]``.
    """
    B = sparse.csr_matrix(B, dtype=np.float64)
    s = int(round(np.sqrt(B.shape[0])))
    if equality is None or equality.shape[0] == 0 or V.shape[1] == 0 or s < 2:
        return B, None
    first = B[:s]
    # the first row must hold single moments with coefficient 1 (the constant monomial's row)
    if not (np.all(np.diff(first.indptr) == 1) and np.all(first.data == 1.0)):
        return B, None
    moment_of = first.indices  # column c of the first row holds moment moment_of[c]
    m = B.shape[1]
    position = np.full(m, -1)
    position[moment_of] = np.arange(s)
    if len(np.unique(moment_of)) != s:
        return B, None
    E = sparse.csr_matrix(equality, dtype=np.float64)
    candidates = []
    for r in range(E.shape[0]):
        cols, vals = E.indices[E.indptr[r]:E.indptr[r + 1]], E.data[E.indptr[r]:E.indptr[r + 1]]
        if len(cols) == 0 or np.any(position[cols] < 0):
            continue
        v = np.zeros(s)
        v[position[cols]] = vals
        candidates.append(v / np.abs(v).max())
    if not candidates:
        return B, None
    z0 = V @ g  # a point of the affine set in z
    Bt = B.tocsc()
    kernel = []
    for v in candidates:
        # rows of M(y) v as linear forms in y: L[r, :] = sum_c v_c B[(r, c), :]
        L = sparse.kron(sparse.identity(s, format="csr"), sparse.csr_matrix(v[None, :])) @ Bt
        L = L.toarray()
        L1 = L[:, 1:]
        scale = 1.0 + np.abs(L).max()
        off_affine = np.abs(L1 - (L1 @ V) @ V.T).max()
        at_point = np.abs(L[:, 0] + L1 @ z0).max()
        if max(off_affine, at_point) <= _KERNEL_TOL * scale:
            kernel.append(v)
    if not kernel:
        return B, None
    K = np.array(kernel)  # (d, s)
    # rows to drop: a well-conditioned square part of K, preferring the last (highest-degree) rows
    _, R, piv = la.qr(K[:, ::-1], mode="economic", pivoting=True)
    diag = np.abs(np.diag(R))
    rank = int(np.sum(diag > 1e-8 * diag[0]))
    drop = s - 1 - piv[:rank]
    keep = np.setdiff1d(np.arange(s), drop)
    rows = (keep[:, None] * s + keep[None, :]).ravel()
    return B[rows], keep


def pad_dual(X: NDArray[np.float64], keep: NDArray[np.int64] | None, s: int) -> NDArray[np.float64]:
    """The full ``s x s`` dual matrix of a reduced block (zeros on the dropped rows and columns)."""
    if keep is None:
        return X
    full = np.zeros((s, s))
    full[np.ix_(keep, keep)] = X
    return full
