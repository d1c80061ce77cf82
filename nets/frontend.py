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

References
----------
[ZNT26] H. Zhang, J. Nie, X. Tang, "Learning Polynomial Activation Functions for Deep Neural
Networks", PMLR 321:90-99, 2026.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike, NDArray

import momentsos as ms
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


def loss_problem(net: PolyNet, data: tuple[ArrayLike, ArrayLike], loss: Literal["linf-mean", "l2"] | Loss = "linf-mean") -> ms.PolyProblem:
    """The training loss of ``net`` on ``data`` as a :class:`momentsos.PolyProblem`.

    Parameters
    ----------
    net : PolyNet
    data : (X, Y)
        ``X`` of shape ``(N, m_0)``, ``Y`` of shape ``(N, m_{D+1})``.
    loss : {"linf-mean", "l2"}
        See the module notes.

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
    return _build_problem(net, X, Y, kind).problem


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
        return best if self.loss(best) < self.loss(start) else start

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
        found = minimize(
            lambda w: w[-1], start, jac=lambda w: unit, method="SLSQP",
            constraints=[{"type": "ineq", "fun": constraints, "jac": jacobian}],
            options={"ftol": 1e-15, "maxiter": 200},
        )
        return np.asarray(found.x[:n]) if np.all(np.isfinite(found.x)) else z


def _build_problem(net: PolyNet, X: NDArray[np.float64], Y: NDArray[np.float64], kind: Loss) -> _LossModel:
    """The POP of ``loss / scale`` (see :func:`_loss_scale`), with its residual polynomials."""
    n = net.num_unknowns
    names = list(net.unknown_names)
    scale = _loss_scale(Y, kind)
    if kind is Loss.LINF_MEAN:
        mean_out = expand_outputs(net, X, average=True, nvars=n + 1)  # shape (m_out,), theta = column n
        target = Y.mean(axis=0)
        exps = np.vstack([mean_out.exponents, _monomial(n + 1)])
        theta = ms.Polynomial(_monomial(n + 1, n), np.ones(1))
        inequalities = []
        for j in range(net.widths[-1]):
            residual = ms.Polynomial(exps, np.append(mean_out.coefficients[j], -target[j]) / scale)
            inequalities += [theta + residual, theta - residual]
        problem = ms.PolyProblem.from_polynomials(theta, inequalities, variables=sp.symbols(names + ["theta"]))
        outputs = PolyArray(mean_out.exponents[:, :n], mean_out.coefficients)  # theta never occurs here
        return _LossModel(problem, scale, outputs, target, kind)
    outputs = expand_outputs(net, X)  # shape (N, m_out)
    R = np.concatenate([outputs.coefficients, -Y[..., None]], axis=-1).reshape(-1, outputs.exponents.shape[0] + 1)
    exps = np.vstack([outputs.exponents, _monomial(n)])
    # sum_i ||r_i||^2 = sum_{s,t} G[s,t] z^(a_s + a_t) with the Gram matrix G = R^T R over all (i, output)
    gram = (R.T @ R) / (X.shape[0] * scale)
    pair_exps = (exps[:, None, :] + exps[None, :, :]).reshape(-1, n)
    objective = ms.Polynomial(pair_exps, gram.reshape(-1))
    problem = ms.PolyProblem.from_polynomials(objective, variables=sp.symbols(names))
    return _LossModel(problem, scale, outputs, Y, kind)


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
        The relaxation certified global optimality (flat truncation, verified minimizers).
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
        # momentsos reports this case only in its message; see the note in solve_global
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
        head = "global minimum certified" if self.certified else f"NOT certified ({res.status.name})"
        lines = [
            f"NetFitResult: {head}",
            f"  {res.message}",
            f"  net:         {self.net!r}",
            f"  loss:        {self.loss.value}; lower bound {num(self.lower_bound)}, value at the "
            f"{'minimizer' if self.minimizers else 'estimate'} {num(self.loss_value)}",
            f"  relaxation:  order {res.order}, solver {res.solver.name}, ranks "
            f"{None if res.flatness is None else list(res.flatness.ranks)}",
        ]
        if self.coefficients is None:
            lines.append("  activations: none extracted")
        elif not self.minimizers:
            lines.append(
                f"  estimate:    from the first-order moments, polished (not certified; its loss is at most "
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
    **options
        Passed to :func:`momentsos.minimize` (``max_order``, ``feas_tol``, ``gap_tol``, ...).

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
    start = time.perf_counter()
    model = _build_problem(net, X, Y, kind)
    build_time = time.perf_counter() - start
    start = time.perf_counter()
    res = ms.minimize(model.problem, order=order, solver=solver, **options)
    solve_time = time.perf_counter() - start
    n = net.num_unknowns
    # best first: feasible atoms by objective value, as momentsos picks res.x
    points = [a.point[:n] for a in sorted(res.atoms, key=lambda a: (a.violation > 0, a.objective))]
    if res.x is not None:
        points = [res.x[:n]] + [p for p in points if not np.array_equal(p, res.x[:n])]
    estimate = None
    if not points and res.moment_matrix is not None:
        # Not flat: the first-order moments y_{e_k} are the mean of the relaxation's measure, the
        # minimizer itself when the measure is a Dirac; a local polish from there gives a feasible
        # estimate whose loss, beside the lower bound, bounds its suboptimality.
        mm = res.moment_matrix
        first = mm.values[0, mm.basis.index_of(np.eye(mm.basis.nvars, dtype=np.int64))]
        estimate = first[:n]
    if polish:
        points = [model.polish(p) for p in points]
        estimate = None if estimate is None else model.polish(estimate)
    minimizers = tuple(net.coefficients_from_vector(p) for p in points)
    coefficients = minimizers[0] if minimizers else (None if estimate is None else net.coefficients_from_vector(estimate))
    scale = model.scale
    return NetFitResult(
        net=net,
        loss=kind,
        coefficients=coefficients,
        minimizers=minimizers,
        certified=res.success,
        lower_bound=None if res.lower_bound is None else res.lower_bound * scale,
        loss_scale=scale,
        loss_value=None if coefficients is None else _loss_value(net, coefficients, X, Y, kind),
        result=res,
        build_time=build_time,
        solve_time=solve_time,
    )
