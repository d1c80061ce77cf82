"""Shared machinery of the reproductions of Zhang, Nie & Tang [ZNT26]: instances, solves, summaries.

One *instance* is a random network, its true activations, training data and one loss; solving it is
one call of :func:`nets.solve_global`. The artefacts (:mod:`paper_repro.zhang_tables`,
:mod:`paper_repro.zhang_residuals`, :mod:`paper_repro.zhang_noise`) describe instances by
:class:`Instance`, hand them to :func:`run_instances` (parallel over processes, memoised inside the
process so that ``python -m paper_repro all`` never solves one twice) and summarise the rows.

The choices the paper leaves open are made once here and printed into every report
(:data:`CHOICES`):

* hidden weights ``W_1 .. W_D ~ N(0, 1/m_{l-1})`` (:meth:`nets.PolyNet.random`, variance
  preserving), output weights ``W_{D+1} ~ N(0, 1)`` (MATLAB's ``randn``), inputs ``x_i ~ N(0, I)``
  (:func:`nets.synthetic_data`), unknown coefficients ``~ U(-1, 1)`` with the normalised constants
  ``c_{l,0} = 1`` for ``l < D`` (:meth:`nets.PolyNet.random_coefficients`);
* the unknowns are searched in the ball ``||c||_2 <= RADIUS = 3`` (``solve_global(radius=...)``),
  which holds the cube ``[-1, 1]^n`` of the truth's law for every table (``n <= 9``);
* noise ``sigma = 1e-2`` in two models, both run: ``"shared"``, one vector ``eps ~ N(0, sigma^2 I)``
  added to every sample as (4.1) is written, and ``"per-sample"``, a fresh ``eps_i`` per sample;
* one trial ``t`` fixes the network, the truth, the inputs and the noise direction, so the losses,
  the two noise models and the noise levels of the sweep are compared on the same draws;
* ``||eps||_2`` is the norm of the shared vector, or ``sqrt(mean_i ||eps_i||^2)`` for per-sample
  noise (both about ``sigma sqrt(m_{D+1})``, the paper's column); ``RelErr = AbsErr / ||eps||_2``;
* the relaxation order climbs from the minimal order ``k0`` to ``max(3, k0)`` and stops at the
  first certified order (the paper's procedure; every instance of the paper certified at 3);
  ``"l2"`` has twice the degree, so its ``k0`` is 3, or 4 for degrees (2, 3).

References
----------
[ZNT26] L. Zhang, J. Nie, T. Tang, "Learning Polynomial Activation Functions for Deep Neural
Networks", PMLR 321:90-99, 2026 (TAG-DS 2025), arXiv:2510.03682.
"""

from __future__ import annotations

import csv
import math
import os
import statistics
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from paper_repro import executor
from paper_repro._common import Citation
from paper_repro.executor import default_workers

__all__ = [
    "ZNT26",
    "PAPER_SIZES",
    "PAPER_ORDER",
    "NOISE",
    "LOSSES",
    "NOISE_MODELS",
    "RADIUS",
    "WEIGHT_LAWS",
    "CHOICES",
    "Budget",
    "QUICK",
    "FULL",
    "budget_for",
    "Instance",
    "make_data",
    "solve_instance",
    "run_instances",
    "map_in_workers",
    "default_workers",
    "clear_memo",
    "summarize",
    "paper_numbers",
    "paper_row",
    "paper_figure1",
    "setup_text",
    "write_rows",
    "coefficient_error",
    "read_rows",
]

ZNT26 = Citation(
    "ZNT26",
    'L. Zhang, J. Nie, T. Tang, "Learning Polynomial Activation Functions for Deep Neural Networks", '
    "PMLR 321:90-99, 2026 (TAG-DS 2025), arXiv:2510.03682",
)

