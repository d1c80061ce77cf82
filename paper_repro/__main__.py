"""Command line: ``python -m paper_repro NAME [NAME ...]|all --out DIR [--quick] [--seed S] [--workers N | --scheduler ADDRESS]``.

The artefacts are registered in :mod:`paper_repro.registry`.  ``DIR/timings.json`` is updated after
every artefact (a killed run keeps the times of those it finished); every run ends by writing
``DIR/REPORT.md`` from the outputs in ``DIR`` (:mod:`paper_repro.report`).
"""

from __future__ import annotations

import argparse
import difflib
import datetime
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from paper_repro import executor
from paper_repro.registry import ARTEFACTS, DESCRIPTIONS, load
from paper_repro.report import record_run, write_report


def _artefact_list() -> str:
    width = max(map(len, ARTEFACTS))
    lines = [f"  {name:<{width}}  {DESCRIPTIONS.get(name, '')}" for name in ARTEFACTS]
    return (
        "artefacts (in report order):\n" + "\n".join(lines) + "\n\nexamples:\n"
        "  python -m paper_repro table1 --out results --quick       # one artefact, reduced sizes\n"
        "  python -m paper_repro all --out results --workers 2      # everything, two local processes\n"
        "  python -m paper_repro noise_sweep --out results --scheduler tcp://10.0.0.5:8786   # on a Dask cluster"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m paper_repro",
        description="Reproduce the tables and figures of [ZNT26] and [LZX21], and studies beyond them.\n"
        "Each artefact writes CSV, Markdown and PNG files into --out; every run ends by writing --out/REPORT.md.",
        epilog=_artefact_list(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "names", nargs="+", metavar="name",
        help="'all' or one or more artefact names (listed below; run in the order given, solves shared)",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, required=True, help="output folder (created if missing)")
    parser.add_argument("--quick", action="store_true", help="reduced sizes (at most about a minute each on two cores)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads", type=int, default=1,
        help="torch intra-op threads (default 1: these small networks run fastest, and are not slowed by "
        "other processes, on one thread)",
    )  # fmt: skip
    parser.add_argument(
        "--workers", type=int, default=None,
        help="local worker processes for the independent solves of a sweep (default: one per core, "
        "or $PAPER_REPRO_WORKERS; 1 runs them in this process)",
    )  # fmt: skip
    parser.add_argument(
        "--scheduler", default=None, metavar="ADDRESS",
        help="hand the solves to the Dask scheduler at ADDRESS (e.g. tcp://10.0.0.5:8786) instead of local "
        "processes; needs dask[distributed] here and on the workers",
    )  # fmt: skip
    parser.add_argument("--progress", action="store_true", help="show a progress bar over each sweep's solves (tqdm)")
    args = parser.parse_args(argv)
    if args.workers is not None and args.workers < 1:
        parser.error(f"--workers must be a positive integer, got {args.workers}")
    if args.workers is not None and args.scheduler is not None:
        parser.error("give --workers (local processes) or --scheduler (a Dask cluster), not both")
    if args.names == ["all"]:
        names = sorted(ARTEFACTS)
    else:
        unknown = [name for name in args.names if name not in ARTEFACTS]
        if unknown:
            close = difflib.get_close_matches(unknown[0], ARTEFACTS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            parser.error(f"artefact must be 'all' or one or more of {sorted(ARTEFACTS)}, got {unknown[0]!r}{hint}")
        names = list(dict.fromkeys(args.names))
    args.out.mkdir(parents=True, exist_ok=True)
    import torch  # only the command line changes process-wide settings

    torch.set_num_threads(args.threads)
    executor.configure(workers=args.workers, scheduler=args.scheduler, progress=args.progress)
    command = "python -m paper_repro " + " ".join(argv if argv is not None else sys.argv[1:])
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    started, seconds = time.perf_counter(), {}
    for name in names:
        start = time.perf_counter()
        load(name)(args.out, quick=args.quick, seed=args.seed)
        seconds[name] = time.perf_counter() - start
        print(f"{name}: wrote {args.out}/ in {seconds[name]:.1f} s", flush=True)
        record_run(
            args.out, seconds, quick=args.quick, seed=args.seed, total=time.perf_counter() - started,
            command=command, started=stamp, planned=names,
        )  # fmt: skip
    print(f"report: {write_report(args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
