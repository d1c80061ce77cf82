"""Extraction of atoms (global minimizers) from a flat moment matrix.

Two stages, each replaceable: the *support* stage finds the points, the *weight* stage fits their
weights to the moments by least squares.

* rank 1: the point is the vector of first-order moments ``(y_{e_1}, ..., y_{e_n})``.
* rank r > 1: Henrion & Lasserre (2005) ("echelon"): factor ``M_t = V V^T`` (``V`` of rank r), reduce ``V`` to
  column echelon form ``U`` (Gaussian elimination with pivoting, graded-lex pivot order, so the
  pivots are the r lowest independent monomials ``w``), read the multiplication matrices ``N_i``
  with ``N_i w(x) = x_i w(x)`` off the rows of ``U`` indexed by ``x_i w``, and take the ordered
  Schur form of a random convex combination ``sum_i lambda_i N_i = Q T Q^*``; then
  ``x_i^{(j)} = q_j^* N_i q_j`` [HL05, §2.3; Corless-Gianni-Trager 1997]. The default variant
  ("image_space") forms the same ``N_i`` by least squares on an orthonormal basis of the column
  space, which is less sensitive to noisy moments (see :func:`extract_atoms`).

References
----------
[HL05] D. Henrion, J.-B. Lasserre, "Detecting global optimality and extracting solutions in
GloptiPoly", in Positive Polynomials in Control, LNCIS 312, Springer, 2005.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
from numpy.typing import NDArray

from ..basis import MonomialBasis

__all__ = ["ExtractionOutcome", "Extraction", "extract_atoms", "column_echelon", "fit_weights"]


class ExtractionOutcome(enum.Enum):
    """Why extraction succeeded or stopped; replaces a silent ``None``."""

    OK = "ok"
    NOT_FLAT = "not_flat"
    RANK_AMBIGUOUS = "rank_ambiguous"
    NOT_ZERO_DIMENSIONAL = "not_zero_dimensional"
    NO_VALID_WEIGHTS = "no_valid_weights"
    ATOMS_INFEASIBLE = "atoms_infeasible"
    NOT_ATTEMPTED = "not_attempted"


@dataclass(frozen=True)
class Extraction:
    """Points and weights extracted at truncation order ``t``; ``outcome`` says whether it worked."""

    outcome: ExtractionOutcome
    points: NDArray[np.float64]
    weights: NDArray[np.float64]
    order: int | None = None
    detail: str = ""

    @classmethod
    def not_attempted(cls, nvars: int) -> Extraction:
        """No points: extraction was not tried (yet)."""
        return cls(ExtractionOutcome.NOT_ATTEMPTED, np.zeros((0, nvars)), np.zeros(0))


def column_echelon(
    V: NDArray[np.float64], pivot_tol: float = 1e-6
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Reduced column echelon form of ``V`` (s x r) and its pivot rows.

    Returns ``U`` (s x r) spanning the columns of ``V`` with ``U[pivots] = I`` and the r pivot rows,
    chosen greedily top-down (graded-lex order) with the largest remaining entry as pivot; entries
    below ``pivot_tol`` times the largest entry are treated as zero.

    Examples
    --------
    >>> U, piv = column_echelon(np.array([[1.0], [2.0], [4.0]]))
    >>> U.ravel().tolist(), piv.tolist()
    ([1.0, 2.0, 4.0], [0])
    """
    A = np.array(V, dtype=np.float64).T  # r x s: row echelon of V^T is column echelon of V
    r, s = A.shape
    scale = np.abs(A).max() if A.size else 0.0
    pivots: list[int] = []
    row = 0
    for col in range(s):
        if row == r:
            break
        candidate = row + int(np.argmax(np.abs(A[row:, col])))
        if abs(A[candidate, col]) <= pivot_tol * scale:
            A[row:, col] = 0.0
            continue
        A[[row, candidate]] = A[[candidate, row]]
        A[row] /= A[row, col]
        others = np.arange(r) != row
        A[others] -= np.outer(A[others, col], A[row])
        pivots.append(col)
        row += 1
    return A[: len(pivots)].T.copy(), np.array(pivots, dtype=np.int64)


