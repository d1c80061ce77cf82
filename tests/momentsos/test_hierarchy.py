"""Solver faults become documented statuses with a message, never exceptions or wrong claims."""

import warnings

import numpy as np
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
    assert ms.sdp.map_status("infeasible_inaccurate") is ms.sdp.SolverStatus.ERROR
    assert ms.sdp.map_status("unbounded_inaccurate") is ms.sdp.SolverStatus.ERROR
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
    from momentsos import hierarchy as solve_module

    x = sp.Symbol("x")
    real = solve_module.solve_relaxation
    calls = []

    def fake(relaxation, spec, opts):
        res = real(relaxation, spec, opts)
        calls.append((spec.name, opts.time_limit))
        status = ms.Status.INACCURATE if len(calls) == 1 else ms.Status.SOLVER_ERROR
        return dataclasses.replace(res, status=status)

    monkeypatch.setattr(solve_module, "solve_relaxation", fake)
    res = ms.minimize((x**2 - 1) ** 2, order=2)
    assert len(calls) >= 2
    assert calls[0][1] is None
    assert all(limit == solve_module.FALLBACK_MIN_SECONDS for _, limit in calls[1:])  # the first solve is quick
    assert res.status is ms.Status.INACCURATE and res.solver.name == calls[0][0]
    assert res.solver.tried == tuple(name for name, _ in calls)


# -- infeasible and unbounded relaxations -------------------------------------------------------
# (unbounded: tests/momentsos/test_solve.py::test_unbounded_relaxation_never_gives_a_bound runs
# min x + y over R^2 with every solver, and ::test_unbounded_relaxation_detected_by_scs min x^3)
@pytest.mark.parametrize(
    "kwargs",
    [dict(equalities=[x**2 + 1]), dict(inequalities=[1 - x**2 - y**2, x - 2])],
    ids=["x^2 + 1 == 0", "disc and x >= 2"],
)
def test_infeasible_relaxation(solver, kwargs):
    res = ms.minimize(x + y, order=1, solver=solver, **kwargs)
    assert res.status is Status.INFEASIBLE and not res.success
    assert res.lower_bound == np.inf and res.x is None and res.atoms == ()
    assert "infeasible" in res.message


# -- errors raised inside a solver --------------------------------------------------------------
def test_an_exception_inside_a_cvxpy_solver_is_a_solver_error(monkeypatch):
    import cvxpy

    def broken(self, *args, **kwargs):
        raise cvxpy.error.SolverError("injected: the solver crashed")

    monkeypatch.setattr(cvxpy.Problem, "solve", broken)
    res = ms.minimize(x**2 + y**2, order=1, solver="SCS")
    assert res.status is Status.SOLVER_ERROR and res.lower_bound is None
    assert "injected: the solver crashed" in res.message and "injected" in res.solver.raw_status


def test_an_exception_inside_the_direct_clarabel_call_is_a_solver_error(monkeypatch):
    import clarabel

    def broken(*args, **kwargs):
        raise RuntimeError("injected: clarabel panicked")

    monkeypatch.setattr(clarabel, "DefaultSolver", broken)
    res = ms.minimize(x**2 + y**2, order=1, solver="CLARABEL")
    assert res.status is Status.SOLVER_ERROR and res.lower_bound is None
    assert "injected: clarabel panicked" in res.message and "RuntimeError" in res.solver.raw_status


def test_an_exception_inside_the_ipm_is_a_solver_error(monkeypatch):
    import momentsos.sdp.ipm

    def broken(*args, **kwargs):
        raise np.linalg.LinAlgError("injected: singular Schur complement")

    monkeypatch.setattr(momentsos.sdp.ipm, "solve_lmi", broken)
    res = ms.minimize(x**2 + y**2, order=1, solver="IPM")
    assert res.status is Status.SOLVER_ERROR and "LinAlgError" in res.message


def test_the_default_chain_falls_back_after_a_solver_error(monkeypatch):
    import momentsos.sdp.ipm

    def broken(*args, **kwargs):
        raise MemoryError("injected")

    monkeypatch.setattr(momentsos.sdp.ipm, "solve_lmi", broken)
    res = ms.minimize((x - 1) ** 2 + y**2, order=1)
    assert res.success and res.solver.tried[0] == "IPM" and len(res.solver.tried) >= 2


# -- inaccurate solutions -----------------------------------------------------------------------
def test_an_inaccurate_solve_is_reported_and_never_certified(monkeypatch):
    import momentsos.sdp.ipm
    from momentsos.sdp import SolverStatus

    real = momentsos.sdp.ipm.map_status
    monkeypatch.setattr(
        momentsos.sdp.ipm, "map_status",
        lambda raw: SolverStatus.INACCURATE if real(raw) is SolverStatus.OPTIMAL else real(raw),
    )
    with pytest.warns(ms.InaccurateSolutionWarning, match="inaccurate"):
        res = ms.minimize((x - 1) ** 2 + y**2, order=1, solver="IPM")
    # the moments are in fact exact, the atom is right: still no certificate
    assert res.status is Status.INACCURATE and not res.success
    assert res.lower_bound == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ms.SolverFailedError, match="INACCURATE"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ms.InaccurateSolutionWarning)
            ms.minimize((x - 1) ** 2 + y**2, order=1, solver="IPM", raise_on_failure=True)


