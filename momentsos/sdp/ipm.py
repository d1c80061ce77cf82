"""A primal-dual interior-point method for moment relaxations in LMI form, in numpy and scipy only.

The problem (the shape every :class:`~momentsos.relax.dense.MomentRelaxation` produces) is

.. math::

    \\min_y \\; c^T y \\quad\\text{s.t.}\\quad F_j(y) = \\mathrm{mat}(B_j y) \\succeq 0,\\;
    E y = 0,\\; y_0 = 1,

with ``B_j`` sparse of shape ``(s_j^2, m)`` (row-major vec of a symmetric ``s_j x s_j`` matrix).

Elimination of ``y_0 = 1``
--------------------------
Write ``y = e_0 + (0, z)`` with ``z`` in ``R^n``, ``n = m - 1``; then ``F_j(y) = C_j + A_j(z)`` with
``C_j = mat(B_j[:, 0])`` and ``A_j(z) = sum_a z_a A_{j,a}``, ``A_{j,a} = mat(B_j[:, a + 1])``. The
equality rows become ``E' z = f`` with ``E' = E[:, 1:]`` and ``f = -E[:, 0]``; they are replaced once
by an orthonormal system ``V^T z = g`` (thin SVD of ``E'``), which drops dependent rows and detects
inconsistent ones. Our problem (P) and its Lagrange dual (D) are

.. math::

    (P)\\; \\min_{z, S} \\; c_0 + c'^T z \\;\\text{s.t.}\\; S_j = C_j + A_j(z) \\succeq 0,\\; V^T z = g,

    (D)\\; \\max_{X, \\lambda} \\; c_0 - \\sum_j \\langle C_j, X_j \\rangle + g^T \\lambda
    \\;\\text{s.t.}\\; \\sum_j A_j^*(X_j) + V \\lambda = c',\\; X_j \\succeq 0,

where ``A_j^*(X)_a = <A_{j,a}, X>``. The ``X_j`` are the Gram matrices of the SOS certificate
``f - bound = sum_j <X_j, ...>``; the gap at feasible points is ``sum_j <X_j, S_j>``.

Direction and Schur complement
------------------------------
We use the HKM direction (Helmberg-Rendl-Vanderbei-Wolkowicz / Kojima-Shindoh-Hara / Monteiro):
linearise ``X S = mu I``, solve for ``dX = sigma mu S^-1 - X - X dS S^-1`` and symmetrise it. It needs
only ``S^-1`` (no NT scaling point, whose eigen-decompositions per block cost as much again), its
Schur complement ``H[a, b] = sum_j <A_{j,a}, S_j^-1 A_{j,b} X_j>`` is symmetric positive definite,
and in SDPA/SDPT3 practice it is as robust as NT on these problems. The Newton system is

.. math::

    H\\, dz - V d\\lambda = A^*(\\sigma\\mu S^{-1} - X - X R_p S^{-1}) - r_d, \\qquad V^T dz = r_e,

with ``R_p = C + A(z) - S``, ``r_d = c' - A^*(X) - V lambda``, ``r_e = g - V^T z`` (infeasible
start). Mehrotra's predictor-corrector chooses ``sigma = (mu_aff / mu)^3`` and adds the second-order
term ``dX_aff dS_aff S^-1``; primal ``(z, S)`` and dual ``(X, lambda)`` take separate step lengths.

``H`` is assembled block by block and the Newton system solved as :mod:`momentsos.sdp.schur`
describes (SDPA's formula in batched form for the moment matrix, a Kronecker form for small
localizing blocks; Cholesky of the Jacobi-scaled ``H + V V^T`` and the ``r x r`` Schur complement
of the equality rows). Before the iterations, the kernel that the equality rows force on a moment
matrix is removed by dropping rows and columns (:mod:`momentsos.sdp.facial`): without it a problem
with equalities has no interior point. BLAS runs single-threaded for Schur complements below
order 2000 and otherwise on the cores the load leaves free (:func:`blas_threads`).

Statuses, not exceptions
------------------------
``optimal`` when the relative residuals and gap are below ``tol`` (the gap measured on the cost
scaled to norm 1; where the caller's relative gap, ``|c|`` times larger when the objective is
near 0, still exceeds ``gap_tol``, the steps go on while it shrinks and the dual objective stays
below the primal one, and the best such iterate is returned), or when the iterations end (limit,
stall or breakdown) at an iterate whose residuals are below ``max(tol, 1e-8)`` (the default
feasibility tolerance of Clarabel, MOSEK and SeDuMi) and whose gap is below ``gap_tol`` (the
bound is then the dual objective, valid up to the tiny dual residual; degenerate relaxations such as
the network losses of :mod:`nets` reach residuals of 1e-13 but close the gap only linearly);
``optimal_inaccurate`` when the best iterate reaches ``max(1e-6, sqrt(tol))``; ``infeasible`` when the iterates approach a
certificate ``X >= 0, A^*(X) + V lambda = 0, -<C, X> + g^T lambda > 0`` (or the equality rows are
inconsistent); ``unbounded`` when they approach a ray ``A(z) >= 0, V^T z = 0, c'^T z < 0``; ``error``
otherwise (iteration or time limit, numerical breakdown). Only iterates whose ``S_j`` and ``X_j``
factor are kept, a step that would leave the cone by rounding is shortened, and a run that loses
positive definiteness or meets a non-finite iterate ends ``optimal_inaccurate`` at best, never
``optimal``. Exceptions are raised only for input of the wrong shape.

References
----------
[HRVW96] C. Helmberg, F. Rendl, R. Vanderbei, H. Wolkowicz, "An interior-point method for
semidefinite programming", SIAM J. Optim. 6(2), 1996.
[Meh92] S. Mehrotra, "On the implementation of a primal-dual interior point method", SIAM J.
Optim. 2(4), 1992.
[FKN97] K. Fujisawa, M. Kojima, K. Nakata, "Exploiting sparsity in primal-dual interior-point
methods for semidefinite programming", Math. Program. 79, 1997.
[TTT03] R. Tutuncu, K. Toh, M. Todd, "Solving semidefinite-quadratic-linear programs using
SDPT3", Math. Program. 95, 2003 (starting point and stopping rules).
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import scipy.linalg as la
import scipy.sparse as sparse
from numpy.typing import NDArray

from ..errors import InvalidOptionError
from .cone import inv_chol_all, max_step_all
from .facial import pad_dual, reduce_block
from .schur import Block, NewtonSolver, SchurAssembler
from .solution import RelaxationSolution, map_status, solution_of

__all__ = ["LMIResult", "solve_lmi", "blas_threads"]

logger = logging.getLogger(__name__)

# Schur complements below this order run BLAS single-threaded (see blas_threads)
_THREADED_SCHUR = 2000
_STEP_FRACTION = 0.98  # fraction of the step to the boundary of the cone
_INFEAS_TOL = 1e-8  # relative residual of an infeasibility / unboundedness certificate
# residuals at which a stopped run's best iterate still counts as solved: the default feasibility
# tolerance of Clarabel, MOSEK and SeDuMi; ``tol`` (1e-9) is the target, this the floor of acceptance
_ACCEPT_FEAS = 1e-8
# steps taken after convergence without shrinking the gap in the caller's units before stopping
_POLISH_STEPS = 2


@dataclass(frozen=True)
class LMIResult:
    """Outcome of :func:`solve_lmi`.

    Attributes
    ----------
    status : str
        One of ``"optimal"``, ``"optimal_inaccurate"``, ``"infeasible"``, ``"unbounded"``,
        ``"error"``.
    y : ndarray or None
        The moment vector (``y[0] = 1``); for ``unbounded`` the last iterate.
    objective : float or None
        Primal objective ``c^T y`` (``None`` unless ``optimal`` or ``optimal_inaccurate``).
    dual : list of ndarray or None
        The dual matrices ``X_j`` (SOS Gram matrices), one per block, in the order given.
    iterations : int
    primal_residual : float
        ``(||C + A(z) - S||_F + ||V^T z - g||) / (1 + ||C||_F)``, or ``inf`` when undefined.
    dual_residual : float
        ``||c' - A^*(X) - V lambda|| / (1 + ||c'||)``.
    gap : float
        ``max(|pobj - dobj|, <X, S>) / (1 + |pobj| + |dobj|)``.
    solve_time : float
        Wall-clock seconds, preprocessing included.
    message : str
    dual_objective : float or None
        ``c_0 - sum_j <C_j, X_j> + g^T lambda``: a lower bound when the dual residual is small.
    """

    status: str
    y: NDArray[np.float64] | None
    objective: float | None
    dual: list[NDArray[np.float64]] | None
    iterations: int
    primal_residual: float
    dual_residual: float
    gap: float
    solve_time: float
    message: str
    dual_objective: float | None = None


def _equality_system(E: sparse.spmatrix | None, n: int) -> tuple[NDArray, NDArray, float]:
    """Orthonormal ``V`` (n x r) and ``g`` with ``{z : E' z = f} = {z : V^T z = g}``; and the
    relative residual of ``f`` outside the range of ``E'`` (positive means inconsistent rows)."""
    if E is None or E.shape[0] == 0 or E.nnz == 0:
        return np.zeros((n, 0)), np.zeros(0), 0.0
    E = sparse.csr_matrix(E, dtype=np.float64)
    Ed = E[:, 1:].toarray()
    f = -E[:, 0].toarray().ravel()
    keep = np.abs(Ed).sum(axis=1) > 0
    loose = np.abs(f[~keep]).max() if np.any(~keep) else 0.0
    Ed, f = Ed[keep], f[keep]
    if Ed.shape[0] == 0:
        return np.zeros((n, 0)), np.zeros(0), float(loose)
    # equilibrate the rows (the same affine set): unequal row scales would put the rank cut below
    # a badly scaled row's singular value and read the dropped part of f as an inconsistency
    row = np.abs(Ed).max(axis=1)
    Ed, f = Ed / row[:, None], f / row
    U, sv, Vt = la.svd(Ed, full_matrices=False, check_finite=False)
    rank = int(np.sum(sv > sv[0] * max(Ed.shape) * 1e-13))
    U, sv, Vt = U[:, :rank], sv[:rank], Vt[:rank]
    proj = U.T @ f
    outside = np.linalg.norm(f - U @ proj) / (1.0 + np.linalg.norm(f))
    return Vt.T.copy(), proj / sv, float(max(outside, loose / (1.0 + np.abs(f).max(initial=0.0))))


def solve_lmi(
    c: NDArray[np.float64],
    blocks: Sequence[sparse.spmatrix],
    equality: sparse.spmatrix | None = None,
    *,
    tol: float = 1e-9,
    gap_tol: float = 1e-7,
    max_iter: int = 100,
    time_limit: float | None = None,
    verbose: bool = False,
) -> LMIResult:
    """Minimise ``c^T y`` subject to ``mat(B_j y) >= 0``, ``E y = 0`` and ``y[0] = 1``.

    Parameters
    ----------
    c : ndarray, shape (m,)
        Objective vector (the moment functional ``L_y(f)``).
    blocks : list of scipy.sparse matrices, shape (s_j * s_j, m)
        Row-major vec of symmetric matrices linear in ``y``; the moment matrix first by convention.
    equality : scipy.sparse matrix, shape (r, m), optional
        Rows imposed as ``E y = 0``; zero or dependent rows are allowed.
    tol : float, default 1e-9
        Target for the relative primal and dual residuals and the relative gap.
    gap_tol : float, default 1e-7
        Relative gap still reported ``optimal`` when the iterations end with both residuals below
        ``max(tol, 1e-8)`` (ten times below momentsos's default certification ``gap_tol``).
    max_iter : int, default 100
    time_limit : float, optional
        Seconds; the best iterate so far is returned with status ``error`` (or
        ``optimal_inaccurate`` when it is accurate to ``max(1e-6, sqrt(tol))``).
    verbose : bool, default False
        Log one line per iteration at INFO level (the module never prints).

    Returns
    -------
    LMIResult

    Examples
    --------
    Minimise ``y_1`` over ``[[1, y_1], [y_1, 1]] >= 0`` (optimum ``-1``):

    >>> import scipy.sparse as sp
    >>> B = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]]))
    >>> round(solve_lmi(np.array([0.0, 1.0]), [B]).objective, 6)
    -1.0
    """
    start = time.perf_counter()
    c = np.asarray(c, dtype=np.float64).ravel()
    m = c.shape[0]
    if m < 1:
        raise ValueError("Invalid `c`: empty objective vector")
    for j, B in enumerate(blocks):
        if B.shape[1] != m:
            raise ValueError(f"Invalid block {j}: {B.shape[1]} columns, expected {m}")
    if equality is not None and equality.shape[1] != m:
        raise ValueError(f"Invalid `equality`: {equality.shape[1]} columns, expected {m}")
    with _blas_limits(blas_threads(m - 1)):
        return _interior_point(c, blocks, equality, tol, gap_tol, max_iter, time_limit, verbose, start)


def blas_threads(n: int) -> int:
    """BLAS threads for a Schur complement of order ``n`` on this machine, now.

    One thread below ``_THREADED_SCHUR`` (the products and factorisations are too small to gain,
    and a second thread that competes with another process for a core makes them several times
    slower); above it, the cores that the one-minute load average leaves free, counting one unit
    of load as possibly this process's own.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    if n < _THREADED_SCHUR or cpus <= 1:
        return 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = 0.0
    return max(1, min(cpus, int(cpus - max(0.0, load - 1.0) + 0.5)))


_CONTROLLER: list[Any] = []


def _blas_limits(threads: int) -> Any:
    """A context that runs BLAS with ``threads`` threads (nothing when threadpoolctl is missing)."""
    if not _CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController  # noqa: PLC0415 - optional, loaded once

            _CONTROLLER.append(ThreadpoolController())
        except Exception:  # threadpoolctl absent or unable to inspect the libraries: leave BLAS alone
            _CONTROLLER.append(None)
    if _CONTROLLER[0] is None:
        return contextlib.nullcontext()
    return _CONTROLLER[0].limit(limits=threads, user_api="blas")


def _interior_point(c, blocks, equality, tol, gap_tol, max_iter, time_limit, verbose, start) -> LMIResult:
    m = c.shape[0]
    n = m - 1
    log = logger.info if verbose else logger.debug

    def finish(status, y, obj, X, it, pinf, dinf, gap, msg, dobj=None):
        return LMIResult(status, y, obj, X, it, float(pinf), float(dinf), float(gap),
                         time.perf_counter() - start, msg, dobj)

    V, g, inconsistent = _equality_system(equality, n)
    if inconsistent > 1e-9:
        return finish("infeasible", None, None, None, 0, np.inf, np.inf, np.inf,
                      f"equality rows are inconsistent (relative residual {inconsistent:.2e})")
    # the kernel that the equality rows force on a moment matrix is removed (module facial)
    reduced = [reduce_block(B, equality, V, g) for B in blocks]
    sizes = [int(round(np.sqrt(B.shape[0]))) for B in blocks]
    blk = [Block(B) for B, _ in reduced]
    schur = SchurAssembler(blk, n, allow_sparse=V.shape[1] == 0)

    def full_duals(Xs):
        return [pad_dual(cscale * x, keep, size) for x, (_, keep), size in zip(Xs, reduced, sizes)]
    c0 = float(c[0])
    cz_raw = c[1:].copy()
    cscale = max(1.0, float(np.linalg.norm(cz_raw)))
    cz = cz_raw / cscale
    if n == 0 or not blk:
        return _trivial(c, blk, V, g, finish)
    # a moment in no block and no equality row is free: unbounded if it costs, else pinned at 0
    untouched = (sum(b.col_norms for b in blk) == 0) & (np.abs(V).sum(axis=1) == 0)
    if np.any(untouched & (cz != 0)):
        j = int(np.flatnonzero(untouched & (cz != 0))[0]) + 1
        return finish("unbounded", None, None, None, 0, 0.0, np.inf, np.inf,
                      f"y[{j}] has a nonzero cost and appears in no constraint")
    pinned = untouched.astype(np.float64)

    normC = np.sqrt(sum(np.sum(b.C**2) for b in blk))
    normc = np.linalg.norm(cz)
    norm_g = np.linalg.norm(g)
    nu = sum(b.s for b in blk)

    # SDPT3-style infeasible starting point
    z = np.zeros(n)
    lam = np.zeros(V.shape[1])
    X, S = [], []
    for b in blk:
        an = b.col_norms
        big = an > 0
        xi = max(10.0, np.sqrt(b.s), np.sqrt(b.s) * float(np.max((1 + np.abs(cz[big])) / (1 + an[big]), initial=0)))
        eta = max(10.0, np.sqrt(b.s), float(an.max(initial=0)), float(np.linalg.norm(b.C)))
        X.append(xi * np.eye(b.s))
        S.append(eta * np.eye(b.s))
    fS = inv_chol_all(S)
    fX = inv_chol_all(X)

    best = None  # (merit, z, lam, X, pinf, dinf, gap, pobj, dobj)
    best_it = 0
    status, message = "error", "iteration limit reached"
    breakdown = False  # the iterates left the cone or became non-finite: never "optimal" then
    it = 0
    prev_alpha = 1.0
    last_steps = (0.0, 0.0, 0.0)
    limit = [0, 0]
    reg = 0.0
    stall = 0
    gaps: list[float] = []
    polished = None  # (caller's relative gap, it, z, lam, X, pinf, dinf, gap, pobj, dobj) once converged
    for it in range(max_iter + 1):
        Az = [b.apply(z) for b in blk]
        Rp = [b.C + a - Sj for b, a, Sj in zip(blk, Az, S)]
        re = g - V.T @ z
        AX = sum(b.adjoint(Xj) for b, Xj in zip(blk, X))
        rd = cz - AX - V @ lam
        pobj = float(cz @ z)
        dobj_raw = float(-sum(np.sum(b.C * Xj) for b, Xj in zip(blk, X)) + g @ lam)
        xs = float(sum(np.sum(Xj * Sj) for Xj, Sj in zip(X, S)))
        mu = xs / nu
        pinf = (np.sqrt(sum(np.sum(R**2) for R in Rp)) + np.linalg.norm(re)) / (1 + normC + norm_g)
        dinf = np.linalg.norm(rd) / (1 + normc)
        denom = 1 + abs(pobj) + abs(dobj_raw)
        gap = max(abs(pobj - dobj_raw), xs) / denom
        merit = max(pinf, dinf, gap)
        # every iterate here has S and X positive definite (factored below or at the step)
        if np.isfinite(merit) and (best is None or merit < best[0]):
            best = (merit, z.copy(), lam.copy(), [x.copy() for x in X], pinf, dinf, gap, pobj, dobj_raw)
            best_it = it
        log("ipm %3d  pobj %+.9e  dobj %+.9e  pinf %.1e  dinf %.1e  gap %.1e  mu %.1e  steps %.2f %.2f  sigma %.1e  t %.2f  reg %.0e  limit %s",
            it, c0 + cscale * pobj, c0 + cscale * dobj_raw, pinf, dinf, gap, mu, *last_steps,
            time.perf_counter() - start, reg, limit)
        if merit <= tol and (polished is None or dobj_raw <= pobj):
            # converged in the units of cz; the caller's objective is cscale times larger, and a
            # relative gap of tol there can exceed gap_tol in the caller's units (a chain of a
            # thousand terms): keep stepping while that gap shrinks and the dual objective stays
            # below the primal one (past that, rounding is what closes it)
            user_gap = cscale * max(abs(pobj - dobj_raw), xs) / (
                1 + abs(c0 + cscale * pobj) + abs(c0 + cscale * dobj_raw))
            if polished is None or user_gap < polished[0]:
                polished = (user_gap, it, z.copy(), lam.copy(), [x.copy() for x in X], pinf, dinf, gap, pobj, dobj_raw)
            if user_gap <= gap_tol or it - polished[1] >= _POLISH_STEPS:
                break
        elif polished is not None:  # a polishing step left the tolerances: keep the polished iterate
            break
        gaps.append(gap)
        if max(pinf, dinf) <= tol and gap <= gap_tol and len(gaps) > 5 and gap > 0.8 * gaps[-6]:
            message = "the gap closes only linearly"  # accepted as optimal below, at the best iterate
            break
        if it - best_it >= 5 and max(best[4], best[5]) <= max(tol, _ACCEPT_FEAS) and best[6] <= gap_tol:
            message = "no progress in 5 iterations"  # accepted as optimal below, at the best iterate
            break
        # infeasibility certificates
        if dobj_raw > 0:
            ray = np.linalg.norm(AX + V @ lam) / dobj_raw
            if ray < _INFEAS_TOL and dobj_raw > 1e3 * (1 + abs(pobj)):
                status, message = "infeasible", f"dual ray: ||A*(X)+V lambda|| / (g'l - <C,X>) = {ray:.1e}"
                break
        if pobj < 0:
            hom = np.sqrt(sum(np.sum((a - Sj) ** 2) for a, Sj in zip(Az, S)) + np.sum((V.T @ z) ** 2))
            ray = hom / (-pobj)
            if ray < _INFEAS_TOL and -pobj > 1e3 * (1 + abs(dobj_raw)):
                status, message = "unbounded", f"primal ray: ||A(z)-S|| / (-c'z) = {ray:.1e}"
                break
        if not np.isfinite(merit):
            message, breakdown = "non-finite iterate", True
            break
        if it == max_iter:
            break
        if time_limit is not None and time.perf_counter() - start > time_limit:
            message = "time limit reached"
            break

        LS = [f[1] for f in fS]  # inverse Cholesky factors, for the step lengths
        LX = [f[1] for f in fX]
        Sinv = [Li.T @ Li for Li in LS]
        H = schur.assemble(Sinv, LS, [f[0] for f in fX], X)
        if schur.sparse:
            H = H.shifted(pinned)
        else:
            H = 0.5 * (H + H.T)
            H[np.diag_indices(n)] += pinned
        newton = NewtonSolver(H, V)
        reg = newton.regularised
        if not newton.ok:
            message = "Schur complement could not be factored"
            break

        def direction(sigma_mu, corr):
            # rhs = A^*(sigma mu Sinv - X - (X Rp + corr) Sinv) - rd
            rhs = -rd.copy()
            for k, b in enumerate(blk):
                Mk = X[k] @ Rp[k]
                if corr is not None:
                    Mk = Mk + corr[k]
                G = sigma_mu * Sinv[k] - X[k] - Mk @ Sinv[k]
                rhs += b.adjoint(G)
            dz, dlam = newton.solve(rhs, re)
            dS = [b.apply(dz) + R for b, R in zip(blk, Rp)]
            dX = []
            for k in range(len(blk)):
                Mk = X[k] @ dS[k]
                if corr is not None:
                    Mk = Mk + corr[k]
                G = sigma_mu * Sinv[k] - X[k] - Mk @ Sinv[k]
                dX.append(0.5 * (G + G.T))
            return dz, dlam, dS, dX

        def steps(dS, dX):
            (sp, kp), (sd, kd) = max_step_all(LS, dS), max_step_all(LX, dX)
            limit[:] = [kp, kd]
            return sp, sd

        # predictor
        dz, dlam, dS, dX = direction(0.0, None)
        ap, ad = steps(dS, dX)
        ap, ad = min(1.0, ap), min(1.0, ad)
        mu_aff = sum(np.sum((Xj + ad * d1) * (Sj + ap * d2)) for Xj, d1, Sj, d2 in zip(X, dX, S, dS)) / nu
        sigma = min(1.0, max(0.0, mu_aff / mu) ** 3) if mu > 0 else 0.0
        # corrector
        corr = [dXk @ dSk for dXk, dSk in zip(dX, dS)]
        dz, dlam, dS, dX = direction(sigma * mu, corr)
        ap, ad = steps(dS, dX)
        frac = max(0.9, min(_STEP_FRACTION, 0.9 + 0.08 * prev_alpha))
        ap, ad = min(1.0, frac * ap), min(1.0, frac * ad)
        # the new iterate must factor: rounding can put a step of 0.98 of the way to the boundary
        # outside the cone; shorten it rather than lose the cone
        S_new, fS_new, ap = _stay_in_cone(S, dS, ap)
        X_new, fX_new, ad = _stay_in_cone(X, dX, ad)
        if S_new is None or X_new is None:
            message, breakdown = "lost positive definiteness", True
            it += 1
            break
        prev_alpha = min(ap, ad)
        last_steps = (ap, ad, sigma)
        z = z + ap * dz
        S, fS = S_new, fS_new
        lam = lam + ad * dlam
        X, fX = X_new, fX_new
        stall = stall + 1 if max(ap, ad) < 1e-6 else 0
        if stall >= 5:
            message = "step lengths collapsed"
            it += 1
            break

    if polished is not None:
        _, _, z, lam, X, pinf, dinf, gap, pobj, dobj_raw = polished
        status, message = "optimal", "converged"
    if status == "infeasible":
        return finish(status, None, None, full_duals(X), it, pinf, dinf, gap, message, None)
    if status == "unbounded":
        y = np.concatenate([[1.0], z])
        return finish(status, y, None, None, it, pinf, dinf, gap, message, None)
    if status != "optimal" and best is not None:
        merit, z, lam, X, pinf, dinf, gap, pobj, dobj_raw = best
        accept = max(tol, _ACCEPT_FEAS)
        solved = max(pinf, dinf) <= accept and gap <= gap_tol
        if solved and not breakdown:
            status = "optimal"
            message = f"{message}; residuals below {accept:.0e}, relative gap {gap:.1e}"
        elif solved or merit <= max(1e-6, np.sqrt(tol)):
            status = "optimal_inaccurate"
            message = f"{message}; best iterate has relative accuracy {merit:.1e}"
    if status not in ("optimal", "optimal_inaccurate"):
        y = np.concatenate([[1.0], z]) if np.all(np.isfinite(z)) else None
        return finish("error", y, None, None, it, pinf, dinf, gap, message, None)
    y = np.concatenate([[1.0], z])
    objective = c0 + float(cz_raw @ z)
    return finish(status, y, objective, full_duals(X), it, pinf, dinf, gap, message,
                  c0 + cscale * dobj_raw)


def _stay_in_cone(M, dM, alpha):
    """``(M + alpha dM, its factorisations, alpha)``, halving ``alpha`` up to 8 times until every
    block factors; ``(None, None, alpha)`` when none does."""
    for _ in range(9):
        new = [Mj + alpha * d for Mj, d in zip(M, dM)]
        f = inv_chol_all(new)
        if f is not None:
            return new, f, alpha
        alpha *= 0.5
    return None, None, alpha


def _trivial(c, blk, V, g, finish) -> LMIResult:
    """No free moment (``m = 1``) or no cone: the answer is read off directly."""
    n = c.shape[0] - 1
    if n == 0:
        for b in blk:
            if np.linalg.eigvalsh(b.C)[0] < -1e-12:
                return finish("infeasible", None, None, None, 0, np.inf, 0.0, 0.0, "y = e_0 violates an LMI")
        return finish("optimal", np.ones(1), float(c[0]), [np.zeros((b.s, b.s)) for b in blk], 0, 0.0, 0.0, 0.0,
                      "trivial problem", float(c[0]))
    # no cone: a linear program over an affine set
    z = V @ g
    cz = c[1:]
    proj = cz - V @ (V.T @ cz)
    if np.linalg.norm(proj) > 1e-12 * (1 + np.linalg.norm(cz)):
        return finish("unbounded", np.concatenate([[1.0], z]), None, None, 0, 0.0, np.inf, np.inf,
                      "no LMI block and the objective is not constant on the affine set")
    obj = float(c[0] + cz @ z)
    return finish("optimal", np.concatenate([[1.0], z]), obj, [], 0, 0.0, 0.0, 0.0, "affine problem", obj)


OPTIONS = {
    "tol": "a positive finite number",
    "gap_tol": "a positive finite number",
    "max_iter": "an integer >= 1",
    "time_limit": "seconds > 0",
}
"""The keywords :func:`solve_lmi` takes through ``solver_options``, with what each allows."""


def _valid_value(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if key == "max_iter":
        return isinstance(value, (int, np.integer)) and value >= 1
    return isinstance(value, (int, float, np.integer, np.floating)) and bool(value > 0) and (
        key == "time_limit" or bool(np.isfinite(value))
    )


class IPMRoute:
    """The relaxation's sparse maps handed to :func:`solve_lmi`; numerical failures become statuses."""

    usable_without_cvxpy = True

    def check_options(self, options: Mapping[str, Any]) -> None:
        """Names and values of ``solver_options`` for the built-in IPM."""
        for key, value in options.items():
            if key not in OPTIONS:
                raise InvalidOptionError(
                    f"Invalid option `solver_options`: {key!r} (= {value!r}) is not an option of IPM; "
                    f"allowed: {', '.join(map(repr, OPTIONS))}"
                )
            if not _valid_value(key, value):
                raise InvalidOptionError(
                    f"Invalid option `solver_options[{key!r}]={value!r}` for IPM: expected {OPTIONS[key]}"
                )

    def solve(self, relaxation: Any, spec: Any, options: Mapping[str, Any] | None, verbose: bool) -> RelaxationSolution:
        opts = {**spec.defaults, **(options or {})}
        unknown = sorted(set(opts) - set(OPTIONS))
        if unknown:
            raise InvalidOptionError(
                f"Invalid option `solver_options`: {', '.join(map(repr, unknown))} not understood by IPM; "
                f"allowed: {', '.join(map(repr, OPTIONS))}"
            )
        start = time.perf_counter()
        equality = relaxation.equality_map if relaxation.equality_map.shape[0] else None
        try:
            out = solve_lmi(relaxation.objective_vector, relaxation.psd_maps, equality, verbose=verbose, **opts)
            raw, moments, iters, bound = out.status, out.y, out.iterations, out.dual_objective
            duals = None if out.dual is None else tuple(out.dual)
            if out.message:
                raw = f"{raw}: {out.message}"
        except (np.linalg.LinAlgError, MemoryError, ValueError, FloatingPointError) as exc:
            raw, moments, iters, bound = f"solver_error: {type(exc).__name__}: {exc}", None, None, None
            duals = None
        wall = time.perf_counter() - start
        times = {"build": relaxation.build_time, "compile": 0.0, "solve": wall, "wall": wall}
        return solution_of(relaxation, map_status(raw.split(":")[0]), raw, moments, times, iters, bound, duals)
