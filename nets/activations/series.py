"""Series activations ``F(x) = sum_j c_j phi_j(x)`` with learnable coefficients in a fixed basis.

One generic module, :class:`SeriesActivation`, holds the parameter logic; the public classes only
choose the basis and its variance-preserving initialisation (tables below), so there is no family
of copy-pasted modules.  Basis conventions are stated in :mod:`nets.activations.bases`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray
from torch import nn
from torch.autograd.function import once_differentiable

from nets.activations import init as vp
from nets.activations.bases import (
    check_degree,
    get_basis,
    hermite_to_monomial,
    monomial_to_hermite,
)
from nets.activations.device import check_device
from nets.activations.functional import (
    check_floating,
    _Blocks,
    _compute_dtype,
    _series_blocks_backward,
    _weight_columns,
    series_activation,
)

__all__ = [
    "SeriesActivation",
    "HermiteActivation",
    "FourierActivation",
    "PolynomialActivation",
    "check_num_channels",
    "horner_activation",
]


def check_num_channels(num_channels: object) -> int | None:
    """Validate ``num_channels``: None (one parameter set per layer) or a positive int."""
    if num_channels is None:
        return None
    message = f"`num_channels` must be None (one parameter set per layer) or a positive int, got {num_channels!r}"
    if isinstance(num_channels, bool) or not isinstance(num_channels, (int, np.integer)):
        raise TypeError(message)
    if num_channels < 1:
        raise ValueError(message)
    return int(num_channels)


class SeriesActivation(nn.Module):
    r"""Learnable elementwise series :math:`F(x) = \sum_j c_j \phi_j(x)` in a basis of :mod:`nets.activations.bases`.

    Prefer the named subclasses; use this class directly only for a basis registered in
    :data:`nets.activations.bases.BASES` without a subclass.

    Parameters
    ----------
    degree : int
        Positive degree ``n`` (highest polynomial degree or harmonic).
    basis : str
        Key of :data:`nets.activations.bases.BASES`.
    num_channels : int, optional
        ``None`` (default): one coefficient vector for the whole layer.  An int ``C``: one vector per
        channel of the input's dimension 1, as in ``BatchNorm``/``PReLU``.
    fused : bool
        Evaluate with kernels fused by ``torch.compile`` (compiled on first call per degree; needs a
        C++ compiler on CPU).  Default False: eager ATen ops on cache-sized blocks.
    init : {"paper", "alternating"}
        Variance-preserving start: ``"paper"`` (default) the constants of [KK25]; ``"alternating"``
        (``"hermite"`` and ``"monomial"`` only) the same magnitudes with signs ``(+, +, -, -, ...)``,
        which keeps the variance through depth (:func:`nets.activations.init.hermite_alternating_variance_preserving`).
    device, dtype
        Factory arguments for the parameter (an unavailable device raises
        :class:`nets.activations.device.DeviceUnavailableError`).

    Shape
    -----
    - Input: ``(*)``, any shape; ``(N, C, *)`` when ``num_channels = C``.
    - Output: same shape and dtype as the input (float32, float64, bfloat16, float16; reduced
      precision is evaluated in float32).

    Attributes
    ----------
    coefficients : Parameter, shape (K,) or (num_channels, K)
        Coefficients in basis order (``K = n + 1``, or ``2 n + 1`` for Fourier).  Initialised by
        :meth:`reset_parameters` to the variance-preserving values of the basis: forward and
        backward gains 1 for inputs ``N(0, 1)`` (see :mod:`nets.activations.init`).

    Notes
    -----
    Backward saves only the input and the coefficients and recomputes the basis by its three-term
    recurrence (:mod:`nets.activations.functional`), so the memory per element does not grow with the degree.
    """

    #: name of the basis in :data:`nets.activations.bases.BASES`; set by subclasses
    basis_name: ClassVar[str] = ""
    #: VP initial coefficients as a function of the degree; set by subclasses
    _initial: ClassVar[Callable[[int], NDArray[np.float64]] | None] = None
    #: depth-stable VP coefficients (``init="alternating"``), where the basis has them
    _alternating: ClassVar[dict[str, Callable[[int], NDArray[np.float64]]]] = {
        "hermite": vp.hermite_alternating_variance_preserving,
        "monomial": vp.monomial_alternating_variance_preserving,
    }

    def __init__(
        self,
        degree: int,
        basis: str | None = None,
        num_channels: int | None = None,
        *,
        fused: bool = False,
        init: str = "paper",
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.degree = check_degree(degree)
        if not isinstance(fused, bool):
            raise TypeError(f"`fused` must be a bool, got {fused!r}")
        self.fused = fused
        name = basis if basis is not None else self.basis_name
        if basis is not None and self.basis_name and basis != self.basis_name:
            raise ValueError(f"`basis` of {type(self).__name__} is {self.basis_name!r}, got {basis!r}")
        self.basis = get_basis(name).name
        allowed = ["paper", *(["alternating"] if self.basis in self._alternating else [])]
        if init not in allowed:
            raise ValueError(f"`init` must be one of {allowed} for basis {self.basis!r}, got {init!r}")
        self.init = init
        self.num_channels = check_num_channels(num_channels)
        size = get_basis(self.basis).size(self.degree)
        shape = (size,) if self.num_channels is None else (self.num_channels, size)
        self.coefficients = nn.Parameter(torch.empty(shape, device=check_device(device), dtype=dtype))
        self.reset_parameters()

    def initial_coefficients(self) -> NDArray[np.float64]:
        """The variance-preserving coefficient vector that :meth:`reset_parameters` writes."""
        if self.init == "alternating":
            return self._alternating[self.basis](self.degree)
        initial = type(self)._initial
        if initial is not None:
            return initial(self.degree)
        return vp.series_variance_preserving(self.basis, self.degree)

    def reset_parameters(self) -> None:
        """Set every coefficient vector to :meth:`initial_coefficients` (variance-preserving)."""
        values = torch.as_tensor(self.initial_coefficients(), dtype=self.coefficients.dtype)
        with torch.no_grad():
            self.coefficients.copy_(values.to(self.coefficients.device).expand_as(self.coefficients))

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return series_activation(input, self.coefficients, self.basis, fused=self.fused)

    def extra_repr(self) -> str:
        channels = "" if self.num_channels is None else f", num_channels={self.num_channels}"
        fused = ", fused=True" if self.fused else ""
        init = "" if self.init == "paper" else f", init={self.init!r}"
        return f"degree={self.degree}, basis={self.basis!r}{channels}{fused}{init}"

    def to_monomial(self) -> NDArray[np.float64]:
        """Ascending monomial coefficients of the same function, shape like ``coefficients`` (float64).

        This is the form that ``PolynomialActivation`` and the polynomial-optimisation front end take.
        Exact change of basis (:func:`nets.activations.bases.hermite_to_monomial`); only polynomial bases.

        Raises
        ------
        ValueError
            For a non-polynomial basis (``"fourier"``).
        """
        coefficients = self.coefficients.detach().cpu().double().numpy()
        if self.basis == "monomial":
            return coefficients.copy()
        if self.basis == "hermite":
            return hermite_to_monomial(coefficients)
        raise ValueError(
            f"{type(self).__name__} with basis {self.basis!r} is not a polynomial: to_monomial needs basis "
            f"'hermite' or 'monomial'"
        )

    def to_basis(self, basis: str) -> SeriesActivation:
        """A new module in ``basis`` computing the same function (same degree, channels, device, dtype).

        Hermite and monomial coefficients convert exactly into each other (rounded once to float64,
        then to the parameter dtype), e.g. to hand a trained :class:`HermiteActivation` to code
        that works in powers.  Note that ``reset_parameters()`` on the result restores the
        variance-preserving initialisation, not the converted coefficients.

        Raises
        ------
        ValueError
            When ``basis`` is unknown or the conversion is not exact (to or from ``"fourier"``).
        """
        target = get_basis(basis).name
        coefficients = self.coefficients.detach().cpu().double().numpy()
        if target == self.basis:
            values = coefficients
        elif {self.basis, target} == {"hermite", "monomial"}:
            values = self.to_monomial() if target == "monomial" else monomial_to_hermite(coefficients)
        else:
            raise ValueError(
                f"cannot convert basis {self.basis!r} to {target!r} exactly: conversions exist between "
                f"'hermite' and 'monomial' (use nets.from_activation to fit a Fourier series)"
            )
        module = _MODULES[target](
            self.degree,
            num_channels=self.num_channels,
            fused=self.fused,
            init=self.init,
            device=self.coefficients.device,
            dtype=self.coefficients.dtype,
        )
        with torch.no_grad():
            module.coefficients.copy_(torch.from_numpy(values).to(module.coefficients))
        return module


class HermiteActivation(SeriesActivation):
    r"""Learnable Hermite activation :math:`F(x) = \sum_{k=0}^n a_k \mathrm{He}_k(x) / k!` [KK25].

    Evaluated by the three-term recurrence ``He_k = x He_{k-1} - (k-1) He_{k-2}``.  Parameters,
    shapes and attributes as in :class:`SeriesActivation` with ``coefficients = (a_0, ..., a_n)``.

    Initialisation (exact VP for ``x ~ N(0, 1)``): ``a_k = c_n`` for ``k >= 1``,
    ``a_0 = c_n sqrt(1 - 1/n!)`` with ``c_n = (sum_{j=0}^{n-1} 1/j!)^{-1/2}`` (``init="paper"``, the
    default).  ``init="alternating"`` flips the signs to ``(+, +, -, -, +, +, ...)``
    (:func:`nets.activations.init.hermite_alternating_variance_preserving`): still exactly VP, and
    stable through depth.

    Depth limit of ``init="paper"``: the second moment of the pre-activations has an unstable fixed
    point at 1 (length-map slope ``V'(1) = 1.77, 1.98, 2.00`` for ``n = 3, 5, 8``; see
    :func:`nets.activations.init.length_map_slope`), so a plain MLP without normalisation layers
    amplifies the finite-width fluctuations until it overflows: width 256, inputs ``N(0, 1)``,
    weights ``N(0, 1/256)``, float64: ``E[h^2]`` passes ``1e3`` at layer 4 (``n = 3``) and 3
    (``n = 5``) and reaches ``inf`` by layer 8 and 6.  With normalisation layers (as in [KK25]'s
    models) or with ``init="alternating"`` (``V'(1) = 0.23, 0.017, 0.0001``) it stays within a few
    per cent of 1 over 12 layers.

    References
    ----------
    .. [KK25] I. Khalfaoui-Hassani, S. Kesselheim, "Polynomial, trigonometric, and tropical
       activations", ICLR 2026, arXiv:2502.01247.

    Examples
    --------
    >>> act = HermiteActivation(3)
    >>> act(torch.zeros(2, 4)).shape
    torch.Size([2, 4])
    """

    basis_name = "hermite"
    _initial = staticmethod(vp.hermite_variance_preserving)

    def __init__(
        self, degree: int, num_channels: int | None = None, *, fused: bool = False, init: str = "paper", device=None, dtype=None
    ) -> None:
        super().__init__(degree, None, num_channels, fused=fused, init=init, device=device, dtype=dtype)


class FourierActivation(SeriesActivation):
    r"""Learnable trigonometric activation [KK25]

    .. math:: F(x) = a_0 + \sum_{k=1}^n \frac{a_k \cos kx + b_k \sin kx}{k!}

    with ``coefficients = (a_0, a_1, ..., a_n, b_1, ..., b_n)`` (``2n + 1`` entries).  Harmonics are
    generated from ``cos x`` and ``sin x`` by the Chebyshev recurrence.  Parameters, shapes and
    attributes as in :class:`SeriesActivation`.

    Initialisation: ``a_k = b_k = alpha`` (``k >= 1``) and ``a_0`` chosen so that forward and backward
    gains are 1 for ``x ~ N(0, 1)`` (Gauss-Hermite moments; :func:`nets.activations.init.fourier_variance_preserving`).
    """

    basis_name = "fourier"
    _initial = staticmethod(vp.fourier_variance_preserving)

    def __init__(
        self, degree: int, num_channels: int | None = None, *, fused: bool = False, init: str = "paper", device=None, dtype=None
    ) -> None:
        super().__init__(degree, None, num_channels, fused=fused, init=init, device=device, dtype=dtype)


def _as_coefficient_array(coefficients: object, degree: int) -> NDArray[np.float64]:
    """Validate given ascending-power coefficients: shape ``(degree + 1,)`` or ``(C, degree + 1)``, finite."""
    if isinstance(coefficients, torch.Tensor):
        coefficients = coefficients.detach().cpu().double().numpy()
    try:
        values = np.array(coefficients, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"`coefficients` must be an array of {degree + 1} numbers (ascending powers) or of shape "
            f"(num_channels, {degree + 1}); got {type(coefficients).__name__}"
        ) from None
    if values.ndim not in (1, 2) or values.shape[-1] != degree + 1:
        raise ValueError(
            f"`coefficients` must have shape ({degree + 1},) or (num_channels, {degree + 1}) for degree={degree} "
            f"(ascending powers c_0..c_{degree}); got shape {values.shape}"
        )
    if not np.all(np.isfinite(values)):
        raise ValueError(f"`coefficients` must be finite; got {values.tolist()!r}")
    return values


class _HornerFunction(torch.autograd.Function):
    """``p(x) = c_0 + x (c_1 + x (c_2 + ...))``; backward recomputes the powers of the saved ``x``."""

    @staticmethod
    def forward(ctx, x, coefficients):  # type: ignore[override]
        per_channel = coefficients.dim() == 2
        coef = coefficients if per_channel else coefficients.unsqueeze(0)
        cdtype = _compute_dtype(x.dtype)
        c = coef.to(cdtype)
        blocks = _Blocks(x, c.shape[0], per_channel, cdtype)
        y = blocks.new_output(x)
        columns = _weight_columns(c, per_channel)
        for start, stop in blocks.spans:
            xb = blocks.load(blocks.view, start, stop)
            out = _horner(xb, columns, blocks.target(y, start, stop))
            blocks.store(out, y, start, stop)
        ctx.save_for_backward(x, coefficients)
        return y.to(x.dtype).reshape(x.shape)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):  # type: ignore[override]
        x, coefficients = ctx.saved_tensors
        per_channel = coefficients.dim() == 2
        coef = coefficients if per_channel else coefficients.unsqueeze(0)
        cdtype = _compute_dtype(x.dtype)
        degree = coef.shape[1] - 1
        basis = get_basis("monomial")
        # p'(x) = sum_k k c_k x^(k-1) and dp/dc_k = x^k: one pass over the powers serves both
        slope_weights = coef.to(cdtype) @ torch.as_tensor(basis.derivative_matrix(degree), dtype=cdtype, device=x.device)
        need_coef = ctx.needs_input_grad[1]
        grad_x, grad_raw = _series_blocks_backward(x, grad_output, slope_weights, basis, degree, per_channel, need_coef)
        grad_coef = None if not need_coef else grad_raw.to(coefficients.dtype).reshape(coefficients.shape)
        return grad_x.to(x.dtype).reshape(x.shape), grad_coef


def _horner(x: torch.Tensor, columns: list[torch.Tensor], out: torch.Tensor) -> torch.Tensor:
    """``sum_k c_k x^k`` into ``out`` by Horner's rule, one in-place ``addcmul`` per degree."""
    degree = len(columns) - 1
    torch.addcmul(columns[degree - 1], x, columns[degree], out=out)
    for k in range(degree - 2, -1, -1):
        torch.addcmul(columns[k], out, x, out=out)
    return out


def horner_activation(x: torch.Tensor, coefficients: torch.Tensor) -> torch.Tensor:
    """``p(x) = sum_k c_k x^k`` elementwise by Horner's rule; ``coefficients`` ascending, ``(K,)`` or ``(C, K)``.

    Same channel convention, dtype rule and saved-memory bound as :func:`nets.series_activation`.

    >>> horner_activation(torch.tensor([0.0, 1.0, 2.0]), torch.tensor([1.0, 0.0, 3.0]))
    tensor([ 1.,  4., 13.])
    """
    check_floating(x, "horner_activation")
    return _HornerFunction.apply(x, coefficients)


class PolynomialActivation(SeriesActivation):
    r"""Learnable polynomial in ascending powers :math:`p(x) = \sum_{k=0}^n c_k x^k`, evaluated by Horner's rule.

    Parameters
    ----------
    degree : int
        Positive degree ``n``.
    coefficients : array_like, optional
        Initial coefficients ``(c_0, ..., c_n)`` (the ``numpy.polynomial`` order), shape ``(n + 1,)``
        or ``(num_channels, n + 1)``; :meth:`reset_parameters` restores them.  Default: the same
        function as :class:`HermiteActivation`'s variance-preserving initialisation, written in powers.
        For compatibility with the ``(degree, num_channels)`` signature of the other series modules,
        an int in this position is read as ``num_channels`` (a coefficient vector is never a scalar).
    num_channels : int, optional
        ``None``: one coefficient vector for the whole layer; ``C``: one per channel of dimension 1.
        Inferred from 2-D ``coefficients`` when omitted.
    device, dtype
        Factory arguments for the parameter.
    fused : bool, keyword-only
        Evaluate with the ``torch.compile``-fused kernels of :func:`nets.series_activation` (power
        recurrence) instead of the eager Horner kernel.  Default False.
    init : {"paper", "alternating"}, keyword-only
        Default coefficients when none are given: the Hermite VP activation of that name written in
        powers (see :class:`HermiteActivation`).

    Shape
    -----
    - Input: ``(*)``; ``(N, C, *)`` when ``num_channels = C``.
    - Output: same shape and dtype as the input (float32, float64, bfloat16, float16; reduced
      precision is evaluated in float32).

    Attributes
    ----------
    coefficients : Parameter, shape (n + 1,) or (num_channels, n + 1)
        Ascending powers.  Initialised by :meth:`reset_parameters` (see ``coefficients`` above).

    Notes
    -----
    Horner's rule ``c_0 + x (c_1 + x (c_2 + \dots))`` takes ``n`` multiply-adds and is the backward
    stable way to evaluate a polynomial in powers.  Backward saves only the input and the coefficients
    and recomputes ``p'`` by Horner, so the memory per element does not grow with the degree.

    Examples
    --------
    >>> act = PolynomialActivation(2, coefficients=[1.0, -1.0, 0.5], dtype=torch.float64)
    >>> act(torch.tensor([0.0, 2.0], dtype=torch.float64)).detach()   # 1 - x + x^2 / 2
    tensor([1., 1.], dtype=torch.float64)
    >>> act
    PolynomialActivation(degree=2, basis='monomial')
    """

    basis_name = "monomial"
    _initial = staticmethod(vp.monomial_variance_preserving)

    def __init__(
        self,
        degree: int,
        coefficients: ArrayLike | torch.Tensor | int | None = None,
        num_channels: int | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        *,
        fused: bool = False,
        init: str = "paper",
    ) -> None:
        if isinstance(coefficients, (int, np.integer)) and not isinstance(coefficients, bool):
            if num_channels is not None:
                raise TypeError(
                    f"`coefficients` must be an array of ascending-power coefficients, got the int {coefficients!r} "
                    f"together with num_channels={num_channels!r}"
                )
            coefficients, num_channels = None, int(coefficients)
        given = None if coefficients is None else _as_coefficient_array(coefficients, check_degree(degree))
        if given is not None and given.ndim == 2:
            channels = check_num_channels(num_channels)
            if channels is not None and channels != given.shape[0]:
                raise ValueError(
                    f"`coefficients` has {given.shape[0]} rows but num_channels={channels}; give one row per "
                    "channel or a single vector shared by all channels"
                )
            num_channels = given.shape[0]
        super().__init__(degree, None, num_channels, fused=fused, init=init, device=device, dtype=dtype)
        self._given = given
        if given is not None:
            self.reset_parameters()

    def initial_coefficients(self) -> NDArray[np.float64]:
        """The coefficients :meth:`reset_parameters` writes: the given ones, else variance-preserving."""
        given = getattr(self, "_given", None)
        return super().initial_coefficients() if given is None else given.copy()

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        if self.fused:
            return super().forward(input)
        check_floating(input, type(self).__name__)
        return _HornerFunction.apply(input, self.coefficients)


#: Module class per basis name (used by :meth:`SeriesActivation.to_basis`).
_MODULES: dict[str, type[SeriesActivation]] = {
    "hermite": HermiteActivation,
    "fourier": FourierActivation,
    "monomial": PolynomialActivation,
}