#: (N, width) of the rows of Tables 1-5; every hidden width and m_0, m_{D+1} equal the width
PAPER_SIZES: tuple[tuple[int, int], ...] = ((50, 20), (100, 25), (150, 30), (200, 35), (250, 40))
#: the relaxation order that certified every instance of the paper
PAPER_ORDER = 3
#: the paper's noise standard deviation
NOISE = 1e-2
LOSSES: tuple[str, ...] = ("linf-mean", "l2")
NOISE_MODELS: tuple[str, ...] = ("shared", "per-sample")
#: laws of the weight matrices an instance can draw (the artefacts use "mixed"; see CHOICES)
WEIGHT_LAWS = {
    "mixed": "hidden W_1 .. W_D ~ N(0, 1/m_(l-1)), output W_(D+1) ~ N(0, 1)",
    "randn": "every W_l ~ N(0, 1)",
}
#: every solve searches the unknowns in the ball ||c||_2 <= RADIUS; it holds the cube [-1, 1]^n of the
#: truth's law U(-1, 1) for every n <= RADIUS^2 = 9 (the tables have n = 4..6 unknowns)
RADIUS = 3.0

CHOICES = (
    "Choices the paper leaves open (ours, in every artefact; the `weights` ablation varies the weight law):\n\n"
    "- Weights: the hidden weights W_1 .. W_D have N(0, 1/m_(l-1)) entries (`nets.PolyNet.random`, variance "
    "preserving: every pre-activation v_l stays of order one), the output weights W_(D+1) have N(0, 1) entries "
    "(MATLAB's `randn`; `PolyNet.random`'s last matrix times sqrt(m_D)). Why this mix: the paper's loss sees only "
    "the averaged residual, and its sensitivity to the constant c_(D,0) is ||W_(D+1) 1||_2, about m with N(0, 1) "
    "output weights, so the error per unit of noise falls like 1/m, as in the paper's RelErr column (0.02 to 0.13). "
    "The alternative we measured first, N(0, 1) for EVERY W_l, multiplies the scale by sqrt(m) per layer and then "
    "raises it to the activation degree: outputs of 1e4 to 1e7 at N = 50, width 20, a noise of 2.5e-7 relative to "
    "them, and an order-3 SDP that double precision cannot solve (our interior point lost positive definiteness, "
    "CLARABEL failed; Tables 1 and 2 ended INACCURATE). With the mix, the order-3 solves of Tables 1 and 2 converge "
    "and their AbsErr is of the paper's order, above or below it by noise model (the noise-model note says which "
    "way; the Targets give every row's factor); most certify by flat truncation, but Table 1 with shared noise "
    "often ends BOUND_ONLY (counts in its table). The price is on the D = 3 tables: there the inner coefficients reach "
    "the averaged output only through the small mean of the inputs, and the mix leaves them weakly determined, so "
    "Tables 3 and 4 (and the noise sweep, on Table 4's network) miss the paper's AbsErr in most rows (the Targets "
    "give the factors). The `weights` artefact (an ablation, in this report) measures both laws on the same draws: "
    "all-N(0, 1) weights bring the D = 3 tables' AbsErr to the paper's size, certify fewer of Table 4's instances "
    "at width 40, and leave Table 1 unsolved. One choice is kept for every table. "
    "Inputs x_i ~ N(0, I) "
    "(`nets.synthetic_data`). True coefficients: every unknown ~ U(-1, 1), normalised constants c_(l,0) = 1 "
    "for l < D (`PolyNet.random_coefficients`).\n"
    f"- Ball: every solve searches the unknowns in ||c||_2 <= {RADIUS:g} (`solve_global(radius={RADIUS:g})`; the "
    "paper has no constraint). The ball holds the cube [-1, 1]^n of the truth's law for every n <= 9 (these "
    "tables have 4 to 6 unknowns), so the truth is always feasible; a certificate is global over the ball, not "
    "over all of R^n. `nets` documents why: noisy instances of the paper's loss (whose relaxation is unbounded "
    "in the epigraph variable, not archimedean) converge and certify with a ball where the unconstrained one stalls.\n"
    "- Noise, sigma = 1e-2, in BOTH models: `shared` adds one vector eps ~ N(0, sigma^2 I) to every y_i, as "
    "(4.1) is written; `per-sample` draws a fresh eps_i for every sample. ||eps||_2 is the norm of the shared "
    "vector, or sqrt(mean_i ||eps_i||^2) for per-sample noise (both about sigma sqrt(m), as the paper's "
    "column); RelErr = AbsErr / ||eps||_2.\n"
    "- One trial fixes the network, the truth, the inputs and the noise direction (seeded from the run's "
    "seed, the trial index, N, the width and the degrees): losses, noise models and the noise levels of the "
    "sweep are compared on the same draws. Table rows are means over the trials (Time: median), as the "
    "paper's numbers look like averages; the instance CSVs have every trial.\n"
    "- Relaxation order: the paper's procedure, climbing from the minimal order k0 to max(3, k0) and stopping "
    "at the first certified order. For `linf-mean` k0 = 2, so orders 2 and 3 are tried; `l2` (least squares "
    "over all samples, not in the paper) has twice the degree: k0 = 3, and 4 for degrees (2, 3).\n"
    "- AbsErr = ||c_true - c_pred||_2 over the unknowns (normalised constants excluded; they are exact). "
    "c_pred is the certified minimizer, or, when nothing is certified, `solve_global`'s estimate (first-order "
    "moments polished locally): such rows count as not certified.\n"
    "- Time: wall seconds of one `nets.solve_global` call (building the POP, every order visited, every "
    "solver tried, extraction and polishing), measured in a worker process that has one core to itself "
    "(instances run in parallel, one per core)."
)


