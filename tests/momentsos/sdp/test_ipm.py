"""The built-in interior-point method on LMIs with known answers, and through the relaxation."""

import os

import numpy as np
import pytest
import scipy.sparse as sp
import sympy

import momentsos as ms
from momentsos.relax.dense import MomentRelaxation
from momentsos.sdp.ipm import solve_lmi
from momentsos.testing import random_quartic_on_ball


def _vec_map(mats):
    """Columns: row-major vec of each symmetric matrix (the map y -> sum_a y_a mats[a])."""
    return sp.csr_matrix(np.column_stack([np.asarray(M, dtype=float).ravel() for M in mats]))


def test_two_by_two_lmi():
    # min y1 s.t. [[1, y1], [y1, 1]] >= 0: optimum -1 at the boundary
    B = _vec_map([np.eye(2), [[0, 1], [1, 0]]])
    out = solve_lmi(np.array([0.0, 1.0]), [B])
    assert out.status == "optimal"
    assert abs(out.objective + 1) < 1e-8 and abs(out.y[1] + 1) < 1e-7
    # the dual matrix certifies the bound: <C, X> = 1 gives dual objective -1
    assert abs(out.dual_objective + 1) < 1e-7


def test_equality_rows_are_honoured():
    # min y1 + y2 s.t. diag(y1, y2) >= 0, y1 = 2 y2 + 1  -> y = (1, 0), objective 1
    B = _vec_map([np.zeros((2, 2)), np.diag([1.0, 0.0]), np.diag([0.0, 1.0])])
    E = sp.csr_matrix(np.array([[1.0, -1.0, 2.0]]))  # 1 - y1 + 2 y2 = 0
    out = solve_lmi(np.array([0.0, 1.0, 1.0]), [B], E)
    assert out.status == "optimal" and abs(out.objective - 1) < 1e-7


def test_infeasible_lmi_is_reported():
    # [[y1 - 1, 0], [0, -y1 - 1]] >= 0 has no solution
    B = _vec_map([-np.eye(2), np.diag([1.0, -1.0])])
    out = solve_lmi(np.array([0.0, 0.0]), [B])
    assert out.status == "infeasible" and out.objective is None


def test_inconsistent_equalities_are_infeasible():
    B = _vec_map([np.eye(1), np.eye(1)])
    E = sp.csr_matrix(np.array([[1.0, -1.0], [2.0, -1.0]]))  # y1 = 1 and y1 = 2
    assert solve_lmi(np.array([0.0, 1.0]), [B], E).status == "infeasible"


def test_unbounded_lmi_is_reported():
    # min y1 s.t. [[1, 0], [0, 1 + y2]] >= 0: y1 appears in no constraint
    B = _vec_map([np.eye(2), np.zeros((2, 2)), np.diag([0.0, 1.0])])
    out = solve_lmi(np.array([0.0, 1.0, 0.0]), [B])
    assert out.status == "unbounded" and out.objective is None and "y[1]" in out.message


def test_bad_shapes_raise():
    B = _vec_map([np.eye(2), np.eye(2)])
    with pytest.raises(ValueError, match="block 0"):
        solve_lmi(np.zeros(3), [B])


def test_iteration_limit_is_an_error_status_not_an_exception():
    relaxation = MomentRelaxation(random_quartic_on_ball(4, seed=1), 2)
    out = solve_lmi(relaxation.objective_vector, [relaxation.moment_map, *relaxation.localizing_maps], max_iter=2)
    assert out.status == "error" and "iteration" in out.message


def test_unreachable_target_accepts_the_best_iterate_at_the_standard_level():
    # tol = 1e-14 is beyond double precision: the run stops at a breakdown, and its best iterate is
    # accepted because its residuals are below 1e-8 (Clarabel's and MOSEK's default), with the bound
    # of the run that converged to tol = 1e-9
    relaxation = MomentRelaxation(random_quartic_on_ball(4, seed=1), 2)
    blocks = [relaxation.moment_map, *relaxation.localizing_maps]
    ref = solve_lmi(relaxation.objective_vector, blocks)
    out = solve_lmi(relaxation.objective_vector, blocks, tol=1e-14)
    assert ref.status == "optimal" and ref.message == "converged"
    assert out.status == "optimal" and "residuals below 1e-08" in out.message
    assert abs(out.objective - ref.objective) < 1e-8 * max(1.0, abs(ref.objective))