def fit_weights(
    points: NDArray[np.float64], basis_exponents: NDArray[np.int64], first_column: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Least-squares weights ``w`` with ``sum_j w_j b(x_j) = M_t[:, 0]`` (``b`` the monomial basis)."""
    vander = np.prod(points[None, :, :] ** basis_exponents[:, None, :], axis=2)  # s x r
    weights, *_ = np.linalg.lstsq(vander, first_column, rcond=None)
    return weights


def _factor(matrix: NDArray[np.float64], rank: int) -> NDArray[np.float64]:
    vals, vecs = np.linalg.eigh(0.5 * (matrix + matrix.T))
    top = np.argsort(vals)[::-1][:rank]
    return vecs[:, top] * np.sqrt(np.maximum(vals[top], 0.0))


def _multiplication_matrices(
    moment_block: NDArray[np.float64],
    exps: NDArray[np.int64],
    rank: int,
    order: int,
    n: int,
    method: str,
    pivot_tol: float,
) -> tuple[list[NDArray[np.float64]] | None, ExtractionOutcome, str]:
    """Matrices ``N_i`` (r x r) sharing the eigenvectors of the atoms, ``N_i c_j = x_i^{(j)} c_j``."""
    lookup = MonomialBasis(n, order)
    if method == "echelon":
        U, pivots = column_echelon(_factor(moment_block, rank), pivot_tol)
        if len(pivots) != rank:
            return None, ExtractionOutcome.RANK_AMBIGUOUS, f"echelon form found {len(pivots)} pivots for rank {rank}"
        pivot_exps = exps[pivots]
        if pivot_exps.sum(axis=1).max() >= order:
            detail = "a basis monomial has degree t; the multiplication matrices are not defined"
            return None, ExtractionOutcome.NOT_ZERO_DIMENSIONAL, detail
        mult = []
        for i in range(n):
            shifted = pivot_exps.copy()
            shifted[:, i] += 1
            mult.append(U[lookup.index_of(shifted)])  # N_i w = x_i w
        return mult, ExtractionOutcome.OK, ""
    if method != "image_space":
        raise ValueError(f"extract_atoms: method must be 'image_space' or 'echelon'; got {method!r}")
    vals, vecs = np.linalg.eigh(0.5 * (moment_block + moment_block.T))
    V = vecs[:, np.argsort(vals)[::-1][:rank]]  # orthonormal basis of the column space
    low = lookup.size_of_degree(order - 1)
    V_lo = V[:low]
    sv = np.linalg.svd(V_lo, compute_uv=False)
    if sv.size < rank or sv[-1] < 1e-8 * sv[0]:
        detail = "rows of degree < t do not span the column space (rank of M_{t-1} below r)"
        return None, ExtractionOutcome.RANK_AMBIGUOUS, detail
    pinv = np.linalg.pinv(V_lo)
    mult = []
    for i in range(n):
        shifted = exps[:low].copy()
        shifted[:, i] += 1
        mult.append(pinv @ V[lookup.index_of(shifted)])
    return mult, ExtractionOutcome.OK, ""


def extract_atoms(
    moment_block: NDArray[np.float64],
    basis: MonomialBasis,
    rank: int,
    order: int,
    rng: np.random.Generator | None = None,
    pivot_tol: float = 1e-6,
    method: str = "image_space",
) -> Extraction:
    """Extract ``rank`` atoms from the flat truncation ``M_order`` (rows labelled by ``basis``).

    Parameters
    ----------
    moment_block : ndarray (s, s)
        ``M_t(y)``, the truncation at ``t = order`` (graded lex, constant first).
    basis : MonomialBasis
        A basis of degree ``>= order``; its first ``s`` exponents label the rows of ``moment_block``.
    rank : int
        The rank r of ``M_t``: the number of atoms.
    order : int
        The truncation order ``t``.
    rng : numpy Generator, optional
        Source of the random convex combination (seed it for reproducibility).
    pivot_tol : float
        Echelon pivot threshold (method "echelon").
    method : {"image_space", "echelon"}
        How the multiplication matrices are formed. "echelon" is [HL05]: the reduced column echelon
        form of a factor of ``M_t``, reading r pivot rows exactly. "image_space" (default) takes an
        orthonormal basis ``V`` of the column space and solves ``V_lo N_i = V_i`` in the least-squares
        sense over *all* rows of degree ``< t`` (``V_i``: rows of ``x_i`` times them); it uses every
        row instead of r pivots and is markedly less sensitive to noise in the moments.
    """
    n = basis.nvars
    s = moment_block.shape[0]
    exps = basis.exponents[:s]
    empty = Extraction(ExtractionOutcome.NOT_ZERO_DIMENSIONAL, np.zeros((0, n)), np.zeros(0), order)
    if rank < 1:
        return empty
    if rank == 1:
        point = moment_block[0, 1 : n + 1] / moment_block[0, 0]
        return Extraction(ExtractionOutcome.OK, point[None, :], np.array([moment_block[0, 0]]), order)
    rng = rng or np.random.default_rng(0)
    mult, outcome, detail = _multiplication_matrices(moment_block, exps, rank, order, n, method, pivot_tol)
    if mult is None:
        return Extraction(outcome, np.zeros((0, n)), np.zeros(0), order, detail)
    lam = rng.random(n)
    lam /= lam.sum()
    combo = sum(l * N for l, N in zip(lam, mult))
    _, Q = sla.schur(combo, output="complex")
    coords = np.array([[np.vdot(Q[:, j], N @ Q[:, j]) for N in mult] for j in range(rank)])
    imag = np.abs(coords.imag).max()
    if imag > 1e-6 * max(1.0, np.abs(coords.real).max()):
        return Extraction(
            ExtractionOutcome.NOT_ZERO_DIMENSIONAL, np.zeros((0, n)), np.zeros(0), order,
            f"multiplication matrices have complex eigenvalues (imaginary part {imag:.2e})",
        )
    points = coords.real
    weights = fit_weights(points, exps, moment_block[:, 0])
    if np.any(weights <= 0) or not np.all(np.isfinite(weights)):
        return Extraction(
            ExtractionOutcome.NO_VALID_WEIGHTS, points, weights, order, f"weights {np.round(weights, 6).tolist()}"
        )
    return Extraction(ExtractionOutcome.OK, points, weights, order)
