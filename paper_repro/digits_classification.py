"""Small classification comparison on scikit-learn's bundled digits (8x8 images), after [LZX21] Table 3.

The paper's MNIST experiment uses two hidden layers of 10 neurons; we keep that network shape on the
1,797 bundled 8x8 digits (no download), with BatchNorm after each hidden linear layer, and compare
all activations of :data:`paper_repro._common.ACTIVATIONS` on a fixed stratified split.  The paper's
MNIST accuracies are printed beside ours for reference only: different data, different scale.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import nets
from paper_repro._common import (
    ACTIVATIONS,
    LZX21,
    accuracy_rows,
    classify,
    markdown_table,
    mlp,
    plot_histories,
    pyplot,
    seed_everything,
    write_csv,
    write_markdown,
)

__all__ = ["run", "PAPER_TABLE_3"]

# [LZX21] Table 3, MNIST test accuracy (%), two hidden layers of 10 neurons.
PAPER_TABLE_3: dict[str, float] = {"relu": 91.8, "tmaf_diagonal": 92.2, "prelu": 91.5}

HIDDEN = (10, 10)


def _data(seed: int):
    digits = load_digits()
    x = digits.data.astype(np.float32) / 16.0
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target, test_size=0.3, random_state=seed, stratify=digits.target
    )
    mean, std = x_train.mean(0), x_train.std(0) + 1e-6
    to_tensor = lambda a: torch.from_numpy((a - mean) / std)  # noqa: E731
    return to_tensor(x_train), to_tensor(x_test), torch.from_numpy(y_train), torch.from_numpy(y_test)


def run(out: Path, *, quick: bool = False, seed: int = 0) -> list[dict[str, object]]:
    """Writes ``digits.{csv,md,png}`` into ``out``; returns one row per activation (mean over seeds)."""
    seeds = [seed] if quick else [seed + i for i in range(3)]
    epochs = 15 if quick else 60
    grid = nets.gaussian_breakpoints(10)
    accuracies: dict[str, list[float]] = {name: [] for name in ACTIVATIONS}
    histories: dict[str, list[float]] = {}
    seconds: dict[str, float] = {name: 0.0 for name in ACTIVATIONS}
    for s in seeds:
        x_train, x_test, y_train, y_test = _data(s)
        for name in ACTIVATIONS:
            generator = seed_everything(s)
            model = mlp(64, HIDDEN, 10, name, grid)
            accuracy, history, spent = classify(model, (x_train, x_test, y_train, y_test), epochs=epochs, generator=generator)
            seconds[name] += spent
            accuracies[name].append(accuracy)
            histories.setdefault(name, history)
    rows = accuracy_rows(accuracies, seconds, PAPER_TABLE_3, "paper_mnist_accuracy")
    write_csv(out / "digits.csv", rows)
    notes = (
        f"Mode: {'quick' if quick else 'full'}; seeds {seeds}; {epochs} epochs, batch 64, Adam lr 1e-2 then 1e-3; "
        "network 64 -> 10 -> 10 -> 10 with BatchNorm1d; 70/30 stratified split of sklearn's 1,797 8x8 digits.\n\n"
        "The paper's column is MNIST (28x28, 60,000 training images) with the same hidden sizes [LZX21]: it is "
        "shown for orientation, not as a like-for-like target."
    )
    write_markdown(
        out / "digits.md",
        "Classification on sklearn digits (after [LZX21] Table 3)",
        [("Results", markdown_table(rows)), ("Setup and deviations", notes)],
        [LZX21],
    )
    plt = pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(12, 4))
    names = list(accuracies)
    axes[0].bar(range(len(names)), [np.mean(accuracies[n]) for n in names])
    axes[0].set_xticks(range(len(names)))
    axes[0].set_xticklabels(names, rotation=30, fontsize=7)
    axes[0].set_ylim(50, 100)
    axes[0].set_ylabel("test accuracy (%)")
    plot_histories(axes[1], histories, "training cross-entropy")
    figure.tight_layout()
    figure.savefig(out / "digits.png", dpi=110)
    plt.close(figure)
    return rows
