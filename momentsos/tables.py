"""Index tables cached for small sizes: the one memoisation pattern of the package.

Several stages need integer index arrays that depend on a size alone (the pairs of a basis, the
upper triangle of a block, the dense monomial rows). On small relaxations building them costs more
than the arithmetic that uses them, so they are cached; on large ones they are cheap next to that
arithmetic and would hold megabytes, so they are built afresh. Cached arrays are read-only, since
every caller shares them.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import numpy as np

__all__ = ["small_size_cache"]

F = TypeVar("F", bound=Callable[..., Any])


def _read_only(value: Any) -> Any:
    for array in value if isinstance(value, tuple) else (value,):
        if isinstance(array, np.ndarray):
            array.flags.writeable = False
    return value


def small_size_cache(small: Callable[..., bool], maxsize: int = 32) -> Callable[[F], F]:
    """Cache a function of sizes (hashable arguments) returning arrays, or a tuple of arrays, when
    ``small(*args)`` holds; the cached arrays are made read-only, the others are returned as built.

    Examples
    --------
    >>> @small_size_cache(lambda s: s <= 4)
    ... def squares(s):
    ...     return np.arange(s) ** 2
    >>> squares(3) is squares(3), squares(3).flags.writeable, squares(9) is squares(9)
    (True, False, False)
    """

    def decorate(build: F) -> F:
        cached = functools.lru_cache(maxsize=maxsize)(lambda *args: _read_only(build(*args)))

        @functools.wraps(build)
        def table(*args: Any) -> Any:
            return cached(*args) if small(*args) else build(*args)

        return table  # type: ignore[return-value]

    return decorate
