"""Polynomial-activation networks: global (Moment-SOS) training and learnable activations in PyTorch.

* The model of Zhang, Nie & Tang with fixed weights and one learnable polynomial per hidden layer
  (:class:`PolyNet`, numpy only), trained globally with a certificate by :func:`solve_global`
  (:mod:`nets.frontend`; the loss is expanded numerically by :mod:`nets.expansion`), or locally by
  gradient descent in PyTorch (:meth:`PolyNet.to_torch`, :func:`train_gd`; :mod:`nets.training`).
* Hermite, Fourier and monomial series (:mod:`nets.activations`), tropical max-plus functions
  (:mod:`nets.tropical`), trainable matrix activations (:mod:`nets.tmaf`), their variance-preserving
  initialisation (:mod:`nets.init`) and the least-squares conversion of a fixed activation
  (:mod:`nets.fit`). Basis conventions live in :mod:`nets.bases`.

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
    "FourierActivation": "nets.activations",
    "HermiteActivation": "nets.activations",
    "PolynomialActivation": "nets.activations",
    "SeriesActivation": "nets.activations",
    "BASES": "nets.bases",
    "hermite_to_monomial": "nets.bases",
    "hermite_to_monomial_matrix": "nets.bases",
    "monomial_to_hermite": "nets.bases",
    "fit_coefficients": "nets.fit",
    "from_activation": "nets.fit",
    "series_activation": "nets.functional",
    "tmaf_activation": "nets.functional",
    "tropical_activation": "nets.functional",
    "gains": "nets.init",
    "TMAF": "nets.tmaf",
    "gaussian_breakpoints": "nets.tmaf",
    "uniform_breakpoints": "nets.tmaf",
    "TropicalActivation": "nets.tropical",
    "PolyNetModule": "nets.torch_net",
    "GDResult": "nets.training",
    "TrainStatus": "nets.training",
    "train_gd": "nets.training",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # static analysers see the eager imports
    from nets.activations import FourierActivation, HermiteActivation, PolynomialActivation, SeriesActivation
    from nets.bases import BASES, hermite_to_monomial, hermite_to_monomial_matrix, monomial_to_hermite
    from nets.fit import fit_coefficients, from_activation
    from nets.frontend import Loss, NetFitResult, loss_problem, solve_global
    from nets.functional import series_activation, tmaf_activation, tropical_activation
    from nets.init import gains
    from nets.polynet import InvalidDataError, InvalidNetworkError, PolyNet, synthetic_data
    from nets.tmaf import TMAF, gaussian_breakpoints, uniform_breakpoints
    from nets.torch_net import PolyNetModule
    from nets.training import GDResult, TrainStatus, train_gd
    from nets.tropical import TropicalActivation


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
