"""Shared pieces of the reproductions: activation table, small MLPs, training loop, CSV/Markdown/PNG writers."""

from __future__ import annotations

import csv
import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

import nets

__all__ = [
    "Citation",
    "ACTIVATIONS",
    "make_activation",
    "mlp",
    "seed_everything",
    "train",
    "write_csv",
    "write_markdown",
    "markdown_table",
]


@dataclass(frozen=True)
class Citation:
    """Where published numbers come from."""

    key: str
    text: str


KK25 = Citation(
    "KK25",
    'I. Khalfaoui-Hassani, S. Kesselheim, "Polynomial, trigonometric, and tropical activations", '
    "ICLR 2026, arXiv:2502.01247",
)
LZX21 = Citation(
    "LZX21",
    '"Neural networks with trainable matrix activation functions", ICLR 2022 submission, arXiv:2109.09948',
)

# Activation name -> factory(width, tmaf_breakpoints).  One coefficient set per layer everywhere, as
# in [LZX21]; degrees as used in [KK25] (Hermite 3, Fourier 5, tropical 5), plain polynomial 3.
ACTIVATIONS: dict[str, Callable[[int, np.ndarray], nn.Module]] = {
    "relu": lambda width, grid: nn.ReLU(),
    "prelu": lambda width, grid: nn.PReLU(),
    "tmaf_diagonal": lambda width, grid: nets.TMAF(grid),
    "tmaf_tridiagonal": lambda width, grid: nets.TMAF(grid, structure="tridiagonal"),
    "hermite3": lambda width, grid: nets.HermiteActivation(3),
    "fourier5": lambda width, grid: nets.FourierActivation(5),
    "tropical5": lambda width, grid: nets.TropicalActivation(5),
    "polynomial3": lambda width, grid: nets.PolynomialActivation(3),
}


def make_activation(name: str, width: int, grid: np.ndarray) -> nn.Module:
    """Build activation ``name`` of :data:`ACTIVATIONS` for a layer of ``width`` neurons."""
    if name not in ACTIVATIONS:
        raise ValueError(f"`activation` must be one of {sorted(ACTIVATIONS)}, got {name!r}")
    return ACTIVATIONS[name](width, grid)


def mlp(
    in_features: int,
    widths: Sequence[int],
    out_features: int,
    activation: str,
    grid: np.ndarray,
    batch_norm: bool = True,
) -> nn.Sequential:
    """``Linear -> [BatchNorm1d] -> activation`` per hidden layer, then a linear read-out."""
    layers: list[nn.Module] = []
    previous = in_features
    for width in widths:
        layers.append(nn.Linear(previous, width))
        if batch_norm:
            layers.append(nn.BatchNorm1d(width))
        layers.append(make_activation(activation, width, grid))
        previous = width
    layers.append(nn.Linear(previous, out_features))
    return nn.Sequential(*layers)


def seed_everything(seed: int) -> torch.Generator:
    """Seed python, numpy and torch; return a torch generator for data shuffling."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def train(
    model: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    *,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    generator: torch.Generator,
) -> list[float]:
    """Adam with the [LZX21] schedule shape: ``learning_rate`` for the first half of the epochs, a tenth after.

    Returns the mean training loss of every epoch.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    history = []
    n = inputs.shape[0]
    for epoch in range(epochs):
        if epoch == epochs // 2:
            for group in optimizer.param_groups:
                group["lr"] = learning_rate / 10
        model.train()
        order = torch.randperm(n, generator=generator)
        total = 0.0
        for start in range(0, n, batch_size):
            index = order[start : start + batch_size]
            if index.numel() < 2:  # BatchNorm needs two samples
                continue
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(inputs[index]), targets[index])
            loss.backward()
            optimizer.step()
            total += loss.item() * index.numel()
        history.append(total / n)
    model.eval()
    return history


def classify(
    model: nn.Module,
    data: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
    *,
    epochs: int,
    generator: torch.Generator,
) -> tuple[float, list[float], float]:
    """Train ``model`` on ``(x_train, x_test, y_train, y_test)`` by cross-entropy (:func:`train`: batch 64,
    Adam lr 1e-2 then 1e-3); returns the test accuracy in per cent, the loss history and the seconds."""
    x_train, x_test, y_train, y_test = data
    start = time.perf_counter()
    history = train(
        model, x_train, y_train, nn.functional.cross_entropy,
        epochs=epochs, batch_size=64, learning_rate=1e-2, generator=generator,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    with torch.no_grad():
        accuracy = 100.0 * (model(x_test).argmax(1) == y_test).float().mean().item()
    return accuracy, history, seconds


def accuracy_rows(
    accuracies: Mapping[str, Sequence[float]],
    seconds: Mapping[str, float],
    paper: Mapping[str, float],
    paper_column: str,
    **fixed: object,
) -> list[dict[str, object]]:
    """One row per activation: the ``fixed`` columns, mean and spread of the accuracies over seeds,
    the published accuracy (``paper_column``, None where the paper has no row) and the seconds."""
    return [
        {
            **fixed,
            "activation": name,
            "test_accuracy_mean": float(np.mean(values)),
            "test_accuracy_std": float(np.std(values)) if len(values) > 1 else None,
            "seeds": len(values),
            paper_column: paper.get(name),
            "seconds": seconds[name],
        }
        for name, values in accuracies.items()
    ]


def write_csv(path: Path, rows: Sequence[Mapping[str, object]]) -> None:
    """Rows (dicts with the same keys) to CSV."""
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def markdown_table(rows: Sequence[Mapping[str, object]]) -> str:
    """GitHub Markdown table of rows; None/NaN print as '-'."""
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(_cell(row[k]) for k in keys) + " |" for row in rows]
    return "\n".join(lines)


def write_markdown(path: Path, title: str, sections: Sequence[tuple[str, str]], citations: Sequence[Citation]) -> None:
    """A Markdown report: title, (heading, body) sections, references."""
    parts = [f"# {title}", ""]
    for heading, body in sections:
        parts += [f"## {heading}", "", body, ""]
    parts += ["## References", ""] + [f"- [{c.key}] {c.text}" for c in citations] + [""]
    path.write_text("\n".join(parts))


def pyplot():
    """matplotlib.pyplot with the non-interactive Agg backend (scripts write PNGs only)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_histories(axis, histories: Mapping[str, Sequence[float]], ylabel: str) -> None:
    """Training-loss curves per activation on a log scale, one line per entry of ``histories``."""
    for name, history in histories.items():
        axis.plot(np.arange(1, len(history) + 1), history, label=name)
    axis.set_yscale("log")
    axis.set_xlabel("epoch")
    axis.set_ylabel(ylabel)
    axis.legend(fontsize=7)