# -- an unlicensed MOSEK ------------------------------------------------------------------------
def _mosek_installed_without_licence():
    try:
        import mosek  # noqa: F401
    except ImportError:
        pytest.skip("mosek is not installed (pip install momentsos[mosek]); the unlicensed path needs it")
    if "MOSEK" in ms.available_solvers():
        pytest.skip("MOSEK is licensed here; the unlicensed path cannot be exercised")


def test_unlicensed_mosek_is_refused_by_name_and_left_out_of_the_chain():
    _mosek_installed_without_licence()
    with pytest.raises(ms.SolverUnavailableError, match="installed but not licensed"):
        ms.minimize(x**2, solver="MOSEK")
    assert "MOSEK" not in [s.name for s in ms.sdp.registry.default_solver_chain(10, 3)]


def test_a_licence_failure_during_the_solve_is_a_solver_error(monkeypatch):
    # the licence check passes (say, a floating licence that is gone by the time of the solve)
    _mosek_installed_without_licence()
    monkeypatch.setitem(ms.sdp.registry._LICENCE_CHECKS, "MOSEK", lambda: True)
    res = ms.minimize(x**2 + y**2, order=1, solver="MOSEK")
    assert res.status is Status.SOLVER_ERROR and "licen" in res.message.lower()
    chained = ms.minimize((x - 1) ** 2 + y**2, order=1)
    assert chained.success and chained.solver.tried[0] == "MOSEK" and chained.solver.name != "MOSEK"


def test_scs_infeasible_after_feasible_lower_orders_is_not_trusted(monkeypatch):
    """SCS's infeasibility detection fails on badly scaled equalities (planted fuzzing: 47 of 1000
    feasible problems): after accurately feasible lower orders its INFEASIBLE becomes SOLVER_ERROR,
    and an earlier solver's approximately feasible answer outranks a fallback's infeasibility claim."""
    import dataclasses

    import sympy as sp

    import momentsos as ms
    from momentsos import hierarchy as solve_module
    from momentsos.sdp import SOLVERS

    x = sp.Symbol("x")
    real = solve_module.solve_relaxation

    def fake(relaxation, spec, opts):
        res = real(relaxation, SOLVERS["IPM"], opts)
        if relaxation.order == 1:
            return dataclasses.replace(res, status=ms.Status.BOUND_ONLY)
        return dataclasses.replace(res, status=ms.Status.INFEASIBLE, solver=dataclasses.replace(res.solver, name="SCS"))

    monkeypatch.setattr(solve_module, "solve_relaxation", fake)
    res = ms.minimize(x**2 - x, solver="SCS", max_order=3)
    assert [h.status for h in res.hierarchy] == [ms.Status.BOUND_ONLY, ms.Status.SOLVER_ERROR]
    # the untrusted order-2 claim ends the climb; the answer is the accurate order-1 bound, saying why
    assert res.status is ms.Status.BOUND_ONLY and res.order == 1 and "not trusted" in res.message

    calls = []

    def chain(relaxation, spec, opts):
        res = real(relaxation, SOLVERS["IPM"], opts)
        calls.append(spec.name)
        status = ms.Status.INACCURATE if len(calls) == 1 else ms.Status.INFEASIBLE
        return dataclasses.replace(res, status=status, solver=dataclasses.replace(res.solver, name=spec.name))

    monkeypatch.setattr(solve_module, "solve_relaxation", chain)
    res = ms.minimize(x**2 - x, order=1)
    assert res.status is ms.Status.INACCURATE and "contradicted" in res.message
    assert res.solver.name == calls[0]


def test_a_feasible_point_below_the_bound_makes_the_solve_inaccurate():
    # planted fuzzing: SCS returned "optimal" with a bound 1.5e-4 above the optimum, its own atoms below it
    from momentsos.certify.atoms import Certificate
    from momentsos.outcome import _point_beats_bound

    below = Certificate((), upper_bound=-2.3737412, gap=None, verified=False)
    assert _point_beats_bound(below, -2.3733737, gap_tol=1e-6)
    assert not _point_beats_bound(below, -2.3737412 + 1e-7, gap_tol=1e-6)  # within gap_tol
    assert not _point_beats_bound(None, 0.0, gap_tol=1e-6)
    assert not _point_beats_bound(Certificate((), None, None, False), 0.0, gap_tol=1e-6)


def test_time_limit_bounds_the_whole_climb():
    """Motzkin climbs three orders and falls back between solvers (tens of seconds without a limit);
    with time_limit=2 the call answers with what was solved in time."""
    import time

    from momentsos import problems

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ms.minimize(problems.get("motzkin").problem(), time_limit=2)
    assert time.perf_counter() - start < 8  # the limit, plus building, certifying and a loaded machine
    assert res.status is not ms.Status.CERTIFIED