@pytest.mark.parametrize("nvars", [3, 5])
def test_agrees_with_clarabel_on_random_quartics(nvars):
    problem = random_quartic_on_ball(nvars, seed=nvars)
    ipm = ms.minimize(problem, order=2, solver="IPM")
    ref = ms.minimize(problem, order=2, solver="CLARABEL")
    assert ipm.solver.name == "IPM" and ipm.solver.compile_time == 0.0
    assert abs(ipm.lower_bound - ref.lower_bound) < 1e-6 * max(1.0, abs(ref.lower_bound))


def test_unknown_ipm_option_is_rejected():
    t = sympy.symbols("t")
    with pytest.raises(ms.InvalidOptionError, match="eps"):
        ms.minimize((t - 1) ** 2, order=1, solver="IPM", solver_options={"eps": 1e-3})


def test_minimum_trace_resolve_finds_the_flat_point():
    # Example 3.4 of Zhang-Nie-Tang: the IPM's analytic centre of the optimal face is not flat
    named = ms.problems.get("zhang_example_3_4")
    plain = ms.minimize(named.problem(), order=2, solver="IPM", low_rank=False)
    assert plain.status is ms.Status.BOUND_ONLY
    res = ms.minimize(named.problem(), order=2, solver="IPM")
    assert res.status is ms.Status.CERTIFIED and "minimum-trace" in res.message
    assert plain.minimizers_complete and not res.minimizers_complete
    # the re-solve moves nothing: the solver's bound is the same (the reported one is proved, below it)
    assert res.certificate.bound == plain.lower_bound
    assert res.proof is not None and res.lower_bound == res.proof.lower_bound <= plain.lower_bound
    assert np.linalg.norm(res.x - np.array(named.minimizers[0])) < 1e-5


def test_sphere_equalities_are_reduced_and_solved_by_the_ipm():
    # on the sphere M_k(y) v = 0 for v = coefficients of |x|^2 - 1: no interior point unless the
    # IPM drops that kernel; it then certifies on its own, as the default chain's first route
    from momentsos.sdp.facial import reduce_block
    from momentsos.sdp.ipm import _equality_system

    x = sympy.symbols("x1:5")
    f = sum(xi**4 for xi in x) - x[0] * x[1] * x[2] + x[3] ** 3 - x[0] ** 2 * x[3]
    sphere = sum(xi**2 for xi in x) - 1
    relaxation = MomentRelaxation(ms.PolyProblem(f, equalities=[sphere], variables=x), 2)
    V, g, _ = _equality_system(relaxation.equality_map, relaxation.num_moments - 1)
    reduced, keep = reduce_block(relaxation.moment_map, relaxation.equality_map, V, g)
    assert keep is not None and len(keep) == relaxation.matrix_size - 1
    out = solve_lmi(relaxation.objective_vector, relaxation.psd_maps, relaxation.equality_map)
    assert out.status == "optimal" and out.message == "converged"
    assert out.dual[0].shape == (relaxation.matrix_size,) * 2  # padded back to the full block
    assert np.linalg.eigvalsh(out.dual[0])[0] >= -1e-12
    res = ms.minimize(f, equalities=[sphere], variables=x, order=2)
    ref = ms.minimize(f, equalities=[sphere], variables=x, order=2, solver="SCS")
    assert res.solver.name == "IPM" and len(res.solver.tried) <= 1
    assert abs(res.lower_bound - ref.lower_bound) < 1e-5 * max(1.0, abs(ref.lower_bound))


def test_small_schur_complements_run_blas_single_threaded():
    from momentsos.sdp.ipm import blas_threads

    assert blas_threads(100) == 1 and blas_threads(1999) == 1
    assert 1 <= blas_threads(10_000) <= (os.cpu_count() or 1)


@pytest.mark.parametrize("scale", [1e4, 1e6])
def test_the_gap_closes_in_the_callers_units(scale):
    # min scale * (1 + y1) over [[1, y1], [y1, 1]] >= 0: optimum 0, cost vector of norm `scale`.
    # Converged in the units of the scaled cost, the gap is still `scale` times tol in the caller's:
    # the IPM keeps stepping until the caller's gap is below gap_tol too
    B = _vec_map([np.eye(2), [[0, 1], [1, 0]]])
    out = solve_lmi(np.array([scale, scale]), [B])
    assert out.status == "optimal"
    assert abs(out.objective) <= 1e-7 and abs(out.dual_objective) <= 1e-7
    assert out.dual_objective <= out.objective
