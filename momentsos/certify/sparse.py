"""Certificates of sparse relaxations: flat cliques glued along the clique tree, the Newton
basis's full leading block, or the point read off the first-order moments.

With correlative sparsity alone each clique's moment matrix gets the flat-truncation
test and atom extraction of the dense path; atoms are matched along a clique tree on the shared
variables ([FF25]: with the running intersection property the flat cliques glue to global
minimizers) and the assembled points are evaluated on the whole problem (:mod:`momentsos.certify.atoms`).
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
[CF96] R. E. Curto, L. A. Fialkow, "Solution of the truncated complex moment problem for flat
data", Mem. Amer. Math. Soc. 119(568), 1996.
[FF25] G. Fantuzzi, F. Fuentes, "On finite convergence and minimizer extraction in moment
relaxations with correlative sparsity", arXiv:2502.01410, 2025.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import numpy as np
from numpy.typing import NDArray

from ..basis import MonomialBasis, MonomialSet
from ..options import Options
from ..relax.graphs import CliqueDecomposition, tree_order
from ..relax.maps import MomentMatrix
from ..relax.sparse import SparseMomentRelaxation
from ..sdp.solution import RelaxationSolution, SolverStatus
from .atoms import Certificate, evaluate_atoms, refine_point
from .extraction import Extraction, ExtractionOutcome, extract_atoms
from .flatness import FlatnessReport, check_flatness
from .rank import LargestGapRank, RankCheck

__all__ = ["SparseCertificate", "certify_sparse", "first_moment_candidate", "OVERLAP_TOL"]

OVERLAP_TOL = 1e-3
"""Distance (relative to ``max(1, |x|)``) under which atoms of neighbouring cliques count as equal on the overlap."""


@dataclass(frozen=True)
class SparseCertificate(Certificate):
    """A :class:`Certificate` plus how it was obtained from a sparse relaxation.

    Attributes
    ----------
    method : str
        "flat_cliques", "first_moments" or "" (see :class:`~momentsos.relax.report.SparsityReport`).
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
    relaxation: SparseMomentRelaxation, sol: RelaxationSolution, lower_bound: float | None, opts: Options
) -> tuple[FlatnessReport | None, Extraction, SparseCertificate | None]:
    """Flatness per clique and glued atoms (correlative sparsity), else the first-moment candidate.

    Returns ``(flatness, extraction, certificate)`` in the shape of :func:`momentsos.certify.dense.certify_dense`;
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
    rank_check: RankCheck = opts.rank_check or LargestGapRank()
    rng = np.random.default_rng(opts.seed)
    evaluate = lambda pts, w: evaluate_atoms(  # noqa: E731
        problem, pts, w, lower_bound, opts.feas_tol, opts.gap_tol, refine=bool(opts.refine))
    if relaxation.newton_full_degree is not None:
        return _certify_newton(relaxation, y, evaluate, rank_check, rng, opts.pivot_tol)
    flat_reports, consistent = None, None
    best: Certificate | None = None
    if relaxation.full_cliques:
        flat_reports, extractions = _clique_atoms(relaxation, y, rank_check, rng, opts.pivot_tol)
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
    if opts.refine:
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
