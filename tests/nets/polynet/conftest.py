"""Fixtures shared by the tests of the torch side of nets.polynet."""

import pytest

import nets


@pytest.fixture
def small():
    """A 3-layer net with its data (noiseless) and the true coefficients."""
    net = nets.PolyNet.random([4, 4, 4, 4], degrees=[2, 1], seed=0)
    truth = net.random_coefficients(seed=1)
    X, Y = nets.synthetic_data(net, truth, nsamples=12, seed=2)
    return net, truth, X, Y
