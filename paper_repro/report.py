"""``REPORT.md``: one Markdown report generated from the files the artefacts wrote into an output folder.

:func:`record_run` keeps ``timings.json`` in the folder (wall time, mode and seed of every artefact,
the total and the code's commit of each run of the command line, written after every artefact so
that a killed run keeps its times); :func:`write_report` reads it with every artefact's
``NAME.md`` and ``NAME*.png`` and writes ``REPORT.md``: the run, the machine, the solver and its
tolerances, the issue's targets counted from the tables' instance CSVs, then the artefacts grouped by the paper they reproduce (the first reference of each
artefact's Markdown; artefacts of Zhang, Nie & Tang first). Nothing is solved here.

``python -m paper_repro.report DIR`` regenerates the report of an existing folder.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
import platform
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from paper_repro.registry import ARTEFACTS

__all__ = ["record_run", "target_lines", "write_report", "main"]

TIMINGS = "timings.json"
REPORT = "REPORT.md"
_PACKAGES = ("numpy", "scipy", "sympy", "cvxpy", "clarabel", "scs", "torch", "matplotlib")
_PAPER_FIRST = "ZNT26"  # the project's own paper leads the report


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _load(out: Path) -> dict[str, Any]:
    path = out / TIMINGS
    if path.exists():
        return json.loads(path.read_text())
    return {"artefacts": {}, "runs": []}


def record_run(
    out: Path, artefacts: dict[str, float], *, quick: bool, seed: int, total: float, command: str,
    started: str | None = None, planned: Sequence[str] | None = None,
) -> None:
    """Add one run of the command line (seconds per artefact and in all) to ``out/timings.json``.

    A run that passes ``started`` (its start stamp) may be recorded again and again as its artefacts finish: each
    call replaces the run's earlier entry, so a run that is killed keeps the timings of what it finished.
    ``planned`` names every artefact the command line asked for; the report says which of them never ran.
    A run's optional ``"note"`` (free text, for a run whose entry was rebuilt by hand, e.g. from its log) is
    printed after it.
    """
    data = _load(out)
    finished = _now()
    for name, seconds in artefacts.items():
        previous = data["artefacts"].get(name)
        if started is not None and previous is not None and previous.get("started") == started:
            continue  # recorded by an earlier call of this run, with its own finish stamp
        data["artefacts"][name] = {"seconds": seconds, "quick": quick, "seed": seed, "finished": finished}
        if started is not None:
            data["artefacts"][name]["started"] = started
    run = {
        "command": command, "artefacts": list(artefacts), "quick": quick, "seed": seed, "seconds": total,
        "finished": finished, "time_limit_env": os.environ.get("PAPER_REPRO_TIME_LIMIT"),
        "max_start_order_env": os.environ.get("PAPER_REPRO_MAX_START_ORDER"), "commit": _code_version(),
    }  # fmt: skip
    if started is not None:
        run["started"] = started
    if planned is not None:
        run["planned"] = list(planned)
    runs = data["runs"]
    if started is not None and runs and runs[-1].get("started") == started:
        runs[-1] = run
    else:
        runs.append(run)
    (out / TIMINGS).write_text(json.dumps(data, indent=1))


def _code_version() -> str | None:
    """The short commit of the code, with ``+local changes`` when tracked files differ from it."""
    commit = _git("rev-parse", "--short", "HEAD")
    if commit and _git("status", "--porcelain", "--untracked-files=no"):
        commit += "+local changes"
    return commit


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=Path(__file__).resolve().parent, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _proc_value(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _load_average(cores: int) -> str:
    try:
        loads = os.getloadavg()
    except OSError:
        return "unknown"
    text = ", ".join(f"{v:.1f}" for v in loads)
    if loads[1] > cores:
        text += " (above the core count: the machine was shared, so wall times are longer than on an idle one)"
    return text


def machine_lines() -> list[str]:
    """The machine and software, one Markdown bullet each."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = _proc_value("/proc/meminfo", "MemTotal")  # "24683568 kB"
    if memory and memory.endswith(" kB") and memory[:-3].strip().isdigit():
        memory = f"{int(memory[:-3]) / 2**20:.1f} GiB"
    versions = []
    for name in _PACKAGES:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    workers = os.environ.get("PAPER_REPRO_WORKERS")
    return [
        f"- Platform: {platform.platform()}; CPU: {_proc_value('/proc/cpuinfo', 'model name') or platform.processor() or 'unknown'}",
        f"- Cores: {os.cpu_count()} logical, {usable} usable by this process; memory {memory or 'unknown'}; load "
        f"average (1, 5, 15 min) when this report was written: {_load_average(usable or 1)}",
        f"- Python {platform.python_version()} ({sys.executable}); {', '.join(versions)}",
        f"- Code that wrote this report: git commit {_code_version() or 'unknown'} (the code of each run is in its "
        "Run line)",
        f"- Worker processes for the [ZNT26] solves: {workers + ' ($PAPER_REPRO_WORKERS)' if workers else f'{usable} (one per usable core)'}",
    ]


