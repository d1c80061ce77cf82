import numpy as np
import pytest

from momentsos.basis import MonomialBasis, graded_lex_exponents


def test_graded_lex_order_is_pinned():
    # The one test of the package-wide convention: degree first, then lex with x1 > x2 > x3.
    assert graded_lex_exponents(3, 2).tolist() == [
        [0, 0, 0],
        [1, 0, 0], [0, 1, 0], [0, 0, 1],
        [2, 0, 0], [1, 1, 0], [1, 0, 1], [0, 2, 0], [0, 1, 1], [0, 0, 2],
    ]


@pytest.mark.parametrize("n,d", [(1, 5), (2, 4), (3, 3), (6, 2)])
def test_size_and_index_round_trip(n, d):
    b = MonomialBasis(n, d)
    from math import comb

    assert len(b) == comb(n + d, d)
    assert np.array_equal(b.index_of(b.exponents), np.arange(len(b)))
    assert all(b.size_of_degree(t) == int(np.sum(b.degrees <= t)) for t in range(d + 1))


def test_large_variable_count_uses_table_lookup():
    b = MonomialBasis(40, 3)
    assert not b._radix_ok
    pick = np.arange(0, len(b), 97)
    assert np.array_equal(b.index_of(b.exponents[pick]), pick)


def test_index_of_rejects_monomials_outside_the_basis():
    with pytest.raises(KeyError):
        MonomialBasis(2, 2).index_of([[3, 0]])


def test_labels():
    assert MonomialBasis(2, 2).labels(("x", "y")) == ["1", "x", "y", "x^2", "x*y", "y^2"]
