"""How a problem becomes relaxations at one order: dense, correlative, term, both, Newton, or auto.

Each strategy is a type with one method, ``relaxations(problem, order)``, which yields the
relaxations to solve at that order, lazily: a TSSOS climb yields its support steps up to the fixed
point, the Newton strategy the reduced relaxation and then the dense one. The hierarchy
(:mod:`momentsos.hierarchy`) solves them in turn and stops when one settles the order, so what is
not needed is never built. :func:`strategy_for` maps the ``sparsity`` option to its strategy.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb
from typing import Iterator, Protocol

from ..errors import InvalidOptionError
from ..problem import PolyProblem
from .dense import MomentRelaxation
from .graphs import correlative_cliques
from .newton import NewtonBasis, newton_basis
from .report import dense_report
from .sparse import newton_relaxations, sparse_relaxations

__all__ = [
    "Strategy", "Dense", "Correlative", "Term", "CorrelativeTerm", "Newton", "Auto", "strategy_for",
    "SparsityChoice", "plan_sparsity", "AUTO_MOMENT_RATIO",
]

AUTO_MOMENT_RATIO = 0.5
"""``sparsity="auto"`` uses correlative sparsity when the cliques hold at most this share of the
dense relaxation's moments (counted as ``sum_l comb(|I_l| + 2k, 2k)``)."""


class Strategy(Protocol):
    def relaxations(self, problem: PolyProblem, order: int) -> Iterator[MomentRelaxation]: ...

    def size_bound(self, problem: PolyProblem, order: int) -> int:
        """An upper bound on the moments (or basis rows) the strategy allocates at ``order``."""
        ...


def _dense_moments(problem: PolyProblem, order: int) -> int:
    return comb(problem.nvars + 2 * order, problem.nvars)


def _clique_moments(problem: PolyProblem, order: int, chordal_extension: str) -> int:
    return sum(comb(len(c) + 2 * order, 2 * order) for c in correlative_cliques(problem, chordal_extension).cliques)


def _row_count(problem: PolyProblem, order: int) -> int:
    """The monomials of degree <= ``order``: the rows a term-sparse or Newton relaxation starts from
    (its moments are the pair sums its blocks touch, not the dense basis)."""
    return comb(problem.nvars + order, problem.nvars)


@dataclass(frozen=True)
class Dense:
    """The dense relaxation; ``requested`` (with ``reason``) when "auto" or "newton" chose it, for its report."""

    requested: str | None = None
    reason: str = ""
    chordal_extension: str = "min_degree"

    def relaxations(self, problem: PolyProblem, order: int) -> Iterator[MomentRelaxation]:
        report = None if self.requested is None else dense_report(
            problem, order, self.requested, self.reason, self.chordal_extension)
        yield MomentRelaxation(problem, order, report)

    def size_bound(self, problem: PolyProblem, order: int) -> int:
        return _dense_moments(problem, order)


@dataclass(frozen=True)
class Correlative:
    """One moment matrix per clique of the correlative sparsity graph's chordal extension."""

    chordal_extension: str = "min_degree"
    requested: str = "correlative"
    reason: str = ""

    def relaxations(self, problem: PolyProblem, order: int) -> Iterator[MomentRelaxation]:
        yield from sparse_relaxations(problem, order, "correlative", self.requested, self.reason, self.chordal_extension)

    def size_bound(self, problem: PolyProblem, order: int) -> int:
        return _clique_moments(problem, order, self.chordal_extension)


@dataclass(frozen=True)
class Term:
    """TSSOS: the support steps ``1, 2, ...`` up to the fixed point (or ``max_steps``)."""

    chordal_extension: str = "min_degree"
    max_steps: int | None = None

    def relaxations(self, problem: PolyProblem, order: int) -> Iterator[MomentRelaxation]:
        yield from sparse_relaxations(problem, order, "term", "term", "", self.chordal_extension, self.max_steps)

    def size_bound(self, problem: PolyProblem, order: int) -> int:
        return _row_count(problem, order)


@dataclass(frozen=True)
class CorrelativeTerm:
    """CS-TSSOS: term sparsity inside each clique of correlative sparsity."""

    chordal_extension: str = "min_degree"
    max_steps: int | None = None

    def relaxations(self, problem: PolyProblem, order: int) -> Iterator[MomentRelaxation]:
        yield from sparse_relaxations(problem, order, "both", "both", "", self.chordal_extension, self.max_steps)

    def size_bound(self, problem: PolyProblem, order: int) -> int:
        return min(_row_count(problem, order), _clique_moments(problem, order, self.chordal_extension))


