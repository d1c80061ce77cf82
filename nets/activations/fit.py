r"""Convert a fixed activation (GELU, SiLU, tanh, any callable) into a learnable series activation.

The fit is linear in the coefficients, so it is one weighted least-squares solve that matches both
the value and the derivative of the target on Gauss-Legendre nodes of an interval:

.. math::

    \min_c \sum_i w_i \Big[(F_c(x_i) - f(x_i))^2 + \lambda (F_c'(x_i) - f'(x_i))^2\Big],
    \qquad F_c = \sum_j c_j \phi_j .

No iterative training and no cache: one linear least-squares solve.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from numpy.polynomial import legendre

from nets.activations.bases import check_degree, get_basis
from nets.activations.series import FourierActivation, HermiteActivation, PolynomialActivation, SeriesActivation

__all__ = ["from_activation", "fit_coefficients", "NAMED_ACTIVATIONS", "SERIES_MODULES"]

#: Targets that can be given by name.
NAMED_ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "gelu": F.gelu,
    "silu": F.silu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "softplus": F.softplus,
    "elu": F.elu,
}

#: Module class per basis name (linear-in-coefficients families only).
SERIES_MODULES: dict[str, type[SeriesActivation]] = {
    "hermite": HermiteActivation,
    "fourier": FourierActivation,
    "monomial": PolynomialActivation,
}

_DEFAULT_INTERVAL = (-math.sqrt(8.0), math.sqrt(8.0))


def _target(fn: str | Callable[[torch.Tensor], torch.Tensor]) -> Callable[[torch.Tensor], torch.Tensor]:
    if isinstance(fn, str):
        if fn not in NAMED_ACTIVATIONS:
            raise ValueError(f"`fn` must be a callable or one of {sorted(NAMED_ACTIVATIONS)}, got {fn!r}")
        return NAMED_ACTIVATIONS[fn]
    if not callable(fn):
        raise TypeError(f"`fn` must be a callable or a name in {sorted(NAMED_ACTIVATIONS)}, got {fn!r}")
    return fn


def _value_and_derivative(fn: Callable[[torch.Tensor], torch.Tensor], nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``f`` and ``f'`` on float64 nodes: autograd when ``fn`` is differentiable in torch, else central differences."""
    x = torch.tensor(nodes, dtype=torch.float64, requires_grad=True)
    try:
        y = fn(x)
    except (RuntimeError, TypeError):  # e.g. a numpy function calling .numpy() on a grad-requiring tensor
        y = None
    if isinstance(y, torch.Tensor) and y.requires_grad:
        (dy,) = torch.autograd.grad(y.sum(), x)
        return y.detach().numpy(), dy.numpy()
    # not traceable by autograd (e.g. a numpy function): step ~ eps^(1/3) balances truncation and round-off
    step = 6e-6 * np.maximum(1.0, np.abs(nodes))
    evaluate = lambda v: np.asarray(fn(torch.tensor(v, dtype=torch.float64)), dtype=np.float64)  # noqa: E731
    return evaluate(nodes), (evaluate(nodes + step) - evaluate(nodes - step)) / (2.0 * step)


def fit_coefficients(
    fn: str | Callable[[torch.Tensor], torch.Tensor],
    degree: int,
    basis: str = "hermite",
    *,
    interval: tuple[float, float] = _DEFAULT_INTERVAL,
    derivative_weight: float = 1.0,
    num_nodes: int | None = None,
) -> np.ndarray:
    """Least-squares coefficients of ``fn`` in ``basis`` matching value and derivative (see module docstring).

    Parameters
    ----------
    fn : callable or str
        Target ``f``; a torch-differentiable callable of a float64 tensor, or a name in
        :data:`NAMED_ACTIVATIONS`.  Non-differentiable callables get central differences.
    degree : int
        Positive degree.
    basis : {"hermite", "fourier", "monomial"}
    interval : (float, float)
        Fit interval, default ``[-sqrt 8, sqrt 8]``.
    derivative_weight : float
        ``lambda >= 0``; 0 fits values only.
    num_nodes : int, optional
        Gauss-Legendre nodes, default ``max(64, 8 K)`` for ``K`` coefficients.

    Returns
    -------
    ndarray, shape (K,)
        Coefficients in basis order (:mod:`nets.activations.bases`).
    """
    target = _target(fn)
    n = check_degree(degree)
    b = get_basis(basis)
    if b.name not in SERIES_MODULES:
        raise ValueError(f"`basis` must be one of {sorted(SERIES_MODULES)}, got {basis!r}")
    low, high = (float(v) for v in interval)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"`interval` must be two finite floats (low, high) with low < high, got {interval!r}")
    if not (derivative_weight >= 0.0 and math.isfinite(derivative_weight)):
        raise ValueError(f"`derivative_weight` must be a finite float >= 0, got {derivative_weight!r}")
    size = b.size(n)
    unit_nodes, unit_weights = legendre.leggauss(num_nodes or max(64, 8 * size))
    half = 0.5 * (high - low)
    nodes = low + half * (unit_nodes + 1.0)
    weights = np.sqrt(half * unit_weights)[:, None]
    phi = b.evaluate(torch.from_numpy(nodes), n).numpy().T  # (nodes, K)
    dphi = phi @ b.derivative_matrix(n).T
    value, slope = _value_and_derivative(target, nodes)
    root = math.sqrt(derivative_weight)
    design = np.vstack([weights * phi, root * weights * dphi])
    rhs = np.concatenate([weights[:, 0] * value, root * weights[:, 0] * slope])
    coefficients, *_ = np.linalg.lstsq(design, rhs, rcond=None)
    return coefficients


def from_activation(
    fn: str | Callable[[torch.Tensor], torch.Tensor],
    degree: int,
    basis: str = "hermite",
    *,
    num_channels: int | None = None,
    interval: tuple[float, float] = _DEFAULT_INTERVAL,
    derivative_weight: float = 1.0,
    num_nodes: int | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
) -> SeriesActivation:
    """A learnable series activation initialised to approximate ``fn`` (e.g. to convert a GELU model).

    Parameters are those of :func:`fit_coefficients` plus the module's ``num_channels`` (every
    channel gets the same fit), ``device`` and ``dtype``.  Note that ``reset_parameters()`` on the
    returned module restores the variance-preserving initialisation, not the fit.

    Returns
    -------
    SeriesActivation
        :class:`HermiteActivation`, :class:`FourierActivation` or :class:`PolynomialActivation`.

    Examples
    --------
    >>> act = from_activation("gelu", 8)
    >>> x = torch.linspace(-2.8, 2.8, 1001)
    >>> bool((act(x) - torch.nn.functional.gelu(x)).pow(2).mean().sqrt() < 2e-3)
    True
    """
    coefficients = fit_coefficients(
        fn, degree, basis, interval=interval, derivative_weight=derivative_weight, num_nodes=num_nodes
    )
    module = SERIES_MODULES[get_basis(basis).name](degree, num_channels, device=device, dtype=dtype)
    with torch.no_grad():
        values = torch.as_tensor(coefficients, dtype=module.coefficients.dtype, device=module.coefficients.device)
        module.coefficients.copy_(values.expand_as(module.coefficients))
    return module
