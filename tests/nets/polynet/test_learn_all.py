"""solve_global(learn="all"): weights, biases and activations learned together (beyond [ZNT26]).

Planted tiny networks are recovered with a certificate, in the canonical form of
:mod:`nets.polynet.unknowns`; the canonical form keeps the network function; the expansion with
learned weights agrees with the forward pass; bad values of ``learn`` are refused by name.
"""

from __future__ import annotations

import numpy as np
import pytest

import nets
from nets.polynet.expansion import expand_outputs
from nets.polynet.model import InvalidNetworkError
from nets.polynet.unknowns import (
    activation_unknowns,
    all_unknowns,
    canonical_parameters,
)


def _template(widths, degrees, seed, bias=False):
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((widths[i + 1], widths[i])) for i in range(len(widths) - 1)]
    biases = [rng.standard_normal(m) for m in widths[1:-1]] + [np.zeros(widths[-1])] if bias else None
    return nets.PolyNet(weights, degrees, biases=biases, normalize=False), rng


def _planted(widths, degrees, truth, seed=1, bias=False, samples=30):
    """A template net, the canonical truth and noiseless data from it."""
    net, rng = _template(widths, degrees, seed, bias)
    layout = all_unknowns(net)
    teacher, coefficients = canonical_parameters(layout, net, truth)
    X = rng.standard_normal((samples, widths[0]))
    return net, layout, teacher, coefficients, (X, teacher.forward(X, coefficients)), rng


@pytest.mark.parametrize(
    ("widths", "truth", "bias", "sparsity"),
    [
        ([2, 1, 1], [[0.3, -0.7, 1.0]], False, "none"),
        ([3, 1, 1], [[0.3, -0.7, 1.0]], False, "none"),
        ([2, 1, 2], [[0.3, -0.7, 1.0]], False, "none"),
        ([2, 1, 2], [[0.3, -0.7, 1.0]], False, "correlative"),  # one moment matrix per output
        ([3, 1, 4], [[0.4, 1.3, 1.0]], False, None),  # 8 unknowns; the default for several outputs is correlative
        ([2, 1, 1], [[0.3, -0.7, 1.0]], True, "none"),  # a learned bias: p is pinned even, the sign by W1[0, 0] >= 0
        ([1, 1, 1], [[0.3, -0.7, 0.5, 1.0]], False, "none"),  # degree 3: order 4
    ],
)
def test_planted_tiny_networks_are_recovered_with_a_certificate(widths, truth, bias, sparsity):
    net, layout, teacher, coefficients, data, rng = _planted(widths, [len(truth[0]) - 1], truth, bias=bias)
    fit = nets.solve_global(net, data, loss="l2", learn="all", sparsity=sparsity)
    assert fit.certified and fit.learn == "all"
    assert fit.result.variables and [str(v) for v in fit.result.variables] == list(layout.names)
    # the canonical parameters are the unique global minimizer: weights and activations both recovered
    np.testing.assert_allclose(layout.vector(fit.net, fit.coefficients), layout.vector(teacher, coefficients), atol=1e-6)
    X_new = rng.standard_normal((50, widths[0]))
    np.testing.assert_allclose(fit.predict(X_new), teacher.forward(X_new, coefficients), atol=1e-6)
    assert "learned:     weights, biases and activations together" in fit.summary()


def test_two_hidden_neurons_are_recovered_in_their_canonical_order():
    # 9 unknowns (W1 2x2, c_1,0, W2 2x2) with the neuron-order constraint W1[0, 0] >= W1[1, 0]; one moment
    # matrix per output (the default sparsity). With momentsos' balancing this relaxation lost flatness.
    net, layout, teacher, coefficients, data, rng = _planted([2, 2, 2], [2], [[0.4, 1.3, 1.0]], seed=3, samples=40)
    assert layout.ordered == ((0, 2),)
    fit = nets.solve_global(net, data, loss="l2", learn="all", order=3)
    assert fit.certified
    np.testing.assert_allclose(layout.vector(fit.net, fit.coefficients), layout.vector(teacher, coefficients), atol=1e-6)
    X_new = rng.standard_normal((50, 2))
    np.testing.assert_allclose(fit.predict(X_new), teacher.forward(X_new, coefficients), atol=1e-6)


