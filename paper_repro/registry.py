"""The artefacts of ``python -m paper_repro``: name -> ``"module:function"``.

Adding an artefact is one entry in :data:`ARTEFACTS`. The function takes
``(out: Path, *, quick: bool, seed: int)``, writes its files into ``out`` and returns its rows. The
order of the entries is the order of the report (tables before figures). Modules are imported only
when their artefact runs (:func:`load`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

__all__ = ["ARTEFACTS", "load"]

#: artefact name -> "module:function"
ARTEFACTS: dict[str, str] = {
    "tmaf_sine": "paper_repro.tmaf_approximation:run_sine",
    "tmaf_oscillatory": "paper_repro.tmaf_approximation:run_oscillatory",
    "digits": "paper_repro.digits_classification:run",
    "table1": "paper_repro.zhang_tables:run_table1",
    "table2": "paper_repro.zhang_tables:run_table2",
    "table3": "paper_repro.zhang_tables:run_table3",
    "table4": "paper_repro.zhang_tables:run_table4",
    "table5": "paper_repro.zhang_residuals:run_table5",
    "figure1": "paper_repro.zhang_residuals:run_figure1",
    "noise_sweep": "paper_repro.zhang_noise:run_noise_sweep",
    "weights": "paper_repro.zhang_weights:run_weights",
    "gd_vs_sos": "paper_repro.gd_vs_sos:run",
}


def load(name: str) -> Callable[..., object]:
    """The function registered under ``name``."""
    if name not in ARTEFACTS:
        raise ValueError(f"artefact must be 'all' or one of {sorted(ARTEFACTS)}, got {name!r}")
    module_name, function_name = ARTEFACTS[name].split(":")
    return getattr(importlib.import_module(module_name), function_name)