SOLVES_PER_INSTANCE = 3
"""The SDP solves an instance's time limit is sized for (its climb of up to three orders)."""


@dataclass(frozen=True)
class Budget:
    """Sizes of one run of an artefact.

    ``time_limit`` is seconds per SDP solve. One instance may solve several SDPs (two orders for the
    paper's loss, a minimum-trace re-solve when a solve is not flat, the next solver of the default
    chain when one is inaccurate); momentsos' ``time_limit`` bounds a whole call, so an instance
    receives :data:`SOLVES_PER_INSTANCE` times the budget's limit.
    """

    sizes: tuple[tuple[int, int], ...]
    trials: int
    time_limit: float | None
    losses: tuple[str, ...] = LOSSES
    noise_models: tuple[str, ...] = NOISE_MODELS
    #: instances whose minimal relaxation order k0 exceeds this are not run (None: all run); the
    #: artefacts list what was left out
    max_start_order: int | None = None

    def runs(self, inst: Instance) -> bool:
        """Whether ``inst`` is within this budget (its minimal order at most ``max_start_order``)."""
        return self.max_start_order is None or inst.min_order <= self.max_start_order


#: ``--quick``: the smallest size of the paper, one trial, 60 s per SDP solve (enough for every
#: order-3 relaxation at N = 50, width 20 to converge). One trial keeps every artefact's quick run
#: near a minute on two cores (two trials took 74 s for Table 2, 102 s for the noise sweep and 145 s
#: for Table 5 / Figure 1, whose second trial's ``"l2"`` solves stall for 95 s each). Left out: the
#: one order-4 relaxation, the ``"l2"`` loss of Table 2 (k0 = 4; its solves ran past 110 s each at
#: that limit and ended INACCURATE)
QUICK = Budget(sizes=PAPER_SIZES[:1], trials=1, time_limit=60.0, max_start_order=3)
#: the paper's sizes, ten trials per row, 120 s per SDP solve. Left out as in the quick mode: the
#: ``"l2"`` loss of Table 2 (k0 = 4: one instance at N = 50 took 110-489 s of order-4 solves and ended
#: INACCURATE, so its 100 instances alone would take hours); ``PAPER_REPRO_MAX_START_ORDER=none``
#: runs it. 120 s per solve caps the rare stalled solve (one Table 5 solve ran 417 s under 600 s).
FULL = Budget(sizes=PAPER_SIZES, trials=10, time_limit=120.0, max_start_order=3)


