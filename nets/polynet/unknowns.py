"""Which parameters of a :class:`~nets.polynet.model.PolyNet` are unknown, and the canonical form
of the others when the weights are learned too.

:class:`Unknowns` says where each unknown of the POP sits in the network: the paper's activation
coefficients (:func:`activation_unknowns`, the weights fixed) or every weight, the learned biases and
the activation coefficients left free by the canonical form below (:func:`all_unknowns`,
``solve_global(learn="all")``). :mod:`nets.polynet.expansion` expands the network in those unknowns.

Symmetries when the weights are learned too
-------------------------------------------
With weights, biases and activations all unknown, many parameter vectors give the same function.
For a hidden layer ``l`` with one shared polynomial ``p_l`` of degree ``d`` and the weights on both
sides learned:

* input scale ``s != 0``: ``W_l -> s W_l``, ``b_l -> s b_l``, ``p_l(t) -> p_l(t / s)``;
* output scale ``tau != 0``: ``p_l -> tau p_l``, ``W_{l+1} -> W_{l+1} / tau``;
* input shift ``beta`` (when ``b_l`` is learned): ``b_l -> b_l + beta``, ``p_l(t) -> p_l(t - beta)``;
* output shift ``kappa`` (when ``b_{l+1}`` is learned): ``p_l -> p_l + kappa``,
  ``b_{l+1} -> b_{l+1} - kappa W_{l+1} 1``;
* permutations of the layer's neurons (rows of ``W_l``, ``b_l`` and columns of ``W_{l+1}``);
* per-neuron sign flips when ``p_l`` is even or odd.

A single shared activation makes the scales per layer, not per neuron (``p_l(s_a t)`` differs
between neurons unless every ``s_a`` is 1). :func:`all_unknowns` removes the continuous ones by
pinning coefficients of ``p_l`` (the canonical form; :func:`canonical_parameters` maps any
parameters to it):

1. output shift: ``c_{l,0} = 0``; input shift: ``c_{l,d-1} = 0``;
2. monic: ``c_{l,d} = 1``;
3. the largest free power ``j < d`` with ``d - j`` odd: ``c_{l,j} = 1`` (without shifts that is
   ``c_{l,d-1}``: ``p_l(t) = c_{l,0} + ... + t^{d-1} + t^d``). Pinning two powers whose difference
   is odd fixes ``s`` and ``tau`` uniquely (``s^{d-j} = c_d / c_j``), with no sign left over;
   pinning the top powers, not ``c_{l,1}``, keeps the degree of ``f`` low (``d + 1`` for one
   hidden layer instead of ``d + 2``). When the shifts have pinned every such power to 0, the
   largest free power is pinned to 1 instead: ``p_l`` is then even or odd, and ``s`` is fixed up
   to per-neuron signs (handled below), provided the truth has ``c_{l,j} / c_{l,d} > 0``.

The discrete ones are removed by linear inequalities: the neurons of each hidden layer are ordered
by their first incoming weight, ``W_l[0, 0] >= W_l[1, 0] >= ...``, and when the pins leave ``p_l``
even or odd, also ``W_l[m_l - 1, 0] >= 0``. Taken layer by layer from the input, these fix one
representative of every orbit whose first incoming weights are distinct (nonzero for a parity).
What stays out of reach: activations of degree 1 (a linear layer of width >= 2 is identifiable
only up to an invertible matrix), a layer with both shifts and ``d <= 2`` (no free power is left
for step 3, so a scale remains), and truths without a canonical form (``c_{l,d} = 0``, a zero
``c_{l,j}`` of step 3, tied first weights): :func:`canonical_parameters` refuses those.

References
----------
[ZNT26] L. Zhang, J. Nie, T. Tang, "Learning Polynomial Activation Functions for Deep Neural
Networks", PMLR 321:90-99, 2026.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from nets.polynet.model import InvalidNetworkError, PolyNet

__all__ = ["Unknowns", "activation_unknowns", "all_unknowns", "canonical_parameters"]


@dataclass(frozen=True, eq=False)
class Unknowns:
    """Where each unknown of the POP sits in a :class:`PolyNet`, and the values of the other parameters.

    Attributes
    ----------
    net : PolyNet
        The template: shapes and degrees, and the values of whatever is not learned.
    learn : {"activations", "all"}
    names : tuple of str
        One per unknown, in the order of the unknown vector ``z``: ``"W{l}_{a}_{k}"`` for
        ``W_l[a, k]``, ``"b{l}_{a}"`` for ``b_l[a]``, ``"c{l}_{j}"`` for ``c_{l,j}``.
    weights, biases : tuple of (ndarray of int or None)
        Per layer ``l = 1..D+1``: the column of ``z`` of each entry of ``W_l`` (shape
        ``(m_l, m_{l-1})``) or ``b_l`` (shape ``(m_l,)``); None where the net's values are fixed.
    coefficients : tuple of dict
        Per hidden layer: ``{j: column}`` for each unknown ``c_{l,j}``.
    pinned : tuple of dict
        Per hidden layer: ``{j: value}`` for each fixed ``c_{l,j}`` (the others are 0).
    ordered : tuple of (int, int)
        Pairs ``(i, k)`` of columns with the constraint ``z_i >= z_k`` (neuron order).
    nonnegative : tuple of int
        Columns with the constraint ``z_i >= 0`` (neuron signs of an even or odd activation).
    parity : tuple of bool
        Per hidden layer: the pins leave ``p_l`` even or odd (see the module notes).
    scale_power : tuple of (int or None)
        Per hidden layer: the power ``j`` pinned to 1 besides ``d_l`` (step 3 of the module notes).
    """

    net: PolyNet
    learn: str
    names: tuple[str, ...]
    weights: tuple[NDArray[np.int64] | None, ...]
    biases: tuple[NDArray[np.int64] | None, ...]
    coefficients: tuple[dict[int, int], ...]
    pinned: tuple[dict[int, float], ...]
    ordered: tuple[tuple[int, int], ...] = ()
    nonnegative: tuple[int, ...] = ()
    parity: tuple[bool, ...] = ()
    scale_power: tuple[int | None, ...] = ()

    @property
    def count(self) -> int:
        """Number of unknowns."""
        return len(self.names)

    def parameters(self, z: ArrayLike) -> tuple[PolyNet, list[NDArray[np.float64]]]:
        """The network (weights and biases at ``z``) and its per-layer activation coefficients.

        With ``learn="activations"`` the net is :attr:`net` itself; otherwise a new
        :class:`PolyNet` (``normalize=False``: its activations are in the canonical form of the
        module notes, not the paper's normalisation).
        """
        vec = np.asarray(z, dtype=np.float64).reshape(-1)
        if vec.shape != (self.count,):
            raise InvalidNetworkError(
                f"the unknown vector must have {self.count} entries ({', '.join(self.names)}); got shape {np.shape(z)}"
            )
        coefs = [np.zeros(d + 1) for d in self.net.degrees]
        for c, cols, pins in zip(coefs, self.coefficients, self.pinned):
            for j, value in pins.items():
                c[j] = value
            for j, col in cols.items():
                c[j] = vec[col]
        if self.learn == "activations":
            return self.net, coefs
        weights = [W if cols is None else vec[cols] for W, cols in zip(self.net.weights, self.weights)]
        biases = [b if cols is None else vec[cols] for b, cols in zip(self.net.biases, self.biases)]
        return PolyNet(weights, self.net.degrees, biases=biases, normalize=False), coefs

    def vector(self, net: PolyNet, coefficients: list[NDArray[np.float64]]) -> NDArray[np.float64]:
        """The unknown vector of ``net``'s weights and biases and of ``coefficients`` (inverse of
        :meth:`parameters`; pinned values are not checked)."""
        z = np.zeros(self.count)
        for W, cols in zip(net.weights, self.weights):
            if cols is not None:
                z[cols] = W
        for b, cols in zip(net.biases, self.biases):
            if cols is not None:
                z[cols] = b
        for c, cols in zip(coefficients, self.coefficients):
            for j, col in cols.items():
                z[col] = c[j]
        return z

    def feasible(self, z: NDArray[np.float64], tol: float = 0.0) -> bool:
        """Whether ``z`` satisfies :attr:`ordered` and :attr:`nonnegative` (to ``tol``)."""
        return all(z[i] - z[k] >= -tol for i, k in self.ordered) and all(z[i] >= -tol for i in self.nonnegative)


def activation_unknowns(net: PolyNet) -> Unknowns:
    """The paper's unknowns: the activation coefficients of :attr:`PolyNet.unknowns`, weights fixed."""
    coefficients: list[dict[int, int]] = [{} for _ in net.degrees]
    for col, (l, j) in enumerate(net.unknowns):
        coefficients[l - 1][j] = col
    pinned = tuple(
        {0: 1.0} if (net.normalize and l < net.depth) else {} for l in range(1, net.depth + 1)
    )
    none = tuple(None for _ in net.weights)
    return Unknowns(net, "activations", net.unknown_names, none, none, tuple(coefficients), pinned,
                    parity=tuple(False for _ in net.degrees), scale_power=tuple(None for _ in net.degrees))


