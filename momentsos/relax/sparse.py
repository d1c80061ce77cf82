"""Sparse moment relaxations: correlative sparsity, term sparsity (TSSOS) and both (CS-TSSOS).

A sparse relaxation keeps the shape of the dense one (:mod:`momentsos.relax.dense`): a moment
vector ``y`` with ``y_0 = 1``, a list of PSD blocks each a sparse linear map of ``y``, equality rows
and a linear objective, so every backend (the built-in IPM, cvxpy's solvers) takes it unchanged.
A block is given by its row monomials ``B`` (global exponents) and a multiplier ``g`` (``1`` for a
moment block): ``L_g(y)[a, b] = sum_c g_c y_{a+b+c}`` for ``a, b`` in ``B``. Moments shared by
several blocks are the same entry of ``y``, so the blocks agree on their overlaps by construction.

Correlative sparsity [WKKM06, Las06]
    With the cliques ``I_1..I_p`` of :func:`momentsos.relax.graphs.correlative_cliques`: one moment
    matrix ``M_k(y, I_l)`` over the monomials in the variables of ``I_l`` of degree ``<= k``, one
    localizing matrix ``L_{g_j}(y, I_l)`` for each inequality with variables in ``I_l`` and the
    equality rows ``L(h_i x^a) = 0`` for ``a`` in the variables of ``I_l``. The moment vector holds
    only moments supported on one clique.
Term sparsity [WML21a, WML21b]
    Each of those matrices is split further into the blocks of its tsp graph's chordal extension
    (:func:`momentsos.relax.graphs.term_sparsity_graph`). Starting from ``S_0 = supp f + supp g_j +
    supp h_i + 2B``, step ``s`` builds the graphs from ``S_{s-1}`` and sets ``S_s`` to ``S_0`` plus
    every moment the blocks of step ``s`` touch; the steps stop at the fixed point ``S_s = S_{s-1}``.
    Equality rows are kept for the multipliers ``a`` with ``a + supp h`` meeting the support.

Newton polytope (unconstrained problems) [Rez78, Lof09]
    One moment block over the reduced basis ``B`` of :func:`momentsos.relax.newton.newton_basis`: the
    monomials of half the Newton polytope of ``f`` that survive the diagonal pruning. Its bound
    equals the dense bound of the same order (see :mod:`momentsos.relax.newton`).

Bounds. Every block is a principal submatrix of a dense moment or localizing matrix and the
equality rows are a subset of the dense ones, so a dense-feasible ``y`` restricts to a feasible
point here: **every sparse bound is a valid lower bound, at most the dense bound of the same
order**. Across TSSOS steps the supports grow, so the bounds are non-decreasing. They equal the
dense bound

* when every block is the full matrix (e.g. one clique of all variables, or a tsp graph that is
  connected with ``chordal_extension="maximal"``);
* at the fixed point of term sparsity with ``chordal_extension="maximal"`` (without correlative
  sparsity): the blocks are then the sign-symmetry classes of the problem [WML21a], and averaging
  a dense solution over those symmetries makes it block diagonal;
* for correlative sparsity, not in general; the clique bounds converge to the minimum as the
  order grows under a ball constraint per clique [Las06], and they are exact whenever the
  clique moment matrices are flat and the cliques have the running intersection property
  [FF25] (which the cliques of a chordal extension have).

Certificates of sparse relaxations are read by :mod:`momentsos.certify.sparse`.

References
----------
[WKKM06], [Las06], [WML21a], [WML21b]: see :mod:`momentsos.relax.graphs`.
[WMLM22] J. Wang, V. Magron, J.-B. Lasserre, N. H. A. Mai, "CS-TSSOS: correlative and term
sparsity for large-scale polynomial optimization", ACM Trans. Math. Softw. 48(4), 2022.
[Rez78], [Lof09]: see :mod:`momentsos.relax.newton`.
[CF96] R. E. Curto, L. A. Fialkow, "Solution of the truncated complex moment problem for flat
data", Mem. Amer. Math. Soc. 119(568), 1996.
[FF25] G. Fantuzzi, F. Fuentes, "On finite convergence and minimizer extraction in moment
relaxations with correlative sparsity", arXiv:2502.01410, 2025.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import time
from dataclasses import dataclass
from math import comb
from typing import Iterator

import numpy as np
import scipy.sparse as sparse
from numpy.typing import NDArray

from ..basis import MonomialBasis, MonomialSet
from ..problem import PolyProblem
from .dense import MomentRelaxation, check_relaxation_order
from .graphs import CliqueDecomposition, chordal_cliques, correlative_cliques, term_sparsity_graph
from .maps import MomentMatrix, stack_rows, tiled, uniform_rows_map
from .newton import NewtonBasis, newton_basis
from .report import SparsityReport, dense_report

__all__ = ["PSDBlock", "SparseMomentRelaxation", "sparse_relaxations", "newton_relaxations", "dense_report"]


@dataclass(frozen=True)
class PSDBlock:
    """One PSD block ``L_g(y)[a, b]`` over the rows ``a, b`` of ``rows``.

    Attributes
    ----------
    rows : ndarray (s, n)
        Global exponent rows, graded lex.
    constraint : int
        ``-1`` for a moment block, else the index of the inequality ``g``.
    clique : int
        The variable clique the block belongs to.
    """

    rows: NDArray[np.int64]
    constraint: int
    clique: int

    @property
    def size(self) -> int:
        return int(self.rows.shape[0])


def _embed(local: NDArray[np.int64], variables: tuple[int, ...], n: int) -> NDArray[np.int64]:
    rows = np.zeros((local.shape[0], n), dtype=np.int64)
    rows[:, list(variables)] = local
    return rows


def _pair_sums(rows: NDArray[np.int64], shifts: NDArray[np.int64]) -> NDArray[np.int64]:
    """Every ``a + b + c`` for ``a, b`` in ``rows`` (row-major pairs) and ``c`` in ``shifts``."""
    s, n = rows.shape
    pair = (rows[:, None, :] + rows[None, :, :]).reshape(s * s, 1, n)
    return (pair + shifts[None, :, :]).reshape(-1, n)


class SparseMomentRelaxation(MomentRelaxation):
    """A moment relaxation made of PSD blocks over a sparse moment index.

    Parameters
    ----------
    problem : PolyProblem
    order : int
    blocks : list of PSDBlock
    equality_multipliers : list of ndarray
        ``equality_multipliers[i]``: the rows ``a`` of the equality rows ``L(h_i x^a) = 0``.
    decomposition : CliqueDecomposition
    sparsity : SparsityReport
        The structure (filled in by :func:`sparse_relaxations`; ``num_moments`` is set here).
    full_cliques : bool
        True when each clique has one full moment matrix (correlative sparsity alone): then the
        flat-truncation test applies per clique.

    Attributes
    ----------
    basis : MonomialSet
        The moments of the relaxation (graded lex, ``y_0`` first).
    block_maps : list of csr_matrix
        ``vec(L_g(y)) = block_maps[b] @ y``, aligned with ``blocks``.
    equality_map, objective_vector
        As in :class:`MomentRelaxation`.
    newton_full_degree : int or None
        For the Newton-reduced relaxation (one block over :class:`~momentsos.relax.newton.NewtonBasis`
        rows): the largest ``t`` whose full basis of degree ``<= t`` leads the block; else None.
    build_time : float
        Seconds to assemble the maps, plus ``setup_time`` (the graphs or the basis that chose the blocks).
    """

    def __init__(
        self,
        problem: PolyProblem,
        order: int,
        blocks: list[PSDBlock],
        equality_multipliers: list[NDArray[np.int64]],
        decomposition: CliqueDecomposition,
        sparsity: SparsityReport,
        full_cliques: bool,
        newton_full_degree: int | None = None,
        setup_time: float = 0.0,
    ) -> None:
        self.order = check_relaxation_order(problem, order)
        start = time.perf_counter()
        self.problem = problem
        self.newton_full_degree = newton_full_degree
        self.blocks = blocks
        self.equality_multipliers = equality_multipliers  # read by momentsos.certify.sos for the certificate
        self.decomposition = decomposition
        self.full_cliques = full_cliques
        n = problem.nvars
        ineqs = problem.inequalities
        multipliers = [ineqs[b.constraint] if b.constraint >= 0 else None for b in blocks]
        block_monomials = [_pair_sums(b.rows, np.zeros((1, n), dtype=np.int64) if g is None else g.exponents)
                           for b, g in zip(blocks, multipliers)]
        eq_monomials = [
            (a[:, None, :] + h.exponents[None, :, :]).reshape(-1, n)
            for a, h in zip(equality_multipliers, problem.equalities)
        ]
        f = problem.objective
        parts = [np.zeros((1, n), dtype=np.int64), f.exponents, *block_monomials, *eq_monomials]
        self.basis, positions = MonomialSet.indexed(np.vstack(parts))
        m = len(self.basis)
        ends = list(itertools.accumulate(len(p) for p in parts))
        where = [positions[a:b] for a, b in zip([0, *ends[:-1]], ends)]  # the positions of each part's rows
        self.block_maps = [
            uniform_rows_map(cols, tiled(np.ones(1) if g is None else g.coefficients, b.size * b.size),
                             (b.size * b.size, m))
            for b, g, cols in zip(blocks, multipliers, where[2:])
        ]
        self.equality_map = stack_rows([
            uniform_rows_map(cols, tiled(h.coefficients, a.shape[0]), (a.shape[0], m))
            for a, h, cols in zip(equality_multipliers, problem.equalities, where[2 + len(blocks):])
        ], m)
        self.objective_vector = np.zeros(m)
        self.objective_vector[where[1]] = f.coefficients
        self.localizing_maps = [A for A, b in zip(self.block_maps, blocks) if b.constraint >= 0]
        self.sparsity = dataclasses.replace(sparsity, num_moments=m)
        self.build_time = time.perf_counter() - start + setup_time

    # -- what the solvers and the driver see ------------------------------------------------------
    @property
    def psd_maps(self) -> list[sparse.csr_matrix]:
        return list(self.block_maps)

    @property
    def matrix_size(self) -> int:
        """The largest block (what limits CLARABEL in the default solver chain)."""
        return max(b.size for b in self.blocks)

    def moment_matrix_of(self, moments: NDArray[np.float64]) -> MomentMatrix | None:
        """No single moment matrix exists; the clique matrices come from :meth:`clique_moment_matrix`."""
        return None

    def clique_moment_matrix(self, clique: int, moments: NDArray[np.float64]) -> MomentMatrix:
        """``M_k(y, I_l)`` labelled by the local basis (correlative sparsity alone)."""
        assert self.full_cliques
        b = next(k for k, blk in enumerate(self.blocks) if blk.clique == clique and blk.constraint < 0)
        s = self.blocks[b].size
        values = (self.block_maps[b] @ moments).reshape(s, s)
        local = MonomialBasis(len(self.decomposition.cliques[clique]), self.order)
        return MomentMatrix(0.5 * (values + values.T), local, self.order)

    def face_relaxation(self, level: float) -> SparseMomentRelaxation:
        """The cut ``L_y(f) <= level`` with objective the sum of the traces of the moment blocks.

        The sparse counterpart of :meth:`MomentRelaxation.face_relaxation`.
        """
        other = copy.copy(self)
        trace = np.zeros(self.num_moments)
        for A, b in zip(self.block_maps, self.blocks):
            if b.constraint < 0:
                trace += np.asarray(A[np.arange(b.size) * (b.size + 1)].sum(axis=0)).ravel()
        other.objective_vector = trace
        cut = -self.objective_vector.copy()
        cut[0] += level
        other.block_maps = [*self.block_maps, sparse.csr_matrix(cut[None, :])]
        other.blocks = [*self.blocks, PSDBlock(np.zeros((1, self.problem.nvars), dtype=np.int64), -2, -1)]
        return other

    def __repr__(self) -> str:
        r = self.sparsity
        return (
            f"SparseMomentRelaxation({r.used}, order={self.order}, moments={self.num_moments} "
            f"(dense {r.dense_num_moments}), cliques {list(r.clique_sizes)}, {len(self.blocks)} PSD blocks "
            f"(largest {self.matrix_size}), {self.equality_map.shape[0]} equality rows)"
        )


# -- building the relaxations -----------------------------------------------------------------------
def _single_clique(problem: PolyProblem) -> CliqueDecomposition:
    return CliqueDecomposition(
        cliques=(tuple(range(problem.nvars)),), parent=(-1,),
        inequalities=(tuple(range(len(problem.inequalities))),),
        equalities=(tuple(range(len(problem.equalities))),),
    )


def _slots(problem: PolyProblem, order: int, decomp: CliqueDecomposition) -> list[tuple[int, int, NDArray[np.int64]]]:
    """(clique, constraint or -1, global basis rows) of every matrix of the correlative relaxation."""
    n = problem.nvars
    out = []
    for l, clique in enumerate(decomp.cliques):
        out.append((l, -1, _embed(MonomialBasis(len(clique), order).exponents, clique, n)))
        for j in decomp.inequalities[l]:
            half = order - (problem.inequalities[j].degree + 1) // 2
            out.append((l, j, _embed(MonomialBasis(len(clique), half).exponents, clique, n)))
    return out


def _equality_multipliers(problem: PolyProblem, order: int, decomp: CliqueDecomposition,
                          support: MonomialSet | None) -> list[NDArray[np.int64]]:
    n = problem.nvars
    out = []
    for i, h in enumerate(problem.equalities):
        rows = [
            _embed(MonomialBasis(len(c), 2 * order - h.degree).exponents, c, n)
            for l, c in enumerate(decomp.cliques) if i in decomp.equalities[l]
        ]
        a = np.unique(np.vstack(rows), axis=0)
        if support is not None:  # term sparsity: rows that touch the support of the PSD blocks
            hit = support.contains((a[:, None, :] + h.exponents[None, :, :]).reshape(-1, n))
            a = a[hit.reshape(a.shape[0], h.nterms).any(axis=1)]
        out.append(a)
    return out


def _report(problem: PolyProblem, order: int, used: str, requested: str, reason: str, chordal: str,
            decomp: CliqueDecomposition, blocks: list[PSDBlock], step: int | None, fixed: bool | None) -> SparsityReport:
    n = problem.nvars
    return SparsityReport(
        requested=requested, used=used, reason=reason, chordal_extension=chordal, cliques=decomp.cliques,
        term_step=step, fixed_point=fixed,
        moment_blocks=tuple(b.size for b in blocks if b.constraint < 0),
        localizing_blocks=tuple(b.size for b in blocks if b.constraint >= 0),
        num_moments=0, dense_num_moments=comb(n + 2 * order, 2 * order),
    )


def newton_relaxations(
    problem: PolyProblem,
    order: int,
    requested: str = "newton",
    reason: str = "",
    chordal_extension: str = "min_degree",
    basis: NewtonBasis | None = None,
) -> Iterator[MomentRelaxation]:
    """The relaxation over the Newton-reduced basis, then the dense one.

    The hierarchy asks for the dense relaxation only when the reduced one was solved but its full
    leading block was not flat (see :mod:`momentsos.hierarchy`). Without a reduced basis that
    keeps every ``x_i`` only the dense relaxation comes.
    """
    check_relaxation_order(problem, order)
    basis = basis if basis is not None else newton_basis(problem.objective, order)
    if basis.has_first_moments:
        decomp = _single_clique(problem)
        blocks = [PSDBlock(basis.rows, -1, 0)]
        report = _report(problem, order, "newton", requested, reason, chordal_extension, decomp, blocks, None, None)
        yield SparseMomentRelaxation(problem, order, blocks, [], decomp, report, full_cliques=False,
                                     newton_full_degree=basis.full_degree, setup_time=basis.build_time)
        reason = (f"the moment matrix over the Newton-reduced basis ({basis.size} of {basis.dense_size} monomials) "
                  "was not flat: re-solved with the dense basis")
    else:
        reason = "the Newton-reduced basis drops a degree-1 monomial: dense basis"
    yield MomentRelaxation(problem, order, dense_report(problem, order, requested, reason, chordal_extension))


def sparse_relaxations(
    problem: PolyProblem,
    order: int,
    used: str,
    requested: str | None = None,
    reason: str = "",
    chordal_extension: str = "min_degree",
    max_term_steps: int | None = None,
) -> Iterator[SparseMomentRelaxation]:
    """The sparse relaxations of ``problem`` at ``order``: one for correlative sparsity, the TSSOS
    steps ``1, 2, ...`` up to the fixed point (or ``max_term_steps``) for "term" and "both".

    Relaxations are built lazily, so a driver that stops at a certified step builds no more.
    """
    check_relaxation_order(problem, order)
    requested = requested or used
    decomp = correlative_cliques(problem, chordal_extension) if used in ("correlative", "both") else _single_clique(problem)
    slots = _slots(problem, order, decomp)
    if used == "correlative":
        blocks = [PSDBlock(rows, j, l) for l, j, rows in slots]
        eqs = _equality_multipliers(problem, order, decomp, None)
        report = _report(problem, order, used, requested, reason, chordal_extension, decomp, blocks, None, None)
        yield SparseMomentRelaxation(problem, order, blocks, eqs, decomp, report, full_cliques=True)
        return
    n = problem.nvars
    zero = np.zeros((1, n), dtype=np.int64)
    ineqs = problem.inequalities
    start_rows = [zero, problem.objective.exponents, *(p.exponents for p in (*ineqs, *problem.equalities))]
    start_rows += [2 * rows for _, j, rows in slots if j < 0]
    start = np.vstack(start_rows)
    support = MonomialSet(start)
    step = 0
    while True:
        step += 1
        tic = time.perf_counter()
        blocks, touched = [], [start]
        for l, j, rows in slots:
            shifts = zero if j < 0 else ineqs[j].exponents
            graph = term_sparsity_graph(rows, shifts, support)
            for clique in chordal_cliques(graph, chordal_extension):
                block = PSDBlock(rows[list(clique)], j, l)
                blocks.append(block)
                touched.append(_pair_sums(block.rows, shifts))
        new_support = MonomialSet(np.vstack(touched))
        fixed = len(new_support) == len(support)
        eqs = _equality_multipliers(problem, order, decomp, new_support)
        report = _report(problem, order, used, requested, reason, chordal_extension, decomp, blocks, step, fixed)
        yield SparseMomentRelaxation(problem, order, blocks, eqs, decomp, report, full_cliques=False,
                                     setup_time=time.perf_counter() - tic)
        if fixed or (max_term_steps is not None and step >= max_term_steps):
            return
        support = new_support


