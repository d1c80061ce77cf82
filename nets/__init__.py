"""Polynomial-activation networks: global (Moment-SOS) training and learnable activations in PyTorch.

Two libraries:

* :mod:`nets.polynet`: the model of Zhang, Nie & Tang with fixed weights and one learnable
  polynomial per hidden layer (:class:`PolyNet`, numpy), trained globally with a certificate by
  :func:`solve_global` (momentsos), or locally by gradient descent in PyTorch
  (:meth:`PolyNet.to_torch`, :func:`train_gd`).
* :mod:`nets.activations`: Hermite, Fourier and monomial series, tropical max-plus functions,
  trainable matrix activations, their variance-preserving initialisation and the least-squares
  conversion of a fixed activation (torch only; basis conventions in :mod:`nets.activations.bases`).

``import nets`` imports :mod:`nets.polynet` (numpy, sympy and momentsos); the torch-based names
(:mod:`nets.activations`, :class:`PolyNetModule`, :func:`train_gd`, ...) are imported on first use,
so that the command line and numpy-only work do not pay for importing torch. torch is an optional
extra: without it ``nets.PolyNet`` and ``nets.solve_global`` work and the torch-based names raise
an AttributeError that says torch is needed. The modules of gradient-descent
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

#: the torch-based names and their modules, imported on first use (PEP 562), so that ``import nets``
#: and the command line stay fast when only the numpy/momentsos side is needed
_TORCH_NAMES: dict[str, str] = {
    **dict.fromkeys(
        (
            "BASES", "TMAF", "DeviceUnavailableError", "FourierActivation", "HermiteActivation",
            "PolynomialActivation", "SeriesActivation", "TropicalActivation", "fit_coefficients",
            "from_activation", "gains", "gaussian_breakpoints", "hermite_to_monomial",
            "hermite_to_monomial_matrix", "monomial_to_hermite", "series_activation", "tmaf_activation",
            "tropical_activation", "uniform_breakpoints",
        ),
        "nets.activations",
    ),
    "PolyNetModule": "nets.polynet.module",
    "GDResult": "nets.polynet.train",
    "TrainStatus": "nets.polynet.train",
    "train_gd": "nets.polynet.train",
}  # fmt: skip

if importlib.util.find_spec("torch") is not None:
    __all__ += sorted(_TORCH_NAMES)


def __getattr__(name: str) -> object:
    if name in _TORCH_NAMES and importlib.util.find_spec("torch") is not None:
        value = getattr(importlib.import_module(_TORCH_NAMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'nets' has no attribute {name!r}"
                         + (" (it needs torch: pip install torch)" if name in _TORCH_NAMES else ""))


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
