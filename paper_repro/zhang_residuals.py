"""Table 5 and Figure 1 of Zhang, Nie & Tang [ZNT26]: residuals of the fitted network on a fresh test set.

Degrees (3, 2): ``p_1`` cubic with ``c_{1,0} = 1``, ``p_2`` quadratic. Each instance is trained as in
Tables 1-4 (both losses, both training-noise models, :mod:`paper_repro.zhang_common`); an
independent test set of the same size is drawn with per-sample noise ``sigma = 1e-2`` and the fit's
residuals ``eps_i = f(x_i; c_pred) - y~_i`` are taken there. ``MSE = mean_i ||eps_i||^2``,
``RMSE = sqrt(MSE)``; table rows average both over the trials (the paper's RMSE column is below
``sqrt`` of its MSE column, which averaging RMSE over trials explains). The noise alone gives
``MSE = sigma^2 m`` (0.002 at width 20).

Figure 1 shares the solves: ``figure1`` asks for the N = 50, width 20 instances of Table 5, and
:func:`paper_repro.zhang_common.run_instances` solves each only once per process.

References
----------
[ZNT26] L. Zhang, J. Nie, T. Tang, "Learning Polynomial Activation Functions for Deep Neural
Networks", PMLR 321:90-99, 2026 (TAG-DS 2025), arXiv:2510.03682.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from paper_repro._common import markdown_table, pyplot, write_markdown
from paper_repro.zhang_common import (
    NOISE,
    ZNT26,
    Budget,
    Instance,
    budget_for,
    paper_figure1,
    paper_row,
    run_instances,
    setup_text,
    summarize,
    write_rows,
)

__all__ = ["DEGREES", "run_table5", "run_figure1"]

DEGREES = (3, 2)
FIGURE_SIZE = (50, 20)


def residual_instances(budget: Budget, seed: int, sizes: tuple[tuple[int, int], ...]) -> list[Instance]:
    """Every instance of the residual study at ``sizes``."""
    candidates = [
        Instance(DEGREES, nsamples, width, trial, seed, NOISE, noise_model, loss, budget.time_limit, test_noise=NOISE)
        for nsamples, width in sizes
        for loss in budget.losses
        for noise_model in budget.noise_models
        for trial in range(budget.trials)
    ]
    return [inst for inst in candidates if budget.runs(inst)]


def run_table5(out: Path, *, quick: bool = False, seed: int = 0, budget: Budget | None = None) -> list[dict[str, Any]]:
    """Table 5 of [ZNT26]: writes ``table5.{csv,md,png}`` and ``table5_instances.csv``; returns the summary rows."""
    budget = budget_for(quick, budget)
    rows = run_instances(residual_instances(budget, seed, budget.sizes))
    summary = summarize(rows, ("N", "width", "loss", "noise_model"))
    for entry in summary:
        ref = paper_row(5, entry["N"], entry["width"])
        entry.update(paper_mse=ref["mse"], paper_rmse=ref["rmse"], noise_floor_mse=NOISE**2 * entry["width"])
    write_rows(out / "table5_instances.csv", rows)
    write_rows(out / "table5.csv", summary)
    shown = [
        {
            "N": e["N"], "width": e["width"], "loss": e["loss"], "training noise": e["noise_model"],
            "certified": e["certified"], "order": e["order"],
            "MSE": e["mse"], "MSE median": e["mse_median"], "MSE paper": e["paper_mse"],
            "RMSE": e["rmse"], "RMSE paper": e["paper_rmse"],
            "noise floor MSE": e["noise_floor_mse"], "AbsErr": e["abs_err"], "status": e["status"],
        }
        for e in summary
    ]  # fmt: skip
    write_markdown(
        out / "table5.md",
        "Table 5 of [ZNT26]: test-set residuals, degrees (3, 2)",
        [
            (
                "Results",
                "MSE and RMSE on an independent test set (per-sample noise 1e-2), means over the trials (one failed fit "
                "dominates a mean, so the median MSE is beside it); the "
                "noise floor sigma^2 m is what a perfect fit would score.\n\n" + markdown_table(shown),
            ),
            ("Setup", setup_text(budget, quick, seed)),
        ],
        [ZNT26],
    )
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(6, 4))
    ns = [n for n, _ in budget.sizes]
    for loss, marker in (("linf-mean", "o"), ("l2", "s")):
        for noise_model, style in (("shared", "-"), ("per-sample", "--")):
            series = [e for e in summary if e["loss"] == loss and e["noise_model"] == noise_model]
            if series:
                axis.plot([e["N"] for e in series], [e["mse"] for e in series], style, marker=marker,
                          label=f"ours {loss}, trained with {noise_model} noise")  # fmt: skip
    reference = [paper_row(5, n, w)["mse"] for n, w in budget.sizes]
    axis.plot(ns, [np.nan if v is None else v for v in reference], "k:", marker="x", label="paper [ZNT26]")
    axis.plot(ns, [NOISE**2 * w for _, w in budget.sizes], color="grey", lw=0.8, label="noise floor sigma^2 m")
    axis.set_yscale("log")
    axis.set_xticks(ns)
    axis.set_xlabel("N")
    axis.set_ylabel("test MSE")
    axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(out / "table5.png", dpi=110)
    plt.close(figure)
    return summary


def run_figure1(out: Path, *, quick: bool = False, seed: int = 0, budget: Budget | None = None) -> list[dict[str, Any]]:
    """Figure 1 of [ZNT26]: writes ``figure1.{png,md,csv}``; returns one row per trained model shown.

    Left panel: every entry of ``eps_i`` against ``i``; right panel: ``||eps_i||_2`` against ``i``
    (first trial, the paper's loss; one row of panels per training-noise model).
    """
    budget = budget_for(quick, budget)
    size = FIGURE_SIZE if FIGURE_SIZE in budget.sizes else budget.sizes[0]
    rows = run_instances(residual_instances(budget, seed, (size,)))
    digitised = paper_figure1()
    shown = [r for r in rows if r["trial"] == 0 and r["loss"] == "linf-mean"]
    table = []
    for r in rows:
        if "residuals" not in r:
            continue
        norms = np.linalg.norm(r["residuals"], axis=1)
        table.append(
            {
                "loss": r["loss"], "training noise": r["noise_model"], "trial": r["trial"], "status": r["status"],
                "mean ‖eps_i‖": float(norms.mean()), "min ‖eps_i‖": float(norms.min()),
                "max ‖eps_i‖": float(norms.max()), "MSE": r["mse"],
                "paper mean": digitised["mean_norm"], "paper min": digitised["min_norm"],
                "paper max": digitised["max_norm"], "paper MSE": digitised["mse"],
            }
        )  # fmt: skip
    write_rows(out / "figure1.csv", table or [{"note": "no coefficients were found"}])
    plt = pyplot()
    figure, axes = plt.subplots(len(shown), 2, figsize=(11, 3.6 * len(shown)), squeeze=False)
    for (left, right), r in zip(axes, shown):
        title = f"paper's loss, trained with {r['noise_model']} noise ({r['status']})"
        if "residuals" in r:
            res = r["residuals"]
            index = np.arange(1, res.shape[0] + 1)
            for j in range(res.shape[1]):
                left.scatter(index, res[:, j], s=4)
            right.scatter(index, np.linalg.norm(res, axis=1), s=8)
        left.axhline(0, color="k", lw=0.5)
        left.set_xlabel("test sample i")
        left.set_ylabel("entries of eps_i")
        left.set_title(title, fontsize=9)
        right.axhline(digitised["mean_norm"], color="grey", ls=":", label="paper: mean ||eps_i|| (digitised)")
        right.set_xlabel("test sample i")
        right.set_ylabel("||eps_i||_2")
        right.set_ylim(bottom=0)
        right.legend(fontsize=7)
    figure.suptitle(f"Figure 1: test residuals, degrees {DEGREES}, N = {size[0]}, width {size[1]} (ours)")
    figure.tight_layout()
    figure.savefig(out / "figure1.png", dpi=110)
    plt.close(figure)
    write_markdown(
        out / "figure1.md",
        "Figure 1 of [ZNT26]: residuals on an independent test set",
        [
            (
                "Results",
                f"Degrees {DEGREES}, N = {size[0]}, width {size[1]}; the panels show the first trial with the paper's "
                "loss, this table every trial and loss. The paper's statistics are digitised from its right panel "
                "(approximate). The noise floor alone is sigma^2 m = "
                f"{NOISE**2 * size[1]:.4f} for the MSE and about sigma sqrt(m) = {NOISE * np.sqrt(size[1]):.4f} for "
                "||eps_i||.\n\n" + (markdown_table(table) if table else "No fit produced coefficients.")
                + "\n\n![Figure 1](figure1.png)",
            ),
            ("Setup", setup_text(budget, quick, seed)),
        ],
        [ZNT26],
    )
    return table
