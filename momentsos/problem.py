"""Validated polynomial optimization problems (POPs).

.. math::

    \\min_{x \\in \\mathbb{R}^n} f(x) \\quad \\text{s.t.}\\quad g_j(x) \\ge 0,\\; h_i(x) = 0.

Sign convention, stated once here: inequalities are ``g >= 0`` and equalities ``h == 0``. Sympy
relations are normalised: ``a >= b`` and ``b <= a`` become ``a - b >= 0``; ``sp.Eq(a, b)`` becomes
``a - b == 0``. Input is validated once, at this boundary; the rest of the package trusts it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from collections.abc import Mapping
from typing import Any, Iterable, Sequence

import numpy as np
import sympy as sp

from .errors import InvalidProblemError
from .polynomial import Polynomial

__all__ = ["PolyProblem"]

_NONFINITE = (sp.nan, sp.zoo, sp.oo, -sp.oo)

_DOMAIN_ASSUMPTIONS = ("integer", "rational", "irrational", "positive", "negative", "nonnegative", "nonpositive",
                       "zero", "nonzero", "even", "odd", "prime", "composite", "imaginary")
"""Symbol assumptions that restrict a variable's domain; the relaxation would silently ignore them."""


def _as_list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (sp.Basic, int, float, np.number, bool)):
        return [value]
    if isinstance(value, (str, bytes, Mapping)):
        # a string would be split into characters and a dict iterated over its keys
        raise InvalidProblemError(
            f"Invalid input for PolyProblem: `{name}` must be a sympy expression or a sequence of them; "
            f"got {type(value).__name__} {value!r} (strings are not parsed; build expressions with sympy symbols)"
        )
    try:
        return list(value)
    except TypeError:
        raise InvalidProblemError(
            f"Invalid input for PolyProblem: `{name}` must be a sympy expression or a sequence of them; "
            f"got {type(value).__name__} {value!r}"
        ) from None


def _sympify(value: Any, what: str) -> sp.Expr:
    if isinstance(value, sp.Poly):  # a sympy Poly is a polynomial already: its expression is the input
        value = value.as_expr()
    if isinstance(value, bool) or isinstance(value, sp.logic.boolalg.BooleanAtom):
        raise InvalidProblemError(
            f"Invalid input for PolyProblem: {what} is the boolean {value!r}; a relation between numbers "
            "was evaluated by Python before it reached momentsos. Write it with sympy symbols."
        )
    if isinstance(value, complex) and value.imag != 0:
        raise InvalidProblemError(f"Invalid input for PolyProblem: {what} has the complex value {value!r}")
    try:
        expr = sp.sympify(value, strict=True)
    except (sp.SympifyError, TypeError):
        raise InvalidProblemError(
            f"Invalid input for PolyProblem: {what} must be a sympy expression or a number; "
            f"got {type(value).__name__} {value!r}"
        ) from None
    noncommutative = sorted(str(s) for s in getattr(expr, "free_symbols", ()) if not s.is_commutative)
    if noncommutative:
        names = ", ".join(noncommutative)
        raise InvalidProblemError(
            f"Invalid input for PolyProblem: {what} `{value}` has non-commutative symbols ({names}); "
            "momentsos optimizes over commuting real variables: use plain sp.Symbol"
        )
    if isinstance(expr, sp.Basic) and (
        expr.has(*_NONFINITE) or any(not math.isfinite(float(a)) for a in expr.atoms(sp.Float))
    ):
        raise InvalidProblemError(
            f"Invalid input for PolyProblem: {what} `{value}` has a non-finite coefficient (nan or inf)"
        )
    return expr


def _relation_to_expr(value: sp.Basic, what: str, kind: str) -> sp.Expr:
    """Normalise a relation to the expression that must be ``>= 0`` (kind 'ineq') or ``== 0``."""
    if isinstance(value, sp.Equality):
        if kind != "eq":
            raise InvalidProblemError(
                f"Invalid input for PolyProblem: {what} `{value}` is an equation; pass it in `equalities`"
            )
        return value.lhs - value.rhs
    if isinstance(value, (sp.GreaterThan, sp.LessThan)):
        if kind != "ineq":
            raise InvalidProblemError(
                f"Invalid input for PolyProblem: {what} `{value}` is an inequality; pass it in `inequalities`"
            )
        return value.lhs - value.rhs if isinstance(value, sp.GreaterThan) else value.rhs - value.lhs
    if isinstance(value, (sp.StrictGreaterThan, sp.StrictLessThan)):
        raise InvalidProblemError(
            f"Invalid input for PolyProblem: {what} `{value}` is a strict inequality; only `>=`, `<=` "
            "and `==` are allowed (the relaxation works with closed sets)"
        )
    if isinstance(value, sp.Unequality) or isinstance(value, sp.logic.boolalg.Boolean) and not isinstance(
        value, sp.Expr
    ):
        raise InvalidProblemError(
            f"Invalid input for PolyProblem: {what} `{value}` is not allowed; use an expression or a "
            "relation with `>=`, `<=` or `==`"
        )
    return value  # a plain expression: g >= 0 or h == 0 by convention


