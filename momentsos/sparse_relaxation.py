"""Sparse moment relaxations: correlative sparsity, term sparsity (TSSOS) and both (CS-TSSOS).

A sparse relaxation keeps the shape of the dense one (:mod:`momentsos.relaxation`): a moment
vector ``y`` with ``y_0 = 1``, a list of PSD blocks each a sparse linear map of ``y``, equality rows
and a linear objective, so every backend (the built-in IPM, cvxpy's solvers) takes it unchanged.
A block is given by its row monomials ``B`` (global exponents) and a multiplier ``g`` (``1`` for a
moment block): ``L_g(y)[a, b] = sum_c g_c y_{a+b+c}`` for ``a, b`` in ``B``. Moments shared by
several blocks are the same entry of ``y``, so the blocks agree on their overlaps by construction.

Correlative sparsity [WKKM06, Las06]
    With the cliques ``I_1..I_p`` of :func:`momentsos.sparsity.correlative_cliques`: one moment
    matrix ``M_k(y, I_l)`` over the monomials in the variables of ``I_l`` of degree ``<= k``, one
    localizing matrix ``L_{g_j}(y, I_l)`` for each inequality with variables in ``I_l`` and the
    equality rows ``L(h_i x^a) = 0`` for ``a`` in the variables of ``I_l``. The moment vector holds
    only moments supported on one clique.
Term sparsity [WML21a, WML21b]
    Each of those matrices is split further into the blocks of its tsp graph's chordal extension
    (:func:`momentsos.sparsity.term_sparsity_graph`). Starting from ``S_0 = supp f + supp g_j +
    supp h_i + 2B``, step ``s`` builds the graphs from ``S_{s-1}`` and sets ``S_s`` to ``S_0`` plus
    every moment the blocks of step ``s`` touch; the steps stop at the fixed point ``S_s = S_{s-1}``.
    Equality rows are kept for the multipliers ``a`` with ``a + supp h`` meeting the support.

Newton polytope (unconstrained problems) [Rez78, Lof09]
    One moment block over the reduced basis ``B`` of :func:`momentsos.newton.newton_basis`: the
    monomials of half the Newton polytope of ``f`` that survive the diagonal pruning. Its bound
    equals the dense bound of the same order (see :mod:`momentsos.newton`).

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

Certificates. With correlative sparsity alone each clique's moment matrix gets the flat-truncation
test and atom extraction of the dense path; atoms are matched along a clique tree on the shared
variables ([FF25]: with the running intersection property the flat cliques glue to global
minimizers) and the assembled points are evaluated on the whole problem (:mod:`momentsos.certify`).
With term sparsity no flatness theory applies in general: the candidate is the point read off
the first-order moments (``sqrt(y_{2e_i})`` where ``y_{e_i}`` is not a moment of the relaxation),
polished by a local solve (the SQP of the dense path's refinement, without its radius limit) and
evaluated; a feasible point whose value
meets the lower bound within ``gap_tol`` certifies the global minimum whatever relaxation
produced the bound. The same candidate is tried when a correlative relaxation is not flat.
With the Newton basis the flat extension theorem does not apply to the whole reduced matrix, but
its leading block over the monomials of degree ``<= t`` is the full ``M_t(y)`` for ``t`` up to
``NewtonBasis.full_degree``: flat truncation is tested there, the atoms extracted and evaluated as
in the dense path (rank 1 reads the minimizer off the first-order moments). When that block is
not flat, the first-order moments, polished, are tried as one candidate (as with term sparsity, but
within the dense path's small polishing radius); when that fails too, the driver re-solves with
the dense basis, whose flat truncations may reach higher and find every minimizer.

References
----------
[WKKM06], [Las06], [WML21a], [WML21b]: see :mod:`momentsos.sparsity`.
[WMLM22] J. Wang, V. Magron, J.-B. Lasserre, N. H. A. Mai, "CS-TSSOS: correlative and term
sparsity for large-scale polynomial optimization", ACM Trans. Math. Softw. 48(4), 2022.
[Rez78], [Lof09]: see :mod:`momentsos.newton`.
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
from typing import Any, Callable, Iterator

import numpy as np
import scipy.sparse as sparse
from numpy.typing import NDArray

from .basis import MonomialBasis
from .certify import Certificate, evaluate_atoms, refine_point
from .extraction import Extraction, ExtractionOutcome, extract_atoms
from .flatness import FlatnessReport, check_flatness
from .moments import MomentMatrix, stack_rows, tiled, uniform_rows_map
from .newton import NewtonBasis, newton_basis
from .problem import PolyProblem
from .rank import LargestGapRank, RankCheck
from .relaxation import MomentRelaxation, RelaxationSolution, check_relaxation_order
from .solvers import SolverStatus
from .sparsity import (
    CliqueDecomposition,
    MonomialSet,
    SparsityReport,
    chordal_cliques,
    correlative_cliques,
    term_sparsity_graph,
    tree_order,
)

__all__ = [
    "PSDBlock",
    "SparseMomentRelaxation",
    "SparseCertificate",
    "sparse_relaxations",
    "choose_sparsity",
    "SparsityChoice",
    "plan_sparsity",
    "dense_report",
    "newton_relaxations",
    "certify_sparse",
    "first_moment_candidate",
    "AUTO_MOMENT_RATIO",
]

AUTO_MOMENT_RATIO = 0.5
"""``sparsity="auto"`` uses correlative sparsity when the cliques hold at most this share of the
dense relaxation's moments (counted as ``sum_l comb(|I_l| + 2k, 2k)``)."""

