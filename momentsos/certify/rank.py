"""Numerical rank decisions for moment matrices.

The rank of a numerically computed moment matrix is a decision, not a fact: a solver accurate to
1e-8 leaves "zero" singular values around 1e-8 while genuine ones can be 1e-4 for badly scaled
atoms. Each strategy below turns a vector of singular values (descending) into a
:class:`RankDecision` holding the rank and a ``doubt`` in [0, 1]: the ratio of the singular values
on both sides of the cut (0 = a clean cut, 1 = no visible drop).

Prefer :class:`LargestGapRank` (the default) when the scale of the atoms is unknown: real profiles
drop by 4-6 orders of magnitude at the true rank, wherever that drop sits. Prefer
:class:`RelativeRankTol` when the solver accuracy is known and the matrix is well scaled.
:class:`AbsoluteRankTol` exists for moment matrices that were rescaled beforehand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["RankDecision", "RankCheck", "AbsoluteRankTol", "RelativeRankTol", "LargestGapRank", "singular_values"]


@dataclass(frozen=True)
class RankDecision:
    """Outcome of a rank check: ``rank`` and the ``doubt`` of the cut (0 clean .. 1 no gap)."""

    rank: int
    doubt: float


class RankCheck(Protocol):
    """A rank strategy: maps descending singular values to a :class:`RankDecision`."""

    def __call__(self, singular_values: ArrayLike) -> RankDecision: ...


def singular_values(matrix: ArrayLike) -> NDArray[np.float64]:
    """Singular values of a symmetric matrix, descending (eigenvalue magnitudes, clipped at 0)."""
    mat = np.asarray(matrix, dtype=np.float64)
    if mat.size == 0:
        return np.zeros(0)
    return np.linalg.svd(0.5 * (mat + mat.T), compute_uv=False)


def _doubt(sv: NDArray[np.float64], rank: int) -> float:
    if rank == 0 or rank >= sv.size:
        return 0.0 if rank == 0 or sv.size == 0 else float(min(1.0, sv[-1] / sv[0])) if sv[0] > 0 else 0.0
    return float(sv[rank] / sv[rank - 1]) if sv[rank - 1] > 0 else 0.0


def _validate(values: ArrayLike) -> NDArray[np.float64]:
    sv = np.asarray(values, dtype=np.float64).reshape(-1)
    if np.any(~np.isfinite(sv)) or np.any(sv < 0):
        raise ValueError(f"singular values must be finite and non-negative; got {sv}")
    return np.sort(sv)[::-1]


@dataclass(frozen=True)
class AbsoluteRankTol:
    """Rank = number of singular values above ``rank_tol``.

    Examples
    --------
    >>> AbsoluteRankTol(1e-6)([3.0, 1e-3, 1e-9]).rank
    2
    """

    rank_tol: float = 1e-6

    def __call__(self, singular_values: ArrayLike) -> RankDecision:
        sv = _validate(singular_values)
        rank = int(np.sum(sv > self.rank_tol))
        return RankDecision(rank, _doubt(sv, rank))


@dataclass(frozen=True)
class RelativeRankTol:
    """Rank = number of singular values above ``rank_tol * s_1`` (TSSOS-style, leading-relative).

    Examples
    --------
    >>> RelativeRankTol(1e-6)([10.0, 2.0, 3e-7, 1e-9]).rank
    2
    """

    rank_tol: float = 1e-6

    def __call__(self, singular_values: ArrayLike) -> RankDecision:
        sv = _validate(singular_values)
        if sv.size == 0 or sv[0] == 0:
            return RankDecision(0, 0.0)
        rank = int(np.sum(sv > self.rank_tol * sv[0]))
        return RankDecision(rank, _doubt(sv, rank))


@dataclass(frozen=True)
class LargestGapRank:
    """Rank = position of the largest relative drop ``s_{r+1} / s_r``, if it is below ``ratio_tol``.

    Singular values below ``zero_tol * s_1`` are treated as exact zeros (they can only lower the
    rank). When no drop is sharper than ``ratio_tol`` the matrix is taken as full rank and the doubt
    is the sharpest ratio seen.

    Examples
    --------
    A clean rank-2 profile, and a profile whose largest drop is too shallow to trust:

    >>> LargestGapRank()([1.0, 0.3, 2e-9, 1e-9]).rank
    2
    >>> d = LargestGapRank()([1.0, 0.3, 0.05, 0.01]); (d.rank, round(d.doubt, 3))
    (4, 0.167)
    """

    ratio_tol: float = 1e-3
    zero_tol: float = 1e-13

    def __call__(self, singular_values: ArrayLike) -> RankDecision:
        sv = _validate(singular_values)
        if sv.size == 0 or sv[0] == 0:
            return RankDecision(0, 0.0)
        clipped = np.maximum(sv, self.zero_tol * sv[0])
        if sv.size == 1:
            return RankDecision(1, 0.0)
        ratios = clipped[1:] / clipped[:-1]
        cut = int(np.argmin(ratios))
        if ratios[cut] <= self.ratio_tol:
            return RankDecision(cut + 1, float(ratios[cut]))
        return RankDecision(int(sv.size), float(ratios[cut]))
