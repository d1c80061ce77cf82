"""Result types of :func:`momentsos.minimize`: a fixed schema, never printed, never raised."""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from .certify.atoms import Atom
from .certify.extraction import ExtractionOutcome
from .certify.flatness import FlatnessReport
from .certify.proof import Proof
from .certify.sos import SOSCertificate
from .certify.verified import VerifiedBound
from .problem import PolyProblem
from .relax.maps import MomentMatrix
from .relax.report import SparsityReport

__all__ = ["Status", "Atom", "SolverStats", "OrderRecord", "PolyOptResult", "status_message"]


class Status(enum.Enum):
    """Outcome of a Moment-SOS solve.

    CERTIFIED: flat truncation, every extracted atom feasible within ``feas_tol`` and with objective
    within ``gap_tol`` of the bound: the bound is the global minimum and the atoms are minimizers.
    BOUND_ONLY: an accurate solve; ``lower_bound`` is a valid lower bound, but no certificate.
    INFEASIBLE: the relaxation is infeasible, hence so is the problem.
    UNBOUNDED: the relaxation is unbounded below (the problem may or may not be).
    INACCURATE: the solver stopped short of its tolerances; numbers are reported, never certified.
    SOLVER_ERROR: the solver failed or hit a limit.
    """

    CERTIFIED = "certified"
    BOUND_ONLY = "bound_only"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INACCURATE = "inaccurate"
    SOLVER_ERROR = "solver_error"


_MESSAGES: dict[tuple[Status, str], str] = {
    (Status.CERTIFIED, ""): "Global minimum certified: flat truncation and every extracted minimizer verified.",
    (Status.CERTIFIED, "flat_cliques"): "Global minimum certified: every clique's moment matrix is flat and the "
    "minimizers glued along the clique tree are verified on the whole problem.",
    (Status.CERTIFIED, "first_moments"): "Global minimum certified: the point read off the first-order moments of "
    "the sparse relaxation (refined locally) is feasible and attains the lower bound; no flatness test was used.",
    (Status.BOUND_ONLY, "not_flat"): "Lower bound only: the moment matrix is not flat at this order; try a higher order.",
    (Status.BOUND_ONLY, "rank_ambiguous"): "Lower bound only: the numerical rank of the moment matrix is ambiguous.",
    (Status.BOUND_ONLY, "not_zero_dimensional"): "Lower bound only: extraction found no finite set of minimizers.",
    (Status.BOUND_ONLY, "no_valid_weights"): "Lower bound only: extracted points do not reproduce the moments with positive weights.",
    (Status.BOUND_ONLY, "atoms_infeasible"): "Lower bound only: extracted points violate a constraint or miss the bound by more than gap_tol.",
    (Status.BOUND_ONLY, "not_attempted"): "Lower bound only: certification was not attempted (certify=False).",
    (Status.INFEASIBLE, ""): "The relaxation is infeasible, so the problem is infeasible.",
    (Status.UNBOUNDED, ""): "The relaxation is unbounded below; add a bound (e.g. a ball constraint) or raise the order.",
    (Status.INACCURATE, ""): "The solver returned an inaccurate solution: the bound is approximate and not certified.",
    (Status.INACCURATE, "large_moments"): "Moments are very large: the relaxation may be unbounded; add a ball constraint.",
    (Status.INACCURATE, "residual_far"): (
        "The SOS certificate's residual is not small where the solve puts its mass (large moments, or minimizers "
        "far from the origin): the solve is inaccurate, typical of an infimum that is not attained; the bound is "
        "approximate."
    ),
    (Status.INACCURATE, "bound_exceeded"): (
        "A feasible extracted point lies below the reported lower bound: the solve is inaccurate and the bound invalid."
    ),
    (Status.SOLVER_ERROR, ""): "The SDP solver failed or hit a limit; no bound is available. If the problem has no "
    "bounded feasible set, the relaxation may be unbounded: add a (redundant) ball constraint.",
}


def status_message(status: Status, reason: str = "") -> str:
    """The one message table, keyed by status and reason (falls back to the status alone)."""
    return _MESSAGES.get((status, reason)) or _MESSAGES.get((status, ""), status.value)


