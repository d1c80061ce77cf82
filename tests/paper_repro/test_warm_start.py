"""warm_start on two scenarios and two instances: one row per run, a reference below every run, a summary read off the rows."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from paper_repro import warm_start

COLUMNS = {"scenario", "arm", "optimizer", "seed", "lr", "steps", "status", "start_loss", "final_loss", "reference_loss",
           "final_over_reference", "success", "steps_to_target", "solve_time_s", "gd_time_s", "time_to_target_s",
           "cheap_certified"}  # fmt: skip


def _summary_table(md: str) -> list[dict[str, str]]:
    """The rows of the Markdown table under the "Summary" heading."""
    lines = md.split("## Summary", 1)[1].split("\n## ", 1)[0].strip().splitlines()[2:]
    header, body = lines[0], lines[2:]
    keys = [k.strip() for k in header.strip("|").split("|")]
    return [dict(zip(keys, (v.strip() for v in line.strip("|").split("|")))) for line in body]


def test_two_scenarios_quick_rows_and_summary(tmp_path, one_thread):
    rows = warm_start.run(tmp_path, quick=True, seed=0, scenarios=("subsample", "weights"), seeds=2)
    for suffix in (".csv", ".md", ".png", "_lr.csv"):
        assert (tmp_path / f"warm_start{suffix}").stat().st_size > 0
    with (tmp_path / "warm_start.csv").open() as handle:
        table = list(csv.DictReader(handle))
    assert set(table[0]) == COLUMNS and len(table) == len(rows) == 2 * 2 * 2 * 2
    keys = {(r["scenario"], r["arm"], r["optimizer"], r["seed"]) for r in rows}
    assert len(keys) == len(rows)  # one row per scenario, arm, optimizer and instance
    for row in rows:
        finite = math.isfinite(row["final_loss"])
        assert row["reference_loss"] <= row["final_loss"] * (1 + 1e-12) or not finite  # the best known loss
        assert row["success"] == (row["final_loss"] <= (1 + warm_start.REL_TOL) * row["reference_loss"])
        assert (row["solve_time_s"] > 0) == (row["arm"] == "warm")
        if row["success"]:
            assert row["solve_time_s"] <= row["time_to_target_s"] <= row["solve_time_s"] + row["gd_time_s"] + 1e-9
    # the warm arm of `subsample` starts from the certified fit of 40 of the 400 samples: already close
    assert all(r["start_loss"] < 2 * r["reference_loss"] for r in rows if (r["scenario"], r["arm"]) == ("subsample", "warm"))

    md = (tmp_path / "warm_start.md").read_text()
    assert "[ZNT26]" in md and "L. Zhang, J. Nie, T. Tang" in md and "arXiv:2510.03682" in md
    shown = _summary_table(md)
    assert len(shown) == 2 * 2 * 2
    for line in shown:  # every summary figure is recomputed here from the CSV
        group = [r for r in table if (r["scenario"], r["optimizer"], r["arm"]) == (line["scenario"], line["optimizer"], line["arm"])]
        assert int(line["runs"]) == len(group) == 2
        assert float(line["success_rate"]) == pytest.approx(np.mean([r["success"] == "True" for r in group]), abs=1e-3)
        assert {float(line["lr"])} == {float(r["lr"]) for r in group}
        ratios = sorted(float(r["final_over_reference"]) for r in group)
        assert line["final/ref_median"] == ("-" if math.isnan(ratios[0]) else f"{ratios[0]:.3g}")  # lower median of two
    reading = md.split("## Reading", 1)[1].split("\n## ", 1)[0]
    assert reading.count("\n- `") == len(shown) // 2  # the reading names every scenario-optimizer pair once


def test_verdicts_follow_the_numbers():
    def line(scenario, arm, success, time_s=math.inf, ratio=1.0):
        return {"scenario": scenario, "optimizer": "adam", "arm": arm, "success_rate": success,
                "median_time_to_target_s": time_s, "final/ref_median": ratio}  # fmt: skip

    summary = [
        line("a", "warm", 0.9), line("a", "random", 0.2),  # more successes
        line("b", "warm", 0.1), line("b", "random", 0.5),  # fewer successes
        line("c", "warm", 1.0, 2.0), line("c", "random", 1.0, 1.0),  # as often, but later
        line("d", "warm", 0.0, ratio=3.0), line("d", "random", 0.0, ratio=30.0),  # neither: lower loss
    ]
    assert warm_start.verdicts(summary) == [("a", "adam", "helps"), ("b", "adam", "hurts"), ("c", "adam", "hurts"),
                                            ("d", "adam", "helps")]  # fmt: skip


def test_unknown_scenario_or_bad_seed_count_is_rejected(tmp_path):
    with pytest.raises(ValueError, match=r"`scenarios` must be a non-empty subset of \['degree', 'subsample'"):
        warm_start.run(tmp_path, quick=True, seed=0, scenarios=("depth",))
    with pytest.raises(ValueError, match=r"`seeds` must be an int >= 1, got 0"):
        warm_start.run(tmp_path, quick=True, seed=0, seeds=0)
