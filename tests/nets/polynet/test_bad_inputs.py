"""The catalogue of bad inputs to nets: each raises at the boundary (PolyNet, synthetic_data,
loss_problem, solve_global) with an asserted type and a message that names the argument and shows
the value. Nothing ends in a traceback from inside numpy, cvxpy or an SDP solver.
"""

from __future__ import annotations

import traceback

import numpy as np
import pytest

import momentsos as ms
import nets
from nets.polynet.global_fit import loss_problem
from tests.nets.polynet._paper import W1, W2, W3, X34, Y34

SMALL = [np.eye(2), np.ones((1, 2))]


def _check(info, error, fragments):
    assert isinstance(info.value, error)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    origin = traceback.extract_tb(info.tb)[-1].filename
    assert "/nets/" in origin or "/momentsos/" in origin, origin


NETWORK_CASES = {
    # weight shape mismatches and malformed weights
    "one weight matrix": (dict(weights=[np.eye(2)], degrees=[]), nets.InvalidNetworkError, ["`weights` has 1 matrix", "at least 2"]),
    "shapes do not chain": (dict(weights=[np.eye(2), np.ones((1, 3))], degrees=[2]), nets.InvalidNetworkError, ["`weights[1]`", "(1, 3)", "must have 2 columns"]),
    "vector as weight": (dict(weights=[np.eye(2), np.ones(2)], degrees=[2]), nets.InvalidNetworkError, ["`weights[1]`", "2-D", "(2,)"]),
    "3-D weight": (dict(weights=[np.ones((2, 2, 2)), np.ones((1, 2))], degrees=[2]), nets.InvalidNetworkError, ["`weights[0]`", "(2, 2, 2)"]),
    "nan weight": (dict(weights=[np.eye(2), [[np.nan, 1.0]]], degrees=[2]), nets.InvalidNetworkError, ["`weights[1]`", "non-finite"]),
    "ragged weight": (dict(weights=[[[1, 2], [3]], np.ones((1, 2))], degrees=[2]), TypeError, ["`weights[0]`", "[[1, 2], [3]]"]),
    "complex weight": (dict(weights=[np.eye(2) * 1j, np.ones((1, 2))], degrees=[2]), TypeError, ["`weights[0]`", "real", "0.+1.j"]),
    "string weight": (dict(weights=[np.eye(2), [["a", "b"]]], degrees=[2]), TypeError, ["`weights[1]`", "'a'"]),
    "array instead of list": (dict(weights=np.eye(2), degrees=[2]), TypeError, ["`weights`", "ndarray"]),
    # degrees not positive integers
    "degree zero": (dict(weights=SMALL, degrees=[0]), nets.InvalidNetworkError, ["`degrees[0]`", "is 0", "degrees >= 1"]),
    "negative degree": (dict(weights=SMALL, degrees=[-1]), nets.InvalidNetworkError, ["`degrees[0]`", "is -1"]),
    "fractional degree": (dict(weights=SMALL, degrees=[1.5]), TypeError, ["`degrees[0]`", "1.5"]),
    "float degree": (dict(weights=SMALL, degrees=[2.0]), TypeError, ["`degrees[0]`", "2.0"]),
    "string degree": (dict(weights=SMALL, degrees=["2"]), TypeError, ["`degrees[0]`", "'2'"]),
    "degree not in a list": (dict(weights=SMALL, degrees=2), TypeError, ["`degrees`", "2"]),
    "too many degrees": (dict(weights=SMALL, degrees=[2, 2]), nets.InvalidNetworkError, ["`degrees`", "[2, 2]", "one degree per hidden layer"]),
    # biases and flags
    "bias of the wrong length": (dict(weights=SMALL, degrees=[2], biases=[np.ones(3), None]), nets.InvalidNetworkError, ["`biases[0]`", "b_1", "(3,)"]),
    "too few biases": (dict(weights=SMALL, degrees=[2], biases=[None]), nets.InvalidNetworkError, ["`biases`", "[None]"]),
    "string normalize": (dict(weights=SMALL, degrees=[2], normalize="no"), TypeError, ["`normalize`", "'no'"]),
}


