import numpy as np
import pytest
import sympy as sp

from momentsos.basis import MonomialBasis
from momentsos.polynomial import Polynomial
from momentsos.relax.maps import (
    equality_rows_map,
    localizing_matrix_map,
    moment_matrix_map,
    moment_vector_of_atoms,
    stack_rows,
    tiled,
    uniform_rows_map,
)

x, y = sp.symbols("x y")


def _matrix(A, moments):
    s = int(round(np.sqrt(A.shape[0])))
    return (A @ moments).reshape(s, s)


def test_univariate_hankel_by_hand():
    basis = MonomialBasis(1, 4)
    m = np.arange(1.0, 6.0)  # y_0..y_4 = 1..5
    assert _matrix(moment_matrix_map(basis, 2), m).tolist() == [[1, 2, 3], [2, 3, 4], [3, 4, 5]]


def test_bivariate_moment_matrix_by_hand():
    basis = MonomialBasis(2, 2)  # 1, x, y, x^2, xy, y^2
    m = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert _matrix(moment_matrix_map(basis, 1), m).tolist() == [[1, 2, 3], [2, 4, 5], [3, 5, 6]]


def test_localizing_matrix_by_hand():
    basis = MonomialBasis(1, 4)
    m = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    g = Polynomial.from_sympy(1 - x**2, (x,))  # L_g[a, b] = y_{a+b} - y_{a+b+2}, rows 1, x
    assert _matrix(localizing_matrix_map(basis, 2, g), m).tolist() == [[1 - 3, 2 - 4], [2 - 4, 3 - 5]]


def test_equality_rows_by_hand():
    basis = MonomialBasis(1, 2)
    h = Polynomial.from_sympy(x - 1, (x,))  # rows L(h), L(h x): y1 - y0, y2 - y1
    A = equality_rows_map(basis, 1, h).toarray()
    assert A.tolist() == [[-1, 1, 0], [0, -1, 1]]


def test_maps_are_exact_on_atomic_measures():
    rng = np.random.default_rng(0)
    pts, w = rng.normal(size=(3, 2)), np.array([0.2, 0.3, 0.5])
    basis = MonomialBasis(2, 4)
    m = moment_vector_of_atoms(basis, pts, w)
    g = Polynomial.from_sympy(2 - x**2 - x * y, (x, y))
    L = _matrix(localizing_matrix_map(basis, 2, g), m)
    small = MonomialBasis(2, 1).exponents
    V = np.prod(pts[:, None, :] ** small[None, :, :], axis=2)
    expected = sum(wi * g.evaluate(p) * np.outer(v, v) for wi, p, v in zip(w, pts, V))
    assert np.allclose(L, expected)


def test_order_below_constraint_degree_raises():
    with pytest.raises(ValueError, match="below"):
        localizing_matrix_map(MonomialBasis(1, 2), 1, Polynomial.from_sympy(x**4, (x,)))


def test_uniform_rows_map_by_hand_and_empty():
    A = uniform_rows_map(np.array([2, 0, 1, 2]), np.array([1.0, 2.0, 3.0, 4.0]), (2, 3))
    assert A.toarray().tolist() == [[2, 0, 1], [0, 3, 4]]
    empty = uniform_rows_map(np.zeros(0, np.int64), np.zeros(0), (0, 5))
    assert empty.shape == (0, 5) and empty.nnz == 0


def test_tiled_is_np_tile_and_writable():
    for c, times in ((np.array([1.0, -2.0, 0.5]), 4), (np.ones(1), 49), (np.array([3.0]), 0)):
        t = tiled(c, times)
        assert np.array_equal(t, np.tile(c, times)) and t.flags.writeable and t.flags.c_contiguous


def test_stack_rows_of_none_one_and_two_blocks():
    basis = MonomialBasis(2, 2)
    h1 = equality_rows_map(basis, 1, Polynomial.from_sympy(x**2 + y**2 - 1, (x, y)))
    h2 = equality_rows_map(basis, 1, Polynomial.from_sympy(x - y, (x, y)))
    empty = stack_rows([], len(basis))
    assert empty.shape == (0, len(basis)) and empty.nnz == 0 and empty.format == "csr"
    assert stack_rows([h1], len(basis)) is h1
    both = stack_rows([h1, h2], len(basis))
    assert both.format == "csr" and np.array_equal(both.toarray(), np.vstack([h1.toarray(), h2.toarray()]))