def _pins(degree: int, input_shift: bool, output_shift: bool) -> tuple[dict[int, float], int | None, bool]:
    """Steps 1-3 of the module notes: the pinned powers, the scale power and whether ``p`` has a parity."""
    pins: dict[int, float] = {}
    if output_shift:
        pins[0] = 0.0
    if input_shift:
        pins.setdefault(degree - 1, 0.0)
    pins[degree] = 1.0
    free = [j for j in range(degree) if j not in pins]
    odd = [j for j in free if (degree - j) % 2 == 1]
    power = max(odd) if odd else (max(free) if free else None)
    if power is not None:
        pins[power] = 1.0
    return pins, power, bool(free) and not odd


def all_unknowns(net: PolyNet) -> Unknowns:
    """``learn="all"``: every weight, the biases that are nonzero in ``net``, and the activation
    coefficients that the canonical form of the module notes leaves free.

    Layer by layer: ``W_l`` (row-major), ``b_l``, then the free ``c_{l,j}`` in ascending powers.
    The values in ``net`` only give the shapes, the degrees and which biases are learned (a zero
    bias vector stays zero).
    """
    learned_bias = [bool(np.any(b != 0)) for b in net.biases]
    names: list[str] = []
    weights, biases, coefficients, pinned, powers, parity = [], [], [], [], [], []

    def take(shape: tuple[int, ...], label: str) -> NDArray[np.int64]:
        """Columns for a new block of unknowns, named ``label_index``."""
        cols = np.arange(len(names), len(names) + int(np.prod(shape)), dtype=np.int64).reshape(shape)
        names.extend(label + "_" + "_".join(map(str, idx)) for idx in np.ndindex(*shape))
        return cols

    for l in range(1, net.depth + 2):
        weights.append(take(net.weights[l - 1].shape, f"W{l}"))
        biases.append(take(net.biases[l - 1].shape, f"b{l}") if learned_bias[l - 1] else None)
        if l <= net.depth:
            d = net.degrees[l - 1]
            pins, power, even_or_odd = _pins(d, learned_bias[l - 1], learned_bias[l])
            free = [j for j in range(d + 1) if j not in pins]
            cols = take((len(free),), f"c{l}")
            coefficients.append({j: int(col) for j, col in zip(free, cols)})
            names[len(names) - len(free):] = [f"c{l}_{j}" for j in free]
            pinned.append(pins)
            powers.append(power)
            parity.append(even_or_odd)
    ordered: list[tuple[int, int]] = []
    nonnegative: list[int] = []
    for l in range(1, net.depth + 1):
        first = weights[l - 1][:, 0]
        ordered += [(int(first[a]), int(first[a + 1])) for a in range(len(first) - 1)]
        if parity[l - 1]:
            nonnegative.append(int(first[-1]))
    return Unknowns(net, "all", tuple(names), tuple(weights), tuple(biases), tuple(coefficients), tuple(pinned),
                    tuple(ordered), tuple(nonnegative), tuple(parity), tuple(powers))


