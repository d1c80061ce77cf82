"""Hybrid training: certify the activations of a small net, then warm-start a wider one by gradient descent.

1. A small PolyNet with fixed random weights: nets.solve_global finds its globally optimal activations
   (least squares) with a certificate.
2. A wider net with learnable weights starts as exactly the small one (its weights embedded, new
   neurons silent) and is fine-tuned by nets.train_gd; the same wider net from random weights and
   random activations is the baseline. Data come from a wider teacher, so the small net cannot fit them.

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
m_in, small_width, wide_width, m_out, samples, steps, runs = (
    (4, 4, 8, 3, 60, 150, 2) if args.quick else (6, 6, 16, 4, 400, 2000, 5)
)
rng = np.random.default_rng(args.seed)
teacher = nets.PolyNet.random([m_in, 3 * wide_width, m_out], degrees=[2], seed=args.seed)
X, Y = nets.synthetic_data(teacher, teacher.random_coefficients(seed=args.seed + 1), 2 * samples, noise=1e-2, seed=args.seed + 2)
(X_train, X_test), (Y_train, Y_test) = np.split(X, 2), np.split(Y, 2)

small = nets.PolyNet.random([m_in, small_width, m_out], degrees=[2], seed=args.seed + 3)
start = time.perf_counter()
fit = nets.solve_global(small, (X_train, Y_train), loss="l2")
print(f"small net {list(small.widths)}: certified {fit.certified}, train loss {fit.loss_value:.4g} "
      f"({time.perf_counter() - start:.1f} s)")  # fmt: skip

# Embed the small net in the wide one: old neurons keep their weights, new neurons get small random
# input weights and zero output weights, so the wide net starts as exactly the certified small net.
W1 = np.vstack([small.weights[0], 0.1 * rng.standard_normal((wide_width - small_width, m_in)) / np.sqrt(m_in)])
W2 = np.hstack([small.weights[1], np.zeros((m_out, wide_width - small_width))])
warm_net = nets.PolyNet([W1, W2], degrees=[2])
warm = nets.train_gd(warm_net.to_torch(learn_weights=True), (X_train, Y_train), init=fit, steps=steps, lr=1e-3,
                     seed=args.seed, progress=False)  # fmt: skip


def test_loss(res):
    return float(np.mean(np.sum((res.predict(X_test) - Y_test) ** 2, axis=1))) if res.success else float("nan")


print(f"warm start  {list(warm_net.widths)}: train loss {warm.loss_history[0]:.4g} -> {warm.loss_value:.4g}, "
      f"test loss {test_loss(warm):.4g} ({warm.wall_time:.1f} s, {warm.status.value})")  # fmt: skip
cold = []
for run in range(runs):
    wide = nets.PolyNet.random([m_in, wide_width, m_out], degrees=[2], seed=args.seed + 10 + run)
    res = nets.train_gd(wide.to_torch(learn_weights=True), (X_train, Y_train), init="random", steps=steps, lr=1e-3,
                        seed=args.seed + 10 + run, progress=False)  # fmt: skip
    cold.append(res)
    value = "diverged" if not res.success else f"{res.loss_history[0]:.4g} -> {res.loss_value:.4g}"
    print(f"random init {list(wide.widths)} (seed {res.seed}): train loss {value}, test loss {test_loss(res):.4g} "
          f"({res.wall_time:.1f} s)")  # fmt: skip
finals = [r.loss_value for r in cold if r.success]
print(f"train loss after {steps} Adam steps: warm start {warm.loss_value:.4g}; random init median "
      f"{np.median(finals):.4g}, best {min(finals):.4g} ({len(finals)} of {runs} runs finite)")  # fmt: skip
