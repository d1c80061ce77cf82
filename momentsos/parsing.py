"""Polynomial problems written as text: the input of ``python -m momentsos solve``.

An expression is made of numbers, variable names, ``+ - * /``, powers ``**`` (or ``^``) with a
non-negative integer exponent, and parentheses, as in Python: ``x**4 + y**4 - 3*x*y + 0.5``. A
small recursive-descent parser turns the text into sympy objects directly: nothing is evaluated
by Python (no ``eval``, so no text can run code), and anything that is not a polynomial is refused
with the position and the reason: a function call (``sin(x)``), a division by something other than
a nonzero number, a fractional or negative power, a missing ``*`` (``2x``), a sympy constant used as
a name (``pi``, ``E``, ``I``). Decimal numbers are read exactly (``0.1`` is ``1/10``), so an exact
proof is about the problem as written.

A constraint is ``a >= b``, ``a <= b`` (normalised to ``a - b >= 0`` and ``b - a >= 0``) or
``a == b`` (``a - b == 0``); strict inequalities are refused. Without a relation, an inequality
means ``g >= 0`` and an equality ``h == 0``.

A problem file (:func:`parse_problem_file`) has the objective on its first line, optionally after
``minimize`` or ``min:``, then one constraint per line; ``#`` starts a comment, blank lines and a
``subject to`` line are skipped, and ``variables: x, y`` fixes the variables' order::

    # the unit disc
    minimize x**4 + y**4 - x*y
    subject to
    x**2 + y**2 <= 1
    x + y == 1/2
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import sympy as sp

from .errors import InvalidProblemError

__all__ = ["TextProblem", "parse_polynomial", "parse_constraint", "parse_variables", "parse_problem_text",
           "parse_problem_file", "MAX_EXPONENT"]

MAX_EXPONENT = 1000
"""Largest exponent accepted after ``**``: far beyond any relaxation, small enough to expand."""

_RESERVED = {"pi": "the number pi", "E": "Euler's number", "I": "the imaginary unit", "oo": "infinity",
             "inf": "infinity", "nan": "not a number", "zoo": "complex infinity"}

_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|>=|<=|==|!=|[-+*/^()<>=]))"
)


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "name", "op" or "end"
    text: str
    pos: int


def _fail(what: str, text: str, pos: int | None, reason: str) -> InvalidProblemError:
    if not text.strip():
        return InvalidProblemError(f"Invalid input for {what}: the text is empty; a polynomial was expected")
    where = "" if pos is None else f" at column {pos + 1}"
    return InvalidProblemError(f"Invalid input for {what}: `{text.strip()}`{where}: {reason}")


def _tokens(text: str, what: str) -> list[_Token]:
    out: list[_Token] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            out.append(_Token("end", "", pos))
            return out
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise _fail(what, text, pos, f"unexpected character {text[pos]!r}; allowed are numbers, variable names, "
                        "+ - * / ** ^, parentheses and one of >= <= ==")
        kind = m.lastgroup or "op"
        out.append(_Token(kind, m.group(kind), m.start(kind)))
        pos = m.end()


class _Parser:
    """``expr := term (("+" | "-") term)*``, ``term := unary (("*" | "/") unary)*``,
    ``unary := ("+" | "-") unary | power``, ``power := atom [("**" | "^") integer]``,
    ``atom := number | name | "(" expr ")"`` (Python's precedence: ``-x**2`` is ``-(x**2)``)."""

    def __init__(self, text: str, tokens: list[_Token], what: str, symbols: dict[str, sp.Symbol]) -> None:
        self.text, self.tokens, self.what, self.symbols = text, tokens, what, symbols
        self.i = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def error(self, reason: str, tok: _Token | None = None) -> InvalidProblemError:
        return _fail(self.what, self.text, (tok or self.tok).pos, reason)

    def take(self, *ops: str) -> _Token | None:
        if self.tok.kind == "op" and self.tok.text in ops:
            self.i += 1
            return self.tokens[self.i - 1]
        return None

    def parse(self) -> sp.Expr:
        if self.tok.kind == "end":
            raise self.error("the expression is empty")
        expr = self.expr()
        if self.tok.kind != "end":
            raise self.unexpected()
        return expr

    def unexpected(self) -> InvalidProblemError:
        tok = self.tok
        if tok.kind in ("number", "name") or tok.text == "(":
            prev = self.tokens[self.i - 1].text if self.i else ""
            return self.error(f"missing operator between `{prev}` and `{tok.text}` (write products with *, e.g. 2*x)")
        if tok.text == ")":
            return self.error("unbalanced parenthesis `)`")
        if tok.text in (">=", "<=", "==", "<", ">", "=", "!="):
            return self.error(f"unexpected relation `{tok.text}` here")
        return self.error(f"unexpected `{tok.text}`")

    def expr(self) -> sp.Expr:
        value = self.term()
        while (op := self.take("+", "-")) is not None:
            rhs = self.term()
            value = value + rhs if op.text == "+" else value - rhs
        return value

    def term(self) -> sp.Expr:
        value = self.unary()
        while (op := self.take("*", "/")) is not None:
            start = self.tok
            rhs = self.unary()
            if op.text == "*":
                value = value * rhs
            elif rhs.free_symbols:
                raise self.error(f"division by `{rhs}`, which depends on a variable: not a polynomial", start)
            elif rhs == 0:
                raise self.error("division by zero", start)
            else:
                value = value / rhs
        return value

    def unary(self) -> sp.Expr:
        if (op := self.take("+", "-")) is not None:
            value = self.unary()
            return -value if op.text == "-" else value
        return self.power()

    def power(self) -> sp.Expr:
        base = self.atom()
        if self.take("**", "^") is None:
            return base
        start = self.tok
        paren = self.take("(") is not None
        tok = self.tok
        if tok.kind != "number" or not tok.text.isdigit():
            raise self.error("the exponent must be a non-negative integer (a polynomial has no other powers)", start)
        self.i += 1
        if paren and self.take(")") is None:
            raise self.error("expected `)` after the exponent")
        exponent = int(tok.text)
        if exponent > MAX_EXPONENT:
            raise self.error(f"the exponent {exponent} exceeds {MAX_EXPONENT}", tok)
        if self.tok.kind == "op" and self.tok.text in ("**", "^"):
            raise self.error("chained powers such as x**2**3 are ambiguous; add parentheses: (x**2)**3")
        return base**exponent

    def atom(self) -> sp.Expr:
        tok = self.tok
        if tok.kind == "number":
            self.i += 1
            return sp.Rational(tok.text)  # exact: "0.1" is 1/10
        if tok.kind == "name":
            self.i += 1
            if self.tok.kind == "op" and self.tok.text == "(":
                raise self.error(f"`{tok.text}(...)` is a function call; only polynomials are allowed", tok)
            if tok.text in _RESERVED:
                raise self.error(f"`{tok.text}` is sympy's name for {_RESERVED[tok.text]}, not allowed as a variable; "
                                 "write the number instead", tok)
            return self.symbols.setdefault(tok.text, sp.Symbol(tok.text))
        if self.take("(") is not None:
            value = self.expr()
            if self.take(")") is None:
                raise self.error("missing `)`") if self.tok.kind == "end" else self.unexpected()
            return value
        if tok.kind == "end":
            raise self.error("the expression ends too early")
        raise self.unexpected()


def _symbols(symbols: dict[str, sp.Symbol] | None) -> dict[str, sp.Symbol]:
    return {} if symbols is None else symbols


def parse_polynomial(text: str, what: str = "the objective", symbols: dict[str, sp.Symbol] | None = None) -> sp.Expr:
    """The polynomial written in ``text`` as a sympy expression (see the module notes).

    ``what`` names the input in error messages (e.g. ``"--ineq 2"``); ``symbols`` maps names to the
    Symbols to use and receives the new ones. Raises :class:`InvalidProblemError` (a ValueError).

    >>> parse_polynomial("x**2 - 0.5*x*y + 1/3")
    x**2 - x*y/2 + 1/3
    """
    if not isinstance(text, str):
        raise InvalidProblemError(f"Invalid input for {what}: expected text, got {type(text).__name__}")
    tokens = _tokens(text, what)
    for tok in tokens:
        if tok.kind == "op" and tok.text in (">=", "<=", "==", "<", ">", "=", "!="):
            raise _fail(what, text, tok.pos, f"a relation `{tok.text}` where a polynomial was expected")
    return _Parser(text, tokens, what, _symbols(symbols)).parse()


def parse_constraint(text: str, kind: Literal["ineq", "eq", "any"], what: str,
                     symbols: dict[str, sp.Symbol] | None = None) -> tuple[str, sp.Expr]:
    """``("ineq", g)`` meaning ``g >= 0`` or ``("eq", h)`` meaning ``h == 0`` from ``text``.

    ``kind="ineq"``: ``a >= b``, ``a <= b`` or a bare ``g`` (``g >= 0``); ``kind="eq"``: ``a == b`` or
    a bare ``h`` (``h == 0``); ``kind="any"`` (a line of a problem file): a relation is required.
    """
    if not isinstance(text, str):
        raise InvalidProblemError(f"Invalid input for {what}: expected text, got {type(text).__name__}")
    tokens = _tokens(text, what)
    relations = [t for t in tokens if t.kind == "op" and t.text in (">=", "<=", "==", "<", ">", "=", "!=")]
    if len(relations) > 1:
        raise _fail(what, text, relations[1].pos, "more than one relation; write one constraint per argument or line")
    if not relations:
        if kind == "any":
            raise _fail(what, text, None, "a constraint needs a relation: `g >= 0`, `g <= h` or `h == 0`")
        return kind, _Parser(text, tokens, what, _symbols(symbols)).parse()
    rel = relations[0]
    if rel.text in ("<", ">"):
        raise _fail(what, text, rel.pos, f"strict inequality `{rel.text}`; only >=, <= and == are allowed")
    if rel.text in ("=", "!="):
        raise _fail(what, text, rel.pos, f"`{rel.text}` is not a relation here; write == for an equality")
    found = "eq" if rel.text == "==" else "ineq"
    if kind != "any" and found != kind:
        other = "--eq" if found == "eq" else "--ineq"
        raise _fail(what, text, rel.pos, f"`{rel.text}` makes this {'an equality' if found == 'eq' else 'an inequality'}; "
                    f"pass it with {other}")
    cut = tokens.index(rel)
    if cut == 0 or tokens[cut + 1].kind == "end":
        raise _fail(what, text, rel.pos, f"`{rel.text}` needs an expression on both sides")
    side = _symbols(symbols)
    lhs = _Parser(text, tokens[:cut] + [_Token("end", "", rel.pos)], what, side).parse()
    rhs = _Parser(text, tokens[cut + 1:], what, side).parse()
    return found, (rhs - lhs if rel.text == "<=" else lhs - rhs)


def parse_variables(text: str, what: str = "--vars") -> tuple[sp.Symbol, ...]:
    """Variable names separated by commas or spaces (``"x, y, z"``) as sympy Symbols, in that order."""
    names = [n for n in re.split(r"[,\s]+", text.strip()) if n]
    for name in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or name in _RESERVED:
            raise InvalidProblemError(f"Invalid input for {what}: `{name}` is not a variable name (letters, digits, _)")
    if not names:
        raise InvalidProblemError(f"Invalid input for {what}: no variable names in {text!r}")
    if len(set(names)) != len(names):
        raise InvalidProblemError(f"Invalid input for {what}: a variable is listed twice in {text!r}")
    return tuple(sp.Symbol(n) for n in names)


@dataclass(frozen=True)
class TextProblem:
    """A problem read from text: ``min objective s.t. inequalities >= 0, equalities == 0``."""

    objective: sp.Expr
    inequalities: tuple[sp.Expr, ...] = ()
    equalities: tuple[sp.Expr, ...] = ()
    variables: tuple[sp.Symbol, ...] | None = None


_OBJECTIVE = re.compile(r"^\s*(?:minimize|minimise|min)\b\s*:?\s*", re.IGNORECASE)
_MAXIMIZE = re.compile(r"^\s*(?:maximize|maximise|max)\b", re.IGNORECASE)
_VARIABLES = re.compile(r"^\s*variables\s*:\s*", re.IGNORECASE)
_SUBJECT_TO = re.compile(r"^\s*(?:subject\s+to|s\.t\.)\s*:?\s*$", re.IGNORECASE)


def parse_problem_text(text: str, source: str = "the problem text",
                       symbols: dict[str, sp.Symbol] | None = None) -> TextProblem:
    """The problem written in ``text`` in the file format of the module notes; ``source`` names it."""
    side = _symbols(symbols)
    objective = None
    inequalities: list[sp.Expr] = []
    equalities: list[sp.Expr] = []
    variables = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0]
        what = f"{source} line {number}"
        if not line.strip() or _SUBJECT_TO.match(line):
            continue
        if (m := _VARIABLES.match(line)) is not None:
            variables = parse_variables(line[m.end():], what)
            continue
        if objective is None:
            if _MAXIMIZE.match(line):
                raise InvalidProblemError(f"Invalid input for {what}: only minimization is supported; "
                                          "write `minimize -(f)` to maximize f")
            m = _OBJECTIVE.match(line)
            objective = parse_polynomial(line[m.end():] if m else line, what, side)
            continue
        kind, expr = parse_constraint(line, "any", what, side)
        (inequalities if kind == "ineq" else equalities).append(expr)
    if objective is None:
        raise InvalidProblemError(f"Invalid input for {source}: no objective (the first line that is not blank or a "
                                  "comment is the polynomial to minimize)")
    return TextProblem(objective, tuple(inequalities), tuple(equalities), variables)


def parse_problem_file(path: str | Path, symbols: dict[str, sp.Symbol] | None = None) -> TextProblem:
    """:func:`parse_problem_text` of the file at ``path`` (OSError when it cannot be read)."""
    return parse_problem_text(Path(path).read_text(encoding="utf-8"), str(path), symbols)
