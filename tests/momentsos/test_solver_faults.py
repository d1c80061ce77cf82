"""Solver faults become documented statuses with a message, never exceptions or wrong claims."""

import warnings

import pytest
import sympy as sp

import momentsos as ms
from momentsos import Status

x, y = sp.symbols("x y")
CAMEL = 4 * x**2 - sp.Rational(21, 10) * x**4 + x**6 / 3 + x * y - 4 * y**2 + 4 * y**4
ITERATION_LIMIT = {"IPM": {"max_iter": 1}, "CLARABEL": {"max_iter": 1}, "SCS": {"max_iters": 1},
                   "MOSEK": {"MSK_IPAR_INTPNT_MAX_ITERATIONS": 1}, "COPT": {"BarIterLimit": 1}}


def _solve(**kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ms.InaccurateSolutionWarning)
        return ms.minimize(CAMEL, order=3, **kwargs)


def test_iteration_limit_of_one(solver):
    res = _solve(solver=solver, solver_options=ITERATION_LIMIT[solver])
    assert res.status in (Status.SOLVER_ERROR, Status.INACCURATE)
    assert not res.success and res.message
    if res.status is Status.SOLVER_ERROR:
        assert res.lower_bound is None and res.x is None


def test_time_limit_is_honoured_by_the_builtin_ipm():
    res = _solve(solver="IPM", time_limit=1e-6)
    assert res.status is Status.SOLVER_ERROR and "time limit" in res.solver.raw_status


@pytest.mark.parametrize("name", ["CLARABEL", "SCS"])
def test_time_limit_reaches_the_cvxpy_solvers(name):
    res = _solve(solver=name, time_limit=1e-6)
    assert res.status in (Status.SOLVER_ERROR, Status.INACCURATE) and not res.success


def test_a_time_limit_is_never_read_as_infeasibility():
    # COPT reports its time limit as "infeasible_inaccurate"; no inaccurate claim becomes a status
    assert ms.solvers.map_status("infeasible_inaccurate") is ms.solvers.SolverStatus.ERROR
    assert ms.solvers.map_status("unbounded_inaccurate") is ms.solvers.SolverStatus.ERROR
    res = _solve(time_limit=1e-6)
    assert res.status is not Status.INFEASIBLE and res.status is not Status.CERTIFIED


def test_failure_can_raise_on_request():
    with pytest.raises(ms.SolverFailedError, match="SOLVER_ERROR"):
        _solve(solver="IPM", solver_options={"max_iter": 1}, raise_on_failure=True)


def test_fallbacks_are_time_limited_and_the_first_inaccurate_answer_is_kept(monkeypatch):
    """The default chain bounds each fallback by max(10 s, 3 x the first attempt) and, when all fall
    short, returns the first INACCURATE result in chain order rather than the last solver's."""
    import dataclasses

    import sympy as sp

    import momentsos as ms
    from momentsos import solve as solve_module

    x = sp.Symbol("x")
    real = solve_module._solve_order
    calls = []

    def fake(relaxation, spec, opts):
        res = real(relaxation, spec, opts)
        calls.append((spec.name, opts["time_limit"]))
        status = ms.Status.INACCURATE if len(calls) == 1 else ms.Status.SOLVER_ERROR
        return dataclasses.replace(res, status=status)

    monkeypatch.setattr(solve_module, "_solve_order", fake)
    res = ms.minimize((x**2 - 1) ** 2, order=2)
    assert len(calls) >= 2
    assert calls[0][1] is None
    assert all(limit == solve_module.FALLBACK_MIN_SECONDS for _, limit in calls[1:])  # the first solve is quick
    assert res.status is ms.Status.INACCURATE and res.solver.name == calls[0][0]
    assert res.solver.tried == tuple(name for name, _ in calls)
