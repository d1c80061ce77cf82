"""Stateless forward functions of the learnable activations, with memory-lean custom backward passes:
the shared channel and kernel machinery, and the series in a basis (Hermite, Fourier, monomial).

Each function here is a :class:`torch.autograd.Function` that saves only its input ``x`` (plus the
small parameter tensors) for backward and recomputes everything else there, so the memory kept per
input element is one element of ``x`` whatever the degree or number of intervals.  The modules in
:mod:`nets.activations.series`, :mod:`nets.activations.tropical` and :mod:`nets.activations.tmaf` are thin wrappers that own the
parameters; the kernels of the tropical and matrix activations are :mod:`nets.activations.maxplus` and
:mod:`nets.activations.piecewise`.

Channel convention (as in ``BatchNorm`` and ``PReLU``): parameters of shape ``(num_channels, K)``
apply channel ``c`` of the input's dimension 1; parameters of shape ``(K,)`` are shared by all
elements.  Reduced-precision inputs (``float16``, ``bfloat16``) are evaluated in ``float32`` and the
result is cast back, so the output dtype always equals the input dtype.
"""

from __future__ import annotations

import types

import torch
from torch.autograd.function import once_differentiable

from nets.activations.bases import Basis, get_basis

__all__ = ["series_activation"]


# --- helpers ---------------------------------------------------------------------------------


def check_floating(x: torch.Tensor, who: str) -> None:
    """Refuse an integer or boolean input: the activations are real functions evaluated in floating
    point (an integer tensor would be computed in integer arithmetic, silently wrong)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{who}: the input must be a torch.Tensor; got {type(x).__name__}")
    if not (x.is_floating_point() or x.is_complex()):
        raise TypeError(f"{who}: the input has dtype {x.dtype}; allowed: a floating-point tensor (convert with x.float())")
    if x.is_complex():
        raise TypeError(f"{who}: the input has the complex dtype {x.dtype}; allowed: a real floating-point tensor")


def _compute_dtype(dtype: torch.dtype) -> torch.dtype:
    return torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype


def _as_channels(x: torch.Tensor, num_channels: int, per_channel: bool) -> torch.Tensor:
    """View ``x`` as ``(N, C, L)``: channels on dim 1, or ``(1, 1, numel)`` for shared parameters."""
    if not per_channel:
        return x.reshape(1, 1, -1)
    if x.dim() < 2 or x.shape[1] != num_channels:
        raise ValueError(
            f"input of shape {tuple(x.shape)} does not match num_channels={num_channels}: "
            f"per-channel parameters need an input with at least 2 dimensions and size "
            f"{num_channels} on dimension 1 (channel dimension, as in BatchNorm)"
        )
    return x.reshape(x.shape[0], num_channels, -1)


def _channel_dot(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``sum_{n,l} a[n,c,l] * b[n,c,l]`` for each channel ``c`` of two ``(N, C, L)`` tensors.

    Written as a product and a sum (not ``torch.dot``) so that a compiled kernel fuses every such
    reduction into the loop that computes the terms."""
    return _channel_sum(a * b)


def _channel_sum(a: torch.Tensor) -> torch.Tensor:
    return a.sum(dim=(0, 2))


def _column(w: torch.Tensor, row: int) -> torch.Tensor:
    """Column ``row`` of a ``(C, K)`` weight matrix, shaped to broadcast against ``(N, C, L)``."""
    return w[:, row].reshape(1, -1, 1)


# --- fused kernels ---------------------------------------------------------------------------

_COMPILED: dict[tuple[object, ...], object] = {}

#: Inductor options of the fused kernels: contract ``a * b + c`` into one fused multiply-add (one
#: rounding instead of two, so never less accurate), since the recurrences and sums are chains of
#: such steps and on CPU they are bound by arithmetic more than by memory; and let one CPU loop
#: carry up to 64 reductions (Inductor's default of 16 splits a degree-8 Fourier backward, 17
#: coefficient sums, and the tri-diagonal TMAF's 33 level sums into loops that each recompute
#: every term).
_COMPILE_OPTIONS = {"cpp.enable_floating_point_contract_flag": "fast", "cpp.max_horizontal_fusion_size": 64}


def _kernel(function, fused: bool, *constants):
    """``function`` with ``constants`` bound; with ``fused``, compiled once by ``torch.compile``.

    Eager kernels run one ATen op per term over the whole tensor; compiled ones fuse the recurrence
    into a single loop (one read of ``x``, one write), the memory traffic of an elementwise op.
    """
    if not fused:
        return lambda *tensors: function(*tensors, *constants, True)
    key = (function, *constants)
    if key not in _COMPILED:
        bound = lambda *tensors: function(*tensors, *constants, False)  # noqa: E731
        # dynamo caches (and caps recompiles) per code object: give each specialisation its own
        bound = types.FunctionType(
            bound.__code__.replace(co_name=f"{function.__name__}_{len(_COMPILED)}"),
            bound.__globals__,
            closure=bound.__closure__,
        )
        _COMPILED[key] = torch.compile(bound, dynamic=None, fullgraph=True, options=_COMPILE_OPTIONS)
    return _COMPILED[key]


