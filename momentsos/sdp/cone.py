"""Cholesky factors and step lengths of the blocks of a PSD cone, one by one and in batches.

The interior-point method (:mod:`momentsos.sdp.ipm`) keeps every iterate's blocks ``S_j`` and
``X_j`` with their Cholesky factors ``L`` and inverses ``L^-1``, and limits each step by the
largest ``alpha`` with ``M + alpha D >= 0``, the smallest eigenvalue of ``L^-1 D L^-T``. A
correlative relaxation has a thousand blocks of order 6 where a dense one has a few: blocks of
one order up to ``BATCH_ORDER`` go through one batched numpy call each.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import scipy.linalg as la
from numpy.typing import NDArray

__all__ = ["BATCH_ORDER", "chol", "inv_chol", "inv_chol_all", "max_step", "max_step_all"]

BATCH_ORDER = 10  # blocks up to this order are factored and stepped in batches


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


def _by_size(mats: Sequence[NDArray[np.float64]]) -> dict[int, list[int]]:
    """Positions of the small matrices (order <= BATCH_ORDER), grouped by order; the others alone."""
    groups: dict[int, list[int]] = {}
    for k, M in enumerate(mats):
        s = M.shape[0]
        groups.setdefault(s if s <= BATCH_ORDER else -1 - k, []).append(k)
    return groups


def inv_chol_all(mats: Sequence[NDArray[np.float64]]) -> list[tuple[NDArray[np.float64], NDArray[np.float64]]] | None:
    """:func:`inv_chol` of every matrix, or None when one of them is not positive definite.

    Small matrices of one order are factored together (a batched Cholesky factorisation and
    triangular inverse): a relaxation with a thousand cliques has a thousand 6 x 6 blocks, whose
    one-by-one factorisations cost far more in calls than in arithmetic.
    """
    out: list[Any] = [None] * len(mats)
    for s, ks in _by_size(mats).items():
        if s < 0 or len(ks) == 1:
            for k in ks:
                out[k] = inv_chol(mats[k])
                if out[k] is None:
                    return None
            continue
        stack = np.stack([mats[k] for k in ks])
        if not np.all(np.isfinite(stack)):
            return None
        try:
            L = np.linalg.cholesky(stack)
        except np.linalg.LinAlgError:
            return None
        Li = np.linalg.inv(L)
        if not np.all(np.isfinite(Li)):
            return None
        Li = np.tril(Li)  # the inverse of a lower triangular matrix is lower triangular
        for j, k in enumerate(ks):
            out[k] = (L[j], Li[j])
    return out


def max_step_all(Lis: Sequence[NDArray[np.float64]], Ds: Sequence[NDArray[np.float64]]) -> tuple[float, int]:
    """The smallest :func:`max_step` over the pairs ``(Lis[k], Ds[k])`` and the ``k`` that attains it
    (small blocks of one order in one batched eigenvalue computation)."""
    best, where = np.inf, 0
    for s, ks in _by_size(Lis).items():
        if s < 0 or len(ks) == 1:
            steps = [max_step(Lis[k], Ds[k]) for k in ks]
            j = int(np.argmin(steps))
            if steps[j] < best:
                best, where = steps[j], ks[j]
            continue
        Li = np.stack([Lis[k] for k in ks])
        W = Li @ np.stack([Ds[k] for k in ks]) @ np.swapaxes(Li, 1, 2)
        if not np.all(np.isfinite(W)):
            return 0.0, ks[0]
        lam = np.linalg.eigvalsh(0.5 * (W + np.swapaxes(W, 1, 2)))[:, 0]
        j = int(np.argmin(lam))
        step = np.inf if lam[j] >= 0 else -1.0 / float(lam[j])
        if step < best:
            best, where = step, ks[j]
    return best, where


def max_step(Li: NDArray[np.float64], D: NDArray[np.float64]) -> float:
    """Largest ``alpha`` with ``M + alpha D >= 0`` where ``Li = L^-1``, ``M = L L^T``."""
    W = Li @ D @ Li.T
    if not np.all(np.isfinite(W)):
        return 0.0
    lam = float(np.linalg.eigvalsh(0.5 * (W + W.T))[0])
    return np.inf if lam >= 0 else -1.0 / lam
