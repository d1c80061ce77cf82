"""Beyond [ZNT26]: how recovery degrades with the noise level, for both losses and both noise models.

The architecture of Table 4 (D = 3, degrees (2, 1, 1): a quadratic first activation, N = 50,
width 20) at ``sigma`` in {0, 1e-4, 1e-3, 1e-2, 1e-1}. A trial fixes the network, the truth, the
inputs and the noise direction, so each curve scales one noise draw (:mod:`paper_repro.zhang_common`);
at ``sigma = 1e-2`` the instances are exactly those of Table 4's first row (solved once when both run
in one process). ``sigma = 0`` is one setting (no noise model). Reported per setting: coefficient
error, certified fraction, the orders at which instances ended and the ranks of the moment
matrices ``M_0 .. M_k`` observed (the paper reports neither).

Gradient descent runs on the same instances (:func:`nets.train_gd`, L-BFGS and Adam, float64 on
CPU, from :data:`GD_STARTS` random initialisations ``PolyNet.random_coefficients``, the law of the
truth, with the same loss and no ball): per setting, the fraction of runs whose final loss reaches
the SOS solve's loss (within :data:`paper_repro.gd_vs_sos.SUCCESS_TOL` loss units, as in that
artefact), the coefficient error of the best of the starts (lowest loss: what a practitioner would
keep) and the median error over all runs.

References
----------
[ZNT26] L. Zhang, J. Nie, T. Tang, "Learning Polynomial Activation Functions for Deep Neural
Networks", PMLR 321:90-99, 2026 (TAG-DS 2025), arXiv:2510.03682.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import nets
from paper_repro._common import markdown_table, pyplot, write_markdown
from paper_repro.gd_vs_sos import SUCCESS_TOL
from paper_repro.zhang_common import (
    ZNT26,
    Budget,
    Instance,
    budget_for,
    coefficient_error,
    make_data,
    map_in_workers,
    run_instances,
    setup_text,
    summarize,
    write_rows,
)

__all__ = ["SIGMAS", "DEGREES", "GD_OPTIMIZERS", "GD_STARTS", "GDRun", "train_run", "run_noise_sweep"]

SIGMAS: tuple[float, ...] = (0.0, 1e-4, 1e-3, 1e-2, 1e-1)
DEGREES = (2, 1, 1)
SIZE = (50, 20)
#: optimizer -> ((steps, learning rate) of the full mode, the same of the quick mode)
GD_OPTIMIZERS: dict[str, tuple[tuple[int, float], tuple[int, float]]] = {
    "lbfgs": ((500, 1.0), (100, 1.0)),
    "adam": ((2000, 1e-2), (300, 1e-2)),
}
#: random starts per instance and optimizer: (full, quick)
GD_STARTS = (4, 2)


def _size(budget: Budget) -> tuple[int, int]:
    return SIZE if SIZE in budget.sizes else budget.sizes[0]


def sweep_instances(budget: Budget, seed: int) -> list[Instance]:
    nsamples, width = _size(budget)
    out = []
    for sigma in SIGMAS:
        models = ("none",) if sigma == 0 else budget.noise_models
        out += [
            Instance(DEGREES, nsamples, width, trial, seed, sigma, noise_model, loss, budget.time_limit)
            for loss in budget.losses
            for noise_model in models
            for trial in range(budget.trials)
        ]
    return [inst for inst in out if budget.runs(inst)]


@dataclass(frozen=True)
class GDRun:
    """One gradient-descent run on the data of ``instance`` from random start number ``start``."""

    instance: Instance
    optimizer: str
    steps: int
    lr: float
    start: int

    @property
    def init_seed(self) -> int:
        """Seed of the random start: the same for every noise level, loss and noise model of a trial."""
        return int(np.random.SeedSequence([self.instance.seed, self.instance.trial, 1 + self.start]).generate_state(1)[0])


def train_run(run: GDRun) -> dict[str, Any]:
    """Train on ``run``'s instance with :func:`nets.train_gd`; final loss, coefficient error, time."""
    inst = run.instance
    net, truth, X, Y, _ = make_data(inst)
    result = nets.train_gd(
        net, (X, Y), loss=inst.loss, optimizer=run.optimizer, steps=run.steps, lr=run.lr, seed=run.init_seed,
        device="cpu", progress=False,
    )
    abs_err = coefficient_error(net, result.coefficients, truth) if result.success else None
    return {"loss_value": result.loss_value, "abs_err": abs_err, "time": result.wall_time, "status": result.status.name}


