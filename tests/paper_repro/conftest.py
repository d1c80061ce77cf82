"""Fixtures shared by the reproduction tests."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture
def one_thread():
    """Small networks: one intra-op thread (what the command line uses); restored afterwards."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
