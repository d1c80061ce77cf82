"""Gradient-descent training of a :class:`~nets.polynet.model.PolyNet`, the local counterpart of :func:`nets.solve_global`.

:func:`train_gd` minimises the same losses as :func:`nets.solve_global`, in the same units (the
loss itself, not the scaled POP objective of :func:`nets.loss_problem`), for data ``(x_i, y_i)``,
``i = 1..N``:

``"l2"``: ``(1/N) sum_i ||f(x_i; c) - y_i||_2^2``;
``"linf-mean"``: ``||(1/N) sum_i f(x_i; c) - (1/N) sum_i y_i||_inf`` (the paper's loss, non-smooth
where two outputs tie; gradient methods see a subgradient there).

With ``batch_size`` the sums run over a mini-batch instead of all samples. ``loss`` and ``data`` are
checked by :mod:`nets.polynet.losses`, as for :func:`nets.solve_global`.

Several processes. Under ``torch.distributed`` (for example ``torchrun --nproc_per_node 2 script.py``)
the same call trains one model data-parallel (:mod:`nets.polynet.parallel`): every process takes an
equal share of each (mini-)batch, the loss's sufficient statistics (the residual sum for
``"linf-mean"``, the squared-residual sum for ``"l2"``) are summed over processes by a differentiable
``all_reduce``, and ``DistributedDataParallel`` averages the gradients. Each process therefore sees
the loss of the whole batch, the gradient is that of the whole batch, and the iterates equal the
single-process ones up to the order of floating-point sums.

This module imports neither :mod:`momentsos` nor sympy: a
:class:`~nets.polynet.result.NetFitResult` given as ``init`` is recognised only when
:mod:`nets.polynet.result` is already loaded (it must be, for such a result to exist).
"""

from __future__ import annotations

import enum
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray

from nets.polynet.losses import Loss, LossName, check_data, check_loss
from nets.polynet.model import PolyNet, format_polynomial
from nets.polynet.module import PolyNetModule
from nets.polynet.parallel import all_reduce_sum, data_parallel, init_distributed, process_device, resolve_device, share

__all__ = ["TrainStatus", "GDResult", "train_gd"]

logger = logging.getLogger(__name__)

#: default learning rate per optimizer
_DEFAULT_LR = {"adam": 1e-2, "sgd": 1e-2, "lbfgs": 1.0}


class TrainStatus(enum.Enum):
    """How a :func:`train_gd` run ended."""

    #: ran every requested step
    FINISHED = "finished"
    #: stopped early: the loss reached ``loss_tol``
    CONVERGED = "converged"
    #: L-BFGS stopped moving, also after a restart from steepest descent (a stationary point, or no
    #: decrease found by the line search); the coefficients are returned
    STALLED = "stalled"
    #: the loss or a parameter became NaN or infinite, or the loss grew past ``DIVERGENCE_FACTOR``
    #: times its starting value; nothing is returned as a solution
    DIVERGED = "diverged"


DIVERGENCE_FACTOR = 1e3
"""A run whose loss exceeds this multiple of its first value (and of 1e-12) has diverged."""


@dataclass(frozen=True, eq=False)
class GDResult:
    """What :func:`train_gd` found.

    Attributes
    ----------
    status : TrainStatus
    coefficients : list of ndarray or None
        One array per hidden layer in ascending powers ``[c_{l,0}, ..., c_{l,d_l}]`` (normalised
        constants included), as in :class:`nets.NetFitResult`. ``None`` when the run diverged.
    net : PolyNet or None
        The network with the final weights (the given ones unless ``learn_weights``); ``None`` when
        the run diverged.
    loss : Loss
    loss_value : float or None
        The loss at :attr:`coefficients` on all the training data (``None`` when diverged).
    loss_history : ndarray
        The (mini-batch) loss at the iterate before each step: ``loss_history[0]`` is the initial
        loss; a non-finite last entry is the divergence.
    steps : int
        Optimizer steps taken.
    wall_time : float
        Seconds of the training loop (data transfer, steps and the final loss evaluation).
    optimizer, lr, seed, device, world_size
        How it ran (``world_size`` processes under ``torch.distributed``).
    module : PolyNetModule
        The trained module (on :attr:`device`).
    """

    status: TrainStatus
    coefficients: list[NDArray[np.float64]] | None
    net: PolyNet | None
    loss: Loss
    loss_value: float | None
    loss_history: NDArray[np.float64]
    steps: int
    wall_time: float
    optimizer: str
    lr: float
    seed: int
    device: str
    world_size: int = 1
    module: PolyNetModule | None = field(default=None, repr=False)

    @property
    def success(self) -> bool:
        """The run did not diverge (it says nothing about reaching the global minimum)."""
        return self.status is not TrainStatus.DIVERGED

    def predict(self, X: ArrayLike) -> NDArray[np.float64]:
        """Outputs ``f(x; c)`` of the trained network: shape ``(N, m_{D+1})``."""
        if self.net is None or self.coefficients is None:
            raise ValueError(
                "GDResult.predict: the run diverged, so there are no coefficients; allowed only after a finite run"
            )
        return self.net.forward(X, self.coefficients)

    def summary(self, precision: int = 6) -> str:
        """Status, loss, activations and time as text."""
        value = "None" if self.loss_value is None else f"{self.loss_value:.6g}"
        lines = [
            f"GDResult: {self.status.value} after {self.steps} {self.optimizer} steps (lr {self.lr:g}, seed {self.seed}, "
            f"{self.device}{f', {self.world_size} processes' if self.world_size > 1 else ''})",
            f"  loss:        {self.loss.value} = {value}",
        ]
        for l, c in enumerate(self.coefficients or (), start=1):
            lines.append(f"  {'activations:' if l == 1 else '':<12} p_{l}(t) = {format_polynomial(c, precision=precision)}")
        lines.append(f"  time:        {self.wall_time:.3f} s")
        return "\n".join(lines)

    __repr__ = summary
    __str__ = summary


