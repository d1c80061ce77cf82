"""A :class:`~nets.polynet.model.PolyNet` as a PyTorch module, for gradient-descent training.

:class:`PolyNetModule` computes exactly the function of :meth:`PolyNet.forward
<nets.polynet.model.PolyNet.forward>`: ``v_l = W_l h_{l-1} + b_l``, ``h_l = p_l(v_l)``, ``f = W_{D+1} h_D + b_{D+1}``,
with one :class:`~nets.activations.series.PolynomialActivation` (ascending powers, Horner) per hidden
layer. Build it with :meth:`PolyNet.to_torch <nets.polynet.model.PolyNet.to_torch>`.

This module reads the net only through its attributes and methods (``weights``, ``biases``,
``degrees``, ``normalize``, ``depth``, ``check_coefficients``, ``vector_from_coefficients``) and
builds :meth:`PolyNetModule.to_polynet` with the class of the net it was given, so it does not import
:mod:`nets.polynet.model`, whose :meth:`~nets.polynet.model.PolyNet.to_torch` imports it.

Weights and biases are buffers (fixed, the paper's model) or, with ``learn_weights=True``, parameters.

Normalisation. When the net is normalised (``PolyNet(normalize=True)``, the default), the constants
``c_{l,0} = 1`` of the layers ``l < D`` are fixed here too: a gradient hook sets their gradient to
zero, so Adam, SGD (with or without momentum) and L-BFGS never move them and the coefficients stay
comparable with :func:`nets.solve_global`'s.  This is kept with learnable weights as well: there the
rescaling ``p_l -> tau p_l``, ``W_{l+1} -> W_{l+1} / tau`` leaves the output unchanged, so fixing
``c_{l,0} = 1`` removes a symmetry without restricting the functions the network can represent
(for ``c_{l,0} != 0``); the other symmetry of learnable weights, ``W_l -> s W_l``,
``c_{l,j} -> s^{-j} c_{l,j}``, stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray
from torch import nn

from nets.activations.series import PolynomialActivation

__all__ = ["PolyNetModule"]


def _fix_constant(grad: torch.Tensor) -> torch.Tensor:
    """Gradient hook of a normalised layer: ``c_{l,0}`` is a constant, its gradient is zero."""
    grad = grad.clone()
    grad[..., 0] = 0
    return grad


class PolyNetModule(nn.Module):
    r"""The polynomial-activation network of [ZNT26] as an ``nn.Module``.

    Prefer :meth:`PolyNet.to_torch <nets.polynet.model.PolyNet.to_torch>`, which validates its input.

    Parameters
    ----------
    net : PolyNet
        Weights, biases, degrees and normalisation.
    coefficients : list of array_like
        One array per hidden layer, ascending powers ``[c_{l,0}, ..., c_{l,d_l}]``; the normalised
        constants must be 1 (checked by :meth:`PolyNet.vector_from_coefficients`).
    learn_weights : bool, default False
        Weights and biases as parameters instead of buffers.
    device, dtype
        Of every tensor; ``dtype`` defaults to ``torch.float64`` (the precision of :class:`PolyNet`
        and :func:`nets.solve_global`).

    Shape
    -----
    - Input: ``(N, m_0)``.
    - Output: ``(N, m_{D+1})``, the input's dtype being converted to the module's.

    Attributes
    ----------
    activations : ModuleList of PolynomialActivation
        ``activations[l - 1]`` is ``p_l``; its ``coefficients`` parameter has shape ``(d_l + 1,)``.
    weight_1, ..., weight_{D+1}, bias_1, ..., bias_{D+1} : Tensor
        Buffers, or parameters with ``learn_weights=True``.
    degrees, normalize, learn_weights, depth
        As given.

    References
    ----------
    [ZNT26] L. Zhang, J. Nie, T. Tang, "Learning Polynomial Activation Functions for Deep Neural
    Networks", PMLR 321:90-99, 2026.
    """

    def __init__(
        self,
        net: Any,
        coefficients: Sequence[ArrayLike],
        learn_weights: bool = False,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(learn_weights, bool):
            raise TypeError(f"`learn_weights` must be a bool, got {learn_weights!r}")
        dtype = torch.float64 if dtype is None else dtype
        net.vector_from_coefficients(coefficients)  # validates shapes and the normalised constants
        coefs = net.check_coefficients(coefficients)
        self._net_class = type(net)  # for to_polynet
        self.degrees = tuple(net.degrees)
        self.normalize = net.normalize
        self.learn_weights = learn_weights
        self.depth = net.depth
        factory = {"device": device, "dtype": dtype}
        for l, (weight, bias) in enumerate(zip(net.weights, net.biases), start=1):
            for name, value in ((f"weight_{l}", weight), (f"bias_{l}", bias)):
                tensor = torch.tensor(value, **factory)
                if learn_weights:
                    self.register_parameter(name, nn.Parameter(tensor))
                else:
                    self.register_buffer(name, tensor)
        self.activations = nn.ModuleList(
            PolynomialActivation(d, coefficients=c, **factory) for d, c in zip(self.degrees, coefs)
        )
        for layer in self.fixed_layers:
            self.activations[layer - 1].coefficients.register_hook(_fix_constant)

    @property
    def fixed_layers(self) -> tuple[int, ...]:
        """Hidden layers ``l`` whose constant ``c_{l,0} = 1`` is fixed (``l < D`` when normalised)."""
        return tuple(range(1, self.depth)) if self.normalize else ()

    def layer_weights(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """``[(W_1, b_1), ..., (W_{D+1}, b_{D+1})]`` (the tensors themselves, not copies)."""
        return [(getattr(self, f"weight_{l}"), getattr(self, f"bias_{l}")) for l in range(1, self.depth + 2)]

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        (weight, bias), *rest = self.layer_weights()
        h = input.to(weight.dtype)
        for activation, (w, b) in zip(self.activations, [(weight, bias), *rest[:-1]]):
            h = activation(torch.addmm(b, h, w.T))
        w, b = rest[-1]
        return torch.addmm(b, h, w.T)

    # -- back to numpy ------------------------------------------------------------------------
    def coefficients(self) -> list[NDArray[np.float64]]:
        """Current activation coefficients, one float64 array per layer in ascending powers."""
        return [a.coefficients.detach().cpu().double().numpy().copy() for a in self.activations]

    def to_polynet(self) -> Any:
        """A :class:`PolyNet` with the module's current weights and biases (same degrees, normalisation)."""
        pairs = self.layer_weights()
        return self._net_class(
            [w.detach().cpu().double().numpy() for w, _ in pairs],
            self.degrees,
            biases=[b.detach().cpu().double().numpy() for _, b in pairs],
            normalize=self.normalize,
        )

    @torch.no_grad()
    def set_coefficients(self, coefficients: Sequence[ArrayLike]) -> None:
        """Write per-layer coefficients (ascending powers; normalised constants must be 1) in place."""
        net = self.to_polynet()
        net.vector_from_coefficients(coefficients)
        for activation, c in zip(self.activations, net.check_coefficients(coefficients)):
            activation.coefficients.copy_(torch.from_numpy(c).to(activation.coefficients))

    def extra_repr(self) -> str:
        widths = [self.weight_1.shape[1], *(w.shape[0] for w, _ in self.layer_weights())]
        return (
            f"widths={widths}, degrees={list(self.degrees)}, learn_weights={self.learn_weights}"
            f"{'' if self.normalize else ', normalize=False'}"
        )
