r"""Tropical (max-plus) activations: learnable convex piecewise-linear functions and their differences.

A tropical polynomial of degree ``n`` with integer slopes is ``p(x) = max_{k=0..n} (k x + c_k)``: a
convex piecewise-linear function whose pieces have slopes among ``0, 1, ..., n`` and whose learnable
intercepts ``c_k`` move the kinks.  A tropical rational function is a difference ``p(x) - q(x)`` of
two of them, which can represent any continuous piecewise-linear function with integer slopes in
``[-n, n]`` [KK25].

References
----------
.. [KK25] I. Khalfaoui-Hassani, S. Kesselheim, "Polynomial, trigonometric, and tropical activations",
   ICLR 2026, arXiv:2502.01247.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from nets.activations import init as vp
from nets.activations.bases import check_degree
from nets.activations.device import check_device
from nets.activations.maxplus import tropical_activation
from nets.activations.series import check_num_channels

__all__ = ["TropicalActivation"]


class TropicalActivation(nn.Module):
    r"""Learnable tropical polynomial (or rational function) activation.

    .. math::

        F(x) = s \max_{k=0..n} (k x + c_k)
        \qquad\text{or, with ``rational=True``,}\qquad
        F(x) = s \left(\max_{k=0..n} (k x + c_k) - \max_{k=0..n} (k x + d_k)\right)

    Parameters
    ----------
    degree : int
        Largest slope ``n`` (positive).
    num_channels : int, optional
        ``None``: one set of intercepts per layer; an int ``C``: one per channel of dimension 1.
    rational : bool
        Add the learnable denominator ``d`` (a tropical rational function).
    clip : float
        Rational variant only: the initial denominator is ``n ReLU(x - clip)`` so that ``F`` starts
        as a shifted, scaled ``clip(x, 0, clip)``.  Must be positive and finite.
    fused : bool
        Use kernels fused by ``torch.compile`` (compiled on first call; needs a C++ compiler on CPU).
    device, dtype
        Factory arguments for the parameters.

    Shape
    -----
    - Input: ``(*)``, any shape; ``(N, C, *)`` when ``num_channels = C``.
    - Output: same shape and dtype as the input.

    Attributes
    ----------
    intercepts : Parameter, shape (n + 1,) or (num_channels, n + 1)
        ``c_k`` for slopes ``k = 0..n``.  Initialised to 0, so ``F(x) = sqrt(2) ReLU(x)`` with
        ``s = sqrt(2)/n``: forward and backward gains exactly 1 under ``N(0, 1)``.
    denominator : Parameter or None
        ``d_k`` (rational variant).  Initialised to ``-k * clip``; then ``c_k`` is shifted by a
        common constant and ``s`` chosen so that both gains are exactly 1
        (:func:`nets.activations.init.tropical_rational_variance_preserving`).
    scale : float
        The fixed factor ``s``.

    Notes
    -----
    Ties between pieces resolve to the smallest slope.  Backward saves only the input and recomputes
    the active piece.

    Examples
    --------
    >>> act = TropicalActivation(5)
    >>> torch.allclose(act(torch.tensor([-1.0, 2.0])), torch.tensor([0.0, 2.0 * 2**0.5]))
    True
    """

    def __init__(
        self,
        degree: int,
        num_channels: int | None = None,
        *,
        rational: bool = False,
        clip: float = 2.0,
        fused: bool = False,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.degree = check_degree(degree)
        self.num_channels = check_num_channels(num_channels)
        if not isinstance(rational, bool):
            raise TypeError(f"`rational` must be a bool, got {rational!r}")
        if isinstance(clip, bool) or not isinstance(clip, (int, float)) or not (0.0 < clip < math.inf):
            raise ValueError(f"`clip` must be a positive finite float, got {clip!r}")
        if not isinstance(fused, bool):
            raise TypeError(f"`fused` must be a bool, got {fused!r}")
        self.rational = rational
        self.fused = fused
        self.clip = float(clip)
        shape = (self.degree + 1,) if self.num_channels is None else (self.num_channels, self.degree + 1)
        factory = {"device": check_device(device), "dtype": dtype}
        self.intercepts = nn.Parameter(torch.empty(shape, **factory))
        if rational:
            self.denominator = nn.Parameter(torch.empty(shape, **factory))
            self.scale, self._shift = vp.tropical_rational_variance_preserving(self.degree, self.clip)
        else:
            self.register_parameter("denominator", None)
            self.scale, self._shift = vp.tropical_scale(self.degree), 0.0
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Variance-preserving initialisation (see Attributes)."""
        with torch.no_grad():
            self.intercepts.fill_(self._shift)
            if self.denominator is not None:
                slopes = torch.arange(self.degree + 1, dtype=self.denominator.dtype, device=self.denominator.device)
                self.denominator.copy_((-self.clip * slopes).expand_as(self.denominator))

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return tropical_activation(input, self.intercepts, self.denominator, self.scale, fused=self.fused)

    def extra_repr(self) -> str:
        parts = [f"degree={self.degree}"]
        if self.num_channels is not None:
            parts.append(f"num_channels={self.num_channels}")
        if self.rational:
            parts.append(f"rational=True, clip={self.clip}")
        parts.append(f"scale={self.scale:.6g}")
        if self.fused:
            parts.append("fused=True")
        return ", ".join(parts)
