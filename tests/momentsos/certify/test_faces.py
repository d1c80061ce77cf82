"""Forced faces: the Gram entries an identity fixes, the singular blocks they form, and what Q u = 0 pins."""

from __future__ import annotations

import numpy as np
import pytest

from momentsos.certify.exact import ProofFailure, rational
from momentsos.certify.faces import fixed_sets, float_kernel, pin_exact


def _cells(pairs):
    return np.array([(i, k, a) for a, (i, k) in enumerate(pairs)], dtype=np.int64).reshape(-1, 3)


def test_the_fixed_sets_are_the_maximal_cliques_of_fixed_entries():
    # rows 0..3 with fixed diagonals; fixed entries (0,1), (1,2), (0,2), (2,3): cliques {0,1,2}, {2,3}
    pairs = [(0, 0), (1, 1), (2, 2), (3, 3), (0, 1), (1, 2), (0, 2), (2, 3)]
    assert sorted(fixed_sets(_cells(pairs))) == [(0, 1, 2), (2, 3)]
    # an off-diagonal entry whose rows' diagonals are not fixed makes no set
    assert fixed_sets(_cells([(0, 0), (0, 1)])) == []


def test_the_rosenbrock_face_is_found_and_pins_the_rows_outside_it():
    # basis (1, x, y, x^2); fixed: (y,y) = 100, (x^2,x^2) = 100, (y,x^2) = -200/2, (1,y) = 0, (x,y) = 0
    coefficient = {0: 100.0, 1: 100.0, 2: -200.0, 3: 0.0, 4: 0.0}
    cells = np.array([(2, 2, 0), (3, 3, 1), (2, 3, 2), (0, 2, 3), (1, 2, 4)], dtype=np.int64)
    target = np.array([coefficient[a] for a in range(5)])
    K = float_kernel(cells, 4, target)
    assert K.shape == (4, 1) and np.allclose(np.abs(K[:, 0]), [0, 0, 2**-0.5, 2**-0.5])
    gram = [[rational(v) for v in row] for row in
            [[1.0, -1.0, 0.0, -1.7e-4], [-1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 99.0, -99.0], [-1.7e-4, 0.0, -99.0, 99.5]]]
    pinned = pin_exact(gram, cells, lambda a: rational(coefficient[a]))
    # the fixed entries, then Q u = 0 on rows 1 and x: Q[1, x^2] = -Q[1, y] = 0, Q[x, x^2] = -Q[x, y] = 0
    assert gram[2][2] == gram[3][3] == 100 and gram[2][3] == gram[3][2] == -100
    assert gram[0][3] == gram[3][0] == 0 and gram[1][3] == 0
    assert {(0, 3), (1, 3), (2, 3), (0, 2)} <= pinned
    assert all(sum(gram[i][k] for k in (2, 3)) == 0 for i in range(4))


def test_fixed_entries_that_contradict_the_face_are_a_proof_failure():
    # (y, x^2) singular with kernel (1, 1), but the identity fixes Q[1,y] = 1 and Q[1,x^2] = 0: Q u != 0
    coefficient = {0: 1.0, 1: 1.0, 2: -2.0, 3: 2.0, 4: 0.0}
    cells = np.array([(1, 1, 0), (2, 2, 1), (1, 2, 2), (0, 1, 3), (0, 2, 4)], dtype=np.int64)
    gram = [[rational(0)] * 3 for _ in range(3)]
    gram[0][0] = rational(5)  # row 0 lives, its diagonal is not fixed
    with pytest.raises(ProofFailure, match="contradict"):
        pin_exact(gram, cells, lambda a: rational(coefficient[a]))


def test_a_nonsingular_fixed_block_has_no_kernel():
    cells = np.array([(0, 0, 0), (1, 1, 1), (0, 1, 2)], dtype=np.int64)
    assert float_kernel(cells, 2, np.array([2.0, 2.0, 2.0])).shape == (2, 0)
