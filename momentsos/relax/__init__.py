"""Relaxations: problem + order -> an SDP in moment form.

Moment and localizing matrices as sparse linear maps of the moment vector
(:mod:`~momentsos.relax.maps`), the dense relaxation (:mod:`~momentsos.relax.dense`), the PSD
blocks of sparse ones (:mod:`~momentsos.relax.sparse`, from the graphs of
:mod:`~momentsos.relax.graphs` or the Newton basis of :mod:`~momentsos.relax.newton`), and the
strategies that choose among them (:mod:`~momentsos.relax.strategies`).
"""

from __future__ import annotations

from .dense import MomentRelaxation, check_relaxation_order
from .maps import MomentMatrix
from .report import SparsityReport
from .sparse import PSDBlock, SparseMomentRelaxation
from .strategies import Auto, Correlative, CorrelativeTerm, Dense, Newton, Strategy, Term, strategy_for

__all__ = [
    "MomentRelaxation", "SparseMomentRelaxation", "PSDBlock", "MomentMatrix", "SparsityReport", "check_relaxation_order",
    "Strategy", "Dense", "Correlative", "Term", "CorrelativeTerm", "Newton", "Auto", "strategy_for",
]