def budget_for(quick: bool, budget: Budget | None = None) -> Budget:
    """``budget`` when given (tests pass a smaller one), else :data:`QUICK` or :data:`FULL`.

    ``$PAPER_REPRO_TIME_LIMIT`` (seconds per SDP solve) replaces the time limit of :data:`QUICK` and
    :data:`FULL`: ``PAPER_REPRO_TIME_LIMIT=60 python -m paper_repro all --quick`` solves the smallest
    size for real instead of stopping every slow solve after a few seconds. Every report prints the
    limit it ran under. ``$PAPER_REPRO_MAX_START_ORDER`` (a positive integer, or ``none``) replaces
    ``max_start_order``: ``none`` also runs the instances whose minimal order is above 3.
    """
    if budget is not None:
        if not isinstance(budget, Budget):
            raise TypeError(f"`budget` must be a paper_repro.zhang_common.Budget or None; got {type(budget).__name__}")
        return budget
    chosen = QUICK if quick else FULL
    value = os.environ.get("PAPER_REPRO_TIME_LIMIT")
    if value:
        try:
            limit = float(value)
        except ValueError:
            limit = float("nan")
        if not limit > 0 or not math.isfinite(limit):
            raise ValueError(f"PAPER_REPRO_TIME_LIMIT must be a positive number of seconds; got {value!r}")
        chosen = replace(chosen, time_limit=limit)
    value = os.environ.get("PAPER_REPRO_MAX_START_ORDER")
    if value:
        if value.strip().lower() == "none":
            chosen = replace(chosen, max_start_order=None)
        elif value.strip().isdigit() and int(value) >= 1:
            chosen = replace(chosen, max_start_order=int(value))
        else:
            raise ValueError(f"PAPER_REPRO_MAX_START_ORDER must be a positive integer or 'none'; got {value!r}")
    return chosen


@dataclass(frozen=True)
class Instance:
    """One solve: network shape, trial, noise, loss and time limit (hashable; the memo key).

    ``noise_model`` is ``"shared"``, ``"per-sample"`` or ``"none"`` (``noise == 0``). With
    ``test_noise`` set, an independent test set of ``nsamples`` samples with per-sample noise of that
    standard deviation is drawn and the fit's residuals on it are returned (Table 5, Figure 1).
    ``weights`` is the law of the weight matrices (:data:`WEIGHT_LAWS`): ``"mixed"``, the choice of
    every artefact, or ``"randn"``, every matrix ``N(0, 1)``, for the ablation of that choice; both
    scale the same draws, so they compare one network direction.
    """

    degrees: tuple[int, ...]
    nsamples: int
    width: int
    trial: int
    seed: int
    noise: float
    noise_model: str
    loss: str
    time_limit: float | None
    test_noise: float | None = None
    weights: str = "mixed"

    def __post_init__(self) -> None:
        if self.weights not in WEIGHT_LAWS:
            raise ValueError(f"Instance: `weights` must be one of {tuple(WEIGHT_LAWS)}; got {self.weights!r}")
        allowed = (*NOISE_MODELS, "none")
        if self.noise_model not in allowed:
            raise ValueError(f"Instance: `noise_model` must be one of {allowed}; got {self.noise_model!r}")
        if (self.noise == 0) != (self.noise_model == "none"):
            raise ValueError(
                f"Instance: `noise_model='none'` goes with noise 0 and only with it; got noise {self.noise!r} "
                f"and noise_model {self.noise_model!r}"
            )
        if self.loss not in LOSSES:
            raise ValueError(f"Instance: `loss` must be one of {LOSSES}; got {self.loss!r}")

    @property
    def output_degree(self) -> int:
        """``e_D``, the degree of the network output in the unknowns (``e_1 = 1``, ``e_l = d_l e_{l-1} + 1``)."""
        e = 1
        for d in self.degrees[1:]:
            e = d * e + 1
        return e

    @property
    def min_order(self) -> int:
        """The minimal relaxation order ``k0`` of this loss."""
        e = self.output_degree
        return e if self.loss == "l2" else max(1, math.ceil(e / 2))

    @property
    def max_order(self) -> int:
        return max(PAPER_ORDER, self.min_order)

    @property
    def cost(self) -> int:
        """Moments of the largest relaxation: a proxy of the solve time, to schedule long ones first."""
        n = sum(self.degrees) + 1 + (self.loss == "linf-mean")
        return math.comb(n + 2 * self.max_order, n)


