"""Device choice and data-parallel plumbing for :func:`nets.polynet.train.train_gd` (torch).

Under ``torch.distributed`` (for example ``torchrun --nproc_per_node 2 script.py``) one training
run is shared by several processes: each takes an equal slice of every (mini-)batch
(:func:`share`), the loss's sufficient statistic is summed over processes by a differentiable
``all_reduce`` (:func:`all_reduce_sum`), and the module is wrapped in ``DistributedDataParallel``
(:func:`data_parallel`), which averages the gradients. When launched by ``torchrun`` without an
initialised process group, :func:`init_distributed` initialises one (``gloo`` on CPU, ``nccl`` on
CUDA) and destroys it at exit.
"""

from __future__ import annotations

import atexit
import gc
import os
from typing import Any

import torch

from nets.activations.device import check_device

__all__ = ["resolve_device", "init_distributed", "process_device", "data_parallel", "all_reduce_sum", "share"]


def resolve_device(device: Any) -> torch.device:
    """``"auto"`` (CUDA when available, else CPU), a device string or a ``torch.device``.

    A device this process cannot use (``"cuda"`` without a GPU, an index beyond the visible GPUs)
    raises :class:`nets.activations.device.DeviceUnavailableError` naming the request and the
    available devices, before any tensor is moved.
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device is None:
        raise ValueError("Invalid `device=None`; allowed: 'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device")
    try:
        return check_device(device)
    except ValueError:
        raise ValueError(f"Invalid `device={device!r}`; allowed: 'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device") from None


def init_distributed(device: torch.device) -> tuple[int, int]:
    """``(rank, world_size)``; initialises the default process group when launched by torchrun."""
    import torch.distributed as dist  # noqa: PLC0415

    if not dist.is_available():
        return 0, 1
    if not dist.is_initialized():
        if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or "MASTER_ADDR" not in os.environ:
            return 0, 1
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        # The group this call created is also destroyed here, before the interpreter tears down:
        # a gloo group left to static destruction can abort the process ("terminate called without
        # an active exception") after training has finished and the results are written.
        atexit.register(_destroy_process_group)
    return dist.get_rank(), dist.get_world_size()


def _destroy_process_group() -> None:
    import torch.distributed as dist  # noqa: PLC0415

    if dist.is_initialized():
        gc.collect()  # DDP reducers left in reference cycles hold the group; free them first
        dist.destroy_process_group()


def process_device(device: torch.device, rank: int, world_size: int) -> torch.device:
    """The device of this process: ``cuda:LOCAL_RANK`` for an unindexed CUDA device under several processes."""
    if device.type == "cuda" and world_size > 1 and device.index is None:
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", rank)) % torch.cuda.device_count())
    return device


def data_parallel(module: torch.nn.Module, device: torch.device, world_size: int) -> torch.nn.Module:
    """``module`` itself for one process, else wrapped in ``DistributedDataParallel``."""
    if world_size <= 1:
        return module
    from torch.nn.parallel import DistributedDataParallel  # noqa: PLC0415

    device_ids = [device.index] if device.type == "cuda" else None
    return DistributedDataParallel(module, device_ids=device_ids, broadcast_buffers=False)  # buffers are constants


class _AllReduceSum(torch.autograd.Function):
    """Sum over processes; the gradient of each process's input is the sum of the output gradients."""

    @staticmethod
    def forward(ctx, tensor):  # type: ignore[override]
        import torch.distributed as dist  # noqa: PLC0415

        total = tensor.clone()
        dist.all_reduce(total)
        return total

    @staticmethod
    def backward(ctx, grad_output):  # type: ignore[override]
        import torch.distributed as dist  # noqa: PLC0415

        total = grad_output.clone()
        dist.all_reduce(total)
        return total


def all_reduce_sum(tensor: torch.Tensor) -> torch.Tensor:
    """The sum of ``tensor`` over all processes, differentiable (the backward sums the gradients too)."""
    return _AllReduceSum.apply(tensor)


def share(index: torch.Tensor, rank: int, world_size: int) -> torch.Tensor:
    """This process's slice of the sample indices ``index`` (all of them for one process)."""
    return torch.tensor_split(index, world_size)[rank] if world_size > 1 else index
