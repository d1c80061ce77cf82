"""What :func:`~nets.polynet.global_fit.solve_global` returns: coefficients, certificate, and their display."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from momentsos.options import DEFAULT_GAP_TOL
from nets.polynet.losses import Loss
from nets.polynet.model import PolyNet, format_polynomial

if TYPE_CHECKING:
    import momentsos as ms

__all__ = ["NetFitResult"]


@dataclass(frozen=True, eq=False)
class NetFitResult:
    """What :func:`solve_global` found: activation coefficients, their certificate and the POP result.

    Attributes
    ----------
    net : PolyNet
        The network (weights fixed, or learned with :attr:`learn` ``"all"``); :meth:`predict`
        evaluates it with :attr:`coefficients`.
    loss : Loss
    coefficients : list of ndarray or None
        One array per hidden layer in ascending powers ``[c_{l,0}, ..., c_{l,d_l}]``, normalised
        constants included, from the best extracted minimizer. When the relaxation is not flat and
        nothing was extracted: an estimate, the first-order moments polished locally (not
        certified; :attr:`suboptimality` bounds how far its loss is from the global minimum).
        ``None`` when the solve gave no moments.
    minimizers : tuple of list of ndarray
        Every extracted global minimizer in the same layout. More than one means the data do not
        identify the activations (each one fits equally well); ``coefficients`` is then only the
        first by objective value.
    certified : bool
        The relaxation certified global optimality in the paper's sense: flat truncation, every
        extracted minimizer verified. With :attr:`radius` set, global over the ball ``||c||_2 <= radius``.
    proof : {"flat truncation", "matching bound"} or None
        Why :attr:`coefficients` are a global minimizer, if they are proven to be one: by the
        certificate above, or because their loss equals the lower bound of an accurate solve to
        ``gap_tol`` (``"matching bound"``: the bound is attained, so the point is a global minimizer,
        but without flatness the other minimizers are not enumerated and :attr:`certified` stays
        False). :attr:`global_minimum` is ``proof is not None``.
    lower_bound : float or None
        The relaxation value: a lower bound on the global minimum of the loss (exact when certified).
    loss_value : float or None
        The loss at :attr:`coefficients`, recomputed by a forward pass on the training data.
    result : momentsos.PolyOptResult
        The underlying POP result (status, ranks, atoms in the unknowns ``(c, theta)``, solver stats).
        Its objective is the loss divided by :attr:`loss_scale`.
    loss_scale : float
        The unit of ``result``'s objective: ``lower_bound = result.lower_bound * loss_scale``.
    build_time, solve_time : float
        Seconds to build the POP and to run :func:`momentsos.minimize`.
    radius : float or None
        The ball ``||c||_2 <= radius`` the unknowns were restricted to, if any.
    gap_tol : float
        The certificate's relative gap tolerance (in the POP's units); see :attr:`resolution`.
    learn : {"activations", "all"}
        What was learned. With ``"all"``, :attr:`net` carries the learned weights and biases of the
        best minimizer (in the canonical form of :mod:`nets.polynet.unknowns`, ``normalize=False``)
        and :attr:`coefficients` its activations; :attr:`minimizers` lists the activations of every
        extracted minimizer (their weights are in ``result.atoms``, variables ``result.variables``).
    """

    net: PolyNet
    loss: Loss
    coefficients: list[NDArray[np.float64]] | None
    minimizers: tuple[list[NDArray[np.float64]], ...]
    certified: bool
    lower_bound: float | None
    loss_value: float | None
    result: ms.PolyOptResult = field(repr=False)
    loss_scale: float = 1.0
    build_time: float = 0.0
    solve_time: float = 0.0
    proof: str | None = None
    radius: float | None = None
    gap_tol: float = DEFAULT_GAP_TOL
    learn: str = "activations"

    @property
    def resolution(self) -> float | None:
        """How far above the global minimum, in loss units, a certified loss may be:
        ``gap_tol * max(1, |bound|)`` in the POP's units times :attr:`loss_scale`. The POP is the loss
        divided by the data's scale, so for targets of size 1e4 this is far above a noise-level loss:
        read a certificate as "global to within this", and compare it with :attr:`loss_value`."""
        if self.lower_bound is None:
            return None
        return self.gap_tol * max(1.0, abs(self.lower_bound) / self.loss_scale) * self.loss_scale

    @property
    def global_minimum(self) -> bool:
        """Whether :attr:`coefficients` are proven to be a global minimizer (see :attr:`proof`)."""
        return self.proof is not None

    @property
    def status(self) -> ms.Status:
        return self.result.status

    @property
    def order(self) -> int:
        """The relaxation order of the final result."""
        return self.result.order

    @property
    def complete(self) -> bool:
        """Whether :attr:`minimizers` are all the global minimizers the relaxation saw.

        False when momentsos certified after re-solving for a minimum-trace point of the optimal face
        (its interior-point centre was not flat): that point is one minimizer, and others may exist.
        """
        return self.certified and self.result.minimizers_complete

    @property
    def identifiable(self) -> bool | None:
        """True for exactly one certified minimizer, known to be the only one; False for several;
        None when not certified or when others may exist (see :attr:`complete`)."""
        if not self.certified:
            return None
        if len(self.minimizers) > 1:
            return False
        return True if self.complete else None

    @property
    def suboptimality(self) -> float | None:
        """``loss_value - lower_bound``: how much lower the loss could be anywhere (when the bound is valid)."""
        if self.loss_value is None or self.lower_bound is None:
            return None
        return self.loss_value - self.lower_bound

    def predict(self, X: ArrayLike) -> NDArray[np.float64]:
        """The fitted network's outputs ``f(x; c*)``: shape ``(N, m_{D+1})``."""
        if self.coefficients is None:
            raise ValueError(
                f"NetFitResult.predict: no coefficients were extracted (status {self.status.name}: "
                f"{self.result.message}); allowed only when a minimizer was found"
            )
        return self.net.forward(X, self.coefficients)

    def _learned_count(self) -> int:
        """Number of unknowns of the POP (the result's variables, less the epigraph variable of "linf-mean")."""
        names = [str(v) for v in self.result.variables]
        return len(names) - (names[-1:] == ["theta"])

    def summary(self, precision: int = 6) -> str:
        """Activations as readable polynomials, the certificate and the times."""

        def num(v: float | None) -> str:
            return "None" if v is None else f"{v:.6g}"

        res = self.result
        if self.certified:
            head = "global minimum certified (flat truncation)"
        elif self.proof == "matching bound":
            head = f"global minimizer by a matching bound; NOT certified by flatness ({res.status.name})"
        else:
            head = f"NOT certified ({res.status.name})"
        if self.radius is not None:
            head += f" over the ball ||c||_2 <= {self.radius:g}"
        message = res.message
        if self.proof == "matching bound":
            message = ("The loss at the polished candidate (best atom, or the first-order moments) equals the lower "
                       f"bound: a global minimizer (other minimizers are not enumerated). [{res.message}]")
        lines = [
            f"NetFitResult: {head}",
            f"  {message}",
            f"  net:         {self.net!r}",
            *([f"  learned:     weights, biases and activations together ({self._learned_count()} unknowns, "
                "canonical form: monic activations, neurons ordered by their first weight)"] if self.learn == "all" else []),
            f"  loss:        {self.loss.value}; lower bound {num(self.lower_bound)}, value at the "
            f"{'minimizer' if self.minimizers else 'estimate'} {num(self.loss_value)}",
            f"  relaxation:  order {res.order}, solver {res.solver.name}, ranks "
            f"{None if res.flatness is None else list(res.flatness.ranks)}",
        ]
        if self.global_minimum and self.resolution is not None:
            coarse = self.loss_value is not None and self.resolution > max(self.loss_value, 1e-300)
            lines.append(
                f"  resolution:  global to within {self.resolution:.3g} in loss units"
                + (" (larger than the loss itself: the data's scale limits what the certificate says)" if coarse else "")
            )
        if self.coefficients is None:
            lines.append("  activations: none extracted")
        elif self.proof == "matching bound":
            for l, c in enumerate(self.coefficients, start=1):
                lines.append(f"  {'activations:' if l == 1 else '':<12} p_{l}(t) = {format_polynomial(c, precision=precision)}")
        elif not self.minimizers:
            lines.append(
                f"  estimate:    the best extracted atom or else the first-order moments, polished (not certified; "
                f"its loss is at most "
                f"{num(self.suboptimality)} above the global minimum)"
            )
            for l, c in enumerate(self.coefficients, start=1):
                lines.append(f"  {'activations:' if l == 1 else '':<12} p_{l}(t) = {format_polynomial(c, precision=precision)}")
        else:
            if len(self.minimizers) > 1:
                lines.append(
                    f"  minimizers:  {len(self.minimizers)} global minimizers fit the data equally well; the data do "
                    "not identify the activations (all listed)"
                )
            elif self.certified and not self.complete:
                lines.append(
                    "  minimizers:  this one is certified global, but it came from a minimum-trace point of the "
                    "optimal face: other global minimizers may exist, so the data may not identify the activations"
                )
            for k, coefs in enumerate(self.minimizers or (self.coefficients,)):
                if len(self.minimizers) > 1:
                    lines.append(f"  minimizer {k}:")
                for l, c in enumerate(coefs, start=1):
                    label = "activations:" if (l == 1 and k == 0 and len(self.minimizers) <= 1) else ""
                    lines.append(f"  {label:<12} p_{l}(t) = {format_polynomial(c, precision=precision)}")
        lines.append(f"  times:       build {self.build_time:.3f} s, solve {self.solve_time:.3f} s")
        return "\n".join(lines)

    __repr__ = summary
    __str__ = summary

    # -- saving and loading: thin wrappers of nets.polynet.serialization ---------------------------
    def to_dict(self, metadata: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Every field as plain JSON values under ``{"format": "nets.NetFitResult", "version": 1}``
        (the network's weights, the coefficients, the nested POP result, ...): see
        :mod:`nets.polynet.serialization`. ``metadata`` (any JSON-able mapping) is stored as given."""
        from nets.polynet.serialization import fit_to_dict  # noqa: PLC0415 - it imports this module

        return fit_to_dict(self, metadata)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NetFitResult:
        """The fit :meth:`to_dict` wrote; :class:`momentsos.ResultFormatError` for another format or version."""
        from nets.polynet.serialization import fit_from_dict  # noqa: PLC0415

        return fit_from_dict(data)

    def save(self, path: str | os.PathLike[str], metadata: Mapping[str, Any] | None = None) -> Path:
        """Write :meth:`to_dict` to ``path`` as JSON (floats exact, so a loaded fit predicts the same); returns the path."""
        from nets.polynet.serialization import save_fit  # noqa: PLC0415

        return save_fit(self, path, metadata)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> NetFitResult:
        """The fit saved by :meth:`save`."""
        from nets.polynet.serialization import load_fit  # noqa: PLC0415

        return load_fit(path)
