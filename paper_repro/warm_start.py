"""A warm start that pays: certify a cheaper, related problem, then run gradient descent on the full one.

The conclusion of [ZNT26] proposes solving globally where that is tractable and starting gradient
descent from there where it is not. This artefact measures when that pays. Every scenario has a
*full problem*, the one gradient descent trains, and a *cheap problem*, a related one that
:func:`nets.solve_global` certifies in about a second:

``subsample``
    Fixed weights, degrees (2, 2): the cheap problem is the least-squares fit on 40 of the 400
    samples, the full one on all 400. (For the ``"l2"`` loss the relaxation's size does not depend on
    the number of samples, so the full problem is just as cheap to certify; its certified minimum is
    computed and is the reference of this scenario.)
``weights``
    The paper's net with its weights given, degrees (2, 2), noisy data: the cheap problem fits the
    activations with the weights fixed (the paper's problem), the full one learns weights and
    activations together (no certificate exists for it). Both arms start from the given weights.
``degree``
    Fixed weights, data from a teacher of degrees (2, 3): the cheap problem is the fit of degrees
    (2, 2), whose coefficients, padded with a zero, start the full fit of degrees (2, 3). Certifying
    degrees (2, 3) directly takes minutes (its relaxation has order 6; see the ``gd_vs_sos`` artefact).
``width``
    Learnable weights: a narrow net (widths 10-6-6-4) with fixed random weights is certified and
    embedded in a wide one (10-16-16-4; new neurons with small random input weights and zero output
    weights, so the wide net starts as exactly the narrow one); data come from a wider teacher
    (10-24-24-4). The random arm is the wide net with random weights and activations.

Every seed ``s`` is one instance (teacher, data, subsample and narrow weights drawn from ``s``) on which
both arms run: *warm* starts from the certified coefficients of the cheap problem, *random* from
``PolyNet.random_coefficients(seed)`` (free coefficients ``~ U(-1, 1)``). Both arms use the same
optimizer, the same number of full-batch steps and the same learning-rate grid; each arm reports its
own best learning rate (highest success rate, then lowest median final loss). A run *succeeds* when
its final loss is within :data:`REL_TOL` of the instance's *reference*, the lowest loss known for it:
every run of both arms at every learning rate, the certified full minimum (``subsample``) and the loss
of the teacher that made the data where the full model contains the teacher (all but ``width``); on
noisy data that is about the noise level.
Time to target is the gradient-descent time until the loss first reaches that level (steps times
the run's mean time per step) plus, for the warm arm, the time of the certified solve.

References
----------
[ZNT26] L. Zhang, J. Nie, T. Tang, "Learning Polynomial Activation Functions for Deep Neural
Networks", PMLR 321:90-99, 2026 (TAG-DS 2025), arXiv:2510.03682.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import nets
from paper_repro._common import markdown_table, pyplot, write_csv, write_markdown
from paper_repro.zhang_common import ZNT26

__all__ = ["SCENARIOS", "OPTIMIZERS", "REL_TOL", "Instance", "run"]

#: a run succeeds when its final loss is at most (1 + REL_TOL) times the instance's reference loss
REL_TOL = 0.1
#: noise standard deviation of every data set
NOISE = 1e-2
#: options of every certified solve of a cheap problem: the first relaxation order of degrees (2, 2)
#: (no climb) and at most 5 s; a solve that is not certified in that time still gives its estimate
CHEAP_SOLVE: dict[str, Any] = {"max_order": 3, "time_limit": 5.0}
#: optimizer -> learning-rate grid (the same for both arms)
OPTIMIZERS: dict[str, tuple[float, ...]] = {"adam": (1e-3, 1e-2), "sgd": (1e-4, 1e-3, 1e-2)}


@dataclass(frozen=True)
class Mode:
    """How much to run: instances (seeds) per scenario, gradient steps per run, learning-rate grids."""

    seeds: int
    steps: int
    lrs: dict[str, tuple[float, ...]]


FULL = Mode(seeds=20, steps=300, lrs=OPTIMIZERS)
QUICK = Mode(seeds=3, steps=100, lrs={"adam": (1e-2,), "sgd": (1e-3,)})


@dataclass(frozen=True)
class Instance:
    """One problem of a scenario: the full problem's data and starting models, and the certified warm start.

    ``warm_model()`` and ``random_model(seed)`` return a fresh :class:`nets.PolyNet` (fixed weights)
    or :class:`nets.PolyNetModule` (learnable weights) for :func:`nets.train_gd`; ``reference`` is the
    lowest loss known before training: the certified minimum of the full problem, or the loss of the
    teacher that made the data where the full model contains it; ``inf`` where neither applies.
    """

    data: tuple[np.ndarray, np.ndarray]
    warm_model: Callable[[], Any]
    random_model: Callable[[int], Any]
    warm_coefficients: list[np.ndarray]
    solve_time: float
    certified: bool
    reference: float = math.inf


def _timed_fit(net: nets.PolyNet, data: tuple[np.ndarray, np.ndarray]) -> tuple[nets.NetFitResult, float]:
    start = time.perf_counter()
    with warnings.catch_warnings():  # an uncertified solve warns; the rows record it (cheap_certified)
        warnings.simplefilter("ignore")
        fit = nets.solve_global(net, data, loss="l2", **CHEAP_SOLVE)
    if fit.coefficients is None:
        raise RuntimeError(f"solve_global found no coefficients for {net!r} (status {fit.status.name})")
    return fit, time.perf_counter() - start


def _planted(widths: Sequence[int], degrees: Sequence[int], samples: int, seed: int):
    """A random teacher, its noisy data and the teacher's own loss on them (about ``m_out * NOISE**2``)."""
    teacher = nets.PolyNet.random(widths, degrees, seed=seed)
    truth = teacher.random_coefficients(seed=seed + 1)
    X, Y = nets.synthetic_data(teacher, truth, samples, noise=NOISE, seed=seed + 2)
    return teacher, (X, Y), float(np.mean(np.sum((teacher.forward(X, truth) - Y) ** 2, axis=1)))


