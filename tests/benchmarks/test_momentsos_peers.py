"""The peers benchmark (python benchmarks/momentsos_peers.py): its problems and the momentsos worker."""

from __future__ import annotations

import momentsos_peers as bench_peers
import numpy as np
import pytest


@pytest.mark.parametrize(
    "builder, n, value_at_ones",
    [(bench_peers.chained_rosenbrock, 20, 0.0), (bench_peers.chained_wood, 20, 1.0),
     (bench_peers.rosenbrock, 6, 0.0)],
)
def test_chained_problems_have_their_known_minimum_at_ones(builder, n, value_at_ones):
    problem = builder(n)
    assert problem.nvars == n and problem.objective.degree == 4
    assert problem.objective.evaluate(np.ones(n)) == pytest.approx(value_at_ones, abs=1e-12)


def test_broyden_tridiagonal_is_a_sum_of_n_squares_of_quadratics():
    problem = bench_peers.broyden_tridiagonal(5)
    # at x = 0 every residual (3 - 2 x_i) x_i - x_{i-1} - 2 x_{i+1} + 1 equals 1
    assert problem.objective.evaluate(np.zeros(5)) == pytest.approx(5.0)


def test_quartic_sphere_is_dense_with_the_sphere_equality():
    problem = bench_peers.quartic_sphere(4, seed=1)
    assert problem.objective.nterms == 70 and len(problem.equalities) == 1
    point = np.full(4, 0.5)
    assert problem.equalities[0].evaluate(point) == pytest.approx(0.0)


def test_momentsos_worker_reports_a_certified_row():
    row = bench_peers._worker("momentsos", "six_hump_camel_k3", "CLARABEL")
    assert row["certified"] and row["bound"] == pytest.approx(-1.0316284535, abs=1e-6)
    assert row["total"] >= row["solve"] >= 0.0


def test_bound_worker_runs_the_same_sdp_without_certifying():
    row = bench_peers._worker("momentsos-bound", "six_hump_camel_k3", "CLARABEL")
    assert not row["certified"] and row["status"] == "BOUND_ONLY"
    assert row["bound"] == pytest.approx(-1.0316284535, abs=1e-6)


def test_unknown_problem_is_rejected():
    with pytest.raises(SystemExit):
        bench_peers.main(["--only", "no_such_problem"])


def test_the_tools_take_turns_and_the_ratio_is_printed(monkeypatch, capsys):
    calls = []

    def fake_measure(tool, name, solver, timeout, sparsity=None):
        calls.append(tool)
        slow = 2.0 if len(calls) in (2, 3, 5) else 1.0  # slow spells: the first round's last two runs, then one
        total = slow * {"momentsos-same": 0.006, "momentsos-bound": 0.0018, "pydrake": 0.002}[tool]
        return {"build": 0.0, "solve": total / 2, "total": total, "bound": -1.03, "status": "OK", "solver": solver,
                "verified": None, "certified": tool == "momentsos-same"}

    monkeypatch.setattr(bench_peers, "_measure", fake_measure)
    bench_peers.main(["--only", "six_hump_camel_k3", "--tools", "momentsos-same,momentsos-bound,pydrake",
                      "--repeats", "3"])
    # interleaved, not three runs of one tool then the other
    assert calls == ["momentsos-same", "momentsos-bound", "pydrake"] * 3
    out = capsys.readouterr().out
    assert "  0.0060 " in out and "total time ratio momentsos-same / pydrake: 3.00" in out
    # medians 0.0036 and 0.002 mix the spells; round by round the ratios are 0.9, 1.8 and 0.9
    assert "total time ratio momentsos-bound / pydrake: 1.80 (of the medians); by round: median 0.90, 0.90 to 1.80 over 3" in out
