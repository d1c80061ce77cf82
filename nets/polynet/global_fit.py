"""Global training of a :class:`~nets.polynet.PolyNet`: its loss as a POP, solved by the Moment-SOS hierarchy.

This is the only module of :mod:`nets` that imports :mod:`momentsos`. The pipeline is

1. :func:`loss_problem`: the loss in the unknown activation coefficients ``c``, expanded numerically
   (:mod:`nets.expansion`, vectorised over samples and neurons) into a :class:`momentsos.PolyProblem`;
2. :func:`momentsos.minimize` on that problem (order, solver and options passed through);
3. :class:`NetFitResult`: the minimizer(s) mapped back to per-layer coefficient arrays.

Losses, for data ``(x_i, y_i)``, ``i = 1..N``:

``"linf-mean"`` (the paper's [ZNT26, §3]): the infinity norm of the averaged residual
``r(c) = (1/N) sum_i f(x_i; c) - (1/N) sum_i y_i`` in epigraph form,

.. math::

    \\min_{c, \\theta} \\theta \\quad \\text{s.t.}\\quad \\theta + r_j(c) \\ge 0,\\;
    \\theta - r_j(c) \\ge 0,\\; j = 1..m_{D+1};

the unknowns are ``(c, theta)``, and the minimum is ``min_c ||r(c)||_inf``. Only the averages enter,
so at most ``m_{D+1}`` scalar equations pin ``c`` down.

``"l2"``: the mean squared residual norm over every sample, unconstrained,

.. math::

    \\min_c \\frac1N \\sum_{i=1}^N \\lVert f(x_i; c) - y_i \\rVert_2^2,

of degree ``2 e_D`` in ``c``; it uses ``N m_{D+1}`` scalar equations.

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

With both, the quadratic module is archimedean and the relaxations of noisy paper-size instances
converge in about 35 interior-point iterations instead of stalling at the iteration limit. Without
``radius`` the problem is exactly the paper's.

References
----------
[ZNT26] H. Zhang, J. Nie, X. Tang, "Learning Polynomial Activation Functions for Deep Neural
Networks", PMLR 321:90-99, 2026.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike, NDArray

import momentsos as ms
from momentsos.certify import DEFAULT_GAP_TOL
from momentsos.solve import DEFAULT_MAX_ORDER_STEPS
from nets.expansion import PolyArray, expand_outputs
from nets.polynet import InvalidDataError, PolyNet

__all__ = ["Loss", "NetFitResult", "loss_problem", "solve_global", "format_polynomial"]


class Loss(enum.Enum):
    """Training losses of :func:`solve_global` (see the module notes for the formulas)."""

    LINF_MEAN = "linf-mean"
    L2 = "l2"


def _check_loss(loss: Any) -> Loss:
    if isinstance(loss, Loss):
        return loss
    try:
        return Loss(loss)
    except ValueError:
        raise ValueError(
            f"Invalid `loss={loss!r}`; allowed: {', '.join(repr(m.value) for m in Loss)}"
        ) from None


def _check_net(net: Any) -> PolyNet:
    if not isinstance(net, PolyNet):
        raise TypeError(f"`net` must be a nets.PolyNet; got {type(net).__name__}")
    return net


def _check_data(net: PolyNet, data: Any, loss: Loss) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Validate ``data = (X, Y)`` against ``net`` and ``loss``: shapes, finiteness, enough equations."""
    if isinstance(data, np.ndarray) or not isinstance(data, Sequence) or len(data) != 2:
        raise TypeError(
            f"`data` must be a pair (X, Y) with X of shape (N, {net.widths[0]}) and Y of shape "
            f"(N, {net.widths[-1]}); got {type(data).__name__}"
            + (f" of length {len(data)}" if isinstance(data, Sequence) else "")
        )
    X = net.check_inputs(data[0], "X")
    try:
        if np.iscomplexobj(data[1]):
            raise TypeError("complex")
        Y = np.array(data[1], dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"`Y` must be a real array of shape (N, {net.widths[-1]}); got {type(data[1]).__name__}"
            + (f" of dtype {data[1].dtype}" if isinstance(data[1], np.ndarray) else "")
        ) from None
    if Y.ndim == 1 and net.widths[-1] == 1:
        Y = Y[:, None]
    if Y.shape != (X.shape[0], net.widths[-1]):
        raise InvalidDataError(
            f"`Y` must have shape (N, m_(D+1)) = ({X.shape[0]}, {net.widths[-1]}) to match X with N = {X.shape[0]} "
            f"rows and the net's output width; got shape {Y.shape}"
        )
    bad = ~np.isfinite(Y)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise InvalidDataError(f"`Y` has a non-finite entry Y[{i}, {j}] = {Y[i, j]}; only finite values are allowed")
    n = net.num_unknowns
    equations = net.widths[-1] if loss is Loss.LINF_MEAN else X.shape[0] * net.widths[-1]
    if equations < n:
        what = (
            f"the averaged residual of loss='linf-mean' gives m_(D+1) = {equations} equations"
            if loss is Loss.LINF_MEAN
            else f"loss='l2' gives N * m_(D+1) = {X.shape[0]} * {net.widths[-1]} = {equations} equations"
        )
        hint = "use loss='l2' or a net with more outputs" if loss is Loss.LINF_MEAN else "add samples"
        raise InvalidDataError(
            f"Too few data for identifiability: {what} for {n} unknowns ({', '.join(net.unknown_names)}), so the "
            f"minimizers form a continuum and none can be certified; allowed: at least {n} equations ({hint})"
        )
    return X, Y