def solver_lines() -> list[str]:
    """The SDP solvers, the default chain and every tolerance that decides a certificate."""
    from momentsos.options import DEFAULT_FEAS_TOL, DEFAULT_GAP_TOL  # noqa: PLC0415
    from momentsos.certify.rank import LargestGapRank  # noqa: PLC0415
    from momentsos.sdp import CLARABEL_MAX_MATRIX, SOLVERS, available_solvers  # noqa: PLC0415

    usable = available_solvers()
    rank = LargestGapRank()
    lines = [
        f"- Installed SDP solvers: {', '.join(usable)}. Default chain (`solver=None`): MOSEK if licensed, COPT if "
        f"installed, IPM (built in), CLARABEL when the moment matrix has at most {CLARABEL_MAX_MATRIX} rows, SCS; "
        "the next one is tried when a solve is inaccurate or fails.",
    ]
    for name in usable:
        spec = SOLVERS.get(name)
        if spec is not None and spec.defaults:
            lines.append(f"- {name} options: {', '.join(f'{k}={v}' for k, v in spec.defaults.items())}")
    lines.append(
        f"- Certificate: flat truncation with the rank rule LargestGapRank(ratio_tol={rank.ratio_tol:g}, "
        f"zero_tol={rank.zero_tol:g}); every extracted atom feasible within feas_tol={DEFAULT_FEAS_TOL:g} and its "
        f"objective within gap_tol={DEFAULT_GAP_TOL:g} (relative) of the bound; extraction pivot_tol=1e-6; a "
        "minimum-trace re-solve on the optimal face when an accurate solve is not flat."
    )
    lines.append(
        "- Time limits: the `time limit` of each artefact's Setup is seconds per SDP solve (each instance's call gets "
        "three times it, momentsos' `time_limit` bounding a whole call; "
        "one instance may run several solves)."
    )
    return lines


def budget_lines() -> list[str]:
    """What ``--quick`` and the full mode mean for the [ZNT26] artefacts."""
    from paper_repro.zhang_common import FULL, QUICK, RADIUS, Budget  # noqa: PLC0415

    def describe(budget: Budget) -> str:
        sizes = ", ".join(f"N={n}/width {w}" for n, w in budget.sizes)
        text = f"{sizes}; {budget.trials} trials per row; time limit {budget.time_limit:g} s per SDP solve"
        if budget.max_start_order is not None:
            text += f"; instances whose minimal relaxation order is above {budget.max_start_order} are left out"
        return text

    limit = os.environ.get("PAPER_REPRO_TIME_LIMIT")
    order = os.environ.get("PAPER_REPRO_MAX_START_ORDER")
    return [
        f"- [ZNT26] `--quick`: {describe(QUICK)}. Full (no flag): {describe(FULL)}.",
        f"- Every [ZNT26] solve searches the unknowns in the ball ||c||_2 <= {RADIUS:g} (`solve_global(radius=...)`); "
        "it holds the truth (U(-1, 1) entries, at most 9 unknowns), and a certificate is global over the ball. "
        "Weights: hidden N(0, 1/m_(l-1)), output N(0, 1) (see the Choices below).",
        "- `$PAPER_REPRO_TIME_LIMIT` replaces either time limit"
        + (f" (set to {limit} when this report was written)." if limit else " (not set when this report was written)."),
        "- `$PAPER_REPRO_MAX_START_ORDER` (a positive integer or `none`) replaces either order cut; `none` runs "
        "every instance"
        + (f" (set to {order} when this report was written)." if order else " (not set when this report was written)."),
    ]


