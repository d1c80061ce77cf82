"""Sparse relaxations solved end to end: bounds against the dense ones, certificates, `sparsity=` option.

The built-in IPM is always available, so these tests run everywhere; one test uses CLARABEL (a core
dependency) where the IPM stalls on an equality-constrained relaxation.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import momentsos as ms
from momentsos import problems, sdp
from momentsos.errors import InvalidOptionError
from momentsos.relax.dense import MomentRelaxation
from momentsos.relax.sparse import sparse_relaxations
from momentsos.sdp import SolverStatus, resolve_solver

IPM = resolve_solver("IPM")
BOUND_TOL = 1e-6


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(1.0, abs(b))


@pytest.mark.parametrize("make", [problems.chained_rosenbrock, problems.chained_wood, problems.broyden_tridiagonal])
def test_chained_n20_certified_with_correlative_sparsity(make):
    named = make(20)
    res = ms.minimize(named.problem(), order=2, solver="IPM", sparsity="correlative")
    assert res.status is ms.Status.CERTIFIED, res.message
    assert _rel(res.lower_bound, named.optimum) <= BOUND_TOL
    assert _rel(res.upper_bound, named.optimum) <= BOUND_TOL
    report = res.sparsity
    assert report.used == "correlative" and report.certified_by == "flat_cliques"
    assert max(report.clique_sizes) <= 3
    assert report.num_moments < report.dense_num_moments / 20  # 10626 dense moments at n = 20
    if named.minimizers:  # unique minimizer: every clique is rank 1
        assert report.overlap_consistent and len(res.atoms) == 1
        np.testing.assert_allclose(res.x, named.minimizers[0], atol=1e-4)
    else:
        # Broyden: two global minimizers that differ mostly in the first coordinates, so the first
        # cliques have rank 2 and the later ones (numerically) rank 1; both glued points are minimizers
        assert sorted(round(a.point[0], 4) for a in res.atoms) == [-0.5708, 1.8327]
        assert all(abs(a.objective) <= 1e-9 for a in res.atoms)


@pytest.mark.parametrize("make", [problems.chained_rosenbrock, problems.chained_wood, problems.broyden_tridiagonal])
def test_chained_n40_certified_with_correlative_sparsity(make):
    named = make(40)
    res = ms.minimize(named.problem(), order=2, solver="IPM", sparsity="auto")
    assert res.status is ms.Status.CERTIFIED and res.sparsity.used == "correlative"
    assert _rel(res.lower_bound, named.optimum) <= BOUND_TOL


@pytest.mark.parametrize("named", [problems.chained_rosenbrock(6), problems.chained_wood(4),
                                   problems.broyden_tridiagonal(6)], ids=lambda p: p.name)
def test_correlative_bound_equals_the_exact_dense_bound(named):
    """On these sums of squares of clique polynomials the dense order-2 bound is the minimum, and so
    is the clique bound (the cliques of a chordal extension have the running intersection property)."""
    prob = named.problem()
    dense = sdp.solve(MomentRelaxation(prob, 2), IPM)
    sparse = sdp.solve(next(sparse_relaxations(prob, 2, "correlative")), IPM)
    assert dense.status is SolverStatus.OPTIMAL and sparse.status is SolverStatus.OPTIMAL
    assert _rel(dense.lower_bound, named.optimum) <= BOUND_TOL
    assert _rel(sparse.lower_bound, dense.lower_bound) <= BOUND_TOL


def _ball_quartic() -> ms.PolyProblem:
    x = sp.symbols("x0:4")
    f = -1.65 * x[0] ** 4 + 0.66 * x[0] ** 2 * x[2] ** 2 + 2.04 * x[0] * x[1] * x[3] + 0.11 * x[1] ** 2 \
        + 0.17 * x[1] * x[3] + 0.65 * x[2] * x[3] - 0.51 * x[2]
    return ms.PolyProblem(f, [1 - sum(v**2 for v in x)], variables=x)


def test_term_sparsity_bounds_are_below_dense_and_reach_it_at_the_fixed_point():
    prob = _ball_quartic()
    dense = sdp.solve(MomentRelaxation(prob, 2), IPM).lower_bound
    # maximal chordal extension: the fixed point's blocks are the sign-symmetry classes [WML21a]
    maximal = [sdp.solve(r, IPM).lower_bound for r in sparse_relaxations(prob, 2, "term", chordal_extension="maximal")]
    assert _rel(maximal[-1], dense) <= BOUND_TOL
    # minimum-degree extension: valid bounds at every step, non-decreasing, the first strictly weaker here
    steps = [sdp.solve(r, IPM).lower_bound for r in sparse_relaxations(prob, 2, "term")]
    assert len(steps) >= 2
    assert all(b <= dense + BOUND_TOL for b in steps)
    assert all(b2 >= b1 - BOUND_TOL for b1, b2 in zip(steps, steps[1:]))
    assert steps[0] < dense - 1e-3


def test_both_climbs_tssos_steps_until_certified():
    named = problems.broyden_tridiagonal(8)
    res = ms.minimize(named.problem(), order=2, solver="IPM", sparsity="both")
    assert res.status is ms.Status.CERTIFIED and res.sparsity.certified_by == "first_moments"
    assert res.sparsity.term_step == len(res.hierarchy) and all(r.order == 2 for r in res.hierarchy)
    assert "no flatness test" in res.message
    assert not res.minimizers_complete
    assert abs(res.upper_bound) <= BOUND_TOL


def test_correlative_glues_two_minimizers_along_the_clique_tree():
    x = sp.symbols("x0:4")
    f = x[0] * x[1] + x[1] * x[2] + x[2] * x[3]
    res = ms.minimize(f, [1 - v**2 for v in x], variables=x, order=2, solver="IPM", sparsity="correlative")
    assert res.status is ms.Status.CERTIFIED and res.sparsity.certified_by == "flat_cliques"
    assert res.sparsity.overlap_consistent and res.minimizers_complete
    assert [f.ranks[-1] for f in res.sparsity.clique_flatness] == [2, 2, 2]
    points = sorted(np.round(a.point, 5).tolist() for a in res.atoms)
    assert points == [[-1.0, 1.0, -1.0, 1.0], [1.0, -1.0, 1.0, -1.0]]


def test_disconnected_cliques_certify_but_flag_incomplete_minimizers():
    named = problems.get("double_well_2d")
    res = ms.minimize(named.problem(), order=2, solver="IPM", sparsity="correlative")
    assert res.status is ms.Status.CERTIFIED
    assert res.sparsity.cliques == ((0,), (1,))
    assert not res.minimizers_complete  # 2 of the 4 products of the clique atoms are listed
    for atom in res.atoms:
        assert np.allclose(np.abs(atom.point), 1.0, atol=1e-5)


@pytest.mark.parametrize("mode", ["correlative", "term", "both"])
def test_equalities_are_assigned_to_cliques(mode):
    x = sp.symbols("x0:3")
    # x0^2 + x1^2 = 1 = x1^2 + x2^2; the minimum of the sum is -sqrt(5) at (-2, -1, -2) / sqrt(5)
    res = ms.minimize(x[0] + x[1] + x[2], equalities=[x[0] ** 2 + x[1] ** 2 - 1, x[1] ** 2 + x[2] ** 2 - 1],
                      variables=x, order=2, solver="CLARABEL", sparsity=mode)
    assert res.status is ms.Status.CERTIFIED, res.message
    assert _rel(res.lower_bound, -np.sqrt(5.0)) <= 1e-5
    np.testing.assert_allclose(res.x, np.array([-2.0, -1.0, -2.0]) / np.sqrt(5.0), atol=1e-4)


def test_auto_uses_correlative_sparsity_on_a_chain_and_reports_it():
    prob = problems.chained_rosenbrock(8).problem()
    auto = ms.minimize(prob, order=2, solver="IPM", sparsity="auto")
    explicit = ms.minimize(prob, order=2, solver="IPM", sparsity="correlative")
    assert auto.sparsity.requested == "auto" and auto.sparsity.used == "correlative"
    assert "7 cliques of at most 2 of 8 variables" in auto.sparsity.reason
    assert auto.lower_bound == pytest.approx(explicit.lower_bound, abs=1e-12)
    assert "sparsity: correlative (requested auto)" in repr(auto)
    assert auto.to_dict()["sparsity"]["clique_ranks"] == [list(f.ranks) for f in auto.sparsity.clique_flatness]


def test_auto_stays_dense_without_structure_and_says_why():
    # constrained, one clique: neither correlative sparsity nor the Newton basis (unconstrained
    # problems only; see tests/momentsos/test_newton.py) applies
    prob = problems.get("box_bilinear").problem()
    auto = ms.minimize(prob, order=2, solver="IPM", sparsity="auto")
    dense = ms.minimize(prob, order=2, solver="IPM")
    assert auto.sparsity.used == "none" and "one clique of all 2 variables" in auto.sparsity.reason
    assert dense.sparsity is None and dense.to_dict()["sparsity"] is None
    assert auto.status is dense.status is ms.Status.CERTIFIED
    assert auto.lower_bound == dense.lower_bound and auto.moment_matrix is not None


@pytest.mark.parametrize(
    "options, fragments",
    [
        ({"sparsity": "sparse"}, ["`sparsity='sparse'`", "'none'", "'auto'", "'correlative'", "'term'", "'both'"]),
        ({"sparsity": 1}, ["`sparsity=1`", "allowed"]),
        ({"sparsity": None}, ["`sparsity=None`", "allowed"]),
        ({"chordal_extension": "md"}, ["`chordal_extension='md'`", "'min_degree'", "'maximal'"]),
        ({"term_steps": 0}, ["`term_steps=0`", "integer >= 1"]),
        ({"term_steps": True}, ["`term_steps=True`"]),
    ],
)
def test_bad_sparsity_options_name_argument_value_and_allowed(options, fragments):
    x = sp.symbols("x")
    with pytest.raises(InvalidOptionError) as info:
        ms.minimize(x**2, order=1, **options)
    assert isinstance(info.value, ValueError)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_scalable_problem_sizes_are_checked():
    with pytest.raises(ValueError, match="n=6"):
        problems.chained_wood(6)
    with pytest.raises(KeyError, match="chained_rosenbrock"):
        problems.scalable("chained_banana", 10)
    assert problems.scalable("broyden_tridiagonal", 3).problem().nvars == 3
