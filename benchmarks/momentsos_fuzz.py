"""Fuzzing campaign: planted problems with known answers through ``minimize``, graded.

A wrong certificate (a CERTIFIED answer whose bound or minimizers contradict the plant) is a bug;
the exit status is 1 when any is found. The generators and the grading rule are
:mod:`momentsos.testing`'s.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

from momentsos import check_proof, minimize
from momentsos.testing import KINDS, check_answer, planted_suite


def main(argv: list[str] | None = None) -> int:
    """Solve a planted suite, print the grades per kind and the seed.

    Exit status 1 when any certificate is wrong.
    """
    parser = argparse.ArgumentParser(prog="python benchmarks/momentsos_fuzz.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--solver", default=None, help="SDP solver name (default: the default chain)")
    parser.add_argument("--nvars", default="2,3,4", help="comma-separated variable counts to cycle through")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated kinds to cycle through")
    parser.add_argument("--scaled", action="store_true", help="pass every problem through badly_scaled")
    args = parser.parse_args(argv)
    nvars = tuple(int(v) for v in args.nvars.split(","))
    kinds = tuple(args.kinds.split(","))
    counts: dict[str, dict[str, int]] = {}
    wrong = []
    proofs = {"with": 0, "checked": 0, "without": 0}
    start = time.perf_counter()
    for done, planted in enumerate(planted_suite(args.count, args.seed, kinds=kinds, nvars=nvars, scaled=args.scaled)):
        if done and done % 100 == 0:
            print(f"... {done} solved, {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = minimize(planted.problem, solver=args.solver, max_order=planted.max_order)
        grade = check_answer(planted, res)
        if res.status.name == "CERTIFIED":
            if res.proof is None:
                proofs["without"] += 1
            else:
                proofs["with"] += 1
                proofs["checked"] += bool(check_proof(res.proof))
        counts.setdefault(planted.kind, {}).setdefault(grade, 0)
        counts[planted.kind][grade] += 1
        if grade in ("wrong", "incomplete", "false_infeasible"):
            wrong.append((grade, planted.kind, planted.seed, planted.problem.nvars))
    grades = sorted({g for c in counts.values() for g in c})
    print(f"{args.count} planted problems, seed {args.seed}, solver {args.solver or 'default chain'}"
          f"{', badly scaled' if args.scaled else ''}, {time.perf_counter() - start:.1f} s")
    print(f"{'kind':17s} " + " ".join(f"{g:>12s}" for g in grades))
    for kind, c in counts.items():
        print(f"{kind:17s} " + " ".join(f"{c.get(g, 0):12d}" for g in grades))
    print(f"{'total':17s} " + " ".join(f"{sum(c.get(g, 0) for c in counts.values()):12d}" for g in grades))
    bad = [w for w in wrong if w[0] == "wrong"]
    print(f"wrong certificates: {len(bad)}" + (f" {bad}" if bad else ""))
    print(f"certified with an exact proof: {proofs['with']} (check_proof accepts {proofs['checked']}); "
          f"certified by evaluation only: {proofs['without']}")
    for grade in ("incomplete", "false_infeasible"):
        cases = [w[1:] for w in wrong if w[0] == grade]
        if cases:
            print(f"{grade} (kind, seed, nvars): {cases}")
    return 1 if bad or proofs["checked"] < proofs["with"] else 0


if __name__ == "__main__":
    sys.exit(main())
