"""Numeric expansion of a :class:`~nets.polynet.model.PolyNet` into polynomials of its unknown coefficients.

For fixed weights and data, every pre-activation ``v_l(x_i)`` and every output ``f(x_i; c)`` is a
polynomial in the unknown activation coefficients ``c``. They are computed here with numpy, for all
samples and neurons at once, by propagating **coefficient tensors** layer by layer:

* a :class:`PolyArray` is an array of polynomials sharing one support: ``coefficients[..., s]`` is the
  coefficient of the monomial ``c ** exponents[s]``;
* a linear layer acts on the neuron axis only, ``V_l = W_l H_{l-1} (+ b_l)``, a batched matmul over
  the coefficient axis;
* an activation is ``H_l = sum_j c_{l,j} V_l^j``: the powers ``V_l^j`` come from repeated products
  (outer product of supports, then duplicate monomials merged with one ``np.add.reduceat``), and the
  factor ``c_{l,j}`` only adds 1 to one exponent column.

Nothing here is symbolic: no sympy in the path. The degree of ``f`` in ``c`` is ``e_D`` with
``e_1 = 1``, ``e_l = d_l e_{l-1} + 1`` [ZNT26, §3].

Learned weights (``learn="all"``, :class:`~nets.polynet.unknowns.Unknowns`) join as more exponent columns: ``W_l`` becomes a
:class:`PolyArray` of degree 1 in its own unknowns and ``V_l = W_l H_{l-1}`` an entry-wise product
followed by a sum over the neuron axis, with the same :meth:`PolyArray.__mul__`; the result is still
a list of polynomials for :class:`momentsos.PolyProblem`, so momentsos is untouched.

References
----------
[ZNT26] L. Zhang, J. Nie, T. Tang, "Learning Polynomial Activation Functions for Deep Neural
Networks", PMLR 321:90-99, 2026.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from nets.polynet.model import PolyNet
from nets.polynet.unknowns import Unknowns, activation_unknowns

__all__ = ["PolyArray", "expand_outputs", "expand_hidden"]


def _merge(exponents: NDArray[np.int64], coefficients: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Sum the coefficient columns of duplicate exponent rows (rows sorted lexicographically)."""
    unique, inverse = np.unique(exponents, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    if unique.shape[0] == exponents.shape[0]:
        return unique, coefficients[..., np.argsort(inverse)]  # a permutation: no sums needed
    order = np.argsort(inverse, kind="stable")
    starts = np.searchsorted(inverse[order], np.arange(unique.shape[0]))
    return unique, np.add.reduceat(coefficients[..., order], starts, axis=-1)


@dataclass(frozen=True, eq=False)
class PolyArray:
    """An array of polynomials with a common support.

    ``value[idx](z) = sum_s coefficients[idx + (s,)] * prod_k z_k ** exponents[s, k]``.

    Parameters
    ----------
    exponents : ndarray of int, shape (T, n)
        Unique monomial exponents in ``n`` variables.
    coefficients : ndarray of float, shape (*shape, T)
        One coefficient vector per array entry; the last axis runs over the monomials.
    """

    exponents: NDArray[np.int64]
    coefficients: NDArray[np.float64]

    @classmethod
    def constant(cls, values: ArrayLike, nvars: int) -> PolyArray:
        """The constant polynomials ``values`` (any shape) in ``nvars`` variables."""
        return cls(np.zeros((1, nvars), dtype=np.int64), np.asarray(values, dtype=np.float64)[..., None])

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.coefficients.shape[:-1])

    @property
    def nvars(self) -> int:
        return int(self.exponents.shape[1])

    @property
    def degree(self) -> int:
        return int(self.exponents.sum(axis=1).max())

    def __mul__(self, other: PolyArray) -> PolyArray:
        """Entry-wise product (leading axes broadcast): supports add, coefficients convolve."""
        exps = (self.exponents[:, None, :] + other.exponents[None, :, :]).reshape(-1, self.nvars)
        coefs = self.coefficients[..., :, None] * other.coefficients[..., None, :]
        coefs = coefs.reshape(*coefs.shape[:-2], -1)
        return PolyArray(*_merge(exps, coefs))

    def __add__(self, other: PolyArray) -> PolyArray:
        """Entry-wise sum (leading axes broadcast) on the union of the supports."""
        shape = np.broadcast_shapes(self.shape, other.shape)
        coefs = np.concatenate(
            [
                np.broadcast_to(self.coefficients, (*shape, self.coefficients.shape[-1])),
                np.broadcast_to(other.coefficients, (*shape, other.coefficients.shape[-1])),
            ],
            axis=-1,
        )
        return PolyArray(*_merge(np.vstack([self.exponents, other.exponents]), coefs))

    def powers(self, degree: int) -> list[PolyArray]:
        """``[self**0, self**1, ..., self**degree]`` by repeated entry-wise products."""
        out = [PolyArray.constant(np.ones(self.shape), self.nvars), self]
        for _ in range(2, degree + 1):
            out.append(out[-1] * self)
        return out[: degree + 1]

    def times_variable(self, var: int) -> PolyArray:
        """Multiply every entry by the variable ``z_var`` (a shift of one exponent column)."""
        exps = self.exponents.copy()
        exps[:, var] += 1
        return PolyArray(exps, self.coefficients)

    def linear(self, weight: NDArray[np.float64], bias: NDArray[np.float64] | None = None) -> PolyArray:
        """``weight @ self + bias`` acting on the second-to-last axis (the neuron axis).

        ``self`` has shape ``(..., m_in)`` and ``weight`` shape ``(m_out, m_in)``; the bias is added to
        the constant monomial (appended when absent).
        """
        coefs = np.matmul(weight, self.coefficients)
        result = PolyArray(self.exponents, coefs)
        if bias is not None and np.any(bias != 0):
            result = result + PolyArray.constant(np.broadcast_to(bias, result.shape), self.nvars)
        return result

    def sum(self, axis: int = -1) -> PolyArray:
        """Sum over one of the leading axes (the support is shared, so the coefficients just add)."""
        if axis < 0:
            axis -= 1
        return PolyArray(self.exponents, self.coefficients.sum(axis=axis))

    @classmethod
    def variables(cls, columns: NDArray[np.int64], nvars: int) -> PolyArray:
        """The array whose entry ``idx`` is the variable ``z_{columns[idx]}`` (distinct columns)."""
        flat = columns.reshape(-1)
        exps = np.zeros((flat.size, nvars), dtype=np.int64)
        exps[np.arange(flat.size), flat] = 1
        order = np.lexsort(exps.T[::-1])  # the sorted support _merge would give
        return cls(exps[order], np.eye(flat.size)[:, order].reshape(*columns.shape, flat.size))

    def mean(self, axis: int = 0) -> PolyArray:
        """Mean over one of the leading axes."""
        if axis < 0:
            axis -= 1
        return PolyArray(self.exponents, self.coefficients.mean(axis=axis))

    def evaluate(self, z: ArrayLike) -> NDArray[np.float64]:
        """Values at one point ``z`` of shape ``(n,)``: an array of shape :attr:`shape`."""
        monomials = np.prod(np.asarray(z, dtype=np.float64)[None, :] ** self.exponents, axis=1)
        return self.coefficients @ monomials

    def jacobian(self, z: ArrayLike) -> NDArray[np.float64]:
        """Partial derivatives at one point ``z``: shape ``(*shape, n)``.

        .. math::

            \\partial_k z^{a} = a_k z^{a - e_k}\\quad (0 \\text{ when } a_k = 0),

        evaluated for all monomials and variables at once, then contracted with the coefficients.
        """
        point = np.asarray(z, dtype=np.float64)
        eye = np.eye(self.nvars, dtype=np.int64)
        lowered = np.maximum(self.exponents[:, None, :] - eye[None, :, :], 0)  # (T, n, n): a - e_k
        derivs = self.exponents * np.prod(point[None, None, :] ** lowered, axis=2)  # (T, n)
        return self.coefficients @ derivs


