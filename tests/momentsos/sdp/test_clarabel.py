"""CLARABEL through its own API: the same SDP, moments and duals as the cvxpy route."""

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sparse
import sympy as sp

import momentsos as ms
from momentsos import sdp
from momentsos.relax.dense import MomentRelaxation
from momentsos.sdp import SOLVERS, SolverStatus
from momentsos.sdp.clarabel import _csc, _triplets, smat, solve_clarabel, svec_map
from momentsos.sdp.cvxpy_routes import CvxpyRoute

x, y = sp.symbols("x y")
CAMEL = 4 * x**2 - sp.Rational(21, 10) * x**4 + x**6 / 3 + x * y - 4 * y**2 + 4 * y**4
DIRECT = SOLVERS["CLARABEL"]
VIA_CVXPY = dataclasses.replace(DIRECT, route=CvxpyRoute())

PROBLEMS = {
    "camel": (ms.PolyProblem(CAMEL, variables=(x, y)), 3),
    "disk and half plane": (ms.PolyProblem(x + y, inequalities=[1 - x**2 - y**2, x], variables=(x, y)), 2),
    "circle": (ms.PolyProblem(x**3 + y, equalities=[x**2 + y**2 - 1], variables=(x, y)), 2),
}


def test_svec_is_an_isometry_and_smat_its_inverse():
    rng = np.random.default_rng(1)
    s = 4
    X, Y = (0.5 * (a + a.T) for a in rng.standard_normal((2, s, s)))
    S = svec_map(sparse.identity(s * s, format="csr"), s)
    assert np.isclose((S @ X.ravel()) @ (S @ Y.ravel()), np.sum(X * Y))
    assert np.allclose(smat(S @ X.ravel(), s), X)
    Z = rng.standard_normal((s, s))  # a non-symmetric block enters by its symmetric part
    assert np.allclose(S @ Z.ravel(), S @ (0.5 * (Z + Z.T)).ravel())
    big = 130  # above the cached patterns: the same map built afresh
    B = svec_map(sparse.identity(big * big, format="csr"), big)
    W = rng.standard_normal((big, big))
    assert np.allclose(smat(B @ W.ravel(), big), 0.5 * (W + W.T))


@pytest.mark.parametrize("nnz", [0, 1, 40])
def test_constraint_matrix_assembly_sums_duplicates_like_scipy(nnz):
    rng = np.random.default_rng(nnz)
    shape = (7, 5)
    rows, cols = rng.integers(0, shape[0], nnz), rng.integers(0, shape[1], nnz)  # 40 draws: duplicates
    vals = rng.standard_normal(nnz)
    ours = _csc(rows, cols, vals, shape)
    ours.check_format(full_check=True)
    assert ours.has_canonical_format or nnz == 0
    assert np.allclose(ours.toarray(), sparse.coo_matrix((vals, (rows, cols)), shape=shape).toarray())
    # and the triplets of a CSR matrix read back its entries, non-canonical ones included
    csr = sparse.csr_matrix((vals, cols, np.searchsorted(np.sort(rows), np.arange(shape[0] + 1))), shape=shape)
    r, c, v = _triplets(csr)
    assert np.allclose(_csc(r, c, v, shape).toarray(), csr.toarray())


@pytest.mark.parametrize("name", PROBLEMS)
def test_direct_route_matches_the_cvxpy_route(name):
    problem, order = PROBLEMS[name]
    relaxation = MomentRelaxation(problem, order)
    direct, via = sdp.solve(relaxation, DIRECT), sdp.solve(relaxation, VIA_CVXPY)
    assert direct.status is SolverStatus.OPTIMAL and via.status is SolverStatus.OPTIMAL
    assert direct.lower_bound == pytest.approx(via.lower_bound, abs=1e-7)
    assert np.allclose(direct.moments, via.moments, atol=1e-6)
    assert len(direct.duals) == len(via.duals)
    for a, b in zip(direct.duals, via.duals):
        assert a.shape == b.shape and np.allclose(a, b, atol=1e-6)
        assert np.linalg.eigvalsh(a).min() > -1e-7  # Gram matrices are PSD


@pytest.mark.parametrize("name", PROBLEMS)
def test_minimize_with_the_direct_route_certifies_and_its_sos_certificate_holds(name):
    problem, order = PROBLEMS[name]
    res = ms.minimize(problem, order=order, solver="CLARABEL")
    assert res.status is ms.Status.CERTIFIED
    assert res.certificate is not None and res.certificate.residual_norm < 1e-6
    assert res.certificate.bound == pytest.approx(res.lower_bound, abs=1e-6)


def test_camel_minimizers_and_value():
    res = ms.minimize(CAMEL, order=3, solver="CLARABEL")
    # a proven bound is the SDP's lowered by the proof's margin (at most 1e-7 relative)
    assert -1.0316284535 - 2.1e-7 <= res.lower_bound <= -1.0316284535 + 1e-7
    points = sorted(tuple(np.round(a.point, 4)) for a in res.atoms)
    assert points == [(-0.0898, 0.7127), (0.0898, -0.7127)]
    assert res.solver.compile_time < 0.1  # conic data, not a cvxpy compilation


def test_verified_bound_comes_from_the_direct_duals():
    res = ms.minimize(x + y, inequalities=[1 - x**2 - y**2], order=2, solver="CLARABEL")
    assert res.verified_lower_bound is not None
    assert res.verified_lower_bound <= res.lower_bound + 1e-9
    assert res.verified_lower_bound == pytest.approx(-np.sqrt(2), abs=1e-5)


@pytest.mark.parametrize("options, words", [
    ({"no_such_setting": 1}, ["'no_such_setting'", "CLARABEL"]),
    ({"max_iter": "many"}, ["max_iter", "'many'", "CLARABEL"]),
])
def test_bad_settings_are_input_errors(options, words):
    with pytest.raises(ms.errors.InvalidOptionError) as info:
        solve_clarabel(np.array([0.0, 1.0]), [sparse.csr_matrix([[1.0, 0], [0, 1], [0, 1], [1, 0]])], None, options)
    assert all(w in str(info.value) for w in words)
    with pytest.raises(ms.errors.InvalidOptionError):
        ms.minimize(CAMEL, order=3, solver="CLARABEL", solver_options=options)


def test_infeasible_relaxation_is_a_status():
    res = ms.minimize(x, inequalities=[-1 - x**2], order=1, solver="CLARABEL")
    assert res.status is ms.Status.INFEASIBLE and res.lower_bound == np.inf