def _check_polynomial(expr: sp.Expr, variables: tuple[sp.Symbol, ...], what: str) -> None:
    names = ", ".join(str(v) for v in variables)
    if expr.has(*_NONFINITE) or any(
        isinstance(a, sp.Float) and not math.isfinite(float(a)) for a in expr.atoms(sp.Float)
    ):
        raise InvalidProblemError(
            f"Invalid input for PolyProblem: {what} `{expr}` has a non-finite coefficient (nan or inf)"
        )
    unknown = sorted((s for s in expr.free_symbols if s not in variables), key=str)
    if unknown:
        raise InvalidProblemError(
            f"Invalid input for PolyProblem: {what} `{expr}` contains the symbol(s) "
            f"{', '.join(map(str, unknown))}, which are not among the variables ({names})"
        )
    for symbol in sorted(expr.free_symbols, key=str):
        restricted = [a for a in _DOMAIN_ASSUMPTIONS if symbol.assumptions0.get(a)]
        if restricted:
            raise InvalidProblemError(
                f"Invalid input for PolyProblem: the variable `{symbol}` of {what} was created with "
                f"{', '.join(f'{a}=True' for a in restricted)}, which the relaxation would ignore (it optimizes "
                "over all real values); create it as sp.Symbol(name) or sp.Symbol(name, real=True) and state the "
                "restriction as a constraint (e.g. x >= 0, or x*(x - 1) == 0 for a binary variable)"
            )
    if expr.has(sp.I) or any(not a.is_real for a in expr.atoms(sp.Number)):
        raise InvalidProblemError(
            f"Invalid input for PolyProblem: {what} `{expr}` has a complex coefficient; only real "
            "coefficients are allowed"
        )
    if variables and not expr.is_polynomial(*variables) or not variables and expr.free_symbols:
        raise InvalidProblemError(
            f"Invalid input for PolyProblem: {what} `{expr}` is not polynomial in ({names}); allowed are "
            "sums of products of variables with non-negative integer exponents"
        )
    for power in expr.atoms(sp.Pow):
        if not (power.exp.is_Integer and power.exp >= 0) and power.base.free_symbols:
            raise InvalidProblemError(
                f"Invalid input for PolyProblem: {what} `{expr}` contains `{power}`; exponents must be "
                "non-negative integers"
            )


MAX_COEFFICIENT = 1e150
"""Coefficients of larger magnitude are refused: products of two of them overflow double precision,
which every relaxation forms (moments times coefficients, Gram matrices times multipliers)."""


def _to_polynomial(expr: sp.Expr, variables: tuple[sp.Symbol, ...], what: str) -> Polynomial:
    try:
        poly = Polynomial.from_sympy(expr, variables)
    except OverflowError:
        poly = None
    if poly is None or not np.all(np.isfinite(poly.coefficients)) or (
            poly.nterms and float(np.abs(poly.coefficients).max()) > MAX_COEFFICIENT):
        raise InvalidProblemError(
            f"Invalid input for PolyProblem: {what} `{_short(expr)}` has a coefficient beyond "
            f"{MAX_COEFFICIENT:.0e} in magnitude; allowed: |coefficient| <= {MAX_COEFFICIENT:.0e} (rescale the "
            "problem: divide the polynomial by a constant, or substitute scaled variables)"
        )
    return poly


def _short(expr: Any, limit: int = 80) -> str:
    text = str(expr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True, eq=False)
