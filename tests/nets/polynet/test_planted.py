"""Planted networks (:mod:`nets.polynet.planted`): random nets with known activations and noiseless data,
whose loss minimum is 0; a certificate must never be wrong. The full campaign is
``python benchmarks/nets_fuzz.py --count 200``.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections import Counter

import numpy as np
import pytest

import momentsos as ms
import nets
from nets.polynet.planted import check_fit, network_loss, planted_network


def test_the_plant_fits_the_data_exactly():
    for seed in range(5):
        for loss in ("linf-mean", "l2"):
            planted = planted_network(seed, loss=loss)
            assert network_loss(planted, planted.coefficients) < 1e-12
            other = planted.net.random_coefficients(seed=99)
            assert network_loss(planted, other) > 1e-3  # a different net does not fit


def test_generator_is_seeded():
    a, b = planted_network(3, loss="l2"), planted_network(3, loss="l2")
    np.testing.assert_array_equal(a.Y, b.Y)
    c = planted_network(4, loss="l2")
    assert c.X.shape != a.X.shape or not np.array_equal(c.X, a.X)
    with pytest.raises(ValueError, match="loss='l1'"):
        planted_network(0, loss="l1")


def _fit(planted):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ms.InaccurateSolutionWarning)
        return nets.solve_global(planted.net, (planted.X, planted.Y), loss=planted.loss)


def test_check_fit_catches_a_wrong_certificate():
    planted = planted_network(2, loss="l2", degrees=(2, 1), width=3)
    fit = _fit(planted)
    assert check_fit(planted, fit) == "certified"
    moved = [c + 1e-2 for c in fit.coefficients]
    assert check_fit(planted, dataclasses.replace(fit, minimizers=(moved,))) == "wrong"
    assert check_fit(planted, dataclasses.replace(fit, lower_bound=0.1 * fit.loss_scale)) == "wrong"


def test_no_wrong_certificate_on_planted_networks():
    grades = Counter()
    cases = [("l2", d) for d in ((1, 1), (2, 1), (1, 2))] * 3 + [("linf-mean", (1, 1, 1))] * 3
    for seed, (loss, degrees) in enumerate(cases):
        planted = planted_network(seed, loss=loss, degrees=degrees, width=3)
        grades[check_fit(planted, _fit(planted))] += 1
    assert grades["wrong"] == 0 and grades["false_infeasible"] == 0, grades
    assert grades["certified"] >= 10, grades
