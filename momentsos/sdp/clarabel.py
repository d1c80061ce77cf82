"""The moment SDP handed to Clarabel's own Python API, without cvxpy.

Clarabel solves ``min q^T x  s.t.  A x + s = b,  s in K`` (here ``P = 0``) and returns the dual
``z in K*`` with ``q + A^T z = 0``. The relaxation ``min c^T y  s.t.  y_0 = 1,  E y = 0,
mat(B_j y) >= 0`` becomes

* a zero cone of ``1 + rows(E)`` rows: ``[e_0; E] y + s = [1; 0]``;
* per block of size 1 a nonnegative cone, ``-B_j y + s = 0``;
* per larger block a ``PSDTriangleConeT(s_j)``: ``-svec(B_j y) + s = 0``, where ``svec`` lists the
  upper triangle column by column with off-diagonal entries multiplied by ``sqrt(2)`` (Clarabel's
  convention, which makes ``svec(X) . svec(Y) = <X, Y>``).

Dual feasibility reads ``c = e_0 z_0 + E^T z_E + sum_j B_j^* Z_j`` up to sign, with ``Z_j = smat(z_j)``
(off-diagonals divided by ``sqrt(2)``) positive semidefinite: the Gram matrices of the SOS
certificate, in block order, exactly what the cvxpy route returns as ``dual_value``. The dual
objective is ``-b^T z = -z_0``.

Compared with the cvxpy route this skips cvxpy's canonicalisation (several milliseconds even for a
10 x 10 moment matrix, the bulk of a small solve) and the import of cvxpy itself.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
import time
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import scipy.sparse as sparse
from numpy.typing import NDArray

from ..errors import InvalidOptionError
from ..relax.maps import INT32_MAX
from ..tables import small_size_cache
from .solution import RelaxationSolution, map_status, solution_of

__all__ = ["ClarabelOutcome", "ClarabelRoute", "svec_map", "smat", "solve_clarabel"]

_SQRT2 = float(np.sqrt(2.0))

# Clarabel's status names (str(solution.status)) -> the status strings of momentsos.sdp
_STATUS = {
    "Solved": "optimal",
    "AlmostSolved": "optimal_inaccurate",
    "PrimalInfeasible": "infeasible",
    "DualInfeasible": "unbounded",
    "AlmostPrimalInfeasible": "infeasible_inaccurate",
    "AlmostDualInfeasible": "unbounded_inaccurate",
    "MaxIterations": "user_limit",
    "MaxTime": "user_limit",
    "NumericalError": "solver_error",
    "InsufficientProgress": "solver_error",
}


@dataclass(frozen=True)
class ClarabelOutcome:
    """One Clarabel solve of the moment SDP.

    ``status`` is a status string of :func:`momentsos.sdp.map_status`, ``raw_status`` Clarabel's
    own name (or the exception text); ``y`` and ``duals``
    are None when Clarabel returned no solution; ``assemble_time`` is the conic data construction,
    ``solve_time`` Clarabel's own clock.
    """

    status: str
    raw_status: str
    y: NDArray[np.float64] | None
    duals: tuple[NDArray[np.float64], ...] | None
    dual_objective: float | None
    iterations: int | None
    assemble_time: float
    solve_time: float


_CACHED_TRIANGLE_MAX = 128
"""Largest block size whose svec indices and entry patterns are cached (at most 130 KB and 260 KB each)."""


@small_size_cache(lambda s: s <= _CACHED_TRIANGLE_MAX)
def _triangle(s: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Row and column of each svec entry: upper triangle, column by column (cached for small
    blocks, where np.tril_indices costs more than the rest of :func:`smat`)."""
    col, row = np.tril_indices(s)  # lower triangle by rows == upper triangle by columns, transposed
    return row, col


def _triplets(matrix: sparse.spmatrix) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Row, column and value of each stored entry; read off a CSR matrix's arrays without converting it."""
    if sparse.issparse(matrix) and matrix.format == "csr":
        rows = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))
        return rows, matrix.indices.astype(np.int64), matrix.data
    coo = sparse.coo_matrix(matrix)
    return coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data


def _svec_triplets(block: sparse.spmatrix, s: int) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """COO triplets of :func:`svec_map` (duplicates to be summed): entry ``(a, b)`` of the
    row-major block goes to the svec row of ``(min(a, b), max(a, b))``, weighted ``1`` on the diagonal
    and ``sqrt(2) / 2`` off it, so that mirrored entries add up to ``sqrt(2)`` times their mean."""
    row, col, data = _triplets(block)
    target, weight = _svec_rows(s)
    return target[row], col, data * weight[row]


