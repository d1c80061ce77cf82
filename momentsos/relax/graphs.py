"""Sparsity graphs of a POP: correlative and term sparsity graphs, chordal extensions, cliques.

Two kinds of structure make a moment relaxation smaller without leaving the hierarchy:

* **Correlative sparsity** [WKKM06, Las06]. The *csp graph* has one node per variable and an
  edge ``{i, j}`` when ``x_i`` and ``x_j`` meet in one term of the objective or in one
  constraint (all variables of a constraint are pairwise joined). Its chordal extension's maximal
  cliques ``I_1, ..., I_p`` replace the single moment matrix over all variables by one moment
  matrix per clique (:mod:`momentsos.relax.sparse`).
* **Term sparsity** [WML21a, WML21b]. For a monomial basis ``B`` the *tsp graph* has one node
  per monomial and an edge ``{b, c}`` when ``b + c + supp(g)`` meets the current support ``S``;
  its chordal extension's maximal cliques split the moment or localizing matrix into blocks, and
  the support grows by what the blocks cover until a fixed point (:func:`term_sparsity_blocks`).

Chordal extensions, selected by ``chordal_extension``:

``"min_degree"``
    The elimination graph of the minimum-degree ordering (ties broken by the smallest index): an
    approximately smallest chordal extension, the default of SparsePOP and TSSOS ("MD" / "MF").
``"maximal"``
    Every connected component completed to a clique ("block" closure in TSSOS). Larger blocks,
    stronger bounds; with term sparsity its fixed point gives the dense bound (see
    :mod:`momentsos.relax.sparse`).

Graphs here are adjacency lists (``list[set[int]]``); the graphs of POPs are small (variables, or
the monomials of one clique), so set operations are cheaper than any matrix machinery.

References
----------
[WKKM06] H. Waki, S. Kim, M. Kojima, M. Muramatsu, "Sums of squares and semidefinite program
relaxations for polynomial optimization problems with structured sparsity", SIAM J. Optim.
17(1), 2006.
[Las06] J.-B. Lasserre, "Convergent SDP-relaxations in polynomial optimization with sparsity",
SIAM J. Optim. 17(3), 2006.
[WML21a] J. Wang, V. Magron, J.-B. Lasserre, "TSSOS: a moment-SOS hierarchy that exploits term
sparsity", SIAM J. Optim. 31(1), 2021.
[WML21b] J. Wang, V. Magron, J.-B. Lasserre, "Chordal-TSSOS: a moment-SOS hierarchy that
exploits term sparsity with chordal extension", SIAM J. Optim. 31(1), 2021.
[BP93] J. R. S. Blair, B. Peyton, "An introduction to chordal graphs and clique trees", in Graph
Theory and Sparse Matrix Computation, IMA Vol. 56, Springer, 1993.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import scipy.sparse as sparse
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

from ..basis import MonomialSet
from ..options import check_chordal_extension
from ..polynomial import Polynomial
from ..problem import PolyProblem

__all__ = [
    "graph_from_groups",
    "chordal_cliques",
    "is_chordal",
    "clique_tree",
    "csp_graph",
    "correlative_cliques",
    "CliqueDecomposition",
    "term_sparsity_graph",
    "tree_order",
]

Graph = list[set[int]]


# -- graphs -------------------------------------------------------------------------------------
def graph_from_groups(num_nodes: int, groups: Iterable[Iterable[int]]) -> Graph:
    """The graph on ``range(num_nodes)`` in which the nodes of each group are pairwise adjacent.

    Examples
    --------
    >>> graph_from_groups(4, [(0, 1), (1, 2, 3)])
    [{1}, {0, 2, 3}, {1, 3}, {1, 2}]
    """
    adj: Graph = [set() for _ in range(num_nodes)]
    for group in groups:
        nodes = sorted(set(int(v) for v in group))
        for v in nodes:
            adj[v].update(nodes)
            adj[v].discard(v)
    return adj


def _graph_from_edges(num_nodes: int, rows: NDArray[np.int64], cols: NDArray[np.int64]) -> Graph:
    adj: Graph = [set() for _ in range(num_nodes)]
    for i, j in zip(rows.tolist(), cols.tolist()):
        if i != j:
            adj[i].add(j)
            adj[j].add(i)
    return adj


def _maximal_sets(candidates: list[frozenset[int]]) -> list[frozenset[int]]:
    """The inclusion-maximal sets among ``candidates`` (duplicates removed)."""
    kept: list[frozenset[int]] = []
    for c in sorted(set(candidates), key=lambda s: (-len(s), sorted(s))):
        if not any(c <= k for k in kept):
            kept.append(c)
    return kept


def chordal_cliques(graph: Graph, chordal_extension: str = "min_degree") -> list[tuple[int, ...]]:
    """Maximal cliques of a chordal extension of ``graph``, each a sorted tuple, sorted by first node.

    With ``"min_degree"`` the nodes are eliminated in minimum-degree order (ties: smallest
    index); each eliminated node with its remaining neighbours is a clique of the filled graph,
    and the inclusion-maximal ones are all its maximal cliques [BP93]. With ``"maximal"`` the
    cliques are the connected components.

    Examples
    --------
    A 4-cycle needs one chord; a path is already chordal:

    >>> chordal_cliques(graph_from_groups(4, [(0, 1), (1, 2), (2, 3), (3, 0)]))
    [(0, 1, 3), (1, 2, 3)]
    >>> chordal_cliques(graph_from_groups(3, [(0, 1), (1, 2)]), "maximal")
    [(0, 1, 2)]
    """
    n = len(graph)
    if chordal_extension == "maximal":
        rows = [i for i, nb in enumerate(graph) for _ in nb]
        cols = [j for nb in graph for j in nb]
        adj = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
        _, labels = connected_components(adj, directed=False)
        groups: dict[int, list[int]] = {}
        for v, lab in enumerate(labels.tolist()):
            groups.setdefault(lab, []).append(v)
        return sorted(tuple(g) for g in groups.values())
    if chordal_extension != "min_degree":
        check_chordal_extension(chordal_extension)
    work = [set(nb) for nb in graph]
    alive = set(range(n))
    candidates: list[frozenset[int]] = []
    while alive:
        v = min(alive, key=lambda u: (len(work[u]), u))
        nb = work[v]
        candidates.append(frozenset(nb | {v}))
        for u in nb:
            work[u] |= nb
            work[u].discard(u)
            work[u].discard(v)
        alive.discard(v)
        work[v] = set()
    return sorted(tuple(sorted(c)) for c in _maximal_sets(candidates))


def is_chordal(graph: Graph) -> bool:
    """Whether every cycle of length >= 4 has a chord (maximum cardinality search test)."""
    n = len(graph)
    order: list[int] = []
    weight = [0] * n
    numbered = [False] * n
    for _ in range(n):
        v = max((u for u in range(n) if not numbered[u]), key=lambda u: (weight[u], -u))
        numbered[v] = True
        order.append(v)
        for u in graph[v]:
            if not numbered[u]:
                weight[u] += 1
    position = {v: i for i, v in enumerate(order)}
    # reverse of an MCS order is a perfect elimination ordering iff the graph is chordal
    for v in order:
        earlier = [u for u in graph[v] if position[u] < position[v]]
        if not earlier:
            continue
        parent = max(earlier, key=lambda u: position[u])
        if not set(earlier) - {parent} <= graph[parent]:
            return False
    return True


def clique_tree(cliques: Sequence[Sequence[int]]) -> list[int]:
    """A clique tree (forest) of the maximal cliques of a chordal graph, as a parent array.

    A maximum-weight spanning forest of the clique intersection graph (weight ``|I_a & I_b|``) is
    a clique tree and has the running intersection property [BP93]. ``parent[root] = -1``; the
    cliques are visited so that ``parent[i] < i`` holds after :func:`tree_order`.
    """
    p = len(cliques)
    sets = [set(c) for c in cliques]
    rows, cols, vals = [], [], []
    for a in range(p):
        for b in range(a + 1, p):
            w = len(sets[a] & sets[b])
            if w:
                rows.append(a)
                cols.append(b)
                vals.append(-float(w))  # minimum spanning tree of negated weights
    parent = [-1] * p
    if not rows:
        return parent
    tree = minimum_spanning_tree(sparse.csr_matrix((vals, (rows, cols)), shape=(p, p)))
    tree = tree + tree.T
    visited = [False] * p
    for root in range(p):
        if visited[root]:
            continue
        visited[root] = True
        stack = [root]
        while stack:
            a = stack.pop()
            for b in tree[a].indices.tolist():
                if not visited[b]:
                    visited[b] = True
                    parent[b] = a
                    stack.append(b)
    return parent


def tree_order(parent: Sequence[int]) -> list[int]:
    """The nodes of a forest in breadth-first order, every parent before its children."""
    children: dict[int, list[int]] = {}
    roots = []
    for v, p in enumerate(parent):
        (roots if p < 0 else children.setdefault(p, [])).append(v)
    order: list[int] = []
    queue = list(roots)
    while queue:
        v = queue.pop(0)
        order.append(v)
        queue.extend(children.get(v, []))
    return order


# -- correlative sparsity -----------------------------------------------------------------------
def _variables_of(p: Polynomial) -> tuple[int, ...]:
    return tuple(np.flatnonzero(p.exponents.any(axis=0)).tolist()) if p.nterms else ()


def csp_graph(problem: PolyProblem) -> Graph:
    """The correlative sparsity graph: variables joined when they share an objective term or a constraint."""
    groups: list[tuple[int, ...]] = []
    f = problem.objective
    groups += [tuple(np.flatnonzero(row).tolist()) for row in f.exponents]
    groups += [_variables_of(p) for p in (*problem.inequalities, *problem.equalities)]
    return graph_from_groups(problem.nvars, groups)


@dataclass(frozen=True)
class CliqueDecomposition:
    """Maximal cliques of the chordal extension of the csp graph and where constraints go.

    Attributes
    ----------
    cliques : tuple of tuple of int
        Variable indices (aligned with ``problem.variables``) of each clique, sorted.
    parent : tuple of int
        A clique tree as a parent array (``-1`` for roots); it has the running intersection property.
    inequalities : tuple of tuple of int
        ``inequalities[l]``: the inequalities whose variables all lie in clique ``l``. A constraint
        goes to *every* clique containing its variables (as in TSSOS): more localizing matrices,
        a bound at least as strong as with one clique each.
    equalities : tuple of tuple of int
        The same for the equalities.
    """

    cliques: tuple[tuple[int, ...], ...]
    parent: tuple[int, ...]
    inequalities: tuple[tuple[int, ...], ...]
    equalities: tuple[tuple[int, ...], ...]

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(len(c) for c in self.cliques)


def correlative_cliques(problem: PolyProblem, chordal_extension: str = "min_degree") -> CliqueDecomposition:
    """Cliques of the csp graph's chordal extension, a clique tree, and the constraint assignment.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.symbols("x0:4")
    >>> prob = PolyProblem(sum((x[i] - x[i + 1]**2)**2 for i in range(3)), [1 - x[0]**2])
    >>> d = correlative_cliques(prob)
    >>> d.cliques, d.inequalities
    (((0, 1), (1, 2), (2, 3)), ((0,), (), ()))
    """
    cliques = chordal_cliques(csp_graph(problem), chordal_extension)
    sets = [set(c) for c in cliques]

    def assign(polys: Sequence[Polynomial]) -> tuple[tuple[int, ...], ...]:
        owners: list[list[int]] = [[] for _ in cliques]
        for j, p in enumerate(polys):
            support = set(_variables_of(p))
            homes = [l for l, s in enumerate(sets) if support <= s]
            assert homes, "the variables of a constraint form a clique of the csp graph"
            for l in homes:
                owners[l].append(j)
        return tuple(tuple(o) for o in owners)

    return CliqueDecomposition(
        cliques=tuple(cliques),
        parent=tuple(clique_tree(cliques)),
        inequalities=assign(problem.inequalities),
        equalities=assign(problem.equalities),
    )


def term_sparsity_graph(
    basis: NDArray[np.int64], multiplier: NDArray[np.int64], support: MonomialSet
) -> Graph:
    """The tsp graph on ``basis``: ``{b, c}`` is an edge when ``b + c + supp(g)`` meets ``support``.

    ``multiplier`` holds the exponent rows of ``supp(g)`` (the zero row for the moment matrix).
    """
    s, n = basis.shape
    i, j = np.triu_indices(s, k=1)
    if not len(i):
        return [set() for _ in range(s)]
    sums = (basis[i] + basis[j])[:, None, :] + multiplier[None, :, :]
    hit = support.contains(sums.reshape(-1, n)).reshape(len(i), -1).any(axis=1)
    return _graph_from_edges(s, i[hit], j[hit])


