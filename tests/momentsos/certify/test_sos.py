"""SOS certificates: hand-checked identities, named problems, every backend's duals, unscaling."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import momentsos as ms
from momentsos import problems, sdp
from momentsos.certify.sos import (
    GramBlock,
    certificate_from_blocks,
    relaxation_certificate,
)
from momentsos.polynomial import Polynomial
from momentsos.relax.dense import MomentRelaxation
from momentsos.sdp import SolverStatus, available_solvers, resolve_solver

x, y = sp.symbols("x y")


def _poly(expr, variables=(x, y)):
    return Polynomial.from_sympy(sp.expand(expr), variables)


def test_hand_certificate_has_zero_residual():
    # (x - 1)^2 + 2 = [1, x] [[1, -1], [-1, 1]] [1, x]^T + 2
    f = _poly((x - 1) ** 2 + 2, (x,))
    block = GramBlock(np.array([[1.0, -1.0], [-1.0, 1.0]]), np.array([[0], [1]]), Polynomial.constant(1.0, 1))
    cert = certificate_from_blocks(f, [block], variables=(x,))
    assert cert.bound == 2.0
    assert cert.residual.is_zero
    assert cert.min_eigenvalue == pytest.approx(0.0, abs=1e-15)


def test_residual_is_expanded_only_when_asked_for():
    f = _poly((x - 1) ** 2 + 2, (x,))
    block = GramBlock(np.array([[1.0, -1.0], [-1.0, 1.5]]), np.array([[0], [1]]), Polynomial.constant(1.0, 1))
    cert = certificate_from_blocks(f, [block], variables=(x,))
    assert "residual" not in vars(cert)
    assert cert.bound == 2.0
    assert cert.residual.nterms == 1 and cert.residual.coefficients[0] == pytest.approx(-0.5)  # -0.5 x^2
    assert cert.residual is cert.residual  # expanded once


def test_equality_multiplier_is_fitted_on_the_circle():
    # x + y + sqrt2 = (x + c)^2 / sqrt2 + (y + c)^2 / sqrt2 - (x^2 + y^2 - 1) / sqrt2, c = 1 / sqrt2
    r = np.sqrt(0.5)
    v = np.array([[r, 1.0, 0.0], [r, 0.0, 1.0]])  # rows: coefficients of x + c, y + c on [1, x, y]
    gram = r * v.T @ v
    basis = np.array([[0, 0], [1, 0], [0, 1]])
    h = _poly(x**2 + y**2 - 1)
    cert = certificate_from_blocks(_poly(x + y), [GramBlock(gram, basis, Polynomial.constant(1.0, 2))],
                                   [(h, np.array([[0, 0]]))], (x, y))
    assert cert.bound == pytest.approx(-np.sqrt(2.0), abs=1e-14)
    assert cert.residual_norm <= 1e-14
    p = cert.equalities[0].multiplier
    assert p.nterms == 1 and p.coefficients[0] == pytest.approx(-r, abs=1e-14)


NAMED = ["ball_linear", "box_bilinear", "circle_linear", "gloptipoly3_three_minimizers", "six_hump_camel",
         "box_concave", "zhang_example_3_4"]


@pytest.mark.parametrize("name", NAMED)
def test_certificate_identity_on_named_problems(name):
    """f - b - sum g_j sigma_j - sum h_i p_i is small, evaluates to zero defect, and b matches the bound."""
    named = problems.get(name)
    relaxation = MomentRelaxation(named.problem(), named.certified_order)
    sol = sdp.solve(relaxation, resolve_solver("IPM"))
    assert sol.status is SolverStatus.OPTIMAL
    assert sol.duals is not None and len(sol.duals) == 1 + len(relaxation.problem.inequalities)
    cert = relaxation_certificate(relaxation, sol.duals)
    scale = 1.0 + np.abs(relaxation.problem.objective.coefficients).max()
    assert cert.residual_norm <= 1e-7 * scale
    assert cert.min_eigenvalue >= -1e-9
    assert cert.bound == pytest.approx(sol.lower_bound, abs=1e-6 * max(1.0, abs(sol.lower_bound)))
    # the bound is fitted so that the residual has no constant term (without equalities it is read
    # off the Gram entries of the monomial 1, with them fitted by least squares)
    constant = ~cert.residual.exponents.any(axis=1)
    assert np.abs(cert.residual.coefficients[constant]).sum() <= 1e-12 * scale
    rng = np.random.default_rng(0)
    for point in rng.uniform(-1.5, 1.5, size=(3, relaxation.problem.nvars)):
        parts = cert.evaluate(point)
        assert abs(parts["defect"]) <= 1e-9 * (1 + abs(parts["objective"]))
    # the printed right-hand side is the same polynomial
    rhs = sp.lambdify(relaxation.problem.variables, cert.to_sympy())
    point = rng.uniform(-1, 1, size=relaxation.problem.nvars)
    lhs = float(relaxation.problem.objective.evaluate(point)) - cert.bound
    assert float(rhs(*point)) == pytest.approx(lhs, abs=1e-5 * (1 + abs(lhs)))


@pytest.mark.solver
@pytest.mark.parametrize("solver", ["CLARABEL", "SCS"])
def test_cvxpy_duals_give_a_certificate(solver):
    if solver not in available_solvers():
        pytest.skip(f"SDP solver {solver} is not installed")
    relaxation = MomentRelaxation(problems.get("gloptipoly3_three_minimizers").problem(), 2)
    sol = sdp.solve(relaxation, resolve_solver(solver))
    cert = relaxation_certificate(relaxation, sol.duals)
    assert cert.residual_norm <= 1e-5
    assert cert.bound == pytest.approx(-2.0, abs=1e-5)


def test_minimize_attaches_the_certificate_and_its_summary():
    res = ms.minimize(problems.get("box_bilinear").problem(), solver="IPM")
    assert res.certificate is not None and res.certificate.residual_norm <= 1e-9
    text = str(res.certificate)
    assert "block 0: multiplier 1" in text and "residual r" in text
    d = res.to_dict()
    assert d["certificate"]["block_sizes"] == [b.size for b in res.certificate.blocks]
    assert d["verification"]["lower_bound"] == res.verified_lower_bound


def test_certificate_of_a_balanced_problem_is_mapped_back():
    # coefficients spanning 1e8 trigger balancing (momentsos.scaling); the certificate must be the
    # original problem's: its residual is small against the original polynomials
    f = 1e4 * (x - 1e-2) ** 2 + 1e-4 * (y - 10) ** 2
    res = ms.minimize(f, inequalities=[1e4 - y**2], solver="IPM")
    assert "balanced" in res.message
    cert = res.certificate
    assert cert.objective is res.problem.objective
    assert cert.blocks[1].multiplier is res.problem.inequalities[0]
    assert cert.bound == pytest.approx(res.lower_bound, abs=1e-6)
    assert cert.residual_norm <= 1e-7
    parts = cert.evaluate(np.array([0.3, -2.0]))
    assert abs(parts["defect"]) <= 1e-9 * abs(parts["objective"])


def test_relaxations_with_explicit_blocks_are_read_from_their_rows():
    """A relaxation listing its blocks (as sparse relaxations do) gives the same certificate."""
    from types import SimpleNamespace

    relaxation = MomentRelaxation(problems.get("circle_linear").problem(), 1)
    sol = sdp.solve(relaxation, resolve_solver("IPM"))
    dense = relaxation_certificate(relaxation, sol.duals)
    rows = relaxation.basis.exponents[:3]
    explicit = SimpleNamespace(
        problem=relaxation.problem, order=1,
        blocks=[SimpleNamespace(rows=rows, constraint=-1, size=3)],
        equality_multipliers=[relaxation.basis.exponents[:1]],
    )
    cert = relaxation_certificate(explicit, sol.duals)
    assert cert.bound == pytest.approx(dense.bound, abs=1e-14)
    assert cert.residual_norm <= 1e-12
    assert relaxation_certificate(SimpleNamespace(**{**vars(explicit), "equality_multipliers": None}), sol.duals) is None


def test_certificate_of_a_balanced_sparse_problem_is_mapped_back():
    # correlative sparsity gives one SOS block per clique and localizing blocks in clique order, so
    # the blocks are not "moment matrix, then inequality j": each is mapped back by its multiplier
    z = sp.symbols("z0:4")
    f = sum(1e4 * (z[i] - 1e-2) ** 2 * 1e-3 + 1e-4 * (z[i] * z[i + 1] - 10) ** 2 for i in range(3))
    res = ms.minimize(f, inequalities=[1e4 - z[3] ** 2, 1e2 - z[0] ** 2], variables=z, order=2, solver="IPM",
                      sparsity="correlative")  # fmt: skip
    assert "balanced" in res.message
    cert = res.certificate
    ones = [b for b in cert.blocks if b.multiplier.degree == 0]
    assert len(ones) >= 2  # one SOS part per clique
    local = [b.multiplier for b in cert.blocks if b.multiplier.degree > 0]
    assert {id(g) for g in local} == {id(g) for g in res.problem.inequalities}  # the original polynomials
    assert cert.residual_norm <= 1e-6 * max(1.0, abs(cert.bound))
    parts = cert.evaluate(np.array([0.3, -2.0, 1.0, 0.5]))
    assert abs(parts["defect"]) <= 1e-9 * abs(parts["objective"])
