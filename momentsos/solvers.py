"""SDP solver registry: availability, option normalisation and one status map.

Solver names are cvxpy's strings. Solver packages are imported lazily, only to check a licence.
Defaults are tightened where extraction needs it: atoms are read off the moments, so a solver that
stops at cvxpy's default accuracy (1e-5 for SCS) leaves rank gaps too shallow to see.

Default rule (``solver=None``), justified by ``python -m momentsos.bench`` (numbers in the README):
an interior-point solver is accurate to about 1e-9 and makes the rank gap sharp, so it is preferred
while it is fast enough: MOSEK when licensed, otherwise CLARABEL for relaxations whose moment
matrix has at most ``CLARABEL_MAX_MATRIX`` rows. Clarabel factors a dense block of size
``s(s+1)/2`` per PSD cone of size ``s``, so its cost grows like ``s**6``; beyond the limit SCS with
tight tolerances (``eps = 1e-9``) is the default.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field
from typing import Any, Mapping

from .errors import InvalidOptionError, SolverUnavailableError

__all__ = ["SolverSpec", "SolverStatus", "SOLVERS", "available_solvers", "resolve_solver", "map_status", "choose_default_solver"]

CLARABEL_MAX_MATRIX = 70


class SolverStatus(enum.Enum):
    """Solver outcome after mapping cvxpy's status strings."""

    OPTIMAL = "optimal"
    INACCURATE = "inaccurate"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    ERROR = "error"


_STATUS_MAP = {
    "optimal": SolverStatus.OPTIMAL,
    "optimal_inaccurate": SolverStatus.INACCURATE,
    "infeasible": SolverStatus.INFEASIBLE,
    "infeasible_inaccurate": SolverStatus.INFEASIBLE,
    "unbounded": SolverStatus.UNBOUNDED,
    "unbounded_inaccurate": SolverStatus.UNBOUNDED,
    "solver_error": SolverStatus.ERROR,
    "user_limit": SolverStatus.ERROR,
    "infeasible_or_unbounded": SolverStatus.ERROR,
}


def map_status(cvxpy_status: str | None) -> SolverStatus:
    """Map a cvxpy status string to :class:`SolverStatus` (unknown strings are errors)."""
    return _STATUS_MAP.get(str(cvxpy_status), SolverStatus.ERROR)


@dataclass(frozen=True)
class SolverSpec:
    """Capabilities and tight default options of one SDP solver reached through cvxpy."""

    name: str
    interior_point: bool
    defaults: Mapping[str, Any] = field(default_factory=dict)
    time_limit_option: str | None = None
    needs_licence: bool = False


SOLVERS: dict[str, SolverSpec] = {
    spec.name: spec
    for spec in (
        SolverSpec(
            "CLARABEL",
            interior_point=True,
            defaults={"tol_gap_abs": 1e-9, "tol_gap_rel": 1e-9, "tol_feas": 1e-9, "max_iter": 300},
            time_limit_option="time_limit",
        ),
        SolverSpec(
            "SCS",
            interior_point=False,
            defaults={"eps_abs": 1e-9, "eps_rel": 1e-9, "max_iters": 200_000},
            time_limit_option="time_limit_secs",
        ),
        SolverSpec("MOSEK", interior_point=True, needs_licence=True),
        SolverSpec("CVXOPT", interior_point=True, defaults={"abstol": 1e-9, "reltol": 1e-9, "feastol": 1e-9}),
        SolverSpec("SDPA", interior_point=True),
        SolverSpec("COPT", interior_point=True, needs_licence=True),
    )
}


@functools.lru_cache(maxsize=None)
def _mosek_licensed() -> bool:
    try:
        import mosek  # noqa: PLC0415 - lazy on purpose

        with mosek.Env() as env:
            env.checkoutlicense(mosek.feature.pts)
        return True
    except Exception:  # any failure here means "cannot solve with MOSEK"
        return False


@functools.lru_cache(maxsize=None)
def _copt_licensed() -> bool:
    try:
        import coptpy  # noqa: PLC0415

        coptpy.Envr()
        return True
    except Exception:
        return False


_LICENCE_CHECKS = {"MOSEK": _mosek_licensed, "COPT": _copt_licensed}


def _cvxpy_installed() -> set[str]:
    import cvxpy  # noqa: PLC0415 - solvers.py is one of the two modules allowed to import cvxpy

    return set(cvxpy.installed_solvers())


def available_solvers() -> list[str]:
    """SDP solvers that are installed (and licensed, where a licence is needed), registry order."""
    installed = _cvxpy_installed()
    out = []
    for name, spec in SOLVERS.items():
        if name not in installed:
            continue
        if spec.needs_licence and not _LICENCE_CHECKS[name]():
            continue
        out.append(name)
    return out


def resolve_solver(name: str) -> SolverSpec:
    """The :class:`SolverSpec` for ``name``; raises :class:`SolverUnavailableError` if not usable."""
    if not isinstance(name, str):
        raise InvalidOptionError(f"Invalid option `solver`: expected a solver name string; got {name!r}")
    key = name.upper()
    usable = available_solvers()
    if key not in SOLVERS:
        raise SolverUnavailableError(
            f"Unknown SDP solver `solver={name!r}`; supported: {', '.join(SOLVERS)}; "
            f"installed and usable here: {', '.join(usable) or 'none'}"
        )
    if key not in usable:
        spec = SOLVERS[key]
        why = "is installed but not licensed" if spec.needs_licence and key in _cvxpy_installed() else "is not installed"
        raise SolverUnavailableError(
            f"SDP solver `solver={name!r}` {why}; installed and usable here: {', '.join(usable) or 'none'}"
        )
    return SOLVERS[key]


def choose_default_solver(matrix_size: int) -> SolverSpec:
    """The ``solver=None`` rule (see the module docstring) for a moment matrix with ``matrix_size`` rows."""
    usable = available_solvers()
    if "MOSEK" in usable:
        return SOLVERS["MOSEK"]
    if "CLARABEL" in usable and (matrix_size <= CLARABEL_MAX_MATRIX or "SCS" not in usable):
        return SOLVERS["CLARABEL"]
    if "SCS" in usable:
        return SOLVERS["SCS"]
    if usable:
        return SOLVERS[usable[0]]
    raise SolverUnavailableError("No SDP solver is installed; install clarabel or scs (pip install clarabel scs)")
