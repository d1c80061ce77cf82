"""Planted networks: random :class:`~nets.polynet.model.PolyNet` models with known activations and
noiseless data, so the global minimum of the training loss is known to be 0.

For a seeded random net (weights ``W_l ~ N(0, 1 / m_{l-1})``, :meth:`PolyNet.random`), random true
activation coefficients ``c*`` (unknowns ``~ U(-1, 1)``, normalised constants 1) and data
``y_i = f(x_i; c*)`` without noise, both losses of :func:`nets.solve_global` vanish at ``c*`` and
are nonnegative, so 0 is the global minimum and ``c*`` a global minimizer. It need not be the only
one: when the data do not identify the activations, other coefficient vectors fit as well. The
grader :func:`check_fit` therefore accepts a certificate when the bound is 0, every returned
minimizer has loss 0 (recomputed here by a forward pass, independently of the POP), and, when the
result claims a unique minimizer, that minimizer is ``c*``.

Sizes are cheap on purpose (hidden widths 3..4, 2..3 hidden layers of degree 1..2, output width
enough for identifiability of ``"linf-mean"``), so a property test can run many of them;
``benchmarks/nets_fuzz.py`` runs a campaign of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nets.polynet.losses import Loss, loss_value
from nets.polynet.model import PolyNet, synthetic_data

__all__ = ["DEGREES", "PlantedNetwork", "planted_network", "network_loss", "check_fit"]

DEGREES = ((1, 1), (2, 1), (1, 2), (2, 2), (1, 1, 1), (2, 1, 1))
"""Activation degrees per hidden layer that the generator draws from."""


@dataclass(frozen=True, eq=False)
class PlantedNetwork:
    """A random net, its true activation coefficients and noiseless data (loss minimum 0).

    Attributes
    ----------
    seed : int
    net : PolyNet
    coefficients : list of ndarray
        The true activations, per hidden layer in ascending powers (normalised constants included).
    X, Y : ndarray
        Inputs ``(N, m_0)`` and noiseless outputs ``f(X; c*)``, ``(N, m_{D+1})``.
    loss : str
        ``"linf-mean"`` or ``"l2"``.
    """

    seed: int
    net: PolyNet
    coefficients: list[NDArray[np.float64]]
    X: NDArray[np.float64]
    Y: NDArray[np.float64]
    loss: str


def planted_network(
    seed: int, loss: str = "linf-mean", degrees: tuple[int, ...] | None = None, width: int | None = None
) -> PlantedNetwork:
    """A seeded planted network (see the module notes); ``degrees`` drawn from :data:`DEGREES` and
    the hidden ``width`` from 3..4 when None."""
    if loss not in ("linf-mean", "l2"):
        raise ValueError(f"Invalid argument `loss={loss!r}`; allowed: 'linf-mean', 'l2'")
    rng = np.random.default_rng([seed, 0 if loss == "linf-mean" else 1])
    if degrees is None:
        degrees = DEGREES[int(rng.integers(len(DEGREES)))]
    unknowns = sum(degrees) + 1
    drawn = int(rng.integers(3, 5))
    width = drawn if width is None else int(width)
    # linf-mean sees only the averaged residual: one equation per output, so m_out >= unknowns
    outputs = unknowns + int(rng.integers(1, 4)) if loss == "linf-mean" else int(rng.integers(2, 4))
    net = PolyNet.random([width] * (len(degrees) + 1) + [outputs], list(degrees), seed=int(rng.integers(2**31)))
    truth = net.random_coefficients(seed=int(rng.integers(2**31)))
    X, Y = synthetic_data(net, truth, nsamples=int(rng.integers(8, 16)), seed=int(rng.integers(2**31)))
    return PlantedNetwork(seed, net, truth, X, Y, loss)


def network_loss(planted: PlantedNetwork, coefficients: list[NDArray[np.float64]]) -> float:
    """The training loss at ``coefficients`` by a forward pass (independent of the POP expansion)."""
    return loss_value(planted.net, coefficients, planted.X, planted.Y, Loss(planted.loss))

def check_fit(planted: PlantedNetwork, fit: Any, tol: float = 1e-5) -> str:
    """Grade a :class:`~nets.polynet.result.NetFitResult` against the plant.

    ``"certified"`` (right), ``"wrong"`` (certified but a bound above 0, a returned minimizer with
    positive loss, or a claimed unique minimizer that is not ``c*``; or a BOUND_ONLY bound above
    0), ``"false_infeasible"``, or the status name in lower case. Losses are compared with
    ``tol * fit.loss_scale`` (the unit of the POP the certificate is about) and coefficients with
    ``1e3 * tol * max(1, |c|)``.
    """
    status = fit.status.name
    slack = tol * fit.loss_scale
    if status == "INFEASIBLE":
        return "false_infeasible"
    bound = fit.lower_bound
    if status in ("CERTIFIED", "BOUND_ONLY") and bound is not None and np.isfinite(bound) and bound > slack:
        return "wrong"
    if status != "CERTIFIED":
        return status.lower()
    if abs(bound) > slack:
        return "wrong"
    if any(network_loss(planted, m) > slack for m in fit.minimizers):
        return "wrong"
    truth = np.concatenate(planted.coefficients)
    found = [np.concatenate(m) for m in fit.minimizers]
    matches = [np.abs(f - truth).max() <= 1e3 * tol * max(1.0, np.abs(truth).max()) for f in found]
    if fit.identifiable is True and not matches[0]:
        return "wrong"
    if fit.complete and not any(matches):
        return "incomplete"
    return "certified"