@dataclass(frozen=True)
class SolverStats:
    """Solver name, raw status, iteration count and the time spent in each stage (seconds)."""

    name: str
    raw_status: str
    num_iters: int | None
    build_time: float
    compile_time: float
    solve_time: float
    extraction_time: float
    tried: tuple[str, ...] = ()

    @property
    def overhead_fraction(self) -> float:
        """Share of the total spent outside the solver (build + compile + extraction)."""
        outside = self.build_time + self.compile_time + self.extraction_time
        total = outside + self.solve_time
        return outside / total if total > 0 else 0.0


@dataclass(frozen=True)
class OrderRecord:
    """One visited order of the hierarchy: its status, bound and ranks."""

    order: int
    status: Status
    lower_bound: float | None
    ranks: tuple[int, ...] | None
    solve_time: float


@dataclass(frozen=True)
class PolyOptResult:
    """Result of :func:`momentsos.minimize` (a field that does not apply is ``None``).

    Attributes
    ----------
    status : Status
    message : str
    lower_bound : float or None
        Relaxation value: a valid lower bound on the minimum when the solve is accurate.
    upper_bound : float or None
        Best objective value at a feasible extracted atom.
    gap : float or None
        ``|upper_bound - lower_bound| / max(1, |upper_bound|)``.
    x : ndarray or None
        The best minimizer, aligned with ``variables``.
    atoms : tuple of Atom
        Every extracted point (possibly several global minimizers).
    order : int
        The relaxation order of this result.
    variables : tuple of sympy Symbol
    flatness : FlatnessReport or None
    extraction : ExtractionOutcome
    moment_matrix : MomentMatrix or None
    solver : SolverStats
    problem : PolyProblem
    hierarchy : tuple of OrderRecord
        Every order visited by the driver, this one last.
    minimizers_complete : bool
        False when the certificate came from the minimum-trace re-solve on the optimal face
        (``low_rank`` option): the atoms are global minimizers but others may exist.
    sparsity : SparsityReport or None
        Which sparsity the relaxation exploited (cliques, blocks, TSSOS step, per-clique ranks);
        None for ``sparsity="none"``.
    certificate : SOSCertificate or None
        The dual side: ``objective - bound`` written as ``sigma_0 + sum_j g_j sigma_j + sum_i h_i p_i``
        plus an explicit residual polynomial (:mod:`momentsos.certify.sos`); None when the solver returned
        no dual matrices.
    verified_lower_bound : float or None
        A float provably below the minimum (over the feasible set, within the box when one was
        given): :mod:`momentsos.certify.verified`. It trusts nothing the solver claims, so it holds for an
        INACCURATE solve too. None when no box is known or there is no certificate;
        ``verification.reason`` says why.
    verification : VerifiedBound or None
        The details: box, the certificate's bound, and what the residual and the PSD projection cost.
    proof : Proof or None
        For a CERTIFIED answer whose SOS certificate could be made exact: the proof that
        :func:`momentsos.check_proof` re-checks in rational arithmetic (then ``lower_bound`` is its
        bound rounded down and ``upper_bound`` the exact value at the best point rounded up).
    proof_note : str
        Why a CERTIFIED answer carries no exact proof (empty otherwise).
    """

    status: Status
    message: str
    lower_bound: float | None
    upper_bound: float | None
    gap: float | None
    x: NDArray[np.float64] | None
    atoms: tuple[Atom, ...]
    order: int
    variables: tuple[sp.Symbol, ...]
    flatness: FlatnessReport | None
    extraction: ExtractionOutcome
    moment_matrix: MomentMatrix | None = field(repr=False)
    solver: SolverStats = field(repr=False)
    problem: PolyProblem = field(repr=False)
    hierarchy: tuple[OrderRecord, ...] = ()
    minimizers_complete: bool = True
    sparsity: SparsityReport | None = None
    certificate: SOSCertificate | None = field(default=None, repr=False)
    verified_lower_bound: float | None = None
    verification: VerifiedBound | None = field(default=None, repr=False)
    proof: Proof | None = field(default=None, repr=False)
    proof_note: str = ""

    @property
    def success(self) -> bool:
        """Whether the status is CERTIFIED."""
        return self.status is Status.CERTIFIED

    @property
    def minimizers(self) -> list[NDArray[np.float64]]:
        """The points of all atoms."""
        return [a.point for a in self.atoms]

    def __repr__(self) -> str:
        def num(v: float | None) -> str:
            return "None" if v is None else f"{v:.10g}"

        names = ", ".join(map(str, self.variables))
        lines = [
            f"     message: {self.message}",
            f"      status: {self.status.name}",
            f" lower_bound: {num(self.lower_bound)}",
            f" upper_bound: {num(self.upper_bound)}",
        ]
        if self.verification is not None:
            lines.append(
                f" verified_lb: {num(self.verified_lower_bound)}"
                + (f" ({self.verification.reason})" if self.verification.reason else "")
            )
        if self.status is Status.CERTIFIED:
            lines.append("       proof: " + ("exact (check_proof re-checks it)" if self.proof is not None else self.proof_note))
        lines += [
            f"         gap: {'None' if self.gap is None else f'{self.gap:.2e}'}",
            f"   variables: ({names})",
            f"           x: {None if self.x is None else np.array2string(self.x, precision=8)}",
        ]
        if len(self.atoms) > 1:
            for i, a in enumerate(self.atoms):
                lines.append(
                    f"    atom {i:>3}: {np.array2string(a.point, precision=8)} weight {a.weight:.4f} "
                    f"f {a.objective:.8g} violation {a.violation:.1e}"
                )
        ranks = "None" if self.flatness is None else str(list(self.flatness.ranks))
        flat = "" if self.flatness is None else f" (flat at t = {list(self.flatness.flat_orders) or 'none'})"
        lines += [
            f"       order: {self.order}",
            f"       ranks: {ranks}{flat}",
            f"  extraction: {self.extraction.value}",
            f"      solver: {self.solver.name} ({self.solver.raw_status}, {self.solver.num_iters} iterations)"
            + (f"; tried {' -> '.join(self.solver.tried)}" if len(self.solver.tried) > 1 else ""),
            f"       times: build {self.solver.build_time:.3f} s, compile {self.solver.compile_time:.3f} s, "
            f"solve {self.solver.solve_time:.3f} s, extraction {self.solver.extraction_time:.3f} s",
        ]
        if self.sparsity is not None:
            sp_ = self.sparsity
            step = "" if sp_.term_step is None else f", TSSOS step {sp_.term_step}{' (fixed point)' if sp_.fixed_point else ''}"
            lines.append(
                f"    sparsity: {sp_.used} (requested {sp_.requested}){step}; cliques {list(sp_.clique_sizes)}, "
                f"largest block {sp_.largest_block}, {sp_.num_moments} of {sp_.dense_num_moments} moments"
            )
        if len(self.hierarchy) > 1:
            visited = ", ".join(f"k={r.order}: {r.status.name} {num(r.lower_bound)}" for r in self.hierarchy)
            lines.append(f"   hierarchy: {visited}")
        return "\n".join(lines)

    __str__ = __repr__

    # -- saving and loading: thin wrappers of momentsos.serialization ------------------------------
    def to_dict(self, metadata: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Every field as plain JSON values (enums as strings, arrays as lists, the proof as its JSON
        object), under ``{"format": "momentsos.PolyOptResult", "version": 1}``: see
        :mod:`momentsos.serialization`. ``metadata`` (any JSON-able mapping) is stored as given."""
        from .serialization import result_to_dict  # noqa: PLC0415 - serialization imports this module

        return result_to_dict(self, metadata)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PolyOptResult:
        """The result :meth:`to_dict` wrote; :class:`~momentsos.ResultFormatError` for another format
        or version."""
        from .serialization import result_from_dict  # noqa: PLC0415

        return result_from_dict(data)

    def save(self, path: str | os.PathLike[str], metadata: Mapping[str, Any] | None = None) -> Path:
        """Write :meth:`to_dict` to ``path`` as JSON (floats exact); returns the path."""
        from .serialization import save_result  # noqa: PLC0415

        return save_result(self, path, metadata)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PolyOptResult:
        """The result saved by :meth:`save`; its ``proof``, if any, still passes :func:`momentsos.check_proof`."""
        from .serialization import load_result  # noqa: PLC0415

        return load_result(path)
