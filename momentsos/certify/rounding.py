"""Rounding a floating-point SOS certificate to an exact proof (:class:`~momentsos.certify.proof.Proof`).

A floating-point SOS certificate (:mod:`momentsos.certify.sos`) says
``f - b ~ sigma_0 + sum_j g_j sigma_j + sum_i h_i p_i`` with ``sigma_j = v_j^T Q_j v_j``; it proves
nothing until the identity holds exactly and every ``Q_j`` is exactly positive semidefinite. The
proof is made in the manner of Peyrl and Parrilo [PP08]:

1. the floating-point certificate is prepared, with its bound lowered to ``b' = b - delta`` (a margin
   inside the gap budget), in one of two ways tried in turn at each margin: every Gram matrix
   clipped onto the PSD cone (eigenvalues floored at a small positive value), the residual left as
   it is; or the residual removed to rounding level by the least correction in the metric of the
   Gram matrices (:mod:`momentsos.certify.projection`), needed when the Gram matrices have
   eigenvalues below the solver's residual (several minimizers, a sum of squares that is nearly
   zero as in the paper's linf-mean loss). The margins run from the narrowest (the tightest bound)
   to ``1e-7``; a last trial projects at the widest margin with the metric's regularisation at
   ``1e-10`` rather than ``1e-6``, to keep localizing blocks' near-kernels. The Gram matrices and
   the multipliers ``p_i`` are then read as the rationals their floats denote;
2. the residual ``r = f - b' - sum_j g_j sigma_j - sum_i h_i p_i - sigma_0`` is computed exactly and
   absorbed (:mod:`momentsos.certify.absorption`): each monomial ``a`` of ``r`` reached by the pair sums of a sum-of-squares block is spread
   over its ``n_a`` entries ``(i, k)`` with ``b_i + b_k = a`` (``r_a / n_a`` each: the orthogonal
   projection of that block onto the affine space of the identity); a monomial that no such block
   reaches is divided by the leading term of an equality into its multiplier; and what is left goes
   to the localizing Gram matrices by an exact linear solve over their entries. Before that, the
   entries the identity fixes on its own, and those a forced face ``Q u = 0`` then determines
   (:mod:`momentsos.certify.faces`), are set exactly and left out of the spread; the projection
   of step 1 keeps to the same face. The identity then holds exactly;
3. every rational Gram matrix is shown positive semidefinite by an exact ``LDL^T`` factorisation
   (after a floating-point look that skips the ones indefinite far beyond rounding).

Each minimizer is evaluated exactly at its (binary) coordinates, so the upper bound is exact as
well; its feasibility is accepted within ``feas_tol``, scaled as in :mod:`momentsos.certify.atoms`.
:func:`momentsos.certify.proof.check_proof` re-checks the result with no solver.

References
----------
[PP08] H. Peyrl, P. A. Parrilo, "Computing sum of squares decompositions with rational
coefficients", Theoret. Comput. Sci. 409(2), 2008.
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction
from typing import Any, Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from ..problem import PolyProblem
from .absorption import absorb, pair_tables, spread
from .exact import (
    ExactPoly,
    Monomial,
    ProofFailure,
    as_fraction,
    evaluate,
    exact_problem,
    is_psd,
    rational,
)
from .faces import pin_exact
from .projection import CertificateProjection, is_sum_of_squares
from .proof import Proof, ProofBlock, _identity_residual, _violation
from .sos import SOSCertificate

__all__ = ["prove", "ProofFailure"]

_MARGINS = (1e-10, 1e-8, 1e-7)
"""Bound margins ``delta / max(1, |b|)`` tried in turn (each within the gap budget, which is checked)."""

_TIGHT_ETA = 1e-10
"""The metric's regularisation in the last trial: small enough to protect the near-kernel of
localizing blocks (eigenvalues about ``1e-10``) that the default one lets the correction cross."""

_GRID_BITS = 64
"""Bits kept below a Gram matrix's largest entry when it is read as rationals (:func:`_rational_matrix`)."""

_INDEFINITE = 1e-12
"""A prepared Gram matrix with an eigenvalue below ``-_INDEFINITE * max(1, max |entry|)`` is not tried exactly."""

