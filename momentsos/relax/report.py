"""What a relaxation exploited: the sparsity report attached to a relaxation and to its result."""

from __future__ import annotations

from dataclasses import dataclass
from math import comb
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # certification fills clique_flatness in; relax/ does not import certify/
    from ..certify.flatness import FlatnessReport
    from ..problem import PolyProblem

__all__ = ["SparsityReport", "dense_report"]


@dataclass(frozen=True)
class SparsityReport:
    """What sparsity a result used, on ``PolyOptResult.sparsity`` (None when ``sparsity="none"``).

    Attributes
    ----------
    requested : str
        The ``sparsity`` option as passed ("auto", "correlative", "term", "both" or "newton").
    used : str
        What the relaxation of this result exploited: "none", "correlative", "term", "both" or
        "newton" (one moment matrix over the Newton-reduced basis of :mod:`momentsos.relax.newton`).
    reason : str
        Why "auto" chose ``used`` (empty otherwise).
    chordal_extension : str
    cliques : tuple of tuple of int
        Variable cliques (indices into ``variables``); one clique of all variables without
        correlative sparsity.
    term_step : int or None
        The TSSOS step of this relaxation (1, 2, ...); None without term sparsity.
    fixed_point : bool or None
        Whether ``term_step`` is the fixed point of the support iteration.
    moment_blocks : tuple of int
        Sizes of the PSD blocks that replace the moment matrix (one per clique without term sparsity).
    localizing_blocks : tuple of int
        Sizes of the PSD blocks that replace the localizing matrices.
    num_moments, dense_num_moments : int
        Moments of this relaxation and of the dense one at the same order.
    clique_flatness : tuple of FlatnessReport or None
        The flat-truncation test of each clique's moment matrix (correlative sparsity alone); with
        "newton", the test of the leading block of the reduced moment matrix that is a full
        ``M_t(y)`` (every monomial of degree ``<= t`` in the reduced basis).
    overlap_consistent : bool or None
        Whether the atoms of neighbouring cliques agree on the shared variables.
    certified_by : str
        "flat_cliques" (flat clique moment matrices, atoms assembled along the clique tree and
        verified), "first_moments" (the point read off the first-order moments, refined and
        verified), "newton_flat" (a flat full leading block ``M_t`` of the Newton-reduced moment
        matrix, its atoms verified) or "" (not certified).
    """

    requested: str
    used: str
    reason: str
    chordal_extension: str
    cliques: tuple[tuple[int, ...], ...]
    term_step: int | None
    fixed_point: bool | None
    moment_blocks: tuple[int, ...]
    localizing_blocks: tuple[int, ...]
    num_moments: int
    dense_num_moments: int
    clique_flatness: tuple[FlatnessReport, ...] | None = None
    overlap_consistent: bool | None = None
    certified_by: str = ""

    @property
    def clique_sizes(self) -> tuple[int, ...]:
        return tuple(len(c) for c in self.cliques)

    @property
    def largest_block(self) -> int:
        return max((*self.moment_blocks, *self.localizing_blocks), default=0)

    def to_dict(self) -> dict[str, object]:
        return {
            "requested": self.requested, "used": self.used, "reason": self.reason,
            "chordal_extension": self.chordal_extension, "cliques": [list(c) for c in self.cliques],
            "term_step": self.term_step, "fixed_point": self.fixed_point,
            "moment_blocks": list(self.moment_blocks), "localizing_blocks": list(self.localizing_blocks),
            "num_moments": self.num_moments, "dense_num_moments": self.dense_num_moments,
            "clique_ranks": None if self.clique_flatness is None else [list(f.ranks) for f in self.clique_flatness],
            "overlap_consistent": self.overlap_consistent, "certified_by": self.certified_by,
        }


def dense_report(problem: PolyProblem, order: int, requested: str, reason: str, chordal_extension: str) -> SparsityReport:
    """The report of the dense relaxation of ``problem`` at ``order`` reached through ``sparsity="auto"``
    or "newton": one clique of all variables, the moment matrix and one block per inequality."""
    n = problem.nvars
    moments = comb(n + 2 * order, n)
    localizing = tuple(comb(n + order - (g.degree + 1) // 2, n) for g in problem.inequalities)
    return SparsityReport(
        requested, "none", reason, chordal_extension, (tuple(range(n)),), None, None,
        (comb(n + order, n),), localizing, moments, moments,
    )
