"""Gradient descent against the certified global solution on the configurations of Tables 1-4 of [ZNT26].

For every table (degrees (2,2), (2,3), (1,1,1), (2,1,1)), its smallest and largest size (N = 50,
width 20; N = 250, width 40), noiseless and with noise sigma = 1e-2: one :func:`nets.solve_global`
(certified) and ``R = 20`` :func:`nets.train_gd` runs per optimizer from random initialisations
(``PolyNet.random_coefficients``, free coefficients ~ U(-1, 1), the distribution of the truth). A
run *reaches the global loss* when its final loss is at most the certified minimum plus
``SUCCESS_TOL`` times the loss unit of :func:`nets.loss_problem` (``m_out * RMS(Y)^2`` for "l2").

The loss is least squares ("l2") over all samples: smooth, so gradient descent has a fair chance, and
its relaxation at these sizes solves in seconds (order 3; order 4, about two minutes, for Table 2).
The paper's "linf-mean" loss is available through ``loss=`` but its relaxation is much slower with the
built-in interior-point solver at these widths (see the report).

Quick mode: width 6, N = 20, R = 4, tables 1, 3 and 4 (Table 2's order-4 relaxation alone takes
minutes), fewer steps.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

import nets
from paper_repro._common import markdown_table, plot_histories, pyplot, write_csv, write_markdown
from paper_repro.zhang_common import ZNT26

#: table -> activation degrees, as in [ZNT26, Tables 1-4]
TABLES = {1: (2, 2), 2: (2, 3), 3: (1, 1, 1), 4: (2, 1, 1)}
#: a GD run reaches the global loss when loss_gd <= loss_sos + SUCCESS_TOL * (loss unit)
SUCCESS_TOL = 1e-6
#: optimizer -> (steps, learning rate), full and quick mode
OPTIMIZERS = {"lbfgs": ((500, 1.0), (80, 1.0)), "adam": ((2000, 1e-2), (100, 1e-2))}


def _configurations(quick: bool, tables: tuple[int, ...] | None) -> list[tuple[int, int, int, float]]:
    default, sizes = ((1, 3, 4), ((20, 6),)) if quick else ((1, 2, 3, 4), ((50, 20), (250, 40)))
    return [(t, n, w, noise) for t in (tables or default) for n, w in sizes for noise in (0.0, 1e-2)]


def _distance(a: list[np.ndarray] | None, b: list[np.ndarray] | None) -> float:
    if a is None or b is None:
        return float("nan")
    return float(np.linalg.norm(np.concatenate(a) - np.concatenate(b)))


def _median(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return float(np.median(finite)) if finite else float("nan")


def run(
    out: Path,
    *,
    quick: bool,
    seed: int,
    loss: str = "l2",
    tables: tuple[int, ...] | None = None,
    optimizers: tuple[str, ...] = ("lbfgs", "adam"),
) -> list[dict[str, object]]:
    """Write ``gd_vs_sos.{csv,md,png}`` into ``out``; return one row per (configuration, optimizer).

    ``loss``, ``tables`` (a subset of 1-4) and ``optimizers`` (of :data:`OPTIMIZERS`) narrow the run.
    """
    if tables is not None and not set(tables) <= set(TABLES):
        raise ValueError(f"`tables` must be a subset of {sorted(TABLES)}, got {tables!r}")
    if not optimizers or not set(optimizers) <= set(OPTIMIZERS):
        raise ValueError(f"`optimizers` must be a non-empty subset of {sorted(OPTIMIZERS)}, got {optimizers!r}")
    runs = 4 if quick else 20
    configurations = _configurations(quick, tables)
    rows: list[dict[str, object]] = []
    curves: dict[str, dict[str, list[float]]] = {}
    for table, samples, width, noise in configurations:
        degrees = TABLES[table]
        config_seed = seed + 1000 * table + samples + int(noise > 0)
        net = nets.PolyNet.random([width] * (len(degrees) + 2), degrees, seed=config_seed)
        truth = net.random_coefficients(seed=config_seed + 1)
        X, Y = nets.synthetic_data(net, truth, samples, noise=noise, seed=config_seed + 2)
        start = time.perf_counter()
        fit = nets.solve_global(net, (X, Y), loss=loss)
        sos_time = time.perf_counter() - start
        unit = fit.loss_scale  # the unit the certificate compares losses in
        label = f"T{table} N={samples} w={width} sigma={noise:g}"
        for optimizer in optimizers:
            steps, lr = OPTIMIZERS[optimizer][1] if quick else OPTIMIZERS[optimizer][0]
            options = {"loss": loss, "optimizer": optimizer, "steps": steps, "lr": lr, "device": "cpu", "progress": False}
            results = [nets.train_gd(net, (X, Y), seed=seed + r, **options) for r in range(runs)]
            finals = [r.loss_value if r.success else float("nan") for r in results]
            reached = [r for r, v in zip(results, finals) if math.isfinite(v) and v <= fit.loss_value + SUCCESS_TOL * unit]
            rows.append(
                {
                    "table": table,
                    "degrees": "-".join(map(str, degrees)),
                    "N": samples,
                    "width": width,
                    "noise": noise,
                    "optimizer": optimizer,
                    "steps": steps,
                    "runs": runs,
                    "success_rate": len(reached) / runs,
                    "diverged": sum(not r.success for r in results),
                    "loss_unit": unit,
                    "sos_loss": fit.loss_value,
                    "sos_lower_bound": fit.lower_bound,
                    "sos_certified": fit.certified,
                    "sos_order": fit.order,
                    "sos_time_s": sos_time,
                    "sos_abs_err": _distance(fit.coefficients, truth),
                    "gd_loss_median": _median(finals),
                    "gd_loss_best": min((v for v in finals if math.isfinite(v)), default=float("nan")),
                    "gd_err_vs_sos_success_median": _median([_distance(r.coefficients, fit.coefficients) for r in reached]),
                    "gd_abs_err_success_median": _median([_distance(r.coefficients, truth) for r in reached]),
                    "gd_time_median_s": _median([r.wall_time for r in results]),
                    "gd_time_total_s": float(sum(r.wall_time for r in results)),
                }
            )
            ordered = sorted(results, key=lambda r: r.loss_value if r.success else math.inf)
            if noise > 0 and samples == max(s for _, s, _, _ in configurations):
                excess = {
                    f"{optimizer} {name}": list(np.maximum(r.loss_history - fit.loss_value, 1e-18))
                    for name, r in (("best", ordered[0]), ("median", ordered[len(ordered) // 2]), ("worst", ordered[-1]))
                    if r.success
                }  # fmt: skip
                curves.setdefault(label, {}).update(excess)
    _write(out, rows, curves, quick=quick, seed=seed, loss=loss, runs=runs, optimizers=optimizers)
    return rows


def _write(out: Path, rows, curves, *, quick: bool, seed: int, loss: str, runs: int, optimizers: tuple[str, ...]) -> None:
    write_csv(out / "gd_vs_sos.csv", rows)
    shown = ["table", "degrees", "N", "width", "noise", "optimizer", "success_rate", "diverged", "sos_loss",
             "gd_loss_median", "sos_abs_err", "gd_abs_err_success_median", "gd_err_vs_sos_success_median",
             "sos_time_s", "gd_time_median_s", "gd_time_total_s", "sos_certified"]  # fmt: skip
    chosen = {name: OPTIMIZERS[name][1 if quick else 0] for name in optimizers}
    settings = ", ".join(f"{name} {steps} steps (lr {lr:g})" for name, (steps, lr) in chosen.items())
    sections = [
        (
            "Setup",
            f"Configurations of the paper's Tables 1-4 [ZNT26] "
            f"({'quick mode: reduced sizes' if quick else 'smallest and largest sizes'}), "
            f"noiseless and sigma = 1e-2, seed {seed}. Loss `{loss}`. `nets.solve_global` once (default solver chain); "
            f"`nets.train_gd` from {runs} random initialisations per optimizer: {settings}, float64 on CPU. "
            f"A run reaches the global loss when its final loss is at most the certified minimum plus {SUCCESS_TOL:g} "
            "times the loss unit (mean squared target norm for l2). Errors are Euclidean norms over all "
            "coefficients: `sos_abs_err` = ||c_sos - c_true||, `gd_abs_err_success_median` = median ||c_gd - c_true|| "
            "over the runs that reached the global loss. Times in seconds, wall clock, one thread, on a machine "
            "shared with other jobs (noisy).",
        ),
        ("Results", markdown_table([{k: row[k] for k in shown} for row in rows])),
        (
            "Reading",
            "Gradient descent from a random start often stops at a local minimum or a flat region far above "
            "the global loss; the certified solve needs no start and says when it is optimal. The success "
            "rates above are the fraction of random starts that found what the relaxation certifies.",
        ),
    ]
    title = "Gradient descent vs the certified global solution (the paper's Tables 1-4)"
    write_markdown(out / "gd_vs_sos.md", title, sections, [ZNT26])

    plt = pyplot()
    panels = len(curves) + 1
    figure, axes = plt.subplots(1, panels, figsize=(4.2 * panels, 3.6))
    for axis, (label, histories) in zip(axes, curves.items()):
        plot_histories(axis, histories, ylabel="loss - certified minimum")
        axis.set_xlabel("step")
        axis.set_title(label, fontsize=8)
    axis = axes[-1]
    labels = [f"T{r['table']} {r['N']}/{r['width']} s={r['noise']:g} {r['optimizer']}" for r in rows]
    colours = ["C0" if r["optimizer"] == "lbfgs" else "C1" for r in rows]
    axis.barh(np.arange(len(rows)), [r["success_rate"] for r in rows], color=colours)
    axis.set_yticks(np.arange(len(rows)), labels, fontsize=5)
    axis.set_xlim(0, 1)
    axis.set_xlabel("fraction of GD runs reaching the global loss")
    figure.tight_layout()
    figure.savefig(out / "gd_vs_sos.png", dpi=120)
    plt.close(figure)