# --- validation ------------------------------------------------------------------------------


def _check_choice(value: Any, name: str, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"Invalid `{name}={value!r}`; allowed: {', '.join(repr(a) for a in allowed)}")
    return value


def _check_positive_int(value: Any, name: str, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        allowed = "None or an int >= 1" if allow_none else "an int >= 1"
        raise ValueError(f"Invalid `{name}={value!r}`; allowed: {allowed}")
    return int(value)


def _initial_coefficients(module: PolyNetModule, init: Any, seed: int) -> list[NDArray[np.float64]] | None:
    """Coefficients to start from: ``"random"``, a NetFitResult, per-layer arrays, or None (keep)."""
    if init is None:
        return None
    net = module.to_polynet()
    if isinstance(init, str):
        if init != "random":
            raise ValueError(
                f"Invalid `init={init!r}`; allowed: 'random', a NetFitResult, per-layer coefficient arrays or None"
            )
        return net.random_coefficients(seed=seed)
    result = sys.modules.get("nets.polynet.result")  # loaded wherever a NetFitResult exists
    if result is not None and isinstance(init, result.NetFitResult):
        if init.coefficients is None:
            raise ValueError(
                f"`init` is a NetFitResult without coefficients (status {init.status.name}); allowed: a result "
                "with a minimizer or an estimate"
            )
        init = init.coefficients
    coefs = net.check_coefficients(init)
    net.vector_from_coefficients(coefs)  # the normalised constants must be 1
    return coefs


def _progress(steps: int, enabled: bool) -> Any:
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm  # noqa: PLC0415 - optional (the torch extra)
    except ImportError:
        logger.debug("tqdm is not installed; training without a progress bar")
        return None
    return tqdm(total=steps, desc="train_gd", unit="step", delay=2.0, leave=False)  # shown only on long runs


# --- the loss --------------------------------------------------------------------------------


def _loss(output: torch.Tensor, target: torch.Tensor, kind: Loss, count: int, world_size: int) -> torch.Tensor:
    """The loss of the whole (mini-)batch of ``count`` samples, from this process's share of it.

    The share's sufficient statistic is summed over processes with a differentiable ``all_reduce``
    (its backward sums the gradients again, which DDP's averaging then undoes), so every process
    gets the same value and, after DDP, the same gradient as one process holding the batch.
    """
    residual = output - target
    statistic = residual.square().sum().reshape(1) if kind is Loss.L2 else residual.sum(dim=0)
    if world_size > 1:
        statistic = all_reduce_sum(statistic)
    if kind is Loss.L2:
        return statistic[0] / count
    return (statistic / count).abs().max()


# --- the loop --------------------------------------------------------------------------------


def train_gd(
    net_or_module: PolyNet | PolyNetModule,
    data: tuple[ArrayLike, ArrayLike],
    loss: LossName | Loss = "l2",
    optimizer: Literal["adam", "lbfgs", "sgd"] = "adam",
    steps: int = 1000,
    lr: float | None = None,
    init: Any = "random",
    seed: int = 0,
    device: Any = "auto",
    batch_size: int | None = None,
    progress: bool = False,
    *,
    loss_tol: float | None = None,
    dtype: torch.dtype | None = None,
) -> GDResult:
    """Train the activation coefficients (and, for a module with learnable weights, the weights) by gradient descent.

    Parameters
    ----------
    net_or_module : PolyNet or PolyNetModule
        A :class:`PolyNet` is converted by :meth:`PolyNet.to_torch` (fixed weights). A module (from
        ``net.to_torch(learn_weights=True)``, say) is trained in place and moved to ``device``.
    data : (X, Y)
        Arrays or tensors of shapes ``(N, m_0)`` and ``(N, m_{D+1})``, finite.
    loss : {"l2", "linf-mean"}, default "l2"
        See the module notes; the values equal :func:`nets.solve_global`'s ``loss_value``.
    optimizer : {"adam", "lbfgs", "sgd"}, default "adam"
        ``torch.optim.Adam``; ``torch.optim.LBFGS`` with a strong-Wolfe line search, one iteration
        per step (history 20, gradient tolerance 1e-14); plain ``torch.optim.SGD``.
    steps : int, default 1000
        Optimizer steps (each on one mini-batch when ``batch_size`` is set).
    lr : float, optional
        Learning rate; default 1e-2 (Adam, SGD) or 1 (L-BFGS).
    init : "random", NetFitResult, list of array_like or None, default "random"
        Starting activation coefficients. ``"random"``: ``PolyNet.random_coefficients(seed)`` (free
        coefficients ``~ U(-1, 1)``, normalised constants 1). A :class:`nets.NetFitResult` (warm
        start from :func:`nets.solve_global`; its net may differ in widths, not in depth and
        degrees) or per-layer arrays in ascending powers. ``None``: the module's current values.
        Weights are never re-initialised.
    seed : int, default 0
        Seeds ``init="random"`` and the mini-batch order; on CPU a run is a function of the seed.
    device : "auto", str or torch.device, default "auto"
        ``"auto"`` picks CUDA when available, else CPU. Under ``torch.distributed`` with CUDA each
        process uses ``cuda:LOCAL_RANK``.
    batch_size : int, optional
        Mini-batch size (the last batch of an epoch may be smaller); default: all samples.
    progress : bool, default False
        A tqdm progress bar on standard error (process 0 only, shown once the run lasts longer than
        2 seconds); off by default, so that a library call prints nothing.
    loss_tol : float, optional, keyword-only
        Stop with :attr:`TrainStatus.CONVERGED` once the loss is at most this.
    dtype : torch.dtype, optional, keyword-only
        For a :class:`PolyNet`: the module's dtype (default float64, that of :func:`nets.solve_global`).

    Returns
    -------
    GDResult
        A diverged run has status ``DIVERGED`` and no coefficients.

    Notes
    -----
    The normalised constants ``c_{l,0} = 1`` (``l < D``) of a normalised net stay fixed (their gradient
    is zero; see :mod:`nets.polynet.module`), also with learnable weights, so the coefficients compare
    directly with :func:`nets.solve_global`'s and a fit can warm-start a wider net.

    Raises
    ------
    TypeError, ValueError (InvalidDataError, InvalidNetworkError)
        Malformed arguments, data or initial coefficients; each message names the argument.

    Examples
    --------
    >>> import nets
    >>> net = nets.PolyNet.random([4, 4, 4], degrees=[2], seed=0)
    >>> X, Y = nets.synthetic_data(net, net.random_coefficients(seed=1), nsamples=20, seed=2)
    >>> res = nets.train_gd(net, (X, Y), optimizer="lbfgs", steps=100, device="cpu", progress=False)
    >>> res.status.value, res.loss_value < 1e-12
    ('stalled', True)
    """
    kind = check_loss(loss)
    optimizer = _check_choice(optimizer, "optimizer", sorted(_DEFAULT_LR))
    steps = _check_positive_int(steps, "steps")
    batch_size = _check_positive_int(batch_size, "batch_size", allow_none=True)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"`seed` must be an int, got {seed!r}")
    lr = _DEFAULT_LR[optimizer] if lr is None else lr
    if not isinstance(lr, (int, float)) or isinstance(lr, bool) or not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"Invalid `lr={lr!r}`; allowed: a positive finite float")
    if loss_tol is not None and (not isinstance(loss_tol, (int, float)) or not loss_tol >= 0):
        raise ValueError(f"Invalid `loss_tol={loss_tol!r}`; allowed: None or a float >= 0")
    dev = resolve_device(device)
    if isinstance(net_or_module, PolyNet):
        module = net_or_module.to_torch(dtype=dtype)
    elif isinstance(net_or_module, PolyNetModule):
        module = net_or_module
    else:
        raise TypeError(
            f"`net_or_module` must be a nets.PolyNet or the module of PolyNet.to_torch(); got {type(net_or_module).__name__}"
        )
    net = module.to_polynet()
    X, Y = check_data(net, data)
    start_coefficients = _initial_coefficients(module, init, int(seed))

    rank, world_size = init_distributed(dev)
    dev = process_device(dev, rank, world_size)
    start = time.perf_counter()
    module.to(dev)
    if start_coefficients is not None:
        module.set_coefficients(start_coefficients)
    model = data_parallel(module, dev, world_size)
    param_dtype = module.activations[0].coefficients.dtype
    inputs = torch.as_tensor(X, dtype=param_dtype, device=dev)
    targets = torch.as_tensor(Y, dtype=param_dtype, device=dev)
    params = [p for p in module.parameters() if p.requires_grad]
    if optimizer == "adam":
        opt: torch.optim.Optimizer = torch.optim.Adam(params, lr=lr)
    elif optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=lr)
    else:
        # One iteration per step; max_eval must leave the line search its budget (torch passes it
        # max_eval - 1 evaluations, and the default max_eval = 1.25 max_iter leaves none). Tolerances
        # far below torch's defaults (1e-7 on the gradient): the runs are compared with a certified
        # minimum, so L-BFGS should stop only when float64 stops it.
        opt = torch.optim.LBFGS(
            params, lr=lr, max_iter=1, max_eval=26, history_size=20, line_search_fn="strong_wolfe",
            tolerance_grad=1e-14, tolerance_change=1e-16,
        )  # fmt: skip

    n = X.shape[0]
    size = n if batch_size is None else min(batch_size, n)
    generator = torch.Generator().manual_seed(int(seed))
    order = torch.arange(n)
    batch_index = torch.arange(n)
    position = n  # start a new epoch at the first mini-batch

    def closure() -> torch.Tensor:
        opt.zero_grad(set_to_none=True)
        local = share(batch_index, rank, world_size).to(dev)
        value = _loss(model(inputs[local]), targets[local], kind, batch_index.numel(), world_size)
        value.backward()
        return value

    history: list[float] = []
    status = TrainStatus.FINISHED
    restarted = False
    bar = _progress(steps, progress and rank == 0)
    try:
        for step in range(steps):
            if batch_size is not None:
                if position >= n:
                    order, position = torch.randperm(n, generator=generator), 0
                batch_index, position = order[position : position + size], position + size
            value = float(opt.step(closure).detach())
            history.append(value)
            blown_up = value > DIVERGENCE_FACTOR * max(history[0], 1e-12)
            if blown_up or not np.isfinite(value) or not all(bool(torch.isfinite(p).all()) for p in params):
                status = TrainStatus.DIVERGED
                logger.info("train_gd diverged at step %d (loss %s)", step, value)
                break
            if loss_tol is not None and value <= loss_tol:
                status = TrainStatus.CONVERGED
                break
            if optimizer == "lbfgs" and len(history) > 1 and history[-1] == history[-2]:
                # No move: the gradient is below tolerance, or the line search found no decrease along
                # a poor quasi-Newton direction (high-degree losses). Restart from steepest descent
                # once; a second standstill right after a restart ends the run.
                if restarted:
                    status = TrainStatus.STALLED
                    break
                opt.state.clear()
                restarted = True
            else:
                restarted = False
            if bar is not None:
                bar.update()
                if step % 50 == 0:
                    bar.set_postfix(loss=f"{value:.3e}", refresh=False)
    finally:
        if bar is not None:
            bar.close()
    coefficients = final_net = loss_value = None
    if status is not TrainStatus.DIVERGED:
        with torch.no_grad():
            everything = torch.arange(n)
            local = share(everything, rank, world_size).to(dev)
            loss_value = float(_loss(model(inputs[local]), targets[local], kind, n, world_size))
        if np.isfinite(loss_value):
            coefficients = module.coefficients()
            final_net = module.to_polynet()
        else:
            status, loss_value = TrainStatus.DIVERGED, None
    wall_time = time.perf_counter() - start
    return GDResult(
        status=status,
        coefficients=coefficients,
        net=final_net,
        loss=kind,
        loss_value=loss_value,
        loss_history=np.array(history),
        steps=len(history),
        wall_time=wall_time,
        optimizer=optimizer,
        lr=float(lr),
        seed=int(seed),
        device=str(dev),
        world_size=world_size,
        module=module,
    )
