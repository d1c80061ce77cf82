"""The training losses of a :class:`~nets.polynet.model.PolyNet` and the one check of their arguments.

For data ``(x_i, y_i)``, ``i = 1..N``, and activation coefficients ``c``:

``"linf-mean"`` (the paper's loss [ZNT26, §3]): the infinity norm of the averaged residual,

.. math::

    \\ell_\\infty(c) = \\Big\\lVert \\frac1N \\sum_{i=1}^N f(x_i; c) - \\frac1N \\sum_{i=1}^N y_i \\Big\\rVert_\\infty .

Only the averages enter, so at most ``m_{D+1}`` scalar equations pin ``c`` down.

``"l2"``: the mean squared residual norm over every sample,

.. math::

    \\ell_2(c) = \\frac1N \\sum_{i=1}^N \\lVert f(x_i; c) - y_i \\rVert_2^2 ,

which uses ``N m_{D+1}`` scalar equations.

Both the global fit (:mod:`nets.polynet.global_fit`) and gradient descent
(:mod:`nets.polynet.train`) validate their arguments here, so both accept and refuse the same
``loss`` and ``data``. numpy only: no momentsos, no torch (tensors are recognised by duck typing).

References
----------
[ZNT26] L. Zhang, J. Nie, T. Tang, "Learning Polynomial Activation Functions for Deep Neural
Networks", PMLR 321:90-99, 2026.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from nets.polynet.model import InvalidDataError, PolyNet

__all__ = ["Loss", "LossName", "LearnName", "LEARN_MODES", "check_loss", "check_learn", "check_net", "check_data", "loss_value"]

LossName = Literal["linf-mean", "l2"]
LearnName = Literal["activations", "all"]
LEARN_MODES: tuple[str, ...] = ("activations", "all")
"""What :func:`~nets.polynet.global_fit.solve_global` learns: the activation coefficients (the
paper's problem) or the weights, the biases and the activations together."""


class Loss(enum.Enum):
    """The training losses (see the module notes for the formulas)."""

    LINF_MEAN = "linf-mean"
    L2 = "l2"


def check_loss(loss: Any) -> Loss:
    """``loss`` as a :class:`Loss`; a ValueError names the allowed strings."""
    if isinstance(loss, Loss):
        return loss
    try:
        return Loss(loss)
    except ValueError:
        raise ValueError(
            f"Invalid `loss={loss!r}`; allowed: {', '.join(repr(m.value) for m in Loss)}"
        ) from None


def check_learn(learn: Any) -> str:
    """``learn`` as one of :data:`LEARN_MODES`; a ValueError (TypeError for a non-string) names the allowed values."""
    allowed = ", ".join(map(repr, LEARN_MODES))
    if not isinstance(learn, str):
        raise TypeError(f"Invalid `learn={learn!r}` ({type(learn).__name__}); allowed: {allowed}")
    if learn not in LEARN_MODES:
        raise ValueError(f"Invalid `learn={learn!r}`; allowed: {allowed}")
    return learn


def check_net(net: Any) -> PolyNet:
    """``net`` itself when it is a :class:`PolyNet`; a TypeError otherwise."""
    if not isinstance(net, PolyNet):
        raise TypeError(f"`net` must be a nets.PolyNet; got {type(net).__name__}")
    return net


def _tensor_to_numpy(value: Any) -> Any:
    """A torch tensor (duck-typed: it has ``detach``) as a numpy array on the CPU; anything else unchanged.

    Real tensors become float64 (as bfloat16 has no numpy dtype); complex ones stay complex, so that
    the checks below refuse them.
    """
    if not hasattr(value, "detach") or not hasattr(value, "is_complex"):
        return value
    value = value.detach().cpu()
    return value.numpy() if value.is_complex() else value.double().numpy()


def check_data(
    net: PolyNet, data: Any, loss: Loss | None = None, unknowns: Sequence[str] | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Validate ``data = (X, Y)`` against ``net``: shapes, real finite values, and enough equations.

    Parameters
    ----------
    net : PolyNet
    data : (X, Y)
        Arrays (or torch tensors) of shapes ``(N, m_0)`` and ``(N, m_{D+1})``; 1-D is accepted for
        a width of 1.
    loss : Loss, optional
        When given, the data must give at least as many scalar equations as the net has unknowns
        (``m_{D+1}`` for ``"linf-mean"``, ``N m_{D+1}`` for ``"l2"``): with fewer, the minimizers
        form a continuum and none can be certified. Gradient descent passes ``None``.
    unknowns : sequence of str, optional
        The names of the unknowns when they are not ``net.unknown_names`` (learned weights).

    Returns
    -------
    X, Y : ndarray
        float64 copies of shapes ``(N, m_0)`` and ``(N, m_{D+1})``.

    Raises
    ------
    TypeError
        ``data`` is not a pair, or ``Y`` is not a real array.
    InvalidDataError (a ValueError)
        Wrong shapes, non-finite entries, too few equations.
    """
    if isinstance(data, np.ndarray) or not isinstance(data, Sequence) or len(data) != 2:
        raise TypeError(
            f"`data` must be a pair (X, Y) with X of shape (N, {net.widths[0]}) and Y of shape "
            f"(N, {net.widths[-1]}); got {type(data).__name__}"
            + (f" of length {len(data)}" if isinstance(data, Sequence) else "")
        )
    X = net.check_inputs(_tensor_to_numpy(data[0]), "X")
    targets = _tensor_to_numpy(data[1])
    try:
        if np.iscomplexobj(targets):
            raise TypeError("complex")
        Y = np.array(targets, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"`Y` must be a real array of shape (N, {net.widths[-1]}); got {type(targets).__name__}"
            + (f" of dtype {targets.dtype}" if isinstance(targets, np.ndarray) else "")
        ) from None
    if Y.ndim == 1 and net.widths[-1] == 1:
        Y = Y[:, None]
    if Y.shape != (X.shape[0], net.widths[-1]):
        raise InvalidDataError(
            f"`Y` must have shape (N, m_(D+1)) = ({X.shape[0]}, {net.widths[-1]}) to match X with N = {X.shape[0]} "
            f"rows and the net's output width; got shape {Y.shape}"
        )
    bad = ~np.isfinite(Y)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise InvalidDataError(f"`Y` has a non-finite entry Y[{i}, {j}] = {Y[i, j]}; only finite values are allowed")
    if loss is not None:
        _check_identifiable(net, X.shape[0], loss, net.unknown_names if unknowns is None else tuple(unknowns))
    return X, Y


def _check_identifiable(net: PolyNet, nsamples: int, loss: Loss, names: tuple[str, ...]) -> None:
    n = len(names)
    equations = net.widths[-1] if loss is Loss.LINF_MEAN else nsamples * net.widths[-1]
    if equations >= n:
        return
    what = (
        f"the averaged residual of loss='linf-mean' gives m_(D+1) = {equations} equations"
        if loss is Loss.LINF_MEAN
        else f"loss='l2' gives N * m_(D+1) = {nsamples} * {net.widths[-1]} = {equations} equations"
    )
    hint = "use loss='l2' or a net with more outputs" if loss is Loss.LINF_MEAN else "add samples"
    raise InvalidDataError(
        f"Too few data for identifiability: {what} for {n} unknowns ({', '.join(names)}), so the "
        f"minimizers form a continuum and none can be certified; allowed: at least {n} equations ({hint})"
    )


def loss_value(
    net: PolyNet,
    coefficients: Sequence[NDArray[np.float64]],
    X: NDArray[np.float64],
    Y: NDArray[np.float64],
    loss: Loss,
) -> float:
    """The loss at per-layer ``coefficients``, by a forward pass of ``net`` on validated ``(X, Y)``."""
    residual = net.forward(X, coefficients) - Y
    if loss is Loss.LINF_MEAN:
        return float(np.abs(residual.mean(axis=0)).max())
    return float((residual**2).sum(axis=1).mean())
