"""Making a certificate's identity exact: the residual absorbed into its Gram matrices and multipliers.

The exact step of :mod:`momentsos.certify.rounding`. Given rational Gram matrices and equality
multipliers whose identity ``f - b = sum_j g_j v_j^T Q_j v_j + sum_i h_i p_i`` misses by an exact
residual ``r`` (rounding level), :func:`absorb` changes them so that it holds exactly:

- each monomial of ``r`` reached by the pair sums ``b_i + b_k`` of a sum-of-squares block is spread
  evenly over those entries (the orthogonal projection of that block onto the identity's affine
  space), leaving alone the entries a forced face pins (:func:`~momentsos.certify.faces.pin_exact`);
- a monomial no such block reaches is divided by the leading term of an equality into its multiplier
  (graded order, so the division ends);
- what is left goes to the localizing Gram matrices by an exact linear solve over their entries.

A row whose diagonal ends at zero or below is emptied and spread again: a PSD matrix with a zero
diagonal entry has a zero row. Whether the result is PSD is for the caller to prove.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .exact import ExactPoly, Monomial, ProofFailure, rational, solve_linear

__all__ = ["absorb", "spread", "pair_tables"]


def absorb(residual: ExactPoly, targets: list[tuple[list[list[Any]], tuple[Monomial, ...]]],
           equalities: Sequence[ExactPoly] = (), multipliers: Sequence[ExactPoly] = (),
           degree_limits: Sequence[int] = (),
           localizing: Sequence[tuple[list[list[Any]], tuple[Monomial, ...], ExactPoly]] = (),
           frozen: Sequence[set[tuple[int, int]]] = ()) -> None:
    """Make the identity exact: spread each residual monomial over the Gram entries of the first
    sum-of-squares block whose pair sums reach it; divide a monomial reached by none by the leading
    term of an equality ``h_i`` into its multiplier ``p_i`` (of degree at most ``degree_limits[i]``),
    which moves the rest of ``h_i`` times that term back into the residual, at lower monomials in
    graded order, so the division ends; and give what is still left to the localizing Gram matrices
    by an exact linear solve (:func:`_solve_localizing`). :class:`ProofFailure` when a monomial can
    go nowhere.

    A row whose diagonal entry ends at zero or below must vanish in a PSD matrix (a monomial ``2b``
    reached only by ``(b, b)`` with a zero coefficient: the face the Gram matrix lies on). Such rows
    are emptied and what they held is spread again over the remaining rows, until none is left.
    The entries ``frozen[j]`` (``(i, k)`` with ``i <= k``) of target ``j`` are never changed: the
    identity and the block's forced face fix them (:func:`~momentsos.certify.faces.pin_exact`).
    """
    dropped: list[set[int]] = [set() for _ in targets]
    tables = pair_tables(targets, frozen)
    pending = residual
    while True:
        leftover, reach = spread(pending, targets, dropped, tables)
        rest, pending = _divide(leftover, equalities, multipliers, degree_limits)
        if rest:
            for a, c in _solve_localizing(rest, localizing, reach).items():
                pending[a] = pending.get(a, 0) + c
        for (gram, basis), gone in zip(targets, dropped):
            for i in range(len(basis)):
                if i in gone or gram[i][i] > 0:
                    continue
                gone.add(i)
                for k in range(len(basis)):
                    value = gram[i][k]
                    if value != 0:
                        for key in {(i, k), (k, i)}:
                            gram[key[0]][key[1]] -= value
                            a = tuple(x + y for x, y in zip(basis[key[0]], basis[key[1]]))
                            pending[a] = pending.get(a, 0) + value
        pending = {a: c for a, c in pending.items() if c != 0}
        if not pending:
            return


def _graded(a: Monomial) -> tuple[int, tuple[int, ...]]:
    return sum(a), a


def _divide(leftover: ExactPoly, equalities: Sequence[ExactPoly], multipliers: Sequence[ExactPoly],
            degree_limits: Sequence[int]) -> tuple[ExactPoly, ExactPoly]:
    """Move monomials no sum-of-squares block reaches into the equality multipliers (see
    :func:`_absorb`); returns the monomials no equality takes and what the division puts back."""
    back: ExactPoly = {}
    rest: ExactPoly = {}
    leads = [max(h, key=_graded) for h in equalities]
    for a in sorted(leftover, key=_graded, reverse=True):
        c = leftover[a]
        for h, p, lead, limit in zip(equalities, multipliers, leads, degree_limits):
            shift = tuple(x - y for x, y in zip(a, lead))
            if min(shift, default=0) < 0 or sum(shift) > limit:
                continue
            step = c / h[lead]
            p[shift] = p.get(shift, 0) + step
            if p[shift] == 0:
                del p[shift]
            for t, coefficient in h.items():
                if t != lead:
                    key = tuple(x + y for x, y in zip(shift, t))
                    back[key] = back.get(key, 0) - step * coefficient
            break
        else:
            rest[a] = c
    return rest, {a: c for a, c in back.items() if c != 0}


_EXACT_SYSTEM = 20_000
"""Largest exact linear system (equations x unknowns) :func:`_solve_localizing` attempts."""


def _solve_localizing(rest: ExactPoly, localizing: Sequence[tuple[list[list[Any]], tuple[Monomial, ...], ExactPoly]],
                      reach: set[Monomial]) -> ExactPoly:
    """Absorb ``rest`` (monomials no sum-of-squares block or equality takes) into the localizing
    Gram matrices: one unknown per entry pair ``(i, k)`` of a block whose rows both have a positive
    diagonal, contributing ``g_j (v_i v_k + v_k v_i)``; solved exactly so that the monomials outside
    ``reach`` match ``rest``. The entries are changed in place and the part of the change on
    monomials inside ``reach`` is returned, negated, for the sum-of-squares blocks to take."""
    columns: list[tuple[list[Any], int, int, ExactPoly]] = []
    for gram, basis, g in localizing:
        live = [i for i in range(len(basis)) if gram[i][i] > 0]
        for ii, i in enumerate(live):
            for k in live[ii:]:
                pair = tuple(x + y for x, y in zip(basis[i], basis[k]))
                factor = 1 if i == k else 2
                columns.append((gram, i, k, {tuple(x + y for x, y in zip(pair, t)): factor * c for t, c in g.items()}))
    outside = set(rest)
    for *_, poly in columns:
        outside.update(a for a in poly if a not in reach)
    useful = [col for col in columns if any(a in outside for a in col[3])]
    if not all(any(a in col[3] for col in useful) for a in rest):
        a = next(a for a in rest if not any(a in col[3] for col in useful))
        raise ProofFailure(f"the residual monomial with exponents {list(a)} lies outside every Gram basis "
                           "and no leading term of an equality divides it")
    order = sorted(outside, key=_graded)
    if len(order) * len(useful) > _EXACT_SYSTEM:
        raise ProofFailure(f"the residual outside the sum-of-squares bases needs an exact {len(order)} x {len(useful)} "
                           "linear solve over the localizing Gram matrices, larger than attempted")
    zero = rational(0)
    matrix = [[col[3].get(a, zero) for col in useful] for a in order]
    x = solve_linear(matrix, [rest.get(a, zero) for a in order])
    if x is None:
        raise ProofFailure("the residual outside the sum-of-squares bases is not in the span of the "
                           "localizing terms (an exact linear solve found no solution)")
    back: ExactPoly = {}
    for (gram, i, k, poly), value in zip(useful, x):
        if value == 0:
            continue
        gram[i][k] += value
        if i != k:
            gram[k][i] += value
        for a, c in poly.items():
            if a in reach:
                back[a] = back.get(a, 0) - value * c
    return back


def pair_tables(targets: list[tuple[list[list[Any]], tuple[Monomial, ...]]],
                frozen: Sequence[set[tuple[int, int]]] = ()) -> list[dict[Monomial, list[tuple[int, int]]]]:
    """Per sum-of-squares block: each monomial ``b_i + b_k`` the entries ``(i, k)`` reach that are
    not ``frozen`` (as ``(min(i, k), max(i, k))``)."""
    tables = []
    for j, (_, basis) in enumerate(targets):
        held = frozen[j] if j < len(frozen) else set()
        s = len(basis)
        if s == 0:
            tables.append({})
            continue
        rows = np.asarray(basis, dtype=np.int64).reshape(s, -1)
        sums = (rows[:, None, :] + rows[None, :, :]).reshape(s * s, -1)
        pairs: dict[Monomial, list[tuple[int, int]]] = {}
        for entry, a in enumerate(map(tuple, sums.tolist())):
            i, k = divmod(entry, s)
            if not held or (min(i, k), max(i, k)) not in held:
                pairs.setdefault(a, []).append((i, k))
        tables.append(pairs)
    return tables


def spread(residual: ExactPoly, targets: list[tuple[list[list[Any]], tuple[Monomial, ...]]],
           dropped: list[set[int]], tables: list[dict[Monomial, list[tuple[int, int]]]]) -> tuple[ExactPoly, set[Monomial]]:
    """Spread each residual monomial over the entries of the first block that reaches it (rows in
    ``dropped`` left out); return the monomials none of them reaches, and those they reach."""
    owner: dict[Monomial, tuple[list[list[Any]], list[tuple[int, int]]]] = {}
    for (gram, _), gone, pairs in zip(targets, dropped, tables):
        for a, cells in pairs.items():
            if a in owner:
                continue
            if gone:
                cells = [(i, k) for i, k in cells if i not in gone and k not in gone]
            if cells:
                owner[a] = (gram, cells)
    leftover: ExactPoly = {}
    for a, c in residual.items():
        hit = owner.get(a)
        if hit is None:
            leftover[a] = c
            continue
        gram, cells = hit
        share = c / len(cells)
        for i, k in cells:
            gram[i][k] += share
    return leftover, set(owner)
