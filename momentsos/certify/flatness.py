"""Flat truncation: the rank test that says where the moment relaxation is exact.

For a moment matrix of order ``k`` and the shift ``d = max(1, max_j ceil(deg g_j / 2))``, the
truncation at ``t`` is *flat* when ``rank M_t(y) = rank M_{t-d}(y)`` for some ``t`` in ``[d, k]``
(Curto-Fialkow; Lasserre 2009, Thm 6.18; GloptiPoly 3). Flatness says that ``y`` truncated at
``2t`` has an atomic representing measure with ``rank M_t`` atoms in the feasible set; evaluating
those atoms (:mod:`momentsos.certify.atoms`) turns it into a certificate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ..relax.maps import MomentMatrix
from .rank import LargestGapRank, RankCheck, RankDecision, singular_values

__all__ = ["FlatnessReport", "check_flatness"]


@dataclass(frozen=True)
class FlatnessReport:
    """Ranks of the truncations ``M_0 .. M_k`` and the orders ``t`` where the truncation is flat.

    Attributes
    ----------
    ranks : tuple of int
        ``ranks[t]`` is the numerical rank of ``M_t``.
    doubts : tuple of float
        The doubt of each rank decision (0 clean cut .. 1 no visible gap).
    singular_values : tuple of ndarray
        The singular values of each truncation, descending.
    shift : int
        The shift ``d`` in ``rank M_t = rank M_{t-d}``.
    flat_orders : tuple of int
        Every ``t`` in ``[d, k]`` that passes the test, ascending.
    """

    ranks: tuple[int, ...]
    doubts: tuple[float, ...]
    singular_values: tuple[NDArray[np.float64], ...] = field(repr=False)
    shift: int
    flat_orders: tuple[int, ...]

    @property
    def is_flat(self) -> bool:
        return bool(self.flat_orders)

    @property
    def rank(self) -> int | None:
        """Rank at the first flat order (the number of atoms), or None when not flat."""
        return self.ranks[self.flat_orders[0]] if self.flat_orders else None


def check_flatness(moment_matrix: MomentMatrix, shift: int, rank_check: RankCheck | None = None) -> FlatnessReport:
    """Run the flat-truncation test on every ``t`` in ``[shift, order]``.

    Parameters
    ----------
    moment_matrix : MomentMatrix
        The numeric moment matrix of order ``k``.
    shift : int
        ``d = max(1, max_j ceil(deg g_j / 2))``.
    rank_check : RankCheck, optional
        Rank strategy; :class:`~momentsos.certify.rank.LargestGapRank` by default.
    """
    rank_check = rank_check or LargestGapRank()
    decisions: list[RankDecision] = []
    svs = []
    for t in range(moment_matrix.order + 1):
        sv = singular_values(moment_matrix.truncation(t))
        svs.append(sv)
        decisions.append(rank_check(sv))
    ranks = tuple(d.rank for d in decisions)
    flat = tuple(
        t
        for t in range(shift, moment_matrix.order + 1)
        if ranks[t] == ranks[t - shift] and ranks[t] > 0
    )
    return FlatnessReport(
        ranks=ranks,
        doubts=tuple(d.doubt for d in decisions),
        singular_values=tuple(svs),
        shift=shift,
        flat_orders=flat,
    )