OVERLAP_TOL = 1e-3
"""Distance (relative to ``max(1, |x|)``) under which atoms of neighbouring cliques count as equal on the overlap."""


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
        For the Newton-reduced relaxation (one block over :class:`~momentsos.newton.NewtonBasis`
        rows): the largest ``t`` whose full basis of degree ``<= t`` leads the block; else None.
    """

    newton_full_degree: int | None = None

    def __init__(
        self,
        problem: PolyProblem,
        order: int,
        blocks: list[PSDBlock],
        equality_multipliers: list[NDArray[np.int64]],
        decomposition: CliqueDecomposition,
        sparsity: SparsityReport,
        full_cliques: bool,
    ) -> None:
        self.order = check_relaxation_order(problem, order)
        start = time.perf_counter()
        self.problem = problem
        self.blocks = blocks
        self.equality_multipliers = equality_multipliers  # read by momentsos.sos for the certificate
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
        self.build_time = time.perf_counter() - start

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


@dataclass(frozen=True)
class SparsityChoice:
    """What ``sparsity="auto"`` chose: ``used``, why, and the Newton basis when ``used == "newton"``."""

    used: str
    reason: str
    newton: NewtonBasis | None = None


def choose_sparsity(problem: PolyProblem, order: int, chordal_extension: str = "min_degree") -> tuple[str, str]:
    """The rule of ``sparsity="auto"`` as ``(used, why)``; see :func:`plan_sparsity`."""
    choice = plan_sparsity(problem, order, chordal_extension)
    return choice.used, choice.reason


def plan_sparsity(problem: PolyProblem, order: int, chordal_extension: str = "min_degree") -> SparsityChoice:
    """The rule of ``sparsity="auto"``: "correlative", "newton" or "none", with the reason.

    Correlative sparsity is used when the csp graph splits into more than one clique and the
    cliques hold at most :data:`AUTO_MOMENT_RATIO` of the dense moments
    (``sum_l comb(|I_l| + 2k, 2k) <= 0.5 comb(n + 2k, 2k)``). Otherwise, on a problem without
    constraints, the Newton-reduced basis is used when it drops monomials and keeps ``1`` and every
    ``x_i`` (its bound is the dense one). Term sparsity is never chosen automatically: its bounds
    can be weaker than the dense ones before the fixed point and it has no flatness test, so it
    stays an explicit choice.
    """
    decomp = correlative_cliques(problem, chordal_extension)
    n, two_k = problem.nvars, 2 * order
    dense = comb(n + two_k, two_k)
    sparse_count = sum(comb(len(c) + two_k, two_k) for c in decomp.cliques)
    sizes = sorted(decomp.sizes, reverse=True)
    if len(decomp.cliques) > 1 and sparse_count <= AUTO_MOMENT_RATIO * dense:
        return SparsityChoice("correlative", f"{len(sizes)} cliques of at most {sizes[0]} of {n} variables: at "
                                             f"most {sparse_count} moments against {dense} dense")
    if len(decomp.cliques) == 1:
        reason = f"the correlative sparsity graph's chordal extension is one clique of all {n} variables"
    else:
        reason = (f"{len(sizes)} cliques of up to {sizes[0]} of {n} variables hold {sparse_count} moments, "
                  f"more than {AUTO_MOMENT_RATIO:g} of the {dense} dense ones")
    if problem.inequalities or problem.equalities:
        return SparsityChoice("none", reason)
    basis = newton_basis(problem.objective, order)
    if basis.reduces:
        return SparsityChoice("newton", f"{reason}; the Newton polytope keeps {basis.size} of the "
                                        f"{basis.dense_size} monomials of degree <= {order}", basis)
    why = "drops no monomial" if basis.has_first_moments else "drops a degree-1 monomial"
    return SparsityChoice("none", f"{reason}; the Newton-reduced basis {why}")


def dense_report(relaxation: MomentRelaxation, requested: str, reason: str, chordal_extension: str) -> SparsityReport:
    """The report of a dense relaxation reached through ``sparsity="auto"`` or "newton"."""
    n = relaxation.problem.nvars
    return SparsityReport(
        requested, "none", reason, chordal_extension, (tuple(range(n)),), None, None,
        (relaxation.matrix_size,), tuple(int(round(np.sqrt(A.shape[0]))) for A in relaxation.localizing_maps),
        relaxation.num_moments, relaxation.num_moments,
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

    The driver asks for the dense relaxation only when the reduced one was solved but its full
    leading block was not flat (see :func:`momentsos.solve.minimize`). Without a reduced basis that
    keeps every ``x_i`` only the dense relaxation comes.
    """
    check_relaxation_order(problem, order)
    basis = basis if basis is not None else newton_basis(problem.objective, order)
    if basis.has_first_moments:
        decomp = _single_clique(problem)
        blocks = [PSDBlock(basis.rows, -1, 0)]
        report = _report(problem, order, "newton", requested, reason, chordal_extension, decomp, blocks, None, None)
        relaxation = SparseMomentRelaxation(problem, order, blocks, [], decomp, report, full_cliques=False)
        relaxation.newton_full_degree = basis.full_degree
        relaxation.build_time += basis.build_time
        yield relaxation
        reason = (f"the moment matrix over the Newton-reduced basis ({basis.size} of {basis.dense_size} monomials) "
                  "was not flat: re-solved with the dense basis")
    else:
        reason = "the Newton-reduced basis drops a degree-1 monomial: dense basis"
    dense = MomentRelaxation(problem, order)
    dense.sparsity = dense_report(dense, requested, reason, chordal_extension)
    yield dense


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
        graph_time = time.perf_counter() - tic
        relaxation = SparseMomentRelaxation(problem, order, blocks, eqs, decomp, report, full_cliques=False)
        relaxation.build_time += graph_time
        yield relaxation
        if fixed or (max_term_steps is not None and step >= max_term_steps):
            return
        support = new_support