def canonical_parameters(
    unknowns: Unknowns, net: PolyNet, coefficients: list[ArrayLike]
) -> tuple[PolyNet, list[NDArray[np.float64]]]:
    """The representative, in the canonical form of ``unknowns`` (see the module notes), of the
    network function of ``net`` with activation ``coefficients``.

    For ``learn="all"``, hidden layers ``l = 1..D`` in turn: shift out ``c_{l,d-1}`` into ``b_l`` and
    then ``c_{l,0}`` into ``b_{l+1}`` (where those biases are learned), rescale so that the pinned powers
    are 1, flip the signs of neurons with ``W_l[a, 0] < 0`` when ``p_l`` is even or odd, and sort
    the neurons by ``W_l[a, 0]``, descending. The outputs are unchanged (up to rounding). For
    ``learn="activations"``: :meth:`PolyNet.normalize_coefficients` when the net is normalised.

    Raises
    ------
    InvalidNetworkError
        The function has no canonical form: a zero leading coefficient, a scale power with a zero
        coefficient (or, for an even or odd ``p_l``, of the wrong sign), tied first weights.
    """
    coefs = [c.copy() for c in net.check_coefficients(coefficients)]
    if unknowns.learn == "activations":
        return net, (net.normalize_coefficients(coefs) if net.normalize else coefs)
    W = [w.copy() for w in net.weights]
    b = [v.copy() for v in net.biases]
    for l in range(1, net.depth + 1):
        d, p = net.degrees[l - 1], coefs[l - 1]
        if p[d] == 0.0:
            raise InvalidNetworkError(f"canonical form: c_{l},{d} = 0, so layer {l} cannot be made monic")
        if unknowns.biases[l - 1] is not None:  # input shift: p(t) -> p(t - beta), b_l -> b_l + beta
            beta = p[d - 1] / (d * p[d])  # the coefficient of t^(d-1) in p(t - beta) is c_{d-1} - d beta c_d
            shifted = np.polynomial.Polynomial(p)(np.polynomial.Polynomial([-beta, 1.0])).coef
            p = np.concatenate([shifted, np.zeros(d + 1 - len(shifted))])
            b[l - 1] = b[l - 1] + beta
        if unknowns.biases[l] is not None:  # output shift (after the input shift, which moves c_{l,0})
            b[l] = b[l] + p[0] * W[l].sum(axis=1)
            p[0] = 0.0
        j = unknowns.scale_power[l - 1]
        s = 1.0
        if j is not None:
            ratio = p[d] / p[j] if p[j] != 0.0 else 0.0
            if ratio == 0.0 or ((d - j) % 2 == 0 and ratio < 0):
                raise InvalidNetworkError(
                    f"canonical form: layer {l} has c_{l},{j} / c_{l},{d} = "
                    f"{(p[j] / p[d]):.6g}; it must be nonzero{' and positive' if (d - j) % 2 == 0 else ''}"
                )
            s = float(np.sign(ratio) * abs(ratio) ** (1.0 / (d - j)))
        tau = s**d / p[d]
        W[l - 1], b[l - 1] = s * W[l - 1], s * b[l - 1]
        p = tau * p * s ** -np.arange(d + 1.0)
        W[l] = W[l] / tau
        for power, value in unknowns.pinned[l - 1].items():
            p[power] = value  # equal up to rounding after the steps above
        first = W[l - 1][:, 0]
        if unknowns.parity[l - 1]:
            if np.any(first == 0.0):
                raise InvalidNetworkError(f"canonical form: layer {l} has a zero first weight W_{l}[a, 0]; its sign cannot be fixed")
            flip = np.where(first < 0, -1.0, 1.0)
            W[l - 1], b[l - 1] = flip[:, None] * W[l - 1], flip * b[l - 1]
            if d % 2 == 1:  # odd p: the neuron's output flips too
                W[l] = W[l] * flip[None, :]
            first = W[l - 1][:, 0]
        if len(np.unique(first)) < len(first):
            raise InvalidNetworkError(f"canonical form: layer {l} has tied first weights W_{l}[:, 0] = {first.tolist()}")
        order = np.argsort(-first, kind="stable")
        W[l - 1], b[l - 1], W[l] = W[l - 1][order], b[l - 1][order], W[l][:, order]
        coefs[l - 1] = p
    return PolyNet(W, net.degrees, biases=b, normalize=False), coefs
