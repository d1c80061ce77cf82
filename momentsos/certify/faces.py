"""Faces of the PSD cone a sum-of-squares certificate lies on: those its polynomial identity forces,
and the coordinate faces of rows it forces, or all but leaves, empty.

In an identity ``f - b = sum_j g_j v_j^T Q_j v_j + sum_i h_i p_i`` a monomial ``a`` reached by one
Gram entry only, the pair ``(i, k), (k, i)`` of one sum-of-squares block and no other term, fixes
that entry: ``Q_ik = c_a / 2`` (``c_a`` on the diagonal), ``c_a`` the coefficient of ``f - b``. When
every entry of a principal block ``Q_SS`` is fixed so and ``Q_SS`` is singular, each ``u`` of its
kernel (extended by zeros) has ``u^T Q u = 0`` for every PSD ``Q`` that meets the identity, hence
``Q u = 0``: every certificate lies on a face of the cone, and no margin on the bound opens it.
Rosenbrock's ``100 (y - x^2)^2`` fixes the block on ``(y, x^2)`` at ``[[100, -100], [-100, 100]]``,
so every certificate has ``Q (e_y + e_{x^2}) = 0``.

A floating-point certificate near that face, repaired entry by entry, leaves it and ends
indefinite. This module finds the faces, so that the projection
(:mod:`momentsos.certify.projection`) corrects a certificate within its face and the exact step
(:mod:`momentsos.certify.rounding`) pins the fixed entries and the ones ``Q u = 0`` then determines:

- :func:`fixed_cells`: per sum-of-squares block, the entries ``(i, k)``, ``i <= k``, that the
  identity fixes (rows that are emptied do not count as reaching anything);
- :func:`fixed_sets`: the maximal sets ``S`` of rows all of whose entries are fixed (the maximal
  cliques of the graph whose edges are fixed entries);
- :func:`float_kernel` and :func:`pin_exact`: the face in floating point (for the projection) and in
  exact rationals, with the entries its kernel determines;
- :class:`Restriction` and :func:`onto_faces`: a block's coordinates on its kept rows and face, in
  which the projection corrects it;
- :func:`drop_forced_rows` and :func:`empty_small_rows`: the coordinate faces, rows emptied because
  the identity forces them to zero or because the certificate all but leaves them empty.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Sequence

import numpy as np
import scipy.sparse as sparse
from numpy.typing import NDArray

from .exact import ProofFailure, nullspace, rational
from .sos import GramBlock, is_sum_of_squares

__all__ = ["Restriction", "drop_forced_rows", "empty_small_rows", "fixed_cells", "fixed_sets", "float_kernel",
           "onto_faces", "pin_exact"]

_SINGULAR = 1e-10
"""A fixed block ``Q_SS`` whose smallest eigenvalue is below this (relative) is searched for a kernel."""

_MAX_CLIQUES = 256
"""Most maximal sets :func:`fixed_sets` lists per block (the search stops there)."""

_FORCED = 1e-13
"""A diagonal entry whose only monomial has a target below this (relative) is forced to zero."""


def fixed_cells(patterns: Sequence[sparse.csr_matrix], sizes: Sequence[int], sos: Sequence[bool],
                keep: Sequence[NDArray[np.bool_]], static: NDArray[np.float64]) -> list[NDArray[np.int64]]:
    """Per block, the ``(c, 3)`` array of fixed entries ``(i, k, monomial index)`` with ``i <= k``
    (empty for a localizing block). ``patterns[j]`` maps block ``j``'s ``vec(Q)`` to the
    coefficients of the monomials it reaches (as in :class:`~momentsos.certify.projection.CertificateProjection`),
    ``keep[j]`` marks its live rows, and ``static`` counts, per monomial, the terms no block owns
    (an equality's multiplier); a monomial with any such term fixes nothing."""
    reach = _reach(patterns, sizes, keep, static)
    out = []
    for P, kept, s, square in zip(patterns, keep, sizes, sos):
        idx = np.flatnonzero(kept)
        if not square or len(idx) == 0:
            out.append(np.zeros((0, 3), np.int64))
            continue
        I, K = np.triu_indices(len(idx))
        i, k = idx[I], idx[K]
        a = P.indices[P.indptr[i * s + k]]  # a sum-of-squares entry reaches one monomial, b_i + b_k
        ok = reach[a] == np.where(i == k, 1, 2)
        out.append(np.stack([i[ok], k[ok], a[ok]], axis=1))
    return out


def _reach(patterns: Sequence[sparse.csr_matrix], sizes: Sequence[int], keep: Sequence[NDArray[np.bool_]],
           static: NDArray[np.float64]) -> NDArray[np.int64]:
    """Per monomial, how many terms of the identity reach it: ``static`` plus every entry of a kept
    row pair of each block (``patterns`` as in :func:`fixed_cells`)."""
    reach = static.astype(np.int64)
    for P, kept, s in zip(patterns, keep, sizes):
        if s == 0:
            continue
        live = np.repeat(kept, s) & np.tile(kept, s)
        reach += np.bincount(P.indices[np.repeat(live, np.diff(P.indptr))], minlength=reach.shape[0])
    return reach


def fixed_sets(cells: NDArray[np.int64]) -> list[tuple[int, ...]]:
    """The maximal sets of at least two rows all of whose entries (diagonal included) are among
    ``cells`` (Bron-Kerbosch with pivoting; at most ``_MAX_CLIQUES``)."""
    diagonal = {int(i) for i, k, _ in cells if i == k}
    adjacent: dict[int, set[int]] = {i: set() for i in diagonal}
    for i, k, _ in cells:
        if i != k and i in diagonal and k in diagonal:
            adjacent[int(i)].add(int(k))
            adjacent[int(k)].add(int(i))
    found: list[tuple[int, ...]] = []

    def extend(r: set[int], p: set[int], x: set[int]) -> None:
        if len(found) >= _MAX_CLIQUES:
            return
        if not p and not x:
            if len(r) >= 2:
                found.append(tuple(sorted(r)))
            return
        pivot = max(p | x, key=lambda v: len(adjacent[v] & p))
        for v in list(p - adjacent[pivot]):
            extend(r | {v}, p & adjacent[v], x & adjacent[v])
            p = p - {v}
            x = x | {v}

    extend(set(), {i for i in diagonal if adjacent[i]}, set())
    return found


def _values(cells: NDArray[np.int64], target: Callable[[int], Any]) -> dict[tuple[int, int], Any]:
    """The value each fixed entry must take: ``c_a`` on the diagonal, ``c_a / 2`` off it."""
    return {(int(i), int(k)): target(int(a)) if i == k else target(int(a)) / 2 for i, k, a in cells}


def float_kernel(cells: NDArray[np.int64], size: int, target: NDArray[np.float64]) -> NDArray[np.float64]:
    """An orthonormal ``(size, d)`` basis of the forced kernel of one block (``d = 0`` when there is
    none), from the fixed entries' values ``target[a]`` (``target`` indexed by monomial)."""
    values = _values(cells, lambda a: float(target[a]))
    vectors = []
    for rows in fixed_sets(cells):
        Q = np.array([[values[min(i, k), max(i, k)] for k in rows] for i in rows])
        w, v = np.linalg.eigh(Q)
        scale = max(1.0, float(np.abs(w).max()))
        if w[0] < -_SINGULAR * scale:  # not PSD: no certificate meets the identity; nothing to keep
            continue
        for col in np.flatnonzero(w <= _SINGULAR * scale):
            u = np.zeros(size)
            u[list(rows)] = v[:, col]
            vectors.append(u)
    if not vectors:
        return np.zeros((size, 0))
    U, sing, _ = np.linalg.svd(np.array(vectors).T, full_matrices=False)
    return U[:, sing > 1e-8 * sing[0]]


def pin_exact(gram: list[list[Any]], cells: NDArray[np.int64], target: Callable[[int], Any]) -> set[tuple[int, int]]:
    """Set the fixed entries of the rational ``gram`` to their values, find the exact kernel of each
    singular fixed block, and set every entry that ``Q u = 0`` then determines (a row outside the
    block whose entries against ``u``'s support are fixed but one). Returns the pinned entries
    ``(i, k)``, ``i <= k``, which the exact step must leave alone. :class:`ProofFailure` when the
    fixed entries contradict ``Q u = 0`` (no PSD matrix meets the identity)."""
    values = _values(cells, target)
    for (i, k), v in values.items():
        gram[i][k] = gram[k][i] = v
    pinned = set(values)
    relations: list[tuple[int, dict[int, Any]]] = []
    live = [i for i in range(len(gram)) if gram[i][i] != 0]
    for rows in fixed_sets(cells):
        Q = [[gram[i][k] for k in rows] for i in rows]
        w = np.linalg.eigvalsh(np.array([[float(v) for v in r] for r in Q]))
        scale = max(1.0, float(np.abs(w).max()))
        if w[0] < -_SINGULAR * scale or w[0] > _SINGULAR * scale:
            continue
        for u in nullspace(Q):
            support = {row: c for row, c in zip(rows, u) if c != 0}
            relations.extend((i, support) for i in live if i not in rows)
    changed = True
    while changed and relations:
        changed = False
        waiting = []
        for i, u in relations:
            free = [s for s in u if (min(i, s), max(i, s)) not in pinned]
            if len(free) > 1:
                waiting.append((i, u))
                continue
            known = sum((c * gram[i][s] for s, c in u.items() if s not in free), rational(0))
            if not free:
                if known != 0:
                    raise ProofFailure("the entries the identity fixes contradict its forced face "
                                       "(no positive semidefinite Gram matrix meets the identity)")
                continue
            s = free[0]
            gram[i][s] = gram[s][i] = -known / u[s]
            pinned.add((min(i, s), max(i, s)))
            changed = True
        relations = waiting
    return pinned


@dataclasses.dataclass(frozen=True)
class Restriction:
    """The part of a block the correction may move: its kept rows ``rows``, and on them either every
    direction (``basis`` None) or the span of ``basis``'s columns (a forced face: ``Q = N Q~ N^T``);
    ``entries`` maps the reduced ``vec(Q~)`` to the coefficients of the monomials it reaches."""

    rows: NDArray[np.int64]
    entries: sparse.csr_matrix
    basis: NDArray[np.float64] | None

    @property
    def width(self) -> int:
        return len(self.rows) if self.basis is None else self.basis.shape[1]

    def inner(self, gram: NDArray[np.float64]) -> NDArray[np.float64]:
        """``gram`` in the reduced coordinates."""
        if self.basis is None:
            return gram[np.ix_(self.rows, self.rows)]
        return self.basis.T @ gram @ self.basis

    def add_outer(self, gram: NDArray[np.float64], reduced: NDArray[np.float64]) -> None:
        """Add the reduced matrix ``reduced`` back into ``gram``, in place."""
        if self.basis is None:
            gram[np.ix_(self.rows, self.rows)] += reduced
        else:
            gram += self.basis @ reduced @ self.basis.T


def onto_faces(grams: list[NDArray[np.float64]], r: NDArray[np.float64], restrictions: Sequence[Restriction | None],
                patterns: Sequence[sparse.csr_matrix]) -> NDArray[np.float64]:
    """Move each Gram matrix with a forced face onto it, ``Q = N (N^T Q N) N^T`` (``grams`` in place),
    and return the residual ``r`` with what that moved."""
    for k, (kept, P) in enumerate(zip(restrictions, patterns)):
        if kept is not None and kept.basis is not None:
            N = kept.basis
            on_face = N @ (N.T @ grams[k] @ N) @ N.T
            r = r + P.T @ (grams[k] - on_face).ravel()
            grams[k] = on_face
    return r


def empty_small_rows(blocks: Sequence[GramBlock], grams: list[NDArray[np.float64]], patterns: list[sparse.csr_matrix],
                     keep: list[NDArray[np.bool_]], r: NDArray[np.float64], empty: float) -> NDArray[np.float64]:
    """Empty the rows whose diagonal is at most ``empty`` times their block's largest diagonal
    entry, moving what they held into the residual ``r``; ``grams`` and ``keep`` are updated in place."""
    r = r.copy()
    for k, (b, P) in enumerate(zip(blocks, patterns)):
        g = grams[k]
        if not b.size:
            continue
        d = np.diag(g)
        for i in np.flatnonzero(d <= empty * d.max()):
            keep[k][i] = False
            _empty_row(g, i, P, r)
    return r


def drop_forced_rows(blocks: Sequence[GramBlock], grams: list[NDArray[np.float64]], patterns: list[sparse.csr_matrix],
                     static: NDArray[np.float64], keep: list[NDArray[np.bool_]], r: NDArray[np.float64]) -> NDArray[np.float64]:
    """Empty the rows of sum-of-squares blocks forced to zero (see :mod:`momentsos.certify.projection`), moving what
    they held into the residual ``r``; ``grams`` and ``keep`` are updated in place. ``static``
    counts, per monomial, the terms no block owns (as in :func:`fixed_cells`)."""
    r = r.copy()
    scale = max([1.0] + [float(np.abs(g).max(initial=0.0)) for g in grams])
    changed = True
    while changed:
        changed = False
        reach = _reach(patterns, [b.size for b in blocks], keep, static)
        for k, (b, P, kept) in enumerate(zip(blocks, patterns, keep)):
            if not is_sum_of_squares(b):
                continue
            g = grams[k]
            ptr, cols = P.indptr, P.indices
            for i in np.flatnonzero(kept):
                a = int(cols[ptr[i * b.size + i]])  # the one monomial 2 b_i of a sum-of-squares diagonal entry
                if reach[a] != 1 or g[i, i] + r[a] > _FORCED * scale:
                    continue
                kept[i] = False
                _empty_row(g, i, P, r)
                changed = True
    return r


def _empty_row(gram: NDArray[np.float64], i: int, pattern: sparse.csr_matrix, r: NDArray[np.float64]) -> None:
    """Set row and column ``i`` of ``gram`` to zero, in place, moving what they held into the
    residual ``r`` (``Q_ik v_i v_k`` twice off the diagonal, ``Q_ii`` once; ``pattern`` maps the
    block's ``vec(Q)`` to monomials)."""
    s = gram.shape[0]
    ptr, cols, vals = pattern.indptr, pattern.indices, pattern.data
    for j in np.flatnonzero(gram[i]):
        for p, q in {(i, j), (j, i)}:
            lo, hi = ptr[p * s + q], ptr[p * s + q + 1]
            r[cols[lo:hi]] += gram[p, q] * vals[lo:hi]
    gram[i, :] = 0.0
    gram[:, i] = 0.0