# -- certification ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SparseCertificate(Certificate):
    """A :class:`Certificate` plus how it was obtained from a sparse relaxation.

    Attributes
    ----------
    method : str
        "flat_cliques", "first_moments" or "" (see :class:`~momentsos.sparsity.SparsityReport`).
    complete : bool
        Whether the atoms are all the minimizers the relaxation represents (False when atoms were
        glued across cliques without a one-to-one match, or came from first-order moments).
    clique_flatness : tuple of FlatnessReport or None
    overlap_consistent : bool or None
    """

    method: str = ""
    complete: bool = True
    clique_flatness: tuple[FlatnessReport, ...] | None = None
    overlap_consistent: bool | None = None


def first_moment_candidate(index: MonomialSet, moments: NDArray[np.float64], nvars: int) -> NDArray[np.float64]:
    """The point ``x_i = y_{e_i}``; ``sqrt(max(y_{2e_i}, 0))`` where ``y_{e_i}`` is not a moment, else 0.

    Examples
    --------
    >>> idx = MonomialSet(np.array([[0, 0], [1, 0], [0, 2]]))
    >>> first_moment_candidate(idx, np.array([1.0, 0.5, 4.0]), 2).tolist()
    [0.5, 2.0]
    """
    e = np.eye(nvars, dtype=np.int64)
    x = np.zeros(nvars)
    have = index.contains(e)
    x[have] = moments[index.index_of(e[have])]
    second = index.contains(2 * e) & ~have
    x[second] = np.sqrt(np.maximum(moments[index.index_of(2 * e[second])], 0.0))
    return x


