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


def test_the_main_job_carries_an_exact_proof():
    # the README's first command: the paper's linf-mean loss, certified and proved in exact arithmetic
    out = _run("recover_activation.py")
    assert "certificate: CERTIFIED" in out
    assert "exact proof of the bound: momentsos.check_proof(fit.result.proof) = True" in out


def test_recover_activation_with_noise_and_a_coefficient_ball():
    out = _run(
        "recover_activation.py", "--degrees", "1", "1", "1", "--width", "8", "--samples", "20",
        "--noise", "1e-2", "--order", "3", "--radius", "3",
    )  # fmt: skip
    assert "certificate over ||c||_2 <= 3: CERTIFIED at order 3" in out
    assert float(re.search(r"\|\|c_true - c_found\|\|_2 = (\S+)", out).group(1)) < 0.1


def test_the_planted_csv_of_the_readme_is_what_its_script_writes(tmp_path):
    import shutil

    shutil.copy(EXAMPLES / "data" / "make_planted.py", tmp_path / "make_planted.py")
    done = subprocess.run([sys.executable, str(tmp_path / "make_planted.py")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "planted.csv").read_text() == (EXAMPLES / "data" / "planted.csv").read_text()
