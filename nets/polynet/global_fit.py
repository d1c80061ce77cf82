"""Global training of a :class:`~nets.polynet.model.PolyNet`: its loss as a POP, solved by the Moment-SOS hierarchy.

The pipeline of :func:`solve_global`:

1. :func:`nets.polynet.losses.check_data`: the one validation of ``loss`` and ``(X, Y)``;
2. :func:`loss_problem`: the loss in the unknown activation coefficients ``c``, expanded numerically
   (:mod:`nets.polynet.expansion`, vectorised over samples and neurons) into a
   :class:`momentsos.PolyProblem`, divided by a data scale;
3. :func:`_climb`: momentsos's hierarchy (:class:`momentsos.Hierarchy`) at the orders ``k0, k0 + 1, ...`` until certified
   (order, solver and options passed through);
4. :func:`_minimizers`: the atoms mapped back to the unknowns and polished locally
   (:mod:`nets.polynet.polish`);
5. :class:`~nets.polynet.result.NetFitResult`: per-layer coefficient arrays and the certificate.

Besides :mod:`nets.polynet.result` (which reads momentsos' default gap tolerance), this is the only
module of :mod:`nets` that imports :mod:`momentsos`.

The POPs (losses as in :mod:`nets.polynet.losses`), for data ``(x_i, y_i)``, ``i = 1..N``:

``"linf-mean"``: the averaged residual ``r(c) = (1/N) sum_i f(x_i; c) - (1/N) sum_i y_i`` in
epigraph form,

.. math::

    \\min_{c, \\theta} \\theta \\quad \\text{s.t.}\\quad \\theta + r_j(c) \\ge 0,\\;
    \\theta - r_j(c) \\ge 0,\\; j = 1..m_{D+1};

the unknowns are ``(c, theta)``, and the minimum is ``min_c ||r(c)||_inf``.

``"l2"``: the mean squared residual norm over every sample, unconstrained,

.. math::

    \\min_c \\frac1N \\sum_{i=1}^N \\lVert f(x_i; c) - y_i \\rVert_2^2,

of degree ``2 e_D`` in ``c``.

Bounding constraints (option ``radius``)
---------------------------------------
Neither loss is posed on a compact set, and the moment relaxation exploits that: on noisy data the
interior-point iterates drift to moment vectors with entries of ``1e11`` and more (mass escaping to
infinity at no cost in the objective), the solver stalls short of its tolerance and nothing can be
certified. ``radius=R`` adds

* ``R^2 - ||c||_2^2 >= 0``: the unknown coefficients in a ball. This is a modelling choice, not
  redundant in general: a certificate then proves the global minimum over the ball (and
  :attr:`NetFitResult.radius` says so), not over all of ``R^n``;
* for ``"linf-mean"`` also ``theta_ub^2 - theta^2 >= 0`` with ``theta_ub = max(1, loss(0))`` in the
  POP's units (the loss at the all-zero unknown vector bounds the minimum, so this one is redundant).
  Its degree 2 bounds the ``theta^{2k}`` moments, which the ball leaves free: with the ball alone the
  solver still stalls.

With both, the quadratic module is archimedean, and the relaxations of noisy instances converge
instead of stalling at the iteration limit. Without ``radius`` the problem is exactly the paper's.

References
----------
[ZNT26] L. Zhang, J. Nie, T. Tang, "Learning Polynomial Activation Functions for Deep Neural
Networks", PMLR 321:90-99, 2026.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike, NDArray

import momentsos as ms
from momentsos.options import DEFAULT_GAP_TOL
from nets.polynet.expansion import PolyArray, expand_outputs
from nets.polynet.losses import (
    LearnName,
    Loss,
    LossName,
    check_data,
    check_learn,
    check_loss,
    check_net,
    loss_value,
)
from nets.polynet.model import PolyNet
from nets.polynet.polish import LossModel
from nets.polynet.result import NetFitResult
from nets.polynet.unknowns import Unknowns, activation_unknowns, all_unknowns

__all__ = ["loss_problem", "solve_global"]


def _monomial(nvars: int, var: int | None = None) -> NDArray[np.int64]:
    row = np.zeros((1, nvars), dtype=np.int64)
    if var is not None:
        row[0, var] = 1
    return row


def loss_problem(
    net: PolyNet,
    data: tuple[ArrayLike, ArrayLike],
    loss: LossName | Loss = "linf-mean",
    radius: float | None = None,
) -> ms.PolyProblem:
    """The training loss of ``net`` on ``data`` as a :class:`momentsos.PolyProblem`.

    Parameters
    ----------
    net : PolyNet
    data : (X, Y)
        ``X`` of shape ``(N, m_0)``, ``Y`` of shape ``(N, m_{D+1})``.
    loss : {"linf-mean", "l2"}
        See the module notes.
    radius : float, optional
        Restrict the unknowns to ``||c||_2 <= radius`` (see "Bounding constraints" in the module notes).

    Returns
    -------
    momentsos.PolyProblem
        The loss divided by a data scale (the RMS of ``Y`` for ``"linf-mean"``, ``m_{D+1}`` times its
        square for ``"l2"``), so that the certificate's gap tolerance means the same for data of any
        magnitude. Variables ``net.unknown_names`` (as sympy Symbols), followed by ``theta`` for ``"linf-mean"``.
        Built from numeric coefficient arrays (:meth:`momentsos.PolyProblem.from_polynomials`); no
        symbolic expansion.

    Raises
    ------
    TypeError, InvalidDataError
        Malformed ``net`` or ``data``, or fewer scalar equations than unknowns.
    """
    net = check_net(net)
    kind = check_loss(loss)
    X, Y = check_data(net, data, kind)
    return _build_problem(net, X, Y, kind, _check_radius(radius)).problem


def _check_radius(radius: Any) -> float | None:
    if radius is None:
        return None
    if isinstance(radius, bool) or not isinstance(radius, (int, float, np.integer, np.floating)):
        raise TypeError(f"Invalid `radius`: expected a positive finite number or None; got {radius!r}")
    value = float(radius)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"Invalid `radius`: expected a positive finite number or None; got {radius!r}")
    return value


def _loss_scale(Y: NDArray[np.float64], kind: Loss) -> float:
    """Unit of the POP objective: the RMS of ``Y`` (``"linf-mean"``) or its square times ``m_{D+1}`` (``"l2"``).

    The certificate compares the objective at a minimizer with the bound to ``gap_tol`` relative to
    ``max(1, |value|)``, so near a zero loss the comparison is absolute; in these units it means the
    same for data of any magnitude (Example 3.4 has targets near 100, squared losses near 1e4).
    """
    rms = float(np.sqrt(np.mean(Y**2)))
    if rms == 0.0:
        return 1.0
    return rms if kind is Loss.LINF_MEAN else rms**2 * Y.shape[1]


def _ball(nvars: int, squared: NDArray[np.int64], bound: float) -> ms.Polynomial:
    """``bound - sum_{i in squared} z_i^2`` in ``nvars`` variables."""
    exps = np.zeros((1 + len(squared), nvars), dtype=np.int64)
    exps[np.arange(1, 1 + len(squared)), squared] = 2
    return ms.Polynomial(exps, np.concatenate([[bound], -np.ones(len(squared))]))


def _symmetry_constraints(layout: Unknowns, nvars: int) -> list[ms.Polynomial]:
    """``z_i - z_k >= 0`` for the neuron order and ``z_i >= 0`` for the signs (``learn="all"``)."""
    out = []
    for i, k in layout.ordered:
        exps = np.zeros((2, nvars), dtype=np.int64)
        exps[0, i] = exps[1, k] = 1
        out.append(ms.Polynomial(exps, np.array([1.0, -1.0])))
    out += [ms.Polynomial(_monomial(nvars, i), np.ones(1)) for i in layout.nonnegative]
    return out


def _build_problem(
    net: PolyNet,
    X: NDArray[np.float64],
    Y: NDArray[np.float64],
    kind: Loss,
    radius: float | None = None,
    layout: Unknowns | None = None,
) -> LossModel:
    """The POP of ``loss / scale`` (see :func:`_loss_scale`), with its residual polynomials, the
    bounding constraints of the module notes and, with learned weights, the order and sign
    constraints of ``layout`` (default: the paper's unknowns)."""
    layout = activation_unknowns(net) if layout is None else layout
    n = layout.count
    names = list(layout.names)
    scale = _loss_scale(Y, kind)
    unknowns = np.arange(n)
    if kind is Loss.LINF_MEAN:
        mean_out = expand_outputs(net, X, average=True, nvars=n + 1, unknowns=layout)  # shape (m_out,), theta = column n
        target = Y.mean(axis=0)
        exps = np.vstack([mean_out.exponents, _monomial(n + 1)])
        theta = ms.Polynomial(_monomial(n + 1, n), np.ones(1))
        inequalities = []
        for j in range(net.widths[-1]):
            residual = ms.Polynomial(exps, np.append(mean_out.coefficients[j], -target[j]) / scale)
            inequalities += [theta + residual, theta - residual]
        outputs = PolyArray(mean_out.exponents[:, :n], mean_out.coefficients)  # theta never occurs here
        model = LossModel(None, scale, outputs, target, kind, radius, layout)  # type: ignore[arg-type]
        inequalities += _symmetry_constraints(layout, n + 1)
        if radius is not None:
            theta_ub = max(1.0, model.loss(np.zeros(n)) / scale)  # any point's loss bounds the minimum
            inequalities += [_ball(n + 1, unknowns, radius**2), _ball(n + 1, np.array([n]), theta_ub**2)]
        problem = ms.PolyProblem.from_polynomials(theta, inequalities, variables=sp.symbols(names + ["theta"]))
        return dataclasses.replace(model, problem=problem)
    outputs = expand_outputs(net, X, unknowns=layout)  # shape (N, m_out)
    R = np.concatenate([outputs.coefficients, -Y[..., None]], axis=-1).reshape(-1, outputs.exponents.shape[0] + 1)
    exps = np.vstack([outputs.exponents, _monomial(n)])
    # sum_i ||r_i||^2 = sum_{s,t} G[s,t] z^(a_s + a_t) with the Gram matrix G = R^T R over all (i, output)
    gram = (R.T @ R) / (X.shape[0] * scale)
    pair_exps = (exps[:, None, :] + exps[None, :, :]).reshape(-1, n)
    objective = ms.Polynomial(pair_exps, gram.reshape(-1))
    inequalities = _symmetry_constraints(layout, n) + ([] if radius is None else [_ball(n, unknowns, radius**2)])
    problem = ms.PolyProblem.from_polynomials(objective, inequalities, variables=sp.symbols(names))
    return LossModel(problem, scale, outputs, Y, kind, radius, layout)


def solve_global(
    net: PolyNet,
    data: tuple[ArrayLike, ArrayLike],
    order: int | None = None,
    loss: LossName = "linf-mean",
    solver: str | None = None,
    polish: bool = True,
    radius: float | None = None,
    learn: LearnName = "activations",
    sparsity: str | None = None,
    **options: Any,
) -> NetFitResult:
    """Learn the activation coefficients of ``net`` (and, with ``learn="all"``, its weights) globally,
    with a certificate, by Moment-SOS.

    Parameters
    ----------
    net : PolyNet
        Fixed weights and activation degrees; its unknowns are the activation coefficients.
    data : (X, Y)
        ``X`` of shape ``(N, m_0)`` and ``Y`` of shape ``(N, m_{D+1})``, finite.
    order : int, optional
        Relaxation order ``k``; ``None`` climbs ``k0, k0 + 1, ...`` until certified (the paper's
        procedure; ``k0 = ceil(e_D / 2)`` for ``"linf-mean"``, ``e_D`` for ``"l2"``).
    loss : {"linf-mean", "l2"}, default "linf-mean"
        The paper's loss or least squares over all samples (see :mod:`nets.polynet.losses`).
    solver : str, optional
        SDP solver name for :func:`momentsos.minimize`; ``None`` uses its default chain.
    polish : bool, default True
        Refine every extracted minimizer by Gauss-Newton on the residuals, keeping only steps that
        lower the loss (the certificate is that of the unpolished atoms; polishing can only lower
        the loss further). It matters for ``"l2"``, whose minimizers the relaxation fixes only to
        about the square root of the solver tolerance.
    radius : float, optional
        Search the unknowns in the ball ``||c||_2 <= radius`` (see "Bounding constraints" in the
        module notes): certificates are then global over the ball. Noisy instances of the paper's
        loss converge and certify with a ball where the unconstrained relaxation stalls.
    learn : {"activations", "all"}, default "activations"
        ``"activations"``: the paper's problem, the weights of ``net`` fixed. ``"all"`` (beyond the
        paper): every weight, the biases that are nonzero in ``net`` and the activation coefficients
        are unknowns; ``net`` gives only the shapes, the degrees and which biases exist. The
        symmetries of the network function (per-layer scales and shifts, neuron permutations and
        signs) are removed by pinning activation coefficients to a canonical form and by ordering
        the neurons of each hidden layer by their first incoming weight (see "Symmetries when the
        weights are learned too" in :mod:`nets.polynet.unknowns`): a certificate then proves the
        global minimum over that canonical set, and every network function is represented there
        once (:func:`nets.polynet.unknowns.canonical_parameters` maps a network to it). The result's
        :attr:`~NetFitResult.net` carries the learned weights. The output is linear in the last
        layer, and ``"l2"`` sums the outputs' losses, so each output's last-layer row meets the
        others only through the hidden parameters: with ``"l2"`` and several outputs the default
        sparsity is ``"correlative"``: one moment matrix per output, over the hidden parameters and
        that output's row, instead of one over all unknowns. ``"linf-mean"`` gives too few
        equations for learned weights (an :class:`InvalidDataError`): use ``loss="l2"``.
    sparsity : {"none", "auto", "correlative", "term", "both", "newton"} or None, default None
        Passed to :func:`momentsos.minimize` (see there; an unknown value raises
        :class:`momentsos.InvalidOptionError` naming the allowed ones). None: ``"correlative"`` for
        ``learn="all"`` with ``loss="l2"`` and more than one output, ``"none"`` otherwise (the
        activation coefficients meet in every output, so the paper's problem has one clique).
    **options
        Passed to :func:`momentsos.minimize` (``max_order``, ``feas_tol``, ``gap_tol``, ...).
        ``low_rank`` defaults to ``"attained"`` here: the minimum-trace re-solve (which doubles the
        time) runs only when the first-order moments already attain the bound; on noisy data the
        relaxation is seldom tight at the paper's order and the re-solve would not make it flat.
        With ``learn="all"``, ``scale`` (momentsos' balancing) defaults to False: the canonical
        form keeps every unknown of order one (pinned coefficients equal 1, weights of the data's
        scale), and the powers of two that balancing picks from the coefficients (up to ``2^8``
        on a two-neuron net) made such relaxations lose flatness.

    Returns
    -------
    NetFitResult

    Raises
    ------
    TypeError, InvalidDataError (a ValueError)
        Malformed ``net`` or ``data``, non-finite data, fewer scalar equations than unknowns.
    ValueError
        An unknown ``loss`` or ``learn`` (a TypeError when ``learn`` is not a string).
    momentsos.RelaxationOrderError, momentsos.InvalidOptionError, momentsos.SolverUnavailableError
        From :func:`momentsos.minimize`.

    Examples
    --------
    >>> import nets
    >>> net = nets.PolyNet.random([6, 6, 6, 6], degrees=[2, 1], seed=0)
    >>> truth = net.random_coefficients(seed=1)
    >>> X, Y = nets.synthetic_data(net, truth, nsamples=20, seed=2)
    >>> fit = nets.solve_global(net, (X, Y))            # doctest: +SKIP
    >>> fit.certified, max(abs(a - b).max() for a, b in zip(fit.coefficients, truth)) < 1e-6   # doctest: +SKIP
    (True, True)
    """
    kind = check_loss(loss)
    net = check_net(net)
    learn = check_learn(learn)
    layout = all_unknowns(net) if learn == "all" else activation_unknowns(net)
    X, Y = check_data(net, data, kind, layout.names)
    if not isinstance(polish, (bool, np.bool_)):
        raise TypeError(f"Invalid `polish={polish!r}`; allowed: True or False")
    radius = _check_radius(radius)
    start = time.perf_counter()
    model = _build_problem(net, X, Y, kind, radius, layout)
    build_time = time.perf_counter() - start
    if sparsity is None:
        several = net.widths[-1] > 1 and kind is Loss.L2
        sparsity = "correlative" if learn == "all" and several else "none"
    defaults = {"low_rank": "attained", "sparsity": sparsity, **({"scale": False} if learn == "all" else {})}
    options = {**defaults, **options}
    gap_tol = float(options.get("gap_tol", DEFAULT_GAP_TOL))
    start = time.perf_counter()
    res, points, estimate, proof = _climb(model, order, solver, options, polish, gap_tol)
    solve_time = time.perf_counter() - start
    found = [layout.parameters(p) for p in points]
    minimizers = tuple(coefs for _, coefs in found)
    if found:
        fitted, coefficients = found[0]
    elif estimate is not None:
        fitted, coefficients = layout.parameters(estimate)
    else:
        fitted, coefficients = net, None
    scale = model.scale
    return NetFitResult(
        net=fitted,
        loss=kind,
        coefficients=coefficients,
        minimizers=minimizers,
        certified=res.success,
        proof=proof,
        radius=radius,
        gap_tol=gap_tol,
        lower_bound=None if res.lower_bound is None else res.lower_bound * scale,
        loss_scale=scale,
        loss_value=None if coefficients is None else loss_value(fitted, coefficients, X, Y, kind),
        result=res,
        build_time=build_time,
        solve_time=solve_time,
        learn=learn,
    )


# --- the order climb ---------------------------------------------------------------------------


def _climb(
    model: LossModel, order: int | None, solver: str | None, options: dict[str, Any], polish: bool, gap_tol: float
) -> tuple[ms.PolyOptResult, list[NDArray[np.float64]], NDArray[np.float64] | None, str | None]:
    """The paper's procedure on momentsos's hierarchy (:class:`momentsos.Hierarchy`): orders
    ``k0, k0 + 1, ...`` until certified, with the options, boundary checks and stopping rules of
    :func:`momentsos.minimize`.

    ``order`` given: that order only. Otherwise the orders run from the problem's minimal order
    ``k0`` to ``options["max_order"]`` (default ``k0 + 2``). After each solve the answer so far is
    read for minimizers, which may prove the minimum by matching an accurate bound.

    Returns ``(result, minimizers, estimate, proof)`` of the order reported (see
    :func:`_minimizers`): the last order solved, unless a lower order proved a global minimizer
    (a matching bound) and the later ones proved none.
    """
    hierarchy, orders = ms.Hierarchy.plan(model.problem, ms.Options.from_kwargs(options), order, solver)
    found = None
    results: list[ms.PolyOptResult] = []
    for step in hierarchy.climb(orders):  # it stops by itself at a certificate, an infeasibility or an error
        results.append(step)
        res = hierarchy.answer(results)
        outcome = (res, *_minimizers(model, res, polish, gap_tol))
        if found is None or found[3] is None or outcome[3] is not None:
            found = outcome  # a proof from a lower order outlives higher orders that give none
    assert found is not None
    return found


def _minimizers(
    model: LossModel, res: ms.PolyOptResult, polish: bool, gap_tol: float
) -> tuple[list[NDArray[np.float64]], NDArray[np.float64] | None, str | None]:
    """The proven global minimizers (best first), the estimate when there are none, and the proof
    (see :attr:`NetFitResult.proof`); all in the unknowns ``c``.

    Certified: every extracted atom, polished. Otherwise one candidate, the best extracted atom (not
    verified by momentsos) or else the first-order moments ``y_{e_k}`` (the mean of the relaxation's
    measure, the minimizer itself when the measure is a Dirac), polished; it is a proven minimizer
    when its loss matches the bound of an accurate solve, and an estimate otherwise, whose loss
    beside the lower bound bounds its suboptimality.
    """
    n = model.outputs.exponents.shape[1]
    # best first: feasible atoms by objective value, as momentsos picks res.x
    points = [a.point[:n] for a in sorted(res.atoms, key=lambda a: (a.violation > 0, a.objective))]
    if res.x is not None:
        points = [res.x[:n]] + [p for p in points if not np.array_equal(p, res.x[:n])]
    if res.success:
        return [model.polish(p) for p in points] if polish else points, None, "flat truncation"
    candidate = points[0] if points else None
    if candidate is None and res.moment_matrix is not None:
        mm = res.moment_matrix
        candidate = mm.values[0, mm.basis.index_of(np.eye(mm.basis.nvars, dtype=np.int64))][:n]
    if candidate is None:
        return [], None, None
    if polish:
        candidate = model.polish(candidate)
    if res.status is ms.Status.BOUND_ONLY and model.feasible(candidate):
        # the bound of an accurate solve, attained at a feasible point: that point is a global minimizer
        assert res.lower_bound is not None
        if model.loss(candidate) / model.scale - res.lower_bound <= gap_tol * max(1.0, abs(res.lower_bound)):
            return [candidate], None, "matching bound"
    return [], candidate, None
