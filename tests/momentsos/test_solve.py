"""End-to-end solves of the named reference problems with every installed solver."""

import dataclasses
import warnings

import numpy as np
import pytest
import sympy as sp

import momentsos as ms
from momentsos import Status, problems

from ..conftest import KNOWN_BAD, SOLVER_TOL

x, y = sp.symbols("x y")


def _max_minimizer_error(res, named):
    """Largest distance from a known minimizer to the nearest extracted atom (modulo permutation)."""
    found = np.array([a.point for a in res.atoms])
    return max(np.min(np.linalg.norm(found - np.array(p), axis=1)) for p in named.minimizers)


def _check_certified_answer(res, named, tol):
    """A CERTIFIED answer must be right: bound, objective at the atoms, every known minimizer."""
    assert res.status is Status.CERTIFIED
    assert res.lower_bound == pytest.approx(named.optimum, abs=tol * max(1, abs(named.optimum)))
    assert res.upper_bound == pytest.approx(named.optimum, abs=tol * max(1, abs(named.optimum)))
    assert res.x is not None and res.problem.violation(res.x) < 1e-5
    if named.minimizers:
        assert len(res.atoms) == len(named.minimizers)
        assert _max_minimizer_error(res, named) < 1e-4
        assert sum(a.weight for a in res.atoms) == pytest.approx(1.0, abs=1e-3)


def _check_certified_subset(res, named, tol):
    """A certificate that may list only some minimizers: every atom must be a global minimizer."""
    assert res.lower_bound == pytest.approx(named.optimum, abs=tol * max(1, abs(named.optimum)))
    for atom in res.atoms:
        assert res.problem.violation(atom.point) < 1e-5
        assert atom.objective == pytest.approx(named.optimum, abs=tol * max(1, abs(named.optimum)))
        if named.minimizers:
            assert np.min(np.linalg.norm(np.array(named.minimizers) - atom.point, axis=1)) < 1e-4


def _orders_for(named, problem):
    if named.expected == "certified":
        return dict(max_order=named.certified_order + 1)
    if named.expected == "infeasible":
        return dict(order=problem.min_order)
    return dict(max_order=problem.min_order + 1)


@pytest.mark.solver
@pytest.mark.parametrize("name", problems.names())
def test_named_problem_with_each_solver(solver, name):
    if (solver, name) in KNOWN_BAD:
        pytest.skip(f"known limitation of {solver} on {name}: {KNOWN_BAD[solver, name]}")
    named = problems.get(name)
    problem = named.problem()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ms.InaccurateSolutionWarning)
        res = ms.minimize(problem, solver=solver, **_orders_for(named, problem))
    tol = SOLVER_TOL[solver]
    if named.expected == "certified":
        _check_certified_answer(res, named, tol)
    elif named.expected == "infeasible":
        assert res.status is Status.INFEASIBLE
        assert res.x is None and not res.success
    elif named.expected == "bound_only":
        # the hierarchy is exact here but the solver's moments are usually not flat; a certificate,
        # when one comes (a low-rank point of the optimal face), must still be right
        if res.status is Status.CERTIFIED:
            _check_certified_subset(res, named, tol)
        elif res.status is Status.BOUND_ONLY:
            assert res.lower_bound <= named.optimum + tol
    else:
        assert res.status is not Status.CERTIFIED, f"{name} must never be certified"


@pytest.mark.parametrize("name", problems.names())
def test_named_problem_default_rule(name):
    named = problems.get(name)
    problem = named.problem()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ms.InaccurateSolutionWarning)
        res = ms.minimize(problem, **_orders_for(named, problem))
    if named.expected == "certified":
        _check_certified_answer(res, named, 1e-5)
        assert res.order <= named.certified_order + 1
        assert [r.order for r in res.hierarchy] == list(range(problem.min_order, res.order + 1))
    elif named.expected == "infeasible":
        assert res.status is Status.INFEASIBLE
    elif named.expected == "bound_only" and res.status is Status.CERTIFIED:
        _check_certified_subset(res, named, 1e-5)
    else:
        assert res.status is not Status.CERTIFIED


