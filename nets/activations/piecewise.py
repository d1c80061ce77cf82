"""The trainable matrix activation (TMAF): a piecewise function selected by breakpoints, with a
backward pass that recomputes the interval of each element instead of storing it (see
:mod:`nets.activations.functional` for the channel convention and the memory rule)."""

from __future__ import annotations

import threading
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


#: Per-thread padded CPU buffers by (shape, dtype), most recent last (see :func:`_pad_channels`).
_WORKSPACES = threading.local()
#: Padded buffers kept per thread: one per distinct input shape of the last few calls.
_WORKSPACE_LIMIT = 4


def _pad_channels(t: torch.Tensor, width: int, *, transient: bool = False) -> torch.Tensor:
    """``t`` with ``width`` zeros added at both ends of dimension 1, made outside the compiled
    kernels so that their shifted reads are plain strided loads rather than masked ones.

    With ``transient`` (the result is read only by the next kernel call) a CPU input is copied
    into a per-thread buffer whose borders stay zero, reused across calls: one pass over ``t``
    instead of zero-filling and page-faulting a fresh tensor on every call.  Other devices run
    asynchronously, so there the copy is always a fresh tensor.
    """
    if width == 0:
        return t
    shape = (t.shape[0], t.shape[1] + 2 * width, *t.shape[2:])
    if not transient or t.device.type != "cpu":
        padded = t.new_empty(shape)
        padded[:, :width].zero_()
        padded[:, -width:].zero_()
    else:
        cache = getattr(_WORKSPACES, "buffers", None)
        if cache is None:
            cache = _WORKSPACES.buffers = {}
        key = (shape, t.dtype)
        padded = cache.pop(key, None)
        if padded is None:
            padded = t.new_zeros(shape)
        cache[key] = padded  # most recently used last
        while len(cache) > _WORKSPACE_LIMIT:
            cache.pop(next(iter(cache)))
    padded[:, width:-width].copy_(t)
    return padded


def _tmaf_forward_fused(xpad, levels, breakpoints, offsets: tuple[int, ...], reuse: bool):
    """``y_o = sum_d alpha_d(x_{o-d}) x_{o-d}`` from ``xpad`` (the input padded by ``max |d|`` zero
    channels on both sides); per-channel ``levels`` are padded the same way.  The levels are
    selected by a chain of comparisons, never by sums of level differences, so the values are
    bit-exact (the ReLU and leaky-ReLU presets stay exact)."""
    width = max(abs(o) for o in offsets)
    channels = xpad.shape[1] - 2 * width
    y = None
    for d, offset in enumerate(offsets):
        start = width - offset  # output channel o reads source channel o - offset
        source = xpad[:, start : start + channels]
        own = levels[d] if levels.shape[1] == 1 else levels[d, start : start + channels]
        alpha = _column(own, 0).expand_as(source)
        for j in range(breakpoints.shape[0]):  # intervals (s_j, s_{j+1}] are closed on the right
            alpha = torch.where(source > breakpoints[j], _column(own, j + 1), alpha)
        term = alpha * source
        y = term if y is None else y + term
    return y


def _tmaf_backward_fused(x3, gpad, levels, breakpoints, offsets: tuple[int, ...], per_channel: bool, reuse: bool):
    """Input and level gradients from ``gpad`` (the incoming gradient padded like ``xpad``).

    With ``above_j = [x > s_j]`` (non-increasing in ``j`` for sorted breakpoints), the level
    gradient of interval ``j`` is ``A_j - A_{j+1}`` where ``A_0 = sum w`` and ``A_j = sum w above_j``
    for ``w = g_{i+d} x_i``: one multiply-add per breakpoint and diagonal instead of a comparison
    and a selection per interval.  Each difference carries the rounding of the tail sums (relative
    to the sum over the intervals above, not over interval ``j`` alone), far below what gradient
    descent notices."""
    width = max(abs(o) for o in offsets)
    channels = x3.shape[1]
    above = [(x3 > breakpoints[j]).to(x3.dtype) for j in range(breakpoints.shape[0])]

    def total(t):
        return _channel_sum(t) if per_channel else t.sum().reshape(1)

    grad_x = None
    grad_levels = []
    for d, offset in enumerate(offsets):
        start = width + offset  # element i feeds output i + offset
        g_source = gpad[:, start : start + channels]
        own = levels[d]
        alpha = _column(own, 0)
        for j, step in enumerate(above):
            alpha = alpha + (_column(own, j + 1) - _column(own, j)) * step
        term = g_source * alpha
        grad_x = term if grad_x is None else grad_x + term
        weighted = g_source * x3
        cumulative = [total(weighted)] + [total(weighted * step) for step in above]
        cumulative.append(torch.zeros_like(cumulative[0]))
        grad_levels.append(torch.stack([cumulative[j] - cumulative[j + 1] for j in range(len(above) + 1)], dim=1))
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
            width = max(abs(o) for o in offsets)
            levels3 = (levels if per_channel else levels.unsqueeze(1)).to(cdtype)
            levels3 = _pad_channels(levels3, width) if per_channel else levels3
            xpad = _pad_channels(x3, width, transient=True)
            y = _kernel(_tmaf_forward_fused, True, offsets)(xpad, levels3, breakpoints.to(cdtype))
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
            gpad = _pad_channels(g3, max(abs(o) for o in offsets), transient=True)
            grad_x, grad_levels = kernel(x3, gpad, levels3, breakpoints.to(cdtype))
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


def _interval_index(x3: torch.Tensor, breakpoints: torch.Tensor, num_intervals: int, per_channel: bool) -> torch.Tensor:
    """Flat index into ``levels[d]``: interval ``j`` of ``(s_j, s_{j+1}]`` (closed on the right), per channel.

    One ``bucketize`` pass, whatever the number of breakpoints (a chain of comparisons accumulated
    into an int64 index takes three whole-tensor passes per breakpoint: compare, widen, add).
    """
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
