"""Tropical activations [KK25]: initial function, ties, rational variant."""

from __future__ import annotations

import math

import pytest
import torch

import nets


@pytest.mark.parametrize("degree", [1, 3, 5, 8])
def test_initialisation_is_sqrt2_relu(degree):
    x = torch.linspace(-4, 4, 101, dtype=torch.float64)
    module = nets.TropicalActivation(degree).double()
    torch.testing.assert_close(module(x), math.sqrt(2) * torch.relu(x))


def test_rational_initialisation_is_shifted_scaled_clip():
    module = nets.TropicalActivation(4, rational=True, clip=1.5).double()
    x = torch.linspace(-4, 4, 101, dtype=torch.float64)
    shift = module.intercepts[0].item()
    expected = module.scale * (4 * torch.clamp(x, 0.0, 1.5) + shift)
    torch.testing.assert_close(module(x), expected)


def test_matches_brute_force_max_with_learned_intercepts():
    generator = torch.Generator().manual_seed(0)
    module = nets.TropicalActivation(4, 3, rational=True).double()
    with torch.no_grad():
        module.intercepts.normal_(generator=generator)
        module.denominator.normal_(generator=generator)
    x = torch.randn(10, 3, 2, generator=generator, dtype=torch.float64)
    k = torch.arange(5, dtype=torch.float64)
    lines = lambda c: (x[..., None] * k + c[None, :, None, :]).amax(-1)  # noqa: E731
    expected = module.scale * (lines(module.intercepts.detach()) - lines(module.denominator.detach()))
    torch.testing.assert_close(module(x), expected)


def test_ties_go_to_the_smallest_slope():
    # all lines meet at x = 0 when intercepts are zero: the gradient there is slope 0
    x = torch.zeros(3, requires_grad=True)
    nets.TropicalActivation(4)(x).sum().backward()
    torch.testing.assert_close(x.grad, torch.zeros(3))