@pytest.mark.parametrize("case", NETWORK_CASES, ids=list(NETWORK_CASES))
def test_bad_network(case):
    kwargs, error, fragments = NETWORK_CASES[case]
    with pytest.raises(error) as info:
        nets.PolyNet(**kwargs)
    _check(info, error, fragments)
    if error is nets.InvalidNetworkError:
        assert isinstance(info.value, ValueError)


def _net34():
    return nets.PolyNet([W1, W2, W3], degrees=[2, 1])


DATA_CASES = {
    # data with NaN / inf, sample counts that differ, wrong widths
    "data not a pair": (dict(data=np.zeros((2, 4))), TypeError, ["`data`", "pair (X, Y)", "ndarray"]),
    "data triple": (dict(data=(X34, Y34, Y34)), TypeError, ["`data`", "length 3"]),
    "data dict": (dict(data={"X": X34, "Y": Y34}), TypeError, ["`data`", "dict"]),
    "wrong input width": (dict(data=(np.zeros((2, 3)), np.zeros((2, 4)))), nets.InvalidDataError, ["`X`", "(N, 4)", "got shape (2, 3)"]),
    "no samples": (dict(data=(np.zeros((0, 4)), np.zeros((0, 4)))), nets.InvalidDataError, ["`X`", "N >= 1", "(0, 4)"]),
    "3-D inputs": (dict(data=(X34[:, :, None], Y34)), nets.InvalidDataError, ["`X`", "(2, 4, 1)"]),
    "sample counts differ": (dict(data=(np.zeros((2, 4)), np.zeros((3, 4)))), nets.InvalidDataError, ["`Y`", "(2, 4)", "got shape (3, 4)"]),
    "wrong output width": (dict(data=(X34, Y34[:, :3])), nets.InvalidDataError, ["`Y`", "(2, 4)", "got shape (2, 3)"]),
    "nan target": (dict(data=(X34, np.full((2, 4), np.nan))), nets.InvalidDataError, ["`Y`", "Y[0, 0] = nan"]),
    "inf input": (dict(data=(np.full((2, 4), np.inf), Y34)), nets.InvalidDataError, ["`X`", "X[0, 0] = inf"]),
    "-inf input deep in the array": (dict(data=(np.where(np.arange(8).reshape(2, 4) == 6, -np.inf, X34), Y34)), nets.InvalidDataError, ["X[1, 2] = -inf"]),
    "string targets": (dict(data=(X34, "abc")), TypeError, ["`Y`", "str"]),
    "complex targets": (dict(data=(X34, Y34 * 1j)), TypeError, ["`Y`", "complex128"]),
    # loss, order, solver, options
    "unknown loss": (dict(data=(X34, Y34), loss="l1"), ValueError, ["`loss='l1'`", "'linf-mean', 'l2'"]),
    "loss None": (dict(data=(X34, Y34), loss=None), ValueError, ["`loss=None`"]),
    "order too low": (dict(data=(X34, Y34), loss="l2", order=1), ms.RelaxationOrderError, ["order=1", "order >= 2"]),
    "order not an integer": (dict(data=(X34, Y34), order="2"), ms.RelaxationOrderError, ["order='2'", "integer"]),
    "fractional order": (dict(data=(X34, Y34), order=1.5), ms.RelaxationOrderError, ["order=1.5"]),
    "unknown solver": (dict(data=(X34, Y34), solver="NOPE"), ms.SolverUnavailableError, ["solver='NOPE'", "IPM"]),
    "unknown option": (dict(data=(X34, Y34), tolerance=1e-3), ms.InvalidOptionError, ["tolerance=0.001", "allowed"]),
    "bad option value": (dict(data=(X34, Y34), gap_tol=-1), ms.InvalidOptionError, ["gap_tol=-1"]),
    "string polish": (dict(data=(X34, Y34), polish="yes"), TypeError, ["`polish='yes'`"]),
}


@pytest.mark.parametrize("case", DATA_CASES, ids=list(DATA_CASES))
def test_bad_solve_global_input(case):
    kwargs, error, fragments = DATA_CASES[case]
    with pytest.raises(error) as info:
        nets.solve_global(_net34(), **kwargs)
    _check(info, error, fragments)


