"""The trainable matrix activation (TMAF): a piecewise function selected by breakpoints, with a
backward pass that recomputes the interval of each element instead of storing it (see
:mod:`nets.activations.functional` for the channel convention and the memory rule)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch.autograd.function import once_differentiable

from nets.activations.functional import _as_channels, _channel_sum, _column, _compute_dtype, _kernel, check_floating

__all__ = ["tmaf_activation"]


def _shift(t: torch.Tensor, offset: int) -> torch.Tensor:
    """``out[:, i] = t[:, i - offset]`` along dim 1 with zeros where ``i - offset`` is out of range."""
    if offset == 0:
        return t
    out = torch.zeros_like(t)
    if offset > 0:
        out[:, offset:] = t[:, :-offset]
    else:
        out[:, :offset] = t[:, -offset:]
    return out


def _shift_functional(t: torch.Tensor, offset: int) -> torch.Tensor:
    """:func:`_shift` without in-place writes (for ``torch.compile``)."""
    if offset == 0:
        return t
    channels = t.shape[1]
    if offset > 0:
        return torch.nn.functional.pad(t, (0, 0, offset, 0))[:, :channels]
    return torch.nn.functional.pad(t, (0, 0, 0, -offset))[:, -offset:]


def _tmaf_select(x3, levels, breakpoints, with_index: bool):
    """Step functions ``alpha_d(x3)`` for every diagonal ``d`` by a chain of selections.

    ``levels`` has shape ``(D, C', m + 1)``.  Selecting (not summing level differences) keeps the
    values bit-exact, so the ReLU / leaky-ReLU presets stay exact; ``index`` (optional, floating
    point) counts the breakpoints strictly below each element, i.e. its interval.
    """
    alphas = [_column(levels[d], 0).expand_as(x3) for d in range(levels.shape[0])]
    index = torch.zeros_like(x3) if with_index else None
    for j in range(breakpoints.shape[0]):
        above = x3 > breakpoints[j]  # intervals (s_j, s_{j+1}] are closed on the right
        alphas = [torch.where(above, _column(levels[d], j + 1), alpha) for d, alpha in enumerate(alphas)]
        if with_index:
            index = index + above.to(x3.dtype)
    return alphas, index


def _tmaf_forward_fused(x3, levels, breakpoints, offsets: tuple[int, ...], reuse: bool):
    alphas, _ = _tmaf_select(x3, levels, breakpoints, False)
    y = None
    for alpha, offset in zip(alphas, offsets):
        term = _shift_functional(alpha * x3, offset)
        y = term if y is None else y + term
    return y


def _tmaf_backward_fused(x3, g3, levels, breakpoints, offsets: tuple[int, ...], per_channel: bool, reuse: bool):
    alphas, index = _tmaf_select(x3, levels, breakpoints, True)
    grad_x = None
    grad_levels = []
    for alpha, offset in zip(alphas, offsets):
        g_source = _shift_functional(g3, -offset)  # element j feeds output j + offset
        term = g_source * alpha
        grad_x = term if grad_x is None else grad_x + term
        weighted = g_source * x3
        per_interval = []
        for j in range(levels.shape[-1]):
            masked = torch.where(index == j, weighted, 0.0)
            per_interval.append(_channel_sum(masked) if per_channel else masked.sum().reshape(1))
        grad_levels.append(torch.stack(per_interval, dim=1))
    return grad_x, torch.stack(grad_levels)


class _TMAFFunction(torch.autograd.Function):
    """``y_i = sum_d alpha_d(x_{i-d}) x_{i-d}`` with step functions ``alpha_d`` on fixed breakpoints."""

    @staticmethod
    def _channels(x, levels, offsets, per_channel):
        cdtype = _compute_dtype(x.dtype)
        num_channels = levels.shape[1] if per_channel else 1
        if any(offsets) and x.dim() < 2:
            raise ValueError(f"a TMAF with off-diagonals needs inputs with >= 2 dimensions, got shape {tuple(x.shape)}")
        if any(offsets) and not per_channel:
            return x.reshape(x.shape[0], x.shape[1], -1).to(cdtype)
        return _as_channels(x, num_channels, per_channel).to(cdtype)

    @staticmethod
    def forward(ctx, x, levels, breakpoints, offsets: tuple[int, ...], per_channel: bool, fused: bool):  # type: ignore[override]
        x3 = _TMAFFunction._channels(x, levels, offsets, per_channel)
        cdtype = x3.dtype
        if fused:
            levels3 = (levels if per_channel else levels.unsqueeze(1)).to(cdtype)
            y = _kernel(_tmaf_forward_fused, True, offsets)(x3, levels3, breakpoints.to(cdtype))
        else:
            composite = _interval_index(x3, breakpoints.to(cdtype), levels.shape[-1], per_channel)
            y = None
            for d, offset in enumerate(offsets):
                term = levels[d].to(cdtype).reshape(-1).take(composite).mul_(x3)
                y = _shift(term, offset) if y is None else y.add_(_shift(term, offset))
        ctx.save_for_backward(x, levels, breakpoints)
        ctx.offsets, ctx.per_channel, ctx.fused = offsets, per_channel, fused
        return y.to(x.dtype).reshape(x.shape)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):  # type: ignore[override]
        x, levels, breakpoints = ctx.saved_tensors
        offsets, per_channel = ctx.offsets, ctx.per_channel
        x3 = _TMAFFunction._channels(x, levels, offsets, per_channel)
        cdtype = x3.dtype
        g3 = grad_output.reshape(x3.shape).to(cdtype)
        if ctx.fused:
            levels3 = (levels if per_channel else levels.unsqueeze(1)).to(cdtype)
            kernel = _kernel(_tmaf_backward_fused, True, offsets, per_channel)
            grad_x, grad_levels = kernel(x3, g3, levels3, breakpoints.to(cdtype))
            grad_levels = grad_levels.reshape(levels.shape)
        else:
            composite = _interval_index(x3, breakpoints.to(cdtype), levels.shape[-1], per_channel)
            grad_x = torch.zeros_like(x3)
            grad_levels = torch.zeros(levels.shape, dtype=cdtype, device=x.device)
            num_levels = levels[0].numel()
            for d, offset in enumerate(offsets):
                g_source = _shift(g3, -offset)  # element j feeds output j + offset
                grad_x.addcmul_(g_source, levels[d].to(cdtype).reshape(-1).take(composite))
                weights = (g_source * x3).reshape(-1)
                counts = torch.bincount(composite.reshape(-1), weights=weights, minlength=num_levels)
                grad_levels[d] = counts.reshape(levels[d].shape)
        return (
            grad_x.to(x.dtype).reshape(x.shape),
            grad_levels.to(levels.dtype),
            None,
            None,
            None,
            None,
        )


_COMPARISON_SEARCH_LIMIT = 16


def _interval_index(x3: torch.Tensor, breakpoints: torch.Tensor, num_intervals: int, per_channel: bool) -> torch.Tensor:
    """Flat index into ``levels[d]``: interval ``j`` of ``(s_j, s_{j+1}]`` (closed on the right), per channel."""
    if breakpoints.numel() <= _COMPARISON_SEARCH_LIMIT:
        # for a few breakpoints, comparisons beat bucketize's scalar binary search on CPU
        index = torch.zeros(x3.shape, dtype=torch.int64, device=x3.device)
        for boundary in breakpoints:
            index += x3 > boundary
    else:
        index = torch.bucketize(x3, breakpoints, right=False)
    if per_channel:
        channels = torch.arange(x3.shape[1], device=x3.device).reshape(1, -1, 1)
        index = index + num_intervals * channels
    return index


def tmaf_activation(
    x: torch.Tensor,
    levels: torch.Tensor,
    breakpoints: torch.Tensor,
    offsets: Sequence[int] = (0,),
    *,
    fused: bool = False,
) -> torch.Tensor:
    r"""Trainable matrix activation: :math:`y_i = \sum_d \alpha_d(x_{i-d})\, x_{i-d}`.

    ``alpha_d`` is the step function with value ``levels[d, ..., j]`` on interval ``j`` of the
    breakpoints ``s_1 < ... < s_m``: ``(-inf, s_1], (s_1, s_2], ..., (s_m, inf)`` (closed on the
    right).  ``offsets = (0,)`` is the diagonal TMAF ``D(x) x``; ``(0, 1, -1)`` the tri-diagonal one
    (``1``: sub-diagonal, row ``i`` reads ``x_{i-1}``; ``-1``: super-diagonal), coupling neighbours
    along dimension 1 with zero padding at both ends.

    Parameters
    ----------
    x : Tensor
        Input of any shape (at least 2 dimensions when an offset is non-zero or per channel).
    levels : Tensor, shape (len(offsets), m + 1) or (len(offsets), num_channels, m + 1)
        Levels per diagonal (and per channel of dimension 1 in the second form).
    breakpoints : Tensor, shape (m,)
        Strictly increasing (not checked here; the module validates once).
    offsets : sequence of int
    fused : bool
        Use kernels fused by ``torch.compile`` (see :func:`series_activation`): the interval of each
        element is found by a chain of ``m`` comparisons inside one loop, so this suits grids of
        tens of breakpoints (compile time and work grow with ``m``).  Default: eager ATen ops.

    Returns
    -------
    Tensor
        Same shape and dtype as ``x``; backward saves only ``x`` and the small parameter tensors.
    """
    check_floating(x, "tmaf_activation")
    offsets = tuple(int(o) for o in offsets)
    if levels.dim() not in (2, 3) or levels.shape[0] != len(offsets) or levels.shape[-1] != breakpoints.numel() + 1:
        raise ValueError(
            f"`levels` must have shape ({len(offsets)}, [num_channels,] {breakpoints.numel() + 1}) for "
            f"{len(offsets)} diagonal(s) and {breakpoints.numel()} breakpoints, got {tuple(levels.shape)}"
        )
    return _TMAFFunction.apply(x, levels, breakpoints, offsets, levels.dim() == 3, bool(fused))