def _subsample(seed: int) -> Instance:
    net, (X, Y), planted = _planted([10, 16, 16, 4], (2, 2), 400, seed)
    chosen = np.random.default_rng(seed + 3).choice(len(X), size=40, replace=False)
    fit, seconds = _timed_fit(net, (X[chosen], Y[chosen]))
    full, _ = _timed_fit(net, (X, Y))
    reference = min(planted, full.loss_value if full.certified else math.inf)
    return Instance((X, Y), lambda: net, lambda s: net, fit.coefficients, seconds, fit.certified, reference)


def _weights(seed: int) -> Instance:
    net, data, planted = _planted([10, 16, 16, 4], (2, 2), 200, seed)
    fit, seconds = _timed_fit(net, data)

    def model(s: int = 0) -> Any:
        return net.to_torch(learn_weights=True)

    return Instance(data, model, model, fit.coefficients, seconds, fit.certified, planted)


def _degree(seed: int) -> Instance:
    net, data, planted = _planted([10, 16, 16, 4], (2, 3), 200, seed)
    fit, seconds = _timed_fit(nets.PolyNet(net.weights, (2, 2)), data)
    padded = [np.pad(c, (0, d + 1 - len(c))) for c, d in zip(fit.coefficients, net.degrees)]
    return Instance(data, lambda: net, lambda s: net, padded, seconds, fit.certified, planted)


def _width(seed: int) -> Instance:
    m_in, narrow, wide, m_out = 10, 6, 16, 4
    _, data, _ = _planted([m_in, 24, 24, m_out], (2, 2), 200, seed)  # the wide student cannot copy this teacher
    small = nets.PolyNet.random([m_in, narrow, narrow, m_out], (2, 2), seed=seed + 3)
    fit, seconds = _timed_fit(small, data)
    rng = np.random.default_rng(seed + 4)
    new = wide - narrow
    W1 = np.vstack([small.weights[0], 0.1 * rng.standard_normal((new, m_in)) / np.sqrt(m_in)])
    # old layer-2 neurons ignore the new layer-1 neurons; new layer-2 neurons see all of layer 1
    W2 = np.block([[small.weights[1], np.zeros((narrow, new))], [0.1 * rng.standard_normal((new, wide)) / np.sqrt(wide)]])
    W3 = np.hstack([small.weights[2], np.zeros((m_out, new))])
    embedded = nets.PolyNet([W1, W2, W3], (2, 2))

    def random_model(s: int) -> Any:
        return nets.PolyNet.random([m_in, wide, wide, m_out], (2, 2), seed=s + 5).to_torch(learn_weights=True)

    return Instance(data, lambda: embedded.to_torch(learn_weights=True), random_model, fit.coefficients, seconds, fit.certified)