# --- blocked eager kernels --------------------------------------------------------------------
#
# An eager recurrence of degree n costs about n passes over the tensor.  Run on the whole tensor,
# each pass streams it through main memory; run on blocks of a few ten thousand elements, the block
# and its rows of intermediates stay in the per-core cache and each step is an in-cache pass.  The
# blocks are views of the input (dimension 0 of the channel view for per-channel parameters), the
# scratch rows are allocated once per call, and every step writes into them in place.

#: Elements per block on the CPU: the input block and a dozen rows of intermediates fit in L2.
_CPU_BLOCK = 32768
#: Elements per block elsewhere (accelerators stream well; the block only bounds the scratch rows).
_DEVICE_BLOCK = 1 << 22


def _block_elements(device: torch.device) -> int:
    return _CPU_BLOCK if device.type == "cpu" else _DEVICE_BLOCK


def _spans(length: int, step: int) -> list[tuple[int, int]]:
    return [(start, min(start + step, length)) for start in range(0, length, step)]


class _Blocks:
    """Blocks of an input viewed as ``(N, C, L)`` (channels) or flat (shared parameters).

    ``load`` returns a block in the compute dtype; ``target`` the slice of an output to write (or a
    compute-dtype scratch block, copied back by ``store``), so reduced-precision inputs are converted
    one block at a time instead of as whole-tensor copies.
    """

    def __init__(self, x: torch.Tensor, num_channels: int, per_channel: bool, cdtype: torch.dtype) -> None:
        self.cdtype = cdtype
        self.per_channel = per_channel
        if per_channel:
            self.view = _as_channels(x, num_channels, True)
            samples, channels, length = self.view.shape
            per_sample = max(1, channels * length)
            self.spans = _spans(samples, max(1, _block_elements(x.device) // per_sample))
        else:
            self.view = x.reshape(-1)
            self.spans = _spans(self.view.numel(), _block_elements(x.device))
        first = self.spans[0] if self.spans else (0, 0)
        self.block_shape = self.view[first[0] : first[1]].shape
        self.convert = x.dtype != cdtype
        self._scratch: dict[str, torch.Tensor] = {}

    def scratch(self, name: str, rows: int | None = None) -> torch.Tensor:
        """A reusable compute-dtype buffer of one block (``rows`` stacked blocks when given)."""
        key = f"{name}:{rows}"
        if key not in self._scratch:
            shape = self.block_shape if rows is None else (rows, *self.block_shape)
            self._scratch[key] = torch.empty(shape, dtype=self.cdtype, device=self.view.device)
        return self._scratch[key]

    def new_output(self, like: torch.Tensor) -> torch.Tensor:
        """A contiguous output laid out like :attr:`view` (reshape it to the input's shape at the end)."""
        return torch.empty(self.view.shape, dtype=like.dtype, device=like.device)

    def load(self, tensor: torch.Tensor, start: int, stop: int) -> torch.Tensor:
        block = tensor[start:stop]
        return block.to(self.cdtype) if self.convert else block

    def target(self, out: torch.Tensor, start: int, stop: int, name: str = "out") -> torch.Tensor:
        if self.convert:
            return _rows(self.scratch(name), stop - start)
        return out[start:stop]

    def store(self, value: torch.Tensor, out: torch.Tensor, start: int, stop: int) -> None:
        if self.convert:
            out[start:stop].copy_(value)


def _rows(buffer: torch.Tensor, count: int, rows: bool = False) -> torch.Tensor:
    """The first ``count`` entries of a block buffer (along dim 1 for stacked rows)."""
    return buffer[:, :count] if rows else buffer[:count]


# --- series in a basis -----------------------------------------------------------------------


def _series_forward(x3, weights, basis: Basis, degree: int, reuse: bool):
    """``sum_k weights[:, k] * R_k(x3)`` over the raw terms of ``basis`` (compiled kernel)."""
    y = None
    constant = torch.zeros(weights.shape[0], dtype=weights.dtype, device=weights.device)
    for row, term in basis.raw_terms(x3, degree, reuse):
        if term.dim() == 0:
            constant = constant + weights[:, row] * term
        elif y is None:
            y = constant.reshape(1, -1, 1) + term * _column(weights, row)
        else:
            y = y + term * _column(weights, row)
    return y


def _series_backward(x3, g3, slope_weights, basis: Basis, degree: int, need_coef: bool, reuse: bool):
    """Gradient w.r.t. ``x3`` and raw coefficient gradients ``sum g3 * R_k`` per channel (compiled kernel)."""
    raw_grads = []
    slope = None
    constant = torch.zeros(slope_weights.shape[0], dtype=slope_weights.dtype, device=slope_weights.device)
    g_sum = _channel_sum(g3) if need_coef else None
    for row, term in basis.raw_terms(x3, degree, reuse):
        if term.dim() == 0:
            if need_coef:
                raw_grads.append(g_sum * term)
            constant = constant + slope_weights[:, row] * term
            continue
        if need_coef:
            raw_grads.append(_channel_dot(g3, term))
        if slope is None:
            slope = constant.reshape(1, -1, 1) + term * _column(slope_weights, row)
        else:
            slope = slope + term * _column(slope_weights, row)
    grad_x = g3 * slope
    grad_raw = torch.stack(raw_grads, dim=1) if need_coef else None
    return grad_x, grad_raw


def _weight_columns(weights: torch.Tensor, per_channel: bool) -> list[torch.Tensor]:
    """Column ``k`` of ``(C, K)`` weights: a 0-dim tensor (shared) or shaped ``(1, C, 1)`` (per channel)."""
    return [_column(weights, k) if per_channel else weights[0, k] for k in range(weights.shape[1])]


def _combine(rows: torch.Tensor, columns: list[torch.Tensor], out: torch.Tensor) -> torch.Tensor:
    """``out = w_0 + sum_{k >= 1} w_k rows[k - 1]``, one in-place ``addcmul`` per row.

    Elementwise ops on one block run on the calling thread; a BLAS matrix-vector product would be
    one call, but it threads on its own and stalls for milliseconds on a busy machine.
    """
    torch.addcmul(columns[0], rows[0], columns[1], out=out)
    for k in range(2, len(columns)):
        out.addcmul_(rows[k - 1], columns[k])
    return out


def _series_blocks_forward(x: torch.Tensor, weights: torch.Tensor, basis: Basis, degree: int, per_channel: bool):
    """Blocked eager forward: fill the raw rows of a block, contract them with the weights."""
    blocks = _Blocks(x, weights.shape[0], per_channel, weights.dtype)
    y = blocks.new_output(x)
    columns = _weight_columns(weights, per_channel)
    buffer = blocks.scratch("rows", weights.shape[1] - 1)
    prepared = basis.prepare(blocks.view.to(blocks.cdtype))
    for start, stop in blocks.spans:
        xb = blocks.load(blocks.view, start, stop)
        rows = basis.raw_rows(xb, degree, _rows(buffer, stop - start, rows=True), *(p[start:stop] for p in prepared))
        out = _combine(rows, columns, blocks.target(y, start, stop))
        blocks.store(out, y, start, stop)
    return y


def _series_blocks_backward(
    x: torch.Tensor, grad: torch.Tensor, slope_weights: torch.Tensor, basis: Basis, degree: int, per_channel: bool, need_coef: bool
):
    """Blocked eager backward: per block the raw rows once, contracted with the slope weights (for the
    input gradient) and accumulated against the incoming gradient (for the coefficient gradients:
    ``sum g R_k`` is summed elementwise over the blocks and reduced once at the end)."""
    blocks = _Blocks(x, slope_weights.shape[0], per_channel, slope_weights.dtype)
    grads = grad.reshape(blocks.view.shape)
    grad_x = blocks.new_output(x)
    size = slope_weights.shape[1]
    columns = _weight_columns(slope_weights, per_channel)
    buffer = blocks.scratch("rows", size - 1)
    if need_coef:
        totals = torch.zeros((size, *blocks.block_shape), dtype=slope_weights.dtype, device=x.device)
    prepared = basis.prepare(blocks.view.to(blocks.cdtype))
    for start, stop in blocks.spans:
        count = stop - start
        xb = blocks.load(blocks.view, start, stop)
        gb = blocks.load(grads, start, stop)
        rows = basis.raw_rows(xb, degree, _rows(buffer, count, rows=True), *(p[start:stop] for p in prepared))
        out = _combine(rows, columns, blocks.target(grad_x, start, stop))
        out.mul_(gb)
        blocks.store(out, grad_x, start, stop)
        if need_coef:
            _rows(totals[0], count).add_(gb)
            for k in range(1, size):
                _rows(totals[k], count).addcmul_(rows[k - 1], gb)
    grad_raw = None
    if need_coef:
        grad_raw = totals.sum(dim=(1, 3)) if per_channel else totals.sum(dim=1, keepdim=True)
        grad_raw = grad_raw.t()
    return grad_x, grad_raw


class _SeriesFunction(torch.autograd.Function):
    """``F(x) = sum_j c_j phi_j(x)``; backward recomputes ``phi`` from the saved ``x``."""

    @staticmethod
    def forward(ctx, x, coefficients, basis: Basis, degree: int, fused: bool):  # type: ignore[override]
        per_channel = coefficients.dim() == 2
        coef = coefficients if per_channel else coefficients.unsqueeze(0)
        cdtype = _compute_dtype(x.dtype)
        scale = torch.as_tensor(basis.raw_scale(degree), dtype=cdtype, device=x.device)
        weights = coef.to(cdtype) * scale
        if fused:
            x3 = _as_channels(x, coef.shape[0], per_channel).to(cdtype)
            y = _kernel(_series_forward, True, basis, degree)(x3, weights)
        else:
            y = _series_blocks_forward(x, weights, basis, degree, per_channel)
        ctx.save_for_backward(x, coefficients)
        ctx.basis, ctx.degree, ctx.fused = basis, degree, fused
        return y.to(x.dtype).reshape(x.shape)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):  # type: ignore[override]
        x, coefficients = ctx.saved_tensors
        basis, degree = ctx.basis, ctx.degree
        per_channel = coefficients.dim() == 2
        coef = coefficients if per_channel else coefficients.unsqueeze(0)
        cdtype = _compute_dtype(x.dtype)
        scale = torch.as_tensor(basis.raw_scale(degree), dtype=cdtype, device=x.device)
        derivative = torch.as_tensor(basis.derivative_matrix(degree), dtype=cdtype, device=x.device)
        # F' = sum_k (c @ D)_k phi_k: same basis, so one pass over the recurrence serves both gradients.
        slope_weights = (coef.to(cdtype) @ derivative) * scale
        need_coef = ctx.needs_input_grad[1]
        if ctx.fused:
            x3 = _as_channels(x, coef.shape[0], per_channel).to(cdtype)
            g3 = grad_output.reshape(x3.shape).to(cdtype).contiguous()
            kernel = _kernel(_series_backward, True, basis, degree, need_coef)
            grad_x, grad_raw = kernel(x3, g3, slope_weights)
        else:
            grad_x, grad_raw = _series_blocks_backward(x, grad_output, slope_weights, basis, degree, per_channel, need_coef)
        grad_coef = None
        if need_coef:
            grad_coef = (grad_raw * scale).to(coefficients.dtype).reshape(coefficients.shape)
        return grad_x.to(x.dtype).reshape(x.shape), grad_coef, None, None, None


def series_activation(
    x: torch.Tensor, coefficients: torch.Tensor, basis: str | Basis = "hermite", *, fused: bool = False
) -> torch.Tensor:
    r"""Evaluate :math:`F(x) = \sum_j c_j \phi_j(x)` elementwise.

    Parameters
    ----------
    x : Tensor
        Input of any shape (at least 2 dimensions with per-channel coefficients).
    coefficients : Tensor, shape (K,) or (num_channels, K)
        Coefficients ordered like the basis vector (see :mod:`nets.activations.bases`); the second form applies
        row ``c`` to channel ``c`` of ``x``'s dimension 1.
    basis : {"hermite", "fourier", "monomial"} or Basis
        ``K = degree + 1`` for the polynomial bases and ``2 degree + 1`` for ``"fourier"``.
    fused : bool
        Run forward and backward as kernels fused by ``torch.compile`` (compiled on first use per
        basis and degree, several seconds; needs a C++ compiler on CPU).  Default: eager ATen ops.

    Returns
    -------
    Tensor
        Same shape and dtype as ``x``.  Backward saves only ``x`` and ``coefficients``.

    Examples
    --------
    >>> series_activation(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0, 2.0]), "hermite")
    tensor([0., 3.])

    Raises TypeError for an integer, boolean or complex ``x``.
    """
    check_floating(x, "series_activation")
    b = get_basis(basis)
    size = coefficients.shape[-1]
    degree = _degree_from_size(b, size)
    return _SeriesFunction.apply(x, coefficients, b, degree, bool(fused))


def _degree_from_size(basis: Basis, size: int) -> int:
    degree = size - 1 if basis.name != "fourier" else (size - 1) // 2
    if degree < 1 or basis.size(degree) != size:
        raise ValueError(
            f"`coefficients` has {size} entries on its last axis, which is not a valid size for "
            f"basis {basis.name!r} (allowed: {basis.size(1)}, {basis.size(2)}, {basis.size(3)}, ...)"
        )
    return degree
