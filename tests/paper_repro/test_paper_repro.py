"""Smoke tests: every registered artefact runs in quick mode and writes CSV, Markdown and PNG."""

from __future__ import annotations

import csv
import json

import pytest

from paper_repro.__main__ import main
from paper_repro.registry import ARTEFACTS, load

OUTPUTS = {
    "tmaf_sine": "tmaf_sine",
    "tmaf_oscillatory": "tmaf_oscillatory",
    "digits": "digits",
    "gd_vs_sos": "gd_vs_sos",
}
# the [ZNT26] artefacts: smoke-tested on a reduced budget in test_zhang_repro.py (their --quick takes minutes)
ZHANG = {"table1", "table2", "table3", "table4", "table5", "figure1", "noise_sweep", "weights"}
# artefacts with a test module of their own, on a narrowed run (test_warm_start.py, test_kk25_gpt.py, test_tmaf_convnet.py)
OWN_TESTS = {"warm_start", "gpt", "tmaf_convnet"}
#: artefact -> the citation its report must carry (default: [LZX21] with its arXiv number)
CITATIONS = {"gd_vs_sos": ("[ZNT26]", "arXiv:2510.03682")}


def test_every_artefact_has_a_smoke_test():
    assert set(ARTEFACTS) == set(OUTPUTS) | ZHANG | OWN_TESTS


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_quick_mode_writes_tables_and_plots(name, tmp_path, one_thread):
    rows = load(name)(tmp_path, quick=True, seed=0)
    stem = OUTPUTS[name]
    for suffix in (".csv", ".md", ".png"):
        assert (tmp_path / f"{stem}{suffix}").stat().st_size > 0
    with (tmp_path / f"{stem}.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == len(rows)
    report = (tmp_path / f"{stem}.md").read_text()
    key, arxiv = CITATIONS.get(name, ("[LZX21]", "arXiv:2109.09948"))
    assert "paper" in report and key in report and arxiv in report
    if "activation" in rows[0]:
        assert {row["activation"] for row in rows} >= {"relu", "prelu", "tmaf_diagonal", "tmaf_tridiagonal", "hermite3"}


def test_quick_digits_learns_something(tmp_path, one_thread):
    rows = load("digits")(tmp_path, quick=True, seed=1)
    assert all(row["test_accuracy_mean"] > 60.0 for row in rows)


def test_reproductions_are_deterministic_given_the_seed(tmp_path, one_thread):
    results = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        results.append(load("digits")(tmp_path / folder, quick=True, seed=3))
    assert [r["test_accuracy_mean"] for r in results[0]] == [r["test_accuracy_mean"] for r in results[1]]


def test_command_line_rejects_unknown_artefact(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["table_99", "--out", str(tmp_path)])
    assert "artefact must be 'all' or one or more of" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["tmaf_sine", "table_99", "--out", str(tmp_path)])
    assert "got 'table_99'" in capsys.readouterr().err


def test_command_line_runs_several_artefacts_in_order(tmp_path, one_thread):
    import json

    assert main(["tmaf_sine", "tmaf_oscillatory", "tmaf_sine", "--out", str(tmp_path), "--quick"]) == 0
    timings = json.loads((tmp_path / "timings.json").read_text())
    assert timings["runs"][-1]["artefacts"] == ["tmaf_sine", "tmaf_oscillatory"]  # each once, in the order given
    assert (tmp_path / "tmaf_oscillatory.png").stat().st_size > 0 and (tmp_path / "REPORT.md").exists()


def test_load_rejects_unknown_name():
    with pytest.raises(ValueError, match=r"artefact must be 'all' or one of \[.*\], got 'nope'"):
        load("nope")


