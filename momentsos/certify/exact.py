"""Exact rational arithmetic for proofs: numbers, sparse polynomials and the PSD test.

Rationals are python-flint's ``fmpq`` where python-flint is installed (FLINT's arithmetic is several
times faster), else :class:`fractions.Fraction`; the two give the same answers. A polynomial is a
dict ``{exponent tuple: rational}`` with no zero coefficients.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Mapping, Sequence

import numpy as np
import sympy as sp

from ..polynomial import Polynomial, sparse_terms
from ..problem import PolyProblem

__all__ = ["Monomial", "ExactPoly", "ProofFailure", "rational", "as_fraction", "add_into", "times", "quadratic_form",
           "evaluate", "exact_problem", "is_psd", "solve_linear", "nullspace"]

try:  # FLINT's rationals when available; the results are identical with Fraction
    from flint import fmpq as _Q
except ImportError:  # pragma: no cover - exercised where python-flint is missing
    _Q = Fraction

Monomial = tuple[int, ...]
ExactPoly = dict[Monomial, Any]


class ProofFailure(Exception):
    """A step of a proof did not go through (a reason, not an input error)."""


def rational(value: Any) -> Any:
    """The exact rational of an int, Fraction, sympy Rational or finite binary float."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ProofFailure(f"a non-finite number {value!r} cannot be made exact")
        return _Q(*value.as_integer_ratio())
    if isinstance(value, (int, np.integer)):
        return _Q(int(value))
    if isinstance(value, Fraction):
        return _Q(value.numerator, value.denominator)
    if isinstance(value, sp.Rational):
        return _Q(int(value.p), int(value.q))
    if isinstance(value, str):
        num, _, den = value.partition("/")
        return _Q(int(num), int(den or 1))
    return _Q(*float(value).as_integer_ratio())


def as_fraction(value: Any) -> Fraction:
    """A Fraction of an exact rational of either kind (for printing and comparisons with floats)."""
    return Fraction(str(value))


# -- exact polynomials: {exponent tuple: rational} ------------------------------------------------
def add_into(target: ExactPoly, poly: Mapping[Monomial, Any], factor: Any = 1) -> None:
    for a, c in poly.items():
        v = target.get(a, 0) + factor * c
        if v == 0:
            target.pop(a, None)
        else:
            target[a] = v


def times(p: Mapping[Monomial, Any], q: Mapping[Monomial, Any]) -> ExactPoly:
    out: ExactPoly = {}
    for a, c in p.items():
        for b, d in q.items():
            key = tuple(i + j for i, j in zip(a, b))
            v = out.get(key, 0) + c * d
            if v == 0:
                out.pop(key, None)
            else:
                out[key] = v
    return out


def quadratic_form(gram: Sequence[Sequence[Any]], basis: Sequence[Monomial]) -> ExactPoly:
    """``v^T gram v`` for the monomial vector ``v`` of ``basis``, exactly."""
    s = len(basis)
    if s == 0:
        return {}
    rows = np.asarray(basis, dtype=np.int64).reshape(s, -1)
    sums = (rows[:, None, :] + rows[None, :, :]).reshape(s * s, -1).tolist()
    out: ExactPoly = {}
    for i in range(s):
        row = gram[i]
        for k in range(s):
            c = row[k]
            if c != 0:
                key = tuple(sums[i * s + k])
                out[key] = out.get(key, 0) + c
    return {a: c for a, c in out.items() if c != 0}


def evaluate(poly: Mapping[Monomial, Any], point: Sequence[Any]) -> Any:
    total = _Q(0)
    for a, c in poly.items():
        term = c
        for x, e in zip(point, a):
            if e:
                term = term * x**e
        total += term
    return total


def _exact_of_polynomial(p: Polynomial) -> ExactPoly:
    return {tuple(row): rational(float(c)) for row, c in zip(p.exponents.tolist(), p.coefficients) if c != 0}


def _exact_of_expression(expr: sp.Expr, variables: Sequence[sp.Symbol]) -> ExactPoly:
    """The coefficients of ``expr`` as exact rationals: each Float stands for the binary number it holds."""
    floats = {f: sp.Rational(*float(f).as_integer_ratio()) for f in expr.atoms(sp.Float)}
    return {a: rational(sp.Rational(c)) for a, c in sparse_terms(expr.xreplace(floats), variables)}


def exact_problem(problem: PolyProblem) -> tuple[ExactPoly, list[ExactPoly], list[ExactPoly]]:
    """The objective, inequalities and equalities of ``problem`` with exact rational coefficients.

    From the sympy expressions the problem was built from, when it has them (so ``21/10`` is
    ``21/10``, not its nearest float); else from the float coefficients, which are then the data.
    """
    exprs = problem.expressions
    if exprs:
        f = _exact_of_expression(exprs["objective"], problem.variables)
        gs = [_exact_of_expression(g, problem.variables) for g in exprs["inequalities"]]
        hs = [h for h in (_exact_of_expression(h, problem.variables) for h in exprs["equalities"]) if h]
        if len(gs) == len(problem.inequalities) and len(hs) == len(problem.equalities):
            return f, gs, hs
    return (_exact_of_polynomial(problem.objective), [_exact_of_polynomial(g) for g in problem.inequalities],
            [_exact_of_polynomial(h) for h in problem.equalities])


