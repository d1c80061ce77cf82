"""from_activation: one least-squares solve on value and derivative."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import nets

GRID = torch.linspace(-math.sqrt(8), math.sqrt(8), 4001, dtype=torch.float64)


def _rmse(module, fn):
    with torch.no_grad():
        return (module.double()(GRID) - fn(GRID)).pow(2).mean().sqrt().item()


def test_gelu_degree_8_hermite_rmse_and_time():
    start = time.perf_counter()
    module = nets.from_activation(F.gelu, 8, basis="hermite")
    elapsed = time.perf_counter() - start
    assert isinstance(module, nets.HermiteActivation)
    assert elapsed < 1.0
    assert _rmse(module, F.gelu) <= 2e-3


def test_gelu_fit_has_the_known_gaussian_structure():
    """GELU minus x/2 is even, so odd Hermite coefficients beyond 1 vanish and a_1 = 1/2 [KK25]."""
    c = nets.fit_coefficients("gelu", 8)
    assert c[1] == pytest.approx(0.5, abs=1e-10)
    np.testing.assert_allclose(c[3::2], 0.0, atol=1e-10)


@pytest.mark.parametrize(
    "fn, basis, degree, tolerance",
    [
        (F.silu, "hermite", 8, 5e-3),
        (torch.tanh, "hermite", 8, 2e-2),
        ("gelu", "monomial", 8, 2e-3),
        # a trigonometric polynomial is reproduced exactly (GELU is not periodic: Fourier fits it poorly)
        (lambda x: torch.sin(x) + 0.3 * torch.cos(2 * x), "fourier", 3, 1e-6),
    ],
    ids=["silu-hermite", "tanh-hermite", "gelu-monomial", "trig-fourier"],
)
def test_other_targets_and_bases(fn, basis, degree, tolerance):
    module = nets.from_activation(fn, degree, basis=basis)
    target = nets.activations.fit.NAMED_ACTIVATIONS[fn] if isinstance(fn, str) else fn
    assert _rmse(module, target) <= tolerance
    assert type(module) is nets.activations.fit.SERIES_MODULES[basis]


def test_hermite_and_monomial_fits_are_the_same_polynomial():
    hermite = nets.fit_coefficients("gelu", 6, "hermite")
    monomial = nets.fit_coefficients("gelu", 6, "monomial")
    np.testing.assert_allclose(nets.hermite_to_monomial(hermite), monomial, atol=1e-8)


def test_non_torch_callable_uses_finite_differences():
    module = nets.from_activation(lambda x: np.tanh(x.numpy()), 8)
    assert _rmse(module, torch.tanh) <= 2e-2


def test_per_channel_device_dtype():
    module = nets.from_activation("silu", 4, num_channels=3, dtype=torch.float64)
    assert module.coefficients.shape == (3, 5) and module.coefficients.dtype == torch.float64
    torch.testing.assert_close(module.coefficients[0], module.coefficients[2])


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"fn": "relu6"}, ValueError, r"`fn` must be a callable or one of \[.*'gelu'.*\], got 'relu6'"),
        ({"fn": 3}, TypeError, r"`fn` must be a callable"),
        ({"basis": "tropical"}, ValueError, r"`basis` must be one of \['fourier', 'hermite', 'monomial'\]"),
        ({"interval": (1.0, -1.0)}, ValueError, r"`interval` must be two finite floats .* got \(1.0, -1.0\)"),
        ({"derivative_weight": -1.0}, ValueError, r"`derivative_weight` must be a finite float >= 0, got -1.0"),
        ({"degree": 0}, ValueError, r"`degree` must be a positive int"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    arguments = {"fn": "gelu", "degree": 4, **kwargs}
    with pytest.raises(error, match=message):
        nets.from_activation(**arguments)
