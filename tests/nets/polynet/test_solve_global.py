"""solve_global end to end: Example 3.4 of [ZNT26], recovery on every configuration of Tables 1-5.

[ZNT26] L. Zhang, J. Nie, T. Tang, "Learning Polynomial Activation Functions for Deep Neural
Networks", PMLR 321:90-99, 2026. The SDP solver is momentsos' default chain (``solver=None``).
"""

from __future__ import annotations

import numpy as np
import pytest

import momentsos as ms
import nets
from tests.nets.polynet._paper import CONFIGS, W1, W2, W3, X34, Y34

C_STAR = np.array([1.0, -2.0, 1.0, -1.0])  # (c11, c12, c20, c21): p1 = 1 + t - 2t^2, p2 = 1 - t


def _example_3_4():
    return nets.PolyNet([W1, W2, W3], degrees=[2, 1])


def _max_error(found, truth):
    return max(np.abs(a - b).max() for a, b in zip(found, truth))


def test_ZNT26_example_3_4_linf_mean_order_1_is_not_certified():
    fit = nets.solve_global(_example_3_4(), (X34, Y34), order=1)
    assert not fit.certified
    assert fit.result.status is ms.Status.BOUND_ONLY
    assert fit.result.flatness is not None and not fit.result.flatness.is_flat
    assert "NOT certified" in fit.summary()


def test_ZNT26_example_3_4_linf_mean_order_2_is_certified():
    net = _example_3_4()
    fit = nets.solve_global(net, (X34, Y34), order=2)
    assert fit.certified and len(fit.minimizers) == 1 and fit.identifiable is not False
    assert fit.order == 2
    np.testing.assert_allclose(net.vector_from_coefficients(fit.coefficients), C_STAR, atol=1e-6)
    np.testing.assert_allclose(fit.coefficients[0], [1.0, 1.0, -2.0], atol=1e-6)  # constant included
    assert abs(fit.result.x[-1]) < 1e-6  # theta* = 0
    assert abs(fit.lower_bound) < 1e-6 * fit.loss_scale and fit.loss_value < 1e-6
    np.testing.assert_allclose(fit.predict(X34), Y34, atol=1e-5)
    text = repr(fit)
    assert "certified" in text and "p_1(t) = 1 + t - 2 t^2" in text and "p_2(t) = 1 - t" in text


def test_ZNT26_example_3_4_l2():
    net = _example_3_4()
    # the squared loss has degree 4 in c, so order 1 is below k0 = 2: an input error, not a status
    with pytest.raises(ms.RelaxationOrderError, match="order >= 2"):
        nets.solve_global(net, (X34, Y34), order=1, loss="l2")
    fit = nets.solve_global(net, (X34, Y34), order=2, loss="l2")
    assert fit.certified and fit.loss is nets.Loss.L2
    np.testing.assert_allclose(net.vector_from_coefficients(fit.coefficients), C_STAR, atol=1e-6)
    assert abs(fit.lower_bound) < 1e-6 * fit.loss_scale and fit.loss_value < 1e-10


def _problem(degrees, noise, width=10, nsamples=30, seed=1):
    net = nets.PolyNet.random([width] * (len(degrees) + 2), degrees, seed=seed)
    truth = net.random_coefficients(seed=seed + 1)
    X, Y = nets.synthetic_data(net, truth, nsamples, noise=noise, seed=seed + 2)
    return net, truth, X, Y


@pytest.mark.parametrize("name", CONFIGS)
def test_noiseless_recovery_is_exact_and_certified(name):
    net, truth, X, Y = _problem(CONFIGS[name], noise=0.0)
    fit = nets.solve_global(net, (X, Y))
    assert fit.certified, fit.summary()
    assert fit.result.proof is not None and ms.check_proof(fit.result.proof), fit.result.proof_note
    assert fit.order <= 3  # the paper's order
    assert len(fit.minimizers) == 1
    assert _max_error(fit.coefficients, truth) < 1e-5
    assert fit.loss_value < 1e-8


@pytest.mark.parametrize("name", ["table3", "table4"])
def test_noisy_recovery_linf_mean(name):
    # the averaged residual of 10 outputs pins 4-5 unknowns only to a few 1e-2 at noise 1e-2.
    # Certification at order 3 depends on the solver here: table3 certifies with every solver of the
    # chain; table4 certifies with COPT but is not flat with the built-in IPM (CI's default), so
    # there only the estimate and the validity of the bound are checked.
    net, truth, X, Y = _problem(CONFIGS[name], noise=1e-2)
    fit = nets.solve_global(net, (X, Y), order=3)
    if name == "table3":
        assert fit.certified, fit.summary()
    # the bound is valid: no point fits better than it (up to solver accuracy)
    assert fit.loss_value >= fit.lower_bound - 1e-6 * fit.loss_scale
    assert _max_error(fit.coefficients, truth) < 1e-1
    X_test, Y_test = nets.synthetic_data(net, truth, 30, noise=0.0, seed=99)
    assert np.abs(fit.predict(X_test) - Y_test).max() < 0.2