def _sections(md: str) -> tuple[str, list[str]]:
    """An artefact's Markdown without its References section, and those references."""
    lines = md.splitlines()
    body, refs, in_refs = [], [], False
    for line in lines:
        if line.startswith("## "):
            in_refs = line.strip() == "## References"
            if in_refs:
                continue
        if in_refs:
            if line.startswith("- ["):
                refs.append(line[2:])
            continue
        body.append(line)
    return "\n".join(body).strip(), refs


_CHOICES_POINTER = "(The choices the paper leaves open: the section of that name near the top of this report.)"


def _drop_choices(md: str, choices: str) -> tuple[str, bool]:
    """``md`` with ``choices`` (the current code's) replaced by a pointer; whether it held them.

    The report prints the choices once. An artefact written by another commit whose choices read
    differently keeps its own text, so a folder mixing commits never shows one artefact under
    another's choices.
    """
    if choices in md:
        return md.replace(choices, _CHOICES_POINTER), True
    return md, False


def _drop_repeats(md: str, seen: dict[str, str], name: str, min_length: int = 300) -> str:
    """``md`` with every long paragraph printed earlier in the report replaced by a pointer to it."""
    paragraphs = []
    for paragraph in md.split("\n\n"):
        if len(paragraph) >= min_length and paragraph in seen:
            paragraphs.append(f"(As under {seen[paragraph]} above.)")
            continue
        if len(paragraph) >= min_length and not paragraph.lstrip().startswith("|"):
            seen.setdefault(paragraph, name)
        paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)


def _demote(md: str, levels: int) -> str:
    return re.sub(r"^(#+) ", lambda m: "#" * (len(m.group(1)) + levels) + " ", md, flags=re.MULTILINE)


def target_lines(out: Path, names: Sequence[str] | None = None) -> list[str]:
    """The issue's targets for every table of [ZNT26] (among ``names``, default all) whose instance CSV is in ``out``."""
    from paper_repro.zhang_common import read_rows  # noqa: PLC0415
    from paper_repro.zhang_tables import TABLES, target_summary  # noqa: PLC0415

    lines: list[str] = []
    for table in TABLES:
        path = out / f"table{table}_instances.csv"
        if path.exists() and (names is None or f"table{table}" in names):
            lines += target_summary(table, read_rows(path))
    return lines


