"""The dense Lasserre moment relaxation of order k, assembled as sparse linear maps of the moments.

For the POP ``min f s.t. g_j >= 0, h_i = 0`` the order-``k`` moment relaxation [Las01] is

.. math::

    \\min_y \\; L_y(f) \\quad\\text{s.t.}\\quad y_0 = 1,\\; M_k(y) \\succeq 0,\\;
    L_{g_j}(y) \\succeq 0,\\; L_y(h_i x^a) = 0 \\;(|a| \\le 2k - \\deg h_i),

with ``y`` indexed by the monomials of degree ``<= 2k`` (graded lex, see :mod:`momentsos.basis`).
Every matrix is a sparse linear map of ``y`` (:mod:`momentsos.relax.maps`); the SDP layer
(:mod:`momentsos.sdp`) takes the relaxation as these maps, whatever the solver.

References
----------
[Las01] J.-B. Lasserre, "Global optimization with polynomials and the problem of moments",
SIAM J. Optim. 11(3), 2001.
"""

from __future__ import annotations

import copy
import time

import numpy as np
import scipy.sparse as sparse
from numpy.typing import NDArray

from ..basis import MonomialBasis
from ..errors import RelaxationOrderError
from ..problem import PolyProblem
from .maps import MomentMatrix, equality_rows_map, localizing_matrix_map, moment_matrix_map, stack_rows
from .report import SparsityReport

__all__ = ["MomentRelaxation", "check_relaxation_order"]


def check_relaxation_order(problem: PolyProblem, order: object) -> int:
    """``order`` as an int, or :class:`RelaxationOrderError` when it is not an integer ``>= k0``."""
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)):
        raise RelaxationOrderError(f"Invalid option `order`: expected a positive integer; got {order!r}")
    if order < problem.min_order:
        raise RelaxationOrderError(
            f"Invalid option `order={order}`: below the minimal order {problem.min_order} "
            f"(max over objective and constraints of ceil(degree / 2)); allowed: order >= {problem.min_order}"
        )
    return int(order)


class MomentRelaxation:
    """The order-``k`` moment relaxation of a :class:`PolyProblem`, assembled as sparse maps.

    Parameters
    ----------
    problem : PolyProblem
    order : int
        Relaxation order ``k >= problem.min_order``.

    Attributes
    ----------
    basis : MonomialBasis
        Monomials of degree ``<= 2k``: the index set of the moment vector.
    moment_map : scipy.sparse.csr_matrix
        ``vec(M_k(y)) = moment_map @ y``.
    localizing_maps : list of csr_matrix
        One per inequality, ``vec(L_{g_j}(y)) = localizing_maps[j] @ y``.
    equality_map : csr_matrix
        Stacked rows ``L(h_i x^a)``; the relaxation imposes ``equality_map @ y = 0``.
    objective_vector : ndarray
        ``L_y(f) = objective_vector @ y``.
    sparsity : SparsityReport or None
        What ``minimize(sparsity=...)`` chose, when this dense relaxation was its choice.
    """

    def __init__(self, problem: PolyProblem, order: int, sparsity: SparsityReport | None = None) -> None:
        check_relaxation_order(problem, order)
        self.sparsity = sparsity
        start = time.perf_counter()
        self.problem = problem
        self.order = int(order)
        n = problem.nvars
        self.basis = MonomialBasis(n, 2 * self.order)
        self.row_basis = MonomialBasis(n, self.order)
        self.moment_map = moment_matrix_map(self.basis, self.order)
        self.localizing_maps = [localizing_matrix_map(self.basis, self.order, g) for g in problem.inequalities]
        eq_blocks = [equality_rows_map(self.basis, self.order, h) for h in problem.equalities]
        self.equality_map = stack_rows(eq_blocks, len(self.basis))
        self.objective_vector = np.zeros(len(self.basis))
        f = problem.objective
        if f.nterms:
            self.objective_vector[self.basis.index_of(f.exponents)] = f.coefficients
        self.build_time = time.perf_counter() - start

    def face_relaxation(self, level: float) -> MomentRelaxation:
        """The same constraints plus the cut ``L_y(f) <= level``, with objective ``trace M_k(y)``.

        An interior-point solver converges to the analytic centre of the optimal face, whose rank
        is the largest on that face, so a relaxation that is exact can still look "not flat".
        Minimising the trace over the (nearly) optimal moments, a convex surrogate of rank, moves
        to a low-rank point of the face where flat truncation shows [Nie14]. The result is only a
        better place to look for atoms; the lower bound stays the one of the original relaxation.

        [Nie14] J. Nie, "Optimality conditions and finite convergence of Lasserre's hierarchy",
        Math. Program. 146, 2014 (generic objectives on the optimal face).
        """
        other = copy.copy(self)
        s = self.matrix_size
        diagonal = self.moment_map[np.arange(s) * (s + 1)]
        other.objective_vector = np.asarray(diagonal.sum(axis=0)).ravel()
        cut = -self.objective_vector.copy()
        cut[0] += level
        other.localizing_maps = [*self.localizing_maps, sparse.csr_matrix(cut[None, :])]
        return other

    @property
    def psd_maps(self) -> list[sparse.csr_matrix]:
        """Every PSD block as a sparse map of ``y`` (the moment matrix first): what the solvers take."""
        return [self.moment_map, *self.localizing_maps]

    @property
    def num_moments(self) -> int:
        return len(self.basis)

    @property
    def matrix_size(self) -> int:
        return len(self.row_basis)

    def __repr__(self) -> str:
        return (
            f"MomentRelaxation(order={self.order}, moments={self.num_moments}, "
            f"moment matrix {self.matrix_size}x{self.matrix_size}, {len(self.localizing_maps)} localizing blocks, "
            f"{self.equality_map.shape[0]} equality rows)"
        )

    def moment_matrix_of(self, moments: NDArray[np.float64]) -> MomentMatrix | None:
        """The (symmetrised) moment matrix ``M_k(y)`` with its basis labels."""
        s = self.matrix_size
        values = (self.moment_map @ moments).reshape(s, s)
        return MomentMatrix(0.5 * (values + values.T), self.row_basis, self.order)

