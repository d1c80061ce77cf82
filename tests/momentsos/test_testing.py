"""Planted-solution fuzzing: a certificate must never be wrong.

Hundreds of seeded random problems with a known optimum and known minimizers (constructions in
:mod:`momentsos.testing`); every CERTIFIED answer must match the plant, and no feasible plant may
be declared infeasible. The full run of 1,000+ is ``python benchmarks/momentsos_fuzz.py --count 1000``.
"""

import dataclasses
import itertools
import warnings
from collections import Counter

import numpy as np
import pytest

import momentsos as ms
from momentsos.reductions import coefficient_spread
from momentsos.testing import (
    KINDS,
    badly_scaled,
    check_answer,
    planted_problem,
    planted_suite,
)

FAILURES = ("wrong", "false_infeasible")


def _feasible_samples(planted, rng, count=2000):
    """Random feasible points of the planted problem (on the variety / sphere / hypercube where needed)."""
    problem, n = planted.problem, planted.problem.nvars
    kind = planted.kind
    if kind in ("binary", "odd_cycle"):
        return np.array(list(itertools.product([-1.0, 1.0], repeat=n)))
    samples = rng.uniform(-2.5, 2.5, size=(count, n))
    if kind == "box":
        return samples / 2.5
    if kind in ("ball", "sphere"):
        radius = np.linalg.norm(planted.minimizers[0])
        directions = samples / np.linalg.norm(samples, axis=1, keepdims=True)
        radii = radius * (1.0 if kind == "sphere" else rng.uniform(0, 1, size=(count, 1)))
        return radii * directions
    if kind == "variety":
        # h(x + t d) is a quadratic in t: its real roots are points of the variety on the line
        h = problem.equalities[0]
        d = rng.standard_normal((count, n))
        v0, v1, vm = (np.asarray(h.evaluate(samples + t * d)) for t in (0.0, 1.0, -1.0))
        a, b, c = 0.5 * (v1 + vm) - v0, 0.5 * (v1 - vm), v0
        disc = b * b - 4 * a * c
        ok = (disc >= 0) & (np.abs(a) > 1e-9)
        t = (-b[ok] + np.sqrt(disc[ok])) / (2 * a[ok])
        return samples[ok] + t[:, None] * d[ok]
    return samples


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("nvars", [2, 3, 5])
def test_the_plant_is_a_global_minimum(kind, nvars):
    """Sanity of the construction: minimizers feasible with f = optimum; feasible points above it."""
    if kind == "odd_cycle" and nvars % 2 == 0:
        nvars += 1
    planted = planted_problem(kind, nvars, seed=7)
    problem = planted.problem
    f = problem.objective
    for point in planted.minimizers:
        assert problem.violation(point) < 1e-12
        assert f.evaluate(point) == pytest.approx(planted.optimum, abs=1e-10)
    samples = _feasible_samples(planted, np.random.default_rng(0))
    feasible = np.array([problem.violation(s) < 1e-9 for s in samples])
    assert feasible.sum() >= min(50, len(samples))
    values = np.asarray(f.evaluate(samples[feasible]))
    assert np.all(values >= planted.optimum - 1e-9)
    if kind in ("binary", "odd_cycle"):  # the plant lists every minimizer of the finite set
        assert np.sum(values <= planted.optimum + 1e-9) == len(planted.minimizers)


def test_variety_equality_is_essential():
    # off the variety phi * h takes f below the planted optimum in most instances (12 of these 20)
    samples = np.random.default_rng(1).uniform(-3, 3, size=(4000, 3))
    below = 0
    for seed in range(20):
        planted = planted_problem("variety", 3, seed=seed)
        below += np.asarray(planted.problem.objective.evaluate(samples)).min() < planted.optimum - 1e-3
    assert below >= 10


def test_odd_cycle_order_one_is_provably_not_exact():
    # the Shor bound of the 5-cycle is c0 - a 5 cos(pi / 5) [GW95], below the minimum c0 - 3 a
    planted = planted_problem("odd_cycle", 5, seed=3)
    res = ms.minimize(planted.problem, order=1, solver="IPM")
    assert res.status is not ms.Status.CERTIFIED
    c0 = planted.problem.objective.coefficients[0]  # the constant term; the other coefficients are a
    a = planted.problem.objective.coefficients[1]
    assert res.lower_bound == pytest.approx(c0 - 5 * a * np.cos(np.pi / 5), abs=1e-6)
    assert planted.optimum == pytest.approx(c0 - 3 * a)


def test_generator_is_seeded_and_validates():
    a, b = planted_problem("ball", 3, seed=11), planted_problem("ball", 3, seed=11)
    assert a.optimum == b.optimum and np.array_equal(a.minimizers, b.minimizers)
    assert planted_problem("ball", 3, seed=12).optimum != a.optimum
    with pytest.raises(ValueError, match="kind='cube'"):
        planted_problem("cube", 3, seed=0)
    with pytest.raises(ValueError, match="nvars=1"):
        planted_problem("sos", 1, seed=0)
    with pytest.raises(ValueError, match="nvars=4.*odd_cycle"):
        planted_problem("odd_cycle", 4, seed=0)
    with pytest.raises(ValueError, match="degree=3"):
        planted_problem("sos", 2, seed=0, degree=3)


