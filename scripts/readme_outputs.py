"""The printed outputs of the README: run what produces each one and compare it or write it back.

An output is a ```text block right after a marker line, either ``<!-- output of the block above -->``
(the nearest ```python block before it, run with this Python) or ``<!-- output of: COMMAND -->`` (a
command run in the repository root). ``python scripts/readme_outputs.py`` rewrites every output block
from a fresh run; ``--check`` compares instead and exits 1 on a difference. The comparison is the one
``tests/test_readme.py`` makes: the text must be the same, numbers equal within a relative 1e-4 or an
absolute 1e-6 (solver round-off), and lines that report times are not compared.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
_MARKER = re.compile(r"<!-- output of(?:: (?P<command>.*?)| the block above) -->\n```text\n(?P<text>.*?)```", re.S)
_PYTHON = re.compile(r"```python\n(.*?)```", re.S)
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
_TIMING = re.compile(r"^\s*(time|times)\b|\d\s*s\)?$|\(\d+(\.\d+)? s")


@dataclass(frozen=True)
class Output:
    """One output block: where its text sits in the README, and what produces it."""

    start: int
    end: int
    text: str
    argv: list[str]


def outputs(readme: str) -> list[Output]:
    found = []
    for match in _MARKER.finditer(readme):
        if match.group("command"):
            argv = shlex.split(match.group("command"))
            argv = [sys.executable if argv[0] == "python" else argv[0], *argv[1:]]
        else:
            blocks = list(_PYTHON.finditer(readme, 0, match.start()))
            if not blocks:
                raise ValueError(f"README: an output marker at offset {match.start()} has no python block above it")
            argv = [sys.executable, "-c", blocks[-1].group(1)]
        found.append(Output(match.start("text"), match.end("text"), match.group("text"), argv))
    return found


def produce(output: Output) -> str:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(output.argv, cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{output.argv[:2]} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def differences(expected: str, actual: str) -> list[str]:
    """Lines that differ beyond round-off (time lines skipped); empty when they agree."""
    want = [line for line in expected.splitlines() if not _TIMING.search(line)]
    got = [line for line in actual.splitlines() if not _TIMING.search(line)]
    problems = []
    if len(want) != len(got):
        problems.append(f"{len(want)} lines expected, {len(got)} printed")
    for a, b in zip(want, got):
        if _NUMBER.sub("#", a) != _NUMBER.sub("#", b):
            problems.append(f"expected {a!r}, printed {b!r}")
            continue
        for x, y in zip(_NUMBER.findall(a), _NUMBER.findall(b)):
            u, v = float(x), float(y)
            if not math.isclose(u, v, rel_tol=1e-4, abs_tol=1e-6):
                problems.append(f"expected {a!r}, printed {b!r} ({x} vs {y})")
                break
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python scripts/readme_outputs.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare instead of rewriting")
    args = parser.parse_args(argv)
    readme = README.read_text()
    pieces, last, bad = [], 0, 0
    for output in outputs(readme):
        actual = produce(output)
        if args.check:
            problems = differences(output.text, actual)
            bad += bool(problems)
            for problem in problems:
                print(f"README output of {output.argv[-1][:60]!r}: {problem}")
        pieces += [readme[last:output.start], actual]
        last = output.end
    if not args.check:
        README.write_text("".join(pieces) + readme[last:])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
