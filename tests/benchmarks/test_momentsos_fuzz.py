"""benchmarks/momentsos_fuzz.py: the planted campaign grades the same on one process and on two."""

from __future__ import annotations

import momentsos_fuzz


def _table(out: str) -> list[str]:
    return out.splitlines()[1:]  # the first line carries the wall time


def test_the_campaign_grades_the_same_serially_and_on_two_processes(capsys):
    assert momentsos_fuzz.main(["--count", "6", "--nvars", "2", "--workers", "1"]) == 0
    serial = capsys.readouterr().out
    assert momentsos_fuzz.main(["--count", "6", "--nvars", "2", "--workers", "2"]) == 0
    parallel = capsys.readouterr().out
    assert "wrong certificates: 0" in serial and "6 planted problems, seed 0" in serial
    assert _table(parallel) == _table(serial)