def _monomial(nvars: int, var: int | None = None) -> NDArray[np.int64]:
    row = np.zeros((1, nvars), dtype=np.int64)
    if var is not None:
        row[0, var] = 1
    return row


def loss_problem(
    net: PolyNet,
    data: tuple[ArrayLike, ArrayLike],
    loss: Literal["linf-mean", "l2"] | Loss = "linf-mean",
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
    net = _check_net(net)
    kind = _check_loss(loss)
    X, Y = _check_data(net, data, kind)
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


@dataclass(frozen=True, eq=False)
class _LossModel:
    """The POP of ``loss / scale`` with what polishing needs: residual polynomials minus targets."""

    problem: ms.PolyProblem
    scale: float
    outputs: PolyArray  # in the n unknowns; (m_out,) averaged for linf-mean, (N, m_out) for l2
    targets: NDArray[np.float64]  # same shape as outputs
    kind: Loss
    radius: float | None = None  # ||c||_2 <= radius when given

    def in_ball(self, z: NDArray[np.float64]) -> bool:
        return self.radius is None or float(np.linalg.norm(z)) <= self.radius * (1 + 1e-12)

    def residual(self, z: NDArray[np.float64]) -> NDArray[np.float64]:
        return (self.outputs.evaluate(z) - self.targets).reshape(-1)

    def loss(self, z: NDArray[np.float64]) -> float:
        r = self.outputs.evaluate(z) - self.targets
        return float(np.abs(r).max()) if self.kind is Loss.LINF_MEAN else float((r**2).sum(axis=-1).mean())

    def polish(self, z: NDArray[np.float64]) -> NDArray[np.float64]:
        """A local refinement of ``z`` that never raises the loss.

        ``"l2"``: Gauss-Newton ``J dz = -r`` on the residual vector with backtracking. A relaxation's
        minimizer of a squared loss is accurate to about the square root of the solver tolerance
        (the loss is quadratic around it); Gauss-Newton converges quadratically for zero residual.
        ``"linf-mean"``: SLSQP on the epigraph form ``min theta s.t. -theta <= r_j(c) <= theta`` with
        analytic Jacobians (the minimax optimum is not a least-squares point, so Gauss-Newton would
        leave it). The result is kept only where its loss is lower.
        """
        start = z.copy()
        if self.kind is Loss.LINF_MEAN:
            best = self._polish_minimax(start)
        else:
            best = self._polish_gauss_newton(start)
        better = self.loss(best) < self.loss(start) and (self.in_ball(best) or not self.in_ball(start))
        return best if better else start

    def _polish_gauss_newton(self, z: NDArray[np.float64], max_iter: int = 30) -> NDArray[np.float64]:
        best, value = z, self.loss(z)
        for _ in range(max_iter):
            jac = self.outputs.jacobian(best).reshape(-1, z.shape[0])
            step = np.linalg.lstsq(jac, -self.residual(best), rcond=None)[0]
            for _ in range(8):  # backtracking: halve until the loss decreases
                trial = best + step
                trial_value = self.loss(trial)
                if trial_value < value:
                    break
                step = step / 2
            else:
                return best
            converged = np.abs(trial - best).max() <= 1e-15 * max(1.0, np.abs(best).max())
            best, value = trial, trial_value
            if converged or value == 0.0:
                break
        return best

    def _polish_minimax(self, z: NDArray[np.float64]) -> NDArray[np.float64]:
        from scipy.optimize import minimize  # noqa: PLC0415 - only needed here

        n = z.shape[0]
        unit = np.zeros(n + 1)
        unit[-1] = 1.0

        def constraints(w: NDArray[np.float64]) -> NDArray[np.float64]:
            r = self.residual(w[:n])
            return np.concatenate([w[-1] - r, w[-1] + r])

        def jacobian(w: NDArray[np.float64]) -> NDArray[np.float64]:
            jac = self.outputs.jacobian(w[:n]).reshape(-1, n)
            ones = np.ones((jac.shape[0], 1))
            return np.vstack([np.hstack([-jac, ones]), np.hstack([jac, ones])])

        start = np.append(z, self.loss(z))
        cons = [{"type": "ineq", "fun": constraints, "jac": jacobian}]
        if self.radius is not None:
            radius = self.radius
            cons.append({
                "type": "ineq",
                "fun": lambda w: np.array([radius**2 - w[:n] @ w[:n]]),
                "jac": lambda w: np.append(-2 * w[:n], 0.0)[None, :],
            })
        found = minimize(
            lambda w: w[-1], start, jac=lambda w: unit, method="SLSQP", constraints=cons,
            options={"ftol": 1e-15, "maxiter": 200},
        )
        return np.asarray(found.x[:n]) if np.all(np.isfinite(found.x)) else z


def _ball(nvars: int, squared: NDArray[np.int64], bound: float) -> ms.Polynomial:
    """``bound - sum_{i in squared} z_i^2`` in ``nvars`` variables."""
    exps = np.zeros((1 + len(squared), nvars), dtype=np.int64)
    exps[np.arange(1, 1 + len(squared)), squared] = 2
    return ms.Polynomial(exps, np.concatenate([[bound], -np.ones(len(squared))]))


def _build_problem(
    net: PolyNet, X: NDArray[np.float64], Y: NDArray[np.float64], kind: Loss, radius: float | None = None
) -> _LossModel:
    """The POP of ``loss / scale`` (see :func:`_loss_scale`), with its residual polynomials and the
    bounding constraints of the module notes."""
    n = net.num_unknowns
    names = list(net.unknown_names)
    scale = _loss_scale(Y, kind)
    unknowns = np.arange(n)
    if kind is Loss.LINF_MEAN:
        mean_out = expand_outputs(net, X, average=True, nvars=n + 1)  # shape (m_out,), theta = column n
        target = Y.mean(axis=0)
        exps = np.vstack([mean_out.exponents, _monomial(n + 1)])
        theta = ms.Polynomial(_monomial(n + 1, n), np.ones(1))
        inequalities = []
        for j in range(net.widths[-1]):
            residual = ms.Polynomial(exps, np.append(mean_out.coefficients[j], -target[j]) / scale)
            inequalities += [theta + residual, theta - residual]
        outputs = PolyArray(mean_out.exponents[:, :n], mean_out.coefficients)  # theta never occurs here
        model = _LossModel(None, scale, outputs, target, kind, radius)  # type: ignore[arg-type]
        if radius is not None:
            theta_ub = max(1.0, model.loss(np.zeros(n)) / scale)  # any point's loss bounds the minimum
            inequalities += [_ball(n + 1, unknowns, radius**2), _ball(n + 1, np.array([n]), theta_ub**2)]
        problem = ms.PolyProblem.from_polynomials(theta, inequalities, variables=sp.symbols(names + ["theta"]))
        return dataclasses.replace(model, problem=problem)
    outputs = expand_outputs(net, X)  # shape (N, m_out)
    R = np.concatenate([outputs.coefficients, -Y[..., None]], axis=-1).reshape(-1, outputs.exponents.shape[0] + 1)
    exps = np.vstack([outputs.exponents, _monomial(n)])
    # sum_i ||r_i||^2 = sum_{s,t} G[s,t] z^(a_s + a_t) with the Gram matrix G = R^T R over all (i, output)
    gram = (R.T @ R) / (X.shape[0] * scale)
    pair_exps = (exps[:, None, :] + exps[None, :, :]).reshape(-1, n)
    objective = ms.Polynomial(pair_exps, gram.reshape(-1))
    ball = [] if radius is None else [_ball(n, unknowns, radius**2)]
    problem = ms.PolyProblem.from_polynomials(objective, ball, variables=sp.symbols(names))
    return _LossModel(problem, scale, outputs, Y, kind, radius)


def _loss_value(net: PolyNet, coefficients: list[NDArray[np.float64]], X: NDArray[np.float64], Y: NDArray[np.float64], kind: Loss) -> float:
    residual = net.forward(X, coefficients) - Y
    if kind is Loss.LINF_MEAN:
        return float(np.abs(residual.mean(axis=0)).max())
    return float((residual**2).sum(axis=1).mean())


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


@dataclass(frozen=True, eq=False)
class NetFitResult:
    """What :func:`solve_global` found: activation coefficients, their certificate and the POP result.

    Attributes
    ----------
    net : PolyNet
        The network (weights fixed); :meth:`predict` evaluates it with :attr:`coefficients`.
    loss : Loss
    coefficients : list of ndarray or None
        One array per hidden layer in ascending powers ``[c_{l,0}, ..., c_{l,d_l}]``, normalised
        constants included, from the best extracted minimizer. When the relaxation is not flat and
        nothing was extracted: an estimate, the first-order moments polished locally (not
        certified; :attr:`suboptimality` bounds how far its loss is from the global minimum).
        ``None`` when the solve gave no moments.
    minimizers : tuple of list of ndarray
        Every extracted global minimizer in the same layout. More than one means the data do not
        identify the activations (each one fits equally well); ``coefficients`` is then only the
        first by objective value.
    certified : bool
        The relaxation certified global optimality in the paper's sense: flat truncation, every
        extracted minimizer verified. With :attr:`radius` set, global over the ball ``||c||_2 <= radius``.
    proof : {"flat truncation", "matching bound"} or None
        Why :attr:`coefficients` are a global minimizer, if they are proven to be one: by the
        certificate above, or because their loss equals the lower bound of an accurate solve to
        ``gap_tol`` (``"matching bound"``: the bound is attained, so the point is a global minimizer,
        but without flatness the other minimizers are not enumerated and :attr:`certified` stays
        False). :attr:`global_minimum` is ``proof is not None``.
    lower_bound : float or None
        The relaxation value: a lower bound on the global minimum of the loss (exact when certified).
    loss_value : float or None
        The loss at :attr:`coefficients`, recomputed by a forward pass on the training data.
    result : momentsos.PolyOptResult
        The underlying POP result (status, ranks, atoms in the unknowns ``(c, theta)``, solver stats).
        Its objective is the loss divided by :attr:`loss_scale`.
    loss_scale : float
        The unit of ``result``'s objective: ``lower_bound = result.lower_bound * loss_scale``.
    build_time, solve_time : float
        Seconds to build the POP and to run :func:`momentsos.minimize`.
    radius : float or None
        The ball ``||c||_2 <= radius`` the unknowns were restricted to, if any.
    gap_tol : float
        The certificate's relative gap tolerance (in the POP's units); see :attr:`resolution`.
    """

    net: PolyNet
    loss: Loss
    coefficients: list[NDArray[np.float64]] | None
    minimizers: tuple[list[NDArray[np.float64]], ...]
    certified: bool
    lower_bound: float | None
    loss_value: float | None
    result: ms.PolyOptResult = field(repr=False)
    loss_scale: float = 1.0
    build_time: float = 0.0
    solve_time: float = 0.0
    proof: str | None = None
    radius: float | None = None
    gap_tol: float = DEFAULT_GAP_TOL

    @property
    def resolution(self) -> float | None:
        """How far above the global minimum, in loss units, a certified loss may be:
        ``gap_tol * max(1, |bound|)`` in the POP's units times :attr:`loss_scale`. The POP is the loss
        divided by the data's scale, so for targets of size 1e4 this is far above a noise-level loss:
        read a certificate as "global to within this", and compare it with :attr:`loss_value`."""
        if self.lower_bound is None:
            return None
        return self.gap_tol * max(1.0, abs(self.lower_bound) / self.loss_scale) * self.loss_scale

    @property
    def global_minimum(self) -> bool:
        """Whether :attr:`coefficients` are proven to be a global minimizer (see :attr:`proof`)."""
        return self.proof is not None

    @property
    def status(self) -> ms.Status:
        return self.result.status

    @property
    def order(self) -> int:
        """The relaxation order of the final result."""
        return self.result.order

    @property
    def complete(self) -> bool:
        """Whether :attr:`minimizers` are all the global minimizers the relaxation saw.

        False when momentsos certified after re-solving for a minimum-trace point of the optimal face
        (its interior-point centre was not flat): that point is one minimizer, and others may exist.
        """
        return self.certified and self.result.minimizers_complete

    @property
    def identifiable(self) -> bool | None:
        """True for exactly one certified minimizer, known to be the only one; False for several;
        None when not certified or when others may exist (see :attr:`complete`)."""
        if not self.certified:
            return None
        if len(self.minimizers) > 1:
            return False
        return True if self.complete else None

    @property
    def suboptimality(self) -> float | None:
        """``loss_value - lower_bound``: how much lower the loss could be anywhere (when the bound is valid)."""
        if self.loss_value is None or self.lower_bound is None:
            return None
        return self.loss_value - self.lower_bound

    def predict(self, X: ArrayLike) -> NDArray[np.float64]:
        """The fitted network's outputs ``f(x; c*)``: shape ``(N, m_{D+1})``."""
        if self.coefficients is None:
            raise ValueError(
                f"NetFitResult.predict: no coefficients were extracted (status {self.status.name}: "
                f"{self.result.message}); allowed only when a minimizer was found"
            )
        return self.net.forward(X, self.coefficients)

    def summary(self, precision: int = 6) -> str:
        """Activations as readable polynomials, the certificate and the times."""

        def num(v: float | None) -> str:
            return "None" if v is None else f"{v:.6g}"

        res = self.result
        if self.certified:
            head = "global minimum certified (flat truncation)"
        elif self.proof == "matching bound":
            head = f"global minimizer by a matching bound; NOT certified by flatness ({res.status.name})"
        else:
            head = f"NOT certified ({res.status.name})"
        if self.radius is not None:
            head += f" over the ball ||c||_2 <= {self.radius:g}"
        message = res.message
        if self.proof == "matching bound":
            message = ("The loss at the polished candidate (best atom, or the first-order moments) equals the lower "
                       f"bound: a global minimizer (other minimizers are not enumerated). [{res.message}]")
        lines = [
            f"NetFitResult: {head}",
            f"  {message}",
            f"  net:         {self.net!r}",
            f"  loss:        {self.loss.value}; lower bound {num(self.lower_bound)}, value at the "
            f"{'minimizer' if self.minimizers else 'estimate'} {num(self.loss_value)}",
            f"  relaxation:  order {res.order}, solver {res.solver.name}, ranks "
            f"{None if res.flatness is None else list(res.flatness.ranks)}",
        ]
        if self.global_minimum and self.resolution is not None:
            coarse = self.loss_value is not None and self.resolution > max(self.loss_value, 1e-300)
            lines.append(
                f"  resolution:  global to within {self.resolution:.3g} in loss units"
                + (" (larger than the loss itself: the data's scale limits what the certificate says)" if coarse else "")
            )
        if self.coefficients is None:
            lines.append("  activations: none extracted")
        elif self.proof == "matching bound":
            for l, c in enumerate(self.coefficients, start=1):
                lines.append(f"  {'activations:' if l == 1 else '':<12} p_{l}(t) = {format_polynomial(c, precision=precision)}")
        elif not self.minimizers:
            lines.append(
                f"  estimate:    the best extracted atom or else the first-order moments, polished (not certified; "
                f"its loss is at most "
                f"{num(self.suboptimality)} above the global minimum)"
            )
            for l, c in enumerate(self.coefficients, start=1):
                lines.append(f"  {'activations:' if l == 1 else '':<12} p_{l}(t) = {format_polynomial(c, precision=precision)}")
        else:
            if len(self.minimizers) > 1:
                lines.append(
                    f"  minimizers:  {len(self.minimizers)} global minimizers fit the data equally well; the data do "
                    "not identify the activations (all listed)"
                )
            elif self.certified and not self.complete:
                lines.append(
                    "  minimizers:  this one is certified global, but it came from a minimum-trace point of the "
                    "optimal face: other global minimizers may exist, so the data may not identify the activations"
                )
            for k, coefs in enumerate(self.minimizers or (self.coefficients,)):
                if len(self.minimizers) > 1:
                    lines.append(f"  minimizer {k}:")
                for l, c in enumerate(coefs, start=1):
                    label = "activations:" if (l == 1 and k == 0 and len(self.minimizers) <= 1) else ""
                    lines.append(f"  {label:<12} p_{l}(t) = {format_polynomial(c, precision=precision)}")
        lines.append(f"  times:       build {self.build_time:.3f} s, solve {self.solve_time:.3f} s")
        return "\n".join(lines)

    __repr__ = summary
    __str__ = summary


def solve_global(
    net: PolyNet,
    data: tuple[ArrayLike, ArrayLike],
    order: int | None = None,
    loss: Literal["linf-mean", "l2"] = "linf-mean",
    solver: str | None = None,
    polish: bool = True,
    radius: float | None = None,
    **options: Any,
) -> NetFitResult:
    """Learn the activation coefficients of ``net`` globally, with a certificate, by Moment-SOS.

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
        The paper's loss or least squares over all samples (see :mod:`nets.frontend`).
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
    **options
        Passed to :func:`momentsos.minimize` (``max_order``, ``feas_tol``, ``gap_tol``, ...).
        ``low_rank`` defaults to ``"attained"`` here: the minimum-trace re-solve (which doubles the
        time) runs only when the first-order moments already attain the bound; on noisy data the
        relaxation is seldom tight at the paper's order and the re-solve would not make it flat.

    Returns
    -------
    NetFitResult

    Raises
    ------
    TypeError, InvalidDataError (a ValueError)
        Malformed ``net`` or ``data``, non-finite data, fewer scalar equations than unknowns.
    ValueError
        An unknown ``loss``.
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
    kind = _check_loss(loss)
    net = _check_net(net)
    X, Y = _check_data(net, data, kind)
    if not isinstance(polish, (bool, np.bool_)):
        raise TypeError(f"Invalid `polish={polish!r}`; allowed: True or False")
    radius = _check_radius(radius)
    start = time.perf_counter()
    model = _build_problem(net, X, Y, kind, radius)
    build_time = time.perf_counter() - start
    options = {"low_rank": "attained", **options}
    gap_tol = float(options.get("gap_tol", DEFAULT_GAP_TOL))
    if order is not None:
        orders = [order]  # momentsos validates it
    else:
        k0 = model.problem.min_order
        top = options.pop("max_order", None)
        if top is None:
            top = k0 + DEFAULT_MAX_ORDER_STEPS
        elif isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < k0:
            raise ms.RelaxationOrderError(
                f"Invalid `max_order`: expected an integer >= {k0} (the minimal order of this loss); got {top!r}"
            )
        orders = list(range(k0, int(top) + 1))
    start = time.perf_counter()
    found = None  # (res, points, estimate, proof) of the order reported
    for k in orders:  # the paper's procedure: k0, k0 + 1, ... until certified by flat truncation
        res = ms.minimize(model.problem, order=k, solver=solver, **options)
        outcome = (res, *_minimizers(model, res, polish, gap_tol))
        if found is None or found[3] is None or outcome[3] is not None:
            found = outcome  # a proof from a lower order outlives higher orders that give none
        if res.success or res.status in (ms.Status.INFEASIBLE, ms.Status.SOLVER_ERROR):
            break
    assert found is not None
    res, points, estimate, proof = found
    solve_time = time.perf_counter() - start
    minimizers = tuple(net.coefficients_from_vector(p) for p in points)
    coefficients = minimizers[0] if minimizers else (None if estimate is None else net.coefficients_from_vector(estimate))
    scale = model.scale
    return NetFitResult(
        net=net,
        loss=kind,
        coefficients=coefficients,
        minimizers=minimizers,
        certified=res.success,
        proof=proof,
        radius=radius,
        gap_tol=gap_tol,
        lower_bound=None if res.lower_bound is None else res.lower_bound * scale,
        loss_scale=scale,
        loss_value=None if coefficients is None else _loss_value(net, coefficients, X, Y, kind),
        result=res,
        build_time=build_time,
        solve_time=solve_time,
    )


def _minimizers(
    model: _LossModel, res: ms.PolyOptResult, polish: bool, gap_tol: float
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
    if res.status is ms.Status.BOUND_ONLY and model.in_ball(candidate):
        # the bound of an accurate solve, attained at a feasible point: that point is a global minimizer
        assert res.lower_bound is not None
        if model.loss(candidate) / model.scale - res.lower_bound <= gap_tol * max(1.0, abs(res.lower_bound)):
            return [candidate], None, "matching bound"
    return [], candidate, None