def _gd_columns(runs: list[GDRun], results: list[dict[str, Any]], sos: dict[Instance, dict[str, Any]]) -> dict:
    """Summary of the runs of one optimizer on the instances of one setting."""
    reached, best_errors, errors, times = 0, [], [], []
    by_instance: dict[Instance, list[dict[str, Any]]] = {}
    for run, result in zip(runs, results):
        by_instance.setdefault(run.instance, []).append(result)
        target, unit = sos[run.instance]["loss_value"], sos[run.instance]["loss_scale"]
        value = result["loss_value"]
        if value is not None and target is not None and value <= target + SUCCESS_TOL * unit:
            reached += 1
        if result["abs_err"] is not None:
            errors.append(result["abs_err"])
        times.append(result["time"])
    for group in by_instance.values():
        finished = [r for r in group if r["abs_err"] is not None]  # train_gd: a loss value unless it diverged
        if finished:
            best_errors.append(min(finished, key=lambda r: r["loss_value"])["abs_err"])
    return {
        "reached": f"{reached}/{len(runs)}",
        "reached_fraction": reached / len(runs),
        "abs_err_best": float(np.mean(best_errors)) if best_errors else None,
        "abs_err_median": statistics.median(errors) if errors else None,
        "time": statistics.median(times),
    }


def run_gradient_descent(instances: list[Instance], summary: list[dict[str, Any]], rows: list[dict[str, Any]],
                         quick: bool) -> list[dict[str, Any]]:
    """Train on every instance with every optimizer of :data:`GD_OPTIMIZERS`; adds ``gd_*`` columns to ``summary``.

    Returns the table shown in the report: one row per setting and optimizer.
    """  # fmt: skip
    starts = GD_STARTS[1 if quick else 0]
    sos = dict(zip(instances, rows))
    shown = []
    for optimizer, settings in GD_OPTIMIZERS.items():
        steps, lr = settings[1 if quick else 0]
        runs = [GDRun(inst, optimizer, steps, lr, start) for inst in instances for start in range(starts)]
        started = time.perf_counter()
        results = map_in_workers(train_run, runs)
        print(f"noise_sweep: {len(runs)} {optimizer} runs in {time.perf_counter() - started:.1f} s", flush=True)
        for entry in summary:
            key = (entry["noise"], entry["loss"], entry["noise_model"])
            chosen = [(r, res) for r, res in zip(runs, results)
                      if (r.instance.noise, r.instance.loss, r.instance.noise_model) == key]  # fmt: skip
            columns = _gd_columns([r for r, _ in chosen], [res for _, res in chosen], sos)
            entry.update({f"gd_{optimizer}_{name}": value for name, value in columns.items()})
            shown.append(
                {
                    "sigma": entry["noise"], "loss": entry["loss"], "noise": entry["noise_model"],
                    "optimizer": f"{optimizer} ({steps} steps)", "runs reaching the SOS loss": columns["reached"],
                    "AbsErr best of starts": columns["abs_err_best"], "AbsErr median": columns["abs_err_median"],
                    "SOS AbsErr mean": entry["abs_err"], "Time s (median run)": columns["time"], "SOS Time s": entry["time"],
                }
            )  # fmt: skip
    return shown


def _series(summary: list[dict[str, Any]], loss: str, noise_model: str) -> list[dict[str, Any]]:
    """The settings of one loss and noise model, with sigma = 0 first, by increasing sigma."""
    series = [e for e in summary if e["loss"] == loss and e["noise_model"] in (noise_model, "none")]
    return sorted(series, key=lambda e: e["noise"])


