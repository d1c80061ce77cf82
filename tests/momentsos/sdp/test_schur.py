"""The Schur complement of the IPM: batched small blocks, the sparse path, against direct formulas."""

import numpy as np
import pytest
import scipy.sparse as sp

import momentsos as ms
from momentsos import problems
from momentsos.certify.projection import CertificateProjection
from momentsos.sdp import schur
from momentsos.sdp.cone import inv_chol, inv_chol_all, max_step, max_step_all
from momentsos.sdp.schur import Block, NewtonSolver, SchurAssembler, SparseSchur


def _random_psd(rng, s, shift=0.5):
    A = rng.standard_normal((s, s))
    return A @ A.T + shift * np.eye(s)


def _random_block(rng, s, m, cols):
    """A symmetric LMI block touching the moments ``cols`` (column 0 of the map is the constant)."""
    mats = [np.zeros((s, s)) for _ in range(m + 1)]
    mats[0] = np.eye(s)
    for c in cols:
        A = rng.standard_normal((s, s)) * (rng.random((s, s)) < 0.5)
        mats[c + 1] = A + A.T
    return Block(sp.csr_matrix(np.column_stack([M.ravel() for M in mats])))


def _direct_schur(blocks, Sinv, X, n):
    H = np.zeros((n, n))
    for b, Si, Xj in zip(blocks, Sinv, X):
        mats = [b.A[:, a].toarray().reshape(b.s, b.s) for a in range(n)]
        for a in range(n):
            for c in range(n):
                H[a, c] += np.sum(mats[a] * (Si @ mats[c] @ Xj))
    return H


def test_batched_factors_and_steps_equal_one_by_one():
    rng = np.random.default_rng(0)
    mats = [_random_psd(rng, s) for s in (3, 6, 6, 3, 12, 6)]
    together = inv_chol_all(mats)
    for M, (L, Li) in zip(mats, together):
        L1, Li1 = inv_chol(M)
        assert np.allclose(L, L1) and np.allclose(Li, Li1, atol=1e-10)
        assert np.allclose(np.triu(Li, 1), 0)
    Ds = [rng.standard_normal(M.shape) for M in mats]
    Ds = [D + D.T for D in Ds]
    step, where = max_step_all([f[1] for f in together], Ds)
    one_by_one = [max_step(f[1], D) for f, D in zip(together, Ds)]
    assert step == pytest.approx(min(one_by_one), rel=1e-10) and where == int(np.argmin(one_by_one))
    # one indefinite block, small or large, and the whole factorisation is refused
    for k in (2, 4):
        bad = list(mats)
        bad[k] = -bad[k]
        assert inv_chol_all(bad) is None


@pytest.mark.parametrize("allow_sparse", [False, True])
def test_batched_schur_complement_equals_the_direct_formula(monkeypatch, allow_sparse):
    rng = np.random.default_rng(1)
    n = 14
    shared = np.array([0, 2, 3, 7])
    spec = [(3, shared), (3, shared), (3, np.array([1, 4, 5, 6])), (4, np.array([8, 9, 10])),
            (4, np.array([9, 10, 11])), (2, np.arange(8, 14))]
    if not allow_sparse:
        spec.append((12, np.arange(n)))  # a large block: the dense path
    blocks = [_random_block(rng, s, n, cols) for s, cols in spec]
    S = [_random_psd(rng, b.s) for b in blocks]
    X = [_random_psd(rng, b.s) for b in blocks]
    fS, fX = inv_chol_all(S), inv_chol_all(X)
    Sinv = [Li.T @ Li for _, Li in fS]
    monkeypatch.setattr(schur, "SPARSE_ORDER", 10)
    monkeypatch.setattr(schur, "SPARSE_FILL", 0.9)
    monkeypatch.setattr(schur, "WIDE", 5)
    assembler = SchurAssembler(blocks, n, allow_sparse=allow_sparse)
    assert assembler.sparse == allow_sparse
    H = assembler.assemble(Sinv, [Li for _, Li in fS], [L for L, _ in fX], X)
    if allow_sparse:  # the block on 6 moments is "wide" here: a rank-4 term beside the sparse part
        assert H.U.shape[1] == 4
        H = H.B.toarray() + H.U @ H.U.T
    assert np.allclose(H, _direct_schur(blocks, Sinv, X, n), rtol=1e-10, atol=1e-10)
    if allow_sparse:  # the sparse Newton solve agrees with a dense solve
        rhs = rng.standard_normal(n)
        Hreg = H + np.eye(n)
        low = rng.standard_normal((n, 3))
        Hreg = Hreg + low @ low.T
        split = SparseSchur(sp.csr_matrix(Hreg - low @ low.T), low)
        dz, _ = NewtonSolver(split, np.zeros((n, 0))).solve(rhs, np.zeros(0))
        assert np.allclose(dz, np.linalg.solve(Hreg, rhs), rtol=1e-10, atol=1e-12)


def _record_sparse(monkeypatch):
    """A list that receives, for every SchurAssembler built from now on, whether it is sparse."""
    used = []
    original = SchurAssembler.__init__

    def spy(self, *args, **kwargs):
        original(self, *args, **kwargs)
        used.append(self.sparse)

    monkeypatch.setattr(SchurAssembler, "__init__", spy)
    return used


def test_a_sparse_schur_complement_gives_the_dense_answer(monkeypatch):
    # chained Rosenbrock at n = 30: 29 cliques of 2 variables, a banded Schur complement of order 320
    problem = problems.chained_rosenbrock(30).problem()
    dense = ms.minimize(problem, order=2, sparsity="correlative")
    monkeypatch.setattr(schur, "SPARSE_ORDER", 100)
    monkeypatch.setattr(schur, "SPARSE_FILL", 0.5)
    used = _record_sparse(monkeypatch)
    banded = ms.minimize(problem, order=2, sparsity="correlative")
    assert used[0]  # the IPM's (the proof's projection assembles densely)
    assert banded.status is dense.status is ms.Status.CERTIFIED
    # both at the IPM's accuracy floor (about 5e-7 here, for a sum of 29 terms with coefficients 100)
    assert banded.lower_bound == pytest.approx(0.0, abs=1e-6) and dense.lower_bound == pytest.approx(0.0, abs=1e-6)
    assert np.allclose(banded.x, 1.0, atol=1e-4)


def test_sparse_solves_and_projection_still_give_an_exact_proof(monkeypatch):
    # Broyden tridiagonal at n = 20: cliques of 3 variables; the IPM and the proof's projection
    # both take the sparse path here, the projection agrees with the dense one, and the rounded
    # certificate still checks exactly
    problem = problems.broyden_tridiagonal(20).problem()
    dense_res = ms.minimize(problem, order=2, sparsity="correlative")
    dense_projection = CertificateProjection(dense_res.certificate)(1e-8)
    monkeypatch.setattr(schur, "SPARSE_ORDER", 100)
    monkeypatch.setattr(schur, "SPARSE_FILL", 0.5)
    used = _record_sparse(monkeypatch)
    res = ms.minimize(problem, order=2, sparsity="correlative")
    assert used and all(used)
    assert res.status is ms.Status.CERTIFIED and res.proof is not None
    ms.check_proof(res.proof)
    assert res.lower_bound == pytest.approx(0.0, abs=1e-6)
    used.clear()
    banded_projection = CertificateProjection(dense_res.certificate)(1e-8)
    assert used and all(used)
    assert banded_projection.residual_norm < 1e-12
    for a, b in zip(banded_projection.blocks, dense_projection.blocks):
        assert np.allclose(a.gram, b.gram, atol=1e-9)