_HOPELESS = 100 * _MARGINS[-1]
"""A projected Gram matrix with an eigenvalue below ``-_HOPELESS * max(1, |b|)`` (a hundred times the
widest margin on the bound) ends the projection trials: a margin ``delta`` on the bound lifts the
quadratic form at each minimizer's monomial vector by ``delta``, far less than this."""

_EMPTY = 1e-4
"""The last trial empties the rows whose diagonal is at most this fraction of their block's largest
(:class:`~momentsos.certify.projection.CertificateProjection`'s ``empty``): the localizing blocks of the
paper's epigraph losses are constants plus about ``1e-6`` of their scale, which no correction removes."""

_DRY_RUN_ENTRIES = 20_000
"""Most Gram entries a certificate may have for :func:`_spread_fails` to run (above, the exact step decides)."""

_CLIP = 1e-13
"""Relative eigenvalue floor of a localizing Gram matrix projected onto the PSD cone."""


def _rational_matrix(gram: NDArray[np.float64]) -> list[list[Any]]:
    """The symmetric part of ``gram`` as rationals on the grid ``2^e Z`` with ``2^e`` about ``2^-_GRID_BITS``
    times its largest entry: one small common denominator (the exact ``LDL^T`` then works on short
    integers, not on the up to 1074-bit denominators of arbitrary floats), at a rounding far below
    the eigenvalue margins, which the exact step absorbs like any other residual."""
    sym = 0.5 * (gram + gram.T)
    top = float(np.abs(sym).max(initial=0.0))
    if top == 0.0 or not np.isfinite(top):
        return [[rational(float(v)) for v in row] for row in sym]
    e = math.frexp(top)[1] - _GRID_BITS
    ints = np.rint(np.ldexp(sym, -e))
    unit = rational(math.ldexp(1.0, e))
    return [[rational(int(v)) * unit for v in row] for row in ints]


def _clipped_certificate(certificate: SOSCertificate, margin: float) -> SOSCertificate:
    """The first try at each margin: the bound lowered by ``margin * max(1, |bound|)`` and every Gram
    matrix clipped onto the PSD cone, leaving the residual to the exact step's even spread (enough
    when the Gram matrices are well inside the cone; :func:`~momentsos.certify.projection.project_certificate`
    is the second try)."""
    b = float(certificate.bound)
    blocks = tuple(dataclasses.replace(block, gram=_clipped(block.gram)) for block in certificate.blocks)
    return dataclasses.replace(certificate, bound=b - margin * max(1.0, abs(b)), blocks=blocks)


def _clipped(gram: NDArray[np.float64]) -> NDArray[np.float64]:
    """``gram`` projected onto the PSD cone, eigenvalues floored at a small positive fraction of its norm."""
    sym = 0.5 * (gram + gram.T)
    if sym.size == 0:
        return sym
    w, v = np.linalg.eigh(sym)
    floor = _CLIP * max(1.0, float(np.abs(w).max()))
    return (v * np.maximum(w, floor)) @ v.T


