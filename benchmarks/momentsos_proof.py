"""What exact proofs cost and how often they go through: every named problem, solved by ``minimize``.

For each problem: the status, whether the CERTIFIED answer carries an exact proof (or why not), the
wall time of ``minimize`` (which includes the proof), the time of making the proof again and of
re-checking it with ``check_proof``, and the proof's share of the solve. Run
``python benchmarks/momentsos_proof.py [--repeats N]``; medians over the repeats.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings

import numpy as np

import momentsos as ms
from momentsos import problems
from momentsos.certify.rounding import ProofFailure, prove


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/momentsos_proof.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default=None, help="comma-separated problem names")
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else problems.names()
    print(f"load average {os.getloadavg()[0]:.2f}; medians of {args.repeats} runs")
    print(f"{'problem':30s} {'status':11s} {'proof':6s} {'solve s':>9s} {'prove s':>9s} {'check s':>9s} {'share':>6s}  note")
    proved = certified = 0
    for name in names:
        problem = problems.get(name).problem()
        solve, make, check = [], [], []
        for _ in range(args.repeats):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                start = time.perf_counter()
                res = ms.minimize(problem)
                solve.append(time.perf_counter() - start)
            if res.status is not ms.Status.CERTIFIED:
                continue
            points = np.array([a.point for a in res.atoms if a.violation <= 1e-6])
            start = time.perf_counter()
            try:
                proof = prove(res.certificate, res.problem, points, 1e-6, 1e-6)
            except ProofFailure:
                proof = None
            make.append(time.perf_counter() - start)
            if proof is not None:
                start = time.perf_counter()
                ms.check_proof(proof)
                check.append(time.perf_counter() - start)
        t_solve = statistics.median(solve)
        t_make = statistics.median(make) if make else float("nan")
        t_check = statistics.median(check) if check else float("nan")
        has = res.proof is not None
        certified += res.status is ms.Status.CERTIFIED
        proved += has
        note = "" if has or res.status is not ms.Status.CERTIFIED else res.proof_note
        print(f"{name:30s} {res.status.name:11s} {'yes' if has else '-':6s} {t_solve:9.3f} {t_make:9.3f} {t_check:9.3f} "
              f"{t_make / t_solve:6.1%}  {note[:70]}")
    print(f"certified {certified}, with an exact proof {proved}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
