"""Fuzzing campaign: solve planted networks and grade every certificate.

``python benchmarks/nets_fuzz.py --count 200`` draws ``count`` planted networks
(:func:`nets.polynet.planted.planted_network`: a seeded random net, random true activations and
noiseless data, so the global minimum of the loss is 0), solves each with :func:`nets.solve_global`
and grades the result with :func:`nets.polynet.planted.check_fit`. It prints the grades per loss and
exits with 1 when a certificate is wrong. The solves run on local processes (``--workers N``, default
one per core) or a Dask cluster (``--scheduler ADDRESS``), see :mod:`paper_repro.executor`.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections import Counter

from nets import solve_global
from nets.polynet.planted import check_fit, planted_network
from paper_repro import executor


def solve_and_grade(job: tuple[int, str, str | None]) -> tuple[str, str, int]:
    """``(loss, grade, seed)`` of the planted network of ``seed`` solved with ``loss`` and ``solver``."""
    seed, loss, solver = job
    planted = planted_network(seed, loss=loss)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = solve_global(planted.net, (planted.X, planted.Y), loss=planted.loss, solver=solver)
    return planted.loss, check_fit(planted, fit), planted.seed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/nets_fuzz.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--solver", default=None)
    parser.add_argument("--loss", default="linf-mean,l2", help="comma-separated losses to cycle through")
    parser.add_argument("--workers", type=int, default=None, help="local worker processes (default: one per core)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS", help="a Dask scheduler to run the solves on")
    parser.add_argument("--progress", action="store_true", help="a progress bar over the solves (tqdm, stderr)")
    args = parser.parse_args(argv)
    losses = args.loss.split(",")
    grades: Counter[tuple[str, str]] = Counter()
    bad = []
    start = time.perf_counter()
    jobs = [(args.seed + i, losses[i % len(losses)], args.solver) for i in range(args.count)]
    run = executor.configure(workers=args.workers, scheduler=args.scheduler, progress=args.progress)
    try:
        answers = run.map(solve_and_grade, jobs, desc="planted networks")
    finally:
        run.close()
    for loss, mark, seed in answers:
        grades[(loss, mark)] += 1
        if mark in ("wrong", "false_infeasible", "incomplete"):
            bad.append((mark, loss, seed))
    print(f"{args.count} planted networks, seeds {args.seed}..{args.seed + args.count - 1}, "
          f"solver {args.solver or 'default chain'}, {time.perf_counter() - start:.1f} s")
    names = sorted({g for _, g in grades})
    print(f"{'loss':10s} " + " ".join(f"{g:>12s}" for g in names))
    for loss in losses:
        print(f"{loss:10s} " + " ".join(f"{grades[(loss, g)]:12d}" for g in names))
    wrong = [b for b in bad if b[0] == "wrong"]
    print(f"wrong certificates: {len(wrong)}" + (f" {wrong}" if wrong else ""))
    if len(bad) > len(wrong):
        print(f"other failures (grade, loss, seed): {[b for b in bad if b[0] != 'wrong']}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
