"""Exception and warning hierarchy of momentsos.

Exceptions are for mistakes (bad input, a missing solver, a broken environment); mathematical
outcomes such as "infeasible" or "not flat" are statuses on :class:`momentsos.PolyOptResult`.
Input errors also subclass :class:`ValueError` or :class:`TypeError` so that generic handlers
still catch them.
"""

from __future__ import annotations

__all__ = [
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
]


class MomentSOSError(Exception):
    """Base class of every exception raised by momentsos."""


class InvalidProblemError(MomentSOSError, ValueError):
    """The polynomial optimization problem is malformed (non-polynomial term, unknown symbol, ...)."""


class RelaxationOrderError(InvalidProblemError):
    """The requested relaxation order is below the minimal order or not an integer."""


class InvalidOptionError(MomentSOSError, ValueError):
    """An option passed to :func:`momentsos.minimize` is unknown or has an invalid value."""


class SolverUnavailableError(MomentSOSError):
    """The requested SDP solver is not installed or not licensed; the message lists installed ones."""


class SolverFailedError(MomentSOSError):
    """Raised only by ``minimize(..., raise_on_failure=True)`` when the result is not certified."""


class UnsupportedModuleError(MomentSOSError, TypeError):
    """A module given to a symbolic tracer has no polynomial translation."""


class ResultFormatError(MomentSOSError, ValueError):
    """A saved result (JSON) is not of the expected format or version, or is malformed; the message
    names the file, what was found and what this version reads."""


class MomentSOSWarning(UserWarning):
    """Base class of every warning issued by momentsos."""


class InaccurateSolutionWarning(MomentSOSWarning):
    """The SDP solver reported an inaccurate solution; the bound is not certified."""


class UnknownOptionWarning(MomentSOSWarning):
    """An option was accepted but has no effect with the chosen solver."""