def write_report(out: Path, names: Sequence[str] | None = None) -> Path:
    """Write ``out/REPORT.md`` from the outputs in ``out``; returns its path.

    ``names`` are the artefacts to include (default: every registered one); those without a
    Markdown file in ``out`` are listed as not run.
    """
    from paper_repro.zhang_common import CHOICES  # noqa: PLC0415

    names = list(ARTEFACTS) if names is None else list(names)  # registry order: tables before figures
    data = _load(out)
    groups: dict[str, dict[str, Any]] = {}
    missing = []
    seen: dict[str, str] = {}  # long paragraphs already printed (the shared Setup text) -> where
    choices_cited = False
    for name in names:
        path = out / f"{name}.md"
        if not path.exists():
            missing.append(name)
            continue
        body, refs = _sections(path.read_text())
        key = refs[0].split("]", 1)[0].lstrip("[") if refs else "other"
        group = groups.setdefault(key, {"refs": [], "parts": []})
        group["refs"] += [r for r in refs if r not in group["refs"]]
        body, had_choices = _drop_choices(body, CHOICES)
        choices_cited = choices_cited or had_choices
        body = _drop_repeats(body, seen, name)
        images = [p.name for p in sorted(out.glob(f"{name}*.png")) if p.name not in body]
        body += "".join(f"\n\n![{image}]({image})" for image in images)
        group["parts"].append(_demote(body, 2))

    runs = data["runs"]
    modes = {entry["quick"] for entry in data["artefacts"].values()}
    mode_line = {
        frozenset({True}): "**Quick mode** (`--quick`): reduced sizes and trials (see Run below), not the paper's "
        "full tables; the numbers check that everything runs and show the trend, the full mode reproduces the rows.",
        frozenset({False}): "Full mode: the paper's sizes (see Run below).",
        frozenset({True, False}): "**Mixed modes**: some artefacts below ran in quick mode, some in full (see Run).",
    }.get(frozenset(modes))
    lines = [
        "# Reproduction report",
        "",
        *([mode_line, ""] if mode_line else []),
        f"Generated {_now()} by `paper_repro.report` from the files in this folder (CSV beside every table; "
        "the images are PNG files in the same folder).",
        "",
        "## Run",
        "",
    ]
    # every run whose artefacts are still in this folder (a later run of the same artefact replaces it)
    current = {entry.get("started") or entry["finished"] for entry in data["artefacts"].values()}
    shown = [run for run in runs if (run.get("started") or run["finished"]) in current] or runs[-1:]
    for run in shown:
        env = "".join(
            f"{name}={run[key]} "
            for name, key in (("PAPER_REPRO_TIME_LIMIT", "time_limit_env"), ("PAPER_REPRO_MAX_START_ORDER", "max_start_order_env"))
            if run.get(key)
        )
        lines.append(
            f"- {'Last run' if run is runs[-1] else 'Run'}: `{env}{run['command']}` "
            f"({'quick' if run['quick'] else 'full'} mode, seed {run['seed']}"
            f"{', code ' + run['commit'] if run.get('commit') else ''}), "
            f"total wall time {run['seconds']:.1f} s ({run['seconds'] / 60:.1f} min), finished {run['finished']}."
        )
        unfinished = [name for name in run.get("planned", []) if name not in run["artefacts"]]
        if unfinished:
            lines[-1] = lines[-1][:-1] + (
                f"; it stopped before finishing {', '.join(unfinished)} (the times are those of the artefacts it "
                "finished)."
            )
        if run.get("note"):
            lines[-1] += f" {run['note']}"
    if data["artefacts"]:
        lines += ["", "| artefact | mode | seed | wall time s | finished |", "|---|---|---|---|---|"]
        for name in names:
            entry = data["artefacts"].get(name)
            if entry is not None:
                mode = "quick" if entry["quick"] else "full"
                lines.append(f"| {name} | {mode} | {entry['seed']} | {entry['seconds']:.1f} | {entry['finished']} |")
    if data["artefacts"]:
        lines += [
            "",
            "Artefacts share solves within one run (figure1 solves Table 5's first row, noise_sweep Table 4's): the "
            "one that runs later shows only the time to write its files.",
        ]
    if missing:
        lines += ["", f"Not run into this folder: {', '.join(missing)}."]
    lines += ["", *budget_lines()]
    lines += ["", "## Machine", "", *machine_lines(), "", "## Solver and tolerances", "", *solver_lines(), ""]
    if choices_cited:
        head, _, bullets = CHOICES.partition("\n\n")
        lines += [f"## {head.rstrip(':').replace('(', '([ZNT26]; ', 1)}", "", bullets, ""]
    targets = target_lines(out, names)
    if targets:
        lines += ["## Targets at a glance ([ZNT26] Tables 1-4, the paper's loss)", "",
                  "Counted from the instance CSVs of this folder; each table's Targets section has the rows.", "",
                  *targets, ""]  # fmt: skip
    order = sorted(groups, key=lambda k: (k != _PAPER_FIRST, k == "other", k))
    for key in order:
        group = groups[key]
        citation = next((r for r in group["refs"] if r.startswith(f"[{key}]")), key)
        lines += [f"## {citation}", ""]
        for part in group["parts"]:
            lines += [part, ""]
        others = [r for r in group["refs"] if not r.startswith(f"[{key}]")]
        if others:
            lines += ["References: " + "; ".join(others), ""]
    path = out / REPORT
    path.write_text("\n".join(lines))
    return path


def main(argv: Sequence[str] | None = None) -> int:
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="python -m paper_repro.report", description="regenerate REPORT.md of an output folder")
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    if not args.out.is_dir():
        parser.error(f"`out` must be an existing folder written by python -m paper_repro; got {str(args.out)!r}")
    print(write_report(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
