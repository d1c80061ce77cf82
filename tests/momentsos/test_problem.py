"""PolyProblem: normalisation of relations, variable inference, no mutation, minimal order.

The bad-input catalogue (exception type and message for each malformed input) is
``tests/momentsos/test_bad_inputs.py``.
"""

import numpy as np
import sympy as sp

import momentsos as ms

x, y, z = sp.symbols("x y z")


def test_relations_are_normalised():
    p = ms.PolyProblem(x, inequalities=[x >= 1, 2 <= y, x <= 3], equalities=[sp.Eq(x, y)])
    pts = np.array([2.0, 5.0])
    assert [g.evaluate(pts) for g in p.inequalities] == [1.0, 3.0, 1.0]
    assert p.equalities[0].evaluate(pts) in (-3.0, 3.0)


def test_variables_inferred_sorted_by_name():
    b, a = sp.symbols("b a")
    assert ms.PolyProblem(b + a**2).variables == (a, b)


def test_inputs_are_not_mutated():
    ineqs = [1 - x**2]
    ms.PolyProblem(x, inequalities=ineqs)
    assert ineqs == [1 - x**2]


def test_min_order_and_shift():
    p = ms.PolyProblem(x**6 + y, inequalities=[1 - x**2 - y**4])
    assert p.min_order == 3 and p.constraint_half_degree == 2


def test_from_polynomials_default_variables():
    f = ms.Polynomial([[2, 0]], [1.0])
    p = ms.PolyProblem.from_polynomials(f)
    assert len(p.variables) == 2 and p.min_order == 1
