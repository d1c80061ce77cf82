"""Recover the activation polynomials of a random network from data, with a certificate of global optimality.

The model and the loss are those of Zhang, Nie & Tang (2026): fixed weights, one unknown polynomial
per hidden layer, the infinity norm of the averaged residual minimised by the Moment-SOS hierarchy.

    python examples/recover_activation.py                      # width 8, degrees 2 2, N = 50
    python examples/recover_activation.py --degrees 2 3 --width 20 --noise 1e-2 --order 3 --radius 3
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import momentsos as ms
import nets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--degrees", type=int, nargs="+", default=[2, 2], help="activation degree per hidden layer")
    parser.add_argument("--width", type=int, default=8, help="every layer width m_0 .. m_(D+1)")
    parser.add_argument("--samples", type=int, default=50, help="number of samples N")
    parser.add_argument("--noise", type=float, default=0.0, help="standard deviation of the label noise")
    parser.add_argument("--loss", choices=["linf-mean", "l2"], default="linf-mean")
    parser.add_argument("--order", type=int, default=None, help="relaxation order (default: climb until certified)")
    parser.add_argument("--radius", type=float, default=None, help="search the coefficients in ||c||_2 <= R")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    widths = [args.width] * (len(args.degrees) + 2)
    net = nets.PolyNet.random(widths, args.degrees, seed=args.seed)
    truth = net.random_coefficients(seed=args.seed + 1)
    X, Y = nets.synthetic_data(net, truth, args.samples, noise=args.noise, seed=args.seed + 2)
    print(f"{net}, N = {args.samples}, noise {args.noise:g}, loss {args.loss}")

    start = time.perf_counter()
    fit = nets.solve_global(net, (X, Y), order=args.order, loss=args.loss, radius=args.radius)
    elapsed = time.perf_counter() - start

    res = fit.result
    where = "" if fit.radius is None else f" over ||c||_2 <= {fit.radius:g}"
    print(f"certificate{where}: {res.status.name} at order {res.order} (solver {res.solver.name}); {res.message}")
    if not fit.certified and fit.global_minimum:
        print("global minimizer all the same: its loss matches the lower bound (not flat, others not enumerated)")
    print(f"loss: lower bound {fit.lower_bound:.3e}, value at the recovered coefficients {fit.loss_value:.3e}")
    if res.proof is not None:
        print(f"exact proof of the bound: momentsos.check_proof(fit.result.proof) = {ms.check_proof(res.proof)}")
    elif res.proof_note:
        print(f"exact proof of the bound: none ({res.proof_note})")
    if fit.coefficients is None:
        print("no minimizer extracted")
        return 1
    if len(fit.minimizers) > 1:
        print(f"{len(fit.minimizers)} global minimizers: the data do not identify the activations; the first is shown")
    for l, (found, true) in enumerate(zip(fit.coefficients, truth), start=1):
        print(f"  p_{l}(t) recovered {nets.format_polynomial(found)}")
        print(f"  p_{l}(t) true      {nets.format_polynomial(true)}")
    error = np.linalg.norm(np.concatenate(fit.coefficients) - np.concatenate(truth))
    print(f"coefficient error ||c_true - c_found||_2 = {error:.2e}")
    print(f"time: build {fit.build_time:.3f} s, solve {fit.solve_time:.2f} s, total {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
