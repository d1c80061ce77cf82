import numpy as np
import pytest

from momentsos.certify.rank import (
    AbsoluteRankTol,
    LargestGapRank,
    RelativeRankTol,
    singular_values,
)


@pytest.mark.parametrize(
    "values,expected",
    [
        ([1.0, 0.5, 1e-9, 1e-10], 2),     # clean gap
        ([3.0, 1e-4, 1e-12], 2),          # small but genuine singular value, then noise
        ([1.0, 0.3, 0.05, 0.01], 4),      # no sharp drop: full rank, with high doubt
        ([5.0], 1),
        ([0.0, 0.0], 0),
    ],
)
def test_largest_gap(values, expected):
    assert LargestGapRank()(values).rank == expected


def test_doubt_is_small_for_clean_gap_and_large_for_ambiguous():
    assert LargestGapRank()([1.0, 1e-9]).doubt < 1e-6
    assert LargestGapRank()([1.0, 0.3, 0.05]).doubt > 0.1


def test_relative_and_absolute():
    sv = [10.0, 2.0, 3e-7, 1e-9]
    assert RelativeRankTol(1e-6)(sv).rank == 2
    assert RelativeRankTol(1e-9)(sv).rank == 3
    assert AbsoluteRankTol(1e-6)(sv).rank == 2


def test_strategies_disagree_where_they_should():
    # A well-separated but tiny genuine value: relative tolerance drops it, the gap rule keeps it.
    sv = [1.0, 1e-5, 1e-14]
    assert RelativeRankTol(1e-4)(sv).rank == 1
    assert LargestGapRank()(sv).rank == 2


def test_invalid_singular_values_raise():
    with pytest.raises(ValueError):
        LargestGapRank()([1.0, np.nan])


def test_singular_values_of_psd_matrix():
    M = np.diag([3.0, 1.0, 0.0])
    assert np.allclose(singular_values(M), [3.0, 1.0, 0.0])
