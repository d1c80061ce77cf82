"""What one SDP solve of a relaxation returns, before any rank test, and the one map of solver statuses."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..relax.maps import MomentMatrix

__all__ = ["SolverStatus", "map_status", "RelaxationSolution", "solution_of"]


class SolverStatus(enum.Enum):
    """Solver outcome after mapping cvxpy's status strings."""

    OPTIMAL = "optimal"
    INACCURATE = "inaccurate"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    ERROR = "error"


_STATUS_MAP = {
    "optimal": SolverStatus.OPTIMAL,
    "optimal_inaccurate": SolverStatus.INACCURATE,
    "infeasible": SolverStatus.INFEASIBLE,
    # an "inaccurate" infeasibility or unboundedness claim is not a claim: COPT, for one, reports a
    # time limit as infeasible_inaccurate
    "infeasible_inaccurate": SolverStatus.ERROR,
    "unbounded": SolverStatus.UNBOUNDED,
    "unbounded_inaccurate": SolverStatus.ERROR,
    "solver_error": SolverStatus.ERROR,
    "user_limit": SolverStatus.ERROR,
    "infeasible_or_unbounded": SolverStatus.ERROR,
}


def map_status(cvxpy_status: str | None) -> SolverStatus:
    """Map a cvxpy status string to :class:`SolverStatus` (unknown strings are errors)."""
    return _STATUS_MAP.get(str(cvxpy_status), SolverStatus.ERROR)


@dataclass(frozen=True)
class RelaxationSolution:
    """What one SDP solve returns, before any rank test.

    Attributes
    ----------
    status : SolverStatus
    raw_status : str
        The status string cvxpy reported (or the exception text).
    lower_bound : float or None
        The relaxation value ``L_y(f)``.
    moments : ndarray or None
        The moment vector ``y`` (graded lex up to degree ``2k``).
    moment_matrix : MomentMatrix or None
    times : dict
        ``build`` (assembling the sparse maps), ``compile`` (cvxpy, or the conic data of the direct
        CLARABEL interface), ``solve`` (the solver itself).
    num_iters : int or None
    duals : tuple of ndarray or None
        The dual matrices of the PSD blocks in block order (moment matrix, then one per
        inequality): the Gram matrices of the SOS certificate (:mod:`momentsos.certify.sos`).
    """

    status: SolverStatus
    raw_status: str
    lower_bound: float | None
    moments: NDArray[np.float64] | None
    moment_matrix: MomentMatrix | None
    times: dict[str, float] = field(default_factory=dict)
    num_iters: int | None = None
    duals: tuple[NDArray[np.float64], ...] | None = None


def solution_of(relaxation: Any, status: SolverStatus, raw: str, moments: NDArray[np.float64] | None,
                times: dict[str, float], num_iters: int | None, dual_bound: float | None = None,
                duals: tuple[NDArray[np.float64], ...] | None = None) -> RelaxationSolution:
    """The solution record of ``relaxation`` from a solver's raw output.

    ``dual_bound``: the dual objective where the solver reports one; the lower bound is the
    smaller of it and the primal value ``c^T y`` (which exceeds the relaxation's value by the gap).
    An "optimal" or "inaccurate" claim without a primal solution is a solver error.
    """
    if status in (SolverStatus.OPTIMAL, SolverStatus.INACCURATE) and moments is not None:
        value = float(relaxation.objective_vector @ moments)
        if dual_bound is not None and np.isfinite(dual_bound):
            value = min(value, float(dual_bound))
        return RelaxationSolution(
            status, raw, value, moments, relaxation.moment_matrix_of(moments), times, num_iters, duals,
        )
    if status in (SolverStatus.OPTIMAL, SolverStatus.INACCURATE):
        status, raw = SolverStatus.ERROR, f"{raw} (no primal solution returned)"
    bound = -np.inf if status is SolverStatus.UNBOUNDED else (np.inf if status is SolverStatus.INFEASIBLE else None)
    return RelaxationSolution(status, raw, bound, None, None, times, num_iters)