#: scenario -> (instance builder, one-line description for the report)
SCENARIOS: dict[str, tuple[Callable[[int], Instance], str]] = {
    "subsample": (_subsample, "fixed weights, degrees (2,2), 10-16-16-4: certified on 40 samples, GD on 400"),
    "weights": (_weights, "degrees (2,2), 10-16-16-4, 200 samples: certified with the weights fixed, GD learns weights too"),
    "degree": (_degree, "fixed weights, 10-16-16-4, teacher of degrees (2,3), 200 samples: certified at degrees (2,2), GD at (2,3)"),
    "width": (_width, "learnable weights, degrees (2,2), teacher 10-24-24-4, 200 samples: certified 10-6-6-4 embedded in 10-16-16-4"),
}  # fmt: skip


# --- running -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Run:
    seed: int
    arm: str
    optimizer: str
    lr: float
    status: str
    final: float  # inf when diverged
    history: np.ndarray
    wall: float
    solve_time: float
    certified: bool | None


def _train(instance: Instance, arm: str, optimizer: str, lr: float, seed: int, steps: int) -> _Run:
    warm = arm == "warm"
    model = instance.warm_model() if warm else instance.random_model(seed)
    init = instance.warm_coefficients if warm else "random"
    res = nets.train_gd(model, instance.data, loss="l2", optimizer=optimizer, steps=steps, lr=lr, init=init, seed=seed,
                        device="cpu", progress=False)  # fmt: skip
    final = res.loss_value if res.success else math.inf
    return _Run(seed, arm, optimizer, lr, res.status.value, final, res.loss_history, res.wall_time,
                instance.solve_time if warm else 0.0, instance.certified if warm else None)  # fmt: skip


def _steps_to(history: np.ndarray, final: float, target: float) -> int | None:
    """Steps until the loss first reaches ``target`` (``len(history)`` when only the final value does)."""
    reached = np.flatnonzero(history <= target)
    if reached.size:
        return int(reached[0])
    return len(history) if final <= target else None


def _row(scenario: str, run: _Run, reference: float, steps: int) -> dict[str, object]:
    target = (1 + REL_TOL) * reference
    reached = _steps_to(run.history, run.final, target)
    per_step = run.wall / max(len(run.history), 1)
    return {
        "scenario": scenario,
        "arm": run.arm,
        "optimizer": run.optimizer,
        "seed": run.seed,
        "lr": run.lr,
        "steps": steps,
        "status": run.status,
        "start_loss": float(run.history[0]) if len(run.history) else math.nan,
        "final_loss": run.final,
        "reference_loss": reference,
        "final_over_reference": run.final / reference,
        "success": run.final <= target,
        "steps_to_target": math.nan if reached is None else reached,
        "solve_time_s": run.solve_time,
        "gd_time_s": run.wall,
        "time_to_target_s": math.inf if reached is None else run.solve_time + reached * per_step,
        "cheap_certified": run.certified,
    }


def _median(values: Sequence[float]) -> float:
    return float(np.median(values)) if len(values) else math.nan


def _choose(runs: list[_Run], references: dict[int, float]) -> float:
    """The learning rate of ``runs`` (one arm, one optimizer) with the most successes, then the lowest median final loss."""
    def key(lr: float) -> tuple[float, float]:
        chosen = [r for r in runs if r.lr == lr]
        wins = sum(r.final <= (1 + REL_TOL) * references[r.seed] for r in chosen)
        return (-wins, _median([r.final / references[r.seed] for r in chosen]))

    return min(sorted({r.lr for r in runs}), key=key)


