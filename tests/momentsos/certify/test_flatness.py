import numpy as np

from momentsos.basis import MonomialBasis
from momentsos.certify.flatness import check_flatness
from momentsos.certify.rank import RelativeRankTol
from momentsos.relax.maps import MomentMatrix, moment_matrix_map, moment_vector_of_atoms


def _mm(points, order):
    basis = MonomialBasis(points.shape[1], 2 * order)
    y = moment_vector_of_atoms(basis, points, np.ones(len(points)) / len(points))
    s = len(MonomialBasis(points.shape[1], order))
    return MomentMatrix((moment_matrix_map(basis, order) @ y).reshape(s, s), MonomialBasis(points.shape[1], order), order)


def test_ranks_and_flat_orders_for_two_atoms():
    report = check_flatness(_mm(np.array([[0.0, 1.0], [1.0, 0.5]]), 3), shift=1)
    assert report.ranks == (1, 2, 2, 2)
    assert report.flat_orders == (2, 3) and report.rank == 2 and report.is_flat


def test_shift_two_needs_more_room():
    report = check_flatness(_mm(np.array([[0.0, 1.0], [1.0, 0.5]]), 3), shift=2)
    assert report.flat_orders == (3,)  # rank M_3 = rank M_1; t = 2 compares with M_0 (rank 1)


def test_custom_rank_check_is_used():
    report = check_flatness(_mm(np.array([[0.0, 1.0], [1.0, 0.5]]), 2), 1, RelativeRankTol(1e-6))
    assert report.ranks == (1, 2, 2)
    assert len(report.singular_values) == 3 and len(report.doubts) == 3
