"""PolynomialActivation: Horner evaluation in ascending powers, given coefficients, channels, gradcheck."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nets
from nets.activations.series import horner_activation


def test_horner_matches_numpy_polyval_and_the_power_series():
    c = np.array([0.5, -1.0, 2.0, 0.25, -0.125])
    x = np.linspace(-3, 3, 41)
    act = nets.PolynomialActivation(4, coefficients=c, dtype=torch.float64)
    np.testing.assert_allclose(act(torch.from_numpy(x)).detach().numpy(), np.polynomial.polynomial.polyval(x, c), rtol=1e-14)
    fused_free = nets.series_activation(torch.from_numpy(x), torch.from_numpy(c), "monomial")
    torch.testing.assert_close(act(torch.from_numpy(x)), fused_free, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_given_coefficients_set_the_parameter_and_output_dtype_is_input_dtype(dtype):
    act = nets.PolynomialActivation(2, [1.0, -2.0, 3.0], dtype=dtype)
    assert act.coefficients.dtype == dtype
    x = torch.tensor([0.0, 1.0, -1.0]).to(dtype)
    y = act(x)
    assert y.dtype == dtype
    torch.testing.assert_close(y.float(), torch.tensor([1.0, 2.0, 6.0]), rtol=1e-2, atol=1e-2)


def test_per_channel_coefficients_infer_num_channels_and_reset_restores_them():
    c = [[1.0, 0.0, 1.0], [0.0, 2.0, 0.0]]
    act = nets.PolynomialActivation(2, coefficients=c)
    assert act.num_channels == 2 and "num_channels=2" in repr(act)
    x = torch.tensor([[2.0, 3.0]])
    torch.testing.assert_close(act(x), torch.tensor([[5.0, 6.0]]))
    with torch.no_grad():
        act.coefficients.mul_(7)
    act.reset_parameters()
    torch.testing.assert_close(act.coefficients, torch.tensor(c))


def test_one_vector_broadcasts_to_channels_and_an_int_keeps_meaning_num_channels():
    act = nets.PolynomialActivation(1, [0.0, 1.0], num_channels=3)
    assert act.coefficients.shape == (3, 2)
    assert nets.PolynomialActivation(3, 4).num_channels == 4  # (degree, num_channels) of the other series modules
    default = nets.PolynomialActivation(3)
    torch.testing.assert_close(default.coefficients.double(), torch.from_numpy(nets.activations.init.monomial_variance_preserving(3)))


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"coefficients": [1.0, 2.0]}, ValueError, r"shape \(4,\) or \(num_channels, 4\) for degree=3.*got shape \(2,\)"),
        ({"coefficients": [1.0, np.nan, 0.0, 0.0]}, ValueError, r"`coefficients` must be finite"),
        ({"coefficients": [[1.0] * 4] * 2, "num_channels": 3}, ValueError, r"2 rows but num_channels=3"),
        ({"coefficients": 2, "num_channels": 3}, TypeError, r"got the int 2 together with num_channels=3"),
        ({"coefficients": "abcd"}, (TypeError, ValueError), r"`coefficients`"),
    ],
)
def test_bad_coefficients_name_the_argument(kwargs, error, message):
    with pytest.raises(error, match=message):
        nets.PolynomialActivation(3, **kwargs)


def test_horner_gradcheck_and_saved_memory():
    x = torch.randn(6, 3, dtype=torch.float64, requires_grad=True)
    for c in (torch.randn(5, dtype=torch.float64), torch.randn(3, 5, dtype=torch.float64)):
        assert torch.autograd.gradcheck(horner_activation, (x, c.requires_grad_()))
    act = nets.PolynomialActivation(12)
    y = act(torch.randn(8, 4, requires_grad=True))
    saved = [t for t in y.grad_fn.saved_tensors]
    assert len(saved) == 2 and saved[1] is act.coefficients  # only x and the coefficients


def test_fused_keyword_still_selects_the_compiled_power_series():
    act = nets.PolynomialActivation(3, fused=True)
    assert act.fused and "fused=True" in repr(act)
