"""The floating-point step before an exact proof: a certificate moved onto its polynomial identity.

A solver's SOS certificate ``f - b = sum_j g_j v_j^T Q_j v_j + sum_i h_i p_i + r`` leaves a residual
``r`` of the size of its dual infeasibility (about ``1e-10`` relative), while the Gram matrices of
a problem with several minimizers, or with a minimizer on the boundary, have eigenvalues as small
as ``1e-12``. Spreading ``r`` evenly over the Gram entries (the exact step of
:mod:`momentsos.certify.rounding`) then leaves them indefinite. This module removes ``r`` first, in
floating point, by the smallest correction in the metric of the Gram matrices themselves:

.. math::

    \\min \\sum_j \\| W_j^{-1/2} E_j W_j^{-1/2} \\|_F^2 + \\omega^{-1} \\sum_i \\|\\Delta p_i\\|^2
    \\quad\\text{s.t.}\\quad \\sum_j \\mathcal{A}_j(E_j) + \\sum_i h_i \\Delta p_i = r,

with ``W_j = Q_j + eta I`` (``Q_j`` projected onto the PSD cone) and ``A_j(E) = g_j v_j^T E v_j``. Its
solution is ``E_j = W_j A_j^*(mu) W_j``, ``Delta p_i = omega h_i^*(mu)`` with
``H mu = r`` for ``H = sum_j A_j (W_j (x) W_j) A_j^* + omega sum_i h_i h_i^*``: the Schur complement
of the HKM direction with ``W_j`` on both sides (:mod:`momentsos.sdp.schur` assembles it). A
correction of that form barely moves ``Q_j`` along its near-kernel (the monomial vectors of the
minimizers, where ``W_j ~ eta``), so the small eigenvalues that make the bound tight survive, while
the residual drops to rounding level.

Two things come first. The bound is lowered by a margin, so that the identity's value at each
minimizer, ``f(x*) - b`` minus the certificate's part, is positive and the near-kernel has room.
And a row ``i`` of a sum-of-squares block is emptied when the monomial ``2 b_i`` is reached by no
other term of the identity and its coefficient leaves nothing for ``Q_ii`` (a monomial outside the
half Newton polytope of the identity, such as ``y^3`` for the six-hump camel): a PSD matrix with
a zero diagonal entry has a zero row, so no correction may put anything there. The same holds one
level up: where the identity fixes a singular principal block (:mod:`momentsos.certify.faces`),
every certificate has ``Q u = 0`` for its kernel vectors ``u``, so the Gram matrix is first moved
onto that face and corrected within it (``Q = N Q~ N^T``, ``N`` an orthonormal basis of the kept
rows orthogonal to the kernel).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Sequence

import numpy as np
import scipy.linalg as la
import scipy.sparse as sparse
from numpy.typing import NDArray
from scipy.sparse.linalg import LinearOperator, lsqr

from ..basis import MonomialSet
from ..polynomial import Polynomial
from ..sdp.schur import Block, NewtonSolver, SchurAssembler, SparseSchur
from .faces import Restriction, drop_forced_rows, empty_small_rows, fixed_cells, float_kernel, onto_faces
from .sos import EqualityMultiplier, SOSCertificate, is_sum_of_squares

__all__ = ["CertificateProjection", "project_certificate", "is_sum_of_squares"]

_ETA = 1e-6
"""Regularisation ``eta`` of the metric, relative to the largest Gram entry: the default. A smaller
one protects eigenvalues below ``eta`` (a localizing block's near-kernel) at the price of a less
well-conditioned Schur complement, which the repeated passes make up for."""

_FLOOR = 1e-13
"""Relative eigenvalue floor of each Gram matrix projected onto the PSD cone before the correction."""


def project_certificate(certificate: SOSCertificate, margin: float,
                        multiplier_degrees: Sequence[int] = ()) -> SOSCertificate:
    """``certificate`` with its bound lowered by ``margin * max(1, |bound|)`` and its residual
    removed to rounding level by the correction described in the module notes (one use of
    :class:`CertificateProjection`)."""
    return CertificateProjection(certificate, multiplier_degrees)(margin)


_PASSES = 3
"""Most corrections :class:`CertificateProjection` makes in turn."""


class CertificateProjection:
    """The correction of the module notes for one certificate, at any margin.

    ``multiplier_degrees[i]`` bounds the degree of the correction of equality ``i``'s multiplier
    (default: that of its present multiplier). The linear maps of the identity (Gram entries and
    multiplier coefficients to the coefficients of the monomials they reach) are built once and
    serve every margin and every pass.
    """

    def __init__(self, certificate: SOSCertificate, multiplier_degrees: Sequence[int] = ()) -> None:
        self.certificate = certificate
        nvars = certificate.objective.nvars
        self.eq_bases = []
        for i, e in enumerate(certificate.equalities):
            limit = multiplier_degrees[i] if i < len(multiplier_degrees) else e.multiplier.degree
            self.eq_bases.append(_monomials_up_to(nvars, max(int(limit), -1)))
        # every monomial any term of the identity can reach, indexed once
        keys = [certificate.objective.exponents, np.zeros((1, nvars), np.int64)]
        for b in certificate.blocks:
            keys.append(_pair_terms(b.basis, b.multiplier)[0])
        for e, basis in zip(certificate.equalities, self.eq_bases):
            keys.append(_shifted(basis, e.equality)[0])
            keys.append((e.equality * e.multiplier).exponents)
        self._set = MonomialSet(np.vstack([k for k in keys if len(k)]))
        self.monomials = self._set.exponents
        m = len(self.monomials)
        self.patterns = []  # per block: sparse (s^2, m) map of vec(E) to coefficients
        for b in certificate.blocks:
            rows, coef, entry = _pair_terms(b.basis, b.multiplier)
            s = b.size
            self.patterns.append(sparse.csr_matrix((coef, (entry, self.index(rows))), shape=(s * s, m)))
        self.eq_maps = []  # per equality: sparse (q, m) map of multiplier coefficients to coefficients
        for e, basis in zip(certificate.equalities, self.eq_bases):
            rows, coef, entry = _shifted(basis, e.equality)
            self.eq_maps.append(sparse.csr_matrix((coef, (entry, self.index(rows))), shape=(len(basis), m)))
        self.eq_gram = [(M.T @ M).toarray() for M in self.eq_maps]
        self._objective = np.zeros(m)
        np.add.at(self._objective, self.index(certificate.objective.exponents), certificate.objective.coefficients)
        self._constant = int(self.index(np.zeros((1, nvars), np.int64))[0])
        self._static = np.zeros(m)  # per monomial, the terms of the equality multipliers reaching it
        for M in self.eq_maps:
            self._static += np.bincount(M.indices, minlength=m)
        self._restricted: dict[bytes, Any] = {}
        self._fixed: dict[bytes, list[NDArray[np.int64]]] = {}
        self._floored: tuple[list[NDArray[np.float64]], NDArray[np.float64]] | None = None
        self._corrections: dict[Any, _Correction] = {}

    def fixed(self, keep: Sequence[NDArray[np.bool_]]) -> list[NDArray[np.int64]]:
        """Per block, the entries the identity fixes when only the ``keep`` rows live
        (:func:`~momentsos.certify.faces.fixed_cells`), built once per pattern."""
        key = _pattern_key(keep)
        if key not in self._fixed:
            blocks = self.certificate.blocks
            self._fixed[key] = fixed_cells(self.patterns, [b.size for b in blocks],
                                           [is_sum_of_squares(b) for b in blocks], keep, self._static)
        return self._fixed[key]

    def face_kernels(self, keep: Sequence[NDArray[np.bool_]], bound: float) -> list[NDArray[np.float64] | None]:
        """Per block, an orthonormal basis of its forced kernel at ``bound``
        (:func:`~momentsos.certify.faces.float_kernel`), None where there is none."""
        target = self._objective.copy()
        target[self._constant] -= bound
        out: list[NDArray[np.float64] | None] = []
        for cells, b in zip(self.fixed(keep), self.certificate.blocks):
            K = float_kernel(cells, b.size, target) if len(cells) > 1 else None
            out.append(K if K is not None and K.shape[1] else None)
        return out

    def residual(self, certificate: SOSCertificate) -> NDArray[np.float64]:
        """``certificate.residual`` as a vector over ``monomials``, by the sparse maps of the blocks
        (the same polynomial; no product of polynomials is formed, which in a thousand variables
        cost seconds per certificate)."""
        r = self._objective.copy()
        r[self._constant] -= float(certificate.bound)
        for P, b in zip(self.patterns, certificate.blocks):
            if b.size:
                r -= P.T @ np.asarray(b.gram, np.float64).ravel()
        for e in certificate.equalities:
            q = e.equality * e.multiplier
            np.add.at(r, self.index(q.exponents), -q.coefficients)
        return r

    def index(self, rows: NDArray[np.int64]) -> NDArray[np.int64]:
        return self._set.index_of(rows)

    def restricted(self, keep: Sequence[NDArray[np.bool_]], kernels: Sequence[NDArray[np.float64] | None] = ()
                   ) -> tuple[SchurAssembler | None, list[Restriction | None]]:
        """The Schur assembler of the blocks restricted to their kept rows and, where ``kernels``
        gives a forced kernel ``K``, to the complement of ``K`` in them; and per block its
        :class:`Restriction` (None for a block with no row left). Built once per pattern."""
        kernels = list(kernels) or [None] * len(keep)
        key = _pattern_key(keep) + _kernels_key(kernels)
        if key not in self._restricted:
            schur_blocks, kept_maps = [], []
            for b, P, kept, K in zip(self.certificate.blocks, self.patterns, keep, kernels):
                idx = np.flatnonzero(kept)
                if len(idx) == 0:
                    kept_maps.append(None)
                    continue
                if K is None:
                    basis, Pk = None, P[(idx[:, None] * b.size + idx[None, :]).ravel()]
                else:  # Q = N Q~ N^T with N's columns orthonormal, spanning the kept rows minus K
                    basis = np.zeros((b.size, len(idx) - K.shape[1]))
                    basis[idx] = la.null_space(K[idx].T)
                    N = sparse.csr_matrix(basis)
                    Pk = (sparse.kron(N, N).T @ P).tocsr()
                schur_blocks.append(Block(sparse.hstack([sparse.csr_matrix((Pk.shape[0], 1)), Pk]).tocsc()))
                kept_maps.append(Restriction(idx, Pk, basis))
            assembler = (SchurAssembler(schur_blocks, len(self.monomials), allow_sparse=not self.eq_maps)
                         if schur_blocks else None)
            self._restricted[key] = (assembler, kept_maps)
        return self._restricted[key]

    def __call__(self, margin: float, eta: float = _ETA, empty: float = 0.0) -> SOSCertificate:
        """The certificate with its bound lowered by ``margin * max(1, |bound|)``, its Gram matrices
        floored onto the PSD cone, and its residual removed by the least correction in the metric
        of those Gram matrices, regularised by ``eta`` times the largest Gram entry; the same
        correction, factored once, is applied again (at most ``_PASSES`` times in all) while it
        halves the residual (iterative refinement of an ill-conditioned solve). Rows forced to
        zero come back as zero rows; each pass after the first floors the Gram matrices again
        before it corrects. With ``empty > 0``, every row (of any block) whose diagonal is at most
        ``empty`` times the block's largest diagonal entry is emptied first: a guess that the
        certificate lies on that coordinate face (an interior-point solver stops a little inside
        the cone, as with the epigraph losses, whose localizing blocks are constants plus about
        ``1e-6`` of their scale), which the exact proof then confirms or not. A floating-point
        certificate; only :func:`momentsos.certify.rounding.prove` makes it a proof."""
        cert = self.certificate
        b = float(cert.bound)
        bound = b - margin * max(1.0, abs(b))
        if self._floored is None:
            grams = [_psd_floor(blk.gram) for blk in cert.blocks]
            floored = dataclasses.replace(cert, blocks=tuple(dataclasses.replace(blk, gram=g) for blk, g in zip(cert.blocks, grams)))
            self._floored = (grams, self.residual(floored))
        grams = [g.copy() for g in self._floored[0]]
        r = self._floored[1].copy()
        r[self._constant] += b - bound  # the residual of f - bound, no longer of f - b
        keep = [np.ones(blk.size, bool) for blk in cert.blocks]
        if empty > 0:
            r = empty_small_rows(cert.blocks, grams, self.patterns, keep, r, empty)
        r = drop_forced_rows(cert.blocks, grams, self.patterns, self._static, keep, r)
        kernels = self.face_kernels(keep, bound)
        restrictions = self.restricted(keep, kernels)[1]
        r = onto_faces(grams, r, restrictions, self.patterns)
        key = (eta, empty, _pattern_key(keep) + _kernels_key(kernels))
        if key not in self._corrections:
            self._corrections[key] = _Correction(self, keep, kernels, grams, eta)
        correction = self._corrections[key]
        blocks = [dataclasses.replace(blk, gram=g) for blk, g in zip(cert.blocks, grams)]
        out = correction(dataclasses.replace(cert, bound=bound, blocks=tuple(blocks)), r)
        size = float(np.abs(self.residual(out)).max(initial=0.0))
        for _ in range(_PASSES - 1):
            if size == 0.0:
                break
            # floored again (the correction moves the near-kernel by rounding), then corrected
            grams = [_psd_floor(blk.gram) for blk in out.blocks]
            floored = dataclasses.replace(out, blocks=tuple(dataclasses.replace(blk, gram=g) for blk, g in zip(out.blocks, grams)))
            r = onto_faces(grams, self.residual(floored), restrictions, self.patterns)
            floored = dataclasses.replace(out, blocks=tuple(dataclasses.replace(blk, gram=g) for blk, g in zip(out.blocks, grams)))
            again = correction(floored, r)
            again_size = float(np.abs(self.residual(again)).max(initial=0.0))
            if not again_size < 0.5 * size:
                break
            out, size = again, again_size
        return out


class _Correction:
    """The least correction of the module notes in one metric, factored once: ``H mu = r`` with
    ``H`` the Schur complement of the metric ``W_j`` (the Gram matrices restricted to their kept
    rows and faces, plus ``eta`` times the largest entry) and the equalities' ``omega h_i h_i^*``;
    then ``E_j = W_j A_j^*(mu) W_j`` and ``Delta p_i = omega h_i^*(mu)``."""

    def __init__(self, maps: CertificateProjection, keep: Sequence[NDArray[np.bool_]],
                 kernels: Sequence[NDArray[np.float64] | None], grams: Sequence[NDArray[np.float64]], eta: float) -> None:
        m = len(maps.monomials)
        self.maps = maps
        scale = max([1.0] + [float(np.abs(g).max(initial=0.0)) for g in grams])
        self.omega = scale * scale
        assembler, restrictions = maps.restricted(keep, kernels)
        Ws, Ls = [], []
        self.reduced: list[tuple[Restriction, NDArray[np.float64]] | None] = []
        for g, kept in zip(grams, restrictions):
            if kept is None:
                self.reduced.append(None)
                continue
            W = kept.inner(g) + eta * scale * np.eye(kept.width)
            Ws.append(W)
            Ls.append(la.cholesky(W, lower=True, check_finite=False))
            self.reduced.append((kept, W))
        H = assembler.assemble(Ws, [L.T for L in Ls], Ls, Ws) if assembler is not None else np.zeros((m, m))
        if isinstance(H, SparseSchur):  # no equalities (see restricted): a banded map of many cliques
            self.solve = _sparse_solver(H.shifted(np.zeros(m)))
        else:
            for G in maps.eq_gram:
                H += self.omega * G
            self.solve = _dense_solver(0.5 * (H + H.T))

    def __call__(self, certificate: SOSCertificate, r: NDArray[np.float64]) -> SOSCertificate:
        """``certificate`` with the residual ``r`` (a vector over the monomials) corrected away."""
        mu = self.solve(r)
        new_blocks = []
        for b, red in zip(certificate.blocks, self.reduced):
            Q = np.array(b.gram, dtype=np.float64, copy=True)
            if red is not None:
                kept, W = red
                Y = (kept.entries @ mu).reshape(kept.width, kept.width)
                kept.add_outer(Q, W @ (0.5 * (Y + Y.T)) @ W)
            new_blocks.append(dataclasses.replace(b, gram=0.5 * (Q + Q.T)))
        new_eqs = []
        for e, basis, M in zip(certificate.equalities, self.maps.eq_bases, self.maps.eq_maps):
            delta = self.omega * (M @ mu)
            p = e.multiplier
            rows = np.vstack([p.exponents, basis]) if len(basis) else p.exponents
            new_eqs.append(EqualityMultiplier(e.equality, Polynomial(rows, np.concatenate([p.coefficients, delta]))))
        return dataclasses.replace(certificate, blocks=tuple(new_blocks), equalities=tuple(new_eqs))


def _pattern_key(keep: Sequence[NDArray[np.bool_]]) -> bytes:
    return b"".join(np.packbits(k).tobytes() + b"|" for k in keep)


def _kernels_key(kernels: Sequence[NDArray[np.float64] | None]) -> bytes:
    return b"".join(b"-" if K is None else np.round(K, 12).tobytes() + b"|" for K in kernels)


def _psd_floor(gram: NDArray[np.float64]) -> NDArray[np.float64]:
    """``gram`` symmetrised and projected onto the PSD cone with eigenvalues floored at a small
    positive fraction of its norm (zero rows, the facially reduced ones, stay zero)."""
    sym = 0.5 * (gram + gram.T)
    if sym.size == 0:
        return sym
    zero = ~np.any(sym != 0, axis=1)
    live = np.flatnonzero(~zero)
    out = np.zeros_like(sym)
    if len(live):
        sub = sym[np.ix_(live, live)]
        w, v = np.linalg.eigh(sub)
        floor = _FLOOR * max(1.0, float(np.abs(w).max()))
        out[np.ix_(live, live)] = (v * np.maximum(w, floor)) @ v.T
    return out


def _dense_solver(H: NDArray[np.float64]) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
    """``r -> mu`` with ``H mu = r``, by a Jacobi-scaled Cholesky factorisation made once; least
    squares where ``H`` is singular (a monomial that nothing reaches keeps its residual, and the
    exact step reports it)."""
    d = np.sqrt(np.abs(np.diag(H)))
    live = d > 0
    Hs = H[np.ix_(live, live)] / d[live, None] / d[None, live]
    try:
        factor = la.cho_factor(Hs, check_finite=False)

        def inner(rhs: NDArray[np.float64]) -> NDArray[np.float64]:
            return la.cho_solve(factor, rhs, check_finite=False)
    except la.LinAlgError:
        def inner(rhs: NDArray[np.float64]) -> NDArray[np.float64]:
            return la.lstsq(Hs, rhs, check_finite=False)[0]

    def solve(r: NDArray[np.float64]) -> NDArray[np.float64]:
        mu = np.zeros_like(r)
        if np.any(live):
            mu[live] = inner(r[live] / d[live]) / d[live]
        return mu
    return solve


def _sparse_solver(H: SparseSchur) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
    """:func:`_dense_solver` for a sparse ``H``: the IPM's sparse Newton solve on the monomials
    some block reaches, least squares (LSQR) where that factorisation fails."""
    idx = np.flatnonzero(H.diagonal() > 0)
    sub = SparseSchur(H.B[idx][:, idx].tocsr(), H.U[idx])
    newton = NewtonSolver(sub, np.zeros((len(idx), 0))) if len(idx) else None

    def solve(r: NDArray[np.float64]) -> NDArray[np.float64]:
        mu = np.zeros_like(r)
        if newton is None:
            return mu
        if newton.ok:
            mu[idx] = newton.solve(r[idx], np.zeros(0))[0]
        else:
            op = LinearOperator(sub.shape, matvec=sub.__matmul__, rmatvec=sub.__matmul__, dtype=np.float64)
            mu[idx] = lsqr(op, r[idx], atol=1e-14, btol=1e-14)[0]
        return mu
    return solve


def _pair_terms(basis: NDArray[np.int64], multiplier: Polynomial) -> tuple[NDArray, NDArray, NDArray]:
    """The terms of ``multiplier * v^T E v``: for each Gram entry ``(i, k)`` (flat index
    ``i * s + k``) and each term ``c x^t`` of the multiplier, the exponent ``t + b_i + b_k``."""
    s = basis.shape[0]
    nvars = basis.shape[1] if basis.ndim == 2 else multiplier.nvars
    if s == 0:
        return np.zeros((0, nvars), np.int64), np.zeros(0), np.zeros(0, np.int64)
    sums = (basis[:, None, :] + basis[None, :, :]).reshape(s * s, -1)
    t = multiplier.exponents
    rows = (sums[:, None, :] + t[None, :, :]).reshape(-1, sums.shape[1])
    coef = np.tile(multiplier.coefficients, s * s).astype(np.float64)
    entry = np.repeat(np.arange(s * s), len(t))
    nz = coef != 0
    return rows[nz], coef[nz], entry[nz]


def _shifted(basis: NDArray[np.int64], equality: Polynomial) -> tuple[NDArray, NDArray, NDArray]:
    """The terms of ``equality * x^beta`` for each ``beta`` of ``basis`` (entry = index of beta)."""
    t = equality.exponents
    if len(basis) == 0:
        return np.zeros((0, t.shape[1]), np.int64), np.zeros(0), np.zeros(0, np.int64)
    rows = (basis[:, None, :] + t[None, :, :]).reshape(-1, t.shape[1])
    coef = np.tile(equality.coefficients, len(basis)).astype(np.float64)
    entry = np.repeat(np.arange(len(basis)), len(t))
    nz = coef != 0
    return rows[nz], coef[nz], entry[nz]


def _monomials_up_to(nvars: int, degree: int) -> NDArray[np.int64]:
    """All exponent rows of total degree ``<= degree`` (none when ``degree < 0``)."""
    if degree < 0:
        return np.zeros((0, nvars), np.int64)
    rows = [np.zeros(nvars, np.int64)]
    frontier = [np.zeros(nvars, np.int64)]
    for _ in range(degree):
        nxt = {}
        for e in frontier:
            for v in range(nvars):
                f = e.copy()
                f[v] += 1
                nxt[f.tobytes()] = f
        frontier = list(nxt.values())
        rows.extend(frontier)
    return np.array(rows, dtype=np.int64).reshape(-1, nvars)
