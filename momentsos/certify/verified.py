"""A rigorous lower bound from a numerical SOS certificate on a bounded feasible set.

Method
------
Take a certificate ``f - b = sum_j g_j v_j^T Q_j v_j + sum_i h_i p_i + r`` (:mod:`momentsos.certify.sos`;
``g_0 = 1``) whose Gram matrices ``Q_j`` and multipliers ``p_i`` are floating-point numbers, and a
box ``[l, u]`` that contains the feasible set (derived from the constraints, or given by the user).

1. **Projection.** Each ``Q_j`` is factored numerically as ``L_j L_j^T`` from its eigen-decomposition
   with negative eigenvalues dropped, and replaced by the float matrix ``G_j = fl(L_j L_j^T)``. By the
   classical bound on floating-point dot products (any summation order, with or without fused
   multiply-add; Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., §3.1 and §3.5),
   ``|G_j - L_j L_j^T| <= gamma_r |L_j| |L_j|^T + r 2^-1074`` entrywise, with ``r`` the number of
   columns of ``L_j``, ``gamma_r = r u / (1 - r u)``, ``u = 2^-53`` and the last term covering
   gradual underflow. Hence ``v^T G_j v >= -eps_j ||v||^2`` for every real vector ``v``, with
   ``eps_j = gamma_r ||L_j||_F^2 + s_j r 2^-1074`` (``|| |L||L|^T ||_F <= ||L||_F^2``).
2. **Exact residual.** The residual ``r = f - b - sum_j g_j v_j^T G_j v_j - sum_i h_i p_i`` is computed
   *exactly*: every float is an integer times a power of two, so each coefficient is a sum of
   products of dyadic rationals, evaluated with Python integers. No rounding happens here.
3. **Box bound.** For ``x`` in the box, ``|x^a| <= M_a = prod_i max(|l_i|, |u_i|)^{a_i}``. So for a
   feasible ``x`` in the box (``g_j(x) >= 0``, ``h_i(x) = 0``)

   .. math::

       f(x) = b + \\sum_j g_j(x) \\, v_j(x)^T G_j v_j(x) + r(x)
       \\ge b - \\sum_j \\bar g_j \\, \\varepsilon_j \\sum_{a} M_a^2 - \\sum_a |r_a| M_a,

   with ``bar g_j = sum_c |g_{j,c}| M_c >= g_j(x)`` (``bar g_0 = 1``). The right side is evaluated in
   exact rational arithmetic and rounded *down* to a float: that float is ``verified_lower_bound``.

Assumptions
-----------
* IEEE binary64 arithmetic with rounding to nearest in numpy's matrix product (true on every
  platform numpy supports); the only floating-point step whose error enters the proof is
  ``fl(L L^T)``, bounded above. Everything else is exact.
* The problem is the one held in floating point by :class:`~momentsos.problem.PolyProblem`: a
  coefficient such as ``1/3`` given in sympy is verified as its nearest double.
* The box contains the feasible set. When derived from the constraints this is proven (each bound
  is checked in exact arithmetic); a user-given box makes the statement one about the feasible set
  *intersected with the box*.

The bound is as good as the certificate: it loses about ``sum_a |r_a| M_a`` (the dual infeasibility
of the solve times the box's monomial sizes) plus a term of order ``1e-16 * trace Q``. On the named
problems with a unit box and an accurate solve it is within 1e-10 to 1e-8 (relative) of the
numerical bound (``tests/momentsos/test_verified.py`` checks 1e-6); on a large box (``M_a`` up to
``R^{2k}``) it degrades accordingly, e.g. by 3e-6 on ``lasserre_floudas`` (box [0, 2] x [0, 3],
degree 6) with SCS's residual of 1e-7.

Deriving a box
--------------
Each inequality ``g >= 0`` and each equality (as ``h >= 0`` and ``-h >= 0``) is inspected for the
shapes that bound variables on their own: ``c_0 + c_1 x_i >= 0`` (a one-sided bound), a concave
quadratic ``c_0 + c_1 x_i + c_2 x_i^2 >= 0`` in one variable (an interval between its roots), and
``alpha - sum_i beta_i x_i^2 >= 0`` with all ``beta_i > 0`` (a ball or ellipsoid: ``|x_i| <=
sqrt(alpha / beta_i)``). Bounds are intersected per variable; the box is known when every
variable is bounded. Roots and square roots are computed in floating point, then widened until an
exact check proves them outward.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

import numpy as np
from numpy.typing import NDArray

from ..polynomial import Polynomial
from ..problem import PolyProblem
from .sos import SOSCertificate

__all__ = ["Box", "VerifiedBound", "derive_box", "make_box", "verify_certificate"]

_U = Fraction(1, 2**53)  # unit roundoff of binary64
_TINY = Fraction(1, 2**1074)  # smallest positive subnormal


@dataclass(frozen=True)
class Box:
    """``lower[i] <= x_i <= upper[i]`` for every variable; ``source`` says where it came from."""

    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    source: str

    @property
    def radius(self) -> NDArray[np.float64]:
        """``max(|lower_i|, |upper_i|)``: the bound on ``|x_i|`` used for monomials."""
        return np.maximum(np.abs(self.lower), np.abs(self.upper))

    def __repr__(self) -> str:
        pairs = ", ".join(f"[{lo:.6g}, {hi:.6g}]" for lo, hi in zip(self.lower, self.upper))
        return f"Box({pairs}; {self.source})"


@dataclass(frozen=True)
class VerifiedBound:
    """Outcome of :func:`verify_certificate`.

    Attributes
    ----------
    lower_bound : float or None
        A float provably ``<=`` the minimum of the objective over the feasible set within ``box``;
        ``None`` when no bound could be proven (see ``reason``).
    reason : str
        Empty when ``lower_bound`` is set; otherwise why not (no box, no certificate, ...).
    box : Box or None
    certificate_bound : float or None
        The numerical bound ``b`` of the certificate.
    residual_term : float or None
        ``sum_a |r_a| M_a`` (rounded up), what the identity's residual costs.
    psd_term : float or None
        ``sum_j bar g_j eps_j sum_a M_a^2`` (rounded up), what the projection to PSD costs.
    """

    lower_bound: float | None
    reason: str
    box: Box | None = None
    certificate_bound: float | None = None
    residual_term: float | None = None
    psd_term: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "lower_bound": self.lower_bound, "reason": self.reason,
            "box": None if self.box is None else [self.box.lower.tolist(), self.box.upper.tolist()],
            "certificate_bound": self.certificate_bound, "residual_term": self.residual_term,
            "psd_term": self.psd_term,
        }


# -- exact dyadic arithmetic ----------------------------------------------------------------------
def _dyadic(x: NDArray[np.float64]) -> tuple[NDArray[Any], NDArray[np.int64]]:
    """Odd integer mantissas (Python ints in an object array) and exponents with ``x = m * 2^e``."""
    x = np.asarray(x, dtype=np.float64).ravel()
    if not np.all(np.isfinite(x)):
        raise FloatingPointError("non-finite value in an exact computation")
    frac, exp = np.frexp(x)
    mant = (frac * 2.0**53).astype(np.int64)  # exact: |frac| < 1 has 53 significant bits
    exp = exp.astype(np.int64) - 53
    zero = mant == 0
    # strip trailing zero bits so that 1.0 is (1, 0) and integers stay small
    low = np.where(zero, 1, mant & -mant)
    tz = np.round(np.log2(low.astype(np.float64))).astype(np.int64)
    mant = np.where(zero, 0, mant >> tz)
    exp = np.where(zero, 0, exp + tz)
    return mant.astype(object), exp


def _sum_groups(mant: NDArray[Any], exp: NDArray[np.int64], group: NDArray[np.int64], ngroups: int
                ) -> tuple[NDArray[Any], int]:
    """Exact sums of ``mant * 2^exp`` per group: integers ``S`` and one exponent ``E`` (sum = S * 2^E)."""
    out = np.zeros(ngroups, dtype=object)  # Python int zeros
    nz = np.flatnonzero(mant != 0)
    if nz.size == 0:
        return out, 0
    e0 = int(exp[nz].min())
    shifted = mant[nz] << (exp[nz] - e0).astype(object)
    order = np.argsort(group[nz], kind="stable")
    g = group[nz][order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    out[g[starts]] = np.add.reduceat(shifted[order], starts)
    return out, e0


def _fraction(S: int, E: int) -> Fraction:
    return Fraction(S * 2**E) if E >= 0 else Fraction(S, 2 ** (-E))


def _monomial_bounds(exponents: NDArray[np.int64], radius: NDArray[np.float64]) -> tuple[NDArray[Any], NDArray[np.int64]]:
    """Exact ``M_a = prod_i radius_i^{a_i}`` as (integer mantissas, exponents)."""
    k, n = exponents.shape
    mant_r, exp_r = _dyadic(radius)
    prod = np.ones(k, dtype=object)
    expo = np.zeros(k, dtype=np.int64)
    for i in range(n):
        col = exponents[:, i]
        if not col.any():
            continue
        top = int(col.max())
        table = np.array([mant_r[i] ** d for d in range(top + 1)], dtype=object)
        prod = prod * table[col]
        expo = expo + col * exp_r[i]
    return prod, expo


def _round_down(q: Fraction) -> float:
    f = float(q)
    if Fraction(f) > q:
        f = float(np.nextafter(f, -np.inf))
    return f


def _round_up(q: Fraction) -> float:
    f = float(q)
    if Fraction(f) < q:
        f = float(np.nextafter(f, np.inf))
    return f


def _factor_psd(Q: NDArray[np.float64]) -> NDArray[np.float64]:
    """``L`` with ``L L^T`` the projection of the symmetric part of ``Q`` onto the PSD cone."""
    w, U = np.linalg.eigh(0.5 * (Q + Q.T))
    keep = w > 0
    return U[:, keep] * np.sqrt(w[keep])


# -- the verification -----------------------------------------------------------------------------
def verify_certificate(certificate: SOSCertificate, box: Box) -> VerifiedBound:
    """A float provably below the minimum of ``certificate.objective`` over the feasible set in ``box``.

    See the module docstring for the method and its assumptions. The certificate's Gram matrices
    are projected to PSD first, so a perturbed or slightly indefinite certificate still yields a
    valid (lower) bound.
    """
    cert = certificate
    n = cert.objective.nvars
    radius = box.radius
    if radius.shape != (n,) or not np.all(np.isfinite(radius)):
        return VerifiedBound(None, "the box must be finite with one interval per variable", box, cert.bound)
    # exact residual terms: (exponent row, mantissa, exponent) with sign folded into the mantissa
    rows: list[NDArray[np.int64]] = []
    mants: list[NDArray[Any]] = []
    exps: list[NDArray[np.int64]] = []

    def add(exponents: NDArray[np.int64], values: NDArray[np.float64]) -> None:
        m, e = _dyadic(values)
        rows.append(exponents)
        mants.append(m)
        exps.append(e)

    def add_products(exponents: NDArray[np.int64], left: NDArray[np.float64], right: NDArray[np.float64]) -> None:
        ml, el = _dyadic(left)
        mr, er = _dyadic(right)
        rows.append(exponents)
        mants.append(-(ml * mr))
        exps.append(el + er)

    add(cert.objective.exponents, cert.objective.coefficients)
    add(np.zeros((1, n), dtype=np.int64), np.array([-cert.bound]))
    eps_terms: list[tuple[Fraction, Polynomial, NDArray[np.int64]]] = []
    for block in cert.blocks:
        s = block.size
        if s == 0:
            continue
        L = _factor_psd(np.asarray(block.gram, dtype=np.float64))
        if L.size and (not np.all(np.isfinite(L)) or np.abs(L).max() > 2.0**400):
            return VerifiedBound(None, "a Gram matrix is too large or not finite", box, cert.bound)
        G = L @ L.T
        r = L.shape[1]
        lm, le = _dyadic(L)
        sq, se = _sum_groups(lm * lm, 2 * le, np.zeros(lm.size, dtype=np.int64), 1)
        frob2 = _fraction(int(sq[0]), se)
        gamma = r * _U / (1 - r * _U)
        eps = gamma * frob2 + s * r * _TINY
        eps_terms.append((eps, block.multiplier, block.basis))
        g = block.multiplier
        pair = (block.basis[:, None, :] + block.basis[None, :, :]).reshape(s * s, n)
        ex = (pair[:, None, :] + g.exponents[None, :, :]).reshape(-1, n)
        add_products(ex, np.repeat(G.reshape(-1), g.nterms), np.tile(g.coefficients, s * s))
    for eq in cert.equalities:
        h, p = eq.equality, eq.multiplier
        if h.nterms == 0 or p.nterms == 0:
            continue
        ex = (p.exponents[:, None, :] + h.exponents[None, :, :]).reshape(-1, n)
        add_products(ex, np.repeat(p.coefficients, h.nterms), np.tile(h.coefficients, p.nterms))
    all_rows = np.vstack(rows)
    monomials, group = np.unique(all_rows, axis=0, return_inverse=True)
    group = group.reshape(-1)
    R, E = _sum_groups(np.concatenate(mants), np.concatenate(exps), group, len(monomials))
    # sum_a |r_a| M_a, exactly
    Mm, Me = _monomial_bounds(monomials, radius)
    tot, te = _sum_groups(np.abs(R) * Mm, Me + E, np.zeros(len(monomials), dtype=np.int64), 1)
    residual_term = _fraction(int(tot[0]), te)
    # sum_j bar g_j eps_j sum_a M_a^2, exactly
    psd_term = Fraction(0)
    for eps, g, basis in eps_terms:
        if eps == 0:
            continue
        Bm, Be = _monomial_bounds(basis, radius)
        v2, ve = _sum_groups(Bm * Bm, 2 * Be, np.zeros(len(Bm), dtype=np.int64), 1)
        gm, ge = _monomial_bounds(g.exponents, radius)
        cm, ce = _dyadic(np.abs(g.coefficients))
        gb, gbe = _sum_groups(cm * gm, ce + ge, np.zeros(len(gm), dtype=np.int64), 1)
        psd_term += eps * _fraction(int(v2[0]), ve) * _fraction(int(gb[0]), gbe)
    value = Fraction(cert.bound) - residual_term - psd_term
    return VerifiedBound(_round_down(value), "", box, cert.bound, _round_up(residual_term), _round_up(psd_term))


# -- boxes ----------------------------------------------------------------------------------------
def make_box(spec: Any, nvars: int) -> Box:
    """A :class:`Box` from the ``box`` option: a radius ``R > 0`` (the box ``[-R, R]^n``, which
    contains the ball of radius ``R``) or an array of shape ``(n, 2)`` of ``[lower, upper]`` rows.

    Raises ValueError naming the value when it is neither.
    """
    if isinstance(spec, Box):
        return spec
    if isinstance(spec, (int, float, np.floating, np.integer)) and not isinstance(spec, bool):
        R = float(spec)
        if not (np.isfinite(R) and R > 0):
            raise ValueError(f"Invalid option `box={spec!r}`: a radius must be a positive finite number")
        return Box(np.full(nvars, -R), np.full(nvars, R), f"given: [-{R:g}, {R:g}]^{nvars}")
    arr = np.asarray(spec, dtype=np.float64)
    if arr.shape != (nvars, 2) or not np.all(np.isfinite(arr)) or np.any(arr[:, 0] > arr[:, 1]):
        raise ValueError(
            f"Invalid option `box={spec!r}`: expected a positive radius or {nvars} finite [lower, upper] "
            f"pairs with lower <= upper (shape ({nvars}, 2))"
        )
    return Box(arr[:, 0].copy(), arr[:, 1].copy(), "given")


def _poly_at(coefs: Sequence[Fraction], t: Fraction) -> Fraction:
    return sum((c * t**d for d, c in enumerate(coefs)), Fraction(0))


def _interval_from(g: Polynomial) -> list[tuple[int, float, float]] | None:
    """Bounds implied by ``g >= 0`` alone: ``(variable, lower, upper)`` triples, or None."""
    if g.nterms == 0:
        return None
    exps, coefs = g.exponents, g.coefficients
    used = np.flatnonzero(exps.any(axis=0))
    degrees = exps.sum(axis=1)
    if used.size == 1 and degrees.max() <= 2:
        i = int(used[0])
        c = [0.0, 0.0, 0.0]
        for row, value in zip(exps, coefs):
            c[int(row[i])] += float(value)
        c0, c1, c2 = (Fraction(v) for v in c)
        if c2 == 0 and c1 != 0:  # c0 + c1 x >= 0
            t = float(-c0 / c1)
            if c1 > 0:
                while c0 + c1 * Fraction(t) > 0:
                    t = float(np.nextafter(t, -np.inf))
                return [(i, t, np.inf)]
            while c0 + c1 * Fraction(t) > 0:
                t = float(np.nextafter(t, np.inf))
            return [(i, -np.inf, t)]
        if c2 < 0:
            disc = float(c1 * c1 - 4 * c2 * c0)
            if disc < 0:
                return None
            root = math.sqrt(disc)
            a, b = float((-c[1] + root) / (2 * c[2])), float((-c[1] - root) / (2 * c[2]))
            lo, hi = min(a, b), max(a, b)
            vertex = -c1 / (2 * c2)
            width = 1e-15 * (1 + abs(lo) + abs(hi))
            for _ in range(200):
                # concave: g < 0 left of lo (<= vertex) and right of hi (>= vertex)
                if (Fraction(lo) <= vertex <= Fraction(hi) and _poly_at([c0, c1, c2], Fraction(lo)) < 0
                        and _poly_at([c0, c1, c2], Fraction(hi)) < 0):
                    return [(i, lo, hi)]
                lo, hi = lo - width, hi + width
                width *= 2
            return None
        return None
    # alpha - sum beta_i x_i^2 with beta_i > 0: only a constant and pure squares
    const = ~exps.any(axis=1)
    alpha = float(coefs[const].sum()) if const.any() else 0.0
    rest = exps[~const]
    if alpha <= 0 or rest.size == 0 or np.any(rest.sum(axis=1) != 2) or np.any(rest.max(axis=1) != 2):
        return None
    betas = -coefs[~const]
    if np.any(betas <= 0):
        return None
    out = []
    A = Fraction(alpha)
    for row, beta in zip(rest, betas):
        i = int(np.argmax(row))
        B = Fraction(float(beta))
        t = math.sqrt(alpha / float(beta))
        while Fraction(t) ** 2 * B < A:
            t = float(np.nextafter(t, np.inf))
        out.append((i, -t, t))
    return out


def derive_box(problem: PolyProblem) -> tuple[Box | None, str]:
    """The box proven by the constraints alone (see the module docstring), or None and the reason."""
    n = problem.nvars
    lower, upper = np.full(n, -np.inf), np.full(n, np.inf)
    sources = []
    relations = [(g, f"inequality {j}") for j, g in enumerate(problem.inequalities)]
    relations += [(s * h, f"equality {i}") for i, h in enumerate(problem.equalities) for s in (1.0, -1.0)]
    for g, what in relations:
        found = _interval_from(g)
        if not found:
            continue
        for i, lo, hi in found:
            if lo > lower[i] or hi < upper[i]:
                lower[i], upper[i] = max(lower[i], lo), min(upper[i], hi)
                sources.append(what)
    free = [str(problem.variables[i]) for i in range(n) if not (np.isfinite(lower[i]) and np.isfinite(upper[i]))]
    if free:
        return None, (f"no bounding box is known: {', '.join(free)} not bounded by a constraint of the form "
                      "a <= x_i <= b, a concave quadratic in x_i, or alpha - sum beta_i x_i^2 >= 0; pass box=")
    return Box(lower, upper, "derived from " + ", ".join(dict.fromkeys(sources))), ""


def intersect(first: Box, second: Box | None) -> Box:
    """The intersection of two boxes (``second`` may be None)."""
    if second is None:
        return first
    return Box(np.maximum(first.lower, second.lower), np.minimum(first.upper, second.upper),
               f"{first.source}; {second.source}")
