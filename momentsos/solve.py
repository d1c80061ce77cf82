"""``minimize``: the one-call front door. It only composes the stages of the package.

problem -> MomentRelaxation(order) -> SDP solve -> flatness -> extraction -> evaluation -> result,
climbing the order from ``k0`` when ``order=None``.
"""

from __future__ import annotations

import dataclasses
import math
import time
import warnings
from typing import Any, Iterable, Iterator, Sequence

import numpy as np
import sympy as sp

from .certify import DEFAULT_FEAS_TOL, DEFAULT_GAP_TOL, Certificate, evaluate_atoms, refine_point, scaled_violation
from .errors import InaccurateSolutionWarning, InvalidOptionError, RelaxationOrderError, SolverFailedError
from .extraction import Extraction, ExtractionOutcome, extract_atoms
from .flatness import FlatnessReport, check_flatness
from .options import DEFAULT_MAX_ORDER_STEPS
from .problem import PolyProblem
from .rank import LargestGapRank, RankCheck
from .relaxation import MomentRelaxation, RelaxationSolution
from .result import Atom, OrderRecord, PolyOptResult, SolverStats, Status, status_message
from .scaling import Scaling, balance
from .solvers import SolverSpec, SolverStatus, check_solver_options, default_solver_chain, resolve_solver
from .sparse_relaxation import (
    SparseCertificate,
    SparseMomentRelaxation,
    SparsityChoice,
    certify_sparse,
    dense_report,
    first_moment_candidate,
    newton_relaxations,
    plan_sparsity,
    sparse_relaxations,
)
from .sparsity import SparsityReport, check_chordal_extension, check_sparsity
from .sos import SOSCertificate, relaxation_certificate
from .verified import VerifiedBound, derive_box, intersect, make_box, verify_certificate

__all__ = ["minimize", "DEFAULT_MAX_ORDER_STEPS"]


DEFAULT_MOMENT_NORM_TOL = 1e6

FALLBACK_FACTOR = 3.0
FALLBACK_MIN_SECONDS = 10.0
"""Without a ``time_limit``, each fallback of the default chain (after an inaccurate solve or a
solver error) gets ``max(FALLBACK_MIN_SECONDS, FALLBACK_FACTOR * t1)`` seconds, ``t1`` the first
attempt's wall time, where the solver takes a time limit."""

MAX_MOMENTS = 10**7
"""Larger relaxations are refused as input errors: their monomial bases alone take gigabytes."""

_OPTION_DEFAULTS: dict[str, Any] = {
    "max_order": None,
    "rank_check": None,
    "feas_tol": DEFAULT_FEAS_TOL,
    "gap_tol": DEFAULT_GAP_TOL,
    "pivot_tol": 1e-6,
    "moment_norm_tol": DEFAULT_MOMENT_NORM_TOL,
    "solver_options": None,
    "time_limit": None,
    "seed": 0,
    "refine": True,
    "low_rank": True,
    "scale": True,
    "verbose": False,
    "raise_on_failure": False,
    "sparsity": "none",
    "chordal_extension": "min_degree",
    "term_steps": None,
    "box": None,
    "verify": True,
    "certify": True,
}


