"""Planted-solution fuzzing: a certificate must never be wrong.

Hundreds of seeded random problems with a known optimum and known minimizers (constructions in
:mod:`momentsos.planted`); every CERTIFIED answer must match the plant. The full run of 1,000+ is
``python -m momentsos.planted --count 1000``.
"""

import warnings
from collections import Counter

import numpy as np
import pytest

import momentsos as ms
from momentsos.planted import KINDS, check_answer, planted_problem, planted_suite


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("nvars", [2, 3, 4])
def test_the_plant_is_a_global_minimum(kind, nvars):
    """Sanity of the construction: minimizers feasible with f = optimum; random feasible points above it."""
    planted = planted_problem(kind, nvars, seed=7)
    problem = planted.problem
    f = problem.objective
    for point in planted.minimizers:
        assert problem.violation(point) < 1e-12
        assert f.evaluate(point) == pytest.approx(planted.optimum, abs=1e-10)
    rng = np.random.default_rng(0)
    samples = rng.uniform(-2.5, 2.5, size=(4000, nvars))
    if kind in ("ball", "sphere"):
        radius = np.linalg.norm(planted.minimizers[0])
        directions = samples / np.linalg.norm(samples, axis=1, keepdims=True)
        radii = radius * (1.0 if kind == "sphere" else rng.uniform(0, 1, size=(len(samples), 1)))
        samples = radii * directions
    feasible = np.array([problem.violation(s) < 1e-9 for s in samples])
    assert feasible.sum() > 50
    assert np.all(f.evaluate(samples[feasible]) >= planted.optimum - 1e-9)


def test_generator_is_seeded_and_validates():
    a, b = planted_problem("ball", 3, seed=11), planted_problem("ball", 3, seed=11)
    assert a.optimum == b.optimum and np.array_equal(a.minimizers, b.minimizers)
    assert planted_problem("ball", 3, seed=12).optimum != a.optimum
    with pytest.raises(ValueError, match="kind='cube'"):
        planted_problem("cube", 3, seed=0)
    with pytest.raises(ValueError, match="nvars=1"):
        planted_problem("sos", 1, seed=0)


def _run(count, seed, solver, kinds=KINDS, nvars=(2, 3)):
    grades = Counter()
    for planted in planted_suite(count, seed, kinds=kinds, nvars=nvars):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ms.InaccurateSolutionWarning)
            res = ms.minimize(planted.problem, solver=solver, max_order=planted.max_order)
        grades[(planted.kind, check_answer(planted, res))] += 1
    return grades


def test_no_wrong_certificate_with_the_builtin_ipm():
    grades = _run(360, seed=1, solver="IPM")
    assert sum(v for (_, g), v in grades.items() if g == "wrong") == 0, grades
    # the exact kinds without equality constraints certify (almost) every time
    for kind in ("sos", "sos_multi", "ball", "box"):
        assert grades[(kind, "certified")] >= 57, grades
    assert grades[("not_exact", "certified")] == 0


def test_no_wrong_certificate_with_the_default_chain():
    grades = _run(30, seed=2, solver=None, kinds=("sos", "sos_multi", "ball", "sphere", "box"))
    assert sum(v for (_, g), v in grades.items() if g == "wrong") == 0, grades
    assert sum(v for (_, g), v in grades.items() if g == "certified") == 30, grades
