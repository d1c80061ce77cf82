"""loss_problem: the POP of each loss (no SDP solver needed). Example 3.4 of [ZNT26] pins the exact
averaged residual."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
import sympy as sp

import nets
from nets.polynet.global_fit import loss_problem
from tests.nets.polynet._paper import CONFIGS, W1, W2, W3, X34, Y34
from tests.nets.polynet._paper import output_degree as _output_degree
from tests.nets.polynet._paper import random_net as _random_net


def test_example_3_4_averaged_residual_is_the_papers():
    net = nets.PolyNet([W1, W2, W3], degrees=[2, 1])
    prob = loss_problem(net, (X34, Y34))
    c11, c12, c20, c21, theta = prob.variables
    assert [str(v) for v in prob.variables] == ["c1_1", "c1_2", "c2_0", "c2_1", "theta"]
    paper = [
        3 * c20 + 9 * c21 + 29 * c12 * c21 - 52,
        5 * c11 * c21 - c20 + 5 * c12 * c21 - 4,
        3 * c20 + 10 * c21 - c11 * c21 + 41 * c12 * c21 - 76,
        sp.Rational(5, 2) * c11 * c21 - 9 * c21 - 2 * c20 - sp.Rational(73, 2) * c12 * c21 + sp.Rational(137, 2),
    ]
    scale = np.sqrt(np.mean(Y34**2))
    assert sp.expand(prob.objective.to_sympy(prob.variables) - theta) == 0
    assert len(prob.inequalities) == 8 and not prob.equalities
    for j, r in enumerate(paper):
        for sign, g in zip((1, -1), prob.inequalities[2 * j : 2 * j + 2]):
            diff = sp.expand(g.to_sympy(prob.variables) * scale - (scale * theta + sign * r))
            assert all(abs(float(c)) < 1e-9 for c in sp.Poly(diff, *prob.variables).coeffs())


def test_radius_adds_the_coefficient_ball_and_the_theta_bound_and_is_validated():
    net = nets.PolyNet([W1, W2, W3], degrees=[2, 1])
    c = sp.symbols("c1_1 c1_2 c2_0 c2_1")
    l2 = loss_problem(net, (X34, Y34), loss="l2", radius=3.0)
    assert len(l2.inequalities) == 1
    assert sp.expand(l2.inequalities[0].to_sympy(l2.variables) - (9 - sum(v**2 for v in c))) == 0
    prob = loss_problem(net, (X34, Y34), radius=3.0)
    base = loss_problem(net, (X34, Y34))
    assert len(prob.inequalities) == 10
    assert all(
        sp.expand(g.to_sympy(prob.variables) - h.to_sympy(base.variables)) == 0
        for g, h in zip(prob.inequalities[:8], base.inequalities)
    )
    ball, bound = (g.to_sympy(prob.variables) for g in prob.inequalities[8:])
    assert sp.expand(ball - (9 - sum(v**2 for v in c))) == 0
    # the redundant theta_ub^2 - theta^2 >= 0, theta_ub = the loss at c = 0 (the largest mean target)
    theta = prob.variables[-1]
    theta_ub = max(1.0, np.abs(Y34.mean(axis=0)).max() / np.sqrt(np.mean(Y34**2)))
    assert sp.expand(bound - (theta_ub**2 - theta**2)) == 0
    for bad in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"radius.*" + re.escape(repr(bad))):
            loss_problem(net, (X34, Y34), radius=bad)
    with pytest.raises(TypeError, match="radius.*'3'"):
        loss_problem(net, (X34, Y34), radius="3")


@pytest.mark.parametrize("name", CONFIGS)
def test_l2_objective_is_the_mean_squared_residual(name):
    net = _random_net(CONFIGS[name], seed=13)
    coefs = net.random_coefficients(seed=1)
    X, Y = nets.synthetic_data(net, coefs, 5, noise=0.1, seed=2)
    prob = loss_problem(net, (X, Y), loss="l2")
    scale = np.mean(Y**2) * Y.shape[1]
    assert prob.objective.degree == 2 * _output_degree(CONFIGS[name])
    for z in np.random.default_rng(3).uniform(-1, 1, (3, net.num_unknowns)):
        residual = net.forward(X, net.coefficients_from_vector(z)) - Y
        assert prob.evaluate_objective(z) * scale == pytest.approx((residual**2).sum(axis=1).mean(), rel=1e-10)


def test_linf_feasible_region_is_the_epigraph():
    net = _random_net([2, 3], width=6, seed=14)
    X, Y = nets.synthetic_data(net, net.random_coefficients(seed=1), 8, noise=0.1, seed=2)
    prob = loss_problem(net, (X, Y), loss="linf-mean")
    scale = np.sqrt(np.mean(Y**2))
    z = np.random.default_rng(3).uniform(-1, 1, net.num_unknowns)
    linf = np.abs((net.forward(X, net.coefficients_from_vector(z)) - Y).mean(axis=0)).max() / scale
    assert prob.violation(np.append(z, linf * (1 + 1e-9))) == 0.0
    assert prob.violation(np.append(z, linf * 0.99)) == pytest.approx(0.01 * linf, rel=1e-6)


def test_build_time_at_the_papers_largest_size():
    net = nets.PolyNet.random([40, 40, 40, 40], degrees=[2, 3], seed=0)
    X, Y = nets.synthetic_data(net, net.random_coefficients(seed=1), 250, noise=1e-2, seed=2)
    loss_problem(net, (X, Y))  # warm-up: imports, caches
    for loss in ("linf-mean", "l2"):
        start = time.perf_counter()
        prob = loss_problem(net, (X, Y), loss=loss)
        elapsed = time.perf_counter() - start
        assert prob.nvars == 7 if loss == "linf-mean" else 6
        assert elapsed < 1.0, f"building the {loss} POP took {elapsed:.3f} s"


# data validation (shapes, non-finite entries, identifiability, loss names): tests/nets/test_bad_inputs.py
