import numpy as np
import sympy as sp

import momentsos as ms
from momentsos.certify import evaluate_atoms, refine_point, scaled_violation

x, y = sp.symbols("x y")
DISC = ms.PolyProblem(x + y, inequalities=[1 - x**2 - y**2])
OPT = -np.sqrt(0.5) * np.ones(2)


def test_feasible_optimal_atom_verifies():
    cert = evaluate_atoms(DISC, OPT[None, :], np.array([1.0]), -np.sqrt(2), refine=False)
    assert cert.verified and cert.gap < 1e-12 and cert.upper_bound == cert.atoms[0].objective


def test_infeasible_atom_never_verifies():
    bad = 1.01 * OPT
    cert = evaluate_atoms(DISC, bad[None, :], np.array([1.0]), -np.sqrt(2) * 1.01, refine=False)
    assert not cert.verified and cert.upper_bound is None
    assert cert.atoms[0].violation > 1e-3


def test_gap_above_tolerance_never_verifies():
    cert = evaluate_atoms(DISC, OPT[None, :], np.array([1.0]), -np.sqrt(2) - 1e-3, refine=False)
    assert not cert.verified and cert.gap > 1e-4


def test_one_bad_atom_spoils_the_certificate():
    pts = np.vstack([OPT, [0.0, 0.0]])
    cert = evaluate_atoms(DISC, pts, np.array([0.5, 0.5]), -np.sqrt(2), refine=False)
    assert not cert.verified


def test_refinement_polishes_a_nearby_atom():
    rough = OPT + 1e-5
    polished = refine_point(DISC, rough)
    assert np.linalg.norm(polished - OPT) < 1e-9
    assert scaled_violation(DISC, polished) <= 1e-12


def test_refinement_does_not_jump_to_a_far_point():
    far = np.array([0.5, 0.5])  # the minimizer is ~1.7 away: outside the trust radius
    assert np.array_equal(refine_point(DISC, far), far)


def test_violation_is_scaled_by_coefficients():
    p = ms.PolyProblem(x, inequalities=[1000 * (1 - x)])
    assert abs(scaled_violation(p, np.array([1.001])) - 1e-3) < 1e-12