def test_too_few_equations_for_identifiability():
    net = nets.PolyNet.random([4, 4, 4, 4], degrees=[2, 2], seed=0)  # 5 unknowns, 4 outputs
    X, Y = nets.synthetic_data(net, net.random_coefficients(seed=1), 1, seed=2)
    with pytest.raises(nets.InvalidDataError) as info:
        nets.solve_global(net, (X, Y))
    _check(info, nets.InvalidDataError, ["loss='linf-mean'", "m_(D+1) = 4 equations for 5 unknowns", "c1_1"])
    # l2 counts N * m_out equations: one sample of 4 outputs is still too few, two are enough to pose
    with pytest.raises(nets.InvalidDataError) as info:
        loss_problem(net, (X, Y), loss="l2")
    _check(info, nets.InvalidDataError, ["1 * 4 = 4 equations for 5 unknowns"])
    X2, Y2 = nets.synthetic_data(net, net.random_coefficients(seed=1), 2, seed=2)
    assert loss_problem(net, (X2, Y2), loss="l2").nvars == 5


def test_net_must_be_a_polynet():
    with pytest.raises(TypeError) as info:
        nets.solve_global([W1, W2, W3], (X34, Y34))
    _check(info, TypeError, ["`net`", "nets.PolyNet", "got list"])


OTHER_CASES = {
    "coefficients of the wrong length": (lambda net: net.forward(np.zeros((1, 4)), [np.ones(2), np.ones(2)]), nets.InvalidNetworkError, ["`coefficients[0]`", "3 finite numbers", "[1.0, 1.0]"]),
    "nan coefficient": (lambda net: net.forward(X34, [np.array([np.nan, 1, 1]), np.ones(2)]), nets.InvalidNetworkError, ["`coefficients[0]`", "nan"]),
    "too few coefficient arrays": (lambda net: net.forward(np.zeros((1, 4)), [np.ones(3)]), nets.InvalidNetworkError, ["`coefficients`", "2 array(s)", "got 1"]),
    "constant not normalised": (lambda net: net.vector_from_coefficients([np.array([2.0, 1, 1]), np.ones(2)]), nets.InvalidNetworkError, ["`coefficients[0][0]`", "is 2.0,", "normalize_coefficients"]),
    "unknown vector of the wrong length": (lambda net: net.coefficients_from_vector(np.ones(5)), nets.InvalidNetworkError, ["4 entries", "c1_1", "(5,)"]),
    "predict with the wrong width": (lambda net: net.forward(X34[:, :2], [np.ones(3), np.ones(2)]), nets.InvalidDataError, ["`X`", "(N, 4)", "(2, 2)"]),
    "random: too few widths": (lambda net: nets.PolyNet.random([3, 3], [2]), nets.InvalidNetworkError, ["`widths`", "[3, 3]"]),
    "random: negative width": (lambda net: nets.PolyNet.random([3, -1, 3], [2]), nets.InvalidNetworkError, ["`widths`", "[3, -1, 3]"]),
    "random: string widths": (lambda net: nets.PolyNet.random("abc", [2]), nets.InvalidNetworkError, ["`widths`", "'abc'"]),
    "random: string seed": (lambda net: nets.PolyNet.random([3, 3, 3], [2], seed="a"), TypeError, ["`seed`", "'a'"]),
    "synthetic: no samples": (lambda net: nets.synthetic_data(net, [np.ones(3), np.ones(2)], 0), nets.InvalidDataError, ["`nsamples`", "got 0"]),
    "synthetic: negative noise": (lambda net: nets.synthetic_data(net, [np.ones(3), np.ones(2)], 5, noise=-1), nets.InvalidDataError, ["`noise`", "got -1"]),
    "synthetic: string noise": (lambda net: nets.synthetic_data(net, [np.ones(3), np.ones(2)], 5, noise="a"), nets.InvalidDataError, ["`noise`", "'a'"]),
}


@pytest.mark.parametrize("case", OTHER_CASES, ids=list(OTHER_CASES))
def test_bad_model_call(case):
    call, error, fragments = OTHER_CASES[case]
    with pytest.raises(error) as info:
        call(_net34())
    _check(info, error, fragments)


def test_catalogue_size():
    """The issue asks for at least 10 nets cases; each one above is distinct."""
    assert len(NETWORK_CASES) + len(DATA_CASES) + len(OTHER_CASES) + 2 >= 10