def _check_options(options: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(options) - set(_OPTION_DEFAULTS))
    if unknown:
        raise InvalidOptionError(
            f"Unknown option(s) for minimize: {', '.join(f'{k}={options[k]!r}' for k in unknown)}; "
            f"allowed: {', '.join(_OPTION_DEFAULTS)}"
        )
    opts = {**_OPTION_DEFAULTS, **options}
    for name in ("feas_tol", "gap_tol", "pivot_tol", "moment_norm_tol"):
        value = opts[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value <= 0:
            raise InvalidOptionError(f"Invalid option `{name}={value!r}`: expected a positive finite number")
    if opts["time_limit"] is not None and (
        isinstance(opts["time_limit"], bool)
        or not isinstance(opts["time_limit"], (int, float))
        or not opts["time_limit"] > 0
    ):
        raise InvalidOptionError(f"Invalid option `time_limit={opts['time_limit']!r}`: expected seconds > 0 or None")
    if not (isinstance(opts["low_rank"], bool) or opts["low_rank"] == "attained"):
        raise InvalidOptionError(f"Invalid option `low_rank={opts['low_rank']!r}`: expected True, False or 'attained'")
    if opts["solver_options"] is not None and not isinstance(opts["solver_options"], dict):
        raise InvalidOptionError(
            f"Invalid option `solver_options={opts['solver_options']!r}`: expected a dict of solver keywords"
        )
    opts["sparsity"] = check_sparsity(opts["sparsity"])
    opts["chordal_extension"] = check_chordal_extension(opts["chordal_extension"])
    steps = opts["term_steps"]
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1):
        raise InvalidOptionError(f"Invalid option `term_steps={steps!r}`: expected an integer >= 1 or None (to the fixed point)")
    if opts["rank_check"] is not None and not callable(opts["rank_check"]):
        raise InvalidOptionError(
            f"Invalid option `rank_check={opts['rank_check']!r}`: expected a RankCheck such as LargestGapRank()"
        )
    if opts["rank_check"] is not None:
        # probe it once here, so that a wrong callable fails at the boundary, not inside flatness
        try:
            decision = opts["rank_check"](np.array([1.0, 1e-12]))
        except Exception as exc:  # any failure of a user callable is a bad option
            raise InvalidOptionError(
                f"Invalid option `rank_check={opts['rank_check']!r}`: calling it on singular values [1, 1e-12] "
                f"raised {type(exc).__name__}: {exc}; expected a RankCheck such as LargestGapRank()"
            ) from None
        if not isinstance(getattr(decision, "rank", None), (int, np.integer)):
            raise InvalidOptionError(
                f"Invalid option `rank_check={opts['rank_check']!r}`: it returned {decision!r}, not a RankDecision "
                "with an integer `rank`; expected a RankCheck such as LargestGapRank()"
            )
    for name in ("refine", "scale", "verbose", "raise_on_failure", "verify", "certify"):  # low_rank: above
        if not isinstance(opts[name], (bool, np.bool_)):
            raise InvalidOptionError(f"Invalid option `{name}={opts[name]!r}`: expected True or False")
    seed = opts["seed"]
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidOptionError(f"Invalid option `seed={seed!r}`: expected an integer >= 0")
    return opts