# -- exact positive semidefiniteness -------------------------------------------------------------
def is_psd(gram: Sequence[Sequence[Any]]) -> bool:
    """Exact test of positive semidefiniteness by symmetric Gaussian elimination (``LDL^T``).

    The rationals are brought to one common denominator and eliminated fraction-free in integers
    (Bareiss: each pivot is a leading principal minor, each division exact), which is several times
    faster than rational arithmetic with its gcd at every step. A negative pivot disproves it; a zero
    pivot is allowed only with a zero remaining row (that row and column are then left out).
    """
    n = len(gram)
    for i in range(n):
        for k in range(i + 1, n):
            if gram[i][k] != gram[k][i]:
                return False
    a = _integer_rows(gram)
    if n and _positive_definite_by_flint(a):
        return True
    prev = 1
    for k in range(n):
        row = a[k]
        pivot = row[k]
        if pivot < 0:
            return False
        if pivot == 0:
            if any(row[j] != 0 for j in range(k + 1, n)):
                return False
            continue
        for i in range(k + 1, n):
            f = row[i]
            ai = a[i]
            if f == 0:
                if prev != pivot:
                    for j in range(i, n):
                        ai[j] = ai[j] * pivot // prev
                continue
            for j in range(i, n):
                ai[j] = (pivot * ai[j] - f * row[j]) // prev
        prev = pivot
    return True


def _positive_definite_by_flint(a: list[list[int]]) -> bool:
    """True when FLINT's fraction-free LU of the symmetric integer matrix ``a`` needs no row exchange
    and its pivots, the leading principal minors, are all positive (Sylvester: positive definite).
    False says nothing (semidefinite, indefinite or no FLINT): the caller eliminates in Python."""
    if _Q is Fraction:
        return False
    from flint import fmpz_mat  # noqa: PLC0415 - present whenever fmpq is

    n = len(a)
    full = [[a[min(i, j)][max(i, j)] for j in range(n)] for i in range(n)]
    P, _, _, U = fmpz_mat(full).fflu()
    return all(P[i, i] == 1 for i in range(n)) and all(U[i, i] > 0 for i in range(n))


def _integer_rows(gram: Sequence[Sequence[Any]]) -> list[list[int]]:
    """``gram`` times the least common denominator of its entries, as Python integers (upper triangle
    and diagonal are what :func:`is_psd` reads)."""
    pairs = [[_numerator_denominator(v) for v in row] for row in gram]
    common = 1
    for row in pairs:
        for _, q in row:
            if common % q:
                common = common * q // math.gcd(common, q)
    return [[p * (common // q) for p, q in row] for row in pairs]


def _numerator_denominator(value: Any) -> tuple[int, int]:
    if isinstance(value, Fraction):
        return value.numerator, value.denominator
    if isinstance(value, int):
        return value, 1
    return int(value.p), int(value.q)


# -- exact linear systems -------------------------------------------------------------------------
def solve_linear(matrix: Sequence[Sequence[Any]], rhs: Sequence[Any]) -> list[Any] | None:
    """A solution ``x`` of ``matrix @ x = rhs`` in exact rationals (the free unknowns at zero), or
    None when the system is inconsistent. FLINT's reduced row echelon form where available."""
    rows, cols = len(matrix), len(matrix[0]) if matrix else 0
    if cols == 0:
        return [] if all(b == 0 for b in rhs) else None
    if _Q is not Fraction:
        from flint import fmpq_mat  # noqa: PLC0415 - present whenever fmpq is

        R, rank = fmpq_mat(rows, cols + 1, [v for row, b in zip(matrix, rhs) for v in (*row, b)]).rref()
        table = [[R[i, j] for j in range(cols + 1)] for i in range(rank)]
    else:
        table = _rref([[*row, b] for row, b in zip(matrix, rhs)], cols)
    x = [_Q(0)] * cols
    for row in table:
        lead = next((j for j in range(cols) if row[j] != 0), None)
        if lead is None:
            if row[cols] != 0:
                return None  # 0 = nonzero: inconsistent
            continue
        x[lead] = row[cols] / row[lead]
    return x


def nullspace(matrix: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """A basis of ``{u : matrix @ u = 0}`` in exact rationals, one vector per free column of the
    reduced row echelon form (that column's entry 1, the other free columns' entries 0)."""
    rows, cols = len(matrix), len(matrix[0]) if matrix else 0
    if cols == 0:
        return []
    if rows and _Q is not Fraction:
        from flint import fmpq_mat  # noqa: PLC0415 - present whenever fmpq is

        R, rank = fmpq_mat(rows, cols, [v for row in matrix for v in row]).rref()
        table = [[R[i, j] for j in range(cols)] for i in range(rank)]
    else:
        table = _rref([list(row) for row in matrix], cols) if rows else []
    leads = [next(j for j in range(cols) if row[j] != 0) for row in table]
    basis = []
    for free in (j for j in range(cols) if j not in set(leads)):
        u = [_Q(0)] * cols
        u[free] = _Q(1)
        for row, lead in zip(table, leads):
            u[lead] = -row[free] / row[lead]
        basis.append(u)
    return basis


def _rref(table: list[list[Any]], cols: int) -> list[list[Any]]:
    """Gauss-Jordan elimination of an augmented table (plain rationals); returns its nonzero rows."""
    pivot_row = 0
    for j in range(cols):
        p = next((i for i in range(pivot_row, len(table)) if table[i][j] != 0), None)
        if p is None:
            continue
        table[pivot_row], table[p] = table[p], table[pivot_row]
        lead = table[pivot_row][j]
        table[pivot_row] = [v / lead for v in table[pivot_row]]
        for i in range(len(table)):
            if i != pivot_row and table[i][j] != 0:
                f = table[i][j]
                table[i] = [a - f * b for a, b in zip(table[i], table[pivot_row])]
        pivot_row += 1
    return [row for row in table if any(v != 0 for v in row)]
