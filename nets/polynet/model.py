"""The polynomial-activation network of Zhang, Nie & Tang [ZNT26]: fixed weights, learnable activations.

Model (numpy only; no torch, no sympy at import). With ``D`` hidden layers of widths ``m_1..m_D``,
input width ``m_0`` and output width ``m_{D+1}``,

.. math::

    h_0 = x,\\qquad v_l = W_l h_{l-1} + b_l,\\qquad h_l = p_l(v_l)\\;(l = 1..D),\\qquad
    f(x; c) = W_{D+1} h_D + b_{D+1},

where ``W_l`` has shape ``(m_l, m_{l-1})``, the biases ``b_l`` are zero unless given, and hidden layer
``l`` applies ONE univariate polynomial element-wise,

.. math::

    p_l(t) = c_{l,0} + c_{l,1} t + \\dots + c_{l,d_l} t^{d_l}.

Coefficient convention, stated here and used everywhere in :mod:`nets`: per layer an array in
**ascending powers** ``[c_{l,0}, c_{l,1}, ..., c_{l,d_l}]`` (numpy.polynomial order).

Normalisation. Without biases the output is unchanged by ``p_l -> tau p_l``,
``c_{l+1,j} -> tau^{-j} c_{l+1,j}`` (``tau != 0``), so the coefficients are identifiable only up to
this rescaling. With ``normalize=True`` (the paper's choice) the constants ``c_{l,0} = 1`` of layers
``l < D`` are fixed; the last hidden layer keeps ``c_{D,0}`` free. The unknowns are then

.. math::

    c = (c_{1,1..d_1}, \\dots, c_{D-1,1..d_{D-1}}, c_{D,0}, c_{D,1..d_D}),

layer by layer in ascending powers: ``d_1 + ... + d_D + 1`` numbers. :meth:`PolyNet.normalize_coefficients`
maps any coefficients with ``c_{l,0} != 0`` to this canonical representative.

References
----------
[ZNT26] L. Zhang, J. Nie, T. Tang, "Learning Polynomial Activation Functions for Deep Neural
Networks", PMLR 321:90-99, 2026 (TAG-DS 2025), arXiv:2510.03682.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["PolyNet", "InvalidNetworkError", "InvalidDataError", "synthetic_data", "format_polynomial"]


class InvalidNetworkError(ValueError):
    """Weights, biases, degrees or activation coefficients of a :class:`PolyNet` are malformed."""


class InvalidDataError(ValueError):
    """Training or prediction data do not fit the network (shape, non-finite values, too few samples)."""


def _real_array(value: Any) -> NDArray[np.float64]:
    """``value`` as a float array; complex input is refused instead of losing its imaginary part."""
    if np.iscomplexobj(value):
        raise TypeError("complex")
    return np.array(value, dtype=np.float64)


def _as_matrix(value: Any, what: str) -> NDArray[np.float64]:
    try:
        arr = _real_array(value)
    except (TypeError, ValueError):
        raise TypeError(f"PolyNet: {what} must be a real 2-D array; got {type(value).__name__} {value!r}") from None
    if arr.ndim != 2 or 0 in arr.shape:
        raise InvalidNetworkError(f"PolyNet: {what} must be a non-empty 2-D array; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InvalidNetworkError(f"PolyNet: {what} has non-finite entries (nan or inf); only finite values are allowed")
    return arr


MAX_DEGREE = 64
"""Largest activation degree of a :class:`PolyNet`: the output's degree in the unknowns is the product
of the layers' degrees, and a relaxation of even one such layer at degree 64 is far beyond any solver."""


def _as_degree(value: Any, layer: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"PolyNet: `degrees[{layer - 1}]` (layer {layer}) must be an int >= 1; got {value!r}")
    if value > MAX_DEGREE:
        raise InvalidNetworkError(
            f"PolyNet: `degrees[{layer - 1}]` (layer {layer}) is {value}; allowed are degrees 1 .. {MAX_DEGREE}"
        )
    if value < 1:
        raise InvalidNetworkError(
            f"PolyNet: `degrees[{layer - 1}]` (layer {layer}) is {value}; allowed are degrees >= 1 "
            "(a constant activation makes the output independent of the input)"
        )
    return int(value)


