"""The Moment-SOS hierarchy: the one order climb and solver chain.

For ``k = k0, k0 + 1, ...`` the strategy (:mod:`momentsos.relax.strategies`) yields the relaxations
of order ``k``; each is solved by the solvers of the chain in turn (:mod:`momentsos.sdp`), falling
back on an inaccurate solve or a solver error, and certified (:mod:`momentsos.certify`).
:meth:`Hierarchy.climb` yields each relaxation's answer as it comes and stops on a certificate, an
infeasibility, a solver error or, with ``certify=False``, a solve that falls short of an accurate
one; :meth:`Hierarchy.answer` turns the answers so far into the result in the user's units. Callers
that certify by other means between orders (:func:`nets.solve_global`) drive the same climb.
"""

from __future__ import annotations

import dataclasses
import math
import time
import warnings
from typing import Any, Iterator, Sequence

import numpy as np

from .certify.extraction import Extraction
from .certify.rounding import ProofFailure, prove
from .certify.verified import (
    Box,
    VerifiedBound,
    derive_box,
    intersect,
    make_box,
    verify_certificate,
)
from .errors import InaccurateSolutionWarning, InvalidOptionError, RelaxationOrderError
from .options import DEFAULT_MAX_ORDER_STEPS, Options
from .outcome import is_newton, solve_relaxation
from .problem import PolyProblem
from .progress import ClimbProgress
from .reductions import Balancing
from .relax.dense import MomentRelaxation
from .relax.strategies import Dense, Strategy, strategy_for
from .result import OrderRecord, PolyOptResult, SolverStats, Status, status_message
from .sdp import (
    SOLVERS,
    SolverSpec,
    check_solver_options,
    default_solver_chain,
    resolve_solver,
)

__all__ = ["Hierarchy", "solve_relaxation", "order_range", "MAX_MOMENTS", "FALLBACK_FACTOR", "FALLBACK_MIN_SECONDS"]

FALLBACK_FACTOR = 3.0
FALLBACK_MIN_SECONDS = 10.0
"""Without a ``time_limit``, each fallback of the default chain (after an inaccurate solve or a
solver error) gets ``max(FALLBACK_MIN_SECONDS, FALLBACK_FACTOR * t1)`` seconds, ``t1`` the first
attempt's wall time, where the solver takes a time limit."""

MAX_MOMENTS = 10**7
"""Larger relaxations are refused as input errors: their monomial bases alone take gigabytes."""

_FINAL = (Status.CERTIFIED, Status.INFEASIBLE, Status.SOLVER_ERROR)
"""Statuses that end the climb."""


