"""PolyNet: unknowns, normalisation, forward pass, seeding, display; it imports without torch.

Example 3.4 of [ZNT26] pins the forward pass against the paper's data.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import nets
from nets.polynet.model import format_polynomial
from tests.nets.polynet._paper import CONFIGS, TRUTH34, W1, W2, W3, X34, Y34
from tests.nets.polynet._paper import random_net as _random_net


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
