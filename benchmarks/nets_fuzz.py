"""Fuzzing campaign: solve planted networks and grade every certificate.

``python benchmarks/nets_fuzz.py --count 200`` draws ``count`` planted networks
(:func:`nets.polynet.planted.planted_network`: a seeded random net, random true activations and
noiseless data, so the global minimum of the loss is 0), solves each with :func:`nets.solve_global`
and grades the result with :func:`nets.polynet.planted.check_fit`. It prints the grades per loss and
exits with 1 when a certificate is wrong.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections import Counter

from nets import solve_global
from nets.polynet.planted import check_fit, planted_network


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/nets_fuzz.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--solver", default=None)
    parser.add_argument("--loss", default="linf-mean,l2", help="comma-separated losses to cycle through")
    args = parser.parse_args(argv)
    losses = args.loss.split(",")
    grades: Counter[tuple[str, str]] = Counter()
    bad = []
    start = time.perf_counter()
    for i in range(args.count):
        planted = planted_network(args.seed + i, loss=losses[i % len(losses)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = solve_global(planted.net, (planted.X, planted.Y), loss=planted.loss, solver=args.solver)
        grade = check_fit(planted, fit)
        grades[(planted.loss, grade)] += 1
        if grade in ("wrong", "false_infeasible", "incomplete"):
            bad.append((grade, planted.loss, planted.seed))
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
