"""``device=`` of every activation module: an unavailable device is refused with a message naming it
and what is available (never torch's bare AssertionError); the CPU path runs without a GPU."""

from __future__ import annotations

import pytest
import torch

import nets
from nets.activations import DeviceUnavailableError, available_devices, check_device

FACTORIES = {
    "hermite": lambda device: nets.HermiteActivation(3, device=device),
    "fourier": lambda device: nets.FourierActivation(3, device=device),
    "polynomial": lambda device: nets.PolynomialActivation(3, device=device),
    "polynomial_given": lambda device: nets.PolynomialActivation(2, [1.0, 0.0, 1.0], device=device),
    "series": lambda device: nets.SeriesActivation(3, "hermite", device=device),
    "tropical": lambda device: nets.TropicalActivation(3, device=device),
    "tropical_rational": lambda device: nets.TropicalActivation(3, rational=True, device=device),
    "tmaf": lambda device: nets.TMAF(nets.gaussian_breakpoints(4), device=device),
    "tmaf_tridiagonal": lambda device: nets.TMAF(nets.gaussian_breakpoints(4), structure="tridiagonal", device=device),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_cuda_without_gpu_names_the_device_and_what_is_available(name):
    if torch.cuda.is_available():
        pytest.skip("a GPU is visible: the unavailable-CUDA message cannot be provoked")
    with pytest.raises(DeviceUnavailableError, match=r"device='cuda' requested but torch\.cuda\.is_available\(\) is False.*available: cpu"):
        FACTORIES[name]("cuda")


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_cpu_device_builds_and_runs(name):
    for device in ("cpu", torch.device("cpu"), None):
        module = FACTORIES[name](device)
        assert all(p.device.type == "cpu" for p in module.parameters())
        assert module(torch.randn(4, 3)).shape == (4, 3)


def test_out_of_range_cuda_index_is_refused():
    index = torch.cuda.device_count() if torch.cuda.is_available() else 0
    with pytest.raises(DeviceUnavailableError, match=rf"device='cuda:{index}' requested.*available: cpu"):
        check_device(f"cuda:{index}")


def test_unavailable_device_error_is_a_runtime_error_and_bad_strings_are_value_errors():
    assert issubclass(DeviceUnavailableError, RuntimeError)
    with pytest.raises(ValueError, match=r"Invalid `device='gpu0'`"):
        check_device("gpu0")
    assert available_devices()[0] == "cpu"
    assert check_device(None) is None
