"""SOS certificates: the dual side of a moment relaxation written out as polynomials.

The dual of the order-``k`` moment relaxation of ``min f s.t. g_j >= 0, h_i = 0`` [Las01] is

.. math::

    \\max_{b, Q_j \\succeq 0, p_i} \\; b \\quad\\text{s.t.}\\quad
    f - b = \\sum_{j \\ge 0} g_j \\, v_j^T Q_j v_j + \\sum_i h_i \\, p_i ,

with ``g_0 = 1``, ``v_j`` the vector of monomials of degree ``<= k - ceil(deg g_j / 2)`` and ``p_i`` of
degree ``<= 2k - deg h_i``. The Gram matrices ``Q_j`` are the dual matrices of the PSD blocks
(``<Q_j, L_{g_j}(y)> = L_y(g_j v_j^T Q_j v_j)``), so every SDP solver hands them back; the multipliers
``p_i`` of the ideal part are refitted here by linear least squares, which needs nothing from the
solver but the Gram matrices and works the same for every backend.

A numerical certificate is never exact. :class:`SOSCertificate` keeps the identity's defect explicitly:

.. math::

    f - b = \\sigma_0 + \\sum_j g_j \\sigma_j + \\sum_i h_i p_i + r, \\qquad \\sigma_j = v_j^T Q_j v_j,

where the residual polynomial ``r`` has zero constant term (``b`` absorbs it) and its coefficients are
what the solver's dual infeasibility left over. Whether ``b`` is then a proven bound depends on the
size of ``r`` and on how far ``Q_j`` are from PSD; :mod:`momentsos.certify.verified` turns this into a
rigorous statement on a bounded feasible set.

The certificate is built from a generic list of :class:`GramBlock` (Gram matrix, monomial basis,
multiplier polynomial), so relaxations with several moment matrices (correlative or term sparsity)
produce certificates of the same shape: :func:`certificate_from_blocks` does not look at the
relaxation that produced the blocks.

References
----------
[Las01] J.-B. Lasserre, "Global optimization with polynomials and the problem of moments",
SIAM J. Optim. 11(3), 2001.
[PP08] H. Peyrl, P. A. Parrilo, "Computing sum of squares decompositions with rational
coefficients", Theoret. Comput. Sci. 409(2), 2008 (rounding and projecting Gram matrices).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np
import scipy.sparse as sparse
import sympy as sp
from numpy.typing import NDArray
from scipy.sparse.linalg import lsqr

from ..polynomial import Polynomial

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ..reductions import Scaling
    from ..relax.dense import MomentRelaxation

__all__ = ["GramBlock", "EqualityMultiplier", "SOSCertificate", "certificate_from_blocks", "relaxation_certificate",
           "is_sum_of_squares"]

_DENSE_LSTSQ = 4_000_000  # entries of the equality system solved densely; larger ones go to LSQR


@dataclass(frozen=True, eq=False)
class GramBlock:
    """One term ``multiplier * v^T gram v`` of an SOS certificate.

    Attributes
    ----------
    gram : ndarray, shape (s, s)
        The Gram matrix (a solver's dual matrix; PSD up to the solver's accuracy).
    basis : ndarray of int, shape (s, n)
        Exponent rows of the monomial vector ``v`` (graded lex in the dense relaxation; any
        monomial set in a sparse one).
    multiplier : Polynomial
        ``1`` for the SOS part ``sigma_0`` (the moment matrix), ``g_j`` for a localizing block.
    """

    gram: NDArray[np.float64]
    basis: NDArray[np.int64]
    multiplier: Polynomial

    @property
    def size(self) -> int:
        return int(self.basis.shape[0])

    @property
    def min_eigenvalue(self) -> float:
        """Smallest eigenvalue of the symmetric part of ``gram`` (``>= 0`` for an exact SOS)."""
        if self.size == 0:
            return 0.0
        return float(np.linalg.eigvalsh(0.5 * (self.gram + self.gram.T))[0])

    def sos(self) -> Polynomial:
        """``sigma = v^T gram v`` as a polynomial."""
        return _quadratic_form(self.gram, self.basis)

    def product(self) -> Polynomial:
        """``multiplier * sigma`` as a polynomial."""
        return self.multiplier * self.sos()


@dataclass(frozen=True, eq=False)
class EqualityMultiplier:
    """One term ``equality * multiplier`` of the ideal part (``multiplier`` is any polynomial)."""

    equality: Polynomial
    multiplier: Polynomial


@dataclass(frozen=True, eq=False)
class SOSCertificate:
    """``objective - bound = sum_j blocks[j].multiplier * sigma_j + sum_i h_i p_i + residual``.

    Attributes
    ----------
    objective : Polynomial
    bound : float
        The certified value ``b`` (the dual objective of the relaxation).
    blocks : tuple of GramBlock
        The SOS part ``sigma_0`` first, then one block per localizing matrix.
    equalities : tuple of EqualityMultiplier
    residual : Polynomial
        ``objective - bound - sum_j g_j sigma_j - sum_i h_i p_i`` in floating point (zero constant
        term when the bound was fitted by :func:`certificate_from_blocks`); computed on first access.
    variables : tuple of sympy Symbol
        Names for printing; positional like every :class:`Polynomial`.

    Notes
    -----
    The identity holds exactly by definition of ``residual``; it proves ``objective >= bound`` on
    the feasible set only when every ``sigma_j`` is SOS and the residual is nonnegative there.
    :func:`momentsos.certify.verified.verify_certificate` checks that rigorously on a box.
    """

    objective: Polynomial
    bound: float
    blocks: tuple[GramBlock, ...]
    equalities: tuple[EqualityMultiplier, ...]
    variables: tuple[sp.Symbol, ...]

    @functools.cached_property
    def residual(self) -> Polynomial:
        """``objective - bound - sum_j g_j sigma_j - sum_i h_i p_i``, expanded on first use: a solve
        whose certificate nobody reads does not pay for these products, the bulk of the
        certificate's cost on a small relaxation."""
        # every product's terms unmerged, then one merge: a relaxation of a thousand cliques has a
        # thousand blocks, and merging each product on its own cost more than the products
        f = self.objective
        parts = [_product_terms(b.multiplier, _pair_sums(b.basis), np.asarray(b.gram, np.float64).reshape(-1))
                 for b in self.blocks if b.size]
        parts += [_product_terms(e.multiplier, e.equality.exponents, e.equality.coefficients) for e in self.equalities]
        exps = np.vstack([f.exponents, *[e for e, _ in parts], np.zeros((1, f.nvars), np.int64)])
        coefs = np.concatenate([f.coefficients, *[-c for _, c in parts], [-self.bound]])
        return Polynomial(exps, coefs)

    @property
    def residual_norm(self) -> float:
        """Largest absolute coefficient of the residual polynomial."""
        return float(np.abs(self.residual.coefficients).max(initial=0.0))

    @property
    def min_eigenvalue(self) -> float:
        """Smallest eigenvalue over all Gram matrices (negative: not exactly PSD)."""
        return min((b.min_eigenvalue for b in self.blocks), default=0.0)

    def sos_terms(self) -> list[Polynomial]:
        """The polynomials ``sigma_j`` (without their multipliers)."""
        return [b.sos() for b in self.blocks]

    def evaluate(self, point: NDArray[np.float64]) -> dict[str, float]:
        """The value of each part of the identity at one point.

        Returns a dict with ``objective``, ``bound``, ``sos`` (the ``g_j sigma_j`` summed, one entry
        per block under ``sos[j]``), ``ideal`` (``sum h_i p_i``), ``residual`` and ``defect``: the
        left side minus the right side, which is zero up to rounding for every point.
        """
        x = np.asarray(point, dtype=np.float64).reshape(-1)
        parts = {"objective": float(self.objective.evaluate(x)), "bound": self.bound}
        total = 0.0
        for j, b in enumerate(self.blocks):
            value = float(b.multiplier.evaluate(x)) * float(b.sos().evaluate(x)) if b.size else 0.0
            parts[f"sos[{j}]"] = value
            total += value
        ideal = sum((float(e.equality.evaluate(x)) * float(e.multiplier.evaluate(x)) for e in self.equalities), 0.0)
        parts["ideal"] = ideal
        parts["residual"] = float(self.residual.evaluate(x))
        parts["defect"] = parts["objective"] - self.bound - total - ideal - parts["residual"]
        return parts

    def to_sympy(self) -> sp.Expr:
        """The right-hand side ``sum g_j sigma_j + sum h_i p_i + residual`` as one sympy expression,
        each Gram term written as a sum of squares ``sum_k lambda_k (u_k^T v)^2`` (eigen-decomposition)."""
        v = self.variables
        terms = []
        for b in self.blocks:
            g = b.multiplier.to_sympy(v)
            terms.append(g * _sum_of_squares_expr(b, v))
        terms += [e.equality.to_sympy(v) * e.multiplier.to_sympy(v) for e in self.equalities]
        terms.append(self.residual.to_sympy(v))
        return sp.Add(*terms)

    def __str__(self) -> str:
        v = self.variables
        lines = [f"f - ({self.bound:.12g}) = sigma_0 + sum_j g_j sigma_j + sum_i h_i p_i + r, with"]
        for j, b in enumerate(self.blocks):
            g = "1" if b.multiplier.degree == 0 and b.multiplier.nterms == 1 and b.multiplier.coefficients[0] == 1 \
                else str(b.multiplier.to_sympy(v))
            lines.append(
                f"  block {j}: multiplier {g}; Gram {b.size}x{b.size}, min eigenvalue {b.min_eigenvalue:.2e}; "
                f"sigma_{j} = {_short(_sum_of_squares_expr(b, v))}"
            )
        for i, e in enumerate(self.equalities):
            lines.append(f"  h_{i} = {e.equality.to_sympy(v)}; p_{i} = {_short(e.multiplier.to_sympy(v))}")
        lines.append(f"  residual r: {self.residual.nterms} terms, max |coefficient| {self.residual_norm:.2e}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"SOSCertificate(bound={self.bound:.12g}, blocks={[b.size for b in self.blocks]}, "
            f"equalities={len(self.equalities)}, residual_norm={self.residual_norm:.2e}, "
            f"min_eigenvalue={self.min_eigenvalue:.2e})"
        )

    def unscale(self, scaling: Scaling, objective: Polynomial, inequalities: Sequence[Polynomial],
                equalities: Sequence[Polynomial], variables: tuple[sp.Symbol, ...]) -> SOSCertificate:
        """The certificate of the original problem from one of its balanced version (see
        :mod:`momentsos.reductions`: ``x = 2^t x'`` and ``p = 2^{u_p} p'``).

        Substituting ``x' = 2^{-t} x`` and multiplying by ``2^{u_f}`` maps each Gram matrix to
        ``2^{u_f - u_j} D Q_j D`` with ``D = diag(2^{-a.t})`` over its basis, and each ``p_i`` likewise;
        powers of two keep this exact. The residual is recomputed against the original polynomials.
        """
        t = scaling.variable_exponents
        u = scaling.polynomial_exponents
        uf = int(u[0])
        k = len(inequalities)
        # A block's multiplier is 1 (an SOS part: one per clique in a sparse relaxation) or the balanced
        # form 2^{-u_i} g_i(2^t x') of inequality i; powers of two make the match exact.
        terms = [_terms(Polynomial(g.exponents, np.ldexp(g.coefficients, g.exponents @ t - int(u[1 + i]))))
                 for i, g in enumerate(inequalities)]
        blocks = []
        for b in self.blocks:
            shift = -(b.basis @ t)
            found = _terms(b.multiplier)
            i = next((i for i, g in enumerate(terms) if g == found), None)
            if i is None and found != {(0,) * len(t): 1.0}:
                raise ValueError(f"unscale: a block's multiplier {b.multiplier!r} is neither 1 nor a balanced inequality")
            uj = 0 if i is None else int(u[1 + i])
            gram = np.ldexp(b.gram, (shift[:, None] + shift[None, :]) + uf - uj)
            blocks.append(GramBlock(gram, b.basis, b.multiplier if i is None else inequalities[i]))
        eqs = []
        for i, e in enumerate(self.equalities):
            ui = int(u[1 + k + i])
            p = e.multiplier
            eqs.append(EqualityMultiplier(equalities[i], Polynomial(p.exponents, np.ldexp(p.coefficients, -(p.exponents @ t) + uf - ui))))
        bound = float(np.ldexp(self.bound, uf))
        return _assemble(objective, bound, blocks, eqs, variables)


def _terms(p: Polynomial) -> dict[tuple[int, ...], float]:
    """``p`` as {exponent: coefficient} over its nonzero terms (order-free comparison)."""
    return {tuple(int(a) for a in e): float(c) for e, c in zip(p.exponents, p.coefficients) if c != 0.0}


def _pair_sums(basis: NDArray[np.int64]) -> NDArray[np.int64]:
    """``b_i + b_k`` for every ordered pair of rows of ``basis`` (row ``i * s + k``)."""
    s, n = basis.shape
    return (basis[:, None, :] + basis[None, :, :]).reshape(s * s, n)


def _product_terms(p: Polynomial, exps: NDArray[np.int64], coefs: NDArray[np.float64]) -> tuple[NDArray, NDArray]:
    """The terms of ``p`` times the polynomial with terms ``(exps, coefs)``, not merged."""
    rows = (exps[:, None, :] + p.exponents[None, :, :]).reshape(-1, exps.shape[1])
    return rows, (coefs[:, None] * p.coefficients[None, :]).reshape(-1)


def _quadratic_form(gram: NDArray[np.float64], basis: NDArray[np.int64]) -> Polynomial:
    s, n = basis.shape
    if s == 0:
        return Polynomial.zero(n)
    return Polynomial(_pair_sums(basis), np.asarray(gram, dtype=np.float64).reshape(s * s))


def _sum_of_squares_expr(block: GramBlock, variables: tuple[sp.Symbol, ...]) -> sp.Expr:
    if block.size == 0:
        return sp.Integer(0)
    lam, U = np.linalg.eigh(0.5 * (block.gram + block.gram.T))
    monomials = [sp.Mul(*[x**int(e) for x, e in zip(variables, row)]) for row in block.basis]
    scale = max(float(np.abs(lam).max()), 1e-300)
    squares = []
    for value, vec in zip(lam[::-1], U.T[::-1]):
        if abs(value) <= 1e-12 * scale:
            continue
        lin = sp.Add(*[sp.Float(c, 8) * m for c, m in zip(vec, monomials) if abs(c) > 1e-12])
        squares.append(sp.Float(value, 8) * lin**2)
    return sp.Add(*squares)


def _short(expr: sp.Expr, limit: int = 160) -> str:
    text = str(expr)
    return text if len(text) <= limit else text[: limit - 20] + f" ... ({len(text)} chars)"


def _assemble(objective: Polynomial, bound: float, blocks: Sequence[GramBlock],
              equalities: Sequence[EqualityMultiplier], variables: tuple[sp.Symbol, ...]) -> SOSCertificate:
    return SOSCertificate(objective, float(bound), tuple(blocks), tuple(equalities), tuple(variables))


def _sos_constant_term(blocks: Sequence[GramBlock]) -> float:
    """The constant coefficient of ``sum_j g_j v_j^T Q_j v_j``: only ``g_j(0)`` times the diagonal
    entry of ``Q_j`` at the monomial ``1`` has degree 0, so it needs no product of polynomials."""
    total = 0.0
    for b in blocks:
        ones = np.flatnonzero(~b.basis.any(axis=1)) if b.size else ()
        if len(ones):
            total += b.multiplier.constant_term * float(b.gram[ones[0], ones[0]])
    return total


def certificate_from_blocks(
    objective: Polynomial,
    blocks: Sequence[GramBlock],
    equalities: Sequence[tuple[Polynomial, NDArray[np.int64]]] = (),
    variables: Sequence[sp.Symbol] | None = None,
) -> SOSCertificate:
    """Fit the bound and the ideal multipliers to given Gram blocks and build the certificate.

    Parameters
    ----------
    objective : Polynomial
    blocks : sequence of GramBlock
        The SOS terms; their Gram matrices are used as given.
    equalities : sequence of (Polynomial, ndarray of int)
        Each equality ``h_i`` with the exponent rows allowed in its multiplier ``p_i``.
    variables : sequence of sympy Symbol, optional
        Names for printing (default ``x0, x1, ...``).

    Returns
    -------
    SOSCertificate
        With ``p_i`` the least-squares solution of ``sum_i h_i p_i = objective - sum_j g_j sigma_j``
        on the non-constant monomials, and ``bound`` the constant coefficient left over.
    """
    n = objective.nvars
    names = tuple(variables) if variables is not None else tuple(sp.symbols(f"x0:{n}")) if n else ()
    eqs: list[EqualityMultiplier] = []
    if equalities:
        target = objective - sum((b.product() for b in blocks), Polynomial.zero(n))
        # columns of the least-squares system: the coefficient vectors of h_i x^a
        col_exps, col_vals, col_ids = [], [], []
        supports = []
        offset = 0
        for h, support in equalities:
            support = np.asarray(support, dtype=np.int64).reshape(-1, n)
            supports.append(support)
            r = support.shape[0]
            col_exps.append((support[:, None, :] + h.exponents[None, :, :]).reshape(-1, n))
            col_vals.append(np.tile(h.coefficients, r))
            col_ids.append(offset + np.repeat(np.arange(r), h.nterms))
            offset += r
        rows = np.vstack([target.exponents, *col_exps])
        unique, inverse = np.unique(rows, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        rhs = np.zeros(len(unique))
        rhs[inverse[: target.nterms]] = target.coefficients
        A = sparse.csr_matrix((np.concatenate(col_vals), (inverse[target.nterms:], np.concatenate(col_ids))),
                              shape=(len(unique), offset))
        constant = np.flatnonzero(~unique.any(axis=1))
        keep = np.ones(len(unique), dtype=bool)
        keep[constant] = False  # the bound is free: the constant row does not constrain p
        mu = _least_squares(A[keep], rhs[keep])
        start = 0
        for (h, _), support in zip(equalities, supports):
            r = support.shape[0]
            eqs.append(EqualityMultiplier(h, Polynomial(support, mu[start : start + r])))
            start += r
        fitted = A @ mu
        bound = float(rhs[constant].sum() - fitted[constant].sum()) if constant.size else 0.0
    else:
        bound = objective.constant_term - _sos_constant_term(blocks)
    return _assemble(objective, bound, blocks, eqs, names)


def _least_squares(A: sparse.csr_matrix, b: NDArray[np.float64]) -> NDArray[np.float64]:
    if A.shape[1] == 0:
        return np.zeros(0)
    if A.shape[0] * A.shape[1] <= _DENSE_LSTSQ:
        return np.linalg.lstsq(A.toarray(), b, rcond=None)[0]
    return lsqr(A, b, atol=1e-15, btol=1e-15, iter_lim=20 * A.shape[1])[0]


def relaxation_certificate(relaxation: MomentRelaxation, grams: Sequence[NDArray[np.float64]]) -> SOSCertificate | None:
    """The certificate of a solved relaxation from the dual matrices of its PSD blocks, in block order.

    A dense :class:`~momentsos.relax.dense.MomentRelaxation` has the moment matrix first, then one
    block per inequality. A relaxation with explicit blocks (an attribute ``blocks`` whose items have
    ``rows``, the exponent rows of the block, and ``constraint``, ``-1`` for a moment matrix or the
    index of its inequality, plus ``equality_multipliers``, the rows ``a`` of the equality rows
    ``L(h_i x^a) = 0``) is read from those; None if it lacks ``equality_multipliers`` while the
    problem has equalities.
    """
    problem = relaxation.problem
    one = Polynomial.constant(1.0, problem.nvars)
    explicit = getattr(relaxation, "blocks", None)
    if explicit is not None:
        multipliers = getattr(relaxation, "equality_multipliers", None)
        if multipliers is None and problem.equalities:
            return None
        blocks = [
            GramBlock(0.5 * (np.reshape(Q, (b.size, b.size)) + np.reshape(Q, (b.size, b.size)).T), b.rows,
                      one if b.constraint < 0 else problem.inequalities[b.constraint])
            for Q, b in zip(grams, explicit)
        ]
        equalities = list(zip(problem.equalities, multipliers or []))
        return certificate_from_blocks(problem.objective, blocks, equalities, problem.variables)
    k = relaxation.order
    exps = relaxation.basis.exponents
    blocks = []
    for gram, g in zip(grams, (one, *problem.inequalities)):
        half = k - (g.degree + 1) // 2
        basis = exps[: relaxation.basis.size_of_degree(half)]
        Q = np.asarray(gram, dtype=np.float64).reshape(basis.shape[0], basis.shape[0])
        blocks.append(GramBlock(0.5 * (Q + Q.T), basis, g))
    equalities = [(h, exps[: relaxation.basis.size_of_degree(2 * k - h.degree)]) for h in problem.equalities]
    return certificate_from_blocks(problem.objective, blocks, equalities, problem.variables)


def is_sum_of_squares(block: GramBlock) -> bool:
    """Whether ``block`` is a sum-of-squares part (multiplier ``1``) rather than a localizing one."""
    m = block.multiplier
    return m.nterms == 1 and not m.exponents.any() and m.coefficients[0] == 1.0
