"""Objective "critical": a critical point with non-zero loss, verified at ``dps`` digits.

For the Fukumizu-Amari experiments the narrow network cannot fit the data (e.g. H = 1 or 2 on
10 points); we want a point where ``||grad L||`` is below
:func:`numerics.precision.criticality_tolerance` at scale 1, ``10^-ceil(dps/2)``: the rule
:func:`proofs_check.landscape.classify.classify` decides criticality by (docs/precision.md "criticality").

1. *search*: float64 Levenberg-Marquardt on every restart at once (:mod:`lm_float`), run until
   mu reaches its upper clip (no further descent in float64) or the iteration cap.
2. *polish*: Newton on ``grad L = 0`` with the gradient in mpmath at ``dps`` and the Hessian
   pseudo-inverse in float64 (:func:`polish.newton_gradient`), candidates in order: end points
   with all parameters below :data:`FINITE_SIZE` first, then by float64 loss, then restart
   index, until one verifies.
3. *verify*: ``||grad L||`` recomputed at ``dps`` from the stored parameters
   (:func:`verify.verified_gradient_norm`).

Restart ``r`` of root seed ``s`` draws from ``default_rng([s, r])`` as in :mod:`smooth`.
"""

from __future__ import annotations

import numpy as np

from numerics.dataset import Dataset
from numerics.precision import criticality_tolerance, half_digits, to_decimal_string, workdps
from numerics.training import lm_float, polish, verify
from numerics.training.result import TrainResult
from numerics.training.widths import architecture
from numerics.training.smooth import _float_data, initial_point

DEFAULT_RESTARTS = 16
FINITE_SIZE = 100.0
"""End points with a parameter beyond this size are tried last (likely heading to infinity)."""
CRITICAL_LM = lm_float.LMConfig(max_iter=600, stop_sse=0.0)


def train_critical_many(datasets: list[Dataset], activation: str, hidden, seeds: list[int], *,
                        target_sse=1e-29, dps: int = 50, max_restarts: int | None = None) -> list[TrainResult]:
    """A verified critical point per data set (see module docstring); ``hidden``: one width or a
    tuple of widths (one per hidden layer)."""
    budget = DEFAULT_RESTARTS if max_restarts is None else int(max_restarts)
    out = []
    tol = criticality_tolerance(dps)
    polish_target = criticality_tolerance(dps, margin_digits=5)
    for data, seed in zip(datasets, seeds):
        x, y = _float_data(data)
        arch = architecture(x.shape[1], hidden, y.shape[1], activation)
        theta0 = np.stack([initial_point(arch, x, y, seed, r) for r in range(budget)])
        lm = lm_float.levenberg_marquardt(arch, theta0, np.repeat(x[None], budget, 0),
                                          np.repeat(y[None], budget, 0), CRITICAL_LM)
        size = np.max(np.abs(lm.theta), axis=1)
        order = sorted(range(budget), key=lambda r: (bool(size[r] > FINITE_SIZE),
                                                     lm.sse[r] if np.isfinite(lm.sse[r]) else np.inf, r))
        found = None
        best = None
        for r in order:
            if not np.isfinite(lm.sse[r]):
                continue
            pol = polish.newton_gradient(arch, lm.theta[r], data.x, data.y, dps, polish_target)
            params = verify.stored_params(arch, pol.theta, dps)
            gnorm = verify.verified_gradient_norm(arch, params, data, dps)
            if best is None or gnorm < best[1]:
                best = (params, gnorm, r, pol.steps)
            if gnorm < tol:
                found = best = (params, gnorm, r, pol.steps)
                break
        params, gnorm, r, steps = best
        sse = verify.verified_sse(arch, params, data, dps)
        with workdps(dps):
            g_text, s_text = to_decimal_string(gnorm, 3), to_decimal_string(sse, 3)
        reached = found is not None
        message = (f"critical point with SSE {s_text}, gradient norm {g_text} "
                   f"{'<' if reached else '>='} 10^-{half_digits(dps)} (restart {r}, verified at {dps} digits)")
        if not reached:
            size = float(np.max(np.abs(lm.theta[r])))
            message += (f"; not reached after {budget} restarts: the best float64 end point has parameters up "
                        f"to {size:.3g} in size" + (" (the loss infimum may lie at infinity: saturated or "
                                                     "diverging units)" if size > 100 else ""))
        out.append(TrainResult(
            arch=arch, params=params, sse=sse, gradient_norm=gnorm, reached_target=reached, hidden=arch.widths[-2],
            seed=int(seed), restarts_used=budget, stages=("lm-float64", f"newton-mixed({steps})", f"verify-dps{dps}"),
            certificate=None, min_width=None, message=message, budget=budget, target_sse=target_sse, dps=dps,
            objective="critical"))
    return out
