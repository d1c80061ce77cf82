"""Certify the activations with the weights fixed, then let gradient descent learn the weights too.

The paper's network has fixed weights; nets.solve_global fits its activations globally, with a
certificate, in about a second. Learning the weights as well is beyond the certificate, so it is
left to gradient descent (nets.train_gd on net.to_torch(learn_weights=True)). Adam from random
activations mostly stops far above the noise level of the data; the same Adam run (same steps, same
learning-rate grid, best rate per arm) started from the certified activations goes below it.
paper_repro's warm_start artefact measures this and three other scenarios over 20 seeds.

    python examples/warm_start.py [--quick] [--seed S]
"""

import argparse
import time

import numpy as np

import nets

parser = argparse.ArgumentParser()
parser.add_argument("--quick", action="store_true", help="small sizes (a few seconds)")
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()
widths, samples, steps, starts = ([6, 8, 8, 3], 100, 150, 4) if args.quick else ([10, 16, 16, 4], 200, 300, 10)
learning_rates = (1e-3, 1e-2)

# Noisy data from a net of the same shape (degrees 2 and 2); its weights are the ones we are given.
net = nets.PolyNet.random(widths, degrees=[2, 2], seed=args.seed)
X, Y = nets.synthetic_data(net, net.random_coefficients(seed=args.seed + 1), samples, noise=1e-2, seed=args.seed + 2)

start = time.perf_counter()
fit = nets.solve_global(net, (X, Y), loss="l2")
solve_time = time.perf_counter() - start
print(f"certified activations, weights fixed: certified {fit.certified}, loss {fit.loss_value:.4g} ({solve_time:.1f} s)")


def adam(init, seed, lr):
    """Adam on weights and activations together, from the given weights and the activations `init`."""
    return nets.train_gd(net.to_torch(learn_weights=True), (X, Y), loss="l2", optimizer="adam", steps=steps, lr=lr,
                         init=init, seed=seed, device="cpu", progress=False)  # fmt: skip


def final(res):
    return res.loss_value if res.success else np.inf


nets.train_gd(net.to_torch(learn_weights=True), (X, Y), steps=1, device="cpu", progress=False)  # torch's one-off set-up, untimed
# The warm arm at each rate; the random arm: `starts` random activations at each rate. Each arm keeps its
# best rate (lowest median final loss), so neither is handicapped by the choice.
warm = min((adam(fit, args.seed, lr) for lr in learning_rates), key=final)
print(f"warm start (lr {warm.lr:g}): loss {warm.loss_history[0]:.4g} -> {final(warm):.4g} after {steps} Adam steps "
      f"({solve_time + warm.wall_time:.1f} s with the solve)")  # fmt: skip
by_rate = {lr: [adam("random", args.seed + 10 + k, lr) for k in range(starts)] for lr in learning_rates}
lr = min(learning_rates, key=lambda rate: np.median([final(r) for r in by_rate[rate]]))
for res in by_rate[lr]:
    print(f"random start (seed {res.seed}, lr {lr:g}): loss {res.loss_history[0]:.4g} -> {final(res):.4g} ({res.wall_time:.1f} s)")
finals = [final(r) for r in by_rate[lr]]
close = sum(value <= 1.1 * final(warm) for value in finals)
print(f"after {steps} Adam steps: warm start {final(warm):.4g}; random starts median {np.median(finals):.4g}, "
      f"best {min(finals):.4g}; {close} of {starts} random starts within 10% of the warm start")  # fmt: skip
