"""The polynomial-activation network of Zhang, Nie & Tang [ZNT26]: fixed weights, learnable activations.

* :mod:`~nets.polynet.model`: :class:`PolyNet` (numpy), the coefficient convention, :func:`synthetic_data`;
* :mod:`~nets.polynet.unknowns`: which parameters are unknown (the activations, or with
  ``learn="all"`` the weights too, in a canonical form free of the network's symmetries);
* :mod:`~nets.polynet.expansion`: the outputs as polynomials in the unknowns (numpy);
* :mod:`~nets.polynet.losses`: the losses and the one check of ``loss`` and ``data`` (numpy);
* :mod:`~nets.polynet.global_fit`: :func:`solve_global`, the loss as a POP solved by :mod:`momentsos`;
* :mod:`~nets.polynet.polish`: local refinement of the relaxation's minimizers;
* :mod:`~nets.polynet.result`: :class:`NetFitResult` and its summary;
* :mod:`~nets.polynet.module`, :mod:`~nets.polynet.train`, :mod:`~nets.polynet.parallel`: the torch
  module and gradient-descent training (imports torch, never momentsos); not imported here;
* :mod:`~nets.polynet.planted`: planted instances with a known global minimum, for tests.

Importing this package imports numpy, sympy and momentsos, not torch.

References
----------
[ZNT26] L. Zhang, J. Nie, T. Tang, "Learning Polynomial Activation Functions for Deep Neural
Networks", PMLR 321:90-99, 2026 (TAG-DS 2025), arXiv:2510.03682.
"""

from __future__ import annotations

from nets.polynet.global_fit import loss_problem, solve_global
from nets.polynet.losses import Loss
from nets.polynet.model import InvalidDataError, InvalidNetworkError, PolyNet, format_polynomial, synthetic_data
from nets.polynet.result import NetFitResult

__all__ = [
    "InvalidDataError",
    "InvalidNetworkError",
    "Loss",
    "NetFitResult",
    "PolyNet",
    "format_polynomial",
    "loss_problem",
    "solve_global",
    "synthetic_data",
]