class PolyNet:
    """The network of [ZNT26]: fixed weights, one learnable univariate polynomial per hidden layer.

    Parameters
    ----------
    weights : sequence of array_like
        ``[W_1, ..., W_{D+1}]`` with ``W_l`` of shape ``(m_l, m_{l-1})``; ``D >= 1``.
    degrees : sequence of int
        ``[d_1, ..., d_D]``, one degree ``>= 1`` per hidden layer.
    biases : sequence of array_like or None, optional
        ``[b_1, ..., b_{D+1}]`` with ``b_l`` of shape ``(m_l,)`` (``None`` entries mean zero). The
        paper's model has none (the default).
    normalize : bool, default True
        Fix ``c_{l,0} = 1`` for hidden layers ``l < D`` (see the module notes). With ``False`` every
        coefficient is unknown, and without biases the coefficients are identifiable only up to scale.

    Attributes
    ----------
    weights : tuple of ndarray
    biases : tuple of ndarray
        Zero vectors where no bias was given.
    degrees : tuple of int
    widths : tuple of int
        ``(m_0, m_1, ..., m_{D+1})``.
    depth : int
        ``D``, the number of hidden layers.
    unknowns : tuple of (int, int)
        ``(layer, power)`` of each unknown coefficient, in the order of the unknown vector.
    unknown_names : tuple of str
        ``"c{l}_{j}"`` for ``c_{l,j}``.

    Raises
    ------
    InvalidNetworkError (a ValueError)
        Shapes that do not chain, non-finite weights, fewer than two weight matrices, a degree
        below 1, a degree list of the wrong length.
    TypeError
        Non-numeric weights or non-integer degrees.

    Examples
    --------
    >>> import numpy as np
    >>> net = PolyNet([np.eye(2), np.ones((1, 2))], degrees=[2])
    >>> net.unknown_names
    ('c1_0', 'c1_1', 'c1_2')
    >>> net.forward(np.array([[1.0, 2.0]]), [np.array([0.0, 0.0, 1.0])])   # p(t) = t^2
    array([[5.]])
    """

    def __init__(
        self,
        weights: Sequence[ArrayLike],
        degrees: Sequence[int],
        biases: Sequence[ArrayLike | None] | None = None,
        normalize: bool = True,
    ) -> None:
        if isinstance(weights, np.ndarray) or not isinstance(weights, Sequence):
            raise TypeError(
                f"PolyNet: `weights` must be a list [W_1, ..., W_(D+1)] of 2-D arrays; got {type(weights).__name__}"
            )
        if len(weights) < 2:
            raise InvalidNetworkError(
                f"PolyNet: `weights` has {len(weights)} matrix(es); at least 2 are needed (one hidden layer "
                "between input and output)"
            )
        mats = tuple(_as_matrix(w, f"`weights[{i}]` (W_{i + 1})") for i, w in enumerate(weights))
        for i in range(1, len(mats)):
            if mats[i].shape[1] != mats[i - 1].shape[0]:
                raise InvalidNetworkError(
                    f"PolyNet: `weights[{i}]` (W_{i + 1}) has shape {mats[i].shape}, but W_{i} has "
                    f"{mats[i - 1].shape[0]} rows; W_{i + 1} must have {mats[i - 1].shape[0]} columns"
                )
        depth = len(mats) - 1
        if isinstance(degrees, (str, bytes)) or not isinstance(degrees, (Sequence, np.ndarray)):
            raise TypeError(f"PolyNet: `degrees` must be a list of {depth} int(s); got {degrees!r}")
        if len(degrees) != depth:
            raise InvalidNetworkError(
                f"PolyNet: `degrees` has {len(degrees)} entries {list(degrees)}, but {len(mats)} weight matrices "
                f"make {depth} hidden layer(s); one degree per hidden layer is required"
            )
        degs = tuple(_as_degree(d, l) for l, d in enumerate(degrees, start=1))
        if not isinstance(normalize, (bool, np.bool_)):
            raise TypeError(f"PolyNet: `normalize` must be True or False; got {normalize!r}")
        if biases is None:
            biases = [None] * len(mats)
        if isinstance(biases, np.ndarray) or not isinstance(biases, Sequence) or len(biases) != len(mats):
            raise InvalidNetworkError(
                f"PolyNet: `biases` must be None or a list of {len(mats)} vectors (or None entries), "
                f"one per weight matrix; got {biases!r}"
            )
        vecs = []
        for i, (b, w) in enumerate(zip(biases, mats)):
            if b is None:
                vecs.append(np.zeros(w.shape[0]))
                continue
            vec = np.array(b, dtype=np.float64).reshape(-1)
            if vec.shape != (w.shape[0],) or not np.all(np.isfinite(vec)):
                raise InvalidNetworkError(
                    f"PolyNet: `biases[{i}]` (b_{i + 1}) must be a finite vector of length {w.shape[0]}; "
                    f"got shape {np.shape(b)}"
                )
            vecs.append(vec)
        for arr in (*mats, *vecs):
            arr.setflags(write=False)
        self.weights: tuple[NDArray[np.float64], ...] = mats
        self.biases: tuple[NDArray[np.float64], ...] = tuple(vecs)
        self.degrees: tuple[int, ...] = degs
        self.normalize = bool(normalize)
        self.widths: tuple[int, ...] = (mats[0].shape[1], *(w.shape[0] for w in mats))
        self.depth = depth
        self.unknowns: tuple[tuple[int, int], ...] = tuple(
            (l, j)
            for l, d in enumerate(degs, start=1)
            for j in range(d + 1)
            if not (j == 0 and self.normalize and l < depth)
        )
        self.unknown_names: tuple[str, ...] = tuple(f"c{l}_{j}" for l, j in self.unknowns)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def random(cls, widths: Sequence[int], degrees: Sequence[int], seed: int = 0) -> PolyNet:
        """A net with weights ``W_l ~ N(0, 1 / m_{l-1})`` (so ``v_l`` has about unit variance), seeded.

        ``widths = (m_0, m_1, ..., m_{D+1})``. The paper leaves the distribution open; this one keeps
        the pre-activations of order one, so polynomial coefficients of order one stay comparable.
        """
        if isinstance(widths, (str, bytes)) or not all(
            isinstance(w, (int, np.integer)) and not isinstance(w, bool) for w in widths
        ):
            raise InvalidNetworkError(f"PolyNet.random: `widths` must be a list of positive ints; got {widths!r}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"PolyNet.random: `seed` must be an int; got {seed!r}")
        widths = [int(w) for w in widths]
        if len(widths) < 3 or min(widths) < 1:
            raise InvalidNetworkError(
                f"PolyNet.random: `widths` must list m_0, m_1, ..., m_(D+1) (at least 3 positive ints); got {widths}"
            )
        rng = np.random.default_rng(seed)
        weights = [rng.standard_normal((widths[i + 1], widths[i])) / np.sqrt(widths[i]) for i in range(len(widths) - 1)]
        return cls(weights, degrees)

    def random_coefficients(self, seed: int = 0, scale: float = 1.0) -> list[NDArray[np.float64]]:
        """Activation coefficients with unknowns ``~ U(-scale, scale)`` and the normalised constants at 1."""
        z = np.random.default_rng(seed).uniform(-scale, scale, self.num_unknowns)
        return self.coefficients_from_vector(z)

    # -- unknowns <-> coefficients ------------------------------------------------------------
    @property
    def num_unknowns(self) -> int:
        """Number of unknown activation coefficients: ``d_1 + ... + d_D + 1`` when normalised."""
        return len(self.unknowns)

    def coefficients_from_vector(self, z: ArrayLike) -> list[NDArray[np.float64]]:
        """Per-layer coefficient arrays (ascending powers, normalised constants included) from ``z``.

        ``z`` is the unknown vector in the order of :attr:`unknowns`; extra trailing entries (such
        as the epigraph variable ``theta``) are not allowed, slice them off first.
        """
        vec = np.asarray(z, dtype=np.float64).reshape(-1)
        if vec.shape != (self.num_unknowns,):
            raise InvalidNetworkError(
                f"PolyNet: the unknown vector must have {self.num_unknowns} entries ({', '.join(self.unknown_names)}); "
                f"got shape {np.shape(z)}"
            )
        coefs = [np.zeros(d + 1) for d in self.degrees]
        if self.normalize:
            for c in coefs[:-1]:
                c[0] = 1.0
        for (l, j), value in zip(self.unknowns, vec):
            coefs[l - 1][j] = value
        return coefs

    def vector_from_coefficients(self, coefficients: Sequence[ArrayLike]) -> NDArray[np.float64]:
        """The unknown vector of per-layer coefficients; checks the normalised constants are 1."""
        coefs = self.check_coefficients(coefficients)
        if self.normalize:
            bad = [l for l in range(1, self.depth) if coefs[l - 1][0] != 1.0]
            if bad:
                l = bad[0]
                raise InvalidNetworkError(
                    f"PolyNet: `coefficients[{l - 1}][0]` (c_{l},0) is {float(coefs[l - 1][0])!r}, but this net is normalised "
                    "(c_l,0 = 1 for l < D); call normalize_coefficients first"
                )
        return np.array([coefs[l - 1][j] for l, j in self.unknowns])

    def check_coefficients(self, coefficients: Sequence[ArrayLike]) -> list[NDArray[np.float64]]:
        """Validate per-layer coefficients: ``D`` finite 1-D arrays of lengths ``d_l + 1``."""
        if isinstance(coefficients, np.ndarray) and coefficients.ndim == 1 and coefficients.dtype != object:
            raise TypeError(
                "PolyNet: `coefficients` must be a list with one array per hidden layer; for an unknown "
                "vector use coefficients_from_vector"
            )
        coefs = list(coefficients)
        if len(coefs) != self.depth:
            raise InvalidNetworkError(
                f"PolyNet: `coefficients` must hold {self.depth} array(s), one per hidden layer; got {len(coefs)}"
            )
        out = []
        for l, (c, d) in enumerate(zip(coefs, self.degrees), start=1):
            arr = np.asarray(c, dtype=np.float64).reshape(-1)
            if arr.shape != (d + 1,) or not np.all(np.isfinite(arr)):
                raise InvalidNetworkError(
                    f"PolyNet: `coefficients[{l - 1}]` (layer {l}) must be {d + 1} finite numbers "
                    f"[c_{l},0, ..., c_{l},{d}] in ascending powers; got {np.asarray(c).tolist()!r}"
                )
            out.append(arr)
        return out

    def normalize_coefficients(self, coefficients: Sequence[ArrayLike]) -> list[NDArray[np.float64]]:
        """The representative with ``c_{l,0} = 1`` (``l < D``) of the same network function.

        .. math::

            \\tau_l = 1 / c_{l,0},\\qquad p_l \\to \\tau_l p_l,\\qquad c_{l+1,j} \\to \\tau_l^{-j} c_{l+1,j},

        applied for ``l = 1, ..., D-1`` in turn. Valid only when the biases ``b_2..b_D`` are zero
        (a bias is not rescaled with ``h_{l}``) and every ``c_{l,0}`` is nonzero.
        """
        coefs = [c.copy() for c in self.check_coefficients(coefficients)]
        if self.depth > 1 and any(np.any(b != 0) for b in self.biases[1 : self.depth]):
            raise InvalidNetworkError(
                "PolyNet.normalize_coefficients: the rescaling symmetry needs zero biases b_2..b_D; this net has biases"
            )
        for l in range(1, self.depth):
            c0 = coefs[l - 1][0]
            if c0 == 0.0:
                raise InvalidNetworkError(
                    f"PolyNet.normalize_coefficients: c_{l},0 = 0, so layer {l} cannot be normalised to c_{l},0 = 1"
                )
            coefs[l - 1] = coefs[l - 1] / c0
            coefs[l] = coefs[l] * c0 ** np.arange(len(coefs[l]))
        return coefs

    # -- evaluation ---------------------------------------------------------------------------
    def check_inputs(self, X: ArrayLike, name: str = "X") -> NDArray[np.float64]:
        """``X`` as a finite float array of shape ``(N, m_0)``; 1-D is accepted when ``m_0 == 1``."""
        try:
            arr = _real_array(X)
        except (TypeError, ValueError):
            raise TypeError(f"`{name}` must be a real array of shape (N, {self.widths[0]}); got {type(X).__name__}") from None
        if arr.ndim == 1 and self.widths[0] == 1:
            arr = arr[:, None]
        if arr.ndim != 2 or arr.shape[1] != self.widths[0] or arr.shape[0] == 0:
            raise InvalidDataError(
                f"`{name}` must have shape (N, m_0) = (N, {self.widths[0]}) with N >= 1; got shape {arr.shape}"
            )
        bad = ~np.isfinite(arr)
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise InvalidDataError(f"`{name}` has a non-finite entry {name}[{i}, {j}] = {arr[i, j]}; only finite values are allowed")
        return arr

    def hidden(self, X: ArrayLike, coefficients: Sequence[ArrayLike]) -> list[NDArray[np.float64]]:
        """The hidden states ``[h_1, ..., h_D]``, each of shape ``(N, m_l)``."""
        h = self.check_inputs(X)
        out = []
        for W, b, c in zip(self.weights, self.biases, self.check_coefficients(coefficients)):
            h = np.polynomial.polynomial.polyval(h @ W.T + b, c)
            out.append(h)
        return out

    def forward(self, X: ArrayLike, coefficients: Sequence[ArrayLike]) -> NDArray[np.float64]:
        """The network output ``f(x_i; c)`` for every row of ``X``: shape ``(N, m_{D+1})``."""
        return self.hidden(X, coefficients)[-1] @ self.weights[-1].T + self.biases[-1]

    __call__ = forward

    # -- PyTorch ------------------------------------------------------------------------------
    def to_torch(
        self,
        coefficients: Sequence[ArrayLike] | None = None,
        learn_weights: bool = False,
        *,
        device: Any = None,
        dtype: Any = None,
    ) -> Any:
        """This network as a :class:`nets.polynet.module.PolyNetModule` (an ``nn.Module``; imports torch).

        Parameters
        ----------
        coefficients : list of array_like, optional
            Activation coefficients per layer, ascending powers, normalised constants equal to 1.
            Default: the variance-preserving initialisation of :class:`nets.PolynomialActivation`
            with the normalised constants ``c_{l,0}`` (``l < D``) set to 1.
        learn_weights : bool, default False
            ``False``: the weights and biases are buffers (the paper's model, fixed weights).
            ``True``: they are parameters, trained with the activations (larger models).
        device, dtype : keyword-only
            Of the module's tensors; ``dtype`` defaults to ``torch.float64``.

        Examples
        --------
        >>> net = PolyNet([np.eye(2), np.ones((1, 2))], degrees=[2])
        >>> module = net.to_torch([[0.0, 0.0, 1.0]])
        >>> import torch
        >>> module(torch.tensor([[1.0, 2.0]])).tolist()
        [[5.0]]
        """
        from nets.activations.series import PolynomialActivation  # noqa: PLC0415 - torch stays optional
        from nets.polynet.module import PolyNetModule  # noqa: PLC0415

        if coefficients is None:
            coefficients = [PolynomialActivation(d).initial_coefficients() for d in self.degrees]
            if self.normalize:
                for c in coefficients[:-1]:
                    c[0] = 1.0
        return PolyNetModule(self, coefficients, learn_weights=learn_weights, device=device, dtype=dtype)

    # -- display ------------------------------------------------------------------------------
    def symbols(self) -> tuple[Any, ...]:
        """sympy Symbols of the unknowns (imports sympy; for display and cross-checks only)."""
        import sympy as sp  # noqa: PLC0415 - sympy stays out of the numeric path

        return tuple(sp.Symbol(name) for name in self.unknown_names)

    def symbolic_output(self, x: ArrayLike) -> list[Any]:
        """The outputs at one input ``x`` as expanded sympy polynomials in the unknowns.

        Slow (sympy); meant for display and for cross-checking the numeric expansion on small nets.
        """
        import sympy as sp  # noqa: PLC0415

        unknown = dict(zip(self.unknowns, self.symbols()))
        h = [sp.Float(v) for v in self.check_inputs(np.reshape(x, (1, -1)), "x")[0]]
        for l, (W, b, d) in enumerate(zip(self.weights, self.biases, self.degrees), start=1):
            coef = [unknown.get((l, j), sp.Integer(1) if j == 0 and self.normalize else None) for j in range(d + 1)]
            v = [sum((sp.Float(W[a, k]) * h[k] for k in range(len(h))), sp.Float(b[a])) for a in range(W.shape[0])]
            h = [sp.expand(sum(cj * vi**j for j, cj in enumerate(coef))) for vi in v]
        W, b = self.weights[-1], self.biases[-1]
        return [sp.expand(sum((sp.Float(W[a, k]) * h[k] for k in range(len(h))), sp.Float(b[a]))) for a in range(W.shape[0])]

    def __repr__(self) -> str:
        biased = any(np.any(b != 0) for b in self.biases)
        return (
            f"PolyNet(widths={list(self.widths)}, degrees={list(self.degrees)}, unknowns={self.num_unknowns}"
            f"{', biases' if biased else ''}{'' if self.normalize else ', normalize=False'})"
        )


def synthetic_data(
    net: PolyNet,
    coefficients: Sequence[ArrayLike],
    nsamples: int,
    noise: float = 0.0,
    seed: int = 0,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Data of the synthetic protocol of [ZNT26, §4]: ``x_i ~ N(0, I)``, ``y_i = f(x_i; c) + eps_i``.

    ``eps_i ~ N(0, noise^2 I)`` is drawn afresh for every sample (the paper leaves open whether one
    ``eps`` is shared; per-sample noise is the model of its test set). Returns ``(X, Y)`` with shapes
    ``(nsamples, m_0)`` and ``(nsamples, m_{D+1})``.
    """
    if isinstance(nsamples, bool) or not isinstance(nsamples, (int, np.integer)) or nsamples < 1:
        raise InvalidDataError(f"synthetic_data: `nsamples` must be an int >= 1; got {nsamples!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.integer, np.floating)) or not np.isfinite(noise) or noise < 0:
        raise InvalidDataError(f"synthetic_data: `noise` must be a finite standard deviation >= 0; got {noise!r}")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((int(nsamples), net.widths[0]))
    Y = net.forward(X, coefficients) + noise * rng.standard_normal((int(nsamples), net.widths[-1]))
    return X, Y


def format_polynomial(coefficients: ArrayLike, variable: str = "t", precision: int = 6) -> str:
    """``c_0 + c_1 t + ... + c_d t^d`` as text (ascending powers; zero terms skipped).

    >>> format_polynomial([1.0, 1.0, -2.0])
    '1 + t - 2 t^2'
    >>> format_polynomial([0.5, 0.0, 0.25], precision=3)
    '0.5 + 0.25 t^2'
    """
    parts: list[str] = []
    for j, c in enumerate(np.asarray(coefficients, dtype=np.float64)):
        if c == 0:
            continue
        mag = f"{abs(c):.{precision}g}"
        mono = "" if j == 0 else (variable if j == 1 else f"{variable}^{j}")
        body = mag if not mono else (mono if mag == "1" else f"{mag} {mono}")
        sign = "-" if c < 0 else "+"
        parts.append((sign if sign == "-" else "") + body if not parts else f" {sign} {body}")
    return "".join(parts) or "0"
