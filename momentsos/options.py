"""Options of :func:`momentsos.minimize`: one frozen record, validated once at the boundary."""

from __future__ import annotations

DEFAULT_FEAS_TOL = 1e-6
"""Scaled constraint violation allowed at a certified atom."""

DEFAULT_GAP_TOL = 1e-6
"""Relative gap allowed between a certified atom's objective and the lower bound."""

DEFAULT_MAX_ORDER_STEPS = 2
"""With ``order=None`` and no ``max_order``, the climb visits ``k0, k0 + 1, k0 + 2``."""