class PolyProblem:
    """A polynomial optimization problem, validated and expanded.

    Parameters
    ----------
    objective : sympy expression or number
        The polynomial ``f`` to minimise.
    inequalities : sequence of sympy expressions or relations, optional
        Constraints ``g_j >= 0``; relations ``a >= b`` / ``a <= b`` are normalised.
    equalities : sequence of sympy expressions or relations, optional
        Constraints ``h_i == 0``; ``sp.Eq(a, b)`` is normalised to ``a - b``.
    variables : sequence of sympy Symbols, optional
        The decision variables, in the order used for exponents and for ``res.x``. Inferred from the
        free symbols of objective and constraints (sorted by name) when omitted.

    Raises
    ------
    InvalidProblemError
        For a non-polynomial term, a symbol that is not a variable, a complex or non-finite
        coefficient, a relation that is not ``>=``, ``<=`` or ``==``, or no variables at all.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> prob = PolyProblem(x**2 + y**2, inequalities=[x + y >= 1])
    >>> prob.variables, prob.min_order
    ((x, y), 1)
    """

    objective: Polynomial
    inequalities: tuple[Polynomial, ...]
    equalities: tuple[Polynomial, ...]
    variables: tuple[sp.Symbol, ...]
    expressions: dict[str, Any]

    def __init__(
        self,
        objective: Any,
        inequalities: Iterable[Any] | Any = (),
        equalities: Iterable[Any] | Any = (),
        variables: Sequence[sp.Symbol] | None = None,
    ) -> None:
        f = _sympify(objective, "the objective")
        if isinstance(f, sp.logic.boolalg.Boolean) and not isinstance(f, sp.Expr):
            raise InvalidProblemError(
                f"Invalid input for PolyProblem: the objective `{f}` is a relation; pass an expression"
            )
        g_raw = _as_list(inequalities, "inequalities")
        h_raw = _as_list(equalities, "equalities")
        gs = [
            _relation_to_expr(_sympify(g, f"inequality {j}"), f"inequality {j}", "ineq")
            for j, g in enumerate(g_raw)
        ]
        hs = [
            _relation_to_expr(_sympify(h, f"equality {i}"), f"equality {i}", "eq") for i, h in enumerate(h_raw)
        ]
        variables = self._validate_variables(variables, [f, *gs, *hs])
        _check_polynomial(f, variables, "the objective")
        for j, g in enumerate(gs):
            _check_polynomial(g, variables, f"inequality {j}")
        for i, h in enumerate(hs):
            _check_polynomial(h, variables, f"equality {i}")
        n = len(variables)
        obj = _to_polynomial(f, variables, "the objective")
        ineqs = tuple(_to_polynomial(g, variables, f"inequality {j}") for j, g in enumerate(gs))
        eqs = tuple(p for p in (_to_polynomial(h, variables, f"equality {i}") for i, h in enumerate(hs)) if not p.is_zero)
        object.__setattr__(self, "objective", obj)
        object.__setattr__(self, "inequalities", ineqs)
        object.__setattr__(self, "equalities", eqs)
        object.__setattr__(self, "variables", variables)
        object.__setattr__(self, "expressions", {"objective": f, "inequalities": tuple(gs), "equalities": tuple(hs)})
        assert all(p.nvars == n for p in (obj, *ineqs, *eqs))

    @classmethod
    def from_polynomials(
        cls,
        objective: Polynomial,
        inequalities: Sequence[Polynomial] = (),
        equalities: Sequence[Polynomial] = (),
        variables: Sequence[sp.Symbol] | None = None,
    ) -> PolyProblem:
        """Build a problem from :class:`Polynomial` objects computed numerically (no sympy expansion).

        ``variables`` defaults to symbols ``x0, x1, ...``. Raises :class:`InvalidProblemError` when
        the polynomials disagree on the number of variables or have non-finite coefficients.
        """
        polys = [objective, *inequalities, *equalities]
        for i, p in enumerate(polys):
            if not isinstance(p, Polynomial):
                raise InvalidProblemError(
                    f"Invalid input for PolyProblem.from_polynomials: item {i} is {type(p).__name__}, expected Polynomial"
                )
        n = objective.nvars
        if variables is None:
            variables = sp.symbols(f"x0:{n}") if n else ()
        variables = cls._validate_variables(variables, [])
        for i, p in enumerate(polys):
            if p.nvars != n or len(variables) != n:
                raise InvalidProblemError(
                    f"Invalid input for PolyProblem.from_polynomials: polynomial {i} has {p.nvars} variables, "
                    f"the objective {n} and `variables` {len(variables)}"
                )
            if not np.all(np.isfinite(p.coefficients)):
                bad = p.coefficients[~np.isfinite(p.coefficients)][0]
                raise InvalidProblemError(
                    f"Invalid input for PolyProblem.from_polynomials: polynomial {i} has a non-finite coefficient "
                    f"{bad} (of the term with exponents {p.exponents[~np.isfinite(p.coefficients)][0].tolist()})"
                )
        self = object.__new__(cls)
        object.__setattr__(self, "objective", objective)
        object.__setattr__(self, "inequalities", tuple(inequalities))
        object.__setattr__(self, "equalities", tuple(p for p in equalities if not p.is_zero))
        object.__setattr__(self, "variables", tuple(variables))
        object.__setattr__(self, "expressions", {})
        return self

    @staticmethod
    def _validate_variables(variables: Sequence[sp.Symbol] | None, exprs: list[sp.Expr]) -> tuple[sp.Symbol, ...]:
        if variables is None:
            symbols = set().union(*(e.free_symbols for e in exprs))
            found = tuple(sorted(symbols, key=lambda s: s.name))
            if not found:
                raise InvalidProblemError(
                    f"Invalid input for PolyProblem: objective and constraints contain no variable (objective "
                    f"`{exprs[0] if exprs else ''}`); pass `variables` or a non-constant objective"
                )
            return found
        if isinstance(variables, sp.Symbol):
            variables = (variables,)
        try:
            found = tuple(variables)
        except TypeError:
            raise InvalidProblemError(
                f"Invalid input for PolyProblem: `variables` must be a sequence of sympy Symbols; got {variables!r}"
            ) from None
        bad = [v for v in found if not isinstance(v, sp.Symbol)]
        if bad:
            raise InvalidProblemError(
                f"Invalid input for PolyProblem: `variables` must contain sympy Symbols only; got {bad[0]!r} "
                f"of type {type(bad[0]).__name__}"
            )
        if len(set(found)) != len(found):
            raise InvalidProblemError(f"Invalid input for PolyProblem: `variables` has duplicates: {found}")
        if not found:
            raise InvalidProblemError(
                f"Invalid input for PolyProblem: `variables` is empty (got {variables!r}); a POP needs at least one variable"
            )
        return found

    # -- derived quantities -------------------------------------------------------------------
    @property
    def nvars(self) -> int:
        return len(self.variables)

    @property
    def degree(self) -> int:
        """Largest degree among objective and constraints."""
        return max(p.degree for p in (self.objective, *self.inequalities, *self.equalities))

    @property
    def min_order(self) -> int:
        """Smallest relaxation order k0 = max(1, ceil(deg p / 2)) over objective and constraints."""
        return max(1, max(math.ceil(p.degree / 2) for p in (self.objective, *self.inequalities, *self.equalities)))

    @property
    def constraint_half_degree(self) -> int:
        """d = max(1, max_j ceil(deg g_j / 2), ceil(deg h_i / 2)): the shift in the flatness test."""
        degs = [math.ceil(p.degree / 2) for p in (*self.inequalities, *self.equalities)]
        return max([1, *degs])

    def unbounded_direction(self) -> np.ndarray | None:
        """A direction ``v`` with ``f(t v) -> -inf`` as ``t -> inf``, for an unconstrained objective of
        odd degree (its leading form is odd and not zero, so it is negative somewhere); else None.

        The direction is a coordinate axis or a fixed pseudo-random one at which the leading form
        is nonzero, signed so that the leading form is negative there.
        """
        f = self.objective
        if self.inequalities or self.equalities or f.degree % 2 == 0:
            return None
        top = f.exponents.sum(axis=1) == f.degree
        lead = Polynomial(f.exponents[top], f.coefficients[top])
        rng = np.random.default_rng(0)
        candidates = [*np.eye(self.nvars), *rng.standard_normal((8, self.nvars))]
        for v in candidates:
            value = float(lead.evaluate(v))
            if value != 0.0:
                return -v if value > 0 else v
        return None

    def evaluate_objective(self, point: np.ndarray) -> float:
        return float(self.objective.evaluate(point))

    def violation(self, point: np.ndarray) -> float:
        """Largest constraint violation at ``point``: max(-g_j(x), |h_i(x)|, 0)."""
        viol = [0.0]
        viol += [max(0.0, -float(g.evaluate(point))) for g in self.inequalities]
        viol += [abs(float(h.evaluate(point))) for h in self.equalities]
        return max(viol)

    def __repr__(self) -> str:
        names = ", ".join(map(str, self.variables))
        return (
            f"PolyProblem(variables=({names}), objective degree {self.objective.degree}, "
            f"{len(self.inequalities)} inequalities, {len(self.equalities)} equalities)"
        )
