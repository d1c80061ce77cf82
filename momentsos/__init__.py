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
    SolverFailedError,
    SolverUnavailableError,
    UnknownOptionWarning,
    UnsupportedModuleError,
)
from .extraction import ExtractionOutcome
from .flatness import FlatnessReport
from .moments import MomentMatrix
from .polynomial import Polynomial
from .problem import PolyProblem
from .rank import AbsoluteRankTol, LargestGapRank, RelativeRankTol
from .relaxation import MomentRelaxation
from .result import Atom, PolyOptResult, SolverStats, Status
from .solve import minimize
from .solvers import available_solvers
from .sparsity import SparsityReport

__version__ = "0.1.0"

__all__ = [
    "minimize",
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
    "MomentSOSWarning",
    "InaccurateSolutionWarning",
    "UnknownOptionWarning",
    "__version__",
]