def test_learn_activations_is_the_default_and_matches_the_papers_problem():
    net, rng = _template([2, 3, 1], [2], seed=4)
    net = nets.PolyNet(net.weights, [2])  # normalised, as in the paper
    truth = net.random_coefficients(seed=2)
    X = rng.standard_normal((20, 2))
    data = (X, net.forward(X, truth))
    default = nets.solve_global(net, data, loss="l2")
    explicit = nets.solve_global(net, data, loss="l2", learn="activations")
    assert default.learn == explicit.learn == "activations" and default.net is net
    assert default.certified and explicit.certified
    np.testing.assert_allclose(net.vector_from_coefficients(default.coefficients), net.vector_from_coefficients(truth), atol=1e-6)


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize(("widths", "degrees"), [([3, 2, 2], [2]), ([2, 3, 1], [3]), ([2, 2, 2, 1], [2, 3]), ([3, 2, 1], [4])])
def test_the_canonical_form_keeps_the_network_function_and_is_a_fixed_point(widths, degrees, bias):
    net, rng = _template(widths, degrees, seed=sum(widths) + sum(degrees), bias=bias)
    coefficients = [rng.uniform(0.5, 1.5, d + 1) * rng.choice([-1, 1], d + 1) for d in degrees]
    for c in coefficients:
        # a canonical form needs a nonzero (for an even gap d - j, positive) ratio c_j / c_d at the scale
        # power j; with a learned bias and d = 2 that is j = 0 after the shift, c_0 - c_1^2 / (4 c_2) > 0
        c[-1], c[0] = abs(c[-1]), 3.0 + abs(c[0])
    layout = all_unknowns(net)
    canonical, canon_coefs = canonical_parameters(layout, net, coefficients)
    X = rng.standard_normal((40, widths[0]))
    np.testing.assert_allclose(canonical.forward(X, canon_coefs), net.forward(X, coefficients), rtol=1e-9, atol=1e-9)
    z = layout.vector(canonical, canon_coefs)
    assert layout.feasible(z, tol=1e-12)  # neuron order and signs hold
    for c, pins in zip(canon_coefs, layout.pinned):
        for j, value in pins.items():
            assert c[j] == value
    again_net, again_coefs = canonical_parameters(layout, canonical, canon_coefs)
    np.testing.assert_allclose(layout.vector(again_net, again_coefs), z, rtol=1e-9, atol=1e-12)
    # the unknown vector round-trips through Unknowns.parameters
    back_net, back_coefs = layout.parameters(z)
    np.testing.assert_allclose(back_net.forward(X, back_coefs), net.forward(X, coefficients), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("bias", [False, True])
def test_the_expansion_with_learned_weights_is_the_forward_pass(bias):
    net, rng = _template([2, 2, 2, 1], [2, 2], seed=7, bias=bias)
    layout = all_unknowns(net)
    z = rng.standard_normal(layout.count)
    at_z, coefficients = layout.parameters(z)
    X = rng.standard_normal((6, 2))
    outputs = expand_outputs(net, X, unknowns=layout)
    np.testing.assert_allclose(outputs.evaluate(z), at_z.forward(X, coefficients), rtol=1e-10, atol=1e-10)
    mean = expand_outputs(net, X, average=True, unknowns=layout)
    np.testing.assert_allclose(mean.evaluate(z), at_z.forward(X, coefficients).mean(axis=0), rtol=1e-10, atol=1e-10)
    # the paper's unknowns are the activation coefficients of PolyNet.unknowns, in that order
    assert activation_unknowns(net).names == net.unknown_names


def test_functions_without_a_canonical_form_are_refused_by_name():
    net, _ = _template([2, 2, 1], [2], seed=3)
    layout = all_unknowns(net)
    with pytest.raises(InvalidNetworkError, match=r"c_1,2 = 0, so layer 1 cannot be made monic"):
        canonical_parameters(layout, net, [[0.3, 1.0, 0.0]])
    with pytest.raises(InvalidNetworkError, match=r"c_1,1 / c_1,2 = 0; it must be nonzero"):
        canonical_parameters(layout, net, [[0.3, 0.0, 1.0]])
    tied = nets.PolyNet([np.array([[1.0, 2.0], [1.0, -1.0]]), np.ones((1, 2))], [2], normalize=False)
    with pytest.raises(InvalidNetworkError, match=r"tied first weights"):
        canonical_parameters(all_unknowns(tied), tied, [[0.3, 1.0, 1.0]])


def test_bad_learn_values_and_too_few_equations_are_refused():
    net, rng = _template([2, 1, 1], [2], seed=1)
    X = rng.standard_normal((10, 2))
    data = (X, rng.standard_normal((10, 1)))
    with pytest.raises(ValueError, match=r"Invalid `learn='weights'`; allowed: 'activations', 'all'"):
        nets.solve_global(net, data, learn="weights")
    with pytest.raises(TypeError, match=r"Invalid `learn=True` \(bool\); allowed: 'activations', 'all'"):
        nets.solve_global(net, data, learn=True)
    # the paper's loss sees one averaged equation per output: too few for 4 unknowns
    with pytest.raises(nets.InvalidDataError, match=r"Too few data for identifiability: .*W1_0_0"):
        nets.solve_global(net, data, loss="linf-mean", learn="all")
    with pytest.raises(nets.InvalidDataError, match=r"Too few data"):
        nets.solve_global(net, (X[:1], data[1][:1]), loss="l2", learn="all")


def test_a_fit_with_learned_weights_saves_and_loads(tmp_path):
    net, layout, teacher, coefficients, data, rng = _planted([2, 1, 1], [2], [[0.3, -0.7, 1.0]])
    fit = nets.solve_global(net, data, loss="l2", learn="all")
    loaded = nets.NetFitResult.load(fit.save(tmp_path / "fit.json"))
    assert loaded.learn == "all" and loaded.certified
    X_new = rng.standard_normal((5, 2))
    np.testing.assert_array_equal(loaded.predict(X_new), fit.predict(X_new))
