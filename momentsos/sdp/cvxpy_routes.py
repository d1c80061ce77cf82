"""Relaxations handed to any solver that cvxpy supports (SCS, MOSEK, COPT, CVXOPT, SDPA, or CLARABEL
through cvxpy for comparison).

cvxpy sees one sparse-matrix-times-vector product per PSD block, which keeps its compile time
small; the dual values of the block constraints are the Gram matrices of the SOS certificate.
"""

from __future__ import annotations

import time
import warnings
from typing import Any, Mapping

import numpy as np

from .solution import RelaxationSolution, map_status, solution_of

__all__ = ["CvxpyRoute", "cvxpy_problem"]


def cvxpy_problem(relaxation: Any) -> tuple[Any, Any, list[Any]]:
    """The cvxpy problem of ``relaxation``, its moment variable ``y`` and its block constraints in
    block order (moment matrix first, then one per localizing matrix; 1x1 blocks as scalar inequalities)."""
    import cvxpy as cp  # noqa: PLC0415 - cvxpy stays out of import momentsos's critical path

    y = cp.Variable(relaxation.num_moments, name="y")
    constraints: list[Any] = [y[0] == 1]
    psd, blocks = [], []
    for A in relaxation.psd_maps:
        s = int(round(np.sqrt(A.shape[0])))
        if s == 1:
            constraints.append(A @ y >= 0)
            blocks.append(constraints[-1])
        else:
            psd.append(cp.reshape(A @ y, (s, s), order="C") >> 0)
            blocks.append(psd[-1])
    constraints += psd
    if relaxation.equality_map.shape[0]:
        constraints.append(relaxation.equality_map @ y == 0)
    problem = cp.Problem(cp.Minimize(relaxation.objective_vector @ y), constraints)
    return problem, y, blocks


class CvxpyRoute:
    """Solve through cvxpy with the solver of the spec's name; solver failures become statuses."""

    usable_without_cvxpy = False

    def check_options(self, options: Mapping[str, Any]) -> None:
        """Options pass unchecked: the solver reports its own errors, as a SOLVER_ERROR status."""

    def solve(self, relaxation: Any, spec: Any, options: Mapping[str, Any] | None, verbose: bool) -> RelaxationSolution:
        import cvxpy as cp  # noqa: PLC0415

        start = time.perf_counter()
        problem, y, blocks = cvxpy_problem(relaxation)
        opts = {**spec.defaults, **(options or {})}
        try:
            with warnings.catch_warnings():
                # Inaccuracy is reported through the status; cvxpy's own warning would duplicate it.
                warnings.simplefilter("ignore")
                problem.solve(solver=spec.name, verbose=verbose, **opts)
            raw = str(problem.status)
        except cp.error.SolverError as exc:
            raw = f"solver_error: {exc}"
        except Exception as exc:  # solver bindings raise assorted types (licence, memory, ...)
            raw = f"solver_error: {type(exc).__name__}: {exc}"
        wall = time.perf_counter() - start
        stats = problem.solver_stats
        solve_time = float(stats.solve_time) if stats is not None and stats.solve_time is not None else np.nan
        compile_time = float(getattr(problem, "compilation_time", np.nan) or np.nan)
        if not np.isfinite(solve_time):
            solve_time = wall - (compile_time if np.isfinite(compile_time) else 0.0)
        times = {"build": relaxation.build_time, "compile": compile_time, "solve": solve_time, "wall": wall}
        status = map_status(raw.split(":")[0])
        num_iters = int(stats.num_iters) if stats is not None and stats.num_iters is not None else None
        moments = None if y.value is None else np.asarray(y.value, dtype=np.float64)
        duals = None
        if all(b.dual_value is not None for b in blocks):
            duals = tuple(np.atleast_2d(np.asarray(b.dual_value, dtype=np.float64)) for b in blocks)
        return solution_of(relaxation, status, raw, moments, times, num_iters, duals=duals)
