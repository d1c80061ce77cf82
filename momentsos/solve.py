"""``minimize``: options -> reduction -> hierarchy -> result.

The stages live in their own modules: the options (:mod:`momentsos.options`), the balancing
reduction (:mod:`momentsos.reductions`), the order climb and solver chain
(:mod:`momentsos.hierarchy`), which builds relaxations (:mod:`momentsos.relax`), solves them
(:mod:`momentsos.sdp`) and certifies them (:mod:`momentsos.certify`).
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import sympy as sp

from .errors import InvalidOptionError, SolverFailedError
from .hierarchy import Hierarchy, unbounded_result
from .options import Options
from .problem import PolyProblem
from .result import PolyOptResult, Status

__all__ = ["minimize"]


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
        SDP solver; ``None`` tries the chain of :func:`momentsos.sdp.default_solver_chain`.
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
        time_limit : float, seconds for the whole call: each SDP solve gets what is left (IPM checks it
            between iterations; CLARABEL, SCS, MOSEK and COPT receive it as their own option), and
            the climb answers with what was solved in time (without it, each fallback of the default
            chain is limited to ``max(10 s, 3 x`` the first attempt's time``)``)
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
            :mod:`momentsos.reductions`)
        verbose : bool, solver output
        progress : bool, default False (a progress bar over the relaxation orders on standard error,
            see :mod:`momentsos.progress`; every solved order is also logged at INFO on the
            ``momentsos`` logger)
        raise_on_failure : bool, raise :class:`SolverFailedError` unless CERTIFIED
        sparsity : {"none", "auto", "correlative", "term", "both", "newton"}, default "none"
            Exploit correlative sparsity (one moment matrix per clique of the variables), term
            sparsity (TSSOS block moment matrices, climbing the support steps to the fixed point
            before the next order), both (CS-TSSOS) or, without constraints, the Newton polytope
            (one moment matrix over the reduced basis of :mod:`momentsos.relax.newton`, same bound as the
            dense one; when its full leading block is not flat the order is re-solved densely);
            "auto" uses correlative sparsity when its cliques hold at most half the dense moments,
            else the Newton basis on an unconstrained problem when it drops monomials, and reports
            the choice in ``res.sparsity``. Sparse bounds are valid lower bounds, possibly below the dense bound
            of the same order; see :mod:`momentsos.relax.sparse` for when they are equal and
            :mod:`momentsos.certify.sparse` for how sparse results are certified.
        chordal_extension : {"min_degree", "maximal"}, default "min_degree"
            Chordal extension of the sparsity graphs (see :mod:`momentsos.relax.graphs`).
        term_steps : int, optional
            Largest TSSOS step per order (default: up to the fixed point).
        box : float or array of shape (n, 2), optional (a radius ``R``, meaning ``[-R, R]^n``, or
            ``[lower, upper]`` per variable) assumed to contain the feasible points of interest; it
            is intersected with the box derived from the constraints (:mod:`momentsos.certify.verified`)
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
    chain (``res.solver.tried``); ``time_limit`` bounds the whole call.

    Examples
    --------
    >>> import sympy as sp, momentsos as ms
    >>> x, y = sp.symbols("x y")
    >>> res = ms.minimize((x - 1)**2 + (y + 2)**2 + 3)          # doctest: +SKIP
    >>> res.status, round(res.lower_bound, 6), res.x.round(6)     # doctest: +SKIP
    (<Status.CERTIFIED: 'certified'>, 3.0, array([ 1., -2.]))
    """
    opts = Options.from_kwargs(options)
    problem = _problem_of(objective, inequalities, equalities, variables)
    hierarchy, orders = Hierarchy.plan(problem, opts, order, solver)
    direction = problem.unbounded_direction()
    if direction is not None:
        final = unbounded_result(problem, orders[0], direction)
    else:
        final = hierarchy.answer(list(hierarchy.climb(orders)))
    if opts.raise_on_failure and not opts.certify and final.status is not Status.BOUND_ONLY:
        raise SolverFailedError(f"minimize did not return an accurate bound: {final.status.name}: {final.message}")
    if opts.raise_on_failure and opts.certify and not final.success:
        raise SolverFailedError(f"minimize did not certify a global minimum: {final.status.name}: {final.message}")
    return final


def _problem_of(objective: Any, inequalities: Any, equalities: Any, variables: Any) -> PolyProblem:
    """The :class:`PolyProblem` of ``minimize``'s arguments (a prepared one passes through alone)."""
    if not isinstance(objective, PolyProblem):
        return PolyProblem(objective, inequalities, equalities, variables)
    if inequalities or equalities or variables is not None:
        beside = {"inequalities": inequalities, "equalities": equalities, "variables": variables}
        given = ", ".join(f"{k}={v!r}" for k, v in beside.items() if (v is not None if k == "variables" else v))
        raise InvalidOptionError(
            f"Invalid input for minimize: got a PolyProblem and {given}; pass constraints and variables "
            "inside the PolyProblem, not beside it"
        )
    return objective
