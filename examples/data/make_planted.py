"""Writes planted.csv, the data of the README's ``python -m nets fit`` example.

Twelve noiseless samples of ``nets.PolyNet.random([3, 3, 3, 5], degrees=[1, 1], seed=7)`` with true
activations ``random_coefficients(seed=1)``; ``python -m nets fit ... --degrees 1,1 --seed 7`` draws
the same weights, so the fit recovers those activations.

    python examples/data/make_planted.py
"""

from pathlib import Path

import numpy as np

import nets

net = nets.PolyNet.random([3, 3, 3, 5], degrees=[1, 1], seed=7)
X, Y = nets.synthetic_data(net, net.random_coefficients(seed=1), nsamples=12, seed=2)
np.savetxt(Path(__file__).with_name("planted.csv"), np.hstack([X, Y]), delimiter=",",
           header="x1,x2,x3,y1,y2,y3,y4,y5", comments="", fmt="%.17g")  # fmt: skip