def _seeds(inst: Instance) -> list[int]:
    """Five independent seeds (network, truth, inputs, shared noise, test set) of one trial."""
    sequence = np.random.SeedSequence([inst.seed, inst.trial, inst.nsamples, inst.width, len(inst.degrees), *inst.degrees])
    return [int(child.generate_state(1)[0]) for child in sequence.spawn(5)]


def coefficient_error(net: Any, found: Any, truth: Any) -> float:
    """AbsErr: ``||c_true - c_found||_2`` over the unknowns of ``net`` (normalised constants excluded)."""
    return float(np.linalg.norm(net.vector_from_coefficients(found) - net.vector_from_coefficients(truth)))


def make_data(inst: Instance):
    """``(net, truth, X, Y, eps)`` of one instance; ``eps = Y - f(X; truth)`` has shape ``(N, m)``.

    Per-sample noise is :func:`nets.synthetic_data`'s own; the shared vector is added to its
    noiseless outputs. Both draw the inputs from the same seed, so a trial's ``X`` does not depend
    on the noise model, and scaling ``noise`` scales one fixed noise direction.
    """
    from nets import PolyNet, synthetic_data  # noqa: PLC0415 - imported in the worker processes

    s_net, s_truth, s_data, s_shared, _ = _seeds(inst)
    # PolyNet.random draws every W_l ~ N(0, 1/m_(l-1)); "mixed" rescales the output weights to N(0, 1)
    # (see CHOICES), "randn" every matrix
    drawn = PolyNet.random([inst.width] * (len(inst.degrees) + 2), inst.degrees, seed=s_net)
    rescaled = drawn.weights[-1:] if inst.weights == "mixed" else drawn.weights
    keep = len(drawn.weights) - len(rescaled)
    net = PolyNet([*drawn.weights[:keep], *(W * np.sqrt(W.shape[1]) for W in rescaled)], inst.degrees)
    truth = net.random_coefficients(seed=s_truth)
    if inst.noise_model == "shared":
        X, Y = synthetic_data(net, truth, inst.nsamples, noise=0.0, seed=s_data)
        shared = inst.noise * np.random.default_rng(s_shared).standard_normal(net.widths[-1])
        Y = Y + shared
    else:
        X, Y = synthetic_data(net, truth, inst.nsamples, noise=inst.noise, seed=s_data)
    return net, truth, X, Y, Y - net.forward(X, truth)


def _noise_norm(eps: np.ndarray, noise_model: str) -> float:
    if noise_model == "shared":
        return float(np.linalg.norm(eps[0]))
    return float(np.sqrt(np.mean(np.sum(eps**2, axis=1))))


