"""Device arguments of the activation modules and of ``train_gd``: validated once, with a clear error.

A CPU-only build of torch answers ``torch.empty(..., device="cuda")`` with a bare ``AssertionError``
("Torch not compiled with CUDA enabled") and a CUDA build without a visible GPU with a driver
message.  :func:`check_device` turns both, and an index beyond the visible devices, into one
:class:`DeviceUnavailableError` that names the requested device and the devices this process can use.
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["DeviceUnavailableError", "available_devices", "check_device"]


class DeviceUnavailableError(RuntimeError):
    """A device was requested that this process cannot use (no GPU, or an index out of range)."""


def available_devices() -> list[str]:
    """Devices usable here: ``"cpu"``, then ``"cuda:0"``, ... and ``"mps"`` where present."""
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += [f"cuda:{index}" for index in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append("mps")
    return devices


def check_device(device: Any, *, name: str = "device") -> torch.device | None:
    """``torch.device(device)`` after checking that it exists here; ``None`` passes through.

    Raises
    ------
    ValueError
        When ``device`` is not a device specification (``"cpu"``, ``"cuda"``, ``"cuda:1"``, a
        ``torch.device``).
    DeviceUnavailableError
        When the device type is not available (``"cuda"`` without a GPU, ``"mps"`` off Apple
        silicon) or its index is beyond the visible devices.  The message names the request and
        :func:`available_devices`.

    Examples
    --------
    >>> check_device("cpu")
    device(type='cpu')
    """
    if device is None:
        return None
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"Invalid `{name}={device!r}`; allowed: 'cpu', 'cuda', 'cuda:N' or a torch.device"
        ) from None
    available = available_devices()
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceUnavailableError(
                f"{name}={device!r} requested but torch.cuda.is_available() is False "
                f"(torch {torch.__version__}, CUDA build: {torch.version.cuda is not None}); "
                f"available: {', '.join(available)}"
            )
        count = torch.cuda.device_count()
        if resolved.index is not None and resolved.index >= count:
            raise DeviceUnavailableError(
                f"{name}={device!r} requested but only {count} CUDA device(s) are visible; "
                f"available: {', '.join(available)}"
            )
    elif resolved.type == "mps" and "mps" not in available:
        raise DeviceUnavailableError(
            f"{name}={device!r} requested but torch.backends.mps.is_available() is False; "
            f"available: {', '.join(available)}"
        )
    return resolved