def test_badly_scaled_keeps_the_answer_in_other_units():
    planted = planted_problem("ball", 3, seed=1)
    scaled = badly_scaled(planted, seed=2)
    assert coefficient_spread(scaled.problem) > max(1e6, 100 * coefficient_spread(planted.problem))
    u = scaled.minimizers[0]
    assert np.allclose(u * scaled.variable_scale, planted.minimizers[0], rtol=1e-12)
    assert scaled.problem.violation(u) < 1e-12
    assert scaled.problem.objective.evaluate(u) == pytest.approx(scaled.optimum, rel=1e-12)
    assert scaled.optimum / scaled.value_scale == pytest.approx(planted.optimum, rel=1e-12)


def test_check_answer_catches_a_wrong_certificate():
    """The grader is not vacuous: a certificate moved off the plant, or at a provably inexact
    order, is graded wrong; an INFEASIBLE claim on the feasible plant is false."""
    planted = planted_problem("sos", 2, seed=4)
    res = ms.minimize(planted.problem, solver="IPM")
    assert check_answer(planted, res) == "certified"
    moved = ms.result.Atom(res.atoms[0].point + 1e-2, 1.0, res.atoms[0].objective, 0.0)
    assert check_answer(planted, dataclasses.replace(res, atoms=(moved,))) == "wrong"
    assert check_answer(planted, dataclasses.replace(res, lower_bound=res.lower_bound + 1e-2)) == "wrong"
    assert check_answer(planted, dataclasses.replace(res, status=ms.Status.INFEASIBLE)) == "false_infeasible"
    # the triangle's six minimizers need M_1 of rank 6 > 4 to be flat at order 2: certified at 3
    cycle = planted_problem("odd_cycle", 3, seed=0)
    res = ms.minimize(cycle.problem, order=3, solver="IPM")
    assert check_answer(cycle, res) == "certified" and len(res.atoms) == 6
    assert check_answer(cycle, dataclasses.replace(res, atoms=res.atoms[:5])) == "incomplete"
    assert check_answer(cycle, dataclasses.replace(res, order=1)) == "wrong"


def _run(count, seed, solver, kinds=KINDS, nvars=(2, 3), scaled=False):
    grades = Counter()
    for planted in planted_suite(count, seed, kinds=kinds, nvars=nvars, scaled=scaled):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ms.InaccurateSolutionWarning)
            res = ms.minimize(planted.problem, solver=solver, max_order=planted.max_order)
        grades[(planted.kind.split("/")[0], check_answer(planted, res))] += 1
    return grades


def _count(grades, which):
    return sum(v for (_, g), v in grades.items() if g in which)


def test_no_wrong_certificate_with_the_builtin_ipm():
    grades = _run(180, seed=1, solver="IPM")
    assert _count(grades, FAILURES) == 0, grades
    # the exact kinds without equality constraints certify (almost) every time
    for kind in ("sos", "sos_multi", "ball", "box"):
        assert grades[(kind, "certified")] >= 18, grades
    assert grades[("not_exact", "certified")] == 0


def test_no_wrong_certificate_with_the_default_chain():
    kinds = ("sos", "sos_multi", "ball", "sphere", "box", "variety", "binary", "odd_cycle")
    grades = _run(40, seed=2, solver=None, kinds=kinds)
    assert _count(grades, FAILURES) == 0, grades
    assert _count(grades, ("certified",)) >= 36, grades


def test_badly_scaled_problems_are_never_certified_wrongly():
    # coefficients spanning 1e-6 .. 1e6 and beyond: balanced (momentsos.scaling) or not certified
    kinds = ("sos", "sos_multi", "ball", "sphere", "box", "variety")
    grades = _run(90, seed=3, solver="IPM", kinds=kinds, scaled=True)
    assert _count(grades, FAILURES) == 0, grades
    for kind in ("sos", "ball", "box"):
        assert grades[(kind, "certified")] >= 13, grades


@pytest.mark.parametrize("seed", [0, 13])
def test_badly_scaled_hypercube_is_not_declared_infeasible(seed):
    # x_i^2 = 1 in units spanning 10^(+-1.5): coefficient spread below 1e4, so not balanced; IPM's
    # equality pre-check read these consistent rows as inconsistent until it equilibrated them
    planted = badly_scaled(planted_problem("odd_cycle", 3, seed=seed), seed=seed)
    res = ms.minimize(planted.problem, order=3, solver="IPM")
    assert check_answer(planted, res) != "false_infeasible", res.solver.raw_status


def test_an_unattained_infimum_is_never_certified():
    """(x_i x_j - 1)^2 + x_i^2 + ...: the infimum is approached as x_j -> inf, never attained."""
    from momentsos.testing import planted_problem

    for seed in range(2):
        planted = planted_problem("unattained", 2, seed=seed)
        assert planted.minimizers.shape == (0, 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = ms.minimize(planted.problem, order=2)
        assert check_answer(planted, res) != "wrong", (seed, res.status, res.lower_bound)