def _activate(v: PolyArray, cols: dict[int, int], pins: dict[int, float], degree: int) -> PolyArray:
    """``h = sum_j c_j v^j`` with ``c_j`` the unknown ``z_{cols[j]}``, the pinned value ``pins[j]``, or 0."""
    terms = []
    for j, vj in enumerate(v.powers(degree)):
        if j in cols:
            terms.append(vj.times_variable(cols[j]))
        elif pins.get(j, 0.0) != 0.0:
            terms.append(vj if pins[j] == 1.0 else PolyArray(vj.exponents, pins[j] * vj.coefficients))
    # one merge of the concatenation: duplicate monomials (only between pinned terms) are summed there
    return PolyArray(
        *_merge(
            np.vstack([t.exponents for t in terms]),
            np.concatenate([np.broadcast_to(t.coefficients, (*v.shape, t.coefficients.shape[-1])) for t in terms], axis=-1),
        )
    )


def _layer(h: PolyArray, unknowns: Unknowns, layer: int) -> PolyArray:
    """``v_l = W_l h_{l-1} + b_l`` with fixed or unknown weights and biases."""
    net, cols, bias_cols = unknowns.net, unknowns.weights[layer - 1], unknowns.biases[layer - 1]
    if cols is None:
        v = h.linear(net.weights[layer - 1], None if bias_cols is not None else net.biases[layer - 1])
    else:
        # v[..., a] = sum_k W[a, k] h[..., k]: an entry-wise product over (a, k), then a sum over k
        W = PolyArray.variables(cols, h.nvars)
        v = (PolyArray(h.exponents, h.coefficients[..., None, :, :]) * W).sum(axis=-1)
        if bias_cols is None and np.any(net.biases[layer - 1] != 0):
            v = v + PolyArray.constant(net.biases[layer - 1], h.nvars)
    if bias_cols is not None:
        v = v + PolyArray.variables(bias_cols, h.nvars)
    return v