@small_size_cache(lambda s: s <= _CACHED_TRIANGLE_MAX)
def _svec_rows(s: int) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """For each entry of a row-major ``s x s`` block: its svec row and weight (see :func:`_svec_triplets`)."""
    a, b = np.divmod(np.arange(s * s), s)
    i, j = np.minimum(a, b), np.maximum(a, b)
    return j * (j + 1) // 2 + i, np.where(a == b, 1.0, _SQRT2 / 2.0)


def _csc(rows: NDArray[np.int64], cols: NDArray[np.int64], values: NDArray[np.float64],
         shape: tuple[int, int]) -> sparse.csc_matrix:
    """The CSC matrix of COO triplets, duplicates summed, built with numpy alone (scipy's COO
    conversion costs as much as a small solve)."""
    key = cols * shape[0] + rows
    order = np.argsort(key, kind="stable")
    key = key[order]
    first = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1]))) if key.size else np.zeros(0, np.int64)
    data = np.add.reduceat(values[order], first) if key.size else np.zeros(0)
    unique = key[first]
    indptr = np.concatenate(([0], np.cumsum(np.bincount(unique // shape[0], minlength=shape[1]))))
    index = np.int32 if max(len(unique), shape[0]) < INT32_MAX else np.int64
    out = sparse.csc_matrix((data, (unique % shape[0]).astype(index), indptr.astype(index)), shape=shape)
    out.has_canonical_format = True  # sorted and summed: spares the check Clarabel's binding asks for
    return out


def svec_map(block: sparse.spmatrix, s: int) -> sparse.csr_matrix:
    """``svec(mat(block @ y))`` as a sparse map of ``y`` (the symmetric part of the block)."""
    rows, cols, vals = _svec_triplets(block, s)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(s * (s + 1) // 2, block.shape[1]))


def smat(z: NDArray[np.float64], s: int) -> NDArray[np.float64]:
    """The symmetric ``s x s`` matrix whose svec is ``z`` (inverse of the svec scaling)."""
    i, j = _triangle(s)
    values = np.where(i == j, z, z / _SQRT2)
    out = np.zeros((s, s))
    out[i, j] = values
    out[j, i] = values
    return out


@functools.lru_cache(maxsize=8)
def _zero_quadratic(m: int) -> sparse.csc_matrix:
    """The empty ``m x m`` quadratic term of Clarabel's objective (an SDP has none); cached, since
    scipy's checks cost a tenth of a small solve (shared safely: it has no entries to change)."""
    return sparse.csc_matrix((np.zeros(0), np.zeros(0, np.int32), np.zeros(m + 1, np.int32)), shape=(m, m))


@functools.lru_cache(maxsize=1)
def _setting_names() -> frozenset[str]:
    import clarabel  # noqa: PLC0415 - lazy on purpose

    return frozenset(a for a in dir(clarabel.DefaultSettings()) if not a.startswith("_") and a != "default")


def _settings(options: Mapping[str, Any], verbose: bool) -> Any:
    import clarabel  # noqa: PLC0415 - lazy on purpose

    settings = clarabel.DefaultSettings()
    settings.verbose = bool(verbose)
    allowed = _setting_names()
    for key, value in options.items():
        if key not in allowed:
            raise InvalidOptionError(
                f"Invalid option `solver_options`: {key!r} (= {value!r}) is not a CLARABEL setting; "
                "see clarabel.DefaultSettings() for the allowed names"
            )
        try:
            setattr(settings, key, value)
        except (TypeError, ValueError, OverflowError) as exc:
            kind = type(getattr(settings, key)).__name__
            raise InvalidOptionError(
                f"Invalid option `solver_options[{key!r}]={value!r}` for CLARABEL: expected a {kind} ({exc})"
            ) from None
    return settings


def solve_clarabel(
    c: NDArray[np.float64],
    blocks: Sequence[sparse.spmatrix],
    equality: sparse.spmatrix | None = None,
    options: Mapping[str, Any] | None = None,
    verbose: bool = False,
) -> ClarabelOutcome:
    """Minimise ``c^T y`` subject to ``y_0 = 1``, ``equality @ y = 0`` and ``mat(B_j y) >= 0``.

    ``blocks`` are row-major vec maps of ``s_j x s_j`` matrices (as
    :attr:`momentsos.relax.dense.MomentRelaxation.psd_maps`). ``options`` are Clarabel settings by
    name; an unknown name or a value of the wrong type raises :class:`InvalidOptionError`.
    Solver failures are statuses (``ClarabelOutcome.status``), never exceptions.
    """
    import clarabel  # noqa: PLC0415

    settings = _settings(options or {}, verbose)
    start = time.perf_counter()
    m = len(c)
    # one COO triplet list for the whole constraint matrix: scipy's per-block products and vstack
    # cost more than the solve itself on small relaxations
    parts = [(np.zeros(1, np.int64), np.zeros(1, np.int64), np.ones(1))]
    cones: list[Any] = []
    sizes: list[int] = []
    n_zero = 1
    if equality is not None and equality.shape[0]:
        r, col, v = _triplets(equality)
        parts.append((r + 1, col, v))
        n_zero += equality.shape[0]
    cones.append(clarabel.ZeroConeT(n_zero))
    offset = n_zero
    for block in blocks:
        s = int(round(np.sqrt(block.shape[0])))
        sizes.append(s)
        r, col, v = _svec_triplets(block, s)
        parts.append((r + offset, col, -v))
        offset += s * (s + 1) // 2
        cones.append(clarabel.NonnegativeConeT(1) if s == 1 else clarabel.PSDTriangleConeT(s))
    A = _csc(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
             np.concatenate([p[2] for p in parts]), (offset, m))
    b = np.zeros(A.shape[0])
    b[0] = 1.0
    P = _zero_quadratic(m)
    assemble = time.perf_counter() - start
    try:
        solver = clarabel.DefaultSolver(P, np.asarray(c, dtype=np.float64), A, b, cones, settings)
        solution = solver.solve()
    except Exception as exc:  # the binding raises assorted types (panics, memory, ...)
        return ClarabelOutcome("solver_error", f"{type(exc).__name__}: {exc}", None, None, None,
                               None, assemble, time.perf_counter() - start - assemble)
    raw = str(solution.status)
    status = _STATUS.get(raw, "solver_error")
    x = np.asarray(solution.x, dtype=np.float64)
    z = np.asarray(solution.z, dtype=np.float64)
    y = x if status in ("optimal", "optimal_inaccurate") and x.shape == (m,) and np.isfinite(x).all() else None
    duals = None
    if y is not None and z.shape == (A.shape[0],):
        duals_list, offset = [], n_zero
        for s in sizes:
            width = s * (s + 1) // 2
            duals_list.append(smat(z[offset:offset + width], s))
            offset += width
        duals = tuple(duals_list)
    dual_objective = float(solution.obj_val_dual) if y is not None else None
    return ClarabelOutcome(status, raw, y, duals, dual_objective,
                           int(solution.iterations), assemble, float(solution.solve_time))


class ClarabelRoute:
    """The relaxation handed to :func:`solve_clarabel`, Clarabel's own API without cvxpy."""

    @property
    def usable_without_cvxpy(self) -> bool:
        return sys.modules.get("clarabel") is not None or importlib.util.find_spec("clarabel") is not None

    def check_options(self, options: Mapping[str, Any]) -> None:
        """Names of ``solver_options`` (Clarabel's settings object lists them)."""
        unknown = sorted(set(options) - _setting_names())
        if unknown:
            raise InvalidOptionError(
                f"Invalid option `solver_options`: {', '.join(f'{k!r} (= {options[k]!r})' for k in unknown)} "
                "not a CLARABEL setting; see clarabel.DefaultSettings() for the allowed names"
            )

    def solve(self, relaxation: Any, spec: Any, options: Mapping[str, Any] | None, verbose: bool) -> RelaxationSolution:
        opts = {**spec.defaults, **(options or {})}
        start = time.perf_counter()
        equality = relaxation.equality_map if relaxation.equality_map.shape[0] else None
        out = solve_clarabel(relaxation.objective_vector, relaxation.psd_maps, equality, opts, verbose)
        wall = time.perf_counter() - start
        raw = out.status if out.raw_status == "Solved" else f"{out.status}: Clarabel {out.raw_status}"
        times = {"build": relaxation.build_time, "compile": out.assemble_time, "solve": out.solve_time, "wall": wall}
        return solution_of(relaxation, map_status(out.status), raw, out.y, times, out.iterations,
                           out.dual_objective, out.duals)
