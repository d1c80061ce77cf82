"""Newton-polytope basis reduction: hand-checked bases, dense-equal bounds, certificates, fallbacks.

The reduced bases below are worked out by hand in the comments; the solves use the built-in IPM
(always installed) and CLARABEL (a core dependency) on problems of at most 6 variables.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import momentsos as ms
from momentsos import problems
from momentsos.basis import graded_lex_exponents
from momentsos.errors import InvalidOptionError
from momentsos.polynomial import Polynomial
from momentsos.relax import newton
from momentsos.relax.newton import half_newton_polytope, newton_basis, prune_diagonal

CAMEL_VALUE = -1.0316284535
CAMEL_MINIMIZERS = np.array([[0.0898420131, -0.7126564030], [-0.0898420131, 0.7126564030]])


def _poly(expr, variables):
    return Polynomial.from_sympy(sp.expand(expr), tuple(variables))


def _rosenbrock(n: int) -> ms.PolyProblem:
    return problems.chained_rosenbrock(n).problem()


# -- the basis ------------------------------------------------------------------------------------
def test_camel_order3_keeps_the_seven_monomials_of_the_half_triangle():
    # supp f u {0} spans the triangle (0,0), (6,0), (0,4): 2b inside means a/3 + b/2 <= 1, so of the
    # ten monomials of degree <= 3 only x^2 y, x y^2 and y^3 leave; x^2 y^2 = x^2 * y^2 keeps xy.
    f = problems.get("six_hump_camel").problem().objective
    nb = newton_basis(f, 3)
    assert nb.rows.tolist() == [[0, 0], [1, 0], [0, 1], [2, 0], [1, 1], [0, 2], [3, 0]]
    assert (nb.dense_size, nb.hull_size, nb.full_degree, nb.reduces) == (10, 7, 2, True)


def test_rosenbrock_keeps_the_quadratics_without_the_last_square():
    # x_n enters only through (x_n - x_{n-1}^2)^2: x_n^4 is not a term, so x_n^2 is outside the
    # half polytope, and so is every product x_i x_n; pydrake's basis for n = 6 has 22 monomials.
    nb = newton_basis(_rosenbrock(4).objective, 2)
    expected = [[0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [2, 0, 0, 0], [1, 1, 0, 0],
                [1, 0, 1, 0], [0, 2, 0, 0], [0, 1, 1, 0], [0, 0, 2, 0]]
    assert nb.rows.tolist() == expected and nb.full_degree == 1
    assert newton_basis(_rosenbrock(6).objective, 2).size == 22


def test_lower_dimensional_polytope_is_handled_and_drops_the_first_moments():
    # supp(x^4 y^4 - x^2 y^2 + 1) lies on the diagonal: a segment in the plane
    x, y, z = sp.symbols("x y z")
    support = np.array([[4, 4], [2, 2], [0, 0]])
    candidates = np.array([[0, 0], [1, 0], [1, 1], [2, 2], [2, 1], [3, 3]])
    assert half_newton_polytope(support, candidates).tolist() == [True, False, True, True, False, False]
    # a square in the plane z = 0 of R^3: z and every monomial with z leave
    f = _poly(x**4 + y**4 + x**2 + y**2 + 1, (x, y, z))
    nb = newton_basis(f, 2)
    assert not nb.rows[:, 2].any() and not nb.has_first_moments and not nb.reduces
    # x^2 y^2 - x y + 1 (minimum 3/4 on xy = 1/2): one clique, support on the diagonal, dense basis
    prob = ms.PolyProblem(x**2 * y**2 - x * y + 1, variables=(x, y))
    res = ms.minimize(prob, order=2, solver="IPM", sparsity="auto")
    assert res.sparsity.used == "none" and "drops a degree-1 monomial" in res.sparsity.reason
    assert abs(res.lower_bound - 0.75) <= 1e-6


def test_polygon_test_in_two_variables_agrees_with_linear_programs():
    # the plane has its own exact hull (integer monotone chain); every candidate of 120 random
    # supports, collinear and single-point ones included, is checked against the feasibility LP
    rng = np.random.default_rng(7)
    for _ in range(120):
        degree = int(rng.integers(1, 7))
        support = rng.integers(0, degree + 1, size=(int(rng.integers(1, 10)), 2))
        candidates = graded_lex_exponents(2, degree)
        points = np.vstack([np.zeros((1, 2)), support]).astype(float)
        expected = [newton._in_hull_lp(points, 2.0 * c) for c in candidates]
        assert half_newton_polytope(support, candidates).tolist() == expected, support.tolist()


def test_polygon_edges_of_a_triangle_with_points_on_its_edges():
    # (0,0), (6,0), (0,4) with (3,0), (3,2) and (1,1) on edges or inside (0 is added): three edges, exact offsets
    edges = newton._polygon_edges(np.array([[3, 0], [6, 0], [3, 2], [0, 4], [1, 1], [6, 0]]))
    assert sorted(edges) == [(-4, 0, 0), (0, -6, 0), (4, 6, 24)]
    # points on a line (0 included) make no polygon
    assert newton._polygon_edges(np.array([[2, 1], [4, 2]])) is None
    assert newton._polygon_edges(np.zeros((0, 2), dtype=np.int64)) is None


def test_pure_powers_decide_full_dimension_and_the_svd_decides_the_rest():
    assert newton._has_every_pure_power(np.array([[6, 0], [1, 1], [0, 4]]))
    assert not newton._has_every_pure_power(np.array([[4, 2], [2, 4], [2, 2]]))  # Motzkin: no pure power
    assert not newton._has_every_pure_power(np.array([[2, 0, 0], [0, 2, 0], [1, 1, 1]]))
    assert not newton._has_every_pure_power(np.zeros((0, 2), dtype=np.int64))
    # without pure powers, full dimensional all the same (the Motzkin terms and 1 span the plane)
    support = np.array([[4, 2], [2, 4], [2, 2]])
    assert half_newton_polytope(support, np.array([[1, 1], [2, 1], [1, 0]])).tolist() == [True, True, False]


def test_pruning_removes_a_monomial_the_hull_keeps():
    # x^4 y^2 + x^2 y^4 + 1: xy is in half the triangle, but x^2 y^2 is neither a term nor a product
    # of two other kept monomials
    x, y = sp.symbols("x y")
    nb = newton_basis(_poly(x**4 * y**2 + x**2 * y**4 + 1, (x, y)), 3)
    assert (nb.hull_size, nb.rows.tolist()) == (4, [[0, 0], [2, 1], [1, 2]])
    # with the Motzkin term -3 x^2 y^2 it stays
    motzkin = newton_basis(problems.get("motzkin").problem().objective, 3)
    assert motzkin.rows.tolist() == [[0, 0], [1, 1], [2, 1], [1, 2]] and not motzkin.has_first_moments
    assert prune_diagonal(np.array([[0, 0]]), np.zeros((0, 2), dtype=np.int64)).tolist() == [True]


def test_linear_programs_agree_with_the_hull(monkeypatch):
    f = _rosenbrock(6).objective
    by_hull = newton_basis(f, 2).rows
    monkeypatch.setattr(newton, "HULL_MAX_DIMENSION", 0)
    assert np.array_equal(newton_basis(f, 2).rows, by_hull)


# -- solves -----------------------------------------------------------------------------------------
def test_camel_auto_uses_newton_certifies_both_minimizers_with_the_dense_bound():
    prob = problems.get("six_hump_camel").problem()
    auto = ms.minimize(prob, order=3, solver="CLARABEL", sparsity="auto")
    dense = ms.minimize(prob, order=3, solver="CLARABEL", sparsity="none")
    report = auto.sparsity
    assert report.used == "newton" and report.moment_blocks == (7,) and report.certified_by == "newton_flat"
    assert "keeps 7 of the 10 monomials" in report.reason
    assert auto.status is ms.Status.CERTIFIED and len(auto.hierarchy) == 1
    # the leading block over 1, x, y, x^2, xy, y^2 is the full M_2: ranks 1, 2, 2, flat at t = 2
    assert auto.flatness.ranks == (1, 2, 2) and auto.flatness.flat_orders == (2,)
    assert abs(auto.lower_bound - dense.lower_bound) <= 1e-7
    assert abs(auto.upper_bound - CAMEL_VALUE) <= 1e-8
    points = np.array(sorted(a.point.tolist() for a in auto.atoms))
    np.testing.assert_allclose(points, CAMEL_MINIMIZERS[np.argsort(CAMEL_MINIMIZERS[:, 0])], atol=1e-6)
    assert auto.to_dict()["sparsity"]["used"] == "newton"


@pytest.mark.parametrize("n", [4, 5, 6])
def test_rosenbrock_newton_bound_equals_dense_and_certifies_all_ones(n):
    prob = _rosenbrock(n)
    reduced = ms.minimize(prob, order=2, solver="IPM", sparsity="newton")
    dense = ms.minimize(prob, order=2, solver="IPM", sparsity="none")
    assert reduced.sparsity.used == "newton" and reduced.status is ms.Status.CERTIFIED, reduced.message
    assert abs(reduced.lower_bound - dense.lower_bound) <= 1e-6 and abs(reduced.lower_bound) <= 1e-6
    np.testing.assert_allclose(reduced.x, np.ones(n), atol=1e-5)
    # the reduced optimum is not rank 1 (loose x_i^4 moments): the first-order moments certify,
    # possibly not all minimizers
    assert reduced.sparsity.certified_by in ("first_moments", "newton_flat")


@pytest.mark.parametrize("named, size", [(problems.chained_wood(4), 8), (problems.get("rosenbrock"), 4)])
def test_named_problems_newton_bound_equals_dense(named, size):
    prob = named.problem()
    reduced = ms.minimize(prob, order=2, solver="IPM", sparsity="newton")
    dense = ms.minimize(prob, order=2, solver="IPM", sparsity="none")
    assert reduced.sparsity.moment_blocks == (size,) and reduced.status is ms.Status.CERTIFIED
    assert abs(reduced.lower_bound - dense.lower_bound) <= 1e-6
    assert abs(reduced.upper_bound - named.optimum) <= 1e-6
    np.testing.assert_allclose(reduced.x, np.array(named.minimizers[0]), atol=1e-5)


def test_several_minimizers_fall_back_to_dense_and_extract_all():
    # (x^2 - 1)^2 + (y^2 - 1)^2 at order 4: the reduced basis is the full degree-2 one, whose M_2
    # (rank 4) is not flat over M_1 (rank 3); the dense M_4 is ("auto" would pick correlative
    # sparsity for this separable function)
    named = problems.get("double_well_2d")
    res = ms.minimize(named.problem(), order=4, solver="CLARABEL", sparsity="newton")
    assert [r.status for r in res.hierarchy] == [ms.Status.BOUND_ONLY, ms.Status.CERTIFIED]
    assert res.sparsity.used == "none" and "re-solved with the dense basis" in res.sparsity.reason
    assert res.status is ms.Status.CERTIFIED and len(res.atoms) == 4
    points = sorted(tuple(np.round(a.point, 5)) for a in res.atoms)
    assert points == sorted(tuple(float(v) for v in m) for m in named.minimizers)


def test_certificate_is_written_in_the_reduced_basis_and_the_verified_bound_holds():
    prob = problems.get("six_hump_camel").problem()
    res = ms.minimize(prob, order=3, solver="CLARABEL", sparsity="auto", box=2.0)
    cert = res.certificate
    assert [b.size for b in cert.blocks] == [7]
    np.testing.assert_array_equal(cert.blocks[0].basis, newton_basis(prob.objective, 3).rows)
    assert cert.residual_norm <= 1e-6 and cert.min_eigenvalue >= -1e-7
    defect = cert.evaluate(np.array([0.3, -0.2]))["defect"]
    assert abs(defect) <= 1e-10
    assert res.verified_lower_bound is not None and res.verified_lower_bound <= CAMEL_VALUE + 1e-12
    assert res.verified_lower_bound >= CAMEL_VALUE - 1e-4


def test_order_none_climbs_with_newton():
    res = ms.minimize(problems.get("six_hump_camel").problem(), solver="IPM", sparsity="auto")
    assert res.status is ms.Status.CERTIFIED and res.order == 3 and res.sparsity.used == "newton"


# -- bad input --------------------------------------------------------------------------------------
def test_newton_on_a_constrained_problem_is_refused_with_the_allowed_values():
    prob = problems.get("ball_linear").problem()
    with pytest.raises(InvalidOptionError) as info:
        ms.minimize(prob, order=1, solver="IPM", sparsity="newton")
    text = str(info.value)
    assert "`sparsity='newton'`" in text and "1 inequalities" in text and "'auto'" in text


def test_unknown_sparsity_lists_newton():
    with pytest.raises(InvalidOptionError, match="'newton'"):
        ms.minimize(problems.get("six_hump_camel").problem(), order=3, sparsity="newtonian")


def test_pruning_with_row_sets_agrees_with_integer_keys(monkeypatch):
    f = _rosenbrock(5).objective
    by_keys = newton_basis(f, 2).rows
    monkeypatch.setattr(newton, "_key_map", lambda *blocks: None)
    assert np.array_equal(newton_basis(f, 2).rows, by_keys)