def run(
    out: Path, *, quick: bool, seed: int, scenarios: Sequence[str] | None = None, seeds: int | None = None
) -> list[dict[str, object]]:
    """Write ``warm_start.{csv,md,png}`` (and the learning-rate grid ``warm_start_lr.csv``) into ``out``.

    Returns one row per (scenario, arm, optimizer, instance seed) at the arm's chosen learning rate.
    ``scenarios`` (of :data:`SCENARIOS`) and ``seeds`` (instances per scenario) narrow the run.
    """
    names = list(SCENARIOS) if scenarios is None else list(scenarios)
    if not names or not set(names) <= set(SCENARIOS):
        raise ValueError(f"`scenarios` must be a non-empty subset of {sorted(SCENARIOS)}, got {scenarios!r}")
    mode = QUICK if quick else FULL
    if seeds is not None:
        if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
            raise ValueError(f"`seeds` must be an int >= 1, got {seeds!r}")
        mode = Mode(seeds=seeds, steps=mode.steps, lrs=mode.lrs)
    _load_kernels()
    rows: list[dict[str, object]] = []
    grid: list[dict[str, object]] = []
    curves: dict[tuple[str, str, str], np.ndarray] = {}
    for index, name in enumerate(names):
        build = SCENARIOS[name][0]
        runs: list[_Run] = []
        references: dict[int, float] = {}
        for i in range(mode.seeds):
            instance_seed = seed + 1000 * index + 17 * i
            instance = build(instance_seed)
            done = [
                _train(instance, arm, optimizer, lr, instance_seed, mode.steps)
                for optimizer, lrs in mode.lrs.items()
                for lr in lrs
                for arm in ("warm", "random")
            ]
            finals = [r.final for r in done if math.isfinite(r.final)]
            references[instance_seed] = min([instance.reference, *finals])
            runs += done
        for optimizer in mode.lrs:
            for arm in ("warm", "random"):
                arm_runs = [r for r in runs if r.arm == arm and r.optimizer == optimizer]
                lr = _choose(arm_runs, references)
                for r in arm_runs:
                    row = _row(name, r, references[r.seed], mode.steps)
                    if r.lr == lr:
                        rows.append(row)
                    grid.append(row)
                curves[(name, optimizer, arm)] = _relative_curves([r for r in arm_runs if r.lr == lr], references, mode.steps)
    _write(out, rows, grid, curves, quick=quick, seed=seed, mode=mode, names=names)
    return rows


def _load_kernels() -> None:
    """One tiny training run, so that no timed run pays for torch's first-call set-up."""
    net = nets.PolyNet.random([2, 2, 2, 1], (2, 2), seed=0)
    data = nets.synthetic_data(net, net.random_coefficients(seed=0), 4, seed=0)
    for learn_weights in (False, True):
        nets.train_gd(net.to_torch(learn_weights=learn_weights), data, steps=2, device="cpu", progress=False)
        nets.train_gd(net, data, optimizer="sgd", steps=2, device="cpu", progress=False)


def _relative_curves(runs: list[_Run], references: dict[int, float], steps: int) -> np.ndarray:
    """Loss over reference per run and step (``inf`` after a divergence); shape ``(runs, steps + 1)``."""
    curves = np.full((len(runs), steps + 1), np.inf)
    for k, r in enumerate(runs):
        values = np.append(r.history, r.final) / references[r.seed]
        curves[k, : len(values)] = values
        if math.isfinite(r.final):  # stopped early (converged): the loss stays where it was
            curves[k, len(values) :] = values[-1]
    return curves


# --- summary and files -------------------------------------------------------------------------


