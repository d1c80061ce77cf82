"""Balancing by powers of two: exact, a no-op on well-scaled problems, decisive on badly scaled ones."""

import warnings

import numpy as np
import pytest
import sympy as sp

import momentsos as ms
from momentsos.reductions import balance, coefficient_spread

x, y = sp.symbols("x y")


@pytest.mark.parametrize("name", ms.problems.names())
def test_well_scaled_problems_are_left_alone(name):
    problem = ms.problems.get(name).problem()
    balanced, scaling = balance(problem)
    assert scaling.is_identity and balanced is problem


def test_balancing_is_exact_in_floating_point():
    problem = ms.PolyProblem(1e6 * x**2 + 1e-6 * y**4 - 3e-6 * y**2)
    balanced, scaling = balance(problem)
    assert not scaling.is_identity
    t, u = scaling.variable_exponents, scaling.polynomial_exponents[0]
    f, g = problem.objective, balanced.objective
    assert np.array_equal(f.exponents, g.exponents)
    assert np.array_equal(g.coefficients, np.ldexp(f.coefficients, f.exponents @ t - u))  # exact
    assert coefficient_spread(balanced) < 1e2 < 1e6 < coefficient_spread(problem)


def test_scaling_recovers_minimizers_hidden_under_the_tolerances():
    # min 1e6 x^2 + 1e-6 (y^4 - y^2) = -2.5e-7 at (0, +-1/sqrt 2); unscaled, (0, 0) passes the gap test
    f = 1e6 * x**2 + 1e-6 * y**4 - 1e-6 * y**2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ms.InaccurateSolutionWarning)
        res = ms.minimize(f)
        raw = ms.minimize(f, scale=False)
    assert res.success and "balanced" in res.message
    # within gap_tol * max(1, |bound|) below the minimum: an exact proof lowers the bound by its margin
    assert -2.5e-7 - 1e-9 <= res.lower_bound <= -2.5e-7
    found = sorted(a.point[1] for a in res.atoms)
    assert np.allclose(found, [-np.sqrt(0.5), np.sqrt(0.5)], atol=1e-5)
    assert all(a.objective == pytest.approx(-2.5e-7, rel=1e-6) for a in res.atoms)
    assert res.problem.objective.nterms == 3  # the original problem, not the balanced one
    # what balancing prevents: without it the certified point misses both minimizers
    assert raw.x is None or np.abs(raw.x[1]) < 0.1


def test_constrained_problem_round_trip():
    # min x + y on the disc of radius 1e-3: optimum -sqrt(2) 1e-3
    res = ms.minimize(x + y, inequalities=[1e-6 - x**2 - y**2])
    assert res.success
    assert res.lower_bound == pytest.approx(-np.sqrt(2) * 1e-3, rel=1e-6)
    assert np.allclose(res.x, -np.sqrt(0.5) * 1e-3, rtol=1e-5)


def test_a_uniformly_tiny_objective_is_normalised():
    # an equality-constrained plant whose objective is scaled by about 1e-3 (gap_tol would be absolute
    # below 1): balanced, it is certified at the plant; unbalanced, it may not be certified, but no
    # certificate may be wrong, since the gap is checked in the problem's own units
    from momentsos.testing import KINDS, check_answer, planted_suite

    kinds = tuple(k for k in KINDS if k != "not_exact")
    planted = next(p for p in planted_suite(1000, 0, kinds=kinds, nvars=(2, 3), scaled=True) if p.seed == 1203612942)
    assert np.abs(planted.problem.objective.coefficients).max() < 1e-2  # below OBJECTIVE_FLOOR
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ms.InaccurateSolutionWarning)
        fixed = ms.minimize(planted.problem, max_order=planted.max_order)
        loose = ms.minimize(planted.problem, max_order=planted.max_order, scale=False)
    assert check_answer(planted, fixed) == "certified" and "objective divided by 2^-" in fixed.message
    assert check_answer(planted, loose) != "wrong"


def test_a_large_constant_calls_for_no_balancing():
    # the constant of a long chain (20,959 in chained Wood at n = 1000) is not moved by scaling x
    problem = ms.PolyProblem(x**2 + 2 * x * y + 3 * y**2 + 1e6)
    assert coefficient_spread(problem) == pytest.approx(3.0)
    balanced, scaling = balance(problem)
    assert np.all(scaling.variable_exponents == 0)
