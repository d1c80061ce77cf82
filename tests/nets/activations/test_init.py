"""Variance-preserving initialisation [KK25]: gains 1 by quadrature and by Monte Carlo through the module."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import nets
from nets.activations import init as vp

# module factory -> kinks for the quadrature (piecewise-linear families are integrated piece by piece)
VP_MODULES = (
    [(f"hermite{n}", (lambda n=n: nets.HermiteActivation(n)), ()) for n in range(1, 11)]
    + [(f"fourier{n}", (lambda n=n: nets.FourierActivation(n)), ()) for n in range(1, 9)]
    + [(f"polynomial{n}", (lambda n=n: nets.PolynomialActivation(n)), ()) for n in (1, 3, 5, 8)]
    + [(f"tropical{n}", (lambda n=n: nets.TropicalActivation(n)), (0.0,)) for n in (1, 2, 3, 5, 8)]
    + [
        (f"tropical_rational{n}", (lambda n=n: nets.TropicalActivation(n, rational=True)), (0.0, 2.0))
        for n in (1, 3, 5)
    ]
    + [
        ("tmaf_gaussian10", lambda: nets.TMAF(nets.gaussian_breakpoints(10)), tuple(nets.gaussian_breakpoints(10))),
        (
            "tmaf_tridiagonal_uniform",
            lambda: nets.TMAF(nets.uniform_breakpoints(-1, 1, 102), structure="tridiagonal"),
            tuple(nets.uniform_breakpoints(-1, 1, 102)),
        ),
    ]
)


@pytest.mark.parametrize("name, factory, kinks", VP_MODULES, ids=[m[0] for m in VP_MODULES])
def test_gains_are_one_by_quadrature(name, factory, kinks):
    module = factory().double()
    if isinstance(module, nets.TMAF) and module.structure == "tridiagonal":
        # at initialisation the off-diagonals are zero: the scalar map is the diagonal one
        def scalar(x):
            return module(x.reshape(-1, 1)).reshape(x.shape)
    else:
        scalar = module
    forward, backward = nets.gains(scalar, kinks=kinks)
    assert abs(forward - 1.0) < 1e-3 and abs(backward - 1.0) < 1e-3, (forward, backward)


# Monte Carlo: 2**20 N(0,1) samples (seed 0); a gain passes when the sample mean of F^2 (resp. F'^2) is
# within 5 standard errors of 1 and that standard error is below 0.01, so the check has teeth.
MC_SAMPLES = 2**20
MC_SIGMAS = 5.0


@pytest.mark.parametrize(
    "factory",
    [
        lambda: nets.HermiteActivation(3),
        lambda: nets.HermiteActivation(8),
        lambda: nets.FourierActivation(5),
        lambda: nets.PolynomialActivation(4),
        lambda: nets.TropicalActivation(5),
        lambda: nets.TropicalActivation(3, rational=True),
        lambda: nets.TMAF(nets.gaussian_breakpoints(10)),
        lambda: nets.TMAF(nets.gaussian_breakpoints(10), 8, structure="tridiagonal"),
    ],
    ids=["hermite3", "hermite8", "fourier5", "polynomial4", "tropical5", "tropical_rational3", "tmaf", "tmaf_tri"],
)
def test_gains_are_one_by_monte_carlo_through_the_module(factory):
    module = factory().double()
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(MC_SAMPLES // 8, 8, generator=generator, dtype=torch.float64, requires_grad=True)
    y = module(x)
    (slope,) = torch.autograd.grad(y.sum(), x)
    for sample in (y.detach() ** 2, slope**2):
        mean = sample.mean().item()
        standard_error = sample.std().item() / math.sqrt(sample.numel())
        assert standard_error < 0.01
        assert abs(mean - 1.0) < MC_SIGMAS * standard_error, (mean, standard_error)


@pytest.mark.parametrize("degree", range(1, 13))
def test_hermite_closed_form_equals_generic_quadrature_route(degree):
    np.testing.assert_allclose(
        vp.hermite_variance_preserving(degree), vp.series_variance_preserving("hermite", degree), rtol=1e-10, atol=1e-12
    )


def test_hermite_constants_are_exact_not_the_limit():
    # c_3 = (1 + 1 + 1/2)^(-1/2); the limit e^(-1/2) would give gain 1.087 at n = 3 [KK25]
    c = vp.hermite_variance_preserving(3)
    assert c[1] == pytest.approx(1 / math.sqrt(2.5), rel=1e-15)
    assert c[0] == pytest.approx(c[1] * math.sqrt(1 - 1 / 6), rel=1e-15)
    limit = np.full(4, math.exp(-0.5))
    limit[0] *= math.sqrt(1 - 1 / 6)
    module = nets.HermiteActivation(3).double()
    with torch.no_grad():
        module.coefficients.copy_(torch.from_numpy(limit))
    assert nets.gains(module)[0] == pytest.approx(1.087, abs=1e-3)


def test_fourier_orthogonal_law_identities():
    """Under U[-pi, pi] the Fourier basis is orthogonal: alpha_n (sum 1/(j!)^2)^(1/2) = 1 identity check."""
    for n in range(1, 7):
        alpha = 1 / math.sqrt(sum(1 / math.factorial(j) ** 2 for j in range(n)))
        a0 = alpha * math.sqrt(1 - 1 / math.factorial(n) ** 2)
        coefficients = np.concatenate([[a0], np.full(2 * n, alpha)])
        x = np.linspace(-math.pi, math.pi, 20001)[:-1]  # periodic trapezoid = exact for trig polynomials
        phi = nets.BASES["fourier"].evaluate(torch.from_numpy(x), n).numpy()
        dphi = nets.BASES["fourier"].derivative_matrix(n) @ phi
        assert np.mean((coefficients @ phi) ** 2) == pytest.approx(1.0, abs=1e-12)
        assert np.mean((coefficients @ dphi) ** 2) == pytest.approx(1.0, abs=1e-12)


def test_equalise_gains_rejects_non_positive_slope_moment():
    with pytest.raises(ValueError, match=r"`slope_second_moment` must be > 0, got 0.0"):
        vp.equalise_gains(0.0, 0.0, 0.0)


def test_gaussian_expectation_piecewise_matches_closed_form():
    # E[relu(x)^2] = 1/2, E[relu(x)] = 1/sqrt(2 pi)
    assert vp.gaussian_expectation(lambda x: np.maximum(x, 0) ** 2, kinks=(0.0,)) == pytest.approx(0.5, abs=1e-14)
    assert vp.gaussian_expectation(lambda x: np.maximum(x, 0), kinks=(0.0,)) == pytest.approx(
        1 / math.sqrt(2 * math.pi), abs=1e-14
    )
