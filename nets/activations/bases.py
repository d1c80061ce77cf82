"""Function bases for learnable activations, evaluated in torch by three-term recurrences.

Conventions (stated here once)
------------------------------
A series activation of degree ``n`` is ``F(x) = sum_j c_j phi_j(x)`` where ``phi`` is the basis
vector of one of the bases below and the coefficient vector ``c`` is ordered like ``phi``:

``"hermite"``
    ``phi_k = He_k / k!`` for ``k = 0..n`` (probabilists' Hermite polynomials, normalised by ``k!``
    as in [KK25]).  ``He_k = x He_{k-1} - (k-1) He_{k-2}`` and ``phi_k' = phi_{k-1}``; under
    ``x ~ N(0, 1)`` the ``phi_k`` are orthogonal with ``E[phi_k^2] = 1/k!``.
``"monomial"``
    ``phi_k = x^k`` for ``k = 0..n``: ascending powers, the ``numpy.polynomial`` convention.
``"fourier"``
    ``phi = (1, cos(x)/1!, ..., cos(nx)/n!, sin(x)/1!, ..., sin(nx)/n!)``: ``2n + 1`` functions,
    cosines first.  ``cos(kx)`` and ``sin(kx)`` follow the Chebyshev recurrence in ``t = cos x``.

Every basis satisfies ``phi'(x) = D phi(x)`` for an exact matrix ``D`` (:meth:`Basis.derivative_matrix`),
which is what lets the custom backward in :mod:`nets.activations.functional` recompute everything from ``x``.

Change of basis between ``"hermite"`` and ``"monomial"`` coefficients is exact (rational arithmetic,
rounded once to float64): :func:`hermite_to_monomial`, :func:`monomial_to_hermite`.

References
----------
.. [KK25] I. Khalfaoui-Hassani, S. Kesselheim, "Polynomial, trigonometric, and tropical activations",
   ICLR 2026, arXiv:2502.01247.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from fractions import Fraction
from functools import lru_cache
from typing import Iterator

import numpy as np
import torch
from numpy.typing import NDArray

__all__ = [
    "Basis",
    "BASES",
    "get_basis",
    "check_degree",
    "hermite_to_monomial_matrix",
    "hermite_to_monomial",
    "monomial_to_hermite",
]


MAX_DEGREE = 100
"""Largest degree of an activation: the initialisations divide by ``k!``, which leaves double
precision near ``k = 170``, and a series of higher degree is numerically meaningless in float32."""


def check_degree(degree: object, *, name: str = "degree") -> int:
    """Validate a polynomial/trigonometric degree: an integer ``1 <= degree <= MAX_DEGREE`` (not bool)."""
    if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)):
        raise TypeError(f"`{name}` must be a positive int, got {degree!r} of type {type(degree).__name__}")
    if degree < 1:
        raise ValueError(f"`{name}` must be a positive int (>= 1), got {degree!r}")
    if degree > MAX_DEGREE:
        raise ValueError(f"`{name}` must be an int with 1 <= {name} <= {MAX_DEGREE}, got {degree!r}")
    return int(degree)


class Basis(ABC):
    """A basis ``phi`` of functions of one variable with an exact derivative matrix.

    Subclasses describe one or two three-term chains ``P_k = A_k t P_{k-1} - B_k P_{k-2}``; the
    generic code evaluates them with one fused ``addcmul`` per term by carrying signed rescaled
    terms ``R_k = rho_k P_k`` with ``rho_k = -rho_{k-2} / B_k``, so that
    ``R_k = R_{k-2} + (rho_k A_k / rho_{k-1}) t R_{k-1}``.
    """

    name: str = ""

    @abstractmethod
    def size(self, degree: int) -> int:
        """Number of basis functions (= coefficients) at ``degree``."""

    @abstractmethod
    def derivative_matrix(self, degree: int) -> NDArray[np.float64]:
        """``D`` with ``phi'(x) = D @ phi(x)``; shape ``(size, size)``."""

    @abstractmethod
    def raw_terms(self, x: torch.Tensor, degree: int, reuse: bool = True) -> Iterator[tuple[int, torch.Tensor]]:
        """Yield ``(row, R)`` with ``phi_row(x) = raw_scale(degree)[row] * R``.

        ``R`` may be a 0-dim tensor (a constant).  With ``reuse`` (eager mode) three buffers are
        recycled, so ``R`` is only valid until the next item and evaluation needs O(1) temporaries
        whatever the degree; ``reuse=False`` is purely functional (for ``torch.compile``).
        """

    @abstractmethod
    def raw_scale(self, degree: int) -> NDArray[np.float64]:
        """Factors turning the yielded raw terms into the basis functions."""

    def prepare(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Whole-tensor inputs of :meth:`raw_rows` computed once per call (default: none).

        Transcendental ATen ops split even small tensors across threads; called once on the whole
        input they pay that synchronisation once instead of once per block.
        """
        return ()

    @abstractmethod
    def raw_rows(self, x: torch.Tensor, degree: int, out: torch.Tensor, *prepared: torch.Tensor) -> torch.Tensor:
        """Write the non-constant raw terms ``R_1, ..., R_{size-1}`` of :meth:`raw_terms` into ``out``.

        ``out`` has shape ``(size - 1, *x.shape)`` (rows may be strided views of a larger buffer);
        row ``j`` receives ``R_{j+1}``, and ``R_0 = 1`` (every basis starts with the constant) is
        left to the caller; ``prepared`` are the matching blocks of :meth:`prepare`'s tensors.  Each recurrence step is one ``addcmul`` (or ``mul``) written in place,
        so filling the rows allocates nothing: the kernels of :mod:`nets.activations.functional`
        call this on cache-sized blocks and contract the rows with one matrix-vector product.
        Returns ``out``.
        """

    def evaluate(self, x: torch.Tensor, degree: int) -> torch.Tensor:
        """All basis functions at ``x``: tensor of shape ``(size, *x.shape)`` (memory-hungry; tests, fits)."""
        out = x.new_empty((self.size(degree), *x.shape))
        scale = self.raw_scale(degree)
        for row, term in self.raw_terms(x, degree, reuse=False):
            out[row] = term * float(scale[row])
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _signed_chain(
    t: torch.Tensor, p0: float, p1: torch.Tensor, a: list[float], b: list[float], degree: int, reuse: bool
) -> Iterator[tuple[torch.Tensor, float]]:
    """Yield ``(R_k, rho_k)``, k = 0..degree, for ``P_k = a[k] t P_{k-1} - b[k] P_{k-2}``; ``P_0 = p0``."""
    r_prev2 = t.new_full((), p0)
    r_prev1 = p1
    rho = [1.0, 1.0]
    yield r_prev2, 1.0
    yield r_prev1, 1.0
    buffers = [torch.empty_like(t) for _ in range(3)] if degree >= 2 and reuse else []
    scaled: dict[float, torch.Tensor] = {}  # functional mode: ``value * t`` once per distinct value
    for k in range(2, degree + 1):
        if b[k] == 0.0:
            rho.append(rho[k - 1])
            out = torch.mul(t, r_prev1, out=buffers[k % 3]) if reuse else torch.mul(t, r_prev1)
            if a[k] != 1.0:
                out = out.mul_(a[k])
        else:
            rho.append(-rho[k - 2] / b[k])
            value = rho[k] * a[k] / rho[k - 1]
            if reuse:
                out = torch.addcmul(r_prev2, t, r_prev1, value=value, out=buffers[k % 3])
            else:
                if value not in scaled:
                    scaled[value] = t * value
                out = r_prev2 + scaled[value] * r_prev1
        yield out, rho[k]
        r_prev2, r_prev1 = r_prev1, out


def _chain_rows(
    t: torch.Tensor, p0: float, a: list[float], b: list[float], degree: int, rows: torch.Tensor
) -> None:
    """Fill ``rows[1..degree-1]`` with ``R_2..R_degree`` of :func:`_signed_chain`; ``rows[0]`` holds ``R_1``."""
    rho = [1.0, 1.0]
    constant = t.new_full((), p0)
    for k in range(2, degree + 1):
        out = rows[k - 1]
        if b[k] == 0.0:
            rho.append(rho[k - 1])
            torch.mul(t, rows[k - 2], out=out)
            if a[k] != 1.0:
                out.mul_(a[k])
        else:
            rho.append(-rho[k - 2] / b[k])
            previous = constant if k == 2 else rows[k - 3]
            torch.addcmul(previous, t, rows[k - 2], value=rho[k] * a[k] / rho[k - 1], out=out)


class _HermiteBasis(Basis):
    name = "hermite"

    def size(self, degree: int) -> int:
        return degree + 1

    def derivative_matrix(self, degree: int) -> NDArray[np.float64]:
        return np.eye(degree + 1, k=-1)

    @staticmethod
    @lru_cache(maxsize=None)
    def _rho(degree: int) -> tuple[float, ...]:
        rho = [1.0, 1.0]
        for k in range(2, degree + 1):
            rho.append(-rho[k - 2] / (k - 1))
        return tuple(rho)

    def raw_terms(self, x: torch.Tensor, degree: int, reuse: bool = True) -> Iterator[tuple[int, torch.Tensor]]:
        a = [1.0] * (degree + 1)
        b = [0.0, 0.0] + [float(k - 1) for k in range(2, degree + 1)]
        for k, (term, _) in enumerate(_signed_chain(x, 1.0, x, a, b, degree, reuse)):
            yield k, term

    def raw_scale(self, degree: int) -> NDArray[np.float64]:
        rho = self._rho(degree)
        return np.array([1.0 / (rho[k] * math.factorial(k)) for k in range(degree + 1)])

    def raw_rows(self, x: torch.Tensor, degree: int, out: torch.Tensor, *prepared: torch.Tensor) -> torch.Tensor:
        out[0].copy_(x)
        b = [0.0, 0.0] + [float(k - 1) for k in range(2, degree + 1)]
        _chain_rows(x, 1.0, [1.0] * (degree + 1), b, degree, out)
        return out


class _MonomialBasis(Basis):
    name = "monomial"

    def size(self, degree: int) -> int:
        return degree + 1

    def derivative_matrix(self, degree: int) -> NDArray[np.float64]:
        return np.diag(np.arange(1.0, degree + 1), k=-1)

    def raw_terms(self, x: torch.Tensor, degree: int, reuse: bool = True) -> Iterator[tuple[int, torch.Tensor]]:
        a = [1.0] * (degree + 1)
        b = [0.0] * (degree + 1)
        for k, (term, _) in enumerate(_signed_chain(x, 1.0, x, a, b, degree, reuse)):
            yield k, term

    def raw_scale(self, degree: int) -> NDArray[np.float64]:
        return np.ones(degree + 1)

    def raw_rows(self, x: torch.Tensor, degree: int, out: torch.Tensor, *prepared: torch.Tensor) -> torch.Tensor:
        out[0].copy_(x)
        _chain_rows(x, 1.0, [1.0] * (degree + 1), [0.0] * (degree + 1), degree, out)
        return out


class _FourierBasis(Basis):
    name = "fourier"

    def size(self, degree: int) -> int:
        return 2 * degree + 1

    def derivative_matrix(self, degree: int) -> NDArray[np.float64]:
        # (cos kx / k!)' = -k sin kx / k!,  (sin kx / k!)' = k cos kx / k!
        d = np.zeros((2 * degree + 1, 2 * degree + 1))
        for k in range(1, degree + 1):
            d[k, degree + k] = -k
            d[degree + k, k] = k
        return d

    @staticmethod
    @lru_cache(maxsize=None)
    def _rho(degree: int) -> tuple[float, ...]:
        return tuple(1.0 if (k // 2) % 2 == 0 else -1.0 for k in range(degree + 1))

    def raw_terms(self, x: torch.Tensor, degree: int, reuse: bool = True) -> Iterator[tuple[int, torch.Tensor]]:
        t = torch.cos(x)
        a = [2.0] * (degree + 1)
        b = [1.0] * (degree + 1)
        for k, (term, _) in enumerate(_signed_chain(t, 1.0, t, a, b, degree, reuse)):
            yield k, term
        sines = _signed_chain(t, 0.0, torch.sin(x), a, b, degree, reuse)
        next(sines)  # sin(0 x) = 0 is not a basis function
        for k, (term, _) in enumerate(sines, start=1):
            yield degree + k, term

    def raw_scale(self, degree: int) -> NDArray[np.float64]:
        rho = self._rho(degree)
        per_k = [1.0 / (rho[k] * math.factorial(k)) for k in range(degree + 1)]
        return np.array(per_k + per_k[1:])

    def prepare(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return torch.cos(x), torch.sin(x)

    def raw_rows(self, x: torch.Tensor, degree: int, out: torch.Tensor, *prepared: torch.Tensor) -> torch.Tensor:
        cosines, sines = out[:degree], out[degree:]
        cosine, sine = prepared if prepared else (torch.cos(x), torch.sin(x))
        cosines[0].copy_(cosine)
        sines[0].copy_(sine)
        a, b = [2.0] * (degree + 1), [1.0] * (degree + 1)
        _chain_rows(cosines[0], 1.0, a, b, degree, cosines)
        _chain_rows(cosines[0], 0.0, a, b, degree, sines)
        return out


#: Registry of bases by name; the generic code in :mod:`nets.activations.functional` works with any entry.
BASES: dict[str, Basis] = {b.name: b for b in (_HermiteBasis(), _MonomialBasis(), _FourierBasis())}


def get_basis(basis: str | Basis) -> Basis:
    """Return the :class:`Basis` named ``basis`` (one of :data:`BASES`) or ``basis`` itself."""
    if isinstance(basis, Basis):
        return basis
    if not isinstance(basis, str) or basis not in BASES:
        raise ValueError(f"`basis` must be one of {sorted(BASES)}, got {basis!r}")
    return BASES[basis]


# --- exact change of basis -------------------------------------------------------------------


@lru_cache(maxsize=None)
def _hermite_to_monomial_exact(degree: int) -> tuple[tuple[Fraction, ...], ...]:
    """Rows k: monomial coefficients (ascending) of He_k / k!, as exact fractions."""
    he: list[list[Fraction]] = [[Fraction(1)], [Fraction(0), Fraction(1)]]
    for k in range(2, degree + 1):
        shifted = [Fraction(0)] + he[k - 1]
        lower = he[k - 2] + [Fraction(0), Fraction(0)]
        he.append([s - (k - 1) * low for s, low in zip(shifted, lower)])
    rows = []
    for k in range(degree + 1):
        row = [c / math.factorial(k) for c in he[k]] + [Fraction(0)] * (degree - k)
        rows.append(tuple(row))
    return tuple(rows)


@lru_cache(maxsize=None)
def _monomial_to_hermite_exact(degree: int) -> tuple[tuple[Fraction, ...], ...]:
    """Rows j: coefficients of x^j in the basis He_k / k!  (x^j = sum_k j!/(k! ((j-k)/2)! 2^((j-k)/2)) ...)."""
    rows = []
    for j in range(degree + 1):
        row = [Fraction(0)] * (degree + 1)
        for m in range(j // 2 + 1):
            k = j - 2 * m
            # x^j = sum_m j! / (m! 2^m (j-2m)!) He_{j-2m}, and He_k = k! phi_k
            row[k] = Fraction(math.factorial(j), math.factorial(m) * 2**m)
        rows.append(tuple(row))
    return tuple(rows)


def hermite_to_monomial_matrix(degree: int) -> NDArray[np.float64]:
    """Matrix ``M`` with ``monomial = hermite @ M`` for coefficient row vectors.

    Row ``k`` holds the ascending monomial coefficients of ``He_k(x) / k!``.

    Examples
    --------
    >>> hermite_to_monomial_matrix(2)
    array([[ 1. ,  0. ,  0. ],
           [ 0. ,  1. ,  0. ],
           [-0.5,  0. ,  0.5]])
    """
    degree = check_degree(degree)
    return np.array(_hermite_to_monomial_exact(degree), dtype=np.float64)


def hermite_to_monomial(coefficients: NDArray[np.float64] | list[float]) -> NDArray[np.float64]:
    """Convert coefficients in the ``He_k/k!`` basis to ascending monomial coefficients.

    Parameters
    ----------
    coefficients : array_like, shape (..., n + 1)
        ``c_k`` of ``sum_k c_k He_k(x) / k!``; leading axes (e.g. channels) are kept.

    Returns
    -------
    ndarray, shape (..., n + 1)
        ``m_j`` of ``sum_j m_j x^j`` (``numpy.polynomial`` order).  The matrix is exact in rational
        arithmetic; only the final product is rounded.

    Examples
    --------
    >>> hermite_to_monomial([0.0, 0.0, 2.0])   # 2 He_2 / 2! = x^2 - 1
    array([-1.,  0.,  1.])
    """
    c = np.asarray(coefficients, dtype=np.float64)
    if c.ndim == 0 or c.shape[-1] < 1:
        raise ValueError(f"`coefficients` must have a last axis of length >= 1, got shape {c.shape}")
    return c @ np.array(_hermite_to_monomial_exact(c.shape[-1] - 1), dtype=np.float64)


def monomial_to_hermite(coefficients: NDArray[np.float64] | list[float]) -> NDArray[np.float64]:
    """Convert ascending monomial coefficients to coefficients in the ``He_k/k!`` basis.

    Inverse of :func:`hermite_to_monomial`.

    Examples
    --------
    >>> monomial_to_hermite([-1.0, 0.0, 1.0])
    array([0., 0., 2.])
    """
    c = np.asarray(coefficients, dtype=np.float64)
    if c.ndim == 0 or c.shape[-1] < 1:
        raise ValueError(f"`coefficients` must have a last axis of length >= 1, got shape {c.shape}")
    return c @ np.array(_monomial_to_hermite_exact(c.shape[-1] - 1), dtype=np.float64)
