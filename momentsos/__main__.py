"""``python -m momentsos``: a certified-global-optimum demo on three classic problems.

Each problem is solved with the default rule (the relaxation order climbs until flat truncation
certifies the bound); the summary printed for each is the result's own ``repr``. The exit status is
0 when all three are certified and 1 otherwise, so the command doubles as a smoke test.
"""

from __future__ import annotations

import sys
import time

import sympy as sp

from . import Status, minimize


def main() -> int:
    x, y = sp.symbols("x y")
    demos = [
        (
            "Six-hump camel (two global minimizers)",
            dict(objective=4 * x**2 - sp.Rational(21, 10) * x**4 + x**6 / 3 + x * y - 4 * y**2 + 4 * y**4),
        ),
        (
            "Linear objective on the unit circle (equality constraint)",
            dict(objective=x + y, equalities=[x**2 + y**2 - 1]),
        ),
        (
            "Concave quadratic on the box [-1, 1]^2 (four global minimizers at the corners)",
            dict(objective=-(x**2) - y**2, inequalities=[1 - x**2, 1 - y**2]),
        ),
    ]
    certified = 0
    start = time.perf_counter()
    for title, problem in demos:
        res = minimize(**problem)
        print(f"== {title}\n{res}\n")
        certified += res.status is Status.CERTIFIED
    print(f"{certified} of {len(demos)} certified global minima in {time.perf_counter() - start:.2f} s")
    return 0 if certified == len(demos) else 1


if __name__ == "__main__":
    sys.exit(main())
