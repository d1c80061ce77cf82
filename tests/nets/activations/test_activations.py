"""Every activation module: shapes, dtypes, gradcheck, state_dict, .to(), repr, reset, bad input.

One parametrised body per property over all modules (the numpy.polynomial test_classes pattern).
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

import nets

# name -> factory(num_channels) ; covers every family and structure
FACTORIES = {
    "hermite3": lambda c: nets.HermiteActivation(3, c),
    "hermite8": lambda c: nets.HermiteActivation(8, c),
    "fourier5": lambda c: nets.FourierActivation(5, c),
    "polynomial4": lambda c: nets.PolynomialActivation(4, c),
    "tropical5": lambda c: nets.TropicalActivation(5, c),
    "tropical_rational3": lambda c: nets.TropicalActivation(3, c, rational=True),
    "tmaf_diagonal": lambda c: nets.TMAF(nets.gaussian_breakpoints(10), c),
    "tmaf_tridiagonal": lambda c: nets.TMAF(nets.gaussian_breakpoints(6), c, structure="tridiagonal"),
}
NAMES = sorted(FACTORIES)


def _perturb(module: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Move parameters away from the (degenerate, tie-rich) initialisation."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.3 * torch.randn(p.shape, generator=generator, dtype=p.dtype))
    return module


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(7, 4), (2, 4, 3, 5), (3, 4, 6)])
@pytest.mark.parametrize("num_channels", [None, 4])
def test_shape_is_preserved(name, shape, num_channels):
    module = FACTORIES[name](num_channels)
    x = torch.randn(shape)
    assert module(x).shape == x.shape


@pytest.mark.parametrize("name", [n for n in NAMES if "tridiagonal" not in n])
def test_shared_parameters_accept_any_shape(name):
    module = FACTORIES[name](None)
    for shape in [(), (5,), (2, 3, 1, 2)]:
        x = torch.randn(shape)
        assert module(x).shape == x.shape


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16, torch.float16])
def test_output_dtype_equals_input_dtype(name, dtype):
    module = FACTORIES[name](None)
    x = torch.randn(6, 4).to(dtype).requires_grad_()
    y = module(x)
    assert y.dtype == dtype
    y.float().sum().backward()
    assert x.grad.dtype == dtype
    # reduced precision agrees with float32 evaluation up to its rounding
    reference = module(x.detach().float())
    tolerance = {torch.float32: 1e-6, torch.float64: 1e-6, torch.bfloat16: 3e-2, torch.float16: 3e-3}[dtype]
    torch.testing.assert_close(y.float(), reference, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("num_channels", [None, 3])
def test_gradcheck_float64_inputs_and_parameters(name, num_channels):
    module = _perturb(FACTORIES[name](num_channels).double(), seed=1)
    names = [n for n, _ in module.named_parameters()]
    params = [p.detach().clone().requires_grad_() for _, p in module.named_parameters()]
    x = torch.randn(5, 3, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(2), requires_grad=True)

    def call(x, *ps):
        return torch.func.functional_call(module, dict(zip(names, ps)), (x,))

    assert torch.autograd.gradcheck(call, (x, *params), eps=1e-6, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_gradients_are_not_vacuous(name):
    """Every parameter and the input receive a non-zero gradient (guards against a gradcheck of zeros)."""
    module = _perturb(FACTORIES[name](None), seed=3)
    x = (2 * torch.randn(64, 6)).requires_grad_()
    module(x).pow(2).sum().backward()
    assert x.grad.abs().sum() > 0
    for n, p in module.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, n


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip(name):
    source = _perturb(FACTORIES[name](4), seed=4)
    buffer = io.BytesIO()
    torch.save(source.state_dict(), buffer)
    buffer.seek(0)
    target = FACTORIES[name](4)
    target.load_state_dict(torch.load(buffer))
    x = torch.randn(3, 4, 5)
    torch.testing.assert_close(target(x), source(x), rtol=0, atol=0)


@pytest.mark.parametrize("name", NAMES)
def test_factory_kwargs_and_to(name):
    module = FACTORIES[name](None).to(torch.float64)
    for tensor in list(module.parameters()) + list(module.buffers()):
        assert tensor.dtype == torch.float64
    # factory kwargs reach every parameter
    if name.startswith("tmaf"):
        built = nets.TMAF([0.0, 1.0], dtype=torch.float64, device="cpu")
    else:
        built = type(module)(3, dtype=torch.float64, device="cpu")
    assert all(p.dtype == torch.float64 and p.device.type == "cpu" for p in built.parameters())


@pytest.mark.parametrize("name", NAMES)
def test_reset_parameters_restores_initialisation(name):
    module = FACTORIES[name](2)
    initial = {k: v.clone() for k, v in module.state_dict().items()}
    _perturb(module)
    module.reset_parameters()
    for key, value in module.state_dict().items():
        torch.testing.assert_close(value, initial[key], rtol=0, atol=0)


@pytest.mark.parametrize("name", NAMES)
def test_extra_repr_names_the_configuration(name):
    text = repr(FACTORIES[name](4))
    assert "num_channels=4" in text
    assert ("degree=" in text) or ("num_intervals=" in text)


@pytest.mark.parametrize("name", [n for n in NAMES if "tridiagonal" not in n])  # coupling: test_tmaf
def test_per_channel_parameters_act_on_dimension_1(name):
    module = _perturb(FACTORIES[name](3), seed=5)
    x = torch.randn(4, 3, 2)
    y = module(x)
    # channel 1 of a per-channel module equals a shared module with channel 1's parameters
    shared = FACTORIES[name](None)
    with torch.no_grad():
        for (_, p_shared), (_, p) in zip(shared.named_parameters(), module.named_parameters()):
            p_shared.copy_(p[:, 1] if p.dim() == 3 else p[1])
    torch.testing.assert_close(y[:, 1], shared(x[:, 1]))


@pytest.mark.parametrize("name", NAMES)
def test_channel_mismatch_raises_with_shape_and_num_channels(name):
    module = FACTORIES[name](4)
    with pytest.raises(ValueError, match=r"\(2, 5\).*num_channels=4"):
        module(torch.randn(2, 5))


@pytest.mark.parametrize(
    "factory, message",
    [
        (lambda: nets.HermiteActivation(0), r"`degree` must be a positive int \(>= 1\), got 0"),
        (lambda: nets.FourierActivation(2.5), r"`degree` must be a positive int, got 2.5"),
        (lambda: nets.TropicalActivation(-1), r"`degree` must be a positive int \(>= 1\), got -1"),
        (lambda: nets.HermiteActivation(3, 0), r"`num_channels` must be None .* or a positive int, got 0"),
        (lambda: nets.HermiteActivation(3, "4"), r"`num_channels` must be None .* or a positive int, got '4'"),
        (lambda: nets.TropicalActivation(3, clip=-1.0), r"`clip` must be a positive finite float, got -1.0"),
        (lambda: nets.TropicalActivation(3, rational=1), r"`rational` must be a bool, got 1"),
        (lambda: nets.HermiteActivation(3, fused="yes"), r"`fused` must be a bool, got 'yes'"),
        (lambda: nets.SeriesActivation(3, "legendre"), r"`basis` must be one of .*got 'legendre'"),
    ],
)
def test_bad_constructor_arguments(factory, message):
    with pytest.raises((ValueError, TypeError), match=message):
        factory()


def test_bad_types_raise_type_error_and_bad_values_value_error():
    with pytest.raises(TypeError):
        nets.HermiteActivation("3")
    with pytest.raises(ValueError):
        nets.HermiteActivation(0)
    with pytest.raises(TypeError):
        nets.HermiteActivation(3, 2.0)


def test_series_activation_rejects_wrong_coefficient_count():
    with pytest.raises(ValueError, match=r"`coefficients` has 4 entries .* basis 'fourier' \(allowed: 3, 5, 7"):
        nets.series_activation(torch.randn(3), torch.randn(4), "fourier")


def test_hermite_module_converts_to_monomial():
    module = _perturb(nets.HermiteActivation(5, 2).double())
    monomial = nets.PolynomialActivation(5, 2).double()
    with torch.no_grad():
        monomial.coefficients.copy_(torch.from_numpy(module.to_monomial()))
    x = torch.randn(9, 2, dtype=torch.float64)
    torch.testing.assert_close(monomial(x), module(x))


@pytest.mark.parametrize("source, target", [("hermite", "monomial"), ("monomial", "hermite"), ("hermite", "hermite")])
@pytest.mark.parametrize("num_channels", [None, 2])
def test_to_basis_keeps_the_function(source, target, num_channels):
    module = _perturb(nets.activations.fit.SERIES_MODULES[source](6, num_channels).double(), seed=6)
    converted = module.to_basis(target)
    assert type(converted) is nets.activations.fit.SERIES_MODULES[target]
    assert converted.coefficients.shape == module.coefficients.shape
    assert converted.coefficients.dtype == torch.float64 and converted.num_channels == num_channels
    x = 2 * torch.randn(9, 2, 3, dtype=torch.float64)
    torch.testing.assert_close(converted(x), module(x), rtol=1e-10, atol=1e-10)
    # and back: the round trip returns the original coefficients
    torch.testing.assert_close(converted.to_basis(source).coefficients, module.coefficients, rtol=1e-10, atol=1e-12)


def test_to_monomial_of_every_polynomial_module_is_ascending_powers():
    monomial = _perturb(nets.PolynomialActivation(3))
    np.testing.assert_array_equal(monomial.to_monomial(), monomial.coefficients.detach().double().numpy())
    hermite = nets.HermiteActivation(2)
    with torch.no_grad():
        hermite.coefficients.copy_(torch.tensor([0.0, 0.0, 2.0]))  # 2 He_2 / 2! = x^2 - 1
    np.testing.assert_array_equal(hermite.to_monomial(), [-1.0, 0.0, 1.0])


def test_fourier_does_not_convert_to_a_polynomial():
    with pytest.raises(ValueError, match=r"basis 'fourier' is not a polynomial"):
        nets.FourierActivation(3).to_monomial()
    with pytest.raises(ValueError, match=r"cannot convert basis 'fourier' to 'hermite' exactly"):
        nets.FourierActivation(3).to_basis("hermite")
    with pytest.raises(ValueError, match=r"cannot convert basis 'monomial' to 'fourier' exactly"):
        nets.PolynomialActivation(3).to_basis("fourier")


def test_second_derivatives_are_not_silently_wrong():
    """The custom backward is once-differentiable: a second derivative is unavailable, never zero."""
    x = torch.randn(5, requires_grad=True)
    (g,) = torch.autograd.grad(nets.HermiteActivation(3)(x).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="does not require grad|once_differentiable"):
        g.sum().backward()