def solve_instance(inst: Instance) -> dict[str, Any]:
    """Solve one instance with :func:`nets.solve_global` (default solver chain); one row of results.

    ``residuals`` (an array, for Figure 1) is present only with ``test_noise``; every other value is
    a number, a string or None.
    """
    from momentsos.errors import MomentSOSWarning  # noqa: PLC0415
    from nets import solve_global, synthetic_data  # noqa: PLC0415

    net, truth, X, Y, eps = make_data(inst)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MomentSOSWarning)  # inaccurate solves are recorded as statuses
        fit = solve_global(
            net, (X, Y), order=None, loss=inst.loss, max_order=inst.max_order,
            time_limit=None if inst.time_limit is None else SOLVES_PER_INSTANCE * inst.time_limit,
            radius=RADIUS,
        )
    seconds = time.perf_counter() - start
    res = fit.result
    eps_norm = _noise_norm(eps, inst.noise_model) if inst.noise > 0 else 0.0
    abs_err = None if fit.coefficients is None else coefficient_error(net, fit.coefficients, truth)
    row: dict[str, Any] = {
        "degrees": "-".join(map(str, inst.degrees)),
        "N": inst.nsamples,
        "width": inst.width,
        "loss": inst.loss,
        "noise_model": inst.noise_model,
        "noise": inst.noise,
        "trial": inst.trial,
        "seed": inst.seed,
        "abs_err": abs_err,
        "rel_err": None if abs_err is None or eps_norm == 0 else abs_err / eps_norm,
        "time": seconds,
        "eps_norm": eps_norm,
        "status": res.status.name,
        "certified": bool(fit.certified),
        "order": res.order,
        "orders": " ".join(f"{r.order}:{r.status.name}" for r in res.hierarchy),
        "ranks": None if res.flatness is None else " ".join(map(str, res.flatness.ranks)),
        "flat_at": None if res.flatness is None else " ".join(map(str, res.flatness.flat_orders)),
        "minimizers": len(fit.minimizers),
        "solver": res.solver.name,
        "solvers_tried": " ".join(res.solver.tried) or res.solver.name,
        "lower_bound": fit.lower_bound,
        "loss_value": fit.loss_value,
        "loss_scale": fit.loss_scale,
        "time_limit": inst.time_limit,
        "radius": RADIUS,
        "weights": inst.weights,
    }
    if inst.test_noise is not None:
        X_test, Y_test = synthetic_data(net, truth, inst.nsamples, noise=inst.test_noise, seed=_seeds(inst)[4])
        if fit.coefficients is None:
            row.update(mse=None, rmse=None)
        else:
            residuals = net.forward(X_test, fit.coefficients) - Y_test
            mse = float(np.mean(np.sum(residuals**2, axis=1)))
            row.update(mse=mse, rmse=math.sqrt(mse), residuals=residuals)
    return row


# -- running many instances -----------------------------------------------------------------------

T = TypeVar("T")
R = TypeVar("R")

_MEMO: dict[Instance, dict[str, Any]] = {}


def run_instances(instances: Sequence[Instance], workers: int | None = None) -> list[dict[str, Any]]:
    """Rows of :func:`solve_instance` for ``instances`` (same order); each solved once per process.

    Instances not yet solved run on the sweeps' executor (:func:`paper_repro.executor.current`:
    local processes, one per core, unless the command line chose ``--workers`` or a Dask
    ``--scheduler``), the largest relaxations first; ``workers`` overrides it with that many local
    processes. Results do not depend on where they ran: every instance is seeded alone.
    """
    todo = sorted((i for i in dict.fromkeys(instances) if i not in _MEMO), key=lambda i: -i.cost)
    for inst, row in zip(todo, map_in_workers(solve_instance, todo, workers)):
        _MEMO[inst] = row
    return [_MEMO[i] for i in instances]


def map_in_workers(function: Callable[[T], R], items: Sequence[T], workers: int | None = None) -> list[R]:
    """``[function(item) for item in items]`` on the sweeps' executor, or ``workers`` local processes.

    ``function`` must be a module-level function (local workers are spawned; Dask pickles it).
    """
    if workers is None:
        return executor.current().map(function, items, desc=getattr(function, "__name__", "sweep"))
    local = executor.LocalProcesses(workers)
    try:
        return local.map(function, items)
    finally:
        local.close()


def clear_memo() -> None:
    """Forget every solved instance (tests use it to time or re-run from scratch)."""
    _MEMO.clear()


# -- summaries ------------------------------------------------------------------------------------


def _mean(values: Iterable[float | None]) -> float | None:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(finite)) if finite else None


def _median(values: Iterable[float | None]) -> float | None:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return float(statistics.median(finite)) if finite else None


def _counts(values: Iterable[object]) -> str:
    return ", ".join(f"{value} x{count}" if count > 1 else str(value) for value, count in Counter(values).items())


