"""Every ```python block of the README runs as written, and every printed output it shows is what
the code prints (scripts/readme_outputs.py regenerates them; the comparison is its own)."""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)

_spec = importlib.util.spec_from_file_location("readme_outputs", ROOT / "scripts" / "readme_outputs.py")
readme_outputs = importlib.util.module_from_spec(_spec)
sys.modules["readme_outputs"] = readme_outputs  # dataclasses look their module up there
_spec.loader.exec_module(readme_outputs)
OUTPUTS = readme_outputs.outputs(README.read_text())
SHOWN = {o.argv[-1] for o in OUTPUTS}


def test_readme_has_examples_and_outputs():
    assert len(BLOCKS) >= 2 and len(OUTPUTS) >= 3


@pytest.mark.parametrize("index", [i for i, b in enumerate(BLOCKS) if b not in SHOWN])
def test_readme_block_runs(index):
    out = subprocess.run([sys.executable, "-c", BLOCKS[index]], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]


@pytest.mark.parametrize("index", range(len(OUTPUTS)))
def test_readme_output_is_what_the_code_prints(index):
    output = OUTPUTS[index]
    assert output.text.strip(), "an empty output block: run python scripts/readme_outputs.py"
    assert readme_outputs.differences(output.text, readme_outputs.produce(output)) == []


def test_the_output_comparison_tolerates_round_off_and_times_only():
    same = readme_outputs.differences("bound -1.03162845 at 3\ntime: 0.2 s\n", "bound -1.03162846 at 3\ntime: 9 s\n")
    assert same == []
    assert readme_outputs.differences("bound -1.03 at 3\n", "bound -1.50 at 3\n")
    assert readme_outputs.differences("CERTIFIED\n", "BOUND_ONLY\n")
