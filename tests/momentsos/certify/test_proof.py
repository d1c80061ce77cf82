"""Exact proofs: made from a solve, re-checked with no solver, carried as JSON, and rejected when altered."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest
import sympy as sp

import momentsos as ms
from momentsos.certify.exact import is_psd, rational

x, y = sp.symbols("x y")


@pytest.fixture(scope="module")
def ball() -> ms.PolyOptResult:
    return ms.minimize(x + y, inequalities=[1 - x**2 - y**2], solver="IPM")


def test_a_certified_answer_carries_a_proof_that_checks(ball):
    assert ball.status is ms.Status.CERTIFIED and ball.proof is not None
    assert ms.check_proof(ball.proof)
    # the float bound is the exact bound rounded down, below the true minimum -sqrt(2)
    assert ball.lower_bound == ball.proof.lower_bound <= -2**0.5
    assert Fraction(ball.lower_bound) <= Fraction(str(ball.proof.bound))
    assert ball.upper_bound - ball.lower_bound <= 1e-6 * 2**0.5


def test_the_proof_round_trips_through_json(ball):
    again = ms.Proof.from_json(ball.proof.to_json())
    assert ms.check_proof(again) and again.bound == ball.proof.bound and again.values == ball.proof.values


def test_an_altered_proof_is_rejected(ball):
    proof = ball.proof
    assert not ms.check_proof(dataclasses.replace(proof, bound=proof.bound + rational(1e-3)))
    assert not ms.check_proof(dataclasses.replace(proof, values=tuple(v - rational(1.0) for v in proof.values)))
    block = proof.blocks[0]
    gram = [list(row) for row in block.gram]
    gram[0][0] = -gram[0][0] - 1
    broken = dataclasses.replace(block, gram=tuple(tuple(r) for r in gram))
    assert not ms.check_proof(dataclasses.replace(proof, blocks=(broken, *proof.blocks[1:])))


def test_from_json_refuses_text_that_is_not_a_proof():
    with pytest.raises(ValueError, match="not a momentsos proof"):
        ms.Proof.from_json('{"format": "something else"}')


def test_exact_psd_test_agrees_with_the_definition():
    q = rational
    assert is_psd([[q(2), q(1)], [q(1), q(2)]])
    assert is_psd([[q(1), q(1)], [q(1), q(1)]])            # singular, PSD
    assert not is_psd([[q(1), q(2)], [q(2), q(1)]])        # eigenvalue -1
    assert not is_psd([[q(0), q(1)], [q(1), q(5)]])        # zero pivot with a nonzero row
    assert not is_psd([[q(1), q(0)], [q(1), q(1)]])        # not symmetric


def test_rosenbrock_is_proved_on_its_forced_face():
    # the identity fixes the block of (y, x^2) at [[100, -100], [-100, 100]], singular: every certificate
    # has Q (e_y + e_{x^2}) = 0, which the projection keeps and the exact step pins
    res = ms.minimize((1 - x)**2 + 100*(y - x**2)**2, sparsity="none")
    assert res.status is ms.Status.CERTIFIED
    assert res.proof is not None and ms.check_proof(res.proof)
    assert -1e-6 < res.proof.lower_bound <= 0.0 <= res.proof.upper_bound


def test_a_certificate_that_cannot_be_made_exact_says_why():
    # chained Rosenbrock in four variables on the dense basis: the face of (x4, x3^2) is found, but the
    # solver's Gram matrix lies 1e-1 off it (the relaxation has no interior there), too far for a correction
    from momentsos import problems

    res = ms.minimize(problems.chained_rosenbrock(4).problem(), sparsity="none")
    assert res.status is ms.Status.CERTIFIED
    assert (res.proof is not None and ms.check_proof(res.proof)) or res.proof_note.startswith("no exact proof")


def test_the_dense_six_hump_camel_is_proved():
    # the forced rows of the dense basis (y^3, x y^2, x^2 y) are emptied, and the margin 1e-7 gives
    # the two minimizers' monomial vectors room
    res = ms.minimize(4*x**2 - sp.Rational(21, 10)*x**4 + x**6/3 + x*y - 4*y**2 + 4*y**4, sparsity="none")
    assert res.status is ms.Status.CERTIFIED and len(res.atoms) == 2
    assert res.proof is not None and ms.check_proof(res.proof)
    assert -1.0316284535 - 2e-6 < res.proof.lower_bound <= -1.0316284534


def test_maxcut_on_the_five_cycle_is_proved_after_repeated_projection():
    # x_i^2 = 1 on an odd cycle: one correction leaves a residual of 1e-12, the second one 1e-16
    from momentsos import problems

    named = problems.get("maxcut_c5")
    res = ms.minimize(named.problem())
    assert res.status is ms.Status.CERTIFIED
    assert res.proof is not None and ms.check_proof(res.proof)
    assert res.proof.lower_bound <= named.optimum <= res.proof.upper_bound


def test_two_minimizers_are_proved_after_the_projection():
    # the six-hump camel has two global minimizers, so every Gram matrix of f - f* is singular on a
    # plane: the even spread of the solver's residual (about 1e-10) left it indefinite at every margin
    res = ms.minimize(4*x**2 - sp.Rational(21, 10)*x**4 + x**6/3 + x*y - 4*y**2 + 4*y**4, sparsity="newton")
    assert res.status is ms.Status.CERTIFIED and len(res.atoms) == 2
    assert res.proof is not None and ms.check_proof(res.proof)
    assert res.proof.lower_bound <= -1.0316284534 and res.proof.upper_bound >= -1.03162845349


def test_the_projection_removes_the_residual_and_keeps_the_gram_matrices_psd():
    import numpy as np

    from momentsos.certify.projection import CertificateProjection, project_certificate

    res = ms.minimize(4*x**2 - sp.Rational(21, 10)*x**4 + x**6/3 + x*y - 4*y**2 + 4*y**4, sparsity="newton")
    cert = res.certificate
    assert cert.residual_norm > 1e-12  # the solver's certificate is off by its dual infeasibility
    moved = project_certificate(cert, 1e-9)
    assert moved.bound == pytest.approx(cert.bound - 1e-9 * abs(cert.bound), rel=0, abs=1e-15)
    assert moved.residual_norm < 1e-12
    assert moved.min_eigenvalue > -1e-13
    from momentsos.certify import projection

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(projection, "_PASSES", 1)
        once = CertificateProjection(cert)(1e-9)
    assert moved.residual_norm <= once.residual_norm  # a second correction only runs when it shrinks the residual
    # the correction is small: the Gram matrices move by about the residual, not more
    assert np.abs(moved.blocks[0].gram - cert.blocks[0].gram).max() < 1e-6


def test_a_monomial_only_an_inequality_reaches_goes_into_its_gram_matrix():
    from momentsos.certify.proof import ProofBlock, _identity_residual
    from momentsos.certify.absorption import absorb

    q = rational
    g = {(2,): q(-1), (0,): q(1)}                      # 1 - x^2, leading term -x^2
    loc = [[q(1), q(0)], [q(0), q(1)]]                 # sigma_1 = 1 + x^2 on the basis (1, x)
    sos = [[q(3), q(0)], [q(0), q(2)]]                 # sigma_0 = 3 + 2 x^2 on the basis (1, x)
    basis = ((0,), (1,))
    f = {(0,): q(4), (2,): q(2), (4,): q(-1), (3,): q("1/10")}   # x^3 / 10 is out of sigma_0's reach
    blocks = [ProofBlock(-1, basis, tuple(map(tuple, sos))), ProofBlock(0, basis, tuple(map(tuple, loc)))]
    residual = _identity_residual(f, q(0), [g], [], blocks, [])
    assert residual == {(3,): q("1/10")}
    absorb(residual, [(sos, basis)], localizing=[(loc, basis, g)])
    blocks = [ProofBlock(-1, basis, tuple(map(tuple, sos))), ProofBlock(0, basis, tuple(map(tuple, loc)))]
    assert _identity_residual(f, q(0), [g], [], blocks, []) == {}
    assert loc[0][1] == loc[1][0] == q("-1/20")
    assert is_psd(loc) and is_psd(sos)


@pytest.mark.parametrize("seed", range(6))
def test_exact_psd_test_agrees_with_eigenvalues_on_random_rational_matrices(seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    n = 12
    B = rng.integers(-5, 6, size=(n, n - 2))            # rank n - 2: PSD with a two-dimensional kernel
    A = B @ B.T
    shift = rng.integers(1, 4)
    cases = {"semidefinite": A, "definite": A + shift * np.eye(n, dtype=int), "indefinite": A - shift * np.eye(n, dtype=int)}
    for kind, M in cases.items():
        want = kind != "indefinite"
        assert np.linalg.eigvalsh(M.astype(float))[0] > -1e-9 if want else np.linalg.eigvalsh(M.astype(float))[0] < -0.5
        for make in (lambda v: rational(int(v)) / rational(7), lambda v: Fraction(int(v), 7)):
            assert is_psd([[make(v) for v in row] for row in M]) is want, (kind, seed)


def test_a_projection_far_outside_the_cone_is_not_tried_at_wider_margins(monkeypatch):
    # chained Rosenbrock's solver certificate lies off the faces the chain forces (the relaxation has no
    # interior there): its projections stay indefinite by about 1e-5, near a hundred times the widest
    # margin; once one is that far out, no wider margin and no other metric is tried (each a full
    # correction, seconds at n = 1000)
    import numpy as np

    from momentsos import problems
    from momentsos.certify import rounding
    from momentsos.certify.projection import CertificateProjection

    lows = []  # per projection: whether it empties small rows, and its smallest eigenvalue
    original = CertificateProjection.__call__

    def spy(self, margin, *args, **kwargs):
        out = original(self, margin, *args, **kwargs)
        lows.append((kwargs.get("empty", 0.0) > 0, min(float(np.linalg.eigvalsh(b.gram)[0]) for b in out.blocks if b.size)))
        return out

    monkeypatch.setattr(CertificateProjection, "__call__", spy)
    res = ms.minimize(problems.chained_rosenbrock(160).problem(), sparsity="correlative")
    assert res.status is ms.Status.CERTIFIED
    if res.proof is not None:
        assert ms.check_proof(res.proof)
        return
    assert "indefinite in floating point" in res.proof_note
    hopeless = -rounding._HOPELESS * max(1.0, abs(res.certificate.bound))
    first = next(i for i, (empty, low) in enumerate(lows) if not empty and low < hopeless)
    assert all(empty for empty, _ in lows[first + 1:])  # only the trials on another face come after it


def test_the_dry_run_of_the_spread_predicts_the_clip_trials_that_fail(ball):
    # camel's two minimizers leave its Gram matrix singular on a plane, below the solver's residual: the
    # even spread ends indefinite, so the exact step is not attempted; the ball's Gram matrix is well inside
    from momentsos.certify.rounding import _clipped_certificate, _spread_fails

    camel = ms.minimize(4*x**2 - sp.Rational(21, 10)*x**4 + x**6/3 + x*y - 4*y**2 + 4*y**4, sparsity="none")
    assert camel.certificate.residual_norm > 1e-12
    assert _spread_fails(_clipped_certificate(camel.certificate, 1e-10))
    assert not _spread_fails(_clipped_certificate(ball.certificate, 1e-10))
    assert camel.proof is not None and ball.proof is not None  # the projection proves what the spread cannot


def test_the_epigraph_loss_of_zhang_nie_tang_example_3_4_is_proved():
    # min theta s.t. theta +- r_j >= 0: the localizing blocks are the constants 1/8-ish plus about 1e-9
    # that the solver stops short with; no correction removes it, emptying those rows (a coordinate face
    # of the cone) does, and the exact step confirms it
    from momentsos import problems

    named = problems.get("zhang_example_3_4")
    res = ms.minimize(named.problem())
    assert res.status is ms.Status.CERTIFIED
    assert res.proof is not None and ms.check_proof(res.proof)
    # the point is feasible within feas_tol, so its exact value may lie a rounding below the optimum 0
    assert res.proof.lower_bound <= named.optimum and abs(res.proof.upper_bound - named.optimum) < 1e-9


def test_the_dry_run_does_not_judge_a_certificate_with_equalities():
    # an equality's division sends terms back to the sums of squares, which the dry run does not
    # follow: it lost the proofs of two planted varieties, so it leaves such certificates to the exact step
    from momentsos.certify.rounding import _clipped_certificate, _spread_fails

    res = ms.minimize(x**2 + y, equalities=[x**2 + y**2 - 1])
    assert res.certificate.equalities
    assert not _spread_fails(_clipped_certificate(res.certificate, 1e-10))
