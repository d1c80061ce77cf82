"""Certified global minimum of a nonconvex polynomial, with and without constraints.

Run: python examples/certified_minimum.py
"""

import sympy as sp

import momentsos as ms

x, y = sp.symbols("x y")

# Six-hump camel: six local minima, two global ones. The order climbs until the bound is certified.
res = ms.minimize(4 * x**2 - sp.Rational(21, 10) * x**4 + x**6 / 3 + x * y - 4 * y**2 + 4 * y**4)
print(res)
print("status:", res.status.name, "| lower bound:", res.lower_bound, "| order:", res.order)
for atom in res.atoms:
    print("global minimizer", atom.point, "objective", atom.objective)

# Constraints are sympy expressions (g >= 0, h == 0) or relations; pick the order and solver.
res = ms.minimize(x + y, inequalities=[x >= -0.5], equalities=[x**2 + y**2 - 1], order=2, solver="SCS")
print(res)
assert res.success, res.message
