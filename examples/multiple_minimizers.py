"""Several global minimizers, read off a flat moment matrix of rank > 1.

The three-minimizer problem of the GloptiPoly 3 paper (Henrion, Lasserre, Loefberg 2009): the moment
matrix at order 2 has rank 3, and the Henrion-Lasserre extraction returns three atoms with their
weights. Also shows the hierarchy record and how to choose the numerical rank rule.

Run: python examples/multiple_minimizers.py
"""

import numpy as np

import momentsos as ms

named = ms.problems.get("gloptipoly3_three_minimizers")
problem = named.problem()
print(problem)

res = ms.minimize(problem)
print(res)
print("ranks of M_t for t = 0..k:", res.flatness.ranks, "| flat at t =", res.flatness.flat_orders)
for atom in res.atoms:
    print(f"x = {np.round(atom.point, 6)}  weight {atom.weight:.3f}")

# The same solve with a relative singular-value threshold instead of the largest gap.
strict = ms.minimize(problem, order=res.order, rank_check=ms.RelativeRankTol(1e-6))
print("relative-tolerance rule:", strict.status.name, "ranks", strict.flatness.ranks)

known = np.array(named.minimizers)
found = np.array([a.point for a in res.atoms])
assert res.success and len(found) == len(known)
print("largest distance to the published minimizers:",
      max(np.min(np.linalg.norm(found - p, axis=1)) for p in known))
