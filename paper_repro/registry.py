"""The artefacts of ``python -m paper_repro``: name -> ``"module:function"``.

Adding an artefact is one entry in :data:`ARTEFACTS`. The function takes
``(out: Path, *, quick: bool, seed: int)``, writes its files into ``out`` and returns its rows. The
order of the entries is the order of the report (tables before figures). Modules are imported only
when their artefact runs (:func:`load`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

__all__ = ["ARTEFACTS", "DESCRIPTIONS", "load"]

#: artefact name -> "module:function"
ARTEFACTS: dict[str, str] = {
    "tmaf_sine": "paper_repro.tmaf_approximation:run_sine",
    "tmaf_oscillatory": "paper_repro.tmaf_approximation:run_oscillatory",
    "digits": "paper_repro.digits_classification:run",
    "tmaf_convnet": "paper_repro.tmaf_convnet:run",
    "gpt": "paper_repro.kk25_gpt:run",
    "table1": "paper_repro.zhang_tables:run_table1",
    "table2": "paper_repro.zhang_tables:run_table2",
    "table3": "paper_repro.zhang_tables:run_table3",
    "table4": "paper_repro.zhang_tables:run_table4",
    "table5": "paper_repro.zhang_residuals:run_table5",
    "figure1": "paper_repro.zhang_residuals:run_figure1",
    "noise_sweep": "paper_repro.zhang_noise:run_noise_sweep",
    "weights": "paper_repro.zhang_weights:run_weights",
    "gd_vs_sos": "paper_repro.gd_vs_sos:run",
    "warm_start": "paper_repro.warm_start:run",
}

#: artefact name -> one line for ``--help`` (plain text)
DESCRIPTIONS: dict[str, str] = {
    "tmaf_sine": "[LZX21] Table 1 at CPU scale: a sine fitted by networks with trainable activations (TMAF, series, GELU)",
    "tmaf_oscillatory": "[LZX21] Table 2 at CPU scale: an oscillatory function fitted with trainable activations",
    "digits": "[LZX21] Table 3 on scikit-learn's bundled 8x8 digits: classification with trainable activations",
    "tmaf_convnet": "[LZX21] Table 3 with a ConvNet: the bundled 8x8 digits and a synthetic 16x16 shapes task",
    "gpt": "[KK25] at CPU scale: a small character-level GPT on the Python standard library, GELU against "
    "Hermite, Fourier and tropical, with the initialisation, degree and GELU-start ablations",
    "table1": "[ZNT26] Table 1: certified recovery of activations, D = 2, degrees (2, 2), five sizes",
    "table2": "[ZNT26] Table 2: certified recovery of activations, D = 2, degrees (2, 3), five sizes",
    "table3": "[ZNT26] Table 3: certified recovery of activations, D = 3, degrees (1, 1, 1), five sizes",
    "table4": "[ZNT26] Table 4: certified recovery of activations, D = 3, degrees (2, 1, 1), five sizes",
    "table5": "[ZNT26] Table 5: test-set MSE and RMSE of the fitted network, degrees (3, 2), five sizes",
    "figure1": "[ZNT26] Figure 1: the test residuals of one fit (N = 50, width 20), entry by entry and in norm",
    "noise_sweep": "beyond [ZNT26]: recovery error against the noise level, both losses, both noise models, SOS and GD",
    "weights": "beyond [ZNT26]: ablation of the weight law the paper leaves open, on the same draws",
    "gd_vs_sos": "beyond [ZNT26]: gradient descent from random starts against the certified global solution",
    "warm_start": "beyond [ZNT26]: gradient descent warm-started from a certified cheaper problem against random starts",
}


def load(name: str) -> Callable[..., object]:
    """The function registered under ``name``."""
    if name not in ARTEFACTS:
        raise ValueError(f"artefact must be 'all' or one of {sorted(ARTEFACTS)}, got {name!r}")
    module_name, function_name = ARTEFACTS[name].split(":")
    return getattr(importlib.import_module(module_name), function_name)