def prove(certificate: SOSCertificate | None, problem: PolyProblem, points: NDArray[np.float64],
          gap_tol: float, feas_tol: float) -> Proof:
    """An exact proof that ``certificate``'s bound (lowered by a small margin) holds on ``problem``
    and that the best of ``points`` attains it within ``gap_tol``; :class:`ProofFailure` says which
    step failed. ``certificate`` and ``points`` are in ``problem``'s units."""
    if certificate is None:
        raise ProofFailure("no SOS certificate (the solver returned no dual matrices)")
    f, gs, hs = exact_problem(problem)
    exact_points = [tuple(rational(float(v)) for v in p) for p in np.atleast_2d(points)]
    values = [evaluate(f, p) for p in exact_points]
    feasible = [(p, v) for p, v in zip(exact_points, values) if _violation(gs, hs, p) <= Fraction(feas_tol)]
    if not feasible:
        raise ProofFailure("no minimizer is feasible within feas_tol when evaluated exactly")
    best = min(as_fraction(v) for _, v in feasible)
    if len(certificate.equalities) != len(hs):
        raise ProofFailure("the certificate's equality multipliers do not match the problem's equalities")
    # a multiplier p_i may reach the degree of the relaxation: that of the blocks' pair sums
    top = max((2 * int(b.basis.sum(axis=1).max()) + b.multiplier.degree for b in certificate.blocks if b.size), default=0)
    limits = [max(top - max(sum(t) for t in h), -1) for h in hs]
    ineq_of = _inequality_indices(certificate, problem)
    if all(j >= 0 for j in ineq_of):
        raise ProofFailure("the certificate has no sum-of-squares block to absorb the rounding residual")
    reason = "the Gram matrices are not exactly positive semidefinite at any margin tried"
    projection: list[CertificateProjection] = []  # built on first use, for every margin

    def maps() -> CertificateProjection:
        if not projection:
            projection.append(CertificateProjection(certificate, limits))
        return projection[0]

    def project(margin: float) -> SOSCertificate:
        return maps()(margin)

    def project_tight(margin: float) -> SOSCertificate:
        return maps()(margin, _TIGHT_ETA)

    def project_reduced(margin: float) -> SOSCertificate:
        return maps()(margin, empty=_EMPTY)

    def clip(margin: float) -> SOSCertificate:
        return _clipped_certificate(certificate, margin)

    # the narrowest margin first (the tightest bound), the cheapest preparation first at each
    trials = ([(margin, prepare) for margin in _MARGINS for prepare in (clip, project)]
              + [(_MARGINS[-1], project_tight), (_MARGINS[0], project_reduced)])
    structural: set[Any] = set()  # preparations whose residual had nowhere to go: no margin helps them
    hopeless = ""  # why the projections were given up, the most telling reason when nothing succeeds
    for margin, prepare in trials:
        if prepare in structural:
            continue
        projected = prepare(margin)
        if prepare is clip and _spread_fails(projected):
            reason = "the Gram matrices are not exactly positive semidefinite at any margin tried"
            continue
        low = min((float(np.linalg.eigvalsh(b.gram)[0]) for b in projected.blocks if b.size), default=0.0)
        scale = max(1.0, max(float(np.abs(b.gram).max(initial=0.0)) for b in projected.blocks))
        if low < -_INDEFINITE * scale:
            # the exact step only spreads a residual at rounding level: it cannot repair this
            reason = f"the Gram matrices are indefinite in floating point (smallest eigenvalue {low:.2e})"
            if prepare is not clip and low < -_HOPELESS * max(1.0, abs(float(certificate.bound))):
                # a correction this far outside the cone: no margin tried lifts it back (a face the
                # solver's certificate does not reach), so no projection onto that face is tried again
                structural.update((project_reduced,) if prepare is project_reduced else (project, project_tight))
                hopeless = reason
            continue
        bound = rational(float(projected.bound))
        if best - as_fraction(bound) > Fraction(gap_tol) * max(Fraction(1), abs(as_fraction(bound))):
            reason = (f"the best point's exact value {float(best):.12g} is more than gap_tol above the "
                      f"lowered bound {float(as_fraction(bound)):.12g}")
            break
        targets: list[tuple[list[list[Any]], tuple[Monomial, ...]]] = []
        fixed: list[tuple[int, list[list[Any]], tuple[Monomial, ...]]] = []
        frozen: list[set[tuple[int, int]]] = []
        grams = [_rational_matrix(block.gram) for block in projected.blocks]
        cells = (maps().fixed([np.array([row[i] > 0 for i, row in enumerate(g)], bool) for g in grams])
                 if prepare is not clip else [np.zeros((0, 3), np.int64)] * len(grams))
        coefficient = _coefficient_of(f, bound, maps().monomials) if prepare is not clip else None
        for block, j, gram, fixed_here in zip(projected.blocks, ineq_of, grams, cells):
            basis = tuple(map(tuple, np.asarray(block.basis, dtype=np.int64).tolist()))
            if j < 0:
                targets.append((gram, basis))
                try:  # the entries the identity fixes, and those its forced face then determines
                    frozen.append(pin_exact(gram, fixed_here, coefficient) if len(fixed_here) else set())
                except ProofFailure as exc:
                    reason = str(exc)
                    break
            else:
                fixed.append((j, gram, basis))
        if len(frozen) != len(targets):  # the forced face is contradicted at this margin
            continue
        multipliers = [{tuple(row): rational(float(c)) for row, c in
                        zip(m.multiplier.exponents.tolist(), m.multiplier.coefficients) if c != 0} for m in projected.equalities]
        blocks = ([ProofBlock(-1, basis, tuple(tuple(r) for r in gram)) for gram, basis in targets]
                  + [ProofBlock(j, basis, tuple(tuple(r) for r in gram)) for j, gram, basis in fixed])
        residual = _identity_residual(f, bound, gs, hs, blocks, multipliers)
        try:
            absorb(residual, targets, hs, multipliers, limits, [(gram, basis, gs[j]) for j, gram, basis in fixed], frozen)
        except ProofFailure as exc:
            reason = str(exc)
            structural.add(prepare)
            continue
        blocks = ([ProofBlock(-1, basis, tuple(tuple(r) for r in gram)) for gram, basis in targets]
                  + [ProofBlock(j, basis, tuple(tuple(r) for r in gram)) for j, gram, basis in fixed])
        if any(_clearly_indefinite(blk.gram) for blk in blocks):  # a float look before the exact test
            reason = "the Gram matrices are not exactly positive semidefinite at any margin tried"
            continue
        if all(is_psd(blk.gram) for blk in blocks):
            return Proof(
                variables=tuple(str(v) for v in problem.variables), objective=f, inequalities=tuple(gs),
                equalities=tuple(hs), bound=bound, blocks=tuple(blocks),
                equality_multipliers=tuple(multipliers), points=tuple(p for p, _ in feasible),
                values=tuple(v for _, v in feasible), feas_tol=float(feas_tol), gap_tol=float(gap_tol),
            )
    raise ProofFailure(hopeless or reason)


