"""The ConvNet artefact after [LZX21] Table 3: its synthetic task, its network, its writers."""

from __future__ import annotations

import csv

import numpy as np
import torch

import nets
from paper_repro import tmaf_convnet
from paper_repro._common import ACTIVATIONS
from paper_repro.tmaf_convnet import SHAPE_CLASSES, convnet, shapes


def test_shapes_are_balanced_reproducible_and_not_trivial():
    images, labels = shapes(600, seed=4)
    again, same = shapes(600, seed=4)
    assert images.shape == (600, 16, 16) and np.array_equal(images, again) and np.array_equal(labels, same)
    assert np.bincount(labels).tolist() == [100] * len(SHAPE_CLASSES)
    # the noise dominates single pixels: a pixel-mean classifier cannot separate the classes
    means = [images[labels == k].mean() for k in range(len(SHAPE_CLASSES))]
    assert max(means) - min(means) < 0.5


def test_every_activation_fits_the_convnet_and_its_channels():
    x = torch.randn(4, 1, 8, 8)
    for name in ACTIVATIONS:
        assert convnet(name, 10, nets.gaussian_breakpoints(10))(x).shape == (4, 10)


def test_the_artefact_writes_its_table_report_and_plot(tmp_path, monkeypatch, one_thread):
    """The quick artefact with one epoch on fewer images (the real quick run is in the all-artefacts test)."""
    monkeypatch.setattr(tmaf_convnet, "QUICK_EPOCHS", 1)
    monkeypatch.setattr(tmaf_convnet, "QUICK_SHAPES", 240)
    rows = tmaf_convnet.run(tmp_path, quick=True, seed=0)
    assert {(row["task"], row["activation"]) for row in rows} == {(t, a) for t in ("digits", "shapes") for a in ACTIVATIONS}
    for suffix in (".csv", ".md", ".png"):
        assert (tmp_path / f"tmaf_convnet{suffix}").stat().st_size > 0
    with (tmp_path / "tmaf_convnet.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == len(rows)
    report = (tmp_path / "tmaf_convnet.md").read_text()
    assert "[LZX21]" in report and "arXiv:2109.09948" in report and "paper" in report
    digits = [row["test_accuracy_mean"] for row in rows if row["task"] == "digits"]
    assert np.median(digits) > 20.0  # one epoch at a tenth of the rate: well above chance (10%) already
