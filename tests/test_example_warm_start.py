"""examples/warm_start.py runs at its smallest size and prints what it promises."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "warm_start.py"


def test_warm_start_certifies_the_small_net_and_fine_tunes_from_it():
    done = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--seed", "1"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "certified True" in out
    small = float(re.search(r"small net .*train loss (\S+)", out).group(1))
    start, end = (float(v) for v in re.search(r"warm start .*train loss (\S+) -> (\S+),", out).groups())
    assert start == small  # the wide net starts as exactly the certified small net
    assert end < start  # and gradient descent improves on it
    assert len(re.findall(r"random init \[", out)) == 2 and "random init median" in out