def _clique_atoms(
    relaxation: SparseMomentRelaxation, moments: NDArray[np.float64], rank_check: RankCheck,
    rng: np.random.Generator, pivot_tol: float,
) -> tuple[tuple[FlatnessReport, ...], list[Extraction]]:
    problem, decomp = relaxation.problem, relaxation.decomposition
    reports, extractions = [], []
    for l, clique in enumerate(decomp.cliques):
        moment_matrix = relaxation.clique_moment_matrix(l, moments)
        degrees = [(problem.inequalities[j].degree + 1) // 2 for j in decomp.inequalities[l]]
        degrees += [(problem.equalities[i].degree + 1) // 2 for i in decomp.equalities[l]]
        flatness = check_flatness(moment_matrix, max([1, *degrees]), rank_check)
        reports.append(flatness)
        extraction = Extraction(ExtractionOutcome.NOT_FLAT, np.zeros((0, len(clique))), np.zeros(0))
        for t in flatness.flat_orders:
            extraction = extract_atoms(moment_matrix.truncation(t), moment_matrix.basis, flatness.ranks[t], t,
                                       rng, pivot_tol)
            if extraction.outcome is ExtractionOutcome.OK:
                break
        extractions.append(extraction)
    return tuple(reports), extractions


def _glue(decomp: CliqueDecomposition, extractions: list[Extraction], n: int
          ) -> tuple[NDArray[np.float64], NDArray[np.float64], bool, bool]:
    """Assemble global points from clique atoms along the clique tree.

    Candidate ``r`` takes atom ``r`` of the first root; every other clique takes the atom closest
    to the coordinates already fixed on its overlap (roots of further components cycle through
    their atoms). Returns the points, their weights, whether the atoms of every tree edge agree on
    the overlap (both ways, within :data:`OVERLAP_TOL`), and whether the match is one-to-one on a
    connected tree with equal ranks (then the points are all the atoms the relaxation represents).
    """
    order = tree_order(decomp.parent)
    cliques = decomp.cliques
    consistent = True
    for l, p in enumerate(decomp.parent):
        if p < 0:
            continue
        shared = sorted(set(cliques[l]) & set(cliques[p]))
        if not shared:
            continue
        a = extractions[l].points[:, [cliques[l].index(v) for v in shared]]
        b = extractions[p].points[:, [cliques[p].index(v) for v in shared]]
        dist = np.linalg.norm(a[:, None, :] - b[None, :, :], axis=2)
        scale = max(1.0, float(np.abs(a).max()), float(np.abs(b).max()))
        consistent &= bool(dist.min(axis=1).max() <= OVERLAP_TOL * scale and dist.min(axis=0).max() <= OVERLAP_TOL * scale)
    first = order[0]
    count = len(extractions[first].weights)
    points = np.full((count, n), np.nan)
    chosen = np.zeros((count, len(cliques)), dtype=np.int64)
    for r in range(count):
        x = points[r]
        for l in order:
            atoms = extractions[l].points
            vars_l = list(cliques[l])
            fixed = ~np.isnan(x[vars_l])
            if fixed.any():
                pick = int(np.argmin(np.linalg.norm(atoms[:, fixed] - x[vars_l][fixed], axis=1)))
            else:
                pick = r % atoms.shape[0]
            chosen[r, l] = pick
            free = [v for v, f in zip(vars_l, fixed) if not f]
            x[free] = atoms[pick][~fixed]
    ranks = {len(e.weights) for e in extractions}
    one_to_one = all(len(set(chosen[:, l].tolist())) == count for l in range(len(cliques)))
    complete = consistent and sum(p < 0 for p in decomp.parent) == 1 and ranks == {count} and one_to_one
    return points, extractions[first].weights.copy(), consistent, complete


def certify_sparse(
    relaxation: SparseMomentRelaxation, sol: RelaxationSolution, lower_bound: float | None, opts: dict[str, Any]
) -> tuple[FlatnessReport | None, Extraction, SparseCertificate | None]:
    """Flatness per clique and glued atoms (correlative sparsity), else the first-moment candidate.

    Returns ``(flatness, extraction, certificate)`` in the shape of the dense ``_certify_moments``;
    ``flatness`` is None (the per-clique reports are on the certificate) except for the Newton
    basis, where it is the test of the full leading block ``M_t``, ``t <= NewtonBasis.full_degree``.
    """
    problem = relaxation.problem
    n = problem.nvars
    extraction = Extraction.not_attempted(n)
    if sol.status not in (SolverStatus.OPTIMAL, SolverStatus.INACCURATE) or sol.moments is None:
        return None, extraction, None
    assert lower_bound is not None
    y = sol.moments
    rank_check: RankCheck = opts["rank_check"] or LargestGapRank()
    rng = np.random.default_rng(opts["seed"])
    evaluate = lambda pts, w: evaluate_atoms(  # noqa: E731
        problem, pts, w, lower_bound, opts["feas_tol"], opts["gap_tol"], refine=bool(opts["refine"]))
    if relaxation.newton_full_degree is not None:
        return _certify_newton(relaxation, y, evaluate, rank_check, rng, opts["pivot_tol"])
    flat_reports, consistent = None, None
    best: Certificate | None = None
    if relaxation.full_cliques:
        flat_reports, extractions = _clique_atoms(relaxation, y, rank_check, rng, opts["pivot_tol"])
        if all(e.outcome is ExtractionOutcome.OK for e in extractions):
            points, weights, consistent, complete = _glue(relaxation.decomposition, extractions, n)
            best = evaluate(points, weights)
            extraction = Extraction(ExtractionOutcome.OK, best_points(best), weights)
            if best.verified:
                return None, extraction, SparseCertificate(
                    best.atoms, best.upper_bound, best.gap, True, "flat_cliques", complete, flat_reports, consistent)
            extraction = dataclasses.replace(extraction, outcome=ExtractionOutcome.ATOMS_INFEASIBLE)
        else:
            failed = next(e for e in extractions if e.outcome is not ExtractionOutcome.OK)
            extraction = Extraction(failed.outcome, np.zeros((0, n)), np.zeros(0), detail=failed.detail)
    start = first_moment_candidate(relaxation.basis, y, n)
    if opts["refine"]:
        # One candidate, not atoms to keep apart: let the local solver go as far as it needs
        # (moments outside the blocks leave coordinates loose); the evaluation is the certificate.
        start = refine_point(problem, start, radius=np.inf, max_iter=500)
    candidate = evaluate(start[None, :], np.ones(1))
    if candidate.verified:
        extraction = Extraction(ExtractionOutcome.OK, best_points(candidate), np.ones(1))
        return None, extraction, SparseCertificate(
            candidate.atoms, candidate.upper_bound, candidate.gap, True, "first_moments", False, flat_reports, consistent)
    if not relaxation.full_cliques:
        extraction = Extraction(ExtractionOutcome.ATOMS_INFEASIBLE, best_points(candidate), np.ones(1),
                                detail="first-order moment candidate")
    kept = best if best is not None and best.upper_bound is not None else candidate
    return None, extraction, SparseCertificate(
        kept.atoms, kept.upper_bound, kept.gap, False, "", False, flat_reports, consistent)


def _certify_newton(
    relaxation: SparseMomentRelaxation, moments: NDArray[np.float64],
    evaluate: Callable[[NDArray[np.float64], NDArray[np.float64]], Certificate],
    rank_check: RankCheck, rng: np.random.Generator, pivot_tol: float,
) -> tuple[FlatnessReport, Extraction, SparseCertificate]:
    """Flat truncation on the full leading block ``M_t`` of the Newton-reduced moment matrix.

    The atoms of a flat ``M_t`` represent the moments up to degree ``2t`` [CF96]; whatever they
    represent, a feasible atom whose objective meets the bound within ``gap_tol`` proves the
    global minimum (``bound <= min f <= f(atom)``), which is what :func:`evaluate_atoms` checks.
    """
    n = relaxation.problem.nvars
    t_full = relaxation.newton_full_degree
    assert t_full is not None and t_full >= 1
    local = MonomialBasis(n, t_full)
    s, m = relaxation.blocks[0].size, len(local)
    values = (relaxation.block_maps[0] @ moments).reshape(s, s)[:m, :m]
    moment_matrix = MomentMatrix(0.5 * (values + values.T), local, t_full)
    flatness = check_flatness(moment_matrix, 1, rank_check)
    extraction = Extraction(ExtractionOutcome.NOT_FLAT, np.zeros((0, n)), np.zeros(0))
    kept: Certificate | None = None
    for t in flatness.flat_orders:
        extraction = extract_atoms(moment_matrix.truncation(t), local, flatness.ranks[t], t, rng, pivot_tol)
        if extraction.outcome is not ExtractionOutcome.OK:
            continue
        kept = evaluate(extraction.points, extraction.weights)
        if kept.verified:
            return flatness, extraction, SparseCertificate(
                kept.atoms, kept.upper_bound, kept.gap, True, "newton_flat", True, (flatness,), None)
        extraction = dataclasses.replace(extraction, outcome=ExtractionOutcome.ATOMS_INFEASIBLE)
    if not flatness.is_flat:
        # Moments the reduced matrix leaves loose (``y_{2a}`` for ``a`` outside B) keep an
        # interior-point solution off rank 1 even where the first row is the Dirac's (Rosenbrock:
        # singular values 14, 5.5, 1e-4): the first-order moments, barely polished, are the
        # candidate; it certifies only by attaining the bound, and lists one minimizer of maybe several.
        x = first_moment_candidate(relaxation.basis, moments, n)
        candidate = evaluate(x[None, :], np.ones(1))
        if candidate.verified:
            extraction = Extraction(ExtractionOutcome.OK, best_points(candidate), np.ones(1))
            return flatness, extraction, SparseCertificate(
                candidate.atoms, candidate.upper_bound, candidate.gap, True, "first_moments", False, (flatness,), None)
        kept = kept or candidate
    if kept is None:
        return flatness, extraction, SparseCertificate((), None, None, False, "", False, (flatness,), None)
    return flatness, extraction, SparseCertificate(
        kept.atoms, kept.upper_bound, kept.gap, False, "", False, (flatness,), None)


def best_points(certificate: Certificate) -> NDArray[np.float64]:
    return np.array([a.point for a in certificate.atoms])
