import numpy as np
import pytest
import sympy as sp

from momentsos.polynomial import Polynomial


def test_from_sympy_and_evaluate_match_sympy():
    x, y = sp.symbols("x y")
    expr = 3 * x**2 * y - sp.Rational(1, 2) * y**3 + 7
    p = Polynomial.from_sympy(expr, (x, y))
    pts = np.array([[0.3, -1.2], [2.0, 0.5]])
    expected = [float(expr.subs({x: a, y: b})) for a, b in pts]
    assert np.allclose(p.evaluate(pts), expected)
    assert p.degree == 3 and p.nterms == 3
    assert sp.simplify(p.to_sympy((x, y)) - expr) == 0


def test_duplicates_merge_and_zeros_drop():
    p = Polynomial([[1, 0], [1, 0], [0, 1]], [2.0, -2.0, 1.0])
    assert p.nterms == 1 and p.exponents.tolist() == [[0, 1]]


def test_arithmetic_and_derivative():
    x, y = sp.symbols("x y")
    a = Polynomial.from_sympy(x + 2 * y, (x, y))
    b = Polynomial.from_sympy(x * y - 1, (x, y))
    prod = Polynomial.from_sympy(sp.expand((x + 2 * y) * (x * y - 1)), (x, y))
    assert (a * b).allclose(prod)
    assert (a + b - b).allclose(a)
    assert b.derivative(0).allclose(Polynomial.from_sympy(y, (x, y)))


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="shape"):
        Polynomial([[1, 0]], [1.0, 2.0])
    with pytest.raises(ValueError, match="non-negative"):
        Polynomial([[-1, 0]], [1.0])


def test_evaluate_gradient_matches_the_derivative_polynomials():
    rng = np.random.default_rng(3)
    exps = rng.integers(0, 4, size=(12, 3))
    p = Polynomial(exps, rng.standard_normal(12))
    for point in (rng.standard_normal(3), np.zeros(3), np.array([0.0, 1.5, -2.0])):
        expected = np.array([q.evaluate(point) for q in p.gradient()])
        assert np.allclose(p.evaluate_gradient(point), expected)
    assert np.array_equal(Polynomial.zero(3).evaluate_gradient(np.ones(3)), np.zeros(3))


def test_evaluate_hessian_matches_sympy_and_rejects_a_wrong_point():
    x, y, z = sp.symbols("x y z")
    expr = 4 * x**2 - 2.1 * x**4 + x**6 / 3 + x * y - 4 * y**2 + 4 * y**4 + 3 * x * y**2 * z**3 - z + 7
    p = Polynomial.from_sympy(expr, (x, y, z))
    hessian = sp.hessian(expr, (x, y, z))
    rng = np.random.default_rng(5)
    for point in (rng.standard_normal(3), np.zeros(3), np.array([0.0, 1.5, -2.0])):
        expected = np.array(hessian.subs(dict(zip((x, y, z), point))), dtype=float)
        assert np.allclose(p.evaluate_hessian(point), expected, rtol=1e-12, atol=1e-12)
    assert np.array_equal(Polynomial.zero(2).evaluate_hessian(np.ones(2)), np.zeros((2, 2)))
    linear = Polynomial.from_sympy(3 * x - y + 2, (x, y))  # no term survives two derivatives
    for p_, n in ((linear, 2), (Polynomial.from_sympy(sp.Integer(5), (x,)), 1)):
        assert p_.evaluate_hessian(np.ones(n)).dtype == np.float64
        assert p_.evaluate_gradient(np.ones(n)).dtype == np.float64
    assert np.array_equal(linear.evaluate_gradient(np.zeros(2)), [3.0, -1.0])
    cubic = Polynomial.from_sympy(x**3 - x, (x,))
    assert np.allclose(cubic.evaluate_hessian(np.array([2.0])), [[12.0]])
    with pytest.raises(ValueError, match="3 entries"):
        p.evaluate_hessian(np.ones(2))


def test_constant_term():
    x, y = sp.symbols("x y")
    assert Polynomial.from_sympy(3 + x * y - 2 * x, (x, y)).constant_term == 3.0
    assert Polynomial.from_sympy(x**2, (x, y)).constant_term == 0.0
    assert Polynomial.zero(2).constant_term == 0.0


def test_merging_wide_sparse_rows_keeps_numpy_order():
    # rows of many variables with few nonzeros go through sparse keys: same set, order and inverse
    from momentsos.polynomial import _unique_rows

    rng = np.random.default_rng(0)
    for _ in range(100):
        n, count = int(rng.integers(17, 60)), int(rng.integers(1, 200))
        rows = np.zeros((count, n), np.int64)
        for i in range(count):
            k = int(rng.integers(0, 4))
            rows[i, rng.choice(n, k, replace=False)] = rng.integers(1, 4, k)
        rows = np.vstack([rows, rows[rng.integers(0, count, 20)], 5 * np.eye(n, dtype=np.int64)[:3]])
        unique, inverse = _unique_rows(rows)
        expected, expected_inverse = np.unique(rows, axis=0, return_inverse=True)
        assert np.array_equal(unique, expected) and np.array_equal(inverse, expected_inverse.ravel())
