"""Polynomial-activation networks: global (Moment-SOS) training and learnable activations in PyTorch.

Two libraries:

* :mod:`nets.polynet`: the model of Zhang, Nie & Tang with fixed weights and one learnable
  polynomial per hidden layer (:class:`PolyNet`, numpy), trained globally with a certificate by
  :func:`solve_global` (momentsos), or locally by gradient descent in PyTorch
  (:meth:`PolyNet.to_torch`, :func:`train_gd`).
* :mod:`nets.activations`: Hermite, Fourier and monomial series, tropical max-plus functions,
  trainable matrix activations, their variance-preserving initialisation and the least-squares
  conversion of a fixed activation (torch only; basis conventions in :mod:`nets.activations.bases`).

Imports are eager. ``import nets`` imports :mod:`nets.polynet` (numpy, sympy and momentsos) and,
when torch is installed, :mod:`nets.activations`, :mod:`nets.polynet.module` and
:mod:`nets.polynet.train`. torch is an optional extra: without it ``nets.PolyNet`` and
``nets.solve_global`` work and the torch-based names are absent. The modules of gradient-descent
training themselves import neither momentsos nor sympy (a test pins this).
"""

from __future__ import annotations

import importlib.util

from nets.polynet import (
    InvalidDataError,
    InvalidNetworkError,
    Loss,
    NetFitResult,
    PolyNet,
    format_polynomial,
    loss_problem,
    solve_global,
    synthetic_data,
)
from momentsos.errors import ResultFormatError

__all__ = [
    "InvalidDataError",
    "InvalidNetworkError",
    "Loss",
    "NetFitResult",
    "PolyNet",
    "ResultFormatError",
    "format_polynomial",
    "loss_problem",
    "solve_global",
    "synthetic_data",
]

if importlib.util.find_spec("torch") is not None:
    from nets.activations import (
        BASES,
        TMAF,
        DeviceUnavailableError,
        FourierActivation,
        HermiteActivation,
        PolynomialActivation,
        SeriesActivation,
        TropicalActivation,
        fit_coefficients,
        from_activation,
        gains,
        gaussian_breakpoints,
        hermite_to_monomial,
        hermite_to_monomial_matrix,
        monomial_to_hermite,
        series_activation,
        tmaf_activation,
        tropical_activation,
        uniform_breakpoints,
    )
    from nets.polynet.module import PolyNetModule
    from nets.polynet.train import GDResult, TrainStatus, train_gd

    __all__ += [
        "BASES",
        "TMAF",
        "DeviceUnavailableError",
        "FourierActivation",
        "GDResult",
        "HermiteActivation",
        "PolyNetModule",
        "PolynomialActivation",
        "SeriesActivation",
        "TrainStatus",
        "TropicalActivation",
        "fit_coefficients",
        "from_activation",
        "gains",
        "gaussian_breakpoints",
        "hermite_to_monomial",
        "hermite_to_monomial_matrix",
        "monomial_to_hermite",
        "series_activation",
        "tmaf_activation",
        "train_gd",
        "tropical_activation",
        "uniform_breakpoints",
    ]
