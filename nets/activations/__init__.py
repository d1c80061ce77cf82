"""Learnable activation families for PyTorch (imports torch).

* :mod:`~nets.activations.bases`: the function bases (Hermite ``He_k / k!``, monomial, Fourier), their
  conventions and the exact Hermite <-> monomial change of basis;
* :mod:`~nets.activations.functional`: stateless forwards with memory-lean custom backward passes;
* :mod:`~nets.activations.series`: series activations ``sum_j c_j phi_j(x)`` as ``nn.Module``;
* :mod:`~nets.activations.tropical`: tropical (max-plus) polynomials and rational functions;
* :mod:`~nets.activations.tmaf`: trainable matrix activations (step-function levels on breakpoints);
* :mod:`~nets.activations.init`: variance-preserving constants and gains under a Gaussian input;
* :mod:`~nets.activations.device`: the ``device=`` check (a clear error where CUDA is absent);
* :mod:`~nets.activations.fit`: the least-squares conversion of a fixed activation (GELU, tanh, ...).

Nothing here imports :mod:`momentsos` or :mod:`nets.polynet`.
"""

from __future__ import annotations

from nets.activations.bases import (
    BASES,
    hermite_to_monomial,
    hermite_to_monomial_matrix,
    monomial_to_hermite,
)
from nets.activations.device import (
    DeviceUnavailableError,
    available_devices,
    check_device,
)
from nets.activations.fit import fit_coefficients, from_activation
from nets.activations.functional import series_activation
from nets.activations.maxplus import tropical_activation
from nets.activations.piecewise import tmaf_activation
from nets.activations.init import gains
from nets.activations.series import (
    FourierActivation,
    HermiteActivation,
    PolynomialActivation,
    SeriesActivation,
)
from nets.activations.tmaf import TMAF, gaussian_breakpoints, uniform_breakpoints
from nets.activations.tropical import TropicalActivation

__all__ = [
    "BASES",
    "DeviceUnavailableError",
    "TMAF",
    "FourierActivation",
    "HermiteActivation",
    "PolynomialActivation",
    "SeriesActivation",
    "TropicalActivation",
    "available_devices",
    "check_device",
    "fit_coefficients",
    "from_activation",
    "gains",
    "gaussian_breakpoints",
    "hermite_to_monomial",
    "hermite_to_monomial_matrix",
    "monomial_to_hermite",
    "series_activation",
    "tmaf_activation",
    "tropical_activation",
    "uniform_breakpoints",
]
