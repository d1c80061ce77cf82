"""Backward memory is O(1) per element whatever the degree; fused kernels agree with eager ones."""

from __future__ import annotations

import shutil

import pytest
import torch
import torch.nn.functional as F

import nets
from tests.nets._benchmarks import load_benchmark

saved_bytes_per_element = load_benchmark("nets_activations").saved_bytes_per_element


@pytest.mark.parametrize(
    "factory",
    [
        nets.HermiteActivation,
        nets.FourierActivation,
        nets.PolynomialActivation,
        nets.TropicalActivation,
        lambda n: nets.TropicalActivation(n, rational=True),
        lambda n: nets.TMAF(nets.uniform_breakpoints(-2, 2, 4 * n)),
        lambda n: nets.TMAF(nets.uniform_breakpoints(-2, 2, 4 * n), structure="tridiagonal"),
    ],
)
@pytest.mark.parametrize("degree", [2, 8, 16])
def test_saved_bytes_do_not_grow_with_degree(factory, degree):
    x = torch.randn(256, 64, requires_grad=True)
    gelu_bytes = saved_bytes_per_element(torch.nn.GELU(), x)
    # the parameters are saved too: a few hundred bytes spread over the elements
    assert saved_bytes_per_element(factory(degree), x) <= 1.05 * gelu_bytes


def test_bfloat16_input_saves_bfloat16():
    x = torch.randn(128, 64, dtype=torch.bfloat16, requires_grad=True)
    assert saved_bytes_per_element(nets.HermiteActivation(8), x) < 2.2


@pytest.mark.skipif(shutil.which("g++") is None and shutil.which("cl") is None, reason="torch.compile needs a C++ compiler")
def test_fused_kernels_match_eager():
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(32, 3, 5, generator=generator, dtype=torch.float64, requires_grad=True)
    for eager, fused in [
        (nets.HermiteActivation(4, 3), nets.HermiteActivation(4, 3, fused=True)),
        (nets.FourierActivation(4, 3), nets.FourierActivation(4, 3, fused=True)),
        (nets.FourierActivation(3), nets.FourierActivation(3, fused=True)),
        (nets.PolynomialActivation(5, num_channels=3), nets.PolynomialActivation(5, num_channels=3, fused=True)),
        (nets.TropicalActivation(4), nets.TropicalActivation(4, fused=True)),
        (nets.TropicalActivation(3, rational=True), nets.TropicalActivation(3, rational=True, fused=True)),
        (
            nets.TMAF(nets.gaussian_breakpoints(6), 3, structure="tridiagonal"),
            nets.TMAF(nets.gaussian_breakpoints(6), 3, structure="tridiagonal", fused=True),
        ),
    ]:
        with torch.no_grad():  # off the initialisation, so that off-diagonals and every level matter
            for p in eager.parameters():
                p.add_(0.3 * torch.randn(p.shape, generator=generator))
        eager, fused = eager.double(), fused.double()
        fused.load_state_dict(eager.state_dict())
        outputs = []
        for module in (eager, fused):
            x.grad = None
            y = module(x)
            (y * torch.arange(5.0, dtype=torch.float64)).sum().backward()
            outputs.append((y.detach(), x.grad.clone(), [p.grad.clone() for p in module.parameters()]))
        (y0, gx0, gp0), (y1, gx1, gp1) = outputs
        torch.testing.assert_close(y1, y0)
        torch.testing.assert_close(gx1, gx0)
        for a, b in zip(gp1, gp0):
            torch.testing.assert_close(a, b)


@pytest.mark.skipif(shutil.which("g++") is None and shutil.which("cl") is None, reason="torch.compile needs a C++ compiler")
def test_fused_tmaf_presets_are_exact():
    x = torch.randn(257, 33, generator=torch.Generator().manual_seed(0))
    x[0, :4] = torch.tensor([0.0, -0.0, 1e-30, -1e-30])
    assert torch.equal(nets.TMAF.relu(fused=True)(x), torch.relu(x))
    assert torch.equal(nets.TMAF.leaky_relu(0.01, fused=True)(x), F.leaky_relu(x, 0.01))



@pytest.mark.skipif(shutil.which("g++") is None and shutil.which("cl") is None, reason="torch.compile needs a C++ compiler")
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_fused_kernels_in_reduced_and_single_precision_match_float64(dtype):
    """Fused kernels in float32 and bfloat16 (evaluated in float32) agree with the float64 eager
    values and gradients to the precision of the input's dtype."""
    generator = torch.Generator().manual_seed(3)
    x64 = torch.randn(16, 6, 4, generator=generator, dtype=torch.float64)
    tolerance = {"rtol": 3e-2, "atol": 3e-2} if dtype == torch.bfloat16 else {"rtol": 1e-4, "atol": 1e-4}
    for make in (
        lambda fused: nets.FourierActivation(5, fused=fused),
        lambda fused: nets.TropicalActivation(4, rational=True, fused=fused),
        lambda fused: nets.TMAF(nets.gaussian_breakpoints(6), structure="tridiagonal", fused=fused),
    ):
        reference, fused = make(False).double(), make(True)
        with torch.no_grad():
            for p in reference.parameters():
                p.add_(0.3 * torch.randn(p.shape, generator=generator, dtype=torch.float64))
        fused.load_state_dict(reference.state_dict())
        fused = fused.to(dtype) if dtype != torch.bfloat16 else fused.float()
        results = []
        for module, x in ((reference, x64.clone()), (fused, x64.to(dtype))):
            x.requires_grad_()
            y = module(x)
            assert y.dtype == x.dtype
            (y.double() * torch.linspace(-1, 1, 4, dtype=torch.float64)).sum().backward()
            results.append([y.detach().double(), x.grad.double(), *(p.grad.double() for p in module.parameters())])
        for got, want in zip(results[1], results[0]):
            torch.testing.assert_close(got, want, **tolerance)


def test_padded_workspace_keeps_zero_borders_and_a_bounded_cache():
    from nets.activations import piecewise

    first = torch.randn(3, 5, 2)
    padded = piecewise._pad_channels(first, 1, transient=True)
    torch.testing.assert_close(padded[:, 1:-1], first)
    assert padded[:, 0].abs().sum() == 0 and padded[:, -1].abs().sum() == 0
    second = torch.randn(3, 5, 2)
    again = piecewise._pad_channels(second, 1, transient=True)
    assert again.data_ptr() == padded.data_ptr()  # the same buffer, reused
    torch.testing.assert_close(again[:, 1:-1], second)
    assert again[:, 0].abs().sum() == 0 and again[:, -1].abs().sum() == 0
    for rows in range(4, 4 + 2 * piecewise._WORKSPACE_LIMIT):
        piecewise._pad_channels(torch.ones(rows, 2), 2, transient=True)
    assert len(piecewise._WORKSPACES.buffers) == piecewise._WORKSPACE_LIMIT
    fresh = piecewise._pad_channels(second, 1)  # not transient: a tensor of its own
    assert fresh.data_ptr() != again.data_ptr()
    torch.testing.assert_close(fresh, again)
