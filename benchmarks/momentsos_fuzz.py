"""Fuzzing campaign: planted problems with known answers through ``minimize``, graded.

A wrong certificate (a CERTIFIED answer whose bound or minimizers contradict the plant) is a bug;
the exit status is 1 when any is found. The generators and the grading rule are
:mod:`momentsos.testing`'s. The solves are independent: they run on local processes (``--workers N``,
default one per core) or a Dask cluster (``--scheduler ADDRESS``), see :mod:`paper_repro.executor`.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

from momentsos import check_proof, minimize
from momentsos.testing import KINDS, PlantedProblem, check_answer, planted_suite
from paper_repro import executor


def solve_and_grade(job: tuple[PlantedProblem, str | None]) -> tuple[str, str, int, int, str]:
    """``(kind, grade, seed, nvars, proof)`` of one planted problem; proof is "checked" (an exact proof
    that check_proof accepts), "rejected" (one it rejects), "without" (certified by evaluation only)
    or "" (not certified)."""
    planted, solver = job
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = minimize(planted.problem, solver=solver, max_order=planted.max_order)
    proof = ""
    if res.status.name == "CERTIFIED":
        proof = "without" if res.proof is None else ("checked" if check_proof(res.proof) else "rejected")
    return planted.kind, check_answer(planted, res), planted.seed, planted.problem.nvars, proof


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
    parser.add_argument("--workers", type=int, default=None, help="local worker processes (default: one per core)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS", help="a Dask scheduler to run the solves on")
    parser.add_argument("--progress", action="store_true", help="a progress bar over the solves (tqdm, stderr)")
    args = parser.parse_args(argv)
    nvars = tuple(int(v) for v in args.nvars.split(","))
    kinds = tuple(args.kinds.split(","))
    counts: dict[str, dict[str, int]] = {}
    wrong = []
    proofs = {"with": 0, "checked": 0, "without": 0}
    proved: dict[str, int] = {}
    start = time.perf_counter()
    jobs = [(p, args.solver) for p in planted_suite(args.count, args.seed, kinds=kinds, nvars=nvars, scaled=args.scaled)]
    run = executor.configure(workers=args.workers, scheduler=args.scheduler, progress=args.progress)
    try:
        answers = run.map(solve_and_grade, jobs, desc="planted problems")
    finally:
        run.close()
    for kind, mark, seed, n, proof in answers:
        if proof:
            proofs["without" if proof == "without" else "with"] += 1  # checked or rejected
            proofs["checked"] += proof == "checked"
            proved[kind] = proved.get(kind, 0) + (proof == "checked")
        counts.setdefault(kind, {}).setdefault(mark, 0)
        counts[kind][mark] += 1
        if mark in ("wrong", "incomplete", "false_infeasible"):
            wrong.append((mark, kind, seed, n))
    grades = sorted({g for c in counts.values() for g in c})
    print(f"{args.count} planted problems, seed {args.seed}, solver {args.solver or 'default chain'}"
          f"{', badly scaled' if args.scaled else ''}, {time.perf_counter() - start:.1f} s")
    print(f"{'kind':17s} " + " ".join(f"{g:>12s}" for g in grades) + f" {'proved':>12s}")
    for kind, c in counts.items():
        print(f"{kind:17s} " + " ".join(f"{c.get(g, 0):12d}" for g in grades) + f" {proved.get(kind, 0):12d}")
    print(f"{'total':17s} " + " ".join(f"{sum(c.get(g, 0) for c in counts.values()):12d}" for g in grades)
          + f" {sum(proved.values()):12d}")
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
