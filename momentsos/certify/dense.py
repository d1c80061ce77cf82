"""Certificate of a dense relaxation: flat truncation, extraction of the atoms, their evaluation.

Flatness (:mod:`momentsos.certify.flatness`) says where the moments come from a finite atomic
measure; :func:`~momentsos.certify.extraction.extract_atoms` reads the atoms off that truncation;
the evaluation on the problem (:mod:`momentsos.certify.atoms`) is what certifies.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..options import Options
from ..relax.dense import MomentRelaxation
from ..sdp.solution import RelaxationSolution, SolverStatus
from .atoms import Certificate, evaluate_atoms
from .extraction import Extraction, ExtractionOutcome, extract_atoms
from .flatness import FlatnessReport, check_flatness
from .rank import LargestGapRank, RankCheck

__all__ = ["certify_dense"]


def certify_dense(
    relaxation: MomentRelaxation, sol: RelaxationSolution, lower_bound: float | None, opts: Options
) -> tuple[FlatnessReport | None, Extraction, Certificate | None]:
    """Flatness of ``M_k(y)``, extraction at each flat truncation ``t`` and evaluation of the atoms.

    Returns ``(flatness, extraction, certificate)``; the certificate is that of the first flat
    truncation whose atoms all verify, else of the last one tried (None when nothing was extracted).
    """
    problem = relaxation.problem
    extraction = Extraction.not_attempted(problem.nvars)
    if sol.status not in (SolverStatus.OPTIMAL, SolverStatus.INACCURATE):
        return None, extraction, None
    assert sol.moment_matrix is not None and lower_bound is not None
    rank_check: RankCheck = opts.rank_check or LargestGapRank()
    flatness = check_flatness(sol.moment_matrix, problem.constraint_half_degree, rank_check)
    rng = np.random.default_rng(opts.seed)
    certificate = None
    if not flatness.is_flat:
        extraction = Extraction(ExtractionOutcome.NOT_FLAT, extraction.points, extraction.weights)
    for t in flatness.flat_orders:
        extraction = extract_atoms(
            sol.moment_matrix.truncation(t), relaxation.basis, flatness.ranks[t], t, rng, opts.pivot_tol
        )
        if extraction.outcome is not ExtractionOutcome.OK:
            continue
        certificate = evaluate_atoms(
            problem, extraction.points, extraction.weights, lower_bound, opts.feas_tol, opts.gap_tol,
            refine=bool(opts.refine),
        )
        if certificate.verified:
            break
        extraction = dataclasses.replace(extraction, outcome=ExtractionOutcome.ATOMS_INFEASIBLE)
    return flatness, extraction, certificate