def _check_order(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise RelaxationOrderError(f"Invalid option `{name}={value!r}`: expected an integer >= {minimum}")
    if value < minimum:
        raise RelaxationOrderError(
            f"Invalid option `{name}={value}`: below the minimal order {minimum} "
            f"(max over objective and constraints of ceil(degree / 2)); allowed: {name} >= {minimum}"
        )
    return int(value)


def _check_size(problem: PolyProblem, order: int, name: str) -> None:
    """Refuse relaxations far beyond any SDP solver before their monomial bases are allocated."""
    n = problem.nvars
    moments = math.comb(n + 2 * order, n)
    if moments > MAX_MOMENTS:
        raise RelaxationOrderError(
            f"Invalid option `{name}={order}`: the relaxation of a problem in {n} variables would have "
            f"C({n} + {2 * order}, {n}) = {moments:.3g} moments; allowed: at most {MAX_MOMENTS:.0e} moments"
        )


def minimize(
    objective: Any,
    inequalities: Iterable[Any] | Any = (),
    equalities: Iterable[Any] | Any = (),
    variables: Sequence[sp.Symbol] | None = None,
    order: int | None = None,
    solver: str | None = None,
    **options: Any,
) -> PolyOptResult:
    """Minimize a polynomial over a basic semialgebraic set with the Moment-SOS hierarchy.

    Parameters
    ----------
    objective : sympy expression or PolyProblem
        The polynomial to minimise, or a prepared :class:`PolyProblem` (then leave the constraint
        and variable arguments empty).
    inequalities, equalities : sequences of sympy expressions or relations
        Constraints ``g >= 0`` and ``h == 0`` (see :mod:`momentsos.problem` for the conventions).
    variables : sequence of sympy Symbols, optional
        Variable order; inferred (sorted by name) when omitted.
    order : int, optional
        Relaxation order ``k >= k0``. ``None`` climbs ``k0, k0 + 1, ...`` up to ``max_order`` and
        stops at the first certified order.
    solver : {"IPM", "CLARABEL", "SCS", "MOSEK", "CVXOPT", "SDPA", "COPT"}, optional
        SDP solver; ``None`` tries the chain of :func:`momentsos.solvers.default_solver_chain`.
    **options
        max_order : int, default ``k0 + 2``
        rank_check : RankCheck, default ``LargestGapRank()``
        feas_tol : float, default 1e-6 (scaled constraint violation allowed at a certified atom)
        gap_tol : float, default 1e-6 (relative gap allowed between an atom's objective and the bound)
        pivot_tol : float, default 1e-6 (echelon pivot threshold of the extraction)
        moment_norm_tol : float, default 1e6 (larger moments flag a possibly unbounded relaxation)
        solver_options : dict, passed to the solver (overrides the tight defaults); with a named
            solver, names and values are checked for IPM (``tol``, ``gap_tol``, ``max_iter``,
            ``time_limit``) and names for CLARABEL, raising :class:`InvalidOptionError`
        time_limit : float, seconds per SDP solve where the solver supports it (without it, each
            fallback of the default chain is limited to ``max(10 s, 3 x`` the first attempt's time``)``)
        seed : int, default 0 (the random combination of the extraction)
        refine : bool, default True (polish each atom by local SQP before evaluating it)
        low_rank : bool, default True (when an accurate solve is not flat, re-solve once minimising
            the trace of the moment matrix over the moments within ``gap_tol / 2`` of the bound,
            to leave the high-rank centre of the optimal face an interior-point solver lands in;
            a certificate found there may list only some of the minimizers; ``"attained"``: re-solve
            only when the first-order moments, refined, already attain the bound, so that the optimal
            face is known to hold a Dirac and the re-solve is not wasted on a relaxation that is not tight)
        scale : bool, default True (when coefficients span more than a factor 1e4, solve and certify
            the problem balanced by powers of two on variables and polynomials; see
            :mod:`momentsos.scaling`)
        verbose : bool, solver output
        raise_on_failure : bool, raise :class:`SolverFailedError` unless CERTIFIED
        sparsity : {"none", "auto", "correlative", "term", "both", "newton"}, default "none"
            Exploit correlative sparsity (one moment matrix per clique of the variables), term
            sparsity (TSSOS block moment matrices, climbing the support steps to the fixed point
            before the next order), both (CS-TSSOS) or, without constraints, the Newton polytope
            (one moment matrix over the reduced basis of :mod:`momentsos.newton`, same bound as the
            dense one; when its full leading block is not flat the order is re-solved densely);
            "auto" uses correlative sparsity when its cliques hold at most half the dense moments,
            else the Newton basis on an unconstrained problem when it drops monomials, and reports
            the choice in ``res.sparsity``. Sparse bounds are valid lower bounds, possibly below the dense bound
            of the same order; see :mod:`momentsos.sparse_relaxation` for when they are equal and
            how sparse results are certified.
        chordal_extension : {"min_degree", "maximal"}, default "min_degree"
            Chordal extension of the sparsity graphs (see :mod:`momentsos.sparsity`).
        term_steps : int, optional
            Largest TSSOS step per order (default: up to the fixed point).
        box : float or array of shape (n, 2), optional (a radius ``R``, meaning ``[-R, R]^n``, or
            ``[lower, upper]`` per variable) assumed to contain the feasible points of interest; it
            is intersected with the box derived from the constraints (:mod:`momentsos.verified`)
        verify : bool, default True (compute ``verified_lower_bound`` from the SOS certificate
            when a box is known)
        certify : bool, default True. ``False`` returns the bound of each relaxation only, as TSSOS
            does without ``solution=true``: no flatness test, extraction, polish of atoms, SOS
            certificate or verified bound (status BOUND_ONLY, ``res.extraction`` NOT_ATTEMPTED; an
            inaccurate solve or very large moments are still flagged, a "solved" bound that a
            feasible point beats is not: that check needs the atoms). ``order=None`` then solves
            every order up to ``max_order`` (and term sparsity every step to the fixed point) until
            a solve falls short after an accurate one, and then answers with the accurate solve of
            largest bound; the Newton-reduced relaxation is not followed by the dense one (their
            bounds are equal); ``raise_on_failure`` raises unless the answer is BOUND_ONLY.

    Returns
    -------
    PolyOptResult
        Status, bounds, minimizers, ranks and timings. Mathematical outcomes are statuses; this
        function raises only for bad input or a missing solver.

    Raises
    ------
    InvalidProblemError, RelaxationOrderError, InvalidOptionError, SolverUnavailableError
        Bad input (the catalogue is ``tests/momentsos/test_bad_inputs.py``); a solver that is
        requested by name but not installed, or MOSEK without a licence.

    Notes
    -----
    Solver faults are statuses, each with a message (``res.message``; the solver's own words are in
    ``res.solver.raw_status``):

    ===========================================  =======================================================
    fault                                        status
    ===========================================  =======================================================
    the solver raises (crash, licence lost,      SOLVER_ERROR, the exception's type and text in the
    out of memory, bad keyword)                  message; no bound
    iteration limit (``solver_options``) or      SOLVER_ERROR, or INACCURATE when the solver returns its
    ``time_limit``                               last iterate as approximate (bound reported, never
                                                 certified)
    solver stops short of its tolerances         INACCURATE, with an :class:`InaccurateSolutionWarning`
    relaxation infeasible                        INFEASIBLE (``lower_bound = inf``)
    relaxation unbounded                         UNBOUNDED (``lower_bound = -inf``); interior-point
                                                 solvers often diverge instead: SOLVER_ERROR or
                                                 INACCURATE (``large_moments``), never a bound
    an "inaccurate" infeasibility or             SOLVER_ERROR (not a claim: COPT reports a time limit
    unboundedness claim                          as infeasible_inaccurate)
    MOSEK without a licence                      requested by name: SolverUnavailableError; with
                                                 ``solver=None`` it is left out of the chain
    ===========================================  =======================================================

    With ``solver=None`` a SOLVER_ERROR or INACCURATE solve is retried with the next solver of the
    chain (``res.solver.tried``); ``time_limit`` applies to each SDP solve (IPM checks the wall time
    between iterations; CLARABEL, SCS, MOSEK and COPT receive it as their own option).

    Examples
    --------
    >>> import sympy as sp, momentsos as ms
    >>> x, y = sp.symbols("x y")
    >>> res = ms.minimize((x - 1)**2 + (y + 2)**2 + 3)          # doctest: +SKIP
    >>> res.status, round(res.lower_bound, 6), res.x.round(6)     # doctest: +SKIP
    (<Status.CERTIFIED: 'certified'>, 3.0, array([ 1., -2.]))
    """
    opts = _check_options(options)
    if isinstance(objective, PolyProblem):
        if inequalities or equalities or variables is not None:
            beside = {"inequalities": inequalities, "equalities": equalities, "variables": variables}
            given = ", ".join(f"{k}={v!r}" for k, v in beside.items() if (v is not None if k == "variables" else v))
            raise InvalidOptionError(
                f"Invalid input for minimize: got a PolyProblem and {given}; pass constraints and variables "
                "inside the PolyProblem, not beside it"
            )
        problem = objective
    else:
        problem = PolyProblem(objective, inequalities, equalities, variables)
    try:
        user_box = None if opts["box"] is None else make_box(opts["box"], problem.nvars)
    except ValueError as exc:
        raise InvalidOptionError(str(exc)) from None
    k0 = problem.min_order
    spec = resolve_solver(solver) if solver is not None else None
    if order is not None:
        if opts["max_order"] is not None:
            raise InvalidOptionError(
                f"Invalid options `order={order!r}` and `max_order={opts['max_order']!r}` together: max_order "
                "bounds the climb of order=None; pass one of them"
            )
        orders = [_check_order("order", order, k0)]
    else:
        top = opts["max_order"]
        top = k0 + DEFAULT_MAX_ORDER_STEPS if top is None else _check_order("max_order", top, k0)
        orders = list(range(k0, top + 1))

    _check_size(problem, orders[-1], "order" if order is not None else "max_order")
    if spec is not None and opts["solver_options"]:
        check_solver_options(spec, opts["solver_options"])
    original = problem
    problem, scaling = balance(problem) if opts["scale"] else (problem, None)
    results: list[PolyOptResult] = []
    for k in orders:
        for relaxation in _relaxations(problem, k, opts):
            chain = [spec] if spec is not None else default_solver_chain(relaxation.num_moments, relaxation.matrix_size)
            tried: list[str] = []
            attempts: list[PolyOptResult] = []
            first_wall = 0.0
            for use in chain:
                run = opts
                if attempts and opts["time_limit"] is None:
                    # a fallback may not take much longer than the first attempt (SCS ran 300 s after a
                    # 7 s inaccurate IPM solve on the network losses, and ended inaccurate too)
                    run = {**opts, "time_limit": max(FALLBACK_MIN_SECONDS, FALLBACK_FACTOR * first_wall)}
                start = time.perf_counter()
                res = _solve_order(relaxation, use, run)
                if not attempts:
                    first_wall = time.perf_counter() - start
                tried.append(use.name)
                attempts.append(res)
                if res.status not in (Status.INACCURATE, Status.SOLVER_ERROR):
                    break
            res = _chain_answer(attempts, results, k)
            if len(tried) > 1:
                res = dataclasses.replace(res, solver=dataclasses.replace(res.solver, tried=tuple(tried)))
            results.append(res)
            if (res.status in (Status.CERTIFIED, Status.INFEASIBLE, Status.SOLVER_ERROR) or _newton_settled(res, opts)
                    or _bound_climb_over(results, opts)):
                break
        if results[-1].status in (Status.CERTIFIED, Status.INFEASIBLE, Status.SOLVER_ERROR) or _bound_climb_over(results, opts):
            break
    hierarchy = tuple(
        OrderRecord(r.order, r.status, r.lower_bound, None if r.flatness is None else r.flatness.ranks, r.solver.solve_time)
        for r in results
    )
    if opts["certify"]:
        final = dataclasses.replace(results[-1], hierarchy=hierarchy)
    else:
        final = dataclasses.replace(_best_bound(results), hierarchy=hierarchy,
                                    verification=VerifiedBound(None, "not attempted (certify=False)"))
    if scaling is not None and not scaling.is_identity:
        final = _unscale(final, scaling, original)
    if opts["certify"] and opts["verify"]:
        final = _verify(final, user_box)
    if final.status is Status.INACCURATE:
        warnings.warn(
            f"minimize: {final.message} (order {final.order}, solver {final.solver.name})",
            InaccurateSolutionWarning,
            stacklevel=2,
        )
    if opts["raise_on_failure"] and not opts["certify"] and final.status is not Status.BOUND_ONLY:
        raise SolverFailedError(f"minimize did not return an accurate bound: {final.status.name}: {final.message}")
    if opts["raise_on_failure"] and opts["certify"] and not final.success:
        raise SolverFailedError(f"minimize did not certify a global minimum: {final.status.name}: {final.message}")
    return final


def _bound_climb_over(results: list[PolyOptResult], opts: dict[str, Any]) -> bool:
    """With ``certify=False``, an inaccurate or failed solve after an accurate one ends the climb:
    higher orders and TSSOS steps are larger SDPs, as a rule no more accurate."""
    return (not opts["certify"] and results[-1].status in (Status.INACCURATE, Status.SOLVER_ERROR)
            and any(r.status is Status.BOUND_ONLY for r in results[:-1]))


def _best_bound(results: list[PolyOptResult]) -> PolyOptResult:
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


def _relaxations(problem: PolyProblem, order: int, opts: dict[str, Any]) -> Iterator[MomentRelaxation]:
    """The relaxations to solve at ``order``: the dense one, the sparse ones (TSSOS steps in turn),
    or the Newton-reduced one followed by the dense one (asked for only when it is not settled)."""
    requested, chordal = opts["sparsity"], opts["chordal_extension"]
    if requested == "auto":
        choice = plan_sparsity(problem, order, chordal)
    else:
        choice = SparsityChoice(requested, "")
    if choice.used == "newton":
        if problem.inequalities or problem.equalities:
            raise InvalidOptionError(
                f"Invalid option `sparsity={requested!r}` for a problem with {len(problem.inequalities)} "
                f"inequalities and {len(problem.equalities)} equalities: the Newton polytope reduction applies "
                "to unconstrained problems only; allowed there: 'none', 'auto', 'correlative', 'term', 'both'"
            )
        yield from newton_relaxations(problem, order, requested, choice.reason, chordal, choice.newton)
        return
    if choice.used == "none":
        relaxation = MomentRelaxation(problem, order)
        if requested == "auto":
            relaxation.sparsity = dense_report(relaxation, requested, choice.reason, chordal)
        yield relaxation
        return
    yield from sparse_relaxations(problem, order, choice.used, requested, choice.reason, chordal, opts["term_steps"])


def _newton_settled(res: PolyOptResult, opts: dict[str, Any]) -> bool:
    """Whether a solve over the Newton-reduced basis answers its order, so that the dense one is not needed.

    It does unless it was accurate, not certified and not flat: the dense moment matrix may then be
    flat at a higher truncation and give the atoms. A flat, not certified one is settled (the dense
    relaxation has the same bound and, the truncated moments being the same, the same atoms), and so
    is an inaccurate one (the dense relaxation is the same SDP with more loose moments).
    """
    report = res.sparsity
    if report is None or report.used != "newton":
        return False
    if res.status is Status.BOUND_ONLY and opts["certify"]:
        return any(f.is_flat for f in report.clique_flatness or ())
    return True


def _verify(res: PolyOptResult, user_box: Any) -> PolyOptResult:
    """Attach the rigorous lower bound of :mod:`momentsos.verified` (or the reason there is none)."""
    if res.certificate is None:
        return dataclasses.replace(res, verification=VerifiedBound(None, "no SOS certificate (the solver returned no dual)"))
    derived, why = derive_box(res.problem)
    box = intersect(user_box, derived) if user_box is not None else derived
    if box is None:
        return dataclasses.replace(res, verification=VerifiedBound(None, why, None, res.certificate.bound))
    verification = verify_certificate(res.certificate, box)
    return dataclasses.replace(res, verified_lower_bound=verification.lower_bound, verification=verification)


def _unscale(res: PolyOptResult, scaling: Scaling, original: PolyProblem) -> PolyOptResult:
    """Map a result of the balanced problem back to the original variables and objective."""
    d, s = scaling.variable_scale, scaling.objective_scale

    def bound(value: float | None) -> float | None:
        return None if value is None else value * s

    atoms = tuple(
        Atom(a.point * d, a.weight, float(original.objective.evaluate(a.point * d)),
             scaled_violation(original, a.point * d))
        for a in res.atoms
    )
    hierarchy = tuple(dataclasses.replace(r, lower_bound=bound(r.lower_bound)) for r in res.hierarchy)
    note = (f" Solved on the balanced problem x = 2^t x' with t = {scaling.variable_exponents.tolist()}, "
            f"objective divided by 2^{int(scaling.polynomial_exponents[0])} (see momentsos.scaling).")
    return dataclasses.replace(
        res, lower_bound=bound(res.lower_bound), upper_bound=bound(res.upper_bound),
        x=None if res.x is None else res.x * d, atoms=atoms, hierarchy=hierarchy, problem=original,
        message=res.message + note,
        certificate=None if res.certificate is None else res.certificate.unscale(
            scaling, original.objective, original.inequalities, original.equalities, original.variables),
    )


def _certify_moments(
    relaxation: MomentRelaxation, sol: RelaxationSolution, lower_bound: float | None, opts: dict[str, Any]
) -> tuple[FlatnessReport | None, Extraction, Certificate | None]:
    """Flatness, extraction and evaluation of the atoms of one solved relaxation."""
    if isinstance(relaxation, SparseMomentRelaxation):
        return certify_sparse(relaxation, sol, lower_bound, opts)
    problem = relaxation.problem
    extraction = Extraction.not_attempted(problem.nvars)
    if sol.status not in (SolverStatus.OPTIMAL, SolverStatus.INACCURATE):
        return None, extraction, None
    assert sol.moment_matrix is not None and lower_bound is not None
    rank_check: RankCheck = opts["rank_check"] or LargestGapRank()
    flatness = check_flatness(sol.moment_matrix, problem.constraint_half_degree, rank_check)
    rng = np.random.default_rng(opts["seed"])
    certificate = None
    if not flatness.is_flat:
        extraction = Extraction(ExtractionOutcome.NOT_FLAT, extraction.points, extraction.weights)
    for t in flatness.flat_orders:
        extraction = extract_atoms(
            sol.moment_matrix.truncation(t), relaxation.basis, flatness.ranks[t], t, rng, opts["pivot_tol"]
        )
        if extraction.outcome is not ExtractionOutcome.OK:
            continue
        certificate = evaluate_atoms(
            problem, extraction.points, extraction.weights, lower_bound, opts["feas_tol"], opts["gap_tol"],
            refine=bool(opts["refine"]),
        )
        if certificate.verified:
            break
        extraction = dataclasses.replace(extraction, outcome=ExtractionOutcome.ATOMS_INFEASIBLE)
    return flatness, extraction, certificate


def _first_moments_attain(relaxation: MomentRelaxation, sol: RelaxationSolution, opts: dict[str, Any]) -> bool:
    """Whether the first-order moments, refined, are feasible and attain the bound: the optimal face
    then holds a Dirac, and a minimum-trace point of it may be flat where the centre was not."""
    assert sol.moments is not None and sol.lower_bound is not None
    problem = relaxation.problem
    if isinstance(relaxation, SparseMomentRelaxation):  # y_{e_i} may not be a moment there
        point = first_moment_candidate(relaxation.basis, sol.moments, problem.nvars)
    else:
        point = sol.moments[relaxation.basis.index_of(np.eye(problem.nvars, dtype=np.int64))]
    # only a trigger (the re-solve's own atoms are what certify), so the polish may travel any distance
    point = refine_point(problem, point, radius=np.inf)
    return evaluate_atoms(
        problem, point[None, :], np.ones(1), sol.lower_bound, opts["feas_tol"], opts["gap_tol"], refine=False
    ).verified


def _chain_answer(attempts: list[PolyOptResult], lower_orders: list[PolyOptResult], order: int) -> PolyOptResult:
    """The answer of one order from the attempts of the solver chain, trusting no unchecked claim.

    The last attempt answers unless every solver fell short (then the first INACCURATE one, in
    chain order: interior-point solvers come first and are, as a rule, the more accurate). An
    infeasibility or unboundedness claim is replaced by an earlier approximately feasible answer;
    and an INFEASIBLE from a cvxpy solver after accurately feasible lower orders becomes a
    SOLVER_ERROR: only IPM checks its Farkas ray, and the scaled planted fuzzing found SCS and
    CLARABEL calling feasible, badly scaled equalities infeasible (47 and 2 cases).
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


def _point_beats_bound(certificate: Certificate | None, bound: float | None, gap_tol: float) -> bool:
    """A feasible extracted point with an objective below the "lower bound" by more than ``gap_tol``
    proves the solve inaccurate (SCS on badly scaled problems: a bound 1.5e-4 above the optimum)."""
    if certificate is None or certificate.upper_bound is None or bound is None:
        return False
    return certificate.upper_bound < bound - gap_tol * max(1.0, abs(bound))


def _solve_order(relaxation: MomentRelaxation, spec: SolverSpec, opts: dict[str, Any]) -> PolyOptResult:
    problem = relaxation.problem
    solver_options = dict(opts["solver_options"] or {})
    if opts["time_limit"] is not None and spec.time_limit_option:
        solver_options.setdefault(spec.time_limit_option, float(opts["time_limit"]))
    sol = relaxation.solve(spec, solver_options, verbose=opts["verbose"])

    start = time.perf_counter()
    if opts["certify"]:
        flatness, extraction, certificate = _certify_moments(relaxation, sol, sol.lower_bound, opts)
    else:
        flatness, certificate = None, None
        extraction = Extraction.not_attempted(problem.nvars)
    moment_matrix, face_note, reason = sol.moment_matrix, "", ""
    times, face_wall = dict(sol.times), 0.0
    if (
        opts["low_rank"]
        and opts["certify"]
        # the Newton-reduced relaxation goes to the dense one instead (see _newton_settled)
        and getattr(relaxation, "newton_full_degree", None) is None
        and sol.status is SolverStatus.OPTIMAL
        and not (certificate and certificate.verified)
        and (opts["low_rank"] is True or _first_moments_attain(relaxation, sol, opts))
    ):
        assert sol.lower_bound is not None
        level = sol.lower_bound + 0.5 * opts["gap_tol"] * max(1.0, abs(sol.lower_bound))
        face = relaxation.face_relaxation(level).solve(spec, solver_options, verbose=opts["verbose"])
        face_wall = face.times.get("wall", 0.0)
        for key in ("solve", "compile"):
            times[key] = times.get(key, 0.0) + face.times.get(key, 0.0)
        if face.status is SolverStatus.OPTIMAL:
            second = _certify_moments(relaxation, face, sol.lower_bound, opts)
            if second[2] is not None and second[2].verified:
                flatness, extraction, certificate = second
                moment_matrix = face.moment_matrix
                face_note = " (flat after a minimum-trace re-solve on the optimal face; other minimizers may exist)"
    extraction_time = time.perf_counter() - start - face_wall  # the re-solve counts as solver time

    if sol.status is SolverStatus.OPTIMAL:
        if certificate is not None and certificate.verified:
            status, reason = Status.CERTIFIED, getattr(certificate, "method", "")
        elif sol.moments is not None and np.abs(sol.moments).max() > opts["moment_norm_tol"]:
            status, reason = Status.INACCURATE, "large_moments"
        elif _point_beats_bound(certificate, sol.lower_bound, opts["gap_tol"]):
            status, reason = Status.INACCURATE, "bound_exceeded"
        else:
            status, reason = Status.BOUND_ONLY, extraction.outcome.value
    else:
        status = {
            SolverStatus.INACCURATE: Status.INACCURATE,
            SolverStatus.INFEASIBLE: Status.INFEASIBLE,
            SolverStatus.UNBOUNDED: Status.UNBOUNDED,
            SolverStatus.ERROR: Status.SOLVER_ERROR,
        }[sol.status]
    message = status_message(status, reason) + (face_note if status is Status.CERTIFIED else "")
    if status is Status.SOLVER_ERROR:
        message = f"{message} ({sol.raw_status})"
    best = certificate.best if certificate is not None else None
    stats = SolverStats(
        name=spec.name,
        raw_status=sol.raw_status,
        num_iters=sol.num_iters,
        build_time=times.get("build", 0.0),
        compile_time=times.get("compile", 0.0),
        solve_time=times.get("solve", 0.0),
        extraction_time=extraction_time,
    )
    return PolyOptResult(
        status=status,
        message=message,
        lower_bound=sol.lower_bound,
        upper_bound=None if certificate is None else certificate.upper_bound,
        gap=None if certificate is None else certificate.gap,
        x=None if best is None else best.point,
        atoms=() if certificate is None else certificate.atoms,
        order=relaxation.order,
        variables=problem.variables,
        flatness=flatness,
        extraction=extraction.outcome,
        moment_matrix=moment_matrix,
        minimizers_complete=not face_note and getattr(certificate, "complete", True),
        solver=stats,
        problem=problem,
        sparsity=_sparsity_report(relaxation, certificate),
        certificate=_certificate_of(relaxation, sol) if opts["certify"] else None,
    )


def _sparsity_report(relaxation: MomentRelaxation, certificate: Certificate | None) -> SparsityReport | None:
    report = relaxation.sparsity
    if report is None or not isinstance(certificate, SparseCertificate):
        return report
    return dataclasses.replace(
        report, clique_flatness=certificate.clique_flatness, overlap_consistent=certificate.overlap_consistent,
        certified_by=certificate.method if certificate.verified else "",
    )


def _certificate_of(relaxation: MomentRelaxation, sol: RelaxationSolution) -> SOSCertificate | None:
    """The SOS certificate of a solved relaxation, or None without (usable) dual matrices."""
    if sol.duals is None or sol.status not in (SolverStatus.OPTIMAL, SolverStatus.INACCURATE):
        return None
    if not all(np.all(np.isfinite(d)) for d in sol.duals):
        return None
    return relaxation_certificate(relaxation, sol.duals)