@dataclass(frozen=True)
class Newton:
    """One moment matrix over the Newton-reduced basis (unconstrained problems), then the dense one."""

    chordal_extension: str = "min_degree"
    requested: str = "newton"
    reason: str = ""
    basis: NewtonBasis | None = None

    def relaxations(self, problem: PolyProblem, order: int) -> Iterator[MomentRelaxation]:
        if problem.inequalities or problem.equalities:
            raise InvalidOptionError(
                f"Invalid option `sparsity={self.requested!r}` for a problem with {len(problem.inequalities)} "
                f"inequalities and {len(problem.equalities)} equalities: the Newton polytope reduction applies "
                "to unconstrained problems only; allowed there: 'none', 'auto', 'correlative', 'term', 'both'"
            )
        yield from newton_relaxations(problem, order, self.requested, self.reason, self.chordal_extension, self.basis)

    def size_bound(self, problem: PolyProblem, order: int) -> int:
        # the dense relaxation follows when the reduced one is not flat
        return _dense_moments(problem, order)


@dataclass(frozen=True)
class Auto:
    """The rule of :func:`plan_sparsity`, applied at each order."""

    chordal_extension: str = "min_degree"

    def relaxations(self, problem: PolyProblem, order: int) -> Iterator[MomentRelaxation]:
        choice = plan_sparsity(problem, order, self.chordal_extension)
        chosen: Strategy
        if choice.used == "newton":
            chosen = Newton(self.chordal_extension, "auto", choice.reason, choice.newton)
        elif choice.used == "correlative":
            chosen = Correlative(self.chordal_extension, "auto", choice.reason)
        else:
            chosen = Dense("auto", choice.reason, self.chordal_extension)
        yield from chosen.relaxations(problem, order)

    def size_bound(self, problem: PolyProblem, order: int) -> int:
        # the rule of plan_sparsity: correlative when it pays, else a relaxation at most the dense one
        dense = _dense_moments(problem, order)
        cliques = correlative_cliques(problem, self.chordal_extension).cliques
        sparse = sum(comb(len(c) + 2 * order, 2 * order) for c in cliques)
        return sparse if len(cliques) > 1 and sparse <= AUTO_MOMENT_RATIO * dense else dense


def strategy_for(sparsity: str, chordal_extension: str = "min_degree", term_steps: int | None = None) -> Strategy:
    """The strategy of a (validated) ``sparsity`` option."""
    return {
        "none": lambda: Dense(),
        "auto": lambda: Auto(chordal_extension),
        "correlative": lambda: Correlative(chordal_extension),
        "term": lambda: Term(chordal_extension, term_steps),
        "both": lambda: CorrelativeTerm(chordal_extension, term_steps),
        "newton": lambda: Newton(chordal_extension),
    }[sparsity]()


@dataclass(frozen=True)
class SparsityChoice:
    """What ``sparsity="auto"`` chose: ``used``, why, and the Newton basis when ``used == "newton"``."""

    used: str
    reason: str
    newton: NewtonBasis | None = None


def plan_sparsity(problem: PolyProblem, order: int, chordal_extension: str = "min_degree") -> SparsityChoice:
    """The rule of ``sparsity="auto"``: "correlative", "newton" or "none", with the reason.

    Correlative sparsity is used when the csp graph splits into more than one clique and the
    cliques hold at most :data:`AUTO_MOMENT_RATIO` of the dense moments
    (``sum_l comb(|I_l| + 2k, 2k) <= 0.5 comb(n + 2k, 2k)``). Otherwise, on a problem without
    constraints, the Newton-reduced basis is used when it drops monomials and keeps ``1`` and every
    ``x_i`` (its bound is the dense one). Term sparsity is never chosen automatically: its bounds
    can be weaker than the dense ones before the fixed point and it has no flatness test, so it
    stays an explicit choice.
    """
    decomp = correlative_cliques(problem, chordal_extension)
    n, two_k = problem.nvars, 2 * order
    dense = comb(n + two_k, two_k)
    sparse_count = sum(comb(len(c) + two_k, two_k) for c in decomp.cliques)
    sizes = sorted(decomp.sizes, reverse=True)
    if len(decomp.cliques) > 1 and sparse_count <= AUTO_MOMENT_RATIO * dense:
        return SparsityChoice("correlative", f"{len(sizes)} cliques of at most {sizes[0]} of {n} variables: at "
                                             f"most {sparse_count} moments against {dense} dense")
    if len(decomp.cliques) == 1:
        reason = f"the correlative sparsity graph's chordal extension is one clique of all {n} variables"
    else:
        reason = (f"{len(sizes)} cliques of up to {sizes[0]} of {n} variables hold {sparse_count} moments, "
                  f"more than {AUTO_MOMENT_RATIO:g} of the {dense} dense ones")
    if problem.inequalities or problem.equalities:
        return SparsityChoice("none", reason)
    basis = newton_basis(problem.objective, order)
    if basis.reduces:
        return SparsityChoice("newton", f"{reason}; the Newton polytope keeps {basis.size} of the "
                                        f"{basis.dense_size} monomials of degree <= {order}", basis)
    why = "drops no monomial" if basis.has_first_moments else "drops a degree-1 monomial"
    return SparsityChoice("none", f"{reason}; the Newton-reduced basis {why}")
