"""benchmarks/nets_fuzz.py (the planted-network fuzzing campaign) on two networks."""

from __future__ import annotations

import nets_fuzz


def test_fuzz_campaign_prints_the_grades(capsys):
    assert nets_fuzz.main(["--count", "2", "--loss", "l2", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "2 planted networks, seeds 0..1" in out and "wrong certificates: 0" in out
