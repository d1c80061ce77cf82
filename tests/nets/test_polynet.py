"""PolyNet, the numeric loss expansion and the POP it builds (no SDP solver needed).

The numeric expansion is cross-checked against ``sympy.expand`` and against the forward pass at
random points; Example 3.4 of [ZNT26] pins the exact averaged residual.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time

import numpy as np
import pytest
import sympy as sp

import momentsos as ms
import nets
from nets.polynet.expansion import PolyArray, expand_outputs
from nets.polynet.global_fit import loss_problem
from nets.polynet.model import format_polynomial

# Example 3.4 of Zhang, Nie & Tang (2026)
W1 = [[1, 0, -1, 1], [0, 1, 1, 1], [-1, 0, 1, -1], [-2, 1, -1, 0]]
W2 = [[1, -1, 0, 2], [2, 1, 1, 0], [1, 1, 1, 2], [0, 1, 1, 1]]
W3 = [[1, 1, 0, 1], [-2, -1, 1, 1], [1, 0, 1, 1], [-1, 0, -2, 1]]
X34 = np.array([[2.0, 1, 0, -1], [-1, 1, 1, 1]])
Y34 = np.array([[66.0, -22, 106, -104], [38, 30, 46, -33]])
TRUTH34 = [np.array([1.0, 1.0, -2.0]), np.array([1.0, -1.0])]

# Tables 1-5 of the paper: activation degrees per hidden layer
CONFIGS = {"table1": [2, 2], "table2": [2, 3], "table3": [1, 1, 1], "table4": [2, 1, 1], "table5": [3, 2]}


def _random_net(degrees, width=3, seed=0, biases=False, normalize=True):
    rng = np.random.default_rng(seed)
    widths = [width] * (len(degrees) + 2)
    weights = [rng.standard_normal((widths[i + 1], widths[i])) for i in range(len(widths) - 1)]
    b = [rng.standard_normal(w) for w in widths[1:]] if biases else None
    return nets.PolyNet(weights, degrees, biases=b, normalize=normalize)


def _output_degree(degrees):
    e = 1
    for d in degrees[1:]:
        e = d * e + 1
    return e


# -- the model ----------------------------------------------------------------------------------
def test_example_3_4_unknowns_and_forward_reproduce_the_data():
    net = nets.PolyNet([W1, W2, W3], degrees=[2, 1])
    assert net.widths == (4, 4, 4, 4) and net.depth == 2
    assert net.unknown_names == ("c1_1", "c1_2", "c2_0", "c2_1")
    assert net.unknowns == ((1, 1), (1, 2), (2, 0), (2, 1))
    np.testing.assert_array_equal(net.forward(X34, TRUTH34), Y34)
    np.testing.assert_array_equal(net.vector_from_coefficients(TRUTH34), [1.0, -2.0, 1.0, -1.0])


@pytest.mark.parametrize("name", CONFIGS)
def test_unknown_count_is_sum_of_degrees_plus_one(name):
    degrees = CONFIGS[name]
    net = _random_net(degrees)
    assert net.num_unknowns == sum(degrees) + 1
    # the paper's order: c_{1,1..d1}, ..., c_{D,0}, c_{D,1..dD}
    expected = [(l, j) for l, d in enumerate(degrees[:-1], start=1) for j in range(1, d + 1)]
    expected += [(len(degrees), j) for j in range(degrees[-1] + 1)]
    assert list(net.unknowns) == expected


def test_vector_coefficient_round_trip_includes_normalised_constants():
    net = _random_net([2, 1, 3])
    z = np.arange(1.0, net.num_unknowns + 1)
    coefs = net.coefficients_from_vector(z)
    assert [len(c) for c in coefs] == [3, 2, 4]
    assert coefs[0][0] == 1.0 and coefs[1][0] == 1.0  # normalised, not unknown
    assert coefs[2][0] == z[3]  # c_{D,0} is unknown
    np.testing.assert_array_equal(net.vector_from_coefficients(coefs), z)


def test_without_normalisation_every_coefficient_is_unknown():
    net = _random_net([2, 1], normalize=False)
    assert net.num_unknowns == 5
    assert net.unknown_names[0] == "c1_0"


def test_forward_matches_an_explicit_loop():
    net = _random_net([2, 3], biases=True, seed=4)
    coefs = net.random_coefficients(seed=5)
    X = np.random.default_rng(6).standard_normal((7, 3))
    expected = np.empty((7, 3))
    for i, x in enumerate(X):
        h = x
        for W, b, c in zip(net.weights, net.biases, coefs):
            v = W @ h + b
            h = sum(cj * v**j for j, cj in enumerate(c))
        expected[i] = net.weights[-1] @ h + net.biases[-1]
    np.testing.assert_allclose(net.forward(X, coefs), expected, rtol=1e-12)


def test_normalize_coefficients_keeps_the_network_function():
    net = _random_net([2, 2, 1], seed=1)
    coefs = [np.array([0.5, 1.0, -0.3]), np.array([-2.0, 0.7, 0.1]), np.array([0.2, 1.5])]
    canon = net.normalize_coefficients(coefs)
    assert canon[0][0] == 1.0 and canon[1][0] == 1.0
    X = np.random.default_rng(2).standard_normal((5, 3))
    np.testing.assert_allclose(net.forward(X, canon), net.forward(X, coefs), rtol=1e-12)


def test_random_is_seeded_and_scaled():
    a = nets.PolyNet.random([5, 6, 7, 3], degrees=[2, 1], seed=3)
    b = nets.PolyNet.random([5, 6, 7, 3], degrees=[2, 1], seed=3)
    assert a.widths == (5, 6, 7, 3)
    assert all(np.array_equal(u, v) for u, v in zip(a.weights, b.weights))
    c1 = a.random_coefficients(seed=1)
    assert all(np.array_equal(u, v) for u, v in zip(c1, b.random_coefficients(seed=1)))
    X1, Y1 = nets.synthetic_data(a, c1, 4, noise=0.1, seed=0)
    X2, Y2 = nets.synthetic_data(a, c1, 4, noise=0.1, seed=0)
    assert X1.shape == (4, 5) and Y1.shape == (4, 3)
    np.testing.assert_array_equal(Y1, Y2)
    assert np.abs(Y1 - a.forward(X1, c1)).max() > 0  # noise was added


# malformed networks and coefficients: tests/nets/test_bad_inputs.py


# -- the numeric expansion ----------------------------------------------------------------------
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


# -- the POP ------------------------------------------------------------------------------------
def test_example_3_4_averaged_residual_is_the_papers():
    net = nets.PolyNet([W1, W2, W3], degrees=[2, 1])
    prob = loss_problem(net, (X34, Y34))
    c11, c12, c20, c21, theta = prob.variables
    assert [str(v) for v in prob.variables] == ["c1_1", "c1_2", "c2_0", "c2_1", "theta"]
    paper = [
        3 * c20 + 9 * c21 + 29 * c12 * c21 - 52,
        5 * c11 * c21 - c20 + 5 * c12 * c21 - 4,
        3 * c20 + 10 * c21 - c11 * c21 + 41 * c12 * c21 - 76,
        sp.Rational(5, 2) * c11 * c21 - 9 * c21 - 2 * c20 - sp.Rational(73, 2) * c12 * c21 + sp.Rational(137, 2),
    ]
    scale = np.sqrt(np.mean(Y34**2))
    assert sp.expand(prob.objective.to_sympy(prob.variables) - theta) == 0
    assert len(prob.inequalities) == 8 and not prob.equalities
    for j, r in enumerate(paper):
        for sign, g in zip((1, -1), prob.inequalities[2 * j : 2 * j + 2]):
            diff = sp.expand(g.to_sympy(prob.variables) * scale - (scale * theta + sign * r))
            assert all(abs(float(c)) < 1e-9 for c in sp.Poly(diff, *prob.variables).coeffs())


def test_radius_adds_the_coefficient_ball_and_the_theta_bound_and_is_validated():
    net = nets.PolyNet([W1, W2, W3], degrees=[2, 1])
    c = sp.symbols("c1_1 c1_2 c2_0 c2_1")
    l2 = loss_problem(net, (X34, Y34), loss="l2", radius=3.0)
    assert len(l2.inequalities) == 1
    assert sp.expand(l2.inequalities[0].to_sympy(l2.variables) - (9 - sum(v**2 for v in c))) == 0
    prob = loss_problem(net, (X34, Y34), radius=3.0)
    base = loss_problem(net, (X34, Y34))
    assert len(prob.inequalities) == 10
    assert all(
        sp.expand(g.to_sympy(prob.variables) - h.to_sympy(base.variables)) == 0
        for g, h in zip(prob.inequalities[:8], base.inequalities)
    )
    ball, bound = (g.to_sympy(prob.variables) for g in prob.inequalities[8:])
    assert sp.expand(ball - (9 - sum(v**2 for v in c))) == 0
    # the redundant theta_ub^2 - theta^2 >= 0, theta_ub = the loss at c = 0 (the largest mean target)
    theta = prob.variables[-1]
    theta_ub = max(1.0, np.abs(Y34.mean(axis=0)).max() / np.sqrt(np.mean(Y34**2)))
    assert sp.expand(bound - (theta_ub**2 - theta**2)) == 0
    for bad in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"radius.*" + re.escape(repr(bad))):
            loss_problem(net, (X34, Y34), radius=bad)
    with pytest.raises(TypeError, match="radius.*'3'"):
        loss_problem(net, (X34, Y34), radius="3")


@pytest.mark.parametrize("name", CONFIGS)
def test_l2_objective_is_the_mean_squared_residual(name):
    net = _random_net(CONFIGS[name], seed=13)
    coefs = net.random_coefficients(seed=1)
    X, Y = nets.synthetic_data(net, coefs, 5, noise=0.1, seed=2)
    prob = loss_problem(net, (X, Y), loss="l2")
    scale = np.mean(Y**2) * Y.shape[1]
    assert prob.objective.degree == 2 * _output_degree(CONFIGS[name])
    for z in np.random.default_rng(3).uniform(-1, 1, (3, net.num_unknowns)):
        residual = net.forward(X, net.coefficients_from_vector(z)) - Y
        assert prob.evaluate_objective(z) * scale == pytest.approx((residual**2).sum(axis=1).mean(), rel=1e-10)


def test_linf_feasible_region_is_the_epigraph():
    net = _random_net([2, 3], width=6, seed=14)
    X, Y = nets.synthetic_data(net, net.random_coefficients(seed=1), 8, noise=0.1, seed=2)
    prob = loss_problem(net, (X, Y), loss="linf-mean")
    scale = np.sqrt(np.mean(Y**2))
    z = np.random.default_rng(3).uniform(-1, 1, net.num_unknowns)
    linf = np.abs((net.forward(X, net.coefficients_from_vector(z)) - Y).mean(axis=0)).max() / scale
    assert prob.violation(np.append(z, linf * (1 + 1e-9))) == 0.0
    assert prob.violation(np.append(z, linf * 0.99)) == pytest.approx(0.01 * linf, rel=1e-6)


def test_build_time_at_the_papers_largest_size():
    net = nets.PolyNet.random([40, 40, 40, 40], degrees=[2, 3], seed=0)
    X, Y = nets.synthetic_data(net, net.random_coefficients(seed=1), 250, noise=1e-2, seed=2)
    loss_problem(net, (X, Y))  # warm-up: imports, caches
    for loss in ("linf-mean", "l2"):
        start = time.perf_counter()
        prob = loss_problem(net, (X, Y), loss=loss)
        elapsed = time.perf_counter() - start
        assert prob.nvars == 7 if loss == "linf-mean" else 6
        assert elapsed < 1.0, f"building the {loss} POP took {elapsed:.3f} s"


# data validation (shapes, non-finite entries, identifiability, loss names): tests/nets/test_bad_inputs.py


def test_format_polynomial():
    assert format_polynomial([1.0, 1.0, -2.0]) == "1 + t - 2 t^2"
    assert format_polynomial([-0.5, 0.0, 0.0, 3.0]) == "-0.5 + 3 t^3"
    assert format_polynomial([0.0, -1.0]) == "-t"
    assert format_polynomial([0.0, 0.0]) == "0"


def test_polynet_imports_without_torch():
    # torch set to None in sys.modules makes any `import torch` fail
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import numpy as np, nets\n"
        "net = nets.PolyNet([np.eye(2), np.ones((2, 2)), np.ones((2, 2))], degrees=[1, 1])\n"
        "assert net.num_unknowns == 3 and callable(nets.solve_global)\n"
        "assert 'momentsos' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
