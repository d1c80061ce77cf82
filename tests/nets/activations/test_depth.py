"""The 12-layer test: variance preservation through depth, not only for one layer.

A plain MLP (width 256, no normalisation, weights ``N(0, 1/fan_in)``, inputs ``N(0, 1)``) with one
activation family in every layer.  Every family's depth-stable initialisation keeps the second
moment ``E[h^2]`` of every layer's output in the band ``[1/2, 2]``; the paper's Hermite start has an
unstable fixed point (length-map slope ``V'(1) > 1``) and overflows, which is the documented limit
of ``HermiteActivation(init="paper")``.
"""

from __future__ import annotations

import math

import pytest
import torch

import nets
from nets.activations import init as vp

WIDTH, DEPTH, SAMPLES = 256, 12, 2048
BAND = (0.5, 2.0)

STABLE = {
    "hermite3": lambda: nets.HermiteActivation(3, init="alternating"),
    "hermite5": lambda: nets.HermiteActivation(5, init="alternating"),
    "hermite8": lambda: nets.HermiteActivation(8, init="alternating"),
    "monomial3": lambda: nets.PolynomialActivation(3, init="alternating"),
    "monomial5": lambda: nets.PolynomialActivation(5, init="alternating"),
    "fourier3": lambda: nets.FourierActivation(3),
    "fourier5": lambda: nets.FourierActivation(5),
    "tropical5": lambda: nets.TropicalActivation(5),
    "tropical_rational3": lambda: nets.TropicalActivation(3, rational=True),
    "tmaf_diagonal": lambda: nets.TMAF(nets.gaussian_breakpoints(10)),
    "tmaf_tridiagonal": lambda: nets.TMAF(nets.gaussian_breakpoints(10), structure="tridiagonal"),
}


def second_moments(factory, seed: int = 0) -> list[float]:
    """``E[h_l^2]`` after each of the ``DEPTH`` layers (float64, no gradients)."""
    generator = torch.Generator().manual_seed(seed)
    h = torch.randn(SAMPLES, WIDTH, generator=generator, dtype=torch.float64)
    moments = []
    with torch.no_grad():
        for _ in range(DEPTH):
            weight = torch.randn(WIDTH, WIDTH, generator=generator, dtype=torch.float64) / math.sqrt(WIDTH)
            h = factory().double()(h @ weight.t())
            moments.append(float(h.pow(2).mean()))
    return moments


@pytest.mark.parametrize("name", sorted(STABLE))
@pytest.mark.parametrize("seed", [0, 1])
def test_twelve_layers_keep_the_second_moment_in_band(name, seed):
    moments = second_moments(STABLE[name], seed)
    low, high = BAND
    assert all(low <= m <= high for m in moments), [round(m, 3) for m in moments]


@pytest.mark.parametrize("degree, overflow_by", [(3, 8), (5, 6)])
def test_paper_hermite_start_overflows_as_documented(degree, overflow_by):
    moments = second_moments(lambda: nets.HermiteActivation(degree))
    assert 0.5 <= moments[0] <= 2.0  # one layer is variance-preserving
    assert moments[4] > 1e3 if degree == 3 else moments[2] > 1e3
    assert not math.isfinite(moments[overflow_by - 1])


@pytest.mark.parametrize("degree, paper, alternating", [(3, 1.765, 0.235), (5, 1.983, 0.0169), (8, 2.000, 7.8e-5)])
def test_length_map_slope_explains_the_difference(degree, paper, alternating):
    for init, expected in (("paper", paper), ("alternating", alternating)):
        module = nets.HermiteActivation(degree, init=init).double()
        assert nets.gains(module) == pytest.approx((1.0, 1.0), abs=1e-6)  # float32 parameters
        assert vp.length_map_slope(module) == pytest.approx(expected, rel=2e-3, abs=1e-6)
    # positively homogeneous starts are marginal (V'(1) = 1), Fourier's attracts
    assert vp.length_map_slope(nets.TMAF(nets.gaussian_breakpoints(10)).double()) == pytest.approx(1.0, abs=1e-6)
    assert vp.length_map_slope(nets.FourierActivation(5).double()) < 1.0


def test_alternating_init_is_the_same_function_in_both_polynomial_bases():
    hermite = nets.HermiteActivation(5, init="alternating").double()
    monomial = nets.PolynomialActivation(5, init="alternating", dtype=torch.float64)
    x = torch.linspace(-3, 3, 31, dtype=torch.float64)
    torch.testing.assert_close(monomial(x), hermite(x))
    assert "init='alternating'" in repr(hermite)
    with pytest.raises(ValueError, match=r"`init` must be one of \['paper'\] for basis 'fourier'"):
        nets.FourierActivation(3, init="alternating")
