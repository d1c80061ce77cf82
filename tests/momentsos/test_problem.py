"""Bad input -> exception type and a message naming the argument and the value."""

import math

import numpy as np
import pytest
import sympy as sp

import momentsos as ms
from momentsos import InvalidOptionError, InvalidProblemError, RelaxationOrderError, SolverUnavailableError

x, y, z = sp.symbols("x y z")


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        (dict(objective=sp.sin(x) + y), "not polynomial"),
        (dict(objective=1 / x), "not polynomial"),
        (dict(objective=sp.sqrt(x)), "not polynomial"),
        (dict(objective=sp.Abs(x)), "not polynomial"),
        (dict(objective=x**0.5), "not polynomial"),
        (dict(objective=x**2, inequalities=[sp.exp(y)]), "inequality 0"),
        (dict(objective=x * z, variables=[x, y]), "z"),
        (dict(objective=x + sp.nan), "non-finite"),
        (dict(objective=x + sp.oo), "non-finite"),
        (dict(objective=x + sp.Float(math.inf)), "non-finite"),
        (dict(objective=sp.I * x), "complex"),
        (dict(objective=x, inequalities=[x > 1]), "strict"),
        (dict(objective=x, inequalities=[sp.Ne(x, 1)]), "not allowed"),
        (dict(objective=x, inequalities=[sp.Eq(x, 1)]), "equalities"),
        (dict(objective=x, equalities=[x >= 1]), "inequalities"),
        (dict(objective=x, inequalities=[True]), "boolean"),
        (dict(objective=sp.Integer(3)), "no variable"),
        (dict(objective=x, variables=[]), "empty"),
        (dict(objective=x, variables=[x, x]), "duplicates"),
        (dict(objective=x, variables=["x"]), "Symbols"),
        (dict(objective="x**2"), "sympy expression"),
        (dict(objective=x >= 1), "relation"),
    ],
)
def test_bad_problem_input(kwargs, fragment):
    with pytest.raises(InvalidProblemError, match=fragment) as info:
        ms.PolyProblem(**kwargs)
    assert isinstance(info.value, ValueError)
    assert "PolyProblem" in str(info.value)


def test_unknown_symbol_message_names_symbol_and_variables():
    with pytest.raises(InvalidProblemError) as info:
        ms.PolyProblem(x + z, variables=[x, y])
    msg = str(info.value)
    assert "z" in msg and "(x, y)" in msg and "objective" in msg


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


@pytest.mark.parametrize(
    "kwargs,error,fragment",
    [
        (dict(order=1), RelaxationOrderError, "below the minimal order 2"),
        (dict(order=2.5), RelaxationOrderError, "integer"),
        (dict(order="2"), RelaxationOrderError, "integer"),
        (dict(order=True), RelaxationOrderError, "integer"),
        (dict(max_order=1), RelaxationOrderError, "max_order"),
        (dict(solver="NOPE"), SolverUnavailableError, "installed and usable here"),
        (dict(solver=3), InvalidOptionError, "solver"),
        (dict(tolerance=1e-3), InvalidOptionError, "tolerance"),
        (dict(feas_tol=-1.0), InvalidOptionError, "feas_tol"),
        (dict(gap_tol=float("nan")), InvalidOptionError, "gap_tol"),
        (dict(time_limit=0), InvalidOptionError, "time_limit"),
        (dict(solver_options=[1]), InvalidOptionError, "solver_options"),
        (dict(rank_check=3), InvalidOptionError, "rank_check"),
    ],
)
def test_bad_minimize_options(kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        ms.minimize(x**4 + y**2, **kwargs)


def test_unlicensed_or_missing_solver_lists_installed_ones():
    if "MOSEK" in ms.available_solvers():
        pytest.skip("MOSEK is licensed here; the unlicensed path cannot be exercised")
    with pytest.raises(SolverUnavailableError) as info:
        ms.minimize(x**2, solver="MOSEK")
    msg = str(info.value)
    assert "MOSEK" in msg and "CLARABEL" in msg


def test_problem_with_constraints_beside_polyproblem_is_rejected():
    with pytest.raises(InvalidOptionError, match="inside the PolyProblem"):
        ms.minimize(ms.PolyProblem(x**2), inequalities=[x])


def test_from_polynomials_validates():
    f = ms.Polynomial([[2, 0]], [1.0])
    with pytest.raises(InvalidProblemError, match="variables"):
        ms.PolyProblem.from_polynomials(f, [ms.Polynomial([[1]], [1.0])])
    with pytest.raises(InvalidProblemError, match="non-finite"):
        ms.PolyProblem.from_polynomials(f, [ms.Polynomial([[1, 0]], [np.inf])])
    p = ms.PolyProblem.from_polynomials(f)
    assert len(p.variables) == 2 and p.min_order == 1
