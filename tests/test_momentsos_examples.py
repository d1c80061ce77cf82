"""The momentsos examples and the ``python -m momentsos`` demo run and certify (public API only)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("script", ["certified_minimum.py", "multiple_minimizers.py"])
def test_example_runs(script):
    out = subprocess.run([sys.executable, str(ROOT / "examples" / script)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "CERTIFIED" in out.stdout


def test_main_demo_certifies_everything():
    out = subprocess.run([sys.executable, "-m", "momentsos"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "3 of 3 certified" in out.stdout
