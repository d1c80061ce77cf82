"""Balancing badly scaled problems: powers of two on the variables and on each polynomial.

A reduction in the sense of a pair of maps: :class:`Balancing` applies the substitution to the
problem (``.problem``) and inverts it on a result of the balanced problem (``.invert``), side by
side, so that the stages between them see only the balanced problem.

Tolerances are relative to ``max(1, |value|)`` and coefficient sizes, so a problem whose coefficients
span many orders of magnitude (``1e6 x^2 + 1e-6 (y^2 - 1)^2``) can look solved when only its large terms
are: the small terms fall under the tolerances, and a point that ignores them passes. Substituting
``x_i = 2^{t_i} x'_i`` and dividing each polynomial ``p`` by ``2^{u_p}`` turns a coefficient ``c_a`` of
``p`` into ``c_a 2^{a . t - u_p}``. We choose ``t`` and ``u`` by linear least squares on the exponents:

.. math::

    \\min_{t, u} \\sum_p \\sum_{a \\in supp(p)} (\\log_2 |c_a| + a \\cdot t - u_p)^2 + \\lambda |t|^2,

(geometric scaling; the small ridge ``lambda`` keeps ``t`` at 0 on directions the data do not fix) and
round ``t`` and ``u`` to integers, so scaling is exact in floating point. The relaxation is built,
solved and certified on the balanced problem, where the tolerances mean what they say; atoms are
mapped back with ``x = 2^t x'`` and bounds multiplied by ``2^{u_f}``. Problems whose coefficients span
less than ``SPREAD_TOL`` (a factor 1e4) are left alone; terms below ``NEGLIGIBLE`` (1e-12) times
their polynomial's largest coefficient are ignored in both decisions.

Below ``SPREAD_TOL``, an objective whose coefficients are all below ``OBJECTIVE_FLOOR`` (0.5) is
still divided by a power of two that brings its largest coefficient into ``[1, 2)``: ``gap_tol`` is
relative to ``max(1, |value|)``, so on a uniformly tiny objective it would be absolute and loose
(at objective scale 1e-3, points 1e-2 off a minimizer would pass).

Balancing cannot fix every problem: ``1e6 (x - 1)^2 + 1e-6 (y^2 - 1)^2`` is a sum of two parts of
very different size in separate variables, and no diagonal scaling brings both to order one. There
a point that ignores the small part is within the default ``gap_tol`` of the bound; pass a smaller
``gap_tol`` (and a solver accurate enough for it) when such terms matter.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sparse
from numpy.typing import NDArray
from scipy.sparse.linalg import lsqr

from .certify.atoms import Atom, scaled_violation
from .polynomial import Polynomial
from .problem import PolyProblem
from .result import PolyOptResult

__all__ = ["Balancing", "Scaling", "balance", "coefficient_spread", "SPREAD_TOL", "OBJECTIVE_FLOOR"]

SPREAD_TOL = 1e4
OBJECTIVE_FLOOR = 0.5
NEGLIGIBLE = 1e-12
_RIDGE = 1e-3


@dataclass(frozen=True)
class Scaling:
    """``x = 2**variable_exponents * x'``; ``p = 2**polynomial_exponents[i] * p'`` (objective first,
    then the inequalities, then the equalities)."""

    variable_exponents: NDArray[np.int64]
    polynomial_exponents: NDArray[np.int64]

    @property
    def variable_scale(self) -> NDArray[np.float64]:
        return np.ldexp(1.0, self.variable_exponents)

    @property
    def objective_scale(self) -> float:
        return float(np.ldexp(1.0, int(self.polynomial_exponents[0])))

    @property
    def is_identity(self) -> bool:
        return not (self.variable_exponents.any() or self.polynomial_exponents.any())


def _polynomials(problem: PolyProblem) -> list[Polynomial]:
    return [problem.objective, *problem.inequalities, *problem.equalities]


def _significant(p: Polynomial) -> NDArray[np.bool_]:
    """Terms above ``NEGLIGIBLE`` times the polynomial's largest coefficient (rounding residue of
    numerically built polynomials, e.g. 1e-17 next to 1, neither needs nor should steer balancing)."""
    a = np.abs(p.coefficients)
    return a >= NEGLIGIBLE * a.max()


def coefficient_spread(problem: PolyProblem) -> float:
    """Largest over the polynomials of ``max |c| / min |c|`` over their significant non-constant
    terms (a constant is not moved by scaling the variables: the offset ``n`` of a chain of ``n``
    terms, 20,959 beside coefficients from 1 to 380 in chained Wood at n = 1000, calls for no
    balancing)."""
    spreads = [1.0]
    for p in _polynomials(problem):
        if p.nterms:
            a = np.abs(p.coefficients[np.any(p.exponents != 0, axis=1)])
            if len(a) and a.max() > 0:
                a = a[a >= NEGLIGIBLE * a.max()]
                spreads.append(float(a.max() / a.min()))
    return max(spreads)


def balance(problem: PolyProblem) -> tuple[PolyProblem, Scaling]:
    """The balanced problem and its :class:`Scaling` (the identity when the spread is below ``SPREAD_TOL``)."""
    polys = _polynomials(problem)
    n = problem.nvars
    identity = Scaling(np.zeros(n, dtype=np.int64), np.zeros(len(polys), dtype=np.int64))
    if n == 0:
        return problem, identity
    if coefficient_spread(problem) < SPREAD_TOL:
        return _normalize_objective(problem, identity)
    rows, rhs, owner = [], [], []
    for i, p in enumerate(polys):
        if p.nterms:
            keep = _significant(p)
            rows.append(p.exponents[keep])
            rhs.append(-np.log2(np.abs(p.coefficients[keep])))
            owner.append(np.full(int(keep.sum()), i))
    E = np.vstack(rows).astype(np.float64)
    b = np.concatenate(rhs)
    who = np.concatenate(owner)
    m = len(b)
    # columns: t (n), then u (one per polynomial); residual a.t - u_p + log2|c|
    U = sparse.csr_matrix((-np.ones(m), (np.arange(m), who)), shape=(m, len(polys)))
    A = sparse.hstack([sparse.csr_matrix(E), U])
    ridge = sparse.hstack([_RIDGE * sparse.identity(n), sparse.csr_matrix((n, len(polys)))])
    A = sparse.vstack([A, ridge]).tocsr()
    sol = lsqr(A, np.concatenate([b, np.zeros(n)]), atol=1e-12, btol=1e-12)[0]
    scaling = Scaling(np.rint(sol[:n]).astype(np.int64), np.rint(sol[n:]).astype(np.int64))
    if scaling.is_identity:
        return problem, identity
    scaled = [_scale_polynomial(p, scaling.variable_exponents, int(u)) for p, u in zip(polys, scaling.polynomial_exponents)]
    k = len(problem.inequalities)
    balanced = PolyProblem.from_polynomials(scaled[0], scaled[1 : 1 + k], scaled[1 + k :], problem.variables)
    return balanced, scaling


def _normalize_objective(problem: PolyProblem, identity: Scaling) -> tuple[PolyProblem, Scaling]:
    """Divide a uniformly tiny objective by a power of two so its largest coefficient is in [1, 2).

    ``gap_tol`` is relative to ``max(1, |value|)``, hence absolute for values below 1: on
    ``1e-3 f`` it would accept points 1e3 times farther from the minimum than on ``f``.
    """
    f = problem.objective
    if not f.nterms:
        return problem, identity
    largest = float(np.abs(f.coefficients).max())
    if largest >= OBJECTIVE_FLOOR:
        return problem, identity
    u = int(np.floor(np.log2(largest)))
    exponents = identity.polynomial_exponents.copy()
    exponents[0] = u
    scaling = Scaling(identity.variable_exponents, exponents)
    balanced = PolyProblem.from_polynomials(
        _scale_polynomial(f, identity.variable_exponents, u), problem.inequalities, problem.equalities,
        problem.variables,
    )
    return balanced, scaling


def _scale_polynomial(p: Polynomial, t: NDArray[np.int64], u: int) -> Polynomial:
    if not p.nterms:
        return p
    return Polynomial(p.exponents, np.ldexp(p.coefficients, p.exponents @ t - u))


class Balancing:
    """The balancing reduction of a problem: ``problem`` is the balanced one, :meth:`invert` maps a
    result of it back to the original variables and objective.

    With ``enabled=False``, or when :func:`balance` leaves the problem alone, both maps are the identity.
    """

    def __init__(self, problem: PolyProblem, enabled: bool = True) -> None:
        self.original = problem
        self.problem, self.scaling = balance(problem) if enabled else (problem, None)

    @property
    def is_identity(self) -> bool:
        return self.scaling is None or self.scaling.is_identity

    def invert(self, res: PolyOptResult) -> PolyOptResult:
        """``res`` (of the balanced problem) in the original variables and objective units:
        atoms ``x = 2^t x'`` re-evaluated on the original problem, bounds times ``2^{u_f}``, and
        the SOS certificate rewritten for the original polynomials."""
        if self.is_identity:
            return res
        scaling, original = self.scaling, self.original
        assert scaling is not None

        d, s = scaling.variable_scale, scaling.objective_scale

        def bound(value: float | None) -> float | None:
            return None if value is None else value * s

        atoms = tuple(
            Atom(a.point * d, a.weight, float(original.objective.evaluate(a.point * d)),
                 scaled_violation(original, a.point * d))
            for a in res.atoms
        )
        hierarchy = tuple(dataclasses.replace(r, lower_bound=bound(r.lower_bound)) for r in res.hierarchy)
        note = (f" Solved on the balanced problem x = 2^t x' with t = {scaling.variable_exponents.tolist()}, "
                f"objective divided by 2^{int(scaling.polynomial_exponents[0])} (see momentsos.reductions).")
        return dataclasses.replace(
            res, lower_bound=bound(res.lower_bound), upper_bound=bound(res.upper_bound),
            x=None if res.x is None else res.x * d, atoms=atoms, hierarchy=hierarchy, problem=original,
            message=res.message + note,
            certificate=None if res.certificate is None else res.certificate.unscale(
                scaling, original.objective, original.inequalities, original.equalities, original.variables),
        )