@pytest.mark.parametrize("name", ["table1", "table3"])
def test_noisy_recovery_l2_is_certified_with_error_of_order_1e_3(name):
    # least squares over all N * m_out residuals: the error is of the order of the noise / sqrt(N)
    net, truth, X, Y = _problem(CONFIGS[name], noise=1e-2)
    fit = nets.solve_global(net, (X, Y), loss="l2")
    assert fit.certified, fit.summary()
    assert _max_error(fit.coefficients, truth) < 1e-2
    assert fit.loss_value == pytest.approx(fit.lower_bound, rel=1e-4, abs=1e-6 * fit.loss_scale)


def test_estimate_when_not_flat_is_reported_with_its_suboptimality():
    # noisy data at the lowest order: the relaxation is not flat, the estimate comes from the moments
    net, truth, X, Y = _problem(CONFIGS["table1"], noise=1e-2)
    fit = nets.solve_global(net, (X, Y), order=2)
    assert not fit.certified and fit.minimizers == () and fit.identifiable is None
    assert fit.coefficients is not None and fit.suboptimality is not None and fit.suboptimality >= -1e-9
    assert "not certified" in fit.summary()


def test_non_identifiable_data_are_flagged():
    # p1 = 1 + c11 t, p2 = c20 + c21 t + c22 t^2 with as many outputs as unknowns: (c20, c21, c22) enter
    # linearly and c11 through a cubic determinant; for this seed it has three real roots, so three
    # coefficient vectors fit the averaged data exactly
    net, truth, X, Y = _problem([1, 2], noise=0.0, width=4, nsamples=5, seed=0)
    fit = nets.solve_global(net, (X, Y))
    assert fit.certified, fit.summary()
    assert min(_max_error(m, truth) for m in fit.minimizers) < 1e-5
    for m in fit.minimizers:  # every one fits the averaged data exactly
        assert np.abs((net.forward(X, m) - Y).mean(axis=0)).max() < 1e-6
    # either every minimizer is returned, or the result says that others may exist; never a silent pick
    assert fit.identifiable is not True
    if len(fit.minimizers) > 1:
        assert "do not identify" in fit.summary()
    else:
        assert not fit.complete and "other global minimizers may exist" in fit.summary()


def test_example_3_4_order_1_is_a_global_minimizer_by_a_matching_bound_but_not_certified():
    # order 1 is not flat (the paper's finding), yet its bound 0 is attained by the polished first
    # moments: a proof of global optimality that does not enumerate the minimizers
    fit = nets.solve_global(_example_3_4(), (X34, Y34), order=1)
    assert not fit.certified and fit.proof == "matching bound" and fit.global_minimum
    assert _max_error(fit.coefficients, [np.array([1.0, 1.0, -2.0]), np.array([1.0, -1.0])]) < 1e-6
    assert fit.minimizers == (fit.coefficients,) and fit.identifiable is None and not fit.complete
    assert "matching bound" in fit.summary()


@pytest.mark.parametrize("name", ["table3", "table4"])
def test_noisy_linf_mean_with_a_coefficient_ball_is_certified_at_order_3(name):
    # without the ball the interior-point iterates drift to huge moments; with it they converge
    net, truth, X, Y = _problem(CONFIGS[name], noise=1e-2)
    fit = nets.solve_global(net, (X, Y), order=3, radius=3.0)
    assert fit.certified and fit.radius == 3.0, fit.summary()
    assert np.linalg.norm(net.vector_from_coefficients(fit.coefficients)) <= 3.0
    assert _max_error(fit.coefficients, truth) < 1e-1
    assert fit.loss_value == pytest.approx(fit.lower_bound, abs=1e-6 * fit.loss_scale)
    assert "over the ball ||c||_2 <= 3" in fit.summary()
    # the certificate's resolution in loss units: gap_tol in the POP's units times the data's scale
    assert fit.resolution == pytest.approx(1e-6 * max(1.0, fit.lower_bound / fit.loss_scale) * fit.loss_scale)
    assert "resolution:  global to within" in fit.summary()


def test_predict_without_coefficients_raises():
    fit = nets.solve_global(_example_3_4(), (X34, Y34), order=1)
    if fit.coefficients is None:
        with pytest.raises(ValueError, match="no coefficients"):
            fit.predict(X34)
    else:
        assert fit.predict(X34).shape == (2, 4)
