"""The numeric expansion of a PolyNet's outputs, cross-checked against ``sympy.expand`` and the forward pass."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import momentsos as ms
from nets.polynet.expansion import PolyArray, expand_outputs
from tests.nets.polynet._paper import CONFIGS
from tests.nets.polynet._paper import output_degree as _output_degree
from tests.nets.polynet._paper import random_net as _random_net


@pytest.mark.parametrize("name", CONFIGS)
def test_expansion_equals_forward_at_random_points(name):
    degrees = CONFIGS[name]
    net = _random_net(degrees, seed=7, biases=(name == "table4"))
    X = np.random.default_rng(8).standard_normal((6, 3))
    out = expand_outputs(net, X)
    mean = expand_outputs(net, X, average=True)
    assert out.shape == (6, 3) and mean.shape == (3,)
    assert out.degree == _output_degree(degrees)
    for z in np.random.default_rng(9).uniform(-1.5, 1.5, (4, net.num_unknowns)):
        expected = net.forward(X, net.coefficients_from_vector(z))
        np.testing.assert_allclose(out.evaluate(z), expected, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(mean.evaluate(z), expected.mean(axis=0), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(("degrees", "biases", "normalize"), [([2, 1], False, True), ([1, 2, 1], True, True), ([2, 2], False, False)])
def test_expansion_matches_sympy_expand(degrees, biases, normalize):
    net = _random_net(degrees, width=2, seed=11, biases=biases, normalize=normalize)
    x = np.array([0.7, -1.3])
    symbols = net.symbols()
    numeric = expand_outputs(net, x[None, :])
    for k, expr in enumerate(net.symbolic_output(x)):
        poly = ms.Polynomial(numeric.exponents, numeric.coefficients[0, k])
        diff = sp.Poly(sp.expand(expr - poly.to_sympy(symbols)), *symbols)
        assert max((abs(float(c)) for c in diff.coeffs()), default=0.0) < 1e-10


def test_jacobian_matches_finite_differences():
    net = _random_net([2, 3], seed=12)
    arr = expand_outputs(net, np.random.default_rng(0).standard_normal((3, 3)))
    z = np.random.default_rng(1).uniform(-1, 1, net.num_unknowns)
    jac = arr.jacobian(z)
    h = 1e-6
    for k in range(net.num_unknowns):
        e = np.zeros_like(z)
        e[k] = h
        np.testing.assert_allclose(jac[..., k], (arr.evaluate(z + e) - arr.evaluate(z - e)) / (2 * h), rtol=1e-6, atol=1e-6)


def test_polyarray_product_merges_duplicate_monomials():
    # (1 + z)(1 - z) = 1 - z^2 entry-wise, with a broadcast leading axis
    a = PolyArray(np.array([[0], [1]]), np.array([[1.0, 1.0], [2.0, 2.0]]))
    b = PolyArray(np.array([[0], [1]]), np.array([1.0, -1.0]))
    prod = a * b
    np.testing.assert_array_equal(prod.exponents, [[0], [1], [2]])
    np.testing.assert_array_equal(prod.coefficients, [[1.0, 0.0, -1.0], [2.0, 0.0, -2.0]])