def _spread_fails(certificate: SOSCertificate) -> bool:
    """Whether the exact step's even spread of ``certificate``'s residual, done in floating point
    over its sum-of-squares blocks alone, leaves one of them clearly indefinite: a dry run that
    spares the exact arithmetic of a trial bound to fail (a residual larger than the smallest
    eigenvalues, as with several minimizers). Only for a certificate of sums of squares alone: an
    equality's division or a localizing block's solve sends terms back to the sums of squares,
    which this does not follow (it lost proofs of planted varieties), so there it says no."""
    if certificate.equalities or not all(is_sum_of_squares(b) for b in certificate.blocks if b.size):
        return False
    if sum(b.size * b.size for b in certificate.blocks) > _DRY_RUN_ENTRIES:
        return False  # its Python spread costs as much as the exact step's (seconds at a thousand cliques)
    targets = [([list(map(float, row)) for row in np.asarray(b.gram, np.float64)],
                tuple(map(tuple, np.asarray(b.basis, dtype=np.int64).tolist())))
               for b in certificate.blocks if b.size]
    if not targets:
        return False
    r = certificate.residual
    residual = dict(zip(map(tuple, r.exponents.tolist()), r.coefficients.tolist()))
    spread(residual, targets, [set() for _ in targets], pair_tables(targets))
    return any(_clearly_indefinite(gram) for gram, _ in targets)


def _coefficient_of(f: ExactPoly, bound: Any, monomials: NDArray[np.int64]) -> Callable[[int], Any]:
    """The exact coefficient of ``f - bound`` at ``monomials[a]``, as a function of ``a``."""
    def coefficient(a: int) -> Any:
        key = tuple(monomials[a].tolist())
        c = f.get(key, rational(0))
        return c - bound if not any(key) else c
    return coefficient


def _clearly_indefinite(gram: Sequence[Sequence[Any]]) -> bool:
    """Whether the rational ``gram``, rounded to floats, has an eigenvalue below ``-_INDEFINITE``
    relative to its largest entry: far beyond rounding, so the exact test would fail too."""
    if not gram:
        return False
    G = np.array([[float(v) for v in row] for row in gram])
    scale = max(1.0, float(np.abs(G).max()))
    return bool(np.linalg.eigvalsh(0.5 * (G + G.T))[0] < -_INDEFINITE * scale)


def _inequality_indices(certificate: SOSCertificate, problem: PolyProblem) -> list[int]:
    """For each block of ``certificate``: -1 for a sum of squares, else the index of its inequality."""
    out = []
    for block in certificate.blocks:
        m = block.multiplier
        if is_sum_of_squares(block):
            out.append(-1)
            continue
        for j, g in enumerate(problem.inequalities):
            if g.nterms == m.nterms and np.array_equal(g.exponents, m.exponents) and np.array_equal(g.coefficients, m.coefficients):
                out.append(j)
                break
        else:
            raise ProofFailure("a block's multiplier is none of the problem's inequalities")
    return out
