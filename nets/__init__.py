"""Polynomial-activation networks: global (Moment-SOS) training and learnable activations in PyTorch.

* The model of Zhang, Nie & Tang with fixed weights and one learnable polynomial per hidden layer
  (:class:`PolyNet`, numpy only), trained globally with a certificate by :func:`solve_global`
  (:mod:`nets.frontend`; the loss is expanded numerically by :mod:`nets.expansion`), or locally by
  gradient descent in PyTorch (:meth:`PolyNet.to_torch`, :func:`train_gd`; :mod:`nets.training`).
* Hermite, Fourier and monomial series, tropical max-plus functions, trainable matrix activations,
  their variance-preserving initialisation and the least-squares conversion of a fixed activation
  (:mod:`nets.activations`; basis conventions in :mod:`nets.activations.bases`).

Every name is imported on first use (module ``__getattr__``), so ``import nets`` pulls in neither
torch nor momentsos: ``nets.PolyNet`` works without torch installed, ``nets.solve_global`` imports
momentsos, and the activation modules import torch.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "PolyNet": "nets.polynet",
    "InvalidNetworkError": "nets.polynet",
    "InvalidDataError": "nets.polynet",
    "synthetic_data": "nets.polynet",
    "NetFitResult": "nets.frontend",
    "Loss": "nets.frontend",
    "loss_problem": "nets.frontend",
    "solve_global": "nets.frontend",
    "FourierActivation": "nets.activations.series",
    "HermiteActivation": "nets.activations.series",
    "PolynomialActivation": "nets.activations.series",
    "SeriesActivation": "nets.activations.series",
    "BASES": "nets.activations.bases",
    "hermite_to_monomial": "nets.activations.bases",
    "hermite_to_monomial_matrix": "nets.activations.bases",
    "monomial_to_hermite": "nets.activations.bases",
    "fit_coefficients": "nets.activations.fit",
    "from_activation": "nets.activations.fit",
    "series_activation": "nets.activations.functional",
    "tmaf_activation": "nets.activations.functional",
    "tropical_activation": "nets.activations.functional",
    "gains": "nets.activations.init",
    "TMAF": "nets.activations.tmaf",
    "gaussian_breakpoints": "nets.activations.tmaf",
    "uniform_breakpoints": "nets.activations.tmaf",
    "TropicalActivation": "nets.activations.tropical",
    "PolyNetModule": "nets.torch_net",
    "GDResult": "nets.training",
    "TrainStatus": "nets.training",
    "train_gd": "nets.training",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # static analysers see the eager imports
    from nets.activations.series import FourierActivation, HermiteActivation, PolynomialActivation, SeriesActivation
    from nets.activations.bases import BASES, hermite_to_monomial, hermite_to_monomial_matrix, monomial_to_hermite
    from nets.activations.fit import fit_coefficients, from_activation
    from nets.frontend import Loss, NetFitResult, loss_problem, solve_global
    from nets.activations.functional import series_activation, tmaf_activation, tropical_activation
    from nets.activations.init import gains
    from nets.polynet import InvalidDataError, InvalidNetworkError, PolyNet, synthetic_data
    from nets.activations.tmaf import TMAF, gaussian_breakpoints, uniform_breakpoints
    from nets.torch_net import PolyNetModule
    from nets.training import GDResult, TrainStatus, train_gd
    from nets.activations.tropical import TropicalActivation


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        # submodules (nets.fit, nets.bases, ...) stay reachable as attributes, as with eager imports
        if not name.startswith("_") and importlib.util.find_spec(f"nets.{name}") is not None:
            return importlib.import_module(f"nets.{name}")
        raise AttributeError(f"module 'nets' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
