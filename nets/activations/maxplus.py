"""The tropical (max-plus) activation ``max_k (a_k + k x)`` and its ratio, with a backward pass that
recomputes the maximising index instead of storing it (see :mod:`nets.activations.functional` for the
channel convention and the memory rule)."""

from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

from nets.activations.functional import _as_channels, _channel_sum, _column, _compute_dtype, _kernel, check_floating

__all__ = ["tropical_activation"]


def _tropical_max(x3: torch.Tensor, intercepts: torch.Tensor, with_index: bool, reuse: bool):
    """``max_k (k x + c_k)`` over ``k = 0..n`` and (optionally) the smallest maximising ``k``."""
    degree = intercepts.shape[1] - 1
    value = _column(intercepts, 0).expand_as(x3).contiguous()
    # the index is kept in floating point and updated arithmetically: on CPU, masked_fill_/where are
    # an order of magnitude slower than a comparison and two multiply-adds
    index = torch.zeros_like(x3) if with_index else None
    candidate = torch.empty_like(x3) if reuse else None
    for k in range(1, degree + 1):
        if reuse:
            torch.add(_column(intercepts, k), x3, alpha=k, out=candidate)
        else:
            candidate = _column(intercepts, k) + k * x3
        if with_index:  # index <- k where the new line is strictly above (ties keep the smaller slope)
            index = index.sub_(k).mul_(candidate <= value).add_(k) if reuse else torch.where(candidate > value, k, index)
        value = torch.maximum(value, candidate, out=value) if reuse else torch.maximum(value, candidate)
    return value, index


def _tropical_forward(x3, numerator, denominator, scale: float, reuse: bool):
    y, _ = _tropical_max(x3, numerator, False, reuse)
    if denominator is not None:
        y = y - _tropical_max(x3, denominator, False, reuse)[0]
    return y * scale


def _tropical_backward(x3, g3, intercepts, reuse: bool):
    """Active slope ``k*`` per element and ``sum g3 [k* = k]`` per channel and ``k``."""
    _, index = _tropical_max(x3, intercepts, True, reuse)
    num_values = intercepts.shape[1]
    if reuse:  # eager: one histogram pass
        channels = index.shape[1]
        offsets = num_values * torch.arange(channels, device=index.device).reshape(1, -1, 1)
        composite = (index.to(torch.int64) + offsets).reshape(-1)
        grad = torch.bincount(composite, weights=g3.reshape(-1), minlength=channels * num_values)
        grad = grad.reshape(channels, num_values)
    else:  # compiled: fixed-shape masked sums fuse into one loop
        grad = torch.stack([_channel_sum(torch.where(index == k, g3, 0.0)) for k in range(num_values)], dim=1)
    return index, grad


def _tropical_backward_fused(x3, grad, numerator, denominator, scale: float, reuse: bool):
    """The whole backward in one compiled kernel: ``grad_x = s g (k*_p - k*_q)`` and the masked sums
    of both intercept vectors (no intermediate tensor of the input's size leaves the kernel)."""
    g3 = grad * scale
    active, grad_p = _tropical_backward(x3, g3, numerator, reuse)
    grad_q = None
    if denominator is not None:
        active_q, grad_q = _tropical_backward(x3, g3, denominator, reuse)
        active, grad_q = active - active_q, -grad_q
    return g3 * active, grad_p, grad_q


class _TropicalFunction(torch.autograd.Function):
    """``scale * (max_k (k x + p_k) - max_k (k x + q_k))``; the second max is optional."""

    @staticmethod
    def forward(ctx, x, numerator, denominator, scale: float, fused: bool):  # type: ignore[override]
        per_channel = numerator.dim() == 2
        cdtype = _compute_dtype(x.dtype)
        p = (numerator if per_channel else numerator.unsqueeze(0)).to(cdtype)
        q = None if denominator is None else (denominator if per_channel else denominator.unsqueeze(0)).to(cdtype)
        x3 = _as_channels(x, p.shape[0], per_channel).to(cdtype)
        y = _kernel(_tropical_forward, fused, scale)(x3, p, q)
        ctx.save_for_backward(x, numerator, denominator)
        ctx.scale, ctx.fused = scale, fused
        return y.to(x.dtype).reshape(x.shape)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):  # type: ignore[override]
        x, numerator, denominator = ctx.saved_tensors
        per_channel = numerator.dim() == 2
        cdtype = _compute_dtype(x.dtype)
        x3 = _as_channels(x, numerator.shape[0] if per_channel else 1, per_channel).to(cdtype)
        if ctx.fused:
            p = (numerator if per_channel else numerator.unsqueeze(0)).to(cdtype)
            q = None if denominator is None else (denominator if per_channel else denominator.unsqueeze(0)).to(cdtype)
            kernel = _kernel(_tropical_backward_fused, True, ctx.scale)
            grad_x, grad_p, grad_q = kernel(x3, grad_output.reshape(x3.shape).to(cdtype), p, q)
            grads = [g if g is None else g.to(c.dtype).reshape(c.shape) for g, c in ((grad_p, numerator), (grad_q, denominator))]
            return grad_x.to(x.dtype).reshape(x.shape), grads[0], grads[1], None, None
        g3 = grad_output.reshape(x3.shape).to(cdtype) * ctx.scale
        grads = []
        slope = None
        for sign, intercepts in ((1.0, numerator), (-1.0, denominator)):
            if intercepts is None:
                grads.append(None)
                continue
            c = (intercepts if per_channel else intercepts.unsqueeze(0)).to(cdtype)
            # on the active piece k*: d/dx = k*, d/dc_k = [k = k*] (a.e.)
            active, grad_c = _tropical_backward(x3, g3, c, True)
            slope = active * sign if slope is None else slope.add_(active, alpha=sign)
            grads.append((grad_c * sign).to(intercepts.dtype).reshape(intercepts.shape))
        grad_x = (g3 * slope).to(x.dtype).reshape(x.shape)
        return grad_x, grads[0], grads[1], None, None


def tropical_activation(
    x: torch.Tensor,
    intercepts: torch.Tensor,
    denominator: torch.Tensor | None = None,
    scale: float = 1.0,
    *,
    fused: bool = False,
) -> torch.Tensor:
    r"""Tropical polynomial (or rational function) with integer slopes, elementwise.

    .. math:: F(x) = s \left(\max_{k=0..n} (k x + p_k) - \max_{k=0..n} (k x + q_k)\right)

    with the second maximum dropped when ``denominator`` is None.

    Parameters
    ----------
    x : Tensor
        Input of any shape.
    intercepts : Tensor, shape (n + 1,) or (num_channels, n + 1)
        ``p_k`` for slopes ``k = 0..n`` (per channel on dimension 1 in the second form).
    denominator : Tensor, optional
        ``q_k``, same shape as ``intercepts``.
    scale : float
        ``s``.
    fused : bool
        Use kernels fused by ``torch.compile`` (see :func:`series_activation`).

    Returns
    -------
    Tensor
        Same shape and dtype as ``x``.  Ties go to the smallest slope; backward saves only ``x``.
    """
    check_floating(x, "tropical_activation")
    return _TropicalFunction.apply(x, intercepts, denominator, float(scale), bool(fused))


