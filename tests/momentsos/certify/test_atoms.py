import numpy as np
import sympy as sp

import momentsos as ms
from momentsos.certify.atoms import evaluate_atoms, refine_point, scaled_violation

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


CAMEL = ms.PolyProblem(4 * x**2 - sp.Rational(21, 10) * x**4 + x**6 / 3 + x * y - 4 * y**2 + 4 * y**4)


def test_unconstrained_refinement_reaches_a_stationary_point_to_rounding():
    # Newton with the exact Hessian; SLSQP stopped at gradients of about 1e-5 from the same start
    rough = np.array([-0.08982591, 0.71266052])  # a CLARABEL atom of the camel at order 3
    polished = refine_point(CAMEL, rough)
    assert np.abs(CAMEL.objective.evaluate_gradient(polished)).max() < 1e-12
    assert CAMEL.evaluate_objective(polished) <= CAMEL.evaluate_objective(rough)
    assert abs(CAMEL.evaluate_objective(polished) - -1.031628453489877) < 1e-12  # [Dixon-Szegoe 1978]


def test_unconstrained_refinement_at_a_saddle_falls_back_to_sqp():
    saddle = ms.PolyProblem(x**2 - y**2 + y**4)  # Hessian diag(2, 12 y^2 - 2): indefinite at y = 0.3
    start = np.array([0.05, 0.3])
    polished = refine_point(saddle, start, radius=np.inf)
    assert saddle.evaluate_objective(polished) < saddle.evaluate_objective(start)
    assert np.allclose(np.abs(polished), [0.0, np.sqrt(0.5)], atol=1e-5)
    # inside the default radius the SQP step is refused: the point comes back unchanged
    assert np.array_equal(refine_point(saddle, start), start)


def test_unconstrained_refinement_from_far_follows_the_valley():
    # Rosenbrock from the classic start: full Newton steps overshoot (the line search must cut them)
    rosenbrock = ms.PolyProblem(100 * (y - x**2) ** 2 + (1 - x) ** 2)
    polished = refine_point(rosenbrock, np.array([-1.2, 1.0]), radius=np.inf)
    assert np.linalg.norm(polished - 1.0) < 1e-8


def test_unconstrained_refinement_hands_a_stalled_newton_to_sqp():
    # the Hessian 12 x^2 - 2 is positive but ~1e-12 at the start: the Newton step is ~1e12 and no
    # backtracked step decreases f, so SLSQP must take over and find the minimizer 1/sqrt(2)
    wells = ms.PolyProblem(x**4 - x**2)
    polished = refine_point(wells, np.array([np.sqrt(1 / 6) + 1e-13]), radius=np.inf)
    assert abs(abs(polished[0]) - np.sqrt(0.5)) < 1e-6
    # a singular minimizer: Newton converges only linearly there but stops once f is at rounding
    flat = ms.PolyProblem(x**4 + y**2)
    polished = refine_point(flat, np.array([1e-3, 1e-3]))
    assert flat.evaluate_objective(polished) < 1e-13 and polished[1] == 0.0
