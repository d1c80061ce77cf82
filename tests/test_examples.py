"""Every script in examples/ runs at its smallest size and prints what it promises."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_recover_activation_prints_certificate_polynomials_and_time():
    out = _run("recover_activation.py", "--degrees", "1", "2", "--width", "6", "--samples", "10", "--seed", "3")
    assert "certificate: CERTIFIED" in out
    assert "p_1(t) recovered" in out and "p_2(t) true" in out
    error = float(re.search(r"\|\|c_true - c_found\|\|_2 = (\S+)", out).group(1))
    assert error < 1e-5
    assert re.search(r"time: build \d+\.\d+ s, solve \d+\.\d+ s", out)
