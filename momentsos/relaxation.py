"""The dense Lasserre moment relaxation of order k and its solution (IPM, CLARABEL's own API, or cvxpy).

For the POP ``min f s.t. g_j >= 0, h_i = 0`` the order-``k`` moment relaxation [Las01] is

.. math::

    \\min_y \\; L_y(f) \\quad\\text{s.t.}\\quad y_0 = 1,\\; M_k(y) \\succeq 0,\\;
    L_{g_j}(y) \\succeq 0,\\; L_y(h_i x^a) = 0 \\;(|a| \\le 2k - \\deg h_i),

with ``y`` indexed by the monomials of degree ``<= 2k`` (graded lex, see :mod:`momentsos.basis`).
Every matrix is a sparse linear map of ``y`` (:mod:`momentsos.moments`); cvxpy sees one
sparse-matrix-times-vector product per block, which keeps its compile time small.

References
----------
[Las01] J.-B. Lasserre, "Global optimization with polynomials and the problem of moments",
SIAM J. Optim. 11(3), 2001.
"""

from __future__ import annotations

import copy
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import scipy.sparse as sparse
from numpy.typing import NDArray

from .basis import MonomialBasis
from .errors import InvalidOptionError, RelaxationOrderError
from .moments import MomentMatrix, equality_rows_map, localizing_matrix_map, moment_matrix_map, stack_rows
from .problem import PolyProblem
from .solvers import SolverSpec, SolverStatus, map_status

