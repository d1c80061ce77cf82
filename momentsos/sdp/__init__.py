"""The SDP layer: relaxation + solver -> moment vector, dual Gram matrices, status.

:func:`solve` is the one entry; each solver is reached through the route of its
:class:`~momentsos.sdp.registry.SolverSpec` (the built-in IPM, Clarabel's API, or cvxpy), and every
route returns a :class:`~momentsos.sdp.solution.RelaxationSolution` whose status is one of
:class:`~momentsos.sdp.solution.SolverStatus`. Solver failures are statuses, never exceptions.
"""

from __future__ import annotations

from typing import Any, Mapping

from .registry import (
    CLARABEL_MAX_MATRIX,
    COPT_MAX_MOMENTS,
    SOLVERS,
    SolverSpec,
    available_solvers,
    check_solver_options,
    default_solver_chain,
    resolve_solver,
)
from .solution import RelaxationSolution, SolverStatus, map_status

__all__ = [
    "solve", "SolverSpec", "SOLVERS", "SolverStatus", "RelaxationSolution", "available_solvers", "resolve_solver",
    "check_solver_options", "default_solver_chain", "map_status", "CLARABEL_MAX_MATRIX", "COPT_MAX_MOMENTS",
]


def solve(relaxation: Any, spec: SolverSpec, options: Mapping[str, Any] | None = None,
          verbose: bool = False) -> RelaxationSolution:
    """Solve ``relaxation`` (anything with ``objective_vector``, ``psd_maps``, ``equality_map``,
    ``num_moments``, ``build_time`` and ``moment_matrix_of``) with ``spec``'s solver."""
    return spec.route.solve(relaxation, spec, options, verbose)
