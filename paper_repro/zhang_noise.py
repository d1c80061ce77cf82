"""Beyond [ZNT26]: how recovery degrades with the noise level, for both losses and both noise models.

The architecture of Table 4 (D = 3, degrees (2, 1, 1): a quadratic first activation, N = 50,
width 20) at ``sigma`` in {0, 1e-4, 1e-3, 1e-2, 1e-1}. A trial fixes the network, the truth, the
inputs and the noise direction, so each curve scales one noise draw (:mod:`paper_repro.zhang_common`);
at ``sigma = 1e-2`` the instances are exactly those of Table 4's first row (solved once when both run
in one process). ``sigma = 0`` is one setting (no noise model). Reported per setting: coefficient
error, certified fraction, the orders at which instances ended and the ranks of the moment
matrices ``M_0 .. M_k`` observed (the paper reports neither).

Gradient descent is not in the sweep: ``nets`` has no gradient-descent trainer for this model yet.

References
----------
[ZNT26] H. Zhang, J. Nie, X. Tang, "Learning Polynomial Activation Functions for Deep Neural
Networks", PMLR 321:90-99, 2026 (TAG-DS 2025), arXiv:2510.03682.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from paper_repro._common import markdown_table, pyplot, write_markdown
from paper_repro.zhang_common import ZNT26, Budget, Instance, budget_for, run_instances, setup_text, summarize, write_rows

__all__ = ["SIGMAS", "DEGREES", "run_noise_sweep"]

SIGMAS: tuple[float, ...] = (0.0, 1e-4, 1e-3, 1e-2, 1e-1)
DEGREES = (2, 1, 1)
SIZE = (50, 20)


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


def _plot(path: Path, summary: list[dict[str, Any]], size: tuple[int, int]) -> None:
    plt = pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    floor = 1e-16  # a zero error cannot sit on a log axis; plotted here and said so in the legend
    for loss, marker in (("linf-mean", "o"), ("l2", "s")):
        for noise_model, style in (("shared", "-"), ("per-sample", "--")):
            series = [e for e in summary if e["loss"] == loss and e["noise_model"] in (noise_model, "none")]
            series.sort(key=lambda e: e["noise"])
            if len(series) < 2:
                continue
            label = f"{loss}, {noise_model} noise"
            sigmas = [e["noise"] for e in series]
            axes[0].plot(sigmas, [max(e["abs_err"] or float("nan"), floor) for e in series], style, marker=marker, label=label)
            axes[1].plot(sigmas, [e["certified_fraction"] for e in series], style, marker=marker, label=label)
    for axis in axes:
        axis.set_xscale("symlog", linthresh=1e-5)
        axis.set_xlabel("noise sigma (symlog; 0 at the left)")
    axes[0].set_yscale("log")
    axes[0].set_ylabel(f"AbsErr (mean over trials; exact zeros at {floor:g})")
    axes[1].set_ylabel("certified fraction")
    axes[1].set_ylim(-0.05, 1.05)
    axes[0].legend(fontsize=7)
    figure.suptitle(f"Noise sweep: degrees {DEGREES}, N = {size[0]}, width {size[1]}")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def run_noise_sweep(out: Path, *, quick: bool = False, seed: int = 0, budget: Budget | None = None) -> list[dict[str, Any]]:
    """Writes ``noise_sweep.{csv,md,png}`` and ``noise_sweep_instances.csv``; returns the summary rows."""
    budget = budget_for(quick, budget)
    size = _size(budget)
    rows = run_instances(sweep_instances(budget, seed))
    summary = summarize(rows, ("noise", "loss", "noise_model"))
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
    write_markdown(
        out / "noise_sweep.md",
        "Noise sweep (beyond [ZNT26]): recovery against the noise level",
        [
            (
                "Results",
                f"Degrees {DEGREES}, N = {size[0]}, width {size[1]}. Exact recovery at sigma = 0: {exact_text}. "
                "`orders` counts the orders at which instances ended (the hierarchy climbs from k0 and stops at "
                "the first certificate); ranks are the numerical ranks of M_0 .. M_k of the final solve (a rank r "
                "repeated at flat orders means r minimizers). Gradient descent is not included: nets has no gradient-descent "
                "trainer for this model yet.\n\n" + markdown_table(shown) + "\n\n![Noise sweep](noise_sweep.png)",
            ),
            ("Setup", setup_text(budget, quick, seed)),
        ],
        [ZNT26],
    )
    _plot(out / "noise_sweep.png", summary, size)
    return summary
