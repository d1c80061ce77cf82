"""One relaxation through one solver: the SDP solve, its certification and its status.

The stage the hierarchy (:mod:`momentsos.hierarchy`) runs for each relaxation and each solver of
its chain: :func:`momentsos.sdp.solve`, then :func:`momentsos.certify.certify_moments`, the
minimum-trace re-solve on the optimal face when an accurate solve is not certified (``low_rank``),
and the status of the result by the rules tabulated in :func:`momentsos.minimize`'s notes.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from . import sdp
from .certify import certify_moments, first_moments_attain
from .certify.atoms import Certificate
from .certify.extraction import Extraction
from .certify.sos import SOSCertificate, relaxation_certificate
from .certify.sparse import SparseCertificate
from .options import MAX_GAP_TOL, Options
from .relax.dense import MomentRelaxation
from .relax.report import SparsityReport
from .result import PolyOptResult, SolverStats, Status, status_message
from .sdp import RelaxationSolution, SolverSpec, SolverStatus

__all__ = ["solve_relaxation", "is_newton", "FACE_FACTOR", "FACE_MIN_SECONDS"]

FACE_FACTOR = 2.0
FACE_MIN_SECONDS = 1.0
"""The minimum-trace re-solve gets ``max(FACE_MIN_SECONDS, FACE_FACTOR * t1)`` seconds (``t1`` the
solve it follows) where the solver takes a time limit: it looks for atoms and never moves the bound."""


def is_newton(report: SparsityReport | None) -> bool:
    return report is not None and report.used == "newton"


def solve_relaxation(relaxation: MomentRelaxation, spec: SolverSpec, opts: Options) -> PolyOptResult:
    """One relaxation through one solver: SDP solve, certification, the minimum-trace re-solve on
    the optimal face when an accurate solve is not certified (``low_rank``), and the status.

    The result is in the units of ``relaxation.problem``; the status rules are those tabulated in
    :func:`momentsos.minimize`'s notes.
    """
    problem = relaxation.problem
    solver_options = dict(opts.solver_options or {})
    if opts.time_limit is not None and spec.time_limit_option:
        solver_options.setdefault(spec.time_limit_option, float(opts.time_limit))
    sol = sdp.solve(relaxation, spec, solver_options, opts.verbose)

    start = time.perf_counter()
    if opts.certify:
        flatness, extraction, certificate = certify_moments(relaxation, sol, sol.lower_bound, opts)
    else:
        flatness, certificate = None, None
        extraction = Extraction.not_attempted(problem.nvars)
    moment_matrix, moments, face_note, reason = sol.moment_matrix, sol.moments, "", ""
    times, face_wall = dict(sol.times), 0.0
    if (
        opts.low_rank
        and opts.certify
        # the Newton-reduced relaxation goes to the dense one instead (see _newton_settled)
        and not is_newton(relaxation.sparsity)
        and sol.status is SolverStatus.OPTIMAL
        and not (certificate and certificate.verified)
        and (opts.low_rank is True or first_moments_attain(relaxation, sol, opts))
    ):
        assert sol.lower_bound is not None
        level = sol.lower_bound + 0.5 * opts.gap_tol * max(1.0, abs(sol.lower_bound))
        face_options = dict(solver_options)
        if spec.time_limit_option:
            # the re-solve only looks for atoms: one that stalls (the face has no interior when the
            # bound is tight) may not cost more than a few first solves
            cap = max(FACE_MIN_SECONDS, FACE_FACTOR * sol.times.get("wall", 0.0))
            face_options[spec.time_limit_option] = min(cap, float(face_options.get(spec.time_limit_option, cap)))
        face = sdp.solve(relaxation.face_relaxation(level), spec, face_options, opts.verbose)
        face_wall = face.times.get("wall", 0.0)
        for key in ("solve", "compile"):
            times[key] = times.get(key, 0.0) + face.times.get(key, 0.0)
        if face.status is SolverStatus.OPTIMAL:
            second = certify_moments(relaxation, face, sol.lower_bound, opts)
            if second[2] is not None and second[2].verified:
                flatness, extraction, certificate = second
                moment_matrix, moments = face.moment_matrix, face.moments
                face_note = " (flat after a minimum-trace re-solve on the optimal face; other minimizers may exist)"
    extraction_time = time.perf_counter() - start - face_wall  # the re-solve counts as solver time

    sos = _certificate_of(relaxation, sol) if opts.certify else None
    if sol.status is SolverStatus.OPTIMAL:
        # very large moments come from a relaxation that is unbounded or whose infimum is not
        # attained: its "bound" may be wrong, so atoms that meet it prove nothing
        if moments is not None and np.abs(moments).max() > opts.moment_norm_tol:
            status, reason = Status.INACCURATE, "large_moments"
        elif certificate is not None and certificate.verified:
            status, reason = Status.CERTIFIED, getattr(certificate, "method", "")
        elif _point_beats_bound(certificate, sol.lower_bound, opts.gap_tol):
            status, reason = Status.INACCURATE, "bound_exceeded"
        else:
            status, reason = Status.BOUND_ONLY, extraction.outcome.value
        if (status in (Status.CERTIFIED, Status.BOUND_ONLY) and sos is not None
                and _residual_shift(relaxation, sol, sos, certificate) > MAX_GAP_TOL * max(1.0, abs(sos.bound))):
            status, reason = Status.INACCURATE, "residual_far"
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
        certificate=sos,
    )


def _point_beats_bound(certificate: Certificate | None, bound: float | None, gap_tol: float) -> bool:
    """A feasible extracted point with an objective below the "lower bound" by more than ``gap_tol``
    proves the solve inaccurate (SCS on badly scaled problems: a bound 1.5e-4 above the optimum)."""
    if certificate is None or certificate.upper_bound is None or bound is None:
        return False
    return certificate.upper_bound < bound - gap_tol * max(1.0, abs(bound))


def _residual_shift(relaxation: MomentRelaxation, sol: RelaxationSolution, sos: SOSCertificate,
                    certificate: Certificate | None) -> float:
    """How far the residual ``r`` of the SOS identity ``f - b = sigma + r`` can move the bound where
    the solve puts its mass: ``sum_a |r_a| w_a`` with ``w_a`` the larger of ``|y_a|`` (the solve's
    moments) and ``rho^|a|`` (``rho = max(1, max |x*_i|)`` over the atoms ``x*``, if any). A solve
    is accurate only when this is below ``MAX_GAP_TOL * max(1, |b|)``, the loosest gap allowed.

    The primal value ``L_y(f)`` and the bound differ by ``L_y(sigma) + L_y(r)``: a residual is
    harmless only where the moments are moderate. With an infimum that is not attained the solver
    drifts to moments of 1e5-1e6 or atoms at ``|x| ~ 30``, where a residual of ``1e-7`` in the
    coefficients is worth ``1e-1`` in value: such a solve bounds nothing, whatever the solver
    reported. (The exact proof, :mod:`momentsos.certify.rounding`, is what certifies; this float
    test keeps a solve that cannot be trusted from being called accurate.)
    """
    points = [a.point for a in certificate.atoms] if certificate is not None else []
    rho = max([1.0] + [float(np.abs(p).max(initial=0.0)) for p in points])
    r = sos.residual
    weight = rho ** r.exponents.sum(axis=1).astype(np.float64)
    basis = getattr(relaxation, "basis", None)
    if sol.moments is not None and basis is not None and len(r.coefficients):
        try:
            weight = np.maximum(weight, np.abs(sol.moments[basis.index_of(r.exponents)]))
        except (KeyError, IndexError):
            pass  # a residual monomial without a moment (a sparse relaxation's): the atoms' box alone
    return float(np.sum(np.abs(r.coefficients) * weight))


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
