"""Example 3.4 and the configurations of Tables 1-5 of [ZNT26], shared by the polynet tests.

[ZNT26] L. Zhang, J. Nie, T. Tang, "Learning Polynomial Activation Functions for Deep Neural
Networks", PMLR 321:90-99, 2026.
"""

from __future__ import annotations

import numpy as np

import nets

# Example 3.4: weights, the two samples and the true activations p1 = 1 + t - 2 t^2, p2 = 1 - t
W1 = [[1, 0, -1, 1], [0, 1, 1, 1], [-1, 0, 1, -1], [-2, 1, -1, 0]]
W2 = [[1, -1, 0, 2], [2, 1, 1, 0], [1, 1, 1, 2], [0, 1, 1, 1]]
W3 = [[1, 1, 0, 1], [-2, -1, 1, 1], [1, 0, 1, 1], [-1, 0, -2, 1]]
X34 = np.array([[2.0, 1, 0, -1], [-1, 1, 1, 1]])
Y34 = np.array([[66.0, -22, 106, -104], [38, 30, 46, -33]])
TRUTH34 = [np.array([1.0, 1.0, -2.0]), np.array([1.0, -1.0])]

# Tables 1-5: activation degrees per hidden layer
CONFIGS = {"table1": [2, 2], "table2": [2, 3], "table3": [1, 1, 1], "table4": [2, 1, 1], "table5": [3, 2]}


def example_3_4() -> nets.PolyNet:
    """The network of Example 3.4 (degrees 2 and 1)."""
    return nets.PolyNet([W1, W2, W3], degrees=[2, 1])


def random_net(degrees, width=3, seed=0, biases=False, normalize=True):
    rng = np.random.default_rng(seed)
    widths = [width] * (len(degrees) + 2)
    weights = [rng.standard_normal((widths[i + 1], widths[i])) for i in range(len(widths) - 1)]
    b = [rng.standard_normal(w) for w in widths[1:]] if biases else None
    return nets.PolyNet(weights, degrees, biases=b, normalize=normalize)


def output_degree(degrees):
    e = 1
    for d in degrees[1:]:
        e = d * e + 1
    return e
