r"""Trainable matrix activation functions (TMAF) [LZX21]: step-function levels on fixed breakpoints.

The diagonal TMAF maps a pre-activation vector ``y`` to ``D(y) y`` with
``D(y) = diag(alpha(y_1), ..., alpha(y_n))`` and ``alpha`` a step function: for breakpoints
``s_1 < ... < s_m`` it takes the learnable level ``t_0`` on ``(-inf, s_1]``, ``t_j`` on
``(s_j, s_{j+1}]`` and ``t_m`` on ``(s_m, inf)``; intervals are closed on the right.  ReLU is
``m = 1, s_1 = 0, t = (0, 1)``; leaky ReLU is ``t = (slope, 1)``.

The tri-diagonal TMAF adds a sub- and a super-diagonal, each with its own step function:
``(T y)_i = gamma(y_{i-1}) y_{i-1} + alpha(y_i) y_i + beta(y_{i+1}) y_{i+1}``; here ``i`` runs over
dimension 1 of the input (features of an ``(N, F)`` batch, channels of an ``(N, C, H, W)`` one) with
zeros beyond both ends.  New sparsity patterns are one entry in :data:`STRUCTURES`.

References
----------
.. [LZX21] Z. Liu, Y. Cui, J. Xu, Z. Zhang (seed document: "Neural networks with trainable matrix
   activation functions"), ICLR 2022 submission, arXiv:2109.09948.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray
from torch import nn

from nets.activations.device import check_device
from nets.activations.piecewise import tmaf_activation
from nets.activations.series import check_num_channels

__all__ = ["TMAF", "STRUCTURES", "gaussian_breakpoints", "uniform_breakpoints"]

#: Diagonal offsets per structure: offset ``d`` makes output ``i`` read input ``i - d`` (dim 1).
#: Order fixes the layout of ``TMAF.levels``: ``levels[0]`` is always the main diagonal.
STRUCTURES: dict[str, tuple[int, ...]] = {
    "diagonal": (0,),
    "tridiagonal": (0, 1, -1),
}


def _check_num_intervals(num_intervals: object, minimum: int) -> int:
    if isinstance(num_intervals, bool) or not isinstance(num_intervals, (int, np.integer)):
        raise TypeError(f"`num_intervals` must be an int >= {minimum}, got {num_intervals!r}")
    if num_intervals < minimum:
        raise ValueError(f"`num_intervals` must be an int >= {minimum}, got {num_intervals!r}")
    return int(num_intervals)


def gaussian_breakpoints(num_intervals: int, *, mean: float = 0.0, std: float = 1.0) -> NDArray[np.float64]:
    """Breakpoints splitting the real line into ``num_intervals`` intervals equiprobable under ``N(mean, std^2)``.

    Returns the ``num_intervals - 1`` quantiles ``Phi^{-1}(j / num_intervals)``; an even
    ``num_intervals`` puts a breakpoint at ``mean``.

    Examples
    --------
    >>> np.round(gaussian_breakpoints(10), 2)
    array([-1.28, -0.84, -0.52, -0.25,  0.  ,  0.25,  0.52,  0.84,  1.28])

    [LZX21] calls its grid equiprobable but prints -1.4, -0.92, -0.56, -0.26, 0, ... (not the
    N(0, 1) deciles above).
    """
    m = _check_num_intervals(num_intervals, 2)
    if not (std > 0 and math.isfinite(std) and math.isfinite(mean)):
        raise ValueError(f"`std` must be positive and finite and `mean` finite, got mean={mean!r}, std={std!r}")
    law = NormalDist(mean, std)
    return np.array([law.inv_cdf(j / m) for j in range(1, m)])


def uniform_breakpoints(low: float, high: float, num_intervals: int) -> NDArray[np.float64]:
    """``num_intervals - 1`` equally spaced breakpoints from ``low`` to ``high`` (both included).

    Together with the two unbounded end intervals this gives ``num_intervals`` levels and
    ``num_intervals - 2`` cells of width ``(high - low) / (num_intervals - 2)`` inside ``[low, high]``.

    Examples
    --------
    >>> uniform_breakpoints(-1.0, 1.0, 102).size   # the paper's 100 cells of width 0.02 on [-1, 1]
    101
    """
    m = _check_num_intervals(num_intervals, 3)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"`low` and `high` must be finite with low < high, got low={low!r}, high={high!r}")
    return np.linspace(low, high, m - 1)


def _check_breakpoints(breakpoints: ArrayLike | torch.Tensor) -> NDArray[np.float64]:
    if isinstance(breakpoints, torch.Tensor):
        breakpoints = breakpoints.detach().cpu().double().numpy()
    try:
        s = np.asarray(breakpoints, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"`breakpoints` must be a 1-D sequence of floats, got {breakpoints!r}") from exc
    if s.ndim != 1 or s.size == 0:
        raise ValueError(f"`breakpoints` must be a non-empty 1-D sequence, got shape {s.shape}")
    if not np.all(np.isfinite(s)):
        raise ValueError(f"`breakpoints` must be finite, got {s.tolist()}")
    if s.size > 1 and not np.all(np.diff(s) > 0):
        raise ValueError(f"`breakpoints` must be strictly increasing, got {s.tolist()}")
    return s


class TMAF(nn.Module):
    r"""Trainable matrix activation function (diagonal or tri-diagonal) [LZX21].

    Parameters
    ----------
    breakpoints : sequence of float or Tensor
        Strictly increasing, finite grid ``s_1 < ... < s_m`` (fixed, stored as a buffer); see
        :func:`gaussian_breakpoints` and :func:`uniform_breakpoints`.
    num_channels : int, optional
        ``None``: one set of levels per layer.  An int ``C``: one per channel of dimension 1.
    structure : {"diagonal", "tridiagonal"}
        Key of :data:`STRUCTURES`.
    init : sequence of float, optional
        Initial levels of the main diagonal (``m + 1`` values); off-diagonals always start at 0.
        Default: variance-preserving ``sqrt(2)`` on every interval inside ``[0, inf)`` and 0 on the
        others, i.e. ``sqrt(2) ReLU`` when 0 is a breakpoint (true for the factories' even
        ``num_intervals`` / symmetric grids); then forward and backward gains are exactly 1 under
        ``N(0, 1)``.  Without a breakpoint at 0 the same rule applies but the gains differ from 1.
    fused : bool
        Evaluate with kernels fused by ``torch.compile`` (compiled on first call; needs a C++
        compiler on CPU): one loop over the input with ``m`` comparisons per element, close to
        ``nn.GELU``'s time for the 10-interval grids of [LZX21].  Default False: eager ATen ops
        (an interval search, a gather and a ``bincount``).
    device, dtype
        Factory arguments for the parameter and the breakpoint buffer.

    Shape
    -----
    - Input: ``(*)``, any shape for the shared diagonal TMAF; ``(N, C, *)`` when ``num_channels = C``
      or when the structure has off-diagonals (they couple neighbours along dimension 1).
    - Output: same shape and dtype as the input.

    Attributes
    ----------
    levels : Parameter, shape (D, m + 1) or (D, num_channels, m + 1)
        Levels ``t_j`` per diagonal ``D = len(STRUCTURES[structure])``: ``levels[0]`` is ``alpha`` on
        the main diagonal, for "tridiagonal" ``levels[1]`` is ``gamma`` (sub-diagonal, reads
        ``y_{i-1}``) and ``levels[2]`` is ``beta`` (super-diagonal, reads ``y_{i+1}``).  Per-channel
        levels belong to the channel of the input element they multiply.
    breakpoints : Tensor, shape (m,)
        Buffer; follows ``.to()``.

    Notes
    -----
    Gradients are the a.e. derivatives ``d sigma_i / d y_i = alpha(y_i)`` and
    ``d sigma_i / d t_j = y_i 1[y_i in interval j]``; backward saves only the input.

    Examples
    --------
    >>> x = torch.randn(4, 3)
    >>> torch.equal(TMAF.relu()(x), torch.relu(x))
    True
    """

    def __init__(
        self,
        breakpoints: ArrayLike | torch.Tensor,
        num_channels: int | None = None,
        *,
        structure: str = "diagonal",
        init: Sequence[float] | None = None,
        fused: bool = False,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        grid = _check_breakpoints(breakpoints)
        if not isinstance(fused, bool):
            raise TypeError(f"`fused` must be a bool, got {fused!r}")
        self.fused = fused
        if structure not in STRUCTURES:
            raise ValueError(f"`structure` must be one of {sorted(STRUCTURES)}, got {structure!r}")
        self.structure = structure
        self.offsets = STRUCTURES[structure]
        self.num_channels = check_num_channels(num_channels)
        self.num_intervals = grid.size + 1
        if init is None:
            # interval j >= 1 is (s_j, s_{j+1}]: inside [0, inf) iff its left end s_j >= 0
            initial = np.where(np.concatenate([[False], grid >= 0.0]), math.sqrt(2.0), 0.0)
        else:
            initial = np.asarray(init, dtype=np.float64)
            if initial.shape != (self.num_intervals,) or not np.all(np.isfinite(initial)):
                raise ValueError(
                    f"`init` must hold {self.num_intervals} finite levels (one per interval of "
                    f"{grid.size} breakpoints), got {init!r}"
                )
        self._initial_levels = tuple(float(v) for v in initial)
        factory = {"device": check_device(device), "dtype": dtype}
        self.register_buffer("breakpoints", torch.tensor(grid, **factory))
        shape = (len(self.offsets),) + (() if self.num_channels is None else (self.num_channels,))
        self.levels = nn.Parameter(torch.empty(shape + (self.num_intervals,), **factory))
        self.reset_parameters()

    @classmethod
    def relu(
        cls, num_channels: int | None = None, *, structure: str = "diagonal", fused: bool = False, device=None, dtype=None
    ) -> TMAF:
        """TMAF equal to ``torch.relu`` (breakpoint 0, levels ``(0, 1)``) for finite inputs."""
        return cls([0.0], num_channels, structure=structure, init=(0.0, 1.0), fused=fused, device=device, dtype=dtype)

    @classmethod
    def leaky_relu(
        cls,
        negative_slope: float = 0.01,
        num_channels: int | None = None,
        *,
        structure: str = "diagonal",
        fused: bool = False,
        device=None,
        dtype=None,
    ) -> TMAF:
        """TMAF equal to ``F.leaky_relu(x, negative_slope)`` (levels ``(negative_slope, 1)``)."""
        if isinstance(negative_slope, bool) or not isinstance(negative_slope, (int, float)) or not math.isfinite(negative_slope):
            raise TypeError(f"`negative_slope` must be a finite float, got {negative_slope!r}")
        return cls(
            [0.0],
            num_channels,
            structure=structure,
            init=(float(negative_slope), 1.0),
            fused=fused,
            device=device,
            dtype=dtype,
        )

    def reset_parameters(self) -> None:
        """Main diagonal to the initial levels (see ``init``), off-diagonals to 0."""
        with torch.no_grad():
            self.levels.zero_()
            initial = torch.tensor(self._initial_levels, dtype=self.levels.dtype, device=self.levels.device)
            self.levels[0].copy_(initial.expand_as(self.levels[0]))

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return tmaf_activation(input, self.levels, self.breakpoints, self.offsets, fused=self.fused)

    def extra_repr(self) -> str:
        channels = "" if self.num_channels is None else f", num_channels={self.num_channels}"
        low, high = float(self.breakpoints[0]), float(self.breakpoints[-1])
        fused = ", fused=True" if self.fused else ""
        return f"num_intervals={self.num_intervals}, breakpoints=[{low:.4g}, ..., {high:.4g}], structure={self.structure!r}{channels}{fused}"
