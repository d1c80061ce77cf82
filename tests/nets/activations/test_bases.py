"""Bases: values and derivatives against numpy.polynomial / closed forms; exact change of basis."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from numpy.polynomial import hermite_e

from nets.activations.bases import (
    BASES,
    check_degree,
    get_basis,
    hermite_to_monomial,
    hermite_to_monomial_matrix,
    monomial_to_hermite,
)

X = np.linspace(-3.5, 3.5, 29)


def _reference(name: str, degree: int, x: np.ndarray) -> np.ndarray:
    """Independent evaluation of the basis functions (rows) at x."""
    if name == "hermite":
        return np.stack([hermite_e.hermeval(x, np.eye(degree + 1)[k]) / math.factorial(k) for k in range(degree + 1)])
    if name == "monomial":
        return np.stack([x**k for k in range(degree + 1)])
    harmonics = range(1, degree + 1)
    return np.stack(
        [np.ones_like(x)]
        + [np.cos(k * x) / math.factorial(k) for k in harmonics]
        + [np.sin(k * x) / math.factorial(k) for k in harmonics]
    )


@pytest.mark.parametrize("name", sorted(BASES))
@pytest.mark.parametrize("degree", [1, 2, 3, 8, 12])
def test_values_match_independent_reference(name, degree):
    values = BASES[name].evaluate(torch.from_numpy(X), degree).numpy()
    assert values.shape == (BASES[name].size(degree), X.size)
    np.testing.assert_allclose(values, _reference(name, degree, X), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(BASES))
@pytest.mark.parametrize("degree", [1, 4, 9])
def test_derivative_matrix_matches_autograd(name, degree):
    basis = BASES[name]
    x = torch.from_numpy(X).requires_grad_()
    phi = basis.evaluate(x, degree)
    rows = [torch.autograd.grad(phi[j].sum(), x, retain_graph=True)[0] for j in range(phi.shape[0])]
    expected = torch.stack(rows).detach().numpy()
    actual = basis.derivative_matrix(degree) @ phi.detach().numpy()
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(BASES))
def test_eager_buffers_match_functional_terms(name):
    basis = BASES[name]
    x = torch.from_numpy(X)
    eager = [(row, term.clone()) for row, term in basis.raw_terms(x, 7, reuse=True)]
    functional = list(basis.raw_terms(x, 7, reuse=False))
    assert [r for r, _ in eager] == [r for r, _ in functional]
    # functional mode scales the multiplier once (``(v t) R`` instead of ``v (t R)``): equal up to rounding
    for (_, a), (_, b) in zip(eager, functional):
        torch.testing.assert_close(a, b, rtol=1e-13, atol=1e-13)


def test_hermite_to_monomial_literal_oracles():
    # He_3 / 3! = (x^3 - 3x) / 6,  He_4 / 4! = (x^4 - 6x^2 + 3) / 24
    np.testing.assert_array_equal(hermite_to_monomial([0, 0, 0, 6.0]), [0.0, -3.0, 0.0, 1.0])
    np.testing.assert_array_equal(hermite_to_monomial([0, 0, 0, 0, 24.0]), [3.0, 0.0, -6.0, 0.0, 1.0])
    np.testing.assert_array_equal(hermite_to_monomial_matrix(1), np.eye(2))


@pytest.mark.parametrize("degree", [1, 3, 8, 15])
def test_conversions_are_inverse_and_preserve_the_function(degree):
    rng = np.random.default_rng(degree)
    c = rng.standard_normal((3, degree + 1))  # leading channel axis is kept
    m = hermite_to_monomial(c)
    np.testing.assert_allclose(monomial_to_hermite(m), c, rtol=1e-10, atol=1e-10)
    x = np.linspace(-2, 2, 11)
    phi = BASES["hermite"].evaluate(torch.from_numpy(x), degree).numpy()
    np.testing.assert_allclose(
        c @ phi, np.stack([np.polynomial.polynomial.polyval(x, row) for row in m]), rtol=1e-9, atol=1e-9
    )


@pytest.mark.parametrize(
    "bad, error",
    [(0, ValueError), (-2, ValueError), (2.0, TypeError), (True, TypeError), ("3", TypeError), (None, TypeError)],
)
def test_check_degree_rejects_bad_values_with_named_message(bad, error):
    with pytest.raises(error, match=r"`degree` must be a positive int.*" + repr(bad).replace("(", r"\(")[:3]):
        check_degree(bad)


def test_unknown_basis_lists_allowed_names():
    with pytest.raises(ValueError, match=r"`basis` must be one of \['fourier', 'hermite', 'monomial'\], got 'chebyshev'"):
        get_basis("chebyshev")


def test_conversion_rejects_scalars():
    with pytest.raises(ValueError, match="`coefficients`"):
        hermite_to_monomial(3.0)
