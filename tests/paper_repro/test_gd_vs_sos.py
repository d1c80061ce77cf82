"""gd_vs_sos on one small table: rows are consistent, the certified loss bounds every GD run, successes are real."""

from __future__ import annotations

import csv

import pytest

from paper_repro import gd_vs_sos


def test_table3_quick_rows_compare_gd_with_the_certified_minimum(tmp_path, one_thread):
    rows = gd_vs_sos.run(tmp_path, quick=True, seed=0, tables=(3,), optimizers=("lbfgs",))
    assert [(r["table"], r["noise"], r["optimizer"]) for r in rows] == [(3, 0.0, "lbfgs"), (3, 0.01, "lbfgs")]
    for row in rows:
        assert row["sos_certified"] and row["runs"] == 4 and 0.0 <= row["success_rate"] <= 1.0
        # the relaxation's bound is below every run, up to the solver's accuracy in the POP's unit
        assert row["gd_loss_best"] >= row["sos_lower_bound"] - 1e-6 * row["loss_unit"]
        if row["success_rate"] > 0:  # a run that reached the global loss found the global minimizer
            assert row["gd_err_vs_sos_success_median"] < 1e-4
    assert rows[0]["sos_abs_err"] < 1e-6  # noiseless: the certified solve recovers the truth
    with (tmp_path / "gd_vs_sos.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == 2
    assert "success_rate" in (tmp_path / "gd_vs_sos.md").read_text()


def test_unknown_table_or_optimizer_is_rejected(tmp_path):
    with pytest.raises(ValueError, match=r"`tables` must be a subset of \[1, 2, 3, 4\], got \(7,\)"):
        gd_vs_sos.run(tmp_path, quick=True, seed=0, tables=(7,))
    with pytest.raises(ValueError, match=r"`optimizers` must be a non-empty subset of \['adam', 'lbfgs'\]"):
        gd_vs_sos.run(tmp_path, quick=True, seed=0, optimizers=("sgd",))
