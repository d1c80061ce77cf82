"""benchmarks/nets_activations.py (time and saved memory beside nn.GELU) at a small size."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from nets_activations import DEGREE_FAMILIES, FIXED, benchmark, format_table, saved_bytes_per_element


def test_benchmark_runs_at_small_size():
    # eager rows only: the fused kernels' compile time is spent (and checked) in test_fused_kernels_match_eager
    families = [name for name in DEGREE_FAMILIES if "fused" not in name]
    fixed = [name for name in FIXED if "fused" not in name]
    rows = benchmark(shape=(64, 32), degrees=(3, 5), rounds=1, warmup=0, names=families + fixed)
    assert [row["activation"] for row in rows] == ["nn.GELU", *families, *families, *fixed]
    assert all(row["saved_bytes_per_element"] <= 2 * row["gelu_saved_bytes_per_element"] for row in rows)
    assert "| hermite | 3 |" in format_table(rows) and "| hermite | 5 |" in format_table(rows)


def test_benchmark_rejects_unknown_names():
    with pytest.raises(ValueError, match=r"`names` must be among .* got unknown \['gelu'\]"):
        benchmark(shape=(4, 4), names=["hermite", "gelu"])


def test_gelu_reference_saves_its_input_only():
    x = torch.randn(64, 64, requires_grad=True)
    assert saved_bytes_per_element(torch.nn.GELU(), x) == 4.0
    assert F.gelu(x).shape == x.shape