def test_hierarchy_keeps_every_visited_bound():
    res = ms.minimize(problems.get("gloptipoly3_three_minimizers").problem())
    assert [r.order for r in res.hierarchy] == [1, 2]
    assert res.hierarchy[0].status is Status.BOUND_ONLY
    assert res.hierarchy[0].lower_bound <= res.hierarchy[1].lower_bound + 1e-7
    assert res.hierarchy[-1].status is Status.CERTIFIED


@pytest.mark.parametrize("sparsity", ["none", "newton", "correlative"])
def test_certify_false_returns_the_same_bound_and_nothing_else(sparsity):
    # min (x - 1)^2 + (y + 2)^2 + x^2 y^2 ... a problem every sparsity mode accepts; the bound of the
    # SDP does not depend on what is done with its solution afterwards, except that a proven bound is
    # the SDP's lowered by the proof's margin (at most 1e-7 relative)
    f = (x - 1) ** 2 + (y + 2) ** 4 + x**2 * y**2
    full = ms.minimize(f, order=2, solver="CLARABEL", sparsity=sparsity)
    bound = ms.minimize(f, order=2, solver="CLARABEL", sparsity=sparsity, certify=False)
    assert full.status is Status.CERTIFIED
    assert bound.status is Status.BOUND_ONLY and "certify=False" in bound.message
    margin = 1e-7 * max(1.0, abs(bound.lower_bound)) if full.proof is not None else 0.0
    assert bound.lower_bound - margin - 1e-9 <= full.lower_bound <= bound.lower_bound + 1e-9
    assert bound.extraction is ms.ExtractionOutcome.NOT_ATTEMPTED
    assert bound.flatness is None and bound.atoms == () and bound.x is None
    assert bound.certificate is None and bound.verified_lower_bound is None
    # the Newton-reduced relaxation has the dense bound: it is not followed by the dense solve
    assert len(bound.hierarchy) == 1


def test_certify_false_climbs_every_order():
    res = ms.minimize(problems.get("gloptipoly3_three_minimizers").problem(), max_order=3, certify=False,
                      raise_on_failure=True)  # an accurate bound is not a failure here
    assert [r.order for r in res.hierarchy] == [1, 2, 3]
    assert all(r.status is Status.BOUND_ONLY for r in res.hierarchy)
    assert res.hierarchy[1].lower_bound <= res.hierarchy[2].lower_bound + 1e-6
    assert res.order == 3 and res.verification.reason == "not attempted (certify=False)"


