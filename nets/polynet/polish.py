"""Local refinement of a relaxation's minimizer: Gauss-Newton for ``"l2"``, SLSQP for ``"linf-mean"``.

The moment relaxation fixes a minimizer only to the accuracy of the SDP solver; for the squared loss
that is about the square root of the solver tolerance, since the loss is quadratic around it.
:meth:`LossModel.polish` refines such a point on the residual polynomials of the expanded loss
(:mod:`nets.polynet.expansion`) and keeps the refinement only where it lowers the loss, so the
certificate of the unpolished point still bounds the polished one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from nets.polynet.expansion import PolyArray
from nets.polynet.losses import Loss
from nets.polynet.unknowns import Unknowns

if TYPE_CHECKING:
    import momentsos as ms

__all__ = ["LossModel"]


@dataclass(frozen=True, eq=False)
class LossModel:
    """The POP of ``loss / scale`` with what polishing needs: residual polynomials minus targets.

    Attributes
    ----------
    problem : momentsos.PolyProblem
        The loss divided by :attr:`scale` (built by :mod:`nets.polynet.global_fit`).
    scale : float
        The unit of the POP objective.
    outputs : PolyArray
        The network outputs as polynomials in the ``n`` unknowns ``c``: shape ``(m_{D+1},)``
        averaged over the samples for ``"linf-mean"``, ``(N, m_{D+1})`` for ``"l2"``.
    targets : ndarray
        Of the shape of :attr:`outputs`: the averaged ``Y`` or ``Y`` itself.
    kind : Loss
    radius : float or None
        The unknowns are restricted to ``||c||_2 <= radius`` when given.
    unknowns : Unknowns or None
        Where the unknowns sit in the net; its order and sign constraints (``learn="all"``) are
        part of the feasible set.
    """

    problem: ms.PolyProblem
    scale: float
    outputs: PolyArray
    targets: NDArray[np.float64]
    kind: Loss
    radius: float | None = None
    unknowns: Unknowns | None = None

    def in_ball(self, z: NDArray[np.float64]) -> bool:
        """Whether ``z`` lies in the ball ``||z||_2 <= radius`` (up to a relative 1e-12), if there is one."""
        return self.radius is None or float(np.linalg.norm(z)) <= self.radius * (1 + 1e-12)

    def feasible(self, z: NDArray[np.float64]) -> bool:
        """Whether ``z`` lies in the ball and satisfies the order and sign constraints of :attr:`unknowns`."""
        return self.in_ball(z) and (self.unknowns is None or self.unknowns.feasible(z))

    def residual(self, z: NDArray[np.float64]) -> NDArray[np.float64]:
        """Outputs minus targets at the unknowns ``z``, flattened."""
        return (self.outputs.evaluate(z) - self.targets).reshape(-1)

    def loss(self, z: NDArray[np.float64]) -> float:
        """The loss at ``z`` in the data's units (not divided by :attr:`scale`)."""
        r = self.outputs.evaluate(z) - self.targets
        return float(np.abs(r).max()) if self.kind is Loss.LINF_MEAN else float((r**2).sum(axis=-1).mean())

    def polish(self, z: NDArray[np.float64]) -> NDArray[np.float64]:
        """A local refinement of ``z`` that never raises the loss.

        ``"l2"``: Gauss-Newton ``J dz = -r`` on the residual vector with backtracking. A relaxation's
        minimizer of a squared loss is accurate to about the square root of the solver tolerance
        (the loss is quadratic around it); Gauss-Newton converges quadratically for zero residual.
        ``"linf-mean"``: SLSQP on the epigraph form ``min theta s.t. -theta <= r_j(c) <= theta`` with
        analytic Jacobians (the minimax optimum is not a least-squares point, so Gauss-Newton would
        leave it). The result is kept only where its loss is lower.
        """
        start = z.copy()
        if self.kind is Loss.LINF_MEAN:
            best = self._polish_minimax(start)
        else:
            best = self._polish_gauss_newton(start)
        better = self.loss(best) < self.loss(start) and (self.feasible(best) or not self.feasible(start))
        return best if better else start

    def _polish_gauss_newton(self, z: NDArray[np.float64], max_iter: int = 30) -> NDArray[np.float64]:
        best, value = z, self.loss(z)
        for _ in range(max_iter):
            jac = self.outputs.jacobian(best).reshape(-1, z.shape[0])
            step = np.linalg.lstsq(jac, -self.residual(best), rcond=None)[0]
            for _ in range(8):  # backtracking: halve until the loss decreases
                trial = best + step
                trial_value = self.loss(trial)
                if trial_value < value:
                    break
                step = step / 2
            else:
                return best
            converged = np.abs(trial - best).max() <= 1e-15 * max(1.0, np.abs(best).max())
            best, value = trial, trial_value
            if converged or value == 0.0:
                break
        return best

    def _polish_minimax(self, z: NDArray[np.float64]) -> NDArray[np.float64]:
        from scipy.optimize import minimize  # noqa: PLC0415 - only needed here

        n = z.shape[0]
        unit = np.zeros(n + 1)
        unit[-1] = 1.0

        def constraints(w: NDArray[np.float64]) -> NDArray[np.float64]:
            r = self.residual(w[:n])
            return np.concatenate([w[-1] - r, w[-1] + r])

        def jacobian(w: NDArray[np.float64]) -> NDArray[np.float64]:
            jac = self.outputs.jacobian(w[:n]).reshape(-1, n)
            ones = np.ones((jac.shape[0], 1))
            return np.vstack([np.hstack([-jac, ones]), np.hstack([jac, ones])])

        start = np.append(z, self.loss(z))
        cons = [{"type": "ineq", "fun": constraints, "jac": jacobian}]
        if self.radius is not None:
            radius = self.radius
            cons.append({
                "type": "ineq",
                "fun": lambda w: np.array([radius**2 - w[:n] @ w[:n]]),
                "jac": lambda w: np.append(-2 * w[:n], 0.0)[None, :],
            })
        found = minimize(
            lambda w: w[-1], start, jac=lambda w: unit, method="SLSQP", constraints=cons,
            options={"ftol": 1e-15, "maxiter": 200},
        )
        return np.asarray(found.x[:n]) if np.all(np.isfinite(found.x)) else z
