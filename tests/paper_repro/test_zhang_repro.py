"""The reproductions of Zhang, Nie & Tang [ZNT26]: data, instances, and every artefact on a reduced budget.

``--quick`` (N = 50, width 20, one trial, 60 s per SDP solve) takes minutes; here each artefact runs end to end on
:data:`SMOKE` (one trial at N = 20, width 8, a 0.25 s limit per SDP solve), which exercises the same code.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from paper_repro import zhang_common, zhang_noise, zhang_weights
from paper_repro.__main__ import main
from paper_repro.registry import ARTEFACTS, load
from paper_repro.report import write_report
from paper_repro.zhang_common import (
    FULL,
    PAPER_SIZES,
    QUICK,
    Budget,
    Instance,
    make_data,
    paper_figure1,
    paper_numbers,
    paper_row,
    run_instances,
    solve_instance,
)

ZHANG = ("table1", "table2", "table3", "table4", "table5", "figure1", "noise_sweep", "weights")
SMOKE = Budget(sizes=((20, 8),), trials=1, time_limit=0.25)
STATUSES = {"CERTIFIED", "BOUND_ONLY", "INFEASIBLE", "UNBOUNDED", "INACCURATE", "SOLVER_ERROR"}


def test_quick_and_full_budgets_are_the_issues():
    assert QUICK.sizes == ((50, 20),) and QUICK.trials == 1
    assert FULL.sizes == PAPER_SIZES and FULL.trials == 10
    assert QUICK.losses == FULL.losses == ("linf-mean", "l2")
    assert QUICK.noise_models == FULL.noise_models == ("shared", "per-sample")


def test_paper_numbers_are_the_published_tables():
    paper = paper_numbers()
    assert len(paper) == 25 and {key[0] for key in paper} == {1, 2, 3, 4, 5}
    for table in (1, 2, 3, 4, 5):
        assert [(n, w) for t, n, w in paper if t == table] == list(PAPER_SIZES)
    assert paper[(1, 50, 20)] == {"abs_err": 0.0019, "rel_err": 0.0452, "time": 5.3287, "eps_norm": 0.0430, "mse": None, "rmse": None}
    assert paper[(2, 250, 40)]["time"] == 26.3780
    assert paper[(5, 250, 40)]["mse"] == 0.0133 and paper[(5, 100, 25)]["rmse"] == 0.0511
    assert paper_row(1, 12, 8) == dict.fromkeys(("abs_err", "rel_err", "time", "eps_norm", "mse", "rmse"))
    assert paper_figure1()["mse"] == 0.00253


def test_instance_rejects_inconsistent_noise():
    with pytest.raises(ValueError, match=r"`noise_model` must be one of .*got 'both'"):
        Instance((2, 2), 50, 20, 0, 0, 1e-2, "both", "l2", None)
    with pytest.raises(ValueError, match="noise_model='none'` goes with noise 0"):
        Instance((2, 2), 50, 20, 0, 0, 0.0, "shared", "l2", None)
    with pytest.raises(ValueError, match=r"`loss` must be one of"):
        Instance((2, 2), 50, 20, 0, 0, 1e-2, "shared", "l1", None)


@pytest.mark.parametrize(
    ("degrees", "loss", "order"),
    [((2, 2), "linf-mean", 2), ((2, 2), "l2", 3), ((2, 3), "l2", 4), ((2, 3), "linf-mean", 2), ((1, 1, 1), "l2", 3)],
)
def test_min_order_follows_the_output_degree(degrees, loss, order):
    inst = Instance(degrees, 12, 8, 0, 0, 1e-2, "shared", loss, None)
    assert inst.min_order == order and inst.max_order == max(3, order)


def test_noise_models_share_inputs_and_scale_one_noise_direction():
    base = dict(degrees=(2, 1, 1), nsamples=30, width=6, trial=1, seed=5, loss="l2", time_limit=None)
    net, truth, X, Y, eps = make_data(Instance(noise=1e-2, noise_model="shared", **base))
    assert np.allclose(eps, eps[0]) and np.linalg.norm(eps[0]) > 0  # one vector for every sample
    _, _, X2, _, eps2 = make_data(Instance(noise=1e-2, noise_model="per-sample", **base))
    _, _, X3, _, eps3 = make_data(Instance(noise=1e-1, noise_model="per-sample", **base))
    _, truth0, X0, Y0, eps0 = make_data(Instance(noise=0.0, noise_model="none", **base))
    assert np.array_equal(X, X2) and np.array_equal(X, X3) and np.array_equal(X, X0)
    assert not np.allclose(eps2, eps2[0])
    assert np.allclose(eps3, 10 * eps2, atol=1e-12) and np.abs(eps0).max() == 0
    assert np.allclose(Y, Y0 + eps[0])
    # hidden weights N(0, 1/m) (variance preserving), output weights N(0, 1) (randn); inner constants normalised
    *hidden, output = net.weights
    assert 0.7 < np.std(output) < 1.3
    assert all(0.7 < np.std(W) * np.sqrt(W.shape[1]) < 1.3 for W in hidden)
    assert truth[0][0] == truth[1][0] == 1.0 and all(np.abs(c).max() <= 1 for c in truth)
    # another trial is another network
    other, _, _, _, _ = make_data(Instance(noise=1e-2, noise_model="shared", **{**base, "trial": 2}))
    assert not np.array_equal(other.weights[0], net.weights[0])


def test_quick_budget_leaves_out_only_the_order_four_relaxation():
    from paper_repro.zhang_tables import TABLES, left_out_text, table_instances

    for table in TABLES:
        losses = {inst.loss for inst in table_instances(table, QUICK, 0)}
        assert losses == ({"linf-mean"} if table == 2 else {"linf-mean", "l2"})
        assert len(table_instances(table, QUICK, 0)) == 1 * 2 * len(losses)  # trials x noise models x losses
        assert len(table_instances(table, FULL, 0)) == 5 * 2 * 10 * len(losses)  # the same cut, all sizes
    assert "`l2` loss" in left_out_text(2, QUICK) and "`l2` loss" in left_out_text(2, FULL)
    assert left_out_text(1, QUICK) == left_out_text(1, FULL) == ""
    assert QUICK.time_limit >= 30  # long enough for the order-3 solves at N = 50, width 20 to converge


def test_noiseless_instance_is_recovered_exactly_and_rows_are_deterministic():
    inst = Instance((1, 1, 1), 20, 8, 0, 0, 0.0, "none", "l2", 30.0)
    first, second = solve_instance(inst), solve_instance(inst)
    assert first["certified"] and first["status"] == "CERTIFIED" and first["order"] == 3
    assert first["abs_err"] < 1e-8 and first["rel_err"] is None and first["eps_norm"] == 0.0
    assert first["radius"] == zhang_common.RADIUS == 3.0
    assert {k: v for k, v in first.items() if k != "time"} == {k: v for k, v in second.items() if k != "time"}


def test_run_instances_solves_each_instance_once(monkeypatch):
    calls = []
    monkeypatch.setattr(zhang_common, "solve_instance", lambda inst: calls.append(inst) or {"trial": inst.trial})
    monkeypatch.setattr(zhang_common, "_MEMO", {})
    a = Instance((1, 1, 1), 12, 8, 0, 0, 1e-2, "shared", "l2", None)
    b = Instance((1, 1, 1), 12, 8, 1, 0, 1e-2, "shared", "l2", None)
    assert run_instances([a, b, a], workers=1) == [{"trial": 0}, {"trial": 1}, {"trial": 0}]
    assert run_instances([b], workers=1) == [{"trial": 1}]
    assert calls == [a, b]


@pytest.fixture(scope="module")
def smoke_out(tmp_path_factory):
    """Every [ZNT26] artefact run once on SMOKE into one folder (figure1 first, as `all` orders them)."""
    out = tmp_path_factory.mktemp("zhang")
    rows = {name: load(name)(out, quick=True, seed=0, budget=SMOKE) for name in sorted(ZHANG)}
    return out, rows


def test_every_zhang_artefact_is_registered():
    assert set(ZHANG) <= set(ARTEFACTS)


@pytest.mark.parametrize("name", ZHANG)
def test_artefact_writes_csv_markdown_and_png(smoke_out, name):
    out, rows = smoke_out
    for suffix in (".csv", ".md", ".png"):
        assert (out / f"{name}{suffix}").stat().st_size > 0
    with (out / f"{name}.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == len(rows[name]) > 0
    md = (out / f"{name}.md").read_text()
    assert "[ZNT26]" in md and "arXiv:2510.03682" in md and "Choices the paper leaves open" in md
    assert "shared" in md and "per-sample" in md and f"time limit {SMOKE.time_limit:g} s per SDP solve" in md
    assert "ball ||c||_2 <= 3" in md and "N(0, 1/m_(l-1))" in md


@pytest.mark.parametrize("name", ["table1", "table2", "table3", "table4", "table5"])
def test_tables_cover_both_losses_and_noise_models(smoke_out, name):
    _, rows = smoke_out
    summary = rows[name]
    assert {(r["loss"], r["noise_model"]) for r in summary} == {
        (loss, model) for loss in ("linf-mean", "l2") for model in ("shared", "per-sample")
    }
    for r in summary:
        certified, trials = map(int, r["certified"].split("/"))
        assert trials == r["trials"] == 1 and 0 <= certified <= 1
        assert {s.split(" x")[0] for s in r["status"].split(", ")} <= STATUSES
        assert "paper_abs_err" in r or "paper_mse" in r


def test_instance_csv_has_every_trial_with_status_order_and_ranks(smoke_out):
    out, _ = smoke_out
    with (out / "table4_instances.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4
    for row in rows:
        assert row["status"] in STATUSES and int(row["order"]) >= 2 and row["solver"]
        # the order reported is one of those visited (the last, unless a later solve failed outright)
        assert any(o.startswith(row["order"] + ":") for o in row["orders"].split())


def test_noise_sweep_covers_every_sigma_and_reuses_table4(smoke_out):
    out, rows = smoke_out
    sweep = rows["noise_sweep"]
    assert sorted({r["noise"] for r in sweep}) == [0.0, 1e-4, 1e-3, 1e-2, 1e-1]
    assert len(sweep) == 2 * (1 + 4 * 2)  # losses x (sigma = 0, four sigmas x two noise models)
    assert {r["noise_model"] for r in sweep if r["noise"] == 0} == {"none"}
    table4 = {(r["loss"], r["noise_model"]): r for r in rows["table4"]}
    for r in sweep:
        if r["noise"] == 1e-2:  # the same instances as Table 4's row, solved once
            assert r["abs_err"] == table4[(r["loss"], r["noise_model"])]["abs_err"]
    assert "Exact recovery at sigma = 0" in (out / "noise_sweep.md").read_text()


def test_noise_sweep_runs_gradient_descent_on_every_setting(smoke_out):
    out, rows = smoke_out
    starts = zhang_noise.GD_STARTS[1]  # the smoke run is a quick one
    for r in rows["noise_sweep"]:
        for optimizer in zhang_noise.GD_OPTIMIZERS:
            reached, runs = map(int, r[f"gd_{optimizer}_reached"].split("/"))
            assert runs == r["trials"] * starts and 0 <= reached <= runs
            assert r[f"gd_{optimizer}_reached_fraction"] == reached / runs and r[f"gd_{optimizer}_time"] > 0
    md = (out / "noise_sweep.md").read_text()
    assert "Gradient descent on the same instances" in md and "lbfgs (100 steps)" in md and "adam (300 steps)" in md


def test_weight_ablation_runs_both_laws_on_the_same_draws(smoke_out):
    out, rows = smoke_out
    ablation = rows["weights"]
    assert {(r["table"], r["noise_model"], r["weights"]) for r in ablation} == {
        (t, m, w) for t in zhang_weights.QUICK_TABLES for m in ("shared", "per-sample") for w in ("mixed", "randn")
    }
    table3 = {(r["loss"], r["noise_model"]): r for r in rows["table3"]}
    for r in ablation:
        if r["table"] == 3 and r["weights"] == "mixed":  # the artefact's own instances, solved once
            assert r["abs_err"] == table3[("linf-mean", r["noise_model"])]["abs_err"]
    assert zhang_common._MEMO and all("table" not in r for r in zhang_common._MEMO.values())  # rows shared, not relabelled
    scale = {(r["table"], r["noise_model"], r["weights"]): r["loss_scale_median"] for r in ablation}
    for (table, model, law), value in scale.items():
        if law == "randn":  # every matrix scaled by sqrt(width): larger outputs on the same draws
            assert value > scale[(table, model, "mixed")]
    assert "`randn`: every W_l ~ N(0, 1)" in (out / "weights.md").read_text()


def test_randn_weights_scale_every_matrix_of_the_same_draw():
    base = dict(degrees=(2, 1, 1), nsamples=30, width=6, trial=1, seed=5, loss="l2", time_limit=None, noise=0.0,
                noise_model="none")  # fmt: skip
    mixed, _, X, _, _ = make_data(Instance(**base))
    randn, _, X2, _, _ = make_data(Instance(weights="randn", **base))
    assert np.array_equal(X, X2) and np.array_equal(mixed.weights[-1], randn.weights[-1])
    for a, b in zip(mixed.weights[:-1], randn.weights[:-1]):
        assert np.allclose(a * np.sqrt(a.shape[1]), b)
    with pytest.raises(ValueError, match=r"`weights` must be one of \('mixed', 'randn'\); got 'xavier'"):
        Instance(weights="xavier", **base)


def test_gradient_descent_starts_are_shared_by_the_settings_of_a_trial():
    base = dict(degrees=(2, 1, 1), nsamples=30, width=6, seed=5, time_limit=None)
    a = Instance(trial=1, noise=1e-2, noise_model="shared", loss="l2", **base)
    b = Instance(trial=1, noise=1e-1, noise_model="per-sample", loss="linf-mean", **base)
    c = Instance(trial=2, noise=1e-2, noise_model="shared", loss="l2", **base)
    run = zhang_noise.GDRun(a, "lbfgs", 10, 1.0, 0)
    assert run.init_seed == zhang_noise.GDRun(b, "adam", 20, 0.1, 0).init_seed  # same start at every sigma
    assert run.init_seed != zhang_noise.GDRun(a, "lbfgs", 10, 1.0, 1).init_seed
    assert run.init_seed != zhang_noise.GDRun(c, "lbfgs", 10, 1.0, 0).init_seed


def test_gradient_descent_summary_counts_runs_at_the_sos_loss_and_keeps_the_best_start():
    base = dict(degrees=(2, 1, 1), nsamples=30, width=6, seed=5, time_limit=None, noise=1e-2, noise_model="shared", loss="l2")
    first, second = Instance(trial=0, **base), Instance(trial=1, **base)
    sos = {first: {"loss_value": 1.0, "loss_scale": 1.0}, second: {"loss_value": 2.0, "loss_scale": 2.0}}
    runs = [zhang_noise.GDRun(inst, "adam", 10, 0.1, start) for inst in (first, second) for start in (0, 1)]
    tol = zhang_noise.SUCCESS_TOL
    results = [
        {"loss_value": 1.0 + 0.5 * tol, "abs_err": 0.1, "time": 1.0},  # within the tolerance
        {"loss_value": 5.0, "abs_err": 3.0, "time": 2.0},
        {"loss_value": None, "abs_err": None, "time": 3.0},  # diverged
        {"loss_value": 2.0 + 1.5 * tol, "abs_err": 0.5, "time": 4.0},  # within it in the second's loss units (2)
    ]
    columns = zhang_noise._gd_columns(runs, results, sos)
    assert columns["reached"] == "2/4" and columns["reached_fraction"] == 0.5
    assert columns["abs_err_best"] == pytest.approx((0.1 + 0.5) / 2)  # lowest-loss start of each trial
    assert columns["abs_err_median"] == 0.5 and columns["time"] == 2.5


def test_time_limit_can_be_set_from_the_environment(monkeypatch):
    monkeypatch.setenv("PAPER_REPRO_TIME_LIMIT", "60")
    assert zhang_common.budget_for(True).time_limit == 60.0 and zhang_common.budget_for(True).trials == 1
    assert zhang_common.budget_for(True, SMOKE) is SMOKE
    monkeypatch.setenv("PAPER_REPRO_TIME_LIMIT", "-1")
    with pytest.raises(ValueError, match="PAPER_REPRO_TIME_LIMIT must be a positive number of seconds; got '-1'"):
        zhang_common.budget_for(False)


def test_order_cut_can_be_lifted_from_the_environment(monkeypatch):
    assert zhang_common.budget_for(False).max_start_order == 3
    monkeypatch.setenv("PAPER_REPRO_MAX_START_ORDER", "none")
    assert zhang_common.budget_for(False).max_start_order is None
    monkeypatch.setenv("PAPER_REPRO_MAX_START_ORDER", "4")
    assert zhang_common.budget_for(True).max_start_order == 4
    monkeypatch.setenv("PAPER_REPRO_MAX_START_ORDER", "0")
    with pytest.raises(ValueError, match="PAPER_REPRO_MAX_START_ORDER must be a positive integer or 'none'; got '0'"):
        zhang_common.budget_for(False)


def test_figure1_and_table5_share_their_solves(smoke_out):
    out, rows = smoke_out
    figure = rows["figure1"]
    table5 = {(r["loss"], r["noise_model"]): r for r in rows["table5"]}
    for r in figure:
        assert r["MSE"] == pytest.approx(table5[(r["loss"], r["training noise"])]["mse"])
        assert r["min ‖eps_i‖"] <= r["mean ‖eps_i‖"] <= r["max ‖eps_i‖"]


def test_report_groups_artefacts_by_paper_and_states_machine_and_solver(smoke_out):
    out, _ = smoke_out
    text = write_report(out).read_text()
    for heading in ("## Run", "## Machine", "## Solver and tolerances", "## [ZNT26]"):
        assert heading in text
    for name in ZHANG:
        assert f"({name}.png)" in text
    assert "feas_tol=1e-06" in text and "gap_tol=1e-06" in text and "IPM" in text
    assert "Not run into this folder:" in text and "tmaf_sine" in text
    assert "||c||_2 <= 3" in text and "**Quick mode**" not in text  # no timings.json here: the mode is unknown
    assert "## References" not in text  # folded into the paper headings
    assert text.count("MATLAB's `randn`") == 1 and "(As under table1 above.)" in text  # the shared choices once
    # printed as the current code declares them, before the artefacts, each of which points there
    assert text.index("## Choices the paper leaves open ([ZNT26]") < text.index("## [ZNT26]")
    assert text.count("(The choices the paper leaves open: the section of that name") == len(ZHANG)
    assert text.index("### Table 1 of [ZNT26]") < text.index("### Figure 1 of [ZNT26]")


def test_report_counts_the_targets_of_every_table_from_its_instances(smoke_out):
    out, _ = smoke_out
    text = write_report(out).read_text()
    glance = text.split("## Targets at a glance", 1)[1].split("\n## ", 1)[0]
    for table, degrees in ((1, (2, 2)), (2, (2, 3)), (3, (1, 1, 1)), (4, (2, 1, 1))):
        assert f"- Table {table} (degrees {degrees}), certified at order <= 3:" in glance


def test_instance_rows_read_back_with_their_types(tmp_path):
    from paper_repro.zhang_common import read_rows, write_rows

    rows = [{"N": 50, "noise": 0.01, "certified": True, "abs_err": None, "ranks": "1 7 28", "status": "CERTIFIED",
             "residuals": np.zeros(3)}]  # fmt: skip
    write_rows(tmp_path / "rows.csv", rows)
    back = read_rows(tmp_path / "rows.csv")
    assert back == [{k: v for k, v in rows[0].items() if k != "residuals"}]
    assert isinstance(back[0]["N"], int) and isinstance(back[0]["noise"], float)


def _target_row(noise_model, certified, abs_err, time, status=None):
    return {
        "N": 50, "width": 20, "loss": "linf-mean", "noise_model": noise_model, "certified": certified, "order": 3,
        "abs_err": abs_err, "rel_err": None, "time": time, "eps_norm": 0.04, "solver": "IPM", "ranks": "1 1 1 1",
        "status": status or ("CERTIFIED" if certified else "BOUND_ONLY"),
    }  # fmt: skip


def test_target_summary_says_how_far_each_target_is_missed():
    from paper_repro.zhang_tables import target_summary

    paper = paper_row(1, 50, 20)  # AbsErr 0.0019, Time 5.3287
    rows = [
        _target_row("shared", True, 3 * paper["abs_err"], 2 * paper["time"]),
        _target_row("shared", True, 3 * paper["abs_err"], 2 * paper["time"]),
        _target_row("per-sample", True, paper["abs_err"], 0.5 * paper["time"]),
        _target_row("per-sample", False, paper["abs_err"], 0.5 * paper["time"]),
    ]
    certified, abs_err, time = target_summary(1, rows)
    assert "missed in 1 of 2 rows; 3 of 4 instances certified, the others BOUND_ONLY 1" in certified
    assert "INACCURATE" not in certified
    assert "within 0.5-2x of the paper: 1 of 2 rows; above in 1 (1 shared; 3x)" in abs_err and "Why:" in abs_err
    assert "met in 0 of 2 rows, missed in 1 (2x the paper's), 1 faster but not comparable" in time
    met = target_summary(1, [_target_row("shared", True, paper["abs_err"], 0.5 * paper["time"])])
    assert "met in every row" in met[0] and "Why" not in met[1] and "met in 1 of 1 rows." in met[2]


def test_abs_err_reason_counts_where_the_paper_lies_between_the_noise_models():
    from paper_repro.zhang_tables import abs_err_reason

    def target(n, width, model, ratio):
        return {"N": n, "width": width, "noise_model": model, "AbsErr ours / paper": ratio}

    targets = [target(50, 20, "shared", 3.0), target(50, 20, "per-sample", 0.2),
               target(100, 25, "shared", 0.6), target(100, 25, "per-sample", 0.05)]  # fmt: skip
    text = abs_err_reason(2, targets)
    assert "lies between our per-sample and shared noise models at 1 of 2 sizes" in text
    assert "at 1 both models are below it, at 0 both above:" in text and "per-sample above shared" not in text
    assert "both models are below" not in abs_err_reason(2, targets[:2])  # the paper between them everywhere
    assert "`weights` ablation" in abs_err_reason(3, targets)


def test_command_line_writes_timings_and_report(smoke_out, monkeypatch):
    out, _ = smoke_out
    monkeypatch.setattr(zhang_common, "QUICK", SMOKE)  # --quick at the smoke size: solves come from the memo
    assert main(["table3", "--out", str(out), "--quick", "--seed", "0"]) == 0
    timings = json.loads((out / "timings.json").read_text())
    assert timings["artefacts"]["table3"]["quick"] is True
    assert timings["runs"][-1]["command"] == "python -m paper_repro table3 --out " + str(out) + " --quick --seed 0"
    report = (out / "REPORT.md").read_text()
    assert "total wall time" in report and "| table3 | quick | 0 |" in report
    assert report.splitlines()[2].startswith("**Quick mode**")


def test_bound_note_flags_certified_bounds_above_the_loss():
    from paper_repro.zhang_tables import bound_note

    ok = {"certified": True, "lower_bound": 1e-3, "loss_value": 2e-3, "loss_scale": 10.0}
    bad = {"certified": True, "lower_bound": 40.0, "loss_value": 1.6e-3, "loss_scale": 3.6e10}
    uncertified = {"certified": False, "lower_bound": 5.0, "loss_value": 1.0, "loss_scale": 1.0}
    assert bound_note([ok, uncertified]) is None
    note = bound_note([ok, bad, uncertified])
    assert note.startswith("- Bound above the value: 1 certified solve(s)") and "3.6e+10" in note
    assert "within that tolerance" in note  # 40 - 1.6e-3 <= 1e-6 x 3.6e10
    beyond = {"certified": True, "lower_bound": 1.1e-3, "loss_value": 1e-3, "loss_scale": 10.0}
    assert "beyond that tolerance" in bound_note([beyond])  # 1e-4 > 1e-6 x 10
