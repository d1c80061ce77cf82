"""SDP solver registry: availability, tight defaults, routes and the default chain.

Solver names are cvxpy's strings, plus ``"IPM"`` for the interior-point method built into
momentsos (:mod:`momentsos.sdp.ipm`, numpy and scipy only, always available). CLARABEL is called
through its own Python API (:mod:`momentsos.sdp.clarabel`: the same conic problem cvxpy would emit,
without its compilation); every other named solver goes through cvxpy
(:mod:`momentsos.sdp.cvxpy_routes`). Solver packages are imported lazily, only to check a licence.
Defaults are tightened where extraction needs it: atoms are read off the moments, so a solver that
stops at cvxpy's default accuracy (1e-5 for SCS) leaves rank gaps too shallow to see.

Default chain (``solver=None``): try, in order, and fall back to the next when a solve ends
INACCURATE or in an error,

1. MOSEK, when licensed (interior point, the reference solver of GloptiPoly users);
2. COPT, when installed (``pip install momentsos[copt]``) and the relaxation has at most
   ``COPT_MAX_MOMENTS`` moments (the limit of its free size-limited mode);
3. IPM, the primal-dual interior-point method built into momentsos: no compilation step, a Schur
   complement assembled from the sparse maps;
4. CLARABEL, when the moment matrix has at most ``CLARABEL_MAX_MATRIX`` rows: accurate where it
   converges, but it factors a dense block of size ``s(s+1)/2`` per PSD cone (cost ~ ``s**6``) and
   stops "optimal_inaccurate" on many degenerate relaxations;
5. SCS with tight tolerances (``eps = 1e-8``): first-order, cheap per iteration, accurate enough for
   extraction when it converges.

The fallback time limits and the choice among the chain's answers are the hierarchy's
(:mod:`momentsos.hierarchy`). SDPA and CVXOPT are reachable by name but not in the chain (the
solver benchmark, ``benchmarks/momentsos_speed.py --named``, measures why).
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import InvalidOptionError, SolverUnavailableError
from .clarabel import ClarabelRoute
from .cvxpy_routes import CvxpyRoute
from .ipm import IPMRoute

__all__ = ["SolverSpec", "SOLVERS", "available_solvers", "resolve_solver", "default_solver_chain",
           "check_solver_options", "CLARABEL_MAX_MATRIX", "COPT_MAX_MOMENTS"]

CLARABEL_MAX_MATRIX = 70
COPT_MAX_MOMENTS = 2000


@dataclass(frozen=True)
class SolverSpec:
    """Capabilities, tight default options and route of one SDP solver.

    ``route`` takes the relaxation to the solver: :class:`~momentsos.sdp.ipm.IPMRoute` (the built-in
    method, fed the sparse maps), :class:`~momentsos.sdp.clarabel.ClarabelRoute` (Clarabel's own
    API) or :class:`~momentsos.sdp.cvxpy_routes.CvxpyRoute` (every other solver). The cvxpy route
    of CLARABEL stays reachable for comparisons: ``dataclasses.replace(SOLVERS["CLARABEL"], route=CvxpyRoute())``.
    """

    name: str
    interior_point: bool
    defaults: Mapping[str, Any] = field(default_factory=dict)
    time_limit_option: str | None = None
    needs_licence: bool = False
    route: Any = field(default_factory=CvxpyRoute)


SOLVERS: dict[str, SolverSpec] = {
    spec.name: spec
    for spec in (
        SolverSpec(
            "IPM",
            interior_point=True,
            defaults={"tol": 1e-9, "max_iter": 100},
            time_limit_option="time_limit",
            route=IPMRoute(),
        ),
        SolverSpec(
            "CLARABEL",
            interior_point=True,
            defaults={"max_iter": 300},
            time_limit_option="time_limit",
            route=ClarabelRoute(),
        ),
        SolverSpec(
            "SCS",
            interior_point=False,
            defaults={"eps_abs": 1e-8, "eps_rel": 1e-8, "max_iters": 100_000},
            time_limit_option="time_limit_secs",
        ),
        SolverSpec("MOSEK", interior_point=True, needs_licence=True, time_limit_option="MSK_DPAR_OPTIMIZER_MAX_TIME"),
        SolverSpec("CVXOPT", interior_point=True, defaults={"abstol": 1e-9, "reltol": 1e-9, "feastol": 1e-9}),
        SolverSpec("SDPA", interior_point=True),
        # COPT runs without a licence with size limits for non-commercial use; beyond them it
        # reports an error, which becomes SOLVER_ERROR and lets the default rule fall back.
        SolverSpec("COPT", interior_point=True, time_limit_option="TimeLimit"),
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


_LICENCE_CHECKS = {"MOSEK": _mosek_licensed}


def _cvxpy_installed() -> set[str]:
    import cvxpy  # noqa: PLC0415 - the registry and the cvxpy route are the modules that import cvxpy

    return set(cvxpy.installed_solvers())


def available_solvers() -> list[str]:
    """SDP solvers that are installed (and licensed, where a licence is needed), registry order."""
    installed = _cvxpy_installed() | {"IPM"}
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
    if key in SOLVERS and SOLVERS[key].route.usable_without_cvxpy:
        return SOLVERS[key]  # usable without asking cvxpy (whose solver probe costs milliseconds)
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


def _module_present(name: str) -> bool:
    # an imported module is present: no search of the path
    return sys.modules.get(name) is not None or importlib.util.find_spec(name) is not None


def check_solver_options(spec: SolverSpec, options: Mapping[str, Any]) -> None:
    """Raise :class:`InvalidOptionError` for ``solver_options`` that ``spec``'s solver would reject.

    Names and values are checked for the built-in IPM, names for CLARABEL (its settings object
    lists them); other solvers receive the options unchecked and report their own errors as a
    SOLVER_ERROR status.
    """
    spec.route.check_options(options)


def default_solver_chain(num_moments: int, matrix_size: int) -> list[SolverSpec]:
    """Solvers to try, in order, under the ``solver=None`` rule (see the module docstring).

    cvxpy is imported (about a second) only when a licensed MOSEK or COPT is present: otherwise the
    chain starts with IPM, and CLARABEL and SCS, core dependencies, are listed by their modules;
    cvxpy loads only when an SCS fallback actually runs (CLARABEL is called directly).
    """
    if not ((_module_present("mosek") and _LICENCE_CHECKS["MOSEK"]()) or _module_present("coptpy")):
        chain = [SOLVERS["IPM"]]
        if _module_present("clarabel") and matrix_size <= CLARABEL_MAX_MATRIX:
            chain.append(SOLVERS["CLARABEL"])
        if _module_present("scs"):
            chain.append(SOLVERS["SCS"])
        return chain
    usable = available_solvers()
    chain = []
    if "MOSEK" in usable:
        chain.append(SOLVERS["MOSEK"])
    if "COPT" in usable and num_moments <= COPT_MAX_MOMENTS:
        chain.append(SOLVERS["COPT"])
    chain.append(SOLVERS["IPM"])
    if "CLARABEL" in usable and matrix_size <= CLARABEL_MAX_MATRIX:
        chain.append(SOLVERS["CLARABEL"])
    if "SCS" in usable:
        chain.append(SOLVERS["SCS"])
    return chain