def _check_order(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise RelaxationOrderError(f"Invalid option `{name}={value!r}`: expected an integer >= {minimum}")
    if value < minimum:
        raise RelaxationOrderError(
            f"Invalid option `{name}={value}`: below the minimal order {minimum} "
            f"(max over objective and constraints of ceil(degree / 2)); allowed: {name} >= {minimum}"
        )
    return int(value)


def _check_size(problem: PolyProblem, order: int, name: str, strategy: Strategy | None = None) -> None:
    """Refuse relaxations far beyond any SDP solver before their monomial bases are allocated; the
    size judged is that of the relaxations ``strategy`` builds (the dense one by default)."""
    n = problem.nvars
    moments = (strategy or Dense()).size_bound(problem, order)
    if moments > MAX_MOMENTS:
        raise RelaxationOrderError(
            f"Invalid option `{name}={order}`: the relaxation of a problem in {n} variables would have "
            f"{moments:.3g} moments (at order {order}, C({n} + {2 * order}, {n}) = {math.comb(n + 2 * order, n):.3g} "
            f"dense); allowed: at most {MAX_MOMENTS:.0e} moments (a sparsity= option may build a smaller one)"
        )


def order_range(problem: PolyProblem, order: Any = None, max_order: Any = None,
                strategy: Strategy | None = None) -> list[int]:
    """The orders to climb: ``[order]``, else ``k0 .. max_order`` (default ``k0 + DEFAULT_MAX_ORDER_STEPS``).

    Raises :class:`~momentsos.errors.RelaxationOrderError` for an order below ``k0``, a
    non-integer, or a relaxation over :data:`MAX_MOMENTS` moments, and
    :class:`~momentsos.errors.InvalidOptionError` for ``order`` and ``max_order`` together.
    """
    k0 = problem.min_order
    if order is not None:
        if max_order is not None:
            raise InvalidOptionError(
                f"Invalid options `order={order!r}` and `max_order={max_order!r}` together: max_order "
                "bounds the climb of order=None; pass one of them"
            )
        orders = [_check_order("order", order, k0)]
    else:
        top = k0 + DEFAULT_MAX_ORDER_STEPS if max_order is None else _check_order("max_order", max_order, k0)
        orders = list(range(k0, top + 1))
    _check_size(problem, orders[-1], "order" if order is not None else "max_order", strategy)
    return orders


class Hierarchy:
    """The climb of one problem: its reduction, relaxation strategy, solver chain and options.

    Parameters
    ----------
    problem : PolyProblem
        In the user's units; the balancing of ``options.scale`` is applied here and inverted by
        :meth:`answer`.
    options : Options
    solver : SolverSpec, optional
        One solver; ``None`` tries the default chain of each relaxation.
    box : Box, optional
        The user's box, intersected with the box derived from the constraints for the verified bound.
    """

    def __init__(self, problem: PolyProblem, options: Options | None = None, solver: SolverSpec | None = None,
                 box: Box | None = None) -> None:
        self.options = options if options is not None else Options()
        self.solver = solver
        self.box = box
        self.reduction = Balancing(problem, self.options.scale)
        self.strategy = strategy_for(self.options.sparsity, self.options.chordal_extension, self.options.term_steps)
        self._deadline: float | None = None

    @classmethod
    def plan(cls, problem: PolyProblem, options: Options, order: Any = None,
             solver: str | None = None) -> tuple[Hierarchy, list[int]]:
        """The hierarchy of ``problem`` and the orders to climb, after the checks at the boundary in
        the order a user meets them: the box, the solver's name, the orders, the solver options."""
        try:
            box = None if options.box is None else make_box(options.box, problem.nvars)
        except ValueError as exc:
            raise InvalidOptionError(str(exc)) from None
        spec = resolve_solver(solver) if solver is not None else None
        strategy = strategy_for(options.sparsity, options.chordal_extension, options.term_steps)
        orders = order_range(problem, order, options.max_order, strategy)
        if options.solver_options:
            # with the default chain the options go to the built-in IPM first, which takes only its own
            check_solver_options(spec or SOLVERS["IPM"], options.solver_options)
        return cls(problem, options, spec, box), orders

    def climb(self, orders: Sequence[int]) -> Iterator[PolyOptResult]:
        """Each solved relaxation's answer, in the balanced problem's units, until the climb ends."""
        opts = self.options
        self._deadline = None if opts.time_limit is None else time.perf_counter() + float(opts.time_limit)
        results: list[PolyOptResult] = []
        progress = ClimbProgress(len(orders), opts.progress)
        try:
            for k in orders:
                for relaxation in self.strategy.relaxations(self.reduction.problem, k):
                    if results and self._remaining() == 0.0:
                        return  # time_limit bounds the whole climb: what was solved in time answers
                    start = time.perf_counter()
                    res = _below_known_point(self._chain(relaxation, results, k), results, opts.gap_tol)
                    results.append(res)
                    progress.solved(k, res.status.name, res.lower_bound, time.perf_counter() - start)
                    yield res
                    if res.status in _FINAL or _newton_settled(res, opts) or _bound_climb_over(results, opts):
                        break
                if results[-1].status in _FINAL or _bound_climb_over(results, opts):
                    return
        finally:
            progress.close()

    def _chain(self, relaxation: MomentRelaxation, lower: list[PolyOptResult], order: int) -> PolyOptResult:
        """The answer of one relaxation from the solvers of the chain (see :func:`_chain_answer`)."""
        opts = self.options
        chain = [self.solver] if self.solver is not None else default_solver_chain(
            relaxation.num_moments, relaxation.matrix_size)
        tried: list[str] = []
        attempts: list[PolyOptResult] = []
        first_wall = 0.0
        for use in chain:
            run = opts
            remaining = self._remaining()
            if attempts and remaining == 0.0:
                break
            if attempts and opts.time_limit is None:
                # a fallback may not take much longer than the first attempt
                run = dataclasses.replace(opts, time_limit=max(FALLBACK_MIN_SECONDS, FALLBACK_FACTOR * first_wall))
            elif remaining is not None:
                run = dataclasses.replace(opts, time_limit=max(remaining, 1e-3))
            start = time.perf_counter()
            res = solve_relaxation(relaxation, use, run)
            if not attempts:
                first_wall = time.perf_counter() - start
            tried.append(use.name)
            attempts.append(res)
            if res.status not in (Status.INACCURATE, Status.SOLVER_ERROR):
                break
        res = _chain_answer(attempts, lower, order)
        if len(tried) > 1:
            res = dataclasses.replace(res, solver=dataclasses.replace(res.solver, tried=tuple(tried)))
        return res

    def _remaining(self) -> float | None:
        """Seconds left of ``time_limit`` for the whole climb (None without a limit, 0.0 when spent)."""
        return None if self._deadline is None else max(0.0, self._deadline - time.perf_counter())

    def answer(self, results: Sequence[PolyOptResult]) -> PolyOptResult:
        """The result of the climb so far, in the user's units: the last answer (or, with
        ``certify=False``, the best accurate bound), the record of every order, the verified bound."""
        opts = self.options
        hierarchy = tuple(
            OrderRecord(r.order, r.status, r.lower_bound, None if r.flatness is None else r.flatness.ranks,
                        r.solver.solve_time)
            for r in results
        )
        if opts.certify:
            final = dataclasses.replace(_best_of_climb(results, opts.gap_tol), hierarchy=hierarchy)
        else:
            final = dataclasses.replace(_best_bound(results), hierarchy=hierarchy,
                                        verification=VerifiedBound(None, "not attempted (certify=False)"))
        final = self.reduction.invert(final)
        if final.status is Status.CERTIFIED:
            final = _prove(final, opts)
        if opts.certify and opts.verify:
            final = _verify(final, self.box)
        if final.status is Status.INACCURATE:
            warnings.warn(
                f"minimize: {final.message} (order {final.order}, solver {final.solver.name})",
                InaccurateSolutionWarning,
                stacklevel=3,
            )
        return final


def unbounded_result(problem: PolyProblem, order: int, direction: np.ndarray) -> PolyOptResult:
    """The answer for an objective proven unbounded below along ``direction`` (no SDP is solved)."""
    degree = problem.objective.degree
    message = (f"The objective has odd degree {degree} and there are no constraints: it is unbounded below, "
               f"f(t v) -> -inf as t -> inf along v = {np.round(direction, 6).tolist()}.")
    stats = SolverStats(name="none", raw_status="not solved: unbounded by degree", num_iters=0, build_time=0.0,
                        compile_time=0.0, solve_time=0.0, extraction_time=0.0)
    return PolyOptResult(
        status=Status.UNBOUNDED, message=message, lower_bound=-np.inf, upper_bound=None, gap=None, x=None, atoms=(),
        order=order, variables=problem.variables, flatness=None, extraction=Extraction.not_attempted(problem.nvars).outcome,
        moment_matrix=None, solver=stats, problem=problem,
        verification=VerifiedBound(None, "the objective is unbounded below"),
    )


def _prove(res: PolyOptResult, opts: Options) -> PolyOptResult:
    """Re-check a CERTIFIED answer in the user's units: the atoms' feasibility and the gap between
    their values and the bound, exactly where the SOS certificate can be proven
    (:mod:`momentsos.certify.proof`), else in floating point. A failed check demotes the answer to
    BOUND_ONLY, with the reason in the message."""
    assert res.lower_bound is not None and res.upper_bound is not None
    lower, upper = float(res.lower_bound), float(res.upper_bound)
    feasible = [a for a in res.atoms if a.violation <= opts.feas_tol]
    gap = upper - lower
    if not feasible or gap > opts.gap_tol * max(1.0, abs(lower)):
        why = ("no minimizer is feasible within feas_tol in the problem's own units" if not feasible else
               f"in the problem's own units the gap {gap:.3g} between the best point and the bound exceeds "
               f"gap_tol * max(1, |bound|) = {opts.gap_tol * max(1.0, abs(lower)):.3g}")
        return dataclasses.replace(res, status=Status.BOUND_ONLY, message=f"Lower bound only: {why}.")
    try:
        proof = prove(res.certificate, res.problem, np.array([a.point for a in feasible]), opts.gap_tol, opts.feas_tol)
    except ProofFailure as exc:
        return dataclasses.replace(res, proof_note=f"no exact proof: {exc}")
    except (ArithmeticError, ValueError, TypeError, MemoryError, RecursionError) as exc:
        # the proof is an extra check of an answer already verified numerically: its own failure is a note
        return dataclasses.replace(res, proof_note=f"no exact proof: {type(exc).__name__}: {exc}")
    return dataclasses.replace(res, proof=proof, lower_bound=proof.lower_bound, upper_bound=proof.upper_bound,
                               gap=proof.upper_bound - proof.lower_bound, proof_note="proved in exact arithmetic")


def _chain_answer(attempts: list[PolyOptResult], lower_orders: list[PolyOptResult], order: int) -> PolyOptResult:
    """The answer of one order from the attempts of the solver chain, trusting no unchecked claim.

    The last attempt answers unless every solver fell short (then the first INACCURATE one, in
    chain order: interior-point solvers come first and are, as a rule, the more accurate). An
    infeasibility or unboundedness claim is replaced by an earlier approximately feasible answer;
    and an INFEASIBLE from a cvxpy solver after accurately feasible lower orders becomes a
    SOLVER_ERROR: only IPM checks its Farkas ray, and first-order or unchecked claims of
    infeasibility on badly scaled equalities are not proofs.
    """
    res = attempts[-1]
    if res.status in (Status.INACCURATE, Status.SOLVER_ERROR):
        res = next((r for r in attempts if r.status is Status.INACCURATE), res)
    earlier = next((r for r in attempts[:-1] if r.status is Status.INACCURATE), None)
    if res.status in (Status.INFEASIBLE, Status.UNBOUNDED) and earlier is not None:
        return dataclasses.replace(earlier, message=(
            f"{earlier.message} ({res.solver.name} then reported {res.status.name}, contradicted "
            "by this approximately feasible solve)"
        ))
    feasible_below = any(r.status in (Status.CERTIFIED, Status.BOUND_ONLY) for r in lower_orders)
    if res.status is Status.INFEASIBLE and res.solver.name != "IPM" and feasible_below:
        return dataclasses.replace(res, status=Status.SOLVER_ERROR, message=(
            f"{res.solver.name} reported the order-{order} relaxation infeasible although lower orders "
            "were solved accurately and feasible; not trusted (its infeasibility claim is unchecked)"
        ))
    return res


def _best_of_climb(results: Sequence[PolyOptResult], gap_tol: float) -> PolyOptResult:
    """The last answer, holding the best honest numbers of the whole climb when it is not certified:
    the largest bound of an accurate solve (an inaccurate one never raises it) and the best
    feasible point found at any order."""
    last = results[-1]
    if last.status is Status.SOLVER_ERROR:
        # a failed solve (a time limit, a crash) after accurate ones: the best of those answers
        accurate = [r for r in results[:-1] if r.status is Status.BOUND_ONLY and r.lower_bound is not None]
        if not accurate:
            return last
        best = max(accurate, key=lambda r: float(r.lower_bound))  # type: ignore[arg-type]
        return dataclasses.replace(best, message=(
            f"{best.message} The order-{last.order} solve after it failed ({last.message}); this is the "
            "largest accurate bound of the climb."))
    if last.status not in (Status.BOUND_ONLY, Status.INACCURATE):
        return last
    changes: dict[str, Any] = {}
    accurate = [r for r in results if r.status is Status.BOUND_ONLY and r.lower_bound is not None]
    if accurate:
        best = max(accurate, key=lambda r: float(r.lower_bound))  # type: ignore[arg-type]
        if last.status is Status.INACCURATE or last.lower_bound is None or best.lower_bound > last.lower_bound:
            changes["lower_bound"] = best.lower_bound
            if best is not last:
                changes["message"] = (f"{last.message} The lower bound is the order-{best.order} one, the largest of an "
                                      "accurate solve in the climb.")
    points = [r for r in results if r.upper_bound is not None]
    if points:
        best_point = min(points, key=lambda r: float(r.upper_bound))  # type: ignore[arg-type]
        if best_point is not last and (last.upper_bound is None or best_point.upper_bound < last.upper_bound):
            changes.update(upper_bound=best_point.upper_bound, x=best_point.x, atoms=best_point.atoms)
        lower = changes.get("lower_bound", last.lower_bound)
        if lower is not None and lower > best_point.upper_bound + gap_tol * max(1.0, abs(best_point.upper_bound)):
            # a bound above the value of a feasible point is no bound: none is claimed
            changes["lower_bound"] = None
            changes["message"] = (f"{changes.get('message', last.message)} No lower bound is claimed: the solves' "
                                  f"values are above that of the feasible point found at order {best_point.order}.")
    return dataclasses.replace(last, **changes) if changes else last


def _below_known_point(res: PolyOptResult, earlier: Sequence[PolyOptResult], gap_tol: float) -> PolyOptResult:
    """A bound above the value of a feasible point found at an earlier order is wrong: the solve
    that produced it is INACCURATE, whatever the solver said (the relaxations only grow)."""
    best = min((r.upper_bound for r in earlier if r.upper_bound is not None), default=None)
    if best is None or res.lower_bound is None or res.status not in (Status.CERTIFIED, Status.BOUND_ONLY):
        return res
    if res.lower_bound <= best + gap_tol * max(1.0, abs(best)):
        return res
    return dataclasses.replace(res, status=Status.INACCURATE, message=(
        f"{status_message(Status.INACCURATE, 'bound_exceeded')} (the order-{res.order} bound is above the value "
        "of a feasible point found at a lower order)"
    ))


def _newton_settled(res: PolyOptResult, opts: Options) -> bool:
    """Whether a solve over the Newton-reduced basis answers its order, so that the dense one is not needed.

    It does unless it was accurate, not certified and not flat: the dense moment matrix may then be
    flat at a higher truncation and give the atoms. A flat, not certified one is settled (the dense
    relaxation has the same bound and, the truncated moments being the same, the same atoms), and so
    is an inaccurate one (the dense relaxation is the same SDP with more loose moments).
    """
    if not is_newton(res.sparsity):
        return False
    if res.status is Status.BOUND_ONLY and opts.certify:
        assert res.sparsity is not None
        return any(f.is_flat for f in res.sparsity.clique_flatness or ())
    return True


def _bound_climb_over(results: Sequence[PolyOptResult], opts: Options) -> bool:
    """With ``certify=False``, an inaccurate or failed solve after an accurate one ends the climb:
    higher orders and TSSOS steps are larger SDPs, as a rule no more accurate."""
    return (not opts.certify and results[-1].status in (Status.INACCURATE, Status.SOLVER_ERROR)
            and any(r.status is Status.BOUND_ONLY for r in results[:-1]))


def _best_bound(results: Sequence[PolyOptResult]) -> PolyOptResult:
    """The answer of a ``certify=False`` climb: the last result, unless it fell short of an accurate
    earlier one (INACCURATE or SOLVER_ERROR after BOUND_ONLY); then the accurate one with the largest bound."""
    last = results[-1]
    accurate = [r for r in results if r.status is Status.BOUND_ONLY and r.lower_bound is not None]
    if last.status not in (Status.INACCURATE, Status.SOLVER_ERROR) or not accurate:
        return last
    best = max(accurate, key=lambda r: float(r.lower_bound))  # type: ignore[arg-type]
    return dataclasses.replace(best, message=(
        f"{best.message} The order-{last.order} solve after it was {last.status.name}: this is the largest "
        "accurate bound of the climb."
    ))


def _verify(res: PolyOptResult, user_box: Any) -> PolyOptResult:
    """Attach the rigorous lower bound of :mod:`momentsos.certify.verified` (or the reason there is none)."""
    if res.certificate is None:
        return dataclasses.replace(res, verification=VerifiedBound(None, "no SOS certificate (the solver returned no dual)"))
    if user_box is not None and res.atoms:
        points = np.array([a.point for a in res.atoms])
        outside = ~np.all((points >= user_box.lower) & (points <= user_box.upper), axis=1)
        if outside.any():
            why = (f"the given box excludes {int(outside.sum())} of the {len(points)} minimizers found "
                   f"(e.g. {np.round(points[outside][0], 6).tolist()}): it does not contain the feasible points "
                   "of interest, so no bound is verified over it")
            return dataclasses.replace(res, verification=VerifiedBound(None, why, user_box, res.certificate.bound),
                                       message=f"{res.message} Box: {why}.")
    derived, why = derive_box(res.problem)
    box = intersect(user_box, derived) if user_box is not None else derived
    if box is None:
        return dataclasses.replace(res, verification=VerifiedBound(None, why, None, res.certificate.bound))
    verification = verify_certificate(res.certificate, box)
    return dataclasses.replace(res, verified_lower_bound=verification.lower_bound, verification=verification)
