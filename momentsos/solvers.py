"""SDP solver registry: availability, option normalisation, one status map and the default rule.

Solver names are cvxpy's strings, plus ``"IPM"`` for the interior-point method built into
momentsos (:mod:`momentsos.ipm`, numpy and scipy only, always available). CLARABEL is called
through its own Python API (:mod:`momentsos.clarabel_direct`: the same conic problem cvxpy would
emit, without its few milliseconds of compilation); every other named solver goes through cvxpy. Solver packages are imported lazily, only to check a licence.
Defaults are tightened where extraction needs it: atoms are read off the moments, so a solver that
stops at cvxpy's default accuracy (1e-5 for SCS) leaves rank gaps too shallow to see.

Default rule (``solver=None``), from the measurements of ``python -m momentsos.bench`` (timings) and
``python -m momentsos.bench --named`` (certified answers on the named problems), recorded in the
README: try, in order, and fall back to the next when a solve ends INACCURATE or in an error,

1. MOSEK, when licensed (interior point, the reference solver of GloptiPoly users);
2. COPT, when installed (``pip install momentsos[copt]``) and the relaxation has at most
   ``COPT_MAX_MOMENTS`` moments (the limit of its free size-limited mode);
3. IPM, the primal-dual interior-point method built into momentsos (:mod:`momentsos.ipm`): no
   compilation step, a Schur complement assembled from the sparse maps, accurate to 1e-9 on most
   relaxations and several times faster than CLARABEL on the network problems;
4. CLARABEL, when the moment matrix has at most ``CLARABEL_MAX_MATRIX`` rows: accurate where it
   converges, but it factors a dense block of size ``s(s+1)/2`` per PSD cone (cost ~ ``s**6``) and
   stops "optimal_inaccurate" on many degenerate relaxations;
5. SCS with tight tolerances (``eps = 1e-8``; 1e-9 doubles the iterations and often hits the
   limit): first-order, cheap per iteration, accurate enough for extraction when it converges,
   slow on degenerate network problems.

Without a ``time_limit`` option, each fallback gets ``max(10 s, 3 x`` the first attempt's wall time``)``
(``momentsos.solve.FALLBACK_*``); when every solver falls short, the first INACCURATE answer in chain
order is returned (the interior-point answers come first and are, as a rule, the more accurate).

SDPA (sdpa-python) and CVXOPT are reachable by name but not in the chain: on the named problems
they certified 3 and 4 of 11 (SDPA stops with "primal < dual" warnings; CVXOPT fails with singular
KKT systems on rank-deficient relaxations).
"""

from __future__ import annotations

import enum
import functools
import importlib.util
import sys
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from .errors import InvalidOptionError, SolverUnavailableError

__all__ = ["SolverSpec", "SolverStatus", "SOLVERS", "available_solvers", "resolve_solver", "map_status", "default_solver_chain",
           "check_solver_options"]

CLARABEL_MAX_MATRIX = 70
COPT_MAX_MOMENTS = 2000


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
    # an "inaccurate" infeasibility or unboundedness claim is not a claim: COPT, for one, reports a
    # time limit as infeasible_inaccurate
    "infeasible_inaccurate": SolverStatus.ERROR,
    "unbounded": SolverStatus.UNBOUNDED,
    "unbounded_inaccurate": SolverStatus.ERROR,
    "solver_error": SolverStatus.ERROR,
    "user_limit": SolverStatus.ERROR,
    "infeasible_or_unbounded": SolverStatus.ERROR,
}


def map_status(cvxpy_status: str | None) -> SolverStatus:
    """Map a cvxpy status string to :class:`SolverStatus` (unknown strings are errors)."""
    return _STATUS_MAP.get(str(cvxpy_status), SolverStatus.ERROR)


@dataclass(frozen=True)
class SolverSpec:
    """Capabilities and tight default options of one SDP solver.

    ``native`` marks the solver built into momentsos (:mod:`momentsos.ipm`), which takes the
    relaxation's sparse maps directly; ``direct`` a solver fed its conic data through its own API
    (CLARABEL, :mod:`momentsos.clarabel_direct`); every other solver is reached through cvxpy. The
    cvxpy route of a direct solver stays reachable for comparisons:
    ``relaxation.solve(dataclasses.replace(SOLVERS["CLARABEL"], direct=False))``.
    """

    name: str
    interior_point: bool
    defaults: Mapping[str, Any] = field(default_factory=dict)
    time_limit_option: str | None = None
    needs_licence: bool = False
    native: bool = False
    direct: bool = False


SOLVERS: dict[str, SolverSpec] = {
    spec.name: spec
    for spec in (
        SolverSpec(
            "IPM",
            interior_point=True,
            defaults={"tol": 1e-9, "max_iter": 100},
            time_limit_option="time_limit",
            native=True,
        ),
        SolverSpec(
            "CLARABEL",
            interior_point=True,
            defaults={"max_iter": 300},
            time_limit_option="time_limit",
            direct=True,
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
    import cvxpy  # noqa: PLC0415 - solvers.py is one of the two modules allowed to import cvxpy

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
    if key in SOLVERS and (SOLVERS[key].native or (SOLVERS[key].direct and _module_present(key.lower()))):
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
    # an imported module is present: no search of the path (find_spec costs ~10 us a call)
    return sys.modules.get(name) is not None or importlib.util.find_spec(name) is not None


_IPM_OPTIONS = {
    "tol": "a positive finite number",
    "gap_tol": "a positive finite number",
    "max_iter": "an integer >= 1",
    "time_limit": "seconds > 0",
}


def _valid_ipm_value(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if key == "max_iter":
        return isinstance(value, (int, np.integer)) and value >= 1
    return isinstance(value, (int, float, np.integer, np.floating)) and bool(value > 0) and (
        key == "time_limit" or bool(np.isfinite(value))
    )


def _clarabel_settings() -> set[str]:
    import clarabel  # noqa: PLC0415 - lazy on purpose

    return {a for a in dir(clarabel.DefaultSettings()) if not a.startswith("_") and a != "default"}


def check_solver_options(spec: SolverSpec, options: Mapping[str, Any]) -> None:
    """Raise :class:`InvalidOptionError` for ``solver_options`` that ``spec``'s solver would reject.

    Names and values are checked for the built-in IPM, names for CLARABEL (its settings object
    lists them); other solvers receive the options unchecked and report their own errors as a
    SOLVER_ERROR status.
    """
    if spec.native:
        for key, value in options.items():
            if key not in _IPM_OPTIONS:
                raise InvalidOptionError(
                    f"Invalid option `solver_options`: {key!r} (= {value!r}) is not an option of IPM; "
                    f"allowed: {', '.join(map(repr, _IPM_OPTIONS))}"
                )
            if not _valid_ipm_value(key, value):
                raise InvalidOptionError(
                    f"Invalid option `solver_options[{key!r}]={value!r}` for IPM: expected {_IPM_OPTIONS[key]}"
                )
    elif spec.name == "CLARABEL":
        unknown = sorted(set(options) - _clarabel_settings())
        if unknown:
            raise InvalidOptionError(
                f"Invalid option `solver_options`: {', '.join(f'{k!r} (= {options[k]!r})' for k in unknown)} "
                "not a CLARABEL setting; see clarabel.DefaultSettings() for the allowed names"
            )


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
