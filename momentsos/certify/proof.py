"""Exact-arithmetic proof of a lower bound and of the minimizers' values: the object and its check.

A :class:`Proof` states that ``f - b = sum_j g_j v_j^T Q_j v_j + sum_i h_i p_i`` holds identically with
every ``Q_j`` positive semidefinite, all in exact rationals, and that its points are feasible
within ``feas_tol`` with the exact values it lists. The problem data are exact too: coefficients
are read from the user's sympy expressions as rationals (a binary float in the input is the
rational it denotes), so the bound is a theorem about the problem as written. :func:`check_proof`
re-checks all of it with no solver and no floating point; :meth:`Proof.to_json` and
:meth:`Proof.from_json` carry it to another machine. :mod:`momentsos.certify.rounding` makes a
proof from a solver's floating-point certificate.

The exact arithmetic is :mod:`momentsos.certify.exact`'s.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable, Mapping, Sequence


from .exact import (
    ExactPoly,
    Monomial,
    add_into,
    as_fraction,
    evaluate,
    is_psd,
    quadratic_form,
    rational,
    times,
)

# -- the proof -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProofBlock:
    """``multiplier * v^T gram v`` with ``v`` the monomials ``basis``; ``multiplier`` is ``-1`` for
    the constant 1 (a sum of squares) or the index of an inequality ``g_j``."""

    multiplier: int
    basis: tuple[Monomial, ...]
    gram: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class Proof:
    """A certificate of global optimality that :func:`check_proof` re-checks in exact arithmetic.

    It states: on ``{g_j >= 0, h_i = 0}``, ``objective >= bound``, because
    ``objective - bound = sum_blocks multiplier * v^T gram v + sum_i h_i p_i`` identically with every
    ``gram`` positive semidefinite; and each point of ``points`` is feasible within ``feas_tol``
    (violations scaled by ``max(1, max |coefficient|)`` of each constraint) with objective value
    ``values`` (exact), the smallest of which is within ``gap_tol * max(1, |bound|)`` of ``bound``.
    All numbers are exact rationals (strings ``"p/q"`` in JSON).
    """

    variables: tuple[str, ...]
    objective: ExactPoly
    inequalities: tuple[ExactPoly, ...]
    equalities: tuple[ExactPoly, ...]
    bound: Any
    blocks: tuple[ProofBlock, ...]
    equality_multipliers: tuple[ExactPoly, ...]
    points: tuple[tuple[Any, ...], ...]
    values: tuple[Any, ...]
    feas_tol: float
    gap_tol: float

    @property
    def lower_bound(self) -> float:
        """``bound`` rounded down to a float (so the float is a valid bound too)."""
        return _round(self.bound, down=True)

    @property
    def upper_bound(self) -> float | None:
        """The smallest exact value at the points, rounded up."""
        return _round(min(self.values, key=as_fraction), down=False) if self.values else None

    def to_json(self) -> str:
        def poly(p: Mapping[Monomial, Any]) -> list[list[Any]]:
            return [[list(a), str(c)] for a, c in sorted(p.items())]

        return json.dumps({
            "format": "momentsos-proof-1",
            "variables": list(self.variables),
            "objective": poly(self.objective),
            "inequalities": [poly(g) for g in self.inequalities],
            "equalities": [poly(h) for h in self.equalities],
            "bound": str(self.bound),
            "blocks": [{"multiplier": b.multiplier, "basis": [list(r) for r in b.basis],
                        "gram": [[str(c) for c in row] for row in b.gram]} for b in self.blocks],
            "equality_multipliers": [poly(p) for p in self.equality_multipliers],
            "points": [[str(c) for c in p] for p in self.points],
            "values": [str(v) for v in self.values],
            "feas_tol": self.feas_tol,
            "gap_tol": self.gap_tol,
        })

    @classmethod
    def from_json(cls, text: str) -> Proof:
        """The proof written by :meth:`to_json`; raises ValueError for text that is not one."""
        try:
            data = json.loads(text)
            if data.get("format") != "momentsos-proof-1":
                raise ValueError(f"unknown format {data.get('format')!r}")

            def poly(items: Iterable[Any]) -> ExactPoly:
                return {tuple(int(e) for e in a): rational(c) for a, c in items}

            return cls(
                variables=tuple(data["variables"]),
                objective=poly(data["objective"]),
                inequalities=tuple(poly(g) for g in data["inequalities"]),
                equalities=tuple(poly(h) for h in data["equalities"]),
                bound=rational(data["bound"]),
                blocks=tuple(ProofBlock(int(b["multiplier"]), tuple(tuple(int(e) for e in r) for r in b["basis"]),
                                        tuple(tuple(rational(c) for c in row) for row in b["gram"]))
                             for b in data["blocks"]),
                equality_multipliers=tuple(poly(p) for p in data["equality_multipliers"]),
                points=tuple(tuple(rational(c) for c in p) for p in data["points"]),
                values=tuple(rational(v) for v in data["values"]),
                feas_tol=float(data["feas_tol"]),
                gap_tol=float(data["gap_tol"]),
            )
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
            raise ValueError(f"Proof.from_json: not a momentsos proof ({type(exc).__name__}: {exc})") from None

    def __repr__(self) -> str:
        return (f"Proof(bound={float(as_fraction(self.bound)):.10g}, {len(self.blocks)} Gram blocks, "
                f"{len(self.points)} points, upper bound {self.upper_bound})")


def _round(value: Any, down: bool) -> float:
    q = as_fraction(value)
    x = float(q)
    if down and Fraction(x) > q:
        x = math.nextafter(x, -math.inf)
    if not down and Fraction(x) < q:
        x = math.nextafter(x, math.inf)
    return x


def _scale(poly: Mapping[Monomial, Any]) -> Fraction:
    return max([Fraction(1)] + [abs(as_fraction(c)) for c in poly.values()])


def _violation(problem_g: Sequence[ExactPoly], problem_h: Sequence[ExactPoly], point: Sequence[Any]) -> Fraction:
    worst = Fraction(0)
    for g in problem_g:
        worst = max(worst, -as_fraction(evaluate(g, point)) / _scale(g))
    for h in problem_h:
        worst = max(worst, abs(as_fraction(evaluate(h, point))) / _scale(h))
    return worst


def _identity_residual(objective: ExactPoly, bound: Any, inequalities: Sequence[ExactPoly],
                       equalities: Sequence[ExactPoly], blocks: Sequence[ProofBlock],
                       multipliers: Sequence[ExactPoly]) -> ExactPoly:
    """``objective - bound - sum_blocks multiplier sigma - sum_i h_i p_i``, exactly."""
    n = len(next(iter(objective), ())) if objective else None
    residual = dict(objective)
    zero = tuple([0] * (n if n is not None else _nvars(blocks)))
    add_into(residual, {zero: bound}, -1)
    for block in blocks:
        sigma = quadratic_form(block.gram, block.basis)
        add_into(residual, sigma if block.multiplier < 0 else times(inequalities[block.multiplier], sigma), -1)
    for h, p in zip(equalities, multipliers):
        add_into(residual, times(h, p), -1)
    return residual


def _nvars(blocks: Sequence[ProofBlock]) -> int:
    for b in blocks:
        if b.basis:
            return len(b.basis[0])
    return 0


def check_proof(proof: Proof) -> bool:
    """Re-check ``proof`` in exact arithmetic: the identity, every Gram matrix PSD, the points'
    feasibility within ``feas_tol``, their exact values, and the gap within ``gap_tol``."""
    if not isinstance(proof, Proof):
        raise TypeError(f"check_proof: expected a momentsos Proof, got {type(proof).__name__}")
    if len(proof.equality_multipliers) != len(proof.equalities):
        return False
    if any(b.multiplier >= len(proof.inequalities) or b.multiplier < -1 for b in proof.blocks):
        return False
    if _identity_residual(proof.objective, proof.bound, proof.inequalities, proof.equalities, proof.blocks,
                          proof.equality_multipliers):
        return False
    if not all(is_psd(b.gram) for b in proof.blocks):
        return False
    if not proof.points or len(proof.values) != len(proof.points):
        return False
    for point, value in zip(proof.points, proof.values):
        if evaluate(proof.objective, point) != value:
            return False
        if _violation(proof.inequalities, proof.equalities, point) > Fraction(proof.feas_tol):
            return False
    best = min(as_fraction(v) for v in proof.values)
    bound = as_fraction(proof.bound)
    return best - bound <= Fraction(proof.gap_tol) * max(Fraction(1), abs(bound))
