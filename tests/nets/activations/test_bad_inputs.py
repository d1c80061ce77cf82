"""Inputs that were silently misread or crashed inside the activations: each now gets a clear error."""

from __future__ import annotations

import pytest
import torch

import nets

MODULES = {
    "hermite": lambda: nets.HermiteActivation(degree=3),
    "monomial": lambda: nets.PolynomialActivation(3),
    "fourier": lambda: nets.FourierActivation(degree=3),
    "tropical": lambda: nets.TropicalActivation(3),
    "tmaf": lambda: nets.TMAF.relu(),
}


@pytest.mark.parametrize("name", MODULES)
@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.bool])
def test_an_integer_or_boolean_input_is_refused_not_computed_in_integers(name, dtype):
    with pytest.raises(TypeError, match=f"dtype {dtype}.*floating-point"):
        MODULES[name]()(torch.arange(-3, 4).to(dtype))


@pytest.mark.parametrize("build", [lambda: nets.PolynomialActivation(200), lambda: nets.HermiteActivation(degree=101)])
def test_a_degree_beyond_the_limit_is_a_clear_error(build):
    with pytest.raises(ValueError, match="1 <= degree <= 100"):
        build()


def test_a_polynet_degree_beyond_the_limit_is_refused():
    with pytest.raises(nets.InvalidNetworkError, match=r"allowed are degrees 1 \.\. 64"):
        nets.PolyNet.random([3, 3, 3], degrees=[10**6])


def test_a_run_whose_loss_explodes_is_diverged_not_finished():
    net = nets.PolyNet.random([4, 4, 2], degrees=[2], seed=0)
    X, Y = nets.synthetic_data(net, net.random_coefficients(seed=1), nsamples=30, seed=2)
    res = nets.train_gd(net, (X, Y), optimizer="sgd", lr=1e6, steps=20, seed=0, progress=False)
    assert res.status is nets.TrainStatus.DIVERGED and res.coefficients is None
