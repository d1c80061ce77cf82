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
* small blocks (``s <= 10``: localizing matrices of low order, the cliques of a correlative
  relaxation): with ``S^{-1} = L_S^{-T} L_S^{-1}`` and ``X = L_X L_X^T``, ``S^{-1} (x) X = G G^T``
  for ``G = L_S^{-T} (x) L_X``, so the blocks that touch the same moments add ``W^T W`` with
  ``W = [(L_S^{-1} (x) L_X^T) P_j]_j``: one symmetric product for all of them. Blocks of one order
  are factored, inverted and stepped in batches, and their Kronecker factors formed together.

Without a large block and without equality rows, a Schur complement of order ``>= SPARSE_ORDER``
whose pattern is sparse (a chained problem's: banded) is kept sparse, ``H = B + U U^T``
(:class:`SparseSchur`), the few small blocks on many moments (the cut of a minimum-trace
re-solve) as the low-rank ``U``; it is factored by SuperLU and the Sherman-Morrison-Woodbury
formula.

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

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import scipy.linalg as la
import scipy.sparse as sparse
from numpy.typing import NDArray
from scipy.sparse.linalg import splu

from .cone import chol

__all__ = ["Block", "SchurAssembler", "SparseSchur", "NewtonSolver"]

SMALL_BLOCK = 10  # blocks up to this size use the Kronecker form of their Schur contribution
SPARSE_ORDER = 1000  # a Schur complement of smaller order is always dense
SPARSE_FILL = 0.05  # ... and of this order or more sparse where its pattern fills less than this
WIDE = 200  # a small block touching more moments joins the low-rank part of a sparse Schur complement
LOW_RANK = 64  # ... which has at most this many columns
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


@dataclass(frozen=True)
class SparseSchur:
    """A Schur complement ``H = B + U U^T``: ``B`` sparse (CSR), ``U`` dense of few columns.

    ``U U^T`` collects the small blocks that touch many moments (the cut ``L(f) <= level`` of a
    minimum-trace re-solve is a 1 x 1 block on every moment of ``f``): each adds ``W^T W`` with
    ``W`` of ``s^2`` rows, a rank-``s^2`` term that would fill ``B``.
    """

    B: sparse.csr_matrix
    U: NDArray[np.float64]

    @property
    def shape(self) -> tuple[int, int]:
        return self.B.shape

    def diagonal(self) -> NDArray[np.float64]:
        return self.B.diagonal() + np.einsum("ij,ij->i", self.U, self.U)

    def __matmul__(self, v: NDArray[np.float64]) -> NDArray[np.float64]:
        return self.B @ v + self.U @ (self.U.T @ v)

    def shifted(self, diagonal: NDArray[np.float64]) -> SparseSchur:
        """The symmetric part of ``B`` plus ``diag(diagonal)``, with the same ``U``."""
        return SparseSchur((0.5 * (self.B + self.B.T) + sparse.diags(diagonal)).tocsr(), self.U)


class SchurAssembler:
    """Assemble ``H[a, b] = sum_j <A_{j,a}, S_j^-1 A_{j,b} X_j>`` for all blocks (see the module notes).

    With ``allow_sparse`` and no large block, ``H`` is a :class:`SparseSchur` when the pattern of
    the small blocks (the union of each block's moments squared) fills under ``SPARSE_FILL`` of an
    ``n x n`` matrix of order ``>= SPARSE_ORDER``, the blocks touching more than ``WIDE`` moments
    set apart as a low-rank term (at most ``LOW_RANK`` columns): the Schur complement of a chained
    problem's correlative relaxation is banded, and a dense one of order 10,000 would take 0.8 GB
    and minutes per factorisation.
    """

    def __init__(self, blocks: Sequence[Block], n: int, allow_sparse: bool = False) -> None:
        self.n = n
        self.large = [k for k, b in enumerate(blocks) if not b.small]
        small = [k for k, b in enumerate(blocks) if b.small and len(b.cols)]
        wide = [k for k in small if len(blocks[k].cols) > WIDE] if allow_sparse else []
        self.sparse = False
        if allow_sparse and not self.large and n >= SPARSE_ORDER and sum(blocks[k].s ** 2 for k in wide) <= LOW_RANK:
            narrow = [k for k in small if k not in set(wide)]
            fill = sparse.csr_matrix((n, n))
            if narrow:
                rows = np.concatenate([np.repeat(blocks[k].cols, len(blocks[k].cols)) for k in narrow])
                cols = np.concatenate([np.tile(blocks[k].cols, len(blocks[k].cols)) for k in narrow])
                fill = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
            self.sparse = fill.nnz + n <= SPARSE_FILL * n * n
        if not self.sparse:
            wide = []
        self.wide = wide
        # the other small blocks batched by (order, number of moments touched)
        by_shape: dict[tuple[int, int], list[int]] = {}
        for k in small:
            if k not in set(wide):
                by_shape.setdefault((blocks[k].s, len(blocks[k].cols)), []).append(k)
        self.small_groups = []
        for ks in by_shape.values():
            # blocks that touch the same moments add into one (nc, nc) tile: sort them together
            cols = np.stack([blocks[k].cols for k in ks])  # (nb, nc)
            tiles, inverse = np.unique(cols, axis=0, return_inverse=True)
            order = np.argsort(inverse.ravel(), kind="stable")
            ks = [ks[i] for i in order]
            starts = np.searchsorted(inverse.ravel()[order], np.arange(len(tiles)))
            nu, nc = tiles.shape
            rows = np.broadcast_to(tiles[:, :, None], (nu, nc, nc)).ravel()
            self.small_groups.append((ks, np.stack([blocks[k].dense_cols for k in ks]), starts, tiles, rows,
                                      np.broadcast_to(tiles[:, None, :], (nu, nc, nc)).ravel()))
        self.blocks = blocks

    def assemble(self, Sinv: Sequence[NDArray[np.float64]], LSi: Sequence[NDArray[np.float64]],
                 LX: Sequence[NDArray[np.float64]], X: Sequence[NDArray[np.float64]]) -> NDArray[np.float64] | SparseSchur:
        """``H`` from ``S_j^-1``, the inverse Cholesky factors of ``S_j``, the Cholesky factors and values
        of ``X_j``: dense, or a :class:`SparseSchur` where ``self.sparse``."""
        tiles = []
        for ks, P, starts, cols, _, _ in self.small_groups:
            W = _kron_factor([LSi[k] for k in ks], [LX[k] for k in ks]) @ P  # (nb, s^2, nc)
            if len(starts) < len(ks):  # tiles shared by several blocks: one product per tile
                ends = [*starts[1:], len(ks)]
                G = np.stack([Wt.T @ Wt for Wt in (W[a:b].reshape(-1, W.shape[2]) for a, b in zip(starts, ends))])
            else:
                G = np.matmul(np.ascontiguousarray(np.swapaxes(W, 1, 2)), W)
            tiles.append((cols, G))
        if self.sparse:
            if tiles:
                rows = np.concatenate([g[4] for g in self.small_groups])
                cols = np.concatenate([g[5] for g in self.small_groups])
                values = np.concatenate([G.ravel() for _, G in tiles])
                B = sparse.csr_matrix((values, (rows, cols)), shape=(self.n, self.n))
            else:
                B = sparse.csr_matrix((self.n, self.n))
            U = np.zeros((self.n, sum(self.blocks[k].s ** 2 for k in self.wide)))
            at = 0
            for k in self.wide:
                b = self.blocks[k]
                W = _kron_factor([LSi[k]], [LX[k]])[0] @ b.dense_cols  # (s^2, nc): W^T W is its term
                U[b.cols, at : at + W.shape[0]] = W.T
                at += W.shape[0]
            return SparseSchur(B, U)
        H = np.zeros((self.n, self.n))
        for k in self.large:
            self.blocks[k].add_schur(H, Sinv[k], X[k])
        flat = H.reshape(-1)
        for (cols, G), group in zip(tiles, self.small_groups):
            if len(cols) <= 64:
                for c, g in zip(cols, G):
                    H[np.ix_(c, c)] += g
            else:  # many tiles (one per clique): one scattered sum (tiles of one group may overlap)
                np.add.at(flat, group[4] * self.n + group[5], G.ravel())
        return H


def _kron_factor(LSi: Sequence[NDArray[np.float64]], LX: Sequence[NDArray[np.float64]]) -> NDArray[np.float64]:
    """``kron(L_S^-1, L_X^T)`` for each pair, stacked: ``S^-1 (x) X = G^T G`` with this ``G``."""
    A = np.stack(LSi)
    B = np.swapaxes(np.stack(LX), 1, 2)
    nb, t = A.shape[0], A.shape[1]
    return (A[:, :, None, :, None] * B[:, None, :, None, :]).reshape(nb, t * t, t * t)


class NewtonSolver:
    """Factor ``H`` (and ``V^T H^-1 V``) once per iteration; solve the Newton system with refinement.

    ``H`` is Jacobi-scaled and factored by Cholesky, with a growing diagonal regularisation as
    fallback (reported in ``regularised``); the equality rows enter through the ``r x r`` Schur
    complement ``M = V^T H^{-1} V``. Each solve is refined against the unregularised, unscaled system.
    """

    def __init__(self, H: NDArray[np.float64] | SparseSchur, V: NDArray[np.float64]) -> None:
        self.H = H
        self.V = V
        diag = H.diagonal() if isinstance(H, SparseSchur) else np.diag(H)
        d = np.where(np.isfinite(diag) & (diag > 0), np.sqrt(np.abs(diag)), 1.0)
        self.d = d
        self.regularised = 0.0
        self.ok = False
        if isinstance(H, SparseSchur):
            if V.shape[1]:
                raise ValueError("a sparse Schur complement takes no equality rows")
            self.M = None
            self.ok = self._factor_sparse(H, d)
            return
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
        self._solve_scaled = lambda b: la.cho_solve((R, False), b, check_finite=False)
        self.M = None
        if V.shape[1]:
            self.HiV = la.cho_solve((R, False), self.Vs, check_finite=False)  # Hs^-1 Vs
            M = self.Vs.T @ self.HiV
            M = 0.5 * (M + M.T)
            Mf = chol(M, lower=False)
            self.M = ("chol", Mf) if Mf is not None else ("lu", la.lu_factor(M, check_finite=False))
        self.ok = True

    def _factor_sparse(self, H: SparseSchur, d: NDArray[np.float64]) -> bool:
        """Factor the Jacobi-scaled ``H = B + U U^T``: ``B`` by SuperLU in symmetric mode (no
        pivoting off the diagonal, a fill-reducing order of ``B + B^T``; all pivots positive means
        ``B`` is positive definite), ``U U^T`` by the Sherman-Morrison-Woodbury formula with the
        Cholesky factor of ``I + U^T B^-1 U``. The same growing regularisation of ``B`` as the dense
        path (the refinement in :meth:`solve` runs against the unregularised ``H``)."""
        if not (np.all(np.isfinite(H.B.data)) and np.all(np.isfinite(H.U))):
            return False
        scale = sparse.diags(1.0 / d)
        Bs = (scale @ H.B @ scale).tocsc()
        Us = H.U / d[:, None]
        eye = sparse.identity(H.shape[0], format="csc")
        reg = 0.0
        while True:
            try:
                lu = splu(Bs + reg * eye if reg else Bs, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                          options={"SymmetricMode": True})
                pivots = lu.U.diagonal()
                if np.all(np.isfinite(pivots)) and np.all(pivots > 0):
                    break
            except RuntimeError:  # an exactly singular factor
                pass
            reg = 1e-14 if reg == 0 else reg * 100
            if reg > 1e-4:
                return False
        self.regularised = reg
        if Us.shape[1] == 0:
            self._solve_scaled = lu.solve
            return True
        BiU = lu.solve(Us)
        F = chol(np.eye(Us.shape[1]) + Us.T @ BiU, lower=False)
        if F is None or not np.all(np.isfinite(BiU)):
            return False

        def solve(b: NDArray[np.float64]) -> NDArray[np.float64]:
            x = lu.solve(b)
            return x - BiU @ la.cho_solve((F, False), Us.T @ x, check_finite=False)

        self._solve_scaled = solve
        return True

    def _raw(self, b1: NDArray[np.float64], b2: NDArray[np.float64]) -> tuple[NDArray, NDArray]:
        """``(x, mu)`` of ``Hs x - Vs mu = b1``, ``Vs^T x = b2`` (factored as ``(Hs + Vs Vs^T) x - Vs mu = b1 + Vs b2``)."""
        if self.M is None:
            return self._solve_scaled(b1), np.zeros(0)
        x = self._solve_scaled(b1 + self.Vs @ b2)
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
