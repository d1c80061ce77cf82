"""TMAF [LZX21]: presets, intervals closed on the right, tri-diagonal coupling, breakpoint factories."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import nets


def _edgy_input(dtype=torch.float32):
    x = torch.randn(257, 33, dtype=dtype, generator=torch.Generator().manual_seed(0))
    x[0, :5] = torch.tensor([0.0, -0.0, 1e-30, -1e-30, 3.0], dtype=dtype)
    return x


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("num_channels", [None, 33])
def test_relu_preset_is_exact(dtype, num_channels):
    x = _edgy_input(dtype)
    assert torch.equal(nets.TMAF.relu(num_channels, dtype=dtype)(x), torch.relu(x))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("slope", [0.01, 0.2, 0.0, 1.5])
def test_leaky_relu_preset_is_exact(dtype, slope):
    x = _edgy_input(dtype)
    assert torch.equal(nets.TMAF.leaky_relu(slope, dtype=dtype)(x), F.leaky_relu(x, slope))


def test_preset_gradients_match_relu():
    x = _edgy_input().requires_grad_()
    nets.TMAF.leaky_relu(0.1)(x).sum().backward()
    expected = torch.where(x.detach() > 0, 1.0, 0.1)
    torch.testing.assert_close(x.grad, expected)


def test_intervals_are_closed_on_the_right():
    # s = (0, 1), t = (0, 1, 0): the paper's discontinuous example; x = 1 belongs to (0, 1]
    module = nets.TMAF([0.0, 1.0], init=(0.0, 1.0, 0.0)).double()
    x = torch.tensor([-1.0, 0.0, 0.5, 1.0, 1.0 + 1e-12, 2.0], dtype=torch.float64)
    torch.testing.assert_close(module(x), torch.tensor([0.0, 0.0, 0.5, 1.0, 0.0, 0.0], dtype=torch.float64))


def test_level_gradient_is_input_on_its_interval():
    module = nets.TMAF([0.0, 1.0]).double()
    x = torch.tensor([-2.0, -0.5, 0.3, 0.9, 5.0], dtype=torch.float64)
    module(x).sum().backward()
    torch.testing.assert_close(module.levels.grad[0], torch.tensor([-2.5, 1.2, 5.0], dtype=torch.float64))


def test_tridiagonal_matches_explicit_matrix():
    generator = torch.Generator().manual_seed(1)
    module = nets.TMAF([-0.5, 0.5], structure="tridiagonal").double()
    with torch.no_grad():
        module.levels.copy_(torch.randn(3, 3, generator=generator, dtype=torch.float64))
    y = torch.randn(4, 6, generator=generator, dtype=torch.float64)
    alpha, gamma, beta = (module.levels[d][torch.bucketize(y, module.breakpoints)] for d in range(3))
    expected = torch.empty_like(y)
    for n in range(4):
        matrix = torch.diag(alpha[n]) + torch.diag(gamma[n, :-1], -1) + torch.diag(beta[n, 1:], 1)
        expected[n] = matrix @ y[n]
    torch.testing.assert_close(module(y), expected.detach())


def test_tridiagonal_starts_as_the_diagonal():
    x = torch.randn(5, 7, 3)
    grid = nets.gaussian_breakpoints(8)
    torch.testing.assert_close(nets.TMAF(grid, structure="tridiagonal")(x), nets.TMAF(grid)(x))


def test_tridiagonal_needs_a_neighbour_dimension():
    with pytest.raises(ValueError, match=r"off-diagonals needs inputs with >= 2 dimensions, got shape \(5,\)"):
        nets.TMAF([0.0], structure="tridiagonal")(torch.randn(5))


def test_default_initialisation_is_scaled_relu():
    module = nets.TMAF(nets.gaussian_breakpoints(10))
    x = torch.randn(100)
    torch.testing.assert_close(module(x), 2**0.5 * torch.relu(x))


def test_gaussian_breakpoints_are_equiprobable():
    grid = nets.gaussian_breakpoints(10)
    cdf = 0.5 * (1 + torch.erf(torch.from_numpy(grid) / 2**0.5)).numpy()
    np.testing.assert_allclose(cdf, np.arange(1, 10) / 10, atol=1e-12)
    assert nets.gaussian_breakpoints(4, mean=1.0, std=2.0)[1] == pytest.approx(1.0)


def test_uniform_breakpoints_reproduce_the_paper_grid():
    grid = nets.uniform_breakpoints(-1.0, 1.0, 102)  # (-inf,-1], 100 cells of width 0.02, (1, inf)
    assert grid.size == 101 and grid[0] == -1.0 and grid[-1] == 1.0
    np.testing.assert_allclose(np.diff(grid), 0.02)


@pytest.mark.parametrize(
    "breakpoints, kwargs, error, message",
    [
        ([0.0, 0.0, 1.0], {}, ValueError, r"`breakpoints` must be strictly increasing, got \[0.0, 0.0, 1.0\]"),
        ([1.0, 0.0], {}, ValueError, r"`breakpoints` must be strictly increasing"),
        ([], {}, ValueError, r"`breakpoints` must be a non-empty 1-D sequence, got shape \(0,\)"),
        ([[0.0, 1.0]], {}, ValueError, r"non-empty 1-D sequence, got shape \(1, 2\)"),
        ([0.0, float("nan")], {}, ValueError, r"`breakpoints` must be finite"),
        (["a"], {}, TypeError, r"`breakpoints` must be a 1-D sequence of floats"),
        ([0.0], {"structure": "pentadiagonal"}, ValueError, r"`structure` must be one of \['diagonal', 'tridiagonal'\]"),
        ([0.0], {"init": (1.0,)}, ValueError, r"`init` must hold 2 finite levels .* got \(1.0,\)"),
        ([0.0], {"num_channels": -3}, ValueError, r"`num_channels` must be None .* got -3"),
    ],
)
def test_bad_arguments(breakpoints, kwargs, error, message):
    with pytest.raises(error, match=message):
        nets.TMAF(breakpoints, **kwargs)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: nets.gaussian_breakpoints(1), ValueError, r"`num_intervals` must be an int >= 2, got 1"),
        (lambda: nets.gaussian_breakpoints(2.0), TypeError, r"`num_intervals` must be an int >= 2, got 2.0"),
        (lambda: nets.gaussian_breakpoints(4, std=0.0), ValueError, r"`std` must be positive"),
        (lambda: nets.uniform_breakpoints(1.0, -1.0, 5), ValueError, r"low < high, got low=1.0, high=-1.0"),
        (lambda: nets.uniform_breakpoints(-1.0, 1.0, 2), ValueError, r"`num_intervals` must be an int >= 3, got 2"),
        (lambda: nets.TMAF.leaky_relu("0.1"), TypeError, r"`negative_slope` must be a finite float, got '0.1'"),
    ],
)
def test_bad_factory_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("num_intervals", [4, 17, 40])  # both search paths (comparisons <= 16 breakpoints, bucketize)
def test_interval_search_paths_agree_on_breakpoints(num_intervals):
    grid = nets.uniform_breakpoints(-2.0, 2.0, num_intervals)
    levels = torch.arange(num_intervals, dtype=torch.float64)
    module = nets.TMAF(grid, init=tuple(levels.tolist())).double()
    x = torch.cat([torch.from_numpy(grid), torch.linspace(-3, 3, 301, dtype=torch.float64)])
    expected = levels[torch.bucketize(x, torch.from_numpy(grid), right=False)] * x
    torch.testing.assert_close(module(x), expected, rtol=0, atol=0)