def expand_hidden(net: PolyNet, X: ArrayLike, nvars: int | None = None, unknowns: Unknowns | None = None) -> PolyArray:
    """``h_D(x_i)`` for every sample as polynomials in the unknowns: shape ``(N, m_D)``.

    ``unknowns`` (default :func:`activation_unknowns`, the paper's) says which parameters are
    unknown; ``nvars`` (default their number) leaves room for extra variables after them, such as
    the epigraph variable ``theta``.
    """
    unknowns = activation_unknowns(net) if unknowns is None else unknowns
    X = net.check_inputs(X)
    n = unknowns.count if nvars is None else nvars
    h = PolyArray.constant(X, n)
    for layer in range(1, net.depth + 1):
        v = _layer(h, unknowns, layer)
        h = _activate(v, unknowns.coefficients[layer - 1], unknowns.pinned[layer - 1], net.degrees[layer - 1])
    return h


def expand_outputs(
    net: PolyNet, X: ArrayLike, average: bool = False, nvars: int | None = None, unknowns: Unknowns | None = None
) -> PolyArray:
    """The outputs ``f(x_i; z)`` as polynomials in the unknowns ``z``.

    Parameters
    ----------
    net : PolyNet
    X : array_like, shape (N, m_0)
    average : bool, default False
        Return the sample mean ``(1/N) sum_i f(x_i; z)`` (shape ``(m_{D+1},)``) instead of every
        output (shape ``(N, m_{D+1})``). The mean is taken over ``h_D`` before the linear output
        layer, which is exact and ``N`` times cheaper.
    nvars : int, optional
        Number of variables of the result (default: the number of unknowns); extra ones come last.
    unknowns : Unknowns, optional
        Which parameters are unknown (default :func:`activation_unknowns`: the activation
        coefficients ``c``).

    Returns
    -------
    PolyArray
        Degree ``e_D`` in ``c`` for the paper's unknowns (see the module notes).
    """
    unknowns = activation_unknowns(net) if unknowns is None else unknowns
    h = expand_hidden(net, X, nvars, unknowns)
    if average:
        h = h.mean(axis=0)
    return _layer(h, unknowns, net.depth + 1)
