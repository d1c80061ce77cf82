"""Solver-free round trips: known atoms -> exact moments -> flatness -> extracted atoms [HL05]."""

import numpy as np
import pytest

from momentsos.basis import MonomialBasis
from momentsos.certify.extraction import (
    ExtractionOutcome,
    column_echelon,
    extract_atoms,
)
from momentsos.certify.flatness import check_flatness
from momentsos.relax.maps import MomentMatrix, moment_matrix_map, moment_vector_of_atoms


def _moment_matrix(points, weights, order, noise=0.0, seed=0):
    n = points.shape[1]
    basis = MonomialBasis(n, 2 * order)
    y = moment_vector_of_atoms(basis, points, weights)
    if noise:
        y = y + noise * np.random.default_rng(seed).standard_normal(y.shape)
    A = moment_matrix_map(basis, order)
    s = int(round(np.sqrt(A.shape[0])))
    M = (A @ y).reshape(s, s)
    return MomentMatrix(0.5 * (M + M.T), MonomialBasis(n, order), order), basis


def _match(found, expected):
    """Max distance after matching points modulo permutation."""
    return max(np.min(np.linalg.norm(found - p, axis=1)) for p in expected)


@pytest.mark.parametrize("rank", [1, 2, 3, 4])
@pytest.mark.parametrize("nvars", [1, 2, 3])
@pytest.mark.parametrize("noise", [0.0, 1e-6])
@pytest.mark.parametrize("method", ["image_space", "echelon"])
def test_round_trip(rank, nvars, noise, method):
    if nvars == 1 and rank > 3:
        pytest.skip("4 distinct atoms in 1 variable need order 5; covered in 2-3 variables")
    rng = np.random.default_rng(100 * rank + nvars)
    points = rng.uniform(-1.5, 1.5, size=(rank, nvars))
    weights = rng.uniform(0.5, 1.5, size=rank)
    weights /= weights.sum()
    M, basis = _moment_matrix(points, weights, order=3 if nvars > 1 or rank < 3 else 4, noise=noise)
    report = check_flatness(M, shift=1)
    assert report.is_flat
    t = report.flat_orders[0]
    assert report.ranks[t] == rank
    ex = extract_atoms(M.truncation(t), basis, rank, t, method=method)
    assert ex.outcome is ExtractionOutcome.OK
    # Noise of 1e-6 on the moments is amplified by the conditioning of the atoms' Vandermonde
    # matrix; the echelon variant reads r rows only and amplifies more.
    tol = 1e-8 if noise == 0 else (1e-3 if method == "image_space" else 1e-2)
    assert _match(ex.points, points) < tol
    order = [np.argmin(np.linalg.norm(ex.points - p, axis=1)) for p in points]
    assert np.allclose(ex.weights[order], weights, atol=10 * tol)


def test_hl05_two_atoms_in_the_plane():
    # [HL05, §2.3]-style case: two atoms, rank 2 from order 2 on.
    points = np.array([[1.0, 2.0], [2.0, 2.0]])
    M, basis = _moment_matrix(points, np.array([0.5, 0.5]), order=2)
    report = check_flatness(M, 1)
    assert report.ranks == (1, 2, 2)
    ex = extract_atoms(M.truncation(2), basis, 2, 2)
    assert _match(ex.points, points) < 1e-10


def test_non_flat_moments_from_a_continuous_measure():
    # Moments of the uniform measure on [-1, 1]: Hankel matrices of full rank, never flat.
    basis = MonomialBasis(1, 6)
    y = np.array([1.0 / (k + 1) if k % 2 == 0 else 0.0 for k in range(7)])
    A = moment_matrix_map(basis, 3)
    M = MomentMatrix((A @ y).reshape(4, 4), MonomialBasis(1, 3), 3)
    assert not check_flatness(M, 1).is_flat


def test_wrong_rank_is_reported_not_raised():
    points = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    M, basis = _moment_matrix(points, np.ones(3) / 3, order=3)
    ex = extract_atoms(M.truncation(2), basis, 5, 2)  # claims more atoms than exist
    assert ex.outcome is not ExtractionOutcome.OK


def test_column_echelon_identity_at_pivots():
    V = np.random.default_rng(1).normal(size=(6, 3))
    U, piv = column_echelon(V)
    assert np.allclose(U[piv], np.eye(3))
    # same column space
    assert np.linalg.matrix_rank(np.hstack([U, V]), tol=1e-9) == 3