def summarize(rows: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> list[dict[str, Any]]:
    """One row per distinct ``keys``: means over trials, median time, certified count, orders, statuses."""
    groups: dict[tuple[Any, ...], list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    out = []
    for key, group in groups.items():
        entry: dict[str, Any] = dict(zip(keys, key))
        certified = sum(bool(r["certified"]) for r in group)
        entry.update(
            trials=len(group),
            certified=f"{certified}/{len(group)}",
            certified_fraction=certified / len(group),
            order=_counts(r["order"] for r in group),
            abs_err=_mean(r["abs_err"] for r in group),
            abs_err_median=_median(r["abs_err"] for r in group),
            abs_err_max=max((r["abs_err"] for r in group if r["abs_err"] is not None), default=None),
            rel_err=_mean(r["rel_err"] for r in group),
            time=_median(r["time"] for r in group),
            eps_norm=_mean(r["eps_norm"] for r in group),
            status=_counts(r["status"] for r in group),
            solver=_counts(r["solver"] for r in group),
            ranks=_counts(r["ranks"] for r in group),
        )
        if "mse" in group[0]:
            entry.update(
                mse=_mean(r["mse"] for r in group),
                mse_median=_median(r["mse"] for r in group),
                rmse=_mean(r["rmse"] for r in group),
            )
        out.append(entry)
    return out


# -- the paper's numbers --------------------------------------------------------------------------

_DATA = Path(__file__).with_name("data")


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


PAPER_COLUMNS = ("abs_err", "rel_err", "time", "eps_norm", "mse", "rmse")


def paper_numbers() -> dict[tuple[int, int, int], dict[str, float | None]]:
    """``(table, N, width) -> {abs_err, rel_err, time, eps_norm, mse, rmse}`` from ``data/zhang26a_tables.csv``."""
    out = {}
    for row in _read_csv(_DATA / "zhang26a_tables.csv"):
        key = (int(row["table"]), int(row["N"]), int(row["width"]))
        out[key] = {k: _number(row[k]) for k in PAPER_COLUMNS}
    return out


def paper_row(table: int, nsamples: int, width: int) -> dict[str, float | None]:
    """The paper's numbers of one row; all None for a size the paper did not run (smaller test budgets)."""
    return paper_numbers().get((table, nsamples, width), dict.fromkeys(PAPER_COLUMNS))


def paper_figure1() -> dict[str, float]:
    """Statistics of the digitised right panel of Figure 1 (``data/zhang26a_figure1.csv``)."""
    return {row["statistic"]: float(row["value"]) for row in _read_csv(_DATA / "zhang26a_figure1.csv")}


# -- writing --------------------------------------------------------------------------------------


def setup_text(budget: Budget, quick: bool, seed: int, extra: str = "") -> str:
    """The Setup section of an artefact's Markdown: mode, budget, solver, the open choices."""
    from momentsos.options import DEFAULT_FEAS_TOL, DEFAULT_GAP_TOL  # noqa: PLC0415
    from momentsos.sdp import available_solvers  # noqa: PLC0415

    limit = "none" if budget.time_limit is None else f"{budget.time_limit:g} s per SDP solve"
    fields = {k: v for k, v in asdict(budget).items() if k != "time_limit"}
    return (
        f"Mode: {'quick' if quick else 'full'}, seed {seed}; budget {fields}; time limit {limit}; "
        f"unknowns in the ball ||c||_2 <= {RADIUS:g}. "
        f"Solver: momentsos' default chain (`solver=None`; installed here: {', '.join(available_solvers())}), "
        f"feas_tol {DEFAULT_FEAS_TOL:g}, gap_tol {DEFAULT_GAP_TOL:g}, rank by the largest singular-value gap "
        "(ratio_tol 1e-3). The paper: GloptiPoly 3 + SeDuMi, MATLAB R2023b, Apple M1 Max.\n\n"
        + (extra + "\n\n" if extra else "")
        + CHOICES
    )


def _parse(text: str) -> Any:
    if text == "":
        return None
    if text in ("True", "False"):
        return text == "True"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows written by :func:`write_rows`, with numbers, booleans and None (empty cells) restored."""
    return [{key: _parse(value) for key, value in row.items()} for row in _read_csv(path)]


def write_rows(path: Path, rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows to CSV; array values (residuals) are left out."""
    keys = [k for k in rows[0] if not isinstance(rows[0][k], np.ndarray)]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=keys, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)

