"""The small-size cache of index tables: shared read-only arrays for small sizes, fresh ones above."""

from __future__ import annotations

import numpy as np
import pytest

from momentsos.tables import small_size_cache


def test_small_sizes_share_one_read_only_table_and_large_ones_are_built_afresh():
    built = []

    @small_size_cache(lambda s: s <= 3)
    def pairs(s):
        built.append(s)
        return np.triu_indices(s, k=1)

    first, again = pairs(3), pairs(3)
    assert first is again and built == [3]
    assert not any(a.flags.writeable for a in first)
    with pytest.raises(ValueError):
        first[0][0] = 7  # a caller cannot corrupt what the others share
    big = pairs(5)
    assert pairs(5) is not big and built == [3, 5, 5]
    assert all(a.flags.writeable for a in big)
    assert pairs.__name__ == "pairs"


def test_the_package_tables_agree_with_numpy():
    from momentsos.relax import newton
    from momentsos.sdp import clarabel as clarabel_direct
    from momentsos.basis import graded_lex_exponents

    for s in (1, 4, 130):  # 130: above every cache limit here
        i, j = newton._distinct_pairs(s)
        assert np.array_equal(i, np.triu_indices(s, k=1)[0]) and np.array_equal(j, np.triu_indices(s, k=1)[1])
        row, col = clarabel_direct._triangle(s)
        assert np.all(row <= col) and len(row) == s * (s + 1) // 2
    assert np.array_equal(newton._dense_rows(3, 2), graded_lex_exponents(3, 2))
