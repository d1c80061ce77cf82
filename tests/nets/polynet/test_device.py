"""``train_gd(device=...)``: CUDA without a GPU is refused with a message naming the device and what is available."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nets
from nets.activations import DeviceUnavailableError
from nets.polynet.parallel import resolve_device


def _tiny_problem():
    rng = np.random.default_rng(0)
    net = nets.PolyNet(weights=[rng.standard_normal((2, 2)), rng.standard_normal((1, 2))], degrees=[2])
    X = rng.standard_normal((8, 2))
    return net, (X, X[:, :1] ** 2)


@pytest.mark.parametrize("device", ["cuda", "cuda:0", torch.device("cuda")])
def test_train_gd_refuses_cuda_without_gpu(device):
    if torch.cuda.is_available():
        pytest.skip("a GPU is visible: the unavailable-CUDA message cannot be provoked")
    net, data = _tiny_problem()
    with pytest.raises(DeviceUnavailableError, match=r"requested but torch\.cuda\.is_available\(\) is False.*available: cpu"):
        nets.train_gd(net, data, steps=1, device=device, progress=False)


def test_resolve_device_auto_cpu_and_bad_input():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    for bad in ("gpu", None, 3.5):
        with pytest.raises(ValueError, match=r"Invalid `device="):
            resolve_device(bad)
