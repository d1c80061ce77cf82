"""Image classification with a small ConvNet and trainable activations, after [LZX21] Table 3, at CPU scale.

[LZX21] Table 3 compares ReLU, PReLU and the diagonal TMAF on MNIST (an MLP) and CIFAR-10 (ResNet18).
Neither dataset can be downloaded here, so the convolutional comparison runs on two tasks every
machine has:

``digits``
    scikit-learn's bundled 8x8 digits (1,797 images, 10 classes), 70/30 stratified split;
``shapes``
    a synthetic 16x16 task generated from the seed: six classes (horizontal, vertical, diagonal and
    anti-diagonal strokes, a square outline, a filled disc) at random positions, sizes and contrasts,
    in Gaussian noise of standard deviation 0.6.

Network: ``Conv(1, 16, 3) -> BN -> act -> Conv(16, 32, 3) -> BN -> act -> MaxPool(2) ->
Conv(32, 32, 3) -> BN -> act -> global average pool -> Linear(32, classes)``, every activation of
:data:`paper_repro._common.ACTIVATIONS` (one parameter set per layer; the tri-diagonal TMAF couples
neighbouring channels).  Adam with the paper's schedule shape (``lr`` for the first half of the
epochs, ``lr / 10`` after).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

import nets
from paper_repro._common import (
    ACTIVATIONS,
    LZX21,
    accuracy_rows,
    classify,
    make_activation,
    markdown_table,
    plot_histories,
    pyplot,
    seed_everything,
    write_csv,
    write_markdown,
)

__all__ = ["run", "convnet", "shapes", "PAPER_TABLE_3_CIFAR"]

# [LZX21] Table 3, CIFAR-10 test accuracy (%) with ResNet18.
PAPER_TABLE_3_CIFAR: dict[str, float] = {"relu": 77.5, "tmaf_diagonal": 80.2, "prelu": 78.1}

#: Epochs and generated ``shapes`` images of the quick and the full mode.
QUICK_EPOCHS, FULL_EPOCHS = 6, 20
QUICK_SHAPES, FULL_SHAPES = 1200, 3000

SHAPE_CLASSES = ("horizontal", "vertical", "diagonal", "antidiagonal", "square", "disc")


def shapes(count: int, seed: int, size: int = 16, noise: float = 0.6) -> tuple[np.ndarray, np.ndarray]:
    """``count`` noisy ``size x size`` images of :data:`SHAPE_CLASSES` and their labels (balanced, shuffled)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % len(SHAPE_CLASSES)
    rng.shuffle(labels)
    rows, cols = np.mgrid[0:size, 0:size]
    images = np.zeros((count, size, size), dtype=np.float32)
    for i, label in enumerate(labels):
        extent = int(rng.integers(5, size - 4))
        top, left = (int(v) for v in rng.integers(0, size - extent, size=2))
        r, c = rows - top, cols - left
        inside = (r >= 0) & (r < extent) & (c >= 0) & (c < extent)
        middle = extent // 2
        mask = {
            0: inside & (np.abs(r - middle) <= 0),
            1: inside & (np.abs(c - middle) <= 0),
            2: inside & (r == c),
            3: inside & (r + c == extent - 1),
            4: inside & ((r == 0) | (c == 0) | (r == extent - 1) | (c == extent - 1)),
            5: (r - middle) ** 2 + (c - middle) ** 2 <= (extent / 2) ** 2,
        }[int(label)]
        images[i][mask] = rng.uniform(0.8, 1.6)
    images += noise * rng.standard_normal(images.shape).astype(np.float32)
    return images, labels


def convnet(activation: str, classes: int, grid: np.ndarray) -> nn.Sequential:
    """The three-convolution network of the module notes with ``activation`` after each BatchNorm."""
    layers: list[nn.Module] = []
    previous = 1
    for index, channels in enumerate((16, 32, 32)):
        layers += [nn.Conv2d(previous, channels, 3, padding=1), nn.BatchNorm2d(channels)]
        layers.append(make_activation(activation, channels, grid))
        if index == 1:
            layers.append(nn.MaxPool2d(2))
        previous = channels
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(previous, classes)]
    return nn.Sequential(*layers)


def _split(images: np.ndarray, labels: np.ndarray, seed: int):
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=0.3, random_state=seed, stratify=labels
    )
    mean, std = x_train.mean(), x_train.std() + 1e-6
    to_tensor = lambda a: torch.from_numpy(((a - mean) / std).astype(np.float32)).unsqueeze(1)  # noqa: E731
    return to_tensor(x_train), to_tensor(x_test), torch.from_numpy(y_train).long(), torch.from_numpy(y_test).long()


def _task(name: str, seed: int, quick: bool):
    if name == "digits":
        digits = load_digits()
        return _split(digits.images.astype(np.float32), digits.target, seed)
    images, labels = shapes(QUICK_SHAPES if quick else FULL_SHAPES, seed)
    return _split(images, labels, seed)


def run(out: Path, *, quick: bool = False, seed: int = 0) -> list[dict[str, object]]:
    """Writes ``tmaf_convnet.{csv,md,png}`` into ``out``; returns one row per task and activation."""
    seeds = [seed] if quick else [seed + i for i in range(3)]
    epochs = QUICK_EPOCHS if quick else FULL_EPOCHS
    grid = nets.gaussian_breakpoints(10)
    rows = []
    histories: dict[str, dict[str, list[float]]] = {"digits": {}, "shapes": {}}
    for task in ("digits", "shapes"):
        accuracies: dict[str, list[float]] = {name: [] for name in ACTIVATIONS}
        seconds = dict.fromkeys(ACTIVATIONS, 0.0)
        for s in seeds:
            data = _task(task, s, quick)
            classes = int(data[2].max()) + 1
            for name in ACTIVATIONS:
                generator = seed_everything(s)
                model = convnet(name, classes, grid)
                accuracy, history, spent = classify(model, data, epochs=epochs, generator=generator)
                seconds[name] += spent
                accuracies[name].append(accuracy)
                histories[task].setdefault(name, history)
        rows += accuracy_rows(accuracies, seconds, PAPER_TABLE_3_CIFAR, "paper_cifar10_accuracy", task=task)
    write_csv(out / "tmaf_convnet.csv", rows)
    notes = (
        f"Mode: {'quick' if quick else 'full'}; seeds {seeds}; {epochs} epochs, batch 64, Adam lr 1e-2 then 1e-3; "
        "network Conv16-Conv32-pool-Conv32-GAP-Linear with BatchNorm2d before each activation; 70/30 stratified "
        f"splits (shapes: {QUICK_SHAPES if quick else FULL_SHAPES} generated images).\n\n"
        "The paper's column is CIFAR-10 with ResNet18 [LZX21]: shown for orientation, not as a like-for-like "
        "target (different data, a network about 400 times larger)."
    )
    write_markdown(
        out / "tmaf_convnet.md",
        "ConvNet classification with trainable activations (after [LZX21] Table 3)",
        [("Results", markdown_table(rows)), ("Setup and deviations from the paper", notes)],
        [LZX21],
    )
    plt = pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(12, 4))
    for axis, task in zip(axes, ("digits", "shapes")):
        plot_histories(axis, histories[task], f"training cross-entropy ({task})")
    figure.tight_layout()
    figure.savefig(out / "tmaf_convnet.png", dpi=110)
    plt.close(figure)
    return rows
