"""momentsos: certified global polynomial optimization with the Moment-SOS (Lasserre) hierarchy.

The public API: :func:`minimize`, :class:`PolyProblem`, the result types and :class:`Status`, the
rank strategies, and the named reference problems in :mod:`momentsos.problems`.
"""

from __future__ import annotations

from . import problems
from .basis import MonomialBasis
from .errors import (
    InaccurateSolutionWarning,
    InvalidOptionError,
    InvalidProblemError,
    MomentSOSError,
    MomentSOSWarning,
    RelaxationOrderError,
    ResultFormatError,
    SolverFailedError,
    SolverUnavailableError,
    UnknownOptionWarning,
    UnsupportedModuleError,
)
from .certify.atoms import Atom
from .certify.extraction import ExtractionOutcome
from .certify.flatness import FlatnessReport
from .certify.proof import Proof, check_proof
from .certify.rank import AbsoluteRankTol, LargestGapRank, RelativeRankTol
from .hierarchy import Hierarchy
from .options import DEFAULT_FEAS_TOL, DEFAULT_GAP_TOL, Options
from .polynomial import Polynomial
from .problem import PolyProblem
from .relax import MomentMatrix, MomentRelaxation, SparsityReport
from .result import PolyOptResult, SolverStats, Status
from .sdp import available_solvers
from .solve import minimize

__version__ = "0.1.0"

__all__ = [
    "minimize",
    "Proof",
    "check_proof",
    "Options",
    "Hierarchy",
    "DEFAULT_FEAS_TOL",
    "DEFAULT_GAP_TOL",
    "PolyProblem",
    "Polynomial",
    "PolyOptResult",
    "Status",
    "Atom",
    "SolverStats",
    "FlatnessReport",
    "ExtractionOutcome",
    "MomentMatrix",
    "MomentRelaxation",
    "SparsityReport",
    "MonomialBasis",
    "AbsoluteRankTol",
    "RelativeRankTol",
    "LargestGapRank",
    "available_solvers",
    "problems",
    "MomentSOSError",
    "InvalidProblemError",
    "RelaxationOrderError",
    "InvalidOptionError",
    "SolverUnavailableError",
    "SolverFailedError",
    "UnsupportedModuleError",
    "ResultFormatError",
    "MomentSOSWarning",
    "InaccurateSolutionWarning",
    "UnknownOptionWarning",
    "__version__",
]