def test_the_quick_run_of_every_artefact_finishes_and_certifies(tmp_path):
    """``python -m paper_repro all --quick``, the README's command, end to end (159.5 s on 2 idle cores)."""
    import json
    import subprocess
    import sys

    out = tmp_path / "quick"
    done = subprocess.run(
        [sys.executable, "-m", "paper_repro", "all", "--quick", "--out", str(out)],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    timings = json.loads((out / "timings.json").read_text())
    assert set(timings["artefacts"]) == set(ARTEFACTS) and timings["runs"][-1]["quick"] is True
    report = (out / "REPORT.md").read_text()
    assert report.splitlines()[2].startswith("**Quick mode**")
    for table in (1, 2, 3, 4):
        with (out / f"table{table}_instances.csv").open() as handle:
            rows = list(csv.DictReader(handle))
        # the l2 loss (Tables 1, 3, 4) and per-sample noise (all four) certified at order 3 in every quick run
        # so far; a table without a single certificate means the pipeline broke, not bad luck
        assert any(row["certified"] == "True" for row in rows), f"table{table}: nothing certified"
        assert all(row["order"] in {"2", "3"} for row in rows if row["certified"] == "True")


def test_a_run_recorded_after_each_artefact_keeps_what_it_finished(tmp_path):
    from paper_repro.report import TIMINGS, record_run, write_report

    command, stamp = "python -m paper_repro table1 table2 table3", "2026-12-03 12:00:00.000000 UTC"
    planned = ["table1", "table2", "table3"]
    record_run(tmp_path, {"table1": 10.0}, quick=False, seed=0, total=10.0, command=command, started=stamp, planned=planned)
    first = json.loads((tmp_path / TIMINGS).read_text())["artefacts"]["table1"]
    record_run(
        tmp_path, {"table1": 10.0, "table2": 20.0}, quick=False, seed=0, total=30.5, command=command,
        started=stamp, planned=planned,
    )  # fmt: skip  -- killed here, before table3
    data = json.loads((tmp_path / TIMINGS).read_text())
    assert len(data["runs"]) == 1 and data["runs"][0]["artefacts"] == ["table1", "table2"]
    assert data["runs"][0]["seconds"] == 30.5
    assert data["artefacts"]["table1"] == first  # its own finish stamp, not the later call's
    assert data["artefacts"]["table2"]["seconds"] == 20.0
    report = write_report(tmp_path).read_text()
    commit = data["runs"][0]["commit"]  # None only outside a git checkout
    code = f", code {commit}" if commit else ""
    assert f"- Last run: `{command}` (full mode, seed 0{code}), total wall time 30.5 s" in report
    assert "it stopped before finishing table3" in report


def test_report_lists_every_run_whose_artefacts_it_shows(tmp_path):
    import time

    from paper_repro.report import record_run, write_report

    record_run(tmp_path, {"table1": 10.0, "table2": 20.0}, quick=False, seed=0, total=30.0, command="python -m paper_repro table1 table2")
    time.sleep(1.1)  # the runs' finish stamps have one-second resolution
    record_run(tmp_path, {"gd_vs_sos": 5.0}, quick=True, seed=0, total=5.0, command="python -m paper_repro gd_vs_sos --quick")
    time.sleep(1.1)
    record_run(tmp_path, {"table2": 21.0}, quick=False, seed=0, total=21.0, command="python -m paper_repro table2")
    report = write_report(tmp_path).read_text()
    assert "- Run: `python -m paper_repro table1 table2` (full mode, seed 0" in report
    assert "total wall time 30.0 s" in report
    assert "- Run: `python -m paper_repro gd_vs_sos --quick` (quick mode" in report
    assert "- Last run: `python -m paper_repro table2` (full mode" in report
    assert "**Mixed modes**" in report


def test_the_sine_report_weighs_each_published_entry_under_both_metrics():
    from paper_repro.tmaf_approximation import _metric_comparison

    rows = [
        {"budget": "ours", "activation": "relu", "n": 1, "test_mse": 0.09, "test_rmse": 0.3, "paper_error": 0.09},
        {"budget": "ours", "activation": "tmaf_diagonal", "n": 1, "test_mse": 0.04, "test_rmse": 0.2, "paper_error": 0.2},
        {"budget": "ours", "activation": "prelu", "n": 1, "test_mse": 0.04, "test_rmse": 0.2, "paper_error": None},
        {"budget": "paper optimiser", "activation": "relu", "n": 1, "test_mse": 1.0, "test_rmse": 1.0, "paper_error": 0.09},
    ]
    text = _metric_comparison(rows)
    assert "relu n=1: paper 0.09; ours MSE 0.09 (1x), RMSE 0.3 (3.3x)" in text
    assert "Read as MSE, 1 of 2 entries are matched within 1.5x (relu n=1)." in text
    assert "Read as RMSE, 1 of 2 entries are matched within 1.5x (tmaf_diagonal n=1)." in text