def summarize(rows: Sequence[dict[str, object]]) -> list[dict[str, object]]:
    """One line per (scenario, optimizer, arm): median and quartiles of the final loss, success rate, time to target."""
    keys = list(dict.fromkeys((r["scenario"], r["optimizer"], r["arm"]) for r in rows))
    table = []
    for scenario, optimizer, arm in keys:
        group = [r for r in rows if (r["scenario"], r["optimizer"], r["arm"]) == (scenario, optimizer, arm)]
        ratios = np.array([r["final_over_reference"] for r in group], dtype=float)
        q25, q50, q75 = np.percentile(ratios, [25, 50, 75], method="inverted_cdf")
        table.append(
            {
                "scenario": scenario,
                "optimizer": optimizer,
                "arm": arm,
                "lr": group[0]["lr"],
                "runs": len(group),
                "diverged": sum(r["status"] == "diverged" for r in group),
                "median_final_loss": float(np.percentile([r["final_loss"] for r in group], 50, method="inverted_cdf")),
                "final/ref_q25": float(q25),
                "final/ref_median": float(q50),
                "final/ref_q75": float(q75),
                "success_rate": sum(bool(r["success"]) for r in group) / len(group),
                "median_time_to_target_s": float(
                    np.percentile([r["time_to_target_s"] for r in group], 50, method="inverted_cdf")
                ),
                "median_solve_time_s": _median([r["solve_time_s"] for r in group]),
                "cheap_certified_rate": (
                    sum(bool(r["cheap_certified"]) for r in group) / len(group) if arm.startswith("warm") else None
                ),
                "median_gd_time_s": _median([r["gd_time_s"] for r in group]),
            }
        )
    return table


def _fmt_time(seconds: float) -> str:
    return f"{seconds:.2g} s" if math.isfinite(seconds) else "not reached"


def verdicts(summary: Sequence[dict[str, object]]) -> list[tuple[str, str, str]]:
    """(scenario, optimizer, verdict) with verdict "helps", "hurts" or "no clear difference", from the summary.

    The warm start helps when its success rate is higher by at least 0.1, or equal within 0.1 with a
    lower median time to target (or, where neither arm's median reaches the target, a lower median
    final loss); it hurts when its success rate is lower by at least 0.1, or equal within 0.1 with a
    higher median time to target (or final loss).
    """
    out = []
    for line in summary:
        if line["arm"] != "warm":
            continue
        other = next(s for s in summary if s["arm"] == "random" and (s["scenario"], s["optimizer"]) == (line["scenario"], line["optimizer"]))  # fmt: skip
        gap = line["success_rate"] - other["success_rate"]
        if abs(gap) >= 0.1:
            verdict = "helps" if gap > 0 else "hurts"
        else:
            pair = (line["median_time_to_target_s"], other["median_time_to_target_s"])
            if not any(map(math.isfinite, pair)):
                pair = (line["final/ref_median"], other["final/ref_median"])
            verdict = "helps" if pair[0] < pair[1] else "hurts" if pair[0] > pair[1] else "no clear difference"
        out.append((line["scenario"], line["optimizer"], verdict))
    return out


def _reading(summary: Sequence[dict[str, object]]) -> str:
    lines = {(s["scenario"], s["optimizer"], s["arm"]): s for s in summary}
    found = verdicts(summary)
    parts = []
    for title, wanted in (("Where it helps", ("helps",)), ("Where it does not", ("hurts", "no clear difference"))):
        items = []
        for scenario, optimizer, verdict in found:
            if verdict not in wanted:
                continue
            w, r = lines[(scenario, optimizer, "warm")], lines[(scenario, optimizer, "random")]
            items.append(
                f"- `{scenario}`, {optimizer}{'' if verdict == 'helps' else f' ({verdict})'}: success "
                f"{w['success_rate']:.0%} warm vs {r['success_rate']:.0%} random; median final loss "
                f"{w['final/ref_median']:.3g} vs {r['final/ref_median']:.3g} times the reference; median time "
                f"to target {_fmt_time(w['median_time_to_target_s'])} (with the solve) vs "
                f"{_fmt_time(r['median_time_to_target_s'])}; diverged {w['diverged']} vs {r['diverged']} of {w['runs']}."
            )
        parts.append(f"**{title}** ({len(items)} of {len(found)} scenario-optimizer pairs):\n\n" + ("\n".join(items) or "- none"))
    return "\n\n".join(parts)


