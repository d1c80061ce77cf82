r"""Variance-preserving initialisation: exact constants and gains under a Gaussian input.

Gains (He/Kaiming style, [KK25]) of an activation ``F`` for an input ``x ~ N(0, 1)``:

.. math::

    \Gamma = \frac{\operatorname{Var}[x]}{E[F(x)^2]}, \qquad
    \Gamma' = \frac{\operatorname{Var}[x]}{E[F'(x)^2]},

and an activation is *variance-preserving* (VP) when both equal 1.  Every family here reaches this
the same way: fix the *shape* of ``F`` (all coefficients but the constant), pick the constant
``a_0`` so that ``E[F^2] = E[F'^2]`` and then rescale.  The constant exists because
``Var[F] <= E[F'^2]`` (Gaussian Poincare inequality), and

.. math:: a_0 = -E[F] + \sqrt{E[F'^2] - \operatorname{Var}[F]}.

For the Hermite basis ``He_k/k!`` with all other coefficients equal this gives the closed form
``a_k = c_n`` (``k >= 1``), ``a_0 = c_n sqrt(1 - 1/n!)``, ``c_n = (sum_{j<n} 1/j!)^{-1/2}``.
Expectations are computed by Gauss-Hermite quadrature (exact for polynomials up to degree
``2 num_nodes - 1``) or, for piecewise-linear functions, by Gauss-Legendre quadrature on each piece.

References
----------
.. [KK25] I. Khalfaoui-Hassani, S. Kesselheim, "Polynomial, trigonometric, and tropical activations",
   ICLR 2026, arXiv:2502.01247.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
from numpy.polynomial import hermite_e, legendre
from numpy.typing import NDArray

from nets.activations.bases import check_degree, get_basis, hermite_to_monomial

__all__ = [
    "gaussian_expectation",
    "gains",
    "equalise_gains",
    "hermite_variance_preserving",
    "hermite_alternating_variance_preserving",
    "length_map_slope",
    "fourier_variance_preserving",
    "monomial_variance_preserving",
    "monomial_alternating_variance_preserving",
    "series_variance_preserving",
    "tropical_scale",
    "tropical_rational_variance_preserving",
]

_GAUSS_HERMITE_NODES = 120
_PIECEWISE_NODES = 64
_TAIL = 12.0  # |x| beyond which the N(0, 1) density (< 1e-31) is ignored


def gaussian_expectation(
    fn: Callable[[NDArray[np.float64]], NDArray[np.float64]],
    *,
    kinks: Sequence[float] = (),
    num_nodes: int | None = None,
) -> float:
    """``E[fn(x)]`` for ``x ~ N(0, 1)`` by quadrature.

    Parameters
    ----------
    fn : callable
        Vectorised function of a float64 array.
    kinks : sequence of float
        Points where ``fn`` is not smooth.  Empty: Gauss-Hermite with ``num_nodes`` nodes (default
        120).  Otherwise: Gauss-Legendre with ``num_nodes`` (default 64) nodes on each piece of
        ``[-12, 12]`` split at the kinks, which is exact for piecewise polynomials of degree
        ``< 2 num_nodes`` times the density up to the density's own quadrature error (< 1e-15).

    Examples
    --------
    >>> round(gaussian_expectation(lambda x: x**4), 12)
    3.0
    """
    if not kinks:
        nodes, weights = hermite_e.hermegauss(num_nodes or _GAUSS_HERMITE_NODES)
        return float(np.dot(weights, fn(nodes)) / math.sqrt(2.0 * math.pi))
    edges = np.unique(np.clip(np.concatenate([[-_TAIL, _TAIL], np.asarray(kinks, float)]), -_TAIL, _TAIL))
    unit_nodes, unit_weights = legendre.leggauss(num_nodes or _PIECEWISE_NODES)
    total = 0.0
    for low, high in zip(edges[:-1], edges[1:]):
        half = 0.5 * (high - low)
        nodes = low + half * (unit_nodes + 1.0)
        density = np.exp(-0.5 * nodes**2) / math.sqrt(2.0 * math.pi)
        total += half * float(np.dot(unit_weights * density, fn(nodes)))
    return float(total)


def gains(
    activation: Callable[[torch.Tensor], torch.Tensor],
    *,
    kinks: Sequence[float] = (),
    num_nodes: int | None = None,
) -> tuple[float, float]:
    """Forward and backward gains ``(Var[x]/E[F^2], Var[x]/E[F'^2])`` of ``activation`` under ``N(0, 1)``.

    ``activation`` is evaluated on float64 quadrature nodes (a module must accept float64, e.g.
    after ``.double()``) and differentiated by autograd.  See :func:`gaussian_expectation` for
    ``kinks`` and ``num_nodes``.
    """

    def values(nodes: NDArray[np.float64], which: int) -> NDArray[np.float64]:
        x = torch.tensor(nodes, dtype=torch.float64, requires_grad=True)
        y = activation(x)
        (dy,) = torch.autograd.grad(y.sum(), x, allow_unused=False)
        return (y if which == 0 else dy).detach().numpy() ** 2

    forward = gaussian_expectation(lambda n: values(n, 0), kinks=kinks, num_nodes=num_nodes)
    backward = gaussian_expectation(lambda n: values(n, 1), kinks=kinks, num_nodes=num_nodes)
    return 1.0 / forward, 1.0 / backward


def equalise_gains(mean: float, variance: float, slope_second_moment: float) -> tuple[float, float]:
    """Shift ``a_0`` and scale ``s`` making ``G = s (F + a_0)`` variance-preserving under ``N(0, 1)``.

    Parameters
    ----------
    mean, variance : float
        ``E[F]`` and ``Var[F]`` of the unshifted shape ``F``.
    slope_second_moment : float
        ``E[F'^2] > 0``.

    Returns
    -------
    shift, scale : float
        ``a_0 = -E[F] + sqrt(E[F'^2] - Var[F])`` (the root of smaller magnitude when ``E[F] >= 0``)
        and ``s = E[F'^2]^{-1/2}``, so that ``E[G^2] = E[G'^2] = 1``.
    """
    if not slope_second_moment > 0.0:
        raise ValueError(f"`slope_second_moment` must be > 0, got {slope_second_moment!r}")
    # Poincare: variance <= slope_second_moment; allow round-off only.
    gap = slope_second_moment - variance
    if gap < -1e-12 * max(1.0, slope_second_moment):
        raise ValueError(f"Var[F] = {variance!r} exceeds E[F'^2] = {slope_second_moment!r}; not a Gaussian law?")
    return -mean + math.sqrt(max(gap, 0.0)), 1.0 / math.sqrt(slope_second_moment)


def hermite_variance_preserving(degree: int) -> NDArray[np.float64]:
    """Exact VP coefficients in the ``He_k/k!`` basis (closed form in the module docstring).

    Examples
    --------
    >>> np.round(hermite_variance_preserving(1), 6)   # F(x) = x
    array([0., 1.])
    """
    n = check_degree(degree)
    c = 1.0 / math.sqrt(math.fsum(1.0 / math.factorial(j) for j in range(n)))
    coefficients = np.full(n + 1, c)
    coefficients[0] = c * math.sqrt(1.0 - 1.0 / math.factorial(n))
    return coefficients


def hermite_alternating_variance_preserving(degree: int) -> NDArray[np.float64]:
    r"""VP coefficients in the ``He_k/k!`` basis that also stay variance-preserving through depth.

    ``a_k = s_k c_n`` with the sign pattern ``s = (+, +, -, -, +, +, ...)`` (``s_k = +1`` iff
    ``floor(k/2)`` is even) and ``a_0 = c_n sqrt(1 - 1/n!)``, ``c_n`` as in
    :func:`hermite_variance_preserving`.  The Hermite basis is orthogonal, so the signs change neither
    ``E[F^2]`` nor ``E[F'^2]``: both gains are exactly 1.

    Why the signs: in a deep network without normalisation the second moment ``q`` of the
    pre-activations follows the length map ``q -> V(q) = E[F(sqrt(q) xi)^2]``, ``xi ~ N(0, 1)``, and
    a VP activation makes ``q = 1`` a fixed point.  Its slope (:func:`length_map_slope`) is
    ``V'(1) = E[xi F F'] = E[F'^2] + E[F F''] = 1 + sum_k a_k a_{k+2} / k!`` (Stein's lemma and
    ``P_k'' = P_{k-2}``).  With all ``a_k`` equal the sum is positive, ``V'(1) = 1.77, 1.98, 2.00``
    for ``n = 3, 5, 8``: the fixed point repels, the finite-width fluctuation of ``q`` around 1
    (about ``sqrt(2 / width)``) grows by that factor per layer, and once ``q > 1`` the degree-``n``
    growth ``V(q) ~ q^n`` overflows (a 12-layer MLP of width 256 reaches ``inf`` by layer 4-8).
    Indeed ``sum_k He_k(x)/k!`` is the Taylor series of ``exp(x - 1/2)``: the paper's start is a
    truncated exponential, which compounds through layers.  With the alternating signs every
    product ``a_k a_{k+2}`` is negative, ``V'(1) = 1 - c_n^2 sum_{k<=n-2} 1/k! = 0.23, 0.017, 0.0001``, so
    the fixed point attracts; the series is a truncation of ``sqrt(e) c (cos x + sin x)``, bounded
    like the Fourier family, which is stable for the same reason.

    Examples
    --------
    >>> np.round(hermite_alternating_variance_preserving(3), 4)
    array([ 0.5774,  0.6325, -0.6325, -0.6325])
    """
    coefficients = hermite_variance_preserving(degree)
    signs = np.array([1.0 if (k // 2) % 2 == 0 else -1.0 for k in range(coefficients.size)])
    return coefficients * signs


def length_map_slope(activation: Callable[[torch.Tensor], torch.Tensor], *, num_nodes: int | None = None) -> float:
    r"""``V'(1) = E[x F(x) F'(x)]`` for ``x ~ N(0, 1)``: the slope of the length map at the VP fixed point.

    ``V(q) = E[F(sqrt(q) x)^2]`` maps the second moment of one layer's pre-activations to the next
    one's (wide-network limit, weights of variance ``1/fan_in``).  A VP activation has ``V(1) = 1``;
    the fixed point is stable through depth when ``V'(1) <= 1`` (ReLU and the tropical/TMAF
    initialisations: exactly 1, positively homogeneous) and repels when ``V'(1) > 1``.  Gauss-Hermite
    quadrature of a smooth ``activation`` (a module must accept float64).
    """

    def integrand(nodes: NDArray[np.float64]) -> NDArray[np.float64]:
        x = torch.tensor(nodes, dtype=torch.float64, requires_grad=True)
        y = activation(x)
        (dy,) = torch.autograd.grad(y.sum(), x)
        return (x * y * dy).detach().numpy()

    return gaussian_expectation(integrand, num_nodes=num_nodes)


def series_variance_preserving(basis: str, degree: int, shape: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
    """VP coefficients for any series basis by quadrature (the generic route of the module docstring).

    Parameters
    ----------
    basis : {"hermite", "fourier", "monomial"}
    degree : int
    shape : array, optional
        Coefficients fixing the shape (the constant entry is ignored); default all ones.
    """
    b = get_basis(basis)
    n = check_degree(degree)
    size = b.size(n)
    c = np.ones(size) if shape is None else np.array(shape, dtype=np.float64)
    c[0] = 0.0
    slope = c @ b.derivative_matrix(n)

    def series(weights: NDArray[np.float64]) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
        def f(nodes: NDArray[np.float64]) -> NDArray[np.float64]:
            phi = b.evaluate(torch.from_numpy(nodes), n).numpy()
            return np.asarray(weights @ phi)

        return f

    f, df = series(c), series(slope)
    mean = gaussian_expectation(f)
    variance = gaussian_expectation(lambda x: f(x) ** 2) - mean**2
    slope_moment = gaussian_expectation(lambda x: df(x) ** 2)
    shift, scale = equalise_gains(mean, variance, slope_moment)
    c[0] = shift  # basis function 0 is the constant 1 in every basis
    return c * scale


def fourier_variance_preserving(degree: int) -> NDArray[np.float64]:
    """VP coefficients for the Fourier basis under ``N(0, 1)``: ``a_k = b_k = alpha`` for ``k >= 1``.

    Order ``(a_0, a_1..a_n, b_1..b_n)`` as in :mod:`nets.activations.bases`; ``a_0`` and ``alpha`` from
    :func:`equalise_gains` with Gauss-Hermite moments (the trigonometric basis is not orthogonal
    under a Gaussian, so there is no simple closed form).
    """
    return series_variance_preserving("fourier", degree)


def monomial_variance_preserving(degree: int) -> NDArray[np.float64]:
    """The Hermite VP activation written in ascending powers (the same function as :func:`hermite_variance_preserving`)."""
    return hermite_to_monomial(hermite_variance_preserving(degree))


def monomial_alternating_variance_preserving(degree: int) -> NDArray[np.float64]:
    """:func:`hermite_alternating_variance_preserving` written in ascending powers (the same function)."""
    return hermite_to_monomial(hermite_alternating_variance_preserving(degree))


def tropical_scale(degree: int) -> float:
    """``sqrt(2)/n``: with zero intercepts ``(sqrt(2)/n) max_k(k x) = sqrt(2) ReLU(x)``, which is VP."""
    return math.sqrt(2.0) / check_degree(degree)


def tropical_rational_variance_preserving(degree: int, clip: float) -> tuple[float, float]:
    r"""Scale ``s`` and numerator shift for the tropical rational initialisation.

    The initial shape is ``max_k(k x) - max_k(k (x - b)) = n clip(x, 0, b)`` (numerator intercepts
    0, denominator intercepts ``-k b``).  Closed-form Gaussian moments of ``u = clip(x, 0, b)``
    (:math:`\varphi`, :math:`\Phi`: standard normal density and distribution function):
    ``E[u] = phi(0) - phi(b) + b (1 - Phi(b))``,
    ``E[u^2] = Phi(b) - 1/2 - b phi(b) + b^2 (1 - Phi(b))``, ``E[u'^2] = Phi(b) - 1/2``.

    Returns
    -------
    scale, shift : float
        ``F = scale * (max_k(k x + shift) - max_k(k (x - b)))`` is VP; ``shift`` is added to every
        numerator intercept.
    """
    n = check_degree(degree)
    b = float(clip)
    phi = lambda t: math.exp(-0.5 * t * t) / math.sqrt(2.0 * math.pi)  # noqa: E731
    cdf = lambda t: 0.5 * math.erfc(-t / math.sqrt(2.0))  # noqa: E731
    mean = n * (phi(0.0) - phi(b) + b * (1.0 - cdf(b)))
    second = n * n * (cdf(b) - 0.5 - b * phi(b) + b * b * (1.0 - cdf(b)))
    slope = n * n * (cdf(b) - 0.5)
    shift, scale = equalise_gains(mean, second - mean**2, slope)
    return scale, shift