def test_certify_false_answers_with_the_accurate_bound_when_a_higher_order_falls_short(monkeypatch):
    from momentsos import hierarchy as solve_module

    real = solve_module.solve_relaxation

    def order_3_is_inaccurate(relaxation, spec, opts):
        res = real(relaxation, spec, opts)
        if relaxation.order == 3:
            return dataclasses.replace(res, status=Status.INACCURATE, message="forced inaccurate")
        return res

    monkeypatch.setattr(solve_module, "solve_relaxation", order_3_is_inaccurate)
    res = ms.minimize(problems.get("gloptipoly3_three_minimizers").problem(), max_order=4, certify=False,
                      solver="IPM")
    # the climb stops at the first shortfall after an accurate order and answers with the accurate one
    assert [(r.order, r.status) for r in res.hierarchy] == [(1, Status.BOUND_ONLY), (2, Status.BOUND_ONLY),
                                                           (3, Status.INACCURATE)]
    assert res.status is Status.BOUND_ONLY and res.order == 2
    assert "order-3 solve after it was INACCURATE" in res.message
    with pytest.raises(ms.SolverFailedError, match="accurate bound"):
        monkeypatch.setattr(solve_module, "solve_relaxation", lambda r, s_, o: dataclasses.replace(
            real(r, s_, o), status=Status.INACCURATE, message="forced inaccurate"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ms.InaccurateSolutionWarning)
            ms.minimize(problems.get("gloptipoly3_three_minimizers").problem(), order=2, certify=False,
                        solver="IPM", raise_on_failure=True)


def test_unbounded_relaxation_detected_by_scs():
    res = ms.minimize(x**3, order=2, solver="SCS")
    assert res.status is Status.UNBOUNDED
    assert res.lower_bound == -np.inf and not res.success


def test_unbounded_relaxation_never_gives_a_bound(solver):
    # min x + y over R^2: the moment relaxation is unbounded but its dual is only weakly
    # infeasible, so interior-point solvers diverge instead of proving it. Whatever they say,
    # no finite bound and no certificate may come out.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ms.InaccurateSolutionWarning)
        res = ms.minimize(x + y, order=1, solver=solver)
    assert res.status in (Status.UNBOUNDED, Status.INACCURATE, Status.SOLVER_ERROR)


def test_infeasible_equality():
    res = ms.minimize(x, equalities=[x**2 + 1], order=1, solver="CLARABEL")
    assert res.status is Status.INFEASIBLE


def test_unconstrained_motzkin_is_never_certified():
    # Motzkin + c is not SOS for any c: solvers may say "unbounded", "inaccurate" or even "optimal"
    # with enormous moments. Any answer but CERTIFIED is acceptable.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ms.InaccurateSolutionWarning)
        res = ms.minimize(problems.get("motzkin").problem(), order=3, solver="CLARABEL")
    assert res.status in (Status.UNBOUNDED, Status.INACCURATE)


def test_result_summary_and_dict():
    res = ms.minimize((x - 1) ** 2 + (y + 2) ** 2 + 3)
    assert res.success and res.status is Status.CERTIFIED
    assert np.allclose(res.x, [1.0, -2.0], atol=1e-6)
    text = repr(res)
    for field in ("status: CERTIFIED", "lower_bound", "x:", "ranks", "times", "solver"):
        assert field in text
    d = res.to_dict()
    assert d["status"] == "certified" and d["success"] and d["variables"] == ["x", "y"]
    assert d["flatness"]["ranks"][0] == 1
    s = res.solver
    assert min(s.build_time, s.compile_time, s.solve_time, s.extraction_time) >= 0
    assert 0 <= s.overhead_fraction <= 1


def test_raise_on_failure():
    with pytest.raises(ms.SolverFailedError, match="did not certify"):
        ms.minimize(x**3, order=2, solver="SCS", raise_on_failure=True)


def test_readme_example_runs():
    res = ms.minimize(x + y, equalities=[x**2 + y**2 - 1], order=2, solver="SCS")
    assert res.success
    assert res.lower_bound == pytest.approx(-np.sqrt(2), abs=1e-6)


def test_a_failed_solve_after_accurate_orders_answers_with_the_best_of_them(monkeypatch):
    """A time limit or a crash at the last order does not throw away the accurate bound (and the
    points) of the orders before it."""
    from momentsos import hierarchy as solve_module

    real = solve_module.solve_relaxation

    def order_2_fails(relaxation, spec, opts):
        res = real(relaxation, spec, opts)
        if relaxation.order == 2:
            return dataclasses.replace(res, status=Status.SOLVER_ERROR, lower_bound=None, message="forced failure")
        return res

    monkeypatch.setattr(solve_module, "solve_relaxation", order_2_fails)
    res = ms.minimize(problems.get("gloptipoly3_three_minimizers").problem(), solver="IPM")
    assert [(r.order, r.status) for r in res.hierarchy] == [(1, Status.BOUND_ONLY), (2, Status.SOLVER_ERROR)]
    assert res.status is Status.BOUND_ONLY and res.order == 1 and res.lower_bound is not None
    assert "order-2 solve after it failed" in res.message
