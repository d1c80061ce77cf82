"""The Schur complement of the interior-point method in :mod:`momentsos.sdp.ipm`, and its solve.

One LMI block ``S = C + A(z)`` (``A(z) = sum_a z_a A_a``, each ``A_a`` symmetric ``s x s``) adds

.. math::

    H[a, b] \\mathrel{+}= \\langle A_a, S^{-1} A_b X \\rangle
    = \\big(P^T (S^{-1} \\otimes X) P\\big)[a, b]

to the Schur complement of the HKM direction, where ``P`` is the block's ``(s^2, n)`` vec map. For
a moment or localizing matrix ``P`` is sparse: a moment matrix has one nonzero per row (entry
``(i, j)`` holds the moment of ``x^{u_i + u_j}``), so the block's work is the ``s^4`` products
``S^{-1}[i, k] X[j, l]`` in any order. Two layouts are used:

* large blocks (the moment matrix): for each column ``b``,
  ``S^{-1} A_b X = (S^{-1}[:, r] * v) @ X[t, :]`` over the few nonzeros ``(r, t, v)`` of ``A_b``
  (``2 s^2 nnz(A_b)`` flops: ``2 s^4`` for a moment matrix), columns with the same number of
  nonzeros stacked into one batched ``matmul`` whose output fits the processor's cache, then
  ``H[:, b] = P^T vec(...)``, a sparse product on that cached slab (the SDPA "F2" formula
  [FKN97] in batched form);
* small blocks (``s <= 10``: localizing matrices of low order): with ``S^{-1} = L_S^{-T} L_S^{-1}``
  and ``X = L_X L_X^T``, ``S^{-1} (x) X = G G^T`` for ``G = L_S^{-T} (x) L_X``, so the blocks that
  touch the same moments add ``W^T W`` with ``W = [(L_S^{-1} (x) L_X^T) P_j]_j``: one symmetric
  product for all of them.

The Newton system ``H dz - V dlambda = r_z``, ``V^T dz = r_e`` (``V`` orthonormal: the equality
rows) is solved with the Cholesky factor of the Jacobi-scaled ``H + V V^T`` (definite also where
only the equality rows pin a moment down) and, for the equality rows, the ``r x r`` Schur
complement ``V^T (H + V V^T)^{-1} V``, which keeps the benign structure of the
ill-conditioning of ``H`` near the optimum (an LU factorisation of the indefinite KKT matrix
does not, and lost the dual residual on quartics on the sphere).

References
----------
[FKN97] K. Fujisawa, M. Kojima, K. Nakata, "Exploiting sparsity in primal-dual interior-point
methods for semidefinite programming", Math. Program. 79, 1997.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import scipy.linalg as la
import scipy.sparse as sparse
from numpy.typing import NDArray

__all__ = ["Block", "SchurAssembler", "NewtonSolver", "chol", "inv_chol", "max_step"]

SMALL_BLOCK = 10  # blocks up to this size use the Kronecker form of their Schur contribution
# doubles per batched product of the column form: the slab S^-1 A_b X of a batch stays in a
# 2-4 MiB cache while it is reduced by P^T (four times faster than 16 MiB slabs at s = 120)
_BATCH_ENTRIES = 150_000


class Block:
    """One LMI block ``S = C + A(z)`` with the precomputed index tables of its Schur contribution."""

    def __init__(self, B: sparse.spmatrix) -> None:
        B = sparse.csc_matrix(B, dtype=np.float64)
        B.sum_duplicates()
        B.eliminate_zeros()
        s2, m = B.shape
        s = int(round(np.sqrt(s2)))
        if s * s != s2:
            raise ValueError(f"Invalid LMI block: {s2} rows is not a square number")
        self.s = s
        C = B[:, 0].toarray().reshape(s, s)
        self.C = 0.5 * (C + C.T)
        A = B[:, 1:].tocsc()
        self.A = A.tocsr()  # vec(A(z)) = A @ z
        self.AT = A.T.tocsr()  # A^*(M) = AT @ vec(M)
        self.col_norms = np.sqrt(np.asarray(A.multiply(A).sum(axis=0)).ravel())
        counts = np.diff(A.indptr)
        self.cols = np.flatnonzero(counts)  # the moments this block touches
        self.small = s <= SMALL_BLOCK
        if self.small:
            self.dense_cols = A[:, self.cols].toarray()  # (s^2, nc)
            return
        self.ATcols = self.AT[self.cols]  # (nc, s^2): <A_a, T> for the touched moments
        self.full = len(self.cols) == A.shape[1]
        # group the columns by their number of nonzeros: one batched product per group and chunk
        self.groups = []
        local = np.arange(len(self.cols))
        k_of = counts[self.cols]
        for k in np.unique(k_of):
            sel = local[k_of == k]
            chunk = max(1, _BATCH_ENTRIES // (s * s + 2 * s * k))
            for start in range(0, len(sel), chunk):
                part = sel[start : start + chunk]
                idx = A.indptr[self.cols[part]][:, None] + np.arange(k)[None, :]
                rows = A.indices[idx]
                self.groups.append((part, rows // s, rows % s, A.data[idx]))

    def apply(self, z: NDArray[np.float64]) -> NDArray[np.float64]:
        M = (self.A @ z).reshape(self.s, self.s)
        return 0.5 * (M + M.T)

    def adjoint(self, M: NDArray[np.float64]) -> NDArray[np.float64]:
        return self.AT @ M.ravel()

    def add_schur(self, H: NDArray[np.float64], Sinv: NDArray[np.float64], X: NDArray[np.float64]) -> None:
        """``H[a, b] += <A_a, Sinv A_b X>`` over the moments this block touches (large blocks)."""
        cols = self.cols
        if len(cols) == 0:
            return
        assert not self.small, "small blocks are assembled by SchurAssembler"
        s2 = self.s * self.s
        for part, r, t, v in self.groups:
            left = np.swapaxes(Sinv[r], 1, 2) * v[:, None, :]  # (nb, s, k)
            T = np.matmul(left, X[t])  # (nb, s, s) = Sinv A_b X
            # <A_a, T> = <A_a, (T + T^T) / 2> as A_a is symmetric: one sparse product on the cached slab
            contrib = self.ATcols @ T.reshape(len(part), s2).T  # (nc, nb)
            if self.full:
                H[:, part] += contrib
            else:
                H[np.ix_(cols, cols[part])] += contrib


class SchurAssembler:
    """Assemble ``H[a, b] = sum_j <A_{j,a}, S_j^-1 A_{j,b} X_j>`` for all blocks (see the module notes)."""

    def __init__(self, blocks: Sequence[Block], n: int) -> None:
        self.n = n
        self.large = [k for k, b in enumerate(blocks) if not b.small]
        groups: dict[bytes, list[int]] = {}
        for k, b in enumerate(blocks):
            if b.small and len(b.cols):
                groups.setdefault(b.cols.tobytes(), []).append(k)
        self.small_groups = [(blocks[ks[0]].cols, ks) for ks in groups.values()]
        self.blocks = blocks

    def assemble(self, Sinv: Sequence[NDArray[np.float64]], LSi: Sequence[NDArray[np.float64]],
                 LX: Sequence[NDArray[np.float64]], X: Sequence[NDArray[np.float64]]) -> NDArray[np.float64]:
        """``H`` from ``S_j^-1``, the inverse Cholesky factors of ``S_j``, the Cholesky factors and values of ``X_j``."""
        H = np.zeros((self.n, self.n))
        for k in self.large:
            self.blocks[k].add_schur(H, Sinv[k], X[k])
        for cols, ks in self.small_groups:
            W = np.vstack([np.kron(LSi[k], LX[k].T) @ self.blocks[k].dense_cols for k in ks])
            if len(cols) == self.n:
                H += W.T @ W
            else:
                H[np.ix_(cols, cols)] += W.T @ W
        return H


def chol(M: NDArray[np.float64], lower: bool = True) -> NDArray[np.float64] | None:
    """The Cholesky factor of ``M``, or None when ``M`` is not (numerically) positive definite."""
    try:
        return la.cholesky(M, lower=lower, check_finite=False)
    except la.LinAlgError:
        return None


def inv_chol(M: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """``(L, L^-1)`` for the Cholesky factor ``M = L L^T``, or None when ``M`` is not positive definite."""
    if not np.all(np.isfinite(M)):
        return None
    L = chol(M)
    if L is None:
        return None
    Li, info = la.lapack.dtrtri(L, lower=1)
    return (L, Li) if info == 0 and np.all(np.isfinite(Li)) else None


def max_step(Li: NDArray[np.float64], D: NDArray[np.float64]) -> float:
    """Largest ``alpha`` with ``M + alpha D >= 0`` where ``Li = L^-1``, ``M = L L^T``."""
    W = Li @ D @ Li.T
    if not np.all(np.isfinite(W)):
        return 0.0
    lam = float(np.linalg.eigvalsh(0.5 * (W + W.T))[0])
    return np.inf if lam >= 0 else -1.0 / lam


class NewtonSolver:
    """Factor ``H`` (and ``V^T H^-1 V``) once per iteration; solve the Newton system with refinement.

    ``H`` is Jacobi-scaled and factored by Cholesky, with a growing diagonal regularisation as
    fallback (reported in ``regularised``); the equality rows enter through the ``r x r`` Schur
    complement ``M = V^T H^{-1} V``. Each solve is refined against the unregularised, unscaled system.
    """

    def __init__(self, H: NDArray[np.float64], V: NDArray[np.float64]) -> None:
        self.H = H
        self.V = V
        diag = np.diag(H)
        d = np.where(np.isfinite(diag) & (diag > 0), np.sqrt(np.abs(diag)), 1.0)
        self.d = d
        self.regularised = 0.0
        self.ok = False
        if not np.all(np.isfinite(H)):
            return
        Hs = H / d[:, None] / d[None, :]
        self.Vs = V / d[:, None]
        if V.shape[1]:
            # H may be singular along moments that only the equality rows pin down (a row dropped
            # by facial reduction): H + V V^T is definite whenever the problem is well posed, and
            # adding V (V^T dz - r_e) = 0 to the first equation leaves the solution unchanged
            Hs = Hs + self.Vs @ self.Vs.T
        reg = 0.0
        while True:
            # the upper factor of a C-ordered matrix is OpenBLAS's fast path
            R = chol(Hs + reg * np.eye(len(d)), lower=False) if reg else chol(Hs, lower=False)
            if R is not None:
                break
            reg = 1e-14 if reg == 0 else reg * 100
            if reg > 1e-4:
                return
        self.regularised = reg
        self.R = R
        self.M = None
        if V.shape[1]:
            self.HiV = la.cho_solve((R, False), self.Vs, check_finite=False)  # Hs^-1 Vs
            M = self.Vs.T @ self.HiV
            M = 0.5 * (M + M.T)
            Mf = chol(M, lower=False)
            self.M = ("chol", Mf) if Mf is not None else ("lu", la.lu_factor(M, check_finite=False))
        self.ok = True

    def _raw(self, b1: NDArray[np.float64], b2: NDArray[np.float64]) -> tuple[NDArray, NDArray]:
        """``(x, mu)`` of ``Hs x - Vs mu = b1``, ``Vs^T x = b2`` (factored as ``(Hs + Vs Vs^T) x - Vs mu = b1 + Vs b2``)."""
        if self.M is None:
            return la.cho_solve((self.R, False), b1, check_finite=False), np.zeros(0)
        x = la.cho_solve((self.R, False), b1 + self.Vs @ b2, check_finite=False)
        rhs = b2 - self.Vs.T @ x
        kind, F = self.M
        mu = la.cho_solve((F, False), rhs, check_finite=False) if kind == "chol" else la.lu_solve(F, rhs, check_finite=False)
        return x + self.HiV @ mu, mu

    def solve(self, rhs_z: NDArray[np.float64], rhs_e: NDArray[np.float64]) -> tuple[NDArray, NDArray]:
        """Return ``(dz, dlambda)`` of ``H dz - V dlambda = rhs_z``, ``V^T dz = rhs_e``."""
        d = self.d
        x, mu = self._raw(rhs_z / d, rhs_e)
        scale = max(np.abs(rhs_z).max(initial=0.0), np.abs(rhs_e).max(initial=0.0)) + 1e-300
        for _ in range(3):  # refinement against the unregularised, unscaled system
            dz = x / d
            r1 = rhs_z - self.H @ dz + self.V @ mu
            r2 = rhs_e - self.V.T @ dz
            if max(np.abs(r1).max(initial=0.0), np.abs(r2).max(initial=0.0)) <= 1e-15 * scale:
                break
            ex, emu = self._raw(r1 / d, r2)
            x, mu = x + ex, mu + emu
        return x / d, mu
