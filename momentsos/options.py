"""Options of :func:`momentsos.minimize`: one frozen record, validated once at the boundary.

Every stage after the boundary reads typed attributes of :class:`Options`; nothing downstream
re-validates or patches them. The meaning of each field is documented on :func:`momentsos.minimize`.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass
from typing import Any, Callable, Literal, Mapping

import numpy as np

from .errors import InvalidOptionError

__all__ = [
    "Options", "MAX_GAP_TOL", "DEFAULT_FEAS_TOL", "DEFAULT_GAP_TOL", "DEFAULT_MAX_ORDER_STEPS", "DEFAULT_MOMENT_NORM_TOL",
    "SPARSITY_MODES", "CHORDAL_EXTENSIONS", "check_sparsity", "check_chordal_extension",
]

DEFAULT_FEAS_TOL = 1e-6
"""Scaled constraint violation allowed at a certified atom."""

DEFAULT_GAP_TOL = 1e-6
"""Relative gap allowed between a certified atom's objective and the lower bound."""

DEFAULT_MAX_ORDER_STEPS = 2
"""With ``order=None`` and no ``max_order``, the climb visits ``k0, k0 + 1, k0 + 2``."""

MAX_GAP_TOL = 1e-3
"""Largest ``gap_tol`` accepted: a looser one would certify points that are visibly not minimal."""

DEFAULT_MOMENT_NORM_TOL = 1e6
"""Moments larger than this flag a possibly unbounded relaxation."""

MINIMIZE_PARAMETERS = ("objective", "inequalities", "equalities", "variables", "order", "solver")
"""The named parameters of :func:`momentsos.minimize` beside its options (for "did you mean")."""

SparsityMode = Literal["none", "auto", "correlative", "term", "both", "newton"]
SPARSITY_MODES: tuple[str, ...] = ("none", "auto", "correlative", "term", "both", "newton")
CHORDAL_EXTENSIONS: tuple[str, ...] = ("min_degree", "maximal")


def check_sparsity(value: object) -> str:
    """Normalise the ``sparsity`` option; raises :class:`InvalidOptionError` naming the allowed values."""
    if not isinstance(value, str) or value.lower() not in SPARSITY_MODES:
        raise InvalidOptionError(
            f"Invalid option `sparsity={value!r}`; allowed: {', '.join(map(repr, SPARSITY_MODES))}"
        )
    return value.lower()


def check_chordal_extension(value: object) -> str:
    """Normalise the ``chordal_extension`` option."""
    if not isinstance(value, str) or value.lower() not in CHORDAL_EXTENSIONS:
        raise InvalidOptionError(
            f"Invalid option `chordal_extension={value!r}`; allowed: {', '.join(map(repr, CHORDAL_EXTENSIONS))}"
        )
    return value.lower()


def _positive_number(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value <= 0:
        raise InvalidOptionError(f"Invalid option `{name}={value!r}`: expected a positive finite number")


def _check_rank_check(value: Any) -> None:
    """A rank strategy is probed once here, so that a wrong callable fails at the boundary."""
    if not callable(value):
        raise InvalidOptionError(
            f"Invalid option `rank_check={value!r}`: expected a RankCheck such as LargestGapRank()"
        )
    try:
        decision = value(np.array([1.0, 1e-12]))
    except Exception as exc:  # any failure of a user callable is a bad option
        raise InvalidOptionError(
            f"Invalid option `rank_check={value!r}`: calling it on singular values [1, 1e-12] "
            f"raised {type(exc).__name__}: {exc}; expected a RankCheck such as LargestGapRank()"
        ) from None
    if not isinstance(getattr(decision, "rank", None), (int, np.integer)):
        raise InvalidOptionError(
            f"Invalid option `rank_check={value!r}`: it returned {decision!r}, not a RankDecision "
            "with an integer `rank`; expected a RankCheck such as LargestGapRank()"
        )


@dataclass(frozen=True)
class Options:
    """The keyword options of :func:`momentsos.minimize`, validated on construction.

    Build it from keywords with :meth:`from_kwargs`, which names the allowed options when one is
    unknown; :func:`dataclasses.replace` re-validates.
    """

    max_order: int | None = None
    rank_check: Callable[..., Any] | None = None
    feas_tol: float = DEFAULT_FEAS_TOL
    gap_tol: float = DEFAULT_GAP_TOL
    pivot_tol: float = 1e-6
    moment_norm_tol: float = DEFAULT_MOMENT_NORM_TOL
    solver_options: Mapping[str, Any] | None = None
    time_limit: float | None = None
    seed: int = 0
    refine: bool = True
    low_rank: bool | str = True
    scale: bool = True
    verbose: bool = False
    progress: bool = False
    raise_on_failure: bool = False
    sparsity: str = "none"
    chordal_extension: str = "min_degree"
    term_steps: int | None = None
    box: Any = None
    verify: bool = True
    certify: bool = True

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_kwargs(cls, options: Mapping[str, Any]) -> Options:
        """Options from ``minimize``'s ``**options``; unknown names raise :class:`InvalidOptionError`."""
        allowed = cls.names()
        unknown = sorted(set(options) - set(allowed))
        if unknown:
            everything = (*MINIMIZE_PARAMETERS, *allowed)
            hints = [f"{k!r} -> {m[0]!r}" for k in unknown if (m := difflib.get_close_matches(k, everything, n=1, cutoff=0.6))]
            raise InvalidOptionError(
                f"Unknown option(s) for minimize: {', '.join(f'{k}={options[k]!r}' for k in unknown)}"
                + (f"; did you mean {', '.join(hints)}?" if hints else "")
                + f"; allowed: {', '.join(MINIMIZE_PARAMETERS)} and the options {', '.join(allowed)}"
            )
        return cls(**options)

    def __post_init__(self) -> None:
        for name in ("feas_tol", "gap_tol", "pivot_tol", "moment_norm_tol"):
            _positive_number(name, getattr(self, name))
        if self.gap_tol > MAX_GAP_TOL:
            raise InvalidOptionError(
                f"Invalid option `gap_tol={self.gap_tol!r}`: allowed 0 < gap_tol <= {MAX_GAP_TOL:g} (a relative "
                "gap between the proven bound and the best point's value in the problem's own units)"
            )
        limit = self.time_limit
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, float)) or not limit > 0):
            raise InvalidOptionError(f"Invalid option `time_limit={limit!r}`: expected seconds > 0 or None")
        if not (isinstance(self.low_rank, bool) or self.low_rank == "attained"):
            raise InvalidOptionError(f"Invalid option `low_rank={self.low_rank!r}`: expected True, False or 'attained'")
        if self.solver_options is not None and not isinstance(self.solver_options, dict):
            raise InvalidOptionError(
                f"Invalid option `solver_options={self.solver_options!r}`: expected a dict of solver keywords"
            )
        object.__setattr__(self, "sparsity", check_sparsity(self.sparsity))
        object.__setattr__(self, "chordal_extension", check_chordal_extension(self.chordal_extension))
        steps = self.term_steps
        if steps is not None and (isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1):
            raise InvalidOptionError(f"Invalid option `term_steps={steps!r}`: expected an integer >= 1 or None (to the fixed point)")
        if self.rank_check is not None:
            _check_rank_check(self.rank_check)
        for name in ("refine", "scale", "verbose", "progress", "raise_on_failure", "verify", "certify"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise InvalidOptionError(f"Invalid option `{name}={getattr(self, name)!r}`: expected True or False")
        seed = self.seed
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise InvalidOptionError(f"Invalid option `seed={seed!r}`: expected an integer >= 0")
