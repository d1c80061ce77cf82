"""benchmarks/nets_global.py (solve_global at the paper's sizes) at its smallest size."""

from __future__ import annotations

import nets_global


def test_bench_global_prints_a_row_per_configuration(capsys):
    assert nets_global.main(["--tables", "3", "--rows", "50", "--loss", "l2", "--repeats", "1", "--radius", "10"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split()[:6] == ["table", "degrees", "N", "width", "loss", "build"]
    row = lines[1].split()
    assert row[0] == "3" and "l2" in row and "CERTIFIED" in row and "flat" in row