def _write(out: Path, rows, grid, curves, *, quick: bool, seed: int, mode: Mode, names: list[str]) -> None:
    write_csv(out / "warm_start.csv", rows)
    write_csv(out / "warm_start_lr.csv", grid)
    summary = summarize(rows)
    grid_summary = summarize([dict(r, arm=f"{r['arm']} lr={r['lr']:g}") for r in grid])
    lrs = "; ".join(f"{name} {', '.join(f'{lr:g}' for lr in lrs)}" for name, lrs in mode.lrs.items())
    scenario_lines = "\n".join(f"- `{name}`: {SCENARIOS[name][1]}" for name in names)
    sections = [
        (
            "Setup",
            f"The conclusion of [ZNT26] proposes certifying globally where that is tractable and warm-starting "
            "gradient descent where it is not. Each scenario pairs a cheap problem that `nets.solve_global` "
            "certifies (least squares, `loss=\"l2\"`) with a full problem that `nets.train_gd` trains "
            f"({'quick mode: ' if quick else ''}{mode.seeds} instances per scenario, seed {seed}, data noise "
            f"sigma = {NOISE:g}):\n\n{scenario_lines}\n\n"
            "On every instance both arms run: *warm* from the certified coefficients of the cheap problem, "
            "*random* from `PolyNet.random_coefficients` (free coefficients ~ U(-1, 1); in `width` also random "
            f"weights). Same optimizer, {mode.steps} full-batch steps (sgd is `torch.optim.SGD` on all samples, "
            f"i.e. plain gradient descent), same learning-rate grid ({lrs}); each arm shows its best rate (most "
            "successes, then lowest median final loss; every rate in `warm_start_lr.csv`). The *reference* of an "
            "instance is the lowest loss known for it: every run of both arms at every rate, the certified minimum "
            "on all samples (`subsample`) and the teacher's own loss where the full model contains the teacher "
            f"(all but `width`). A run succeeds when its final loss is at most {1 + REL_TOL:g} "
            "times the reference. Time to target: seconds of gradient descent until the loss first reaches that "
            "level (steps times the run's mean time per step) plus, for the warm arm, the certified solve of the "
            "cheap problem; never reached counts as infinite. Times are wall clock, one thread, on a machine "
            "shared with other jobs.",
        ),
        ("Summary (each arm at its chosen learning rate)", markdown_table(summary)),
        ("Reading", _reading(summary)),
        ("Every learning rate", markdown_table(grid_summary)),
    ]
    write_markdown(out / "warm_start.md", "Warm-starting gradient descent from a certified cheaper problem", sections, [ZNT26])
    _plot(out / "warm_start.png", curves, summary, names, list(mode.lrs))


def _plot(path: Path, curves, summary, names: list[str], optimizers: list[str]) -> None:
    plt = pyplot()
    lrs = {(s["scenario"], s["optimizer"], s["arm"]): s["lr"] for s in summary}
    figure, axes = plt.subplots(len(optimizers), len(names), figsize=(3.6 * len(names), 3.0 * len(optimizers)), squeeze=False)
    for row, optimizer in enumerate(optimizers):
        for col, name in enumerate(names):
            axis = axes[row][col]
            for arm, colour in (("warm", "C0"), ("random", "C3")):
                values = np.minimum(curves[(name, optimizer, arm)], 1e12)  # diverged: drawn at the top
                q25, q50, q75 = np.percentile(values, [25, 50, 75], axis=0)
                steps = np.arange(values.shape[1])
                axis.plot(steps, q50, color=colour, label=f"{arm} (lr {lrs[(name, optimizer, arm)]:g})")
                axis.fill_between(steps, q25, q75, color=colour, alpha=0.2, linewidth=0)
            axis.axhline(1 + REL_TOL, color="k", linestyle=":", linewidth=0.8)
            axis.set_yscale("log")
            axis.set_ylim(0.5, 1e6)
            axis.set_title(f"{name}, {optimizer}", fontsize=9)
            axis.set_xlabel("step")
            if col == 0:
                axis.set_ylabel("loss / reference")
            axis.legend(fontsize=7)
    figure.suptitle("median and quartiles over instances; dotted: success level", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
