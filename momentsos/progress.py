"""Progress of a climb: one report per solved relaxation, silent unless asked.

Every solved order is logged at INFO on the ``momentsos`` logger (Python shows INFO records only
where the application configured a handler, as the command line's ``-v`` does). With the option
``progress=True`` a tqdm bar over the planned orders is shown on standard error as well, its
postfix the last order's status and bound; without tqdm (an optional dependency) the same report is
written as one line per order on standard error.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

__all__ = ["ClimbProgress"]

logger = logging.getLogger("momentsos")


def _tqdm() -> Any:
    """tqdm's bar class, or None where tqdm is not installed."""
    try:
        from tqdm.auto import tqdm  # noqa: PLC0415 - optional
    except ImportError:
        return None
    return tqdm


class ClimbProgress:
    """Reports the relaxations of one climb over ``total`` planned orders (``show``: also on stderr)."""

    def __init__(self, total: int, show: bool) -> None:
        self.show = show
        self._bar: Any = None
        tqdm = _tqdm() if show else None
        if tqdm is not None:
            self._bar = tqdm(total=total, desc="minimize", unit="order", leave=False, file=sys.stderr)

    def solved(self, order: int, status: str, lower_bound: float | None, seconds: float) -> None:
        """One relaxation of ``order`` answered ``status`` with ``lower_bound`` after ``seconds``."""
        bound = "none" if lower_bound is None else f"{lower_bound:.10g}"
        line = f"order {order}: {status}, lower bound {bound} ({seconds:.2f} s)"
        logger.info(line)
        if self._bar is not None:
            self._bar.set_postfix_str(f"order {order} {status}", refresh=False)
            self._bar.update(1)
        elif self.show:
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