def _plot(path: Path, summary: list[dict[str, Any]], size: tuple[int, int]) -> None:
    plt = pyplot()
    figure, axes = plt.subplots(2, 2, figsize=(11, 8))
    floor = 1e-16  # a zero error cannot sit on a log axis; plotted here and said so in the labels
    for loss, marker in (("linf-mean", "o"), ("l2", "s")):
        for noise_model, style in (("shared", "-"), ("per-sample", "--")):
            series = _series(summary, loss, noise_model)
            if len(series) < 2:
                continue
            sigmas = [e["noise"] for e in series]
            label = f"{loss}, {noise_model} noise"
            axes[0, 0].plot(sigmas, [max(e["abs_err"] or float("nan"), floor) for e in series], style, marker=marker, label=label)
            axes[0, 1].plot(sigmas, [e["certified_fraction"] for e in series], style, marker=marker, label=label)
            for optimizer, colour in zip(GD_OPTIMIZERS, ("C2", "C3")):
                if f"gd_{optimizer}_reached_fraction" not in series[0]:
                    continue
                gd_label = f"{optimizer}: {label}"
                best = [max(e[f"gd_{optimizer}_abs_err_best"] or float("nan"), floor) for e in series]
                axes[1, 0].plot(sigmas, best, style, marker=marker, color=colour, alpha=0.8, label=gd_label)
                axes[1, 1].plot(sigmas, [e[f"gd_{optimizer}_reached_fraction"] for e in series], style, marker=marker,
                                color=colour, alpha=0.8, label=gd_label)  # fmt: skip
    titles = (
        ("SOS: AbsErr (mean over trials)", "SOS: certified fraction"),
        ("gradient descent: AbsErr of the best start (mean over trials)", "gradient descent: runs reaching the SOS loss"),
    )
    for row in range(2):
        for col in range(2):
            axis = axes[row, col]
            axis.set_xscale("symlog", linthresh=1e-5)
            axis.set_xlabel("noise sigma (symlog; 0 at the left)")
            axis.set_title(titles[row][col], fontsize=9)
            if col == 0:
                axis.set_yscale("log")
                axis.set_ylabel(f"AbsErr (exact zeros at {floor:g})")
            else:
                axis.set_ylabel("fraction")
                axis.set_ylim(-0.05, 1.05)
            if axis.lines:
                axis.legend(fontsize=6)
    figure.suptitle(f"Noise sweep: degrees {DEGREES}, N = {size[0]}, width {size[1]}")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def run_noise_sweep(out: Path, *, quick: bool = False, seed: int = 0, budget: Budget | None = None) -> list[dict[str, Any]]:
    """Writes ``noise_sweep.{csv,md,png}`` and ``noise_sweep_instances.csv``; returns the summary rows."""
    budget = budget_for(quick, budget)
    size = _size(budget)
    instances = sweep_instances(budget, seed)
    rows = run_instances(instances)
    summary = summarize(rows, ("noise", "loss", "noise_model"))
    gd_shown = run_gradient_descent(instances, summary, rows, quick)
    write_rows(out / "noise_sweep_instances.csv", rows)
    write_rows(out / "noise_sweep.csv", summary)
    shown = [
        {
            "sigma": e["noise"], "loss": e["loss"], "noise": e["noise_model"], "certified": e["certified"],
            "orders": e["order"], "AbsErr mean": e["abs_err"], "AbsErr median": e["abs_err_median"],
            "AbsErr max": e["abs_err_max"], "RelErr": e["rel_err"], "Time s": e["time"], "status": e["status"],
            "ranks of M_0..M_k (count)": e["ranks"],
        }
        for e in summary
    ]  # fmt: skip
    exact = [e for e in summary if e["noise"] == 0]
    exact_text = "; ".join(
        f"{e['loss']}: AbsErr {e['abs_err']:.2e} (max {e['abs_err_max']:.2e}), certified {e['certified']}"
        if e["abs_err"] is not None else f"{e['loss']}: no coefficients, certified {e['certified']}"
        for e in exact
    )
    starts = GD_STARTS[1 if quick else 0]
    gd_text = (
        f"Gradient descent on the same instances: `nets.train_gd` from {starts} random starts per instance "
        "(`PolyNet.random_coefficients`, free coefficients ~ U(-1, 1), the truth's law; the same starts at every "
        "sigma), the same loss, no ball, float64 on CPU. A run reaches the SOS loss when its final loss is at most "
        f"the SOS solve's loss plus {SUCCESS_TOL:g} loss units (as in gd_vs_sos). `AbsErr best of starts`: the "
        "error of the lowest-loss run per instance, averaged over trials; `AbsErr median`: over every run that "
        "did not diverge. Times are per run (one thread in a worker process).\n\n" + markdown_table(gd_shown)
    )
    write_markdown(
        out / "noise_sweep.md",
        "Noise sweep (beyond [ZNT26]): recovery against the noise level",
        [
            (
                "Results",
                f"Degrees {DEGREES}, N = {size[0]}, width {size[1]}. Exact recovery at sigma = 0: {exact_text}. "
                "`orders` counts the orders at which instances ended (the hierarchy climbs from k0 and stops at "
                "the first certificate); ranks are the numerical ranks of M_0 .. M_k of the final solve (a rank r "
                "repeated at flat orders means r minimizers).\n\n" + markdown_table(shown) + "\n\n" + gd_text
                + "\n\n![Noise sweep](noise_sweep.png)",
            ),
            ("Setup", setup_text(budget, quick, seed)),
        ],
        [ZNT26],
    )
    _plot(out / "noise_sweep.png", summary, size)
    return summary
