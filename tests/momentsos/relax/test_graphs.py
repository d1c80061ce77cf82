"""Sparsity graphs, chordal extensions, clique trees and term-sparsity blocks (no solver)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp

from momentsos import PolyProblem, problems
from momentsos.basis import MonomialSet
from momentsos.certify.sparse import first_moment_candidate
from momentsos.relax.graphs import (
    chordal_cliques,
    clique_tree,
    correlative_cliques,
    csp_graph,
    graph_from_groups,
    is_chordal,
    term_sparsity_graph,
)
from momentsos.relax.sparse import sparse_relaxations


def _cycle(n: int) -> list[set[int]]:
    return graph_from_groups(n, [(i, (i + 1) % n) for i in range(n)])


def _filled(n: int, cliques: list[tuple[int, ...]]) -> list[set[int]]:
    return graph_from_groups(n, cliques)


def _random_graph(rng: np.random.Generator, n: int, p: float) -> list[set[int]]:
    return graph_from_groups(n, [e for e in itertools.combinations(range(n), 2) if rng.random() < p])


# -- hand-checked graphs ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "graph, expected",
    [
        (graph_from_groups(4, [(0, 1), (1, 2), (2, 3)]), [(0, 1), (1, 2), (2, 3)]),  # a path is chordal
        (graph_from_groups(4, [(0, 1), (0, 2), (0, 3)]), [(0, 1), (0, 2), (0, 3)]),  # a star
        (graph_from_groups(4, [(0, 1, 2, 3)]), [(0, 1, 2, 3)]),  # complete
        (graph_from_groups(5, [(0, 1), (2, 3)]), [(0, 1), (2, 3), (4,)]),  # components and an isolated node
        # 4-cycle 0-1-2-3-0: min degree eliminates 0 first and joins its neighbours 1 and 3
        (_cycle(4), [(0, 1, 3), (1, 2, 3)]),
        # 5-cycle: eliminate 0 (fill 1-4), then 1 in the 4-cycle 1-2-3-4 (fill 2-4), then the triangle
        (_cycle(5), [(0, 1, 4), (1, 2, 4), (2, 3, 4)]),
        # two triangles sharing an edge (already chordal, nothing added)
        (graph_from_groups(4, [(0, 1, 2), (1, 2, 3)]), [(0, 1, 2), (1, 2, 3)]),
    ],
)
def test_min_degree_cliques_hand_checked(graph, expected):
    assert chordal_cliques(graph, "min_degree") == expected


def test_maximal_extension_is_the_connected_components():
    graph = graph_from_groups(7, [(0, 1), (1, 2), (4, 5), (5, 6), (6, 4)])
    assert chordal_cliques(graph, "maximal") == [(0, 1, 2), (3,), (4, 5, 6)]


def test_is_chordal_hand_checked():
    assert is_chordal(graph_from_groups(4, [(0, 1), (1, 2), (2, 3)]))
    assert not is_chordal(_cycle(4))
    assert not is_chordal(_cycle(6))
    assert is_chordal(graph_from_groups(4, [(0, 1, 3), (1, 2, 3)]))


@pytest.mark.parametrize("seed", range(6))
def test_min_degree_extension_is_chordal_and_covers_the_graph(seed):
    rng = np.random.default_rng(seed)
    n = 12
    graph = _random_graph(rng, n, 0.25)
    cliques = chordal_cliques(graph)
    filled = _filled(n, cliques)
    assert is_chordal(filled)
    assert all(graph[v] <= filled[v] for v in range(n))  # an extension: no edge lost
    sets = [set(c) for c in cliques]
    assert not any(a < b for a in sets for b in sets)  # maximal: no clique inside another
    assert sorted(set().union(*sets)) == list(range(n))


@pytest.mark.parametrize("seed", range(4))
def test_cliques_agree_with_networkx_on_the_filled_graph(seed):
    nx = pytest.importorskip("networkx")
    rng = np.random.default_rng(100 + seed)
    n = 10
    cliques = chordal_cliques(_random_graph(rng, n, 0.3))
    filled = nx.Graph()
    filled.add_nodes_from(range(n))
    for c in cliques:
        filled.add_edges_from(itertools.combinations(c, 2))
    assert nx.is_chordal(filled)
    assert sorted(tuple(sorted(c)) for c in nx.chordal_graph_cliques(filled)) == cliques


@pytest.mark.parametrize("seed", range(4))
def test_clique_tree_has_the_running_intersection_property(seed):
    rng = np.random.default_rng(200 + seed)
    n = 14
    cliques = chordal_cliques(_random_graph(rng, n, 0.2))
    parent = clique_tree(cliques)
    # for every variable, the cliques containing it form a connected subtree: exactly one of them
    # has its parent outside the set
    for v in range(n):
        holding = {i for i, c in enumerate(cliques) if v in c}
        tops = [i for i in holding if parent[i] not in holding]
        assert len(tops) == 1, (v, holding, parent)


# -- correlative sparsity of problems ------------------------------------------------------------------
def test_csp_cliques_of_the_chained_problems():
    rosen = correlative_cliques(problems.chained_rosenbrock(6).problem())
    assert rosen.cliques == tuple((i, i + 1) for i in range(5))
    broyden = correlative_cliques(problems.broyden_tridiagonal(6).problem())
    assert broyden.cliques == tuple((i, i + 1, i + 2) for i in range(4))
    wood = correlative_cliques(problems.chained_wood(8).problem())
    # terms join x1-x2, x3-x4, x2-x4, then x3-x4, x5-x6, x4-x6, ...: a tree, cliques are its edges
    assert wood.cliques == ((0, 1), (1, 3), (2, 3), (3, 5), (4, 5), (5, 7), (6, 7))


def test_constraints_go_to_every_clique_that_holds_their_variables():
    x = sp.symbols("x0:4")
    f = x[0] * x[1] + x[1] * x[2] + x[2] * x[3]
    prob = PolyProblem(f, inequalities=[1 - x[1] ** 2, 1 - x[0] ** 2 - x[3] ** 2], equalities=[x[2] - x[3] ** 2],
                       variables=x)
    graph = csp_graph(prob)
    assert graph[0] == {1, 3} and graph[3] == {0, 2}  # the second inequality joins x0 and x3
    d = correlative_cliques(prob)
    assert d.cliques == ((0, 1, 3), (1, 2, 3))
    assert d.inequalities == ((0, 1), (0,))
    assert d.equalities == ((), (0,))


# -- monomial sets and term sparsity -------------------------------------------------------------------
def test_monomial_set_is_graded_lex_with_exact_lookup():
    rows = np.array([[0, 2, 0], [1, 0, 0], [0, 0, 0], [0, 1, 1], [1, 0, 0], [2, 0, 0]])
    s = MonomialSet(rows)
    assert s.exponents.tolist() == [[0, 0, 0], [1, 0, 0], [2, 0, 0], [0, 2, 0], [0, 1, 1]]
    assert s.index_of([[0, 1, 1], [0, 0, 0]]).tolist() == [4, 0]
    assert s.contains([[1, 1, 0], [2, 0, 0]]).tolist() == [False, True]
    with pytest.raises(KeyError):
        s.index_of([[0, 0, 1]])


def test_monomial_set_integer_and_byte_keys_agree_with_a_plain_sort():
    # integer keys where they fit int64 (small exponents), raw bytes otherwise (40 variables of degree
    # up to 8 do not fit); queries with entries above the set's largest, or negative, are not members
    rng = np.random.default_rng(3)
    for n, top in ((1, 3), (3, 6), (6, 2), (40, 8)):
        rows = rng.integers(0, top + 1, size=(60, n))
        s = MonomialSet(rows)
        assert (s._weights is None) == (n == 40)
        distinct = sorted({tuple(r) for r in rows.tolist()}, key=lambda r: (sum(r), [-e for e in r]))
        assert s.exponents.tolist() == [list(r) for r in distinct]
        assert s.index_of(rows[::-1]).tolist() == [distinct.index(tuple(r)) for r in rows[::-1].tolist()]
        queries = np.vstack([rows[:5], rows[:5] + top + 1, -rows[:5] - 1])
        assert s.contains(queries).tolist() == [True] * 5 + [False] * 10


def test_term_sparsity_graph_hand_checked():
    # f = 1 + x^4 + y^4 on B_2 = (1, x, y, x^2, xy, y^2): S = supp f + 2B = {1, x^2, y^2, x^4, x^2y^2, y^4};
    # b + c lands in S only for {1, x^2}, {1, y^2}, {x^2, y^2}
    basis = np.array([[0, 0], [1, 0], [0, 1], [2, 0], [1, 1], [0, 2]])
    support = MonomialSet(np.vstack([[[0, 0], [4, 0], [0, 4]], 2 * basis]))
    graph = term_sparsity_graph(basis, np.zeros((1, 2), dtype=np.int64), support)
    assert graph == [{3, 5}, set(), set(), {0, 5}, set(), {0, 3}]
    assert chordal_cliques(graph) == [(0, 3, 5), (1,), (2,), (4,)]


def test_tssos_steps_reach_the_sign_symmetry_blocks_at_once():
    x, y = sp.symbols("x y")
    prob = PolyProblem(1 + x**4 + y**4, variables=(x, y))
    steps = list(sparse_relaxations(prob, 2, "term"))
    assert len(steps) == 1 and steps[0].sparsity.fixed_point
    blocks = sorted(b.rows.tolist() for b in steps[0].blocks)
    assert blocks == sorted([[[0, 0], [2, 0], [0, 2]], [[1, 0]], [[0, 1]], [[1, 1]]])


def test_tssos_supports_grow_and_stop_at_a_fixed_point():
    x = sp.symbols("x0:4")
    f = -1.65 * x[0] ** 4 + 0.66 * x[0] ** 2 * x[2] ** 2 + 2.04 * x[0] * x[1] * x[3] + 0.11 * x[1] ** 2 \
        + 0.17 * x[1] * x[3] + 0.65 * x[2] * x[3] - 0.51 * x[2]
    prob = PolyProblem(f, [1 - sum(v**2 for v in x)], variables=x)
    steps = list(sparse_relaxations(prob, 2, "term"))
    assert [r.sparsity.term_step for r in steps] == list(range(1, len(steps) + 1))
    assert [r.sparsity.fixed_point for r in steps] == [False] * (len(steps) - 1) + [True]
    sizes = [r.num_moments for r in steps]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    capped = list(sparse_relaxations(prob, 2, "term", max_term_steps=2))
    assert len(capped) == 2


def test_first_moment_candidate_falls_back_on_second_moments():
    idx = MonomialSet(np.array([[0, 0, 0], [1, 0, 0], [0, 0, 2]]))
    y = np.array([1.0, -0.5, 9.0])
    assert first_moment_candidate(idx, y, 3).tolist() == [-0.5, 0.0, 3.0]


def test_sparse_maps_are_principal_submatrices_of_the_dense_ones():
    """Every block evaluated at the moments of a point is the dense matrix restricted to its rows."""
    from momentsos.basis import MonomialBasis
    from momentsos.relax.maps import moment_vector_of_atoms

    prob = problems.broyden_tridiagonal(5).problem()
    point = np.array([0.3, -0.7, 1.1, 0.2, -0.4])
    for mode in ("correlative", "both"):
        relaxation = next(sparse_relaxations(prob, 2, mode))
        y = moment_vector_of_atoms(MonomialBasis(5, 4), point[None, :], np.ones(1))
        dense_index = MonomialBasis(5, 4)
        y_sparse = y[dense_index.index_of(relaxation.basis.exponents)]
        for block, A in zip(relaxation.blocks, relaxation.block_maps):
            v = np.prod(point[None, :] ** block.rows, axis=1)
            np.testing.assert_allclose((A @ y_sparse).reshape(block.size, block.size), np.outer(v, v), atol=1e-12)
        np.testing.assert_allclose(relaxation.objective_vector @ y_sparse, prob.objective.evaluate(point), rtol=1e-12)
