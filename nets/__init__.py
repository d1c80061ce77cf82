"""Polynomial-activation networks: learnable activation families in PyTorch.

Hermite, Fourier and monomial series (:mod:`nets.activations`), tropical max-plus functions
(:mod:`nets.tropical`), trainable matrix activations (:mod:`nets.tmaf`), their variance-preserving
initialisation (:mod:`nets.init`) and the least-squares conversion of a fixed activation
(:mod:`nets.fit`).  Basis conventions live in :mod:`nets.bases`.
"""

from nets.activations import FourierActivation, HermiteActivation, PolynomialActivation, SeriesActivation
from nets.bases import BASES, hermite_to_monomial, hermite_to_monomial_matrix, monomial_to_hermite
from nets.fit import fit_coefficients, from_activation
from nets.functional import series_activation, tmaf_activation, tropical_activation
from nets.init import gains
from nets.tmaf import TMAF, gaussian_breakpoints, uniform_breakpoints
from nets.tropical import TropicalActivation

__all__ = [
    "BASES",
    "FourierActivation",
    "HermiteActivation",
    "PolynomialActivation",
    "SeriesActivation",
    "TMAF",
    "TropicalActivation",
    "fit_coefficients",
    "from_activation",
    "gains",
    "gaussian_breakpoints",
    "hermite_to_monomial",
    "hermite_to_monomial_matrix",
    "monomial_to_hermite",
    "series_activation",
    "tmaf_activation",
    "tropical_activation",
    "uniform_breakpoints",
]
