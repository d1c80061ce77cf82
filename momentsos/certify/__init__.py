"""Certification: moments -> ranks, atoms, proof.

The stages, each in its own module: numerical rank (:mod:`~momentsos.certify.rank`), flat
truncation (:mod:`~momentsos.certify.flatness`), extraction of the atoms
(:mod:`~momentsos.certify.extraction`), their evaluation on the problem, which is what certifies
(:mod:`~momentsos.certify.atoms`), the SOS certificate read off the dual
(:mod:`~momentsos.certify.sos`) and its verified lower bound (:mod:`~momentsos.certify.verified`).
:func:`certify_moments` reads a solved relaxation of any kind: dense (:mod:`~momentsos.certify.dense`)
or sparse (:mod:`~momentsos.certify.sparse`).
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray

from ..options import Options
from ..relax.dense import MomentRelaxation
from ..relax.sparse import SparseMomentRelaxation
from ..sdp.solution import RelaxationSolution
from .atoms import Certificate, evaluate_atoms, refine_point
from .dense import certify_dense
from .extraction import Extraction
from .flatness import FlatnessReport
from .sparse import certify_sparse, first_moment_candidate

__all__ = ["certify_moments", "first_moment_point", "first_moments_attain"]


@functools.singledispatch
def certify_moments(relaxation: MomentRelaxation, sol: RelaxationSolution, lower_bound: float | None,
                    opts: Options) -> tuple[FlatnessReport | None, Extraction, Certificate | None]:
    """Flatness, extraction and evaluation of the atoms of one solved relaxation:
    ``(flatness, extraction, certificate)``."""
    return certify_dense(relaxation, sol, lower_bound, opts)


@certify_moments.register
def _(relaxation: SparseMomentRelaxation, sol: RelaxationSolution, lower_bound: float | None,
      opts: Options) -> tuple[FlatnessReport | None, Extraction, Certificate | None]:
    return certify_sparse(relaxation, sol, lower_bound, opts)


@functools.singledispatch
def first_moment_point(relaxation: MomentRelaxation, moments: NDArray[np.float64]) -> NDArray[np.float64]:
    """The point ``x_i = y_{e_i}`` of the first-order moments."""
    return moments[relaxation.basis.index_of(np.eye(relaxation.problem.nvars, dtype=np.int64))]


@first_moment_point.register
def _(relaxation: SparseMomentRelaxation, moments: NDArray[np.float64]) -> NDArray[np.float64]:
    # y_{e_i} may not be a moment of a sparse relaxation: the candidate reads y_{2 e_i} there
    return first_moment_candidate(relaxation.basis, moments, relaxation.problem.nvars)


def first_moments_attain(relaxation: MomentRelaxation, sol: RelaxationSolution, opts: Options) -> bool:
    """Whether the first-order moments, refined, are feasible and attain the bound: the optimal face
    then holds a Dirac, and a minimum-trace point of it may be flat where the centre was not."""
    assert sol.moments is not None and sol.lower_bound is not None
    problem = relaxation.problem
    point = first_moment_point(relaxation, sol.moments)
    # only a trigger (the re-solve's own atoms are what certify), so the polish may travel any distance
    point = refine_point(problem, point, radius=np.inf)
    return evaluate_atoms(
        problem, point[None, :], np.ones(1), sol.lower_bound, opts.feas_tol, opts.gap_tol, refine=False
    ).verified