__all__ = ["MomentRelaxation", "RelaxationSolution", "check_relaxation_order"]


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
        inequality): the Gram matrices of the SOS certificate (:mod:`momentsos.sos`).
    """

    status: SolverStatus
    raw_status: str
    lower_bound: float | None
    moments: NDArray[np.float64] | None
    moment_matrix: MomentMatrix | None
    times: dict[str, float] = field(default_factory=dict)
    num_iters: int | None = None
    duals: tuple[NDArray[np.float64], ...] | None = None


def check_relaxation_order(problem: PolyProblem, order: object) -> int:
    """``order`` as an int, or :class:`RelaxationOrderError` when it is not an integer ``>= k0``."""
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)):
        raise RelaxationOrderError(f"Invalid option `order`: expected a positive integer; got {order!r}")
    if order < problem.min_order:
        raise RelaxationOrderError(
            f"Invalid option `order={order}`: below the minimal order {problem.min_order} "
            f"(max over objective and constraints of ceil(degree / 2)); allowed: order >= {problem.min_order}"
        )
    return int(order)


class MomentRelaxation:
    """The order-``k`` moment relaxation of a :class:`PolyProblem`, assembled as sparse maps.

    Parameters
    ----------
    problem : PolyProblem
    order : int
        Relaxation order ``k >= problem.min_order``.

    Attributes
    ----------
    basis : MonomialBasis
        Monomials of degree ``<= 2k``: the index set of the moment vector.
    moment_map : scipy.sparse.csr_matrix
        ``vec(M_k(y)) = moment_map @ y``.
    localizing_maps : list of csr_matrix
        One per inequality, ``vec(L_{g_j}(y)) = localizing_maps[j] @ y``.
    equality_map : csr_matrix
        Stacked rows ``L(h_i x^a)``; the relaxation imposes ``equality_map @ y = 0``.
    objective_vector : ndarray
        ``L_y(f) = objective_vector @ y``.
    """

    sparsity: Any = None
    """A :class:`~momentsos.sparsity.SparsityReport` when ``minimize(sparsity=...)`` chose this relaxation."""

    def __init__(self, problem: PolyProblem, order: int) -> None:
        check_relaxation_order(problem, order)
        start = time.perf_counter()
        self.problem = problem
        self.order = int(order)
        n = problem.nvars
        self.basis = MonomialBasis(n, 2 * self.order)
        self.row_basis = MonomialBasis(n, self.order)
        self.moment_map = moment_matrix_map(self.basis, self.order)
        self.localizing_maps = [localizing_matrix_map(self.basis, self.order, g) for g in problem.inequalities]
        eq_blocks = [equality_rows_map(self.basis, self.order, h) for h in problem.equalities]
        self.equality_map = stack_rows(eq_blocks, len(self.basis))
        self.objective_vector = np.zeros(len(self.basis))
        f = problem.objective
        if f.nterms:
            self.objective_vector[self.basis.index_of(f.exponents)] = f.coefficients
        self.build_time = time.perf_counter() - start

    def face_relaxation(self, level: float) -> MomentRelaxation:
        """The same constraints plus the cut ``L_y(f) <= level``, with objective ``trace M_k(y)``.

        An interior-point solver converges to the analytic centre of the optimal face, whose rank
        is the largest on that face, so a relaxation that is exact can still look "not flat".
        Minimising the trace over the (nearly) optimal moments, a convex surrogate of rank, moves
        to a low-rank point of the face where flat truncation shows [Nie14]. The result is only a
        better place to look for atoms; the lower bound stays the one of the original relaxation.

        [Nie14] J. Nie, "Optimality conditions and finite convergence of Lasserre's hierarchy",
        Math. Program. 146, 2014 (generic objectives on the optimal face).
        """
        other = copy.copy(self)
        s = self.matrix_size
        diagonal = self.moment_map[np.arange(s) * (s + 1)]
        other.objective_vector = np.asarray(diagonal.sum(axis=0)).ravel()
        cut = -self.objective_vector.copy()
        cut[0] += level
        other.localizing_maps = [*self.localizing_maps, sparse.csr_matrix(cut[None, :])]
        return other

    @property
    def psd_maps(self) -> list[sparse.csr_matrix]:
        """Every PSD block as a sparse map of ``y`` (the moment matrix first): what the solvers take."""
        return [self.moment_map, *self.localizing_maps]

    @property
    def num_moments(self) -> int:
        return len(self.basis)

    @property
    def matrix_size(self) -> int:
        return len(self.row_basis)

    def __repr__(self) -> str:
        return (
            f"MomentRelaxation(order={self.order}, moments={self.num_moments}, "
            f"moment matrix {self.matrix_size}x{self.matrix_size}, {len(self.localizing_maps)} localizing blocks, "
            f"{self.equality_map.shape[0]} equality rows)"
        )

    def build(self) -> tuple[Any, Any, list[Any]]:
        """The cvxpy problem, its moment variable ``y`` and its block constraints in block order
        (moment matrix first, then one per localizing matrix; 1x1 blocks as scalar inequalities)."""
        import cvxpy as cp  # noqa: PLC0415 - cvxpy stays out of import momentsos's critical path

        y = cp.Variable(self.num_moments, name="y")
        constraints: list[Any] = [y[0] == 1]
        psd, blocks = [], []
        for A in self.psd_maps:
            s = int(round(np.sqrt(A.shape[0])))
            if s == 1:
                constraints.append(A @ y >= 0)
                blocks.append(constraints[-1])
            else:
                psd.append(cp.reshape(A @ y, (s, s), order="C") >> 0)
                blocks.append(psd[-1])
        constraints += psd
        if self.equality_map.shape[0]:
            constraints.append(self.equality_map @ y == 0)
        problem = cp.Problem(cp.Minimize(self.objective_vector @ y), constraints)
        return problem, y, blocks

    def solve(self, spec: SolverSpec, options: Mapping[str, Any] | None = None, verbose: bool = False) -> RelaxationSolution:
        """Solve the relaxation with ``spec``; solver failures become statuses, never exceptions."""
        if spec.native:
            return self._solve_native(spec, options, verbose)
        if spec.direct:
            return self._solve_direct(spec, options or {}, verbose)
        import cvxpy as cp  # noqa: PLC0415

        start = time.perf_counter()
        problem, y, blocks = self.build()
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
        times = {"build": self.build_time, "compile": compile_time, "solve": solve_time, "wall": wall}
        status = map_status(raw.split(":")[0])
        num_iters = int(stats.num_iters) if stats is not None and stats.num_iters is not None else None
        moments = None if y.value is None else np.asarray(y.value, dtype=np.float64)
        duals = None
        if all(b.dual_value is not None for b in blocks):
            duals = tuple(np.atleast_2d(np.asarray(b.dual_value, dtype=np.float64)) for b in blocks)
        return self._solution(status, raw, moments, times, num_iters, duals=duals)

    def _solve_native(self, spec: SolverSpec, options: Mapping[str, Any] | None, verbose: bool) -> RelaxationSolution:
        from .ipm import solve_lmi  # noqa: PLC0415

        opts = {**spec.defaults, **(options or {})}
        unknown = sorted(set(opts) - {"tol", "gap_tol", "max_iter", "time_limit"})
        if unknown:
            raise InvalidOptionError(
                f"Invalid option `solver_options`: {', '.join(map(repr, unknown))} not understood by IPM; "
                "allowed: 'tol', 'gap_tol', 'max_iter', 'time_limit'"
            )
        start = time.perf_counter()
        equality = self.equality_map if self.equality_map.shape[0] else None
        try:
            out = solve_lmi(self.objective_vector, self.psd_maps, equality,
                            verbose=verbose, **opts)
            raw, moments, iters, bound = out.status, out.y, out.iterations, out.dual_objective
            duals = None if out.dual is None else tuple(out.dual)
            if out.message:
                raw = f"{raw}: {out.message}"
        except (np.linalg.LinAlgError, MemoryError, ValueError, FloatingPointError) as exc:
            raw, moments, iters, bound = f"solver_error: {type(exc).__name__}: {exc}", None, None, None
            duals = None
        wall = time.perf_counter() - start
        times = {"build": self.build_time, "compile": 0.0, "solve": wall, "wall": wall}
        return self._solution(map_status(raw.split(":")[0]), raw, moments, times, iters, bound, duals)

    def _solve_direct(self, spec: SolverSpec, options: Mapping[str, Any], verbose: bool) -> RelaxationSolution:
        """CLARABEL through its own API (:mod:`momentsos.clarabel_direct`), without cvxpy."""
        from .clarabel_direct import solve_clarabel  # noqa: PLC0415

        opts = {**spec.defaults, **options}
        start = time.perf_counter()
        equality = self.equality_map if self.equality_map.shape[0] else None
        out = solve_clarabel(self.objective_vector, self.psd_maps, equality, opts, verbose)
        wall = time.perf_counter() - start
        raw = out.status if out.raw_status == "Solved" else f"{out.status}: Clarabel {out.raw_status}"
        times = {"build": self.build_time, "compile": out.assemble_time, "solve": out.solve_time, "wall": wall}
        return self._solution(map_status(out.status), raw, out.y, times, out.iterations, out.dual_objective, out.duals)

    def moment_matrix_of(self, moments: NDArray[np.float64]) -> MomentMatrix | None:
        """The (symmetrised) moment matrix ``M_k(y)`` with its basis labels."""
        s = self.matrix_size
        values = (self.moment_map @ moments).reshape(s, s)
        return MomentMatrix(0.5 * (values + values.T), self.row_basis, self.order)

    def _solution(self, status: SolverStatus, raw: str, moments: NDArray[np.float64] | None,
                  times: dict[str, float], num_iters: int | None, dual_bound: float | None = None,
                  duals: tuple[NDArray[np.float64], ...] | None = None) -> RelaxationSolution:
        """``dual_bound``: the dual objective where the solver reports one; the lower bound is the
        smaller of it and the primal value ``c^T y`` (which exceeds the relaxation's value by the gap)."""
        if status in (SolverStatus.OPTIMAL, SolverStatus.INACCURATE) and moments is not None:
            value = float(self.objective_vector @ moments)
            if dual_bound is not None and np.isfinite(dual_bound):
                value = min(value, float(dual_bound))
            return RelaxationSolution(
                status, raw, value, moments, self.moment_matrix_of(moments), times, num_iters, duals,
            )
        if status in (SolverStatus.OPTIMAL, SolverStatus.INACCURATE):
            status, raw = SolverStatus.ERROR, f"{raw} (no primal solution returned)"
        bound = -np.inf if status is SolverStatus.UNBOUNDED else (np.inf if status is SolverStatus.INFEASIBLE else None)
        return RelaxationSolution(status, raw, bound, None, None, times, num_iters)
