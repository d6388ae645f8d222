"""Phase 2 for a range of trials: embed, perturb, evaluate G for every width (vectorised).

Per trial t and evaluated width H (H0 first, then the grid) this computes
- ``G``: the generalization error of the perturbed N_H (docs/experiment.md);
- ``risk``: the clipped empirical risk mean_i min((f(x_i) - y_i)^2, 1) of the perturbed N_H
  (the empirical term of the PAC-Bayes bound, T10 in docs/theorems.md);
- ``norm2``: ||theta_H||^2 of the embedded, unperturbed N_H (enters KL(Q_H || P_H));
- ``excess2``: the second-order predicted excess sum_{k < H-H0} sd(v_k)^2 E_x phi(w_k x + b_k)^2
  for this trial's actual surplus weights (docs/experiment.md, "Predictions");
- ``pred``: the exact predicted excess (:mod:`.prediction` (P): the noise inside phi kept);
  ``bound2``: the proved bound on |pred - excess2| (NaN when the activation has none);
- ``pchange``: the predicted probability that G(N_H) != G(N_H0), i.e. that some surplus unit
  is active somewhere on the domain after the perturbation (ReLU; NaN for smooth activations,
  whose surplus units always contribute);
- ``sharp``: the unclipped mean squared training error of the perturbed N_H (at the zero-error
  point this is the E-sharpness sample, docs/experiment.md "Flatness");
- ``trace``: the trace of the Gauss-Newton Hessian (2/n) J^T J of the mean squared training
  error at the embedded, unperturbed N_H (at zero error this is the Hessian, T9 in docs/theorems.md).
"""

from __future__ import annotations

import numpy as np

from numerics.experiment import generalization as gen
from numerics.experiment import prediction
from numerics.experiment.base import BaseNetwork
from numerics.experiment.config import ExperimentConfig
from numerics.experiment.perturbation import draw_batch
from theory.activations import get_activation

FIELDS = ("G", "risk", "norm2", "excess2", "pred", "bound2", "pchange", "sharp", "trace")
TARGET_ELEMENTS = 600_000  # ~5 MB of float64 per intermediate


def evaluated_widths(base: BaseNetwork, config: ExperimentConfig) -> tuple[int, ...]:
    """(H0, H_1, ..., H_m): the narrow width first, then the grid widths above it."""
    return (base.h0,) + config.widths_for(base.h0)


def evaluate_trials(base: BaseNetwork, config: ExperimentConfig, trials, rho: float | None = None) -> dict[str, np.ndarray]:
    """Arrays of :data:`FIELDS`, each of shape (len(trials), len(widths)).

    ``rho`` overrides the perturbation scale of :func:`.perturbation.rho_of` (rule ``match``).
    """
    trials = list(trials)
    widths = evaluated_widths(base, config)
    hmax = max(config.hmax, widths[-1])
    nodes, _ = _shared_nodes(base, config)
    per_node = max(1, hmax * (nodes.shape[0] if nodes is not None else 2 * hmax + 8))
    sub = max(1, TARGET_ELEMENTS // per_node)
    parts = [_evaluate(base, config, trials[i:i + sub], widths, hmax, rho) for i in range(0, len(trials), sub)]
    return {k: np.concatenate([p[k] for p in parts], axis=0) for k in FIELDS}


def uses_exact_relu_quadrature(base: BaseNetwork, config: ExperimentConfig) -> bool:
    """Whether the generalization error is computed by exact piecewise quadrature: ReLU activation and
    no Monte Carlo sampling (``monte_carlo == 0``).
    """
    return config.monte_carlo == 0 and base.activation == "relu"


def _shared_nodes(base, config):
    if config.monte_carlo:
        return gen.monte_carlo_nodes(config.x_low, config.x_high, config.monte_carlo, config.seed)
    if base.activation == "relu":
        return None, None
    return gen.gauss_legendre_nodes(config.x_low, config.x_high, config.panels)


def _evaluate(base, config, trials, widths, hmax, rho=None):
    batch = draw_batch(base, config, trials, hmax, rho)
    act = base.activation
    if uses_exact_relu_quadrature(base, config):
        kinks = np.where(batch.w != 0, -batch.b / np.where(batch.w != 0, batch.w, 1.0), config.x_low)
        teacher = np.broadcast_to(base.teacher_kinks(), (len(trials), base.teacher_kinks().shape[0]))
        nodes, weights = gen.simpson_nodes(np.concatenate([kinks, teacher], axis=1), config.x_low, config.x_high)
    else:
        nodes, weights = _shared_nodes(base, config)
    f = gen.nested_outputs(act, batch.w, batch.b, batch.v, batch.c, nodes, widths)
    target = base.teacher_output(nodes)  # (N,) or (B, N)
    G = gen.mean_squared(f - (target[:, None, :] if nodes.ndim == 2 else target[None, None, :]), weights)

    ft = gen.nested_outputs(act, batch.w, batch.b, batch.v, batch.c, base.x, widths)
    sq = (ft - base.y[None, None, :]) ** 2
    risk = np.mean(np.minimum(sq, 1.0), axis=-1)
    sharp = np.mean(sq, axis=-1)

    theta2 = batch.w0**2 + batch.b0**2 + batch.v0**2
    norm2 = np.cumsum(theta2, axis=1)[:, np.asarray(widths) - 1] + batch.c0[:, None] ** 2

    energy = _surplus_energy(base, config, batch.w0, batch.b0) * batch.sd_v**2
    energy[:, : base.h0] = 0.0
    idx = np.asarray(widths) - 1
    excess2 = np.cumsum(energy, axis=1)[:, idx]
    return {"G": G, "risk": risk, "norm2": norm2, "excess2": excess2, **_predictions(base, config, batch, idx),
            "sharp": sharp, "trace": _gauss_newton_trace(base, batch, idx)}


def _predictions(base, config, batch, idx):
    """Per-trial exact excess, second-order bound and change probability at the widths ``idx + 1``."""
    h0, act = base.h0, base.activation
    sl = np.s_[:, h0:]
    w, b, sw, sb, sv = batch.w0[sl], batch.b0[sl], batch.sd_w[sl], batch.sd_b[sl], batch.sd_v[sl]
    B = batch.w0.shape[0]
    pad = np.zeros((B, h0))

    def cum(per_unit):
        """Cumulative sums over units of ``per_unit`` (shape ``(B, units)``, zero-padded for the H0 base units),
        read at the columns ``idx``: the surplus contribution for every H at once.
        """
        return np.cumsum(np.concatenate([pad, per_unit], axis=1), axis=1)[:, idx]

    pred = cum(sv**2 * prediction.surplus_excess(act, w, b, sw, sb, config.x_low, config.x_high))
    bound = prediction.second_order_bound(act, sw, sb, config.x_low, config.x_high)
    bound2 = cum(sv**2 * bound) if bound is not None else np.full((B, len(idx)), np.nan)
    if act == "relu":
        p = prediction.active_probability(w, b, sw, sb, config.x_low, config.x_high)
        # 1 - prod(1 - p) via logs (p can be 1e-300 or 1).
        with np.errstate(divide="ignore"):
            log_keep = cum(np.log1p(-p))
        pchange = -np.expm1(log_keep)
    else:
        pchange = np.full((B, len(idx)), np.nan)
    return {"pred": pred, "bound2": bound2, "pchange": pchange}


def _gauss_newton_trace(base, batch, idx):
    """(2/n) sum_i ||d f(x_i) / d theta||^2 at the unperturbed embedded network, nested widths.

    For d = M = 1: ||grad f(x)||^2 = 1 + sum_j [phi(z_j)^2 + v_j^2 phi'(z_j)^2 (x^2 + 1)], z_j = w_j x + b_j.
    """
    x = base.x
    z = batch.w0[:, :, None] * x + batch.b0[:, :, None]
    act = get_activation(base.activation)
    phi = gen.phi_float(base.activation, z)
    d1 = np.asarray(act.d1(z), dtype=float)
    per_unit = np.sum(phi * phi + (batch.v0[:, :, None] * d1) ** 2 * (x * x + 1.0), axis=-1)
    n = x.shape[0]
    return 2.0 / n * (n + np.cumsum(per_unit, axis=1)[:, idx])


def _surplus_energy(base, config, w, b):
    """E_x phi(w x + b)^2 per unit (closed form for ReLU, quadrature otherwise)."""
    if base.activation == "relu":
        return gen.relu_square_mean(w, b, config.x_low, config.x_high)
    nodes, weights = gen.gauss_legendre_nodes(config.x_low, config.x_high, config.panels)
    vals = gen.phi_float(base.activation, w[:, :, None] * nodes[None, None, :] + b[:, :, None])
    return np.sum(np.ascontiguousarray(vals * vals * weights[None, None, :]), axis=-1)


def quadrature_check(base: BaseNetwork, config: ExperimentConfig, trials=range(20), rho: float | None = None) -> dict:
    """Evidence for the accuracy of G and of the predictions on a few trials (stored in results.json).

    Smooth activations: the largest relative change of G when the panels are doubled.
    ReLU (exact piecewise Simpson): the largest relative difference to Gauss-Legendre with
    8x the panels (a different rule that is only approximate across kinks).
    Predictions: ``prediction_rel_error`` = the largest relative change of the summed exact
    predicted excess over the checked trials when the prediction's nodes are doubled (used in
    the tolerance of the prediction claims).
    """
    trials = list(trials)
    widths = evaluated_widths(base, config)
    hmax = max(config.hmax, widths[-1])
    batch = draw_batch(base, config, trials, hmax, rho)
    out = {"prediction_rel_error": _prediction_error(base, config, batch)}
    args = (base.activation, batch.w, batch.b, batch.v, batch.c, base.teacher_output)
    if config.monte_carlo:
        return {"method": "monte-carlo", "points": config.monte_carlo, "seed": config.seed, **out}
    if uses_exact_relu_quadrature(base, config):
        exact = evaluate_trials(base, config, trials, rho)["G"]
        nodes, weights = gen.gauss_legendre_nodes(config.x_low, config.x_high, 8 * config.panels)
        f = gen.nested_outputs(base.activation, batch.w, batch.b, batch.v, batch.c, nodes, widths)
        approx = gen.mean_squared(f - base.teacher_output(nodes)[None, None, :], weights)
        return {"method": "exact piecewise Simpson between all kinks (ReLU)",
                "max_rel_diff_vs_gauss_legendre": float(np.max(np.abs(approx - exact) / exact)),
                "gauss_legendre_panels": 8 * config.panels, "trials_checked": len(trials), **out}
    est = gen.quadrature_error_estimate(*args, config.x_low, config.x_high, config.panels, widths)
    return {"method": f"composite Gauss-Legendre, {config.panels} panels x {gen.GL_ORDER} nodes",
            "max_rel_change_when_doubling_panels": est, "trials_checked": len(trials), **out}


def _prediction_error(base, config, batch) -> float:
    sl = np.s_[:, base.h0:]
    args = (base.activation, batch.w0[sl], batch.b0[sl], batch.sd_w[sl], batch.sd_b[sl], config.x_low, config.x_high)
    sv2 = batch.sd_v[sl] ** 2
    coarse = np.sum(sv2 * prediction.surplus_excess(*args))
    fine = np.sum(sv2 * prediction.surplus_excess(*args, panels=2 * prediction.PREDICTION_PANELS,
                                                   hermite=2 * prediction.HERMITE_NODES))
    return float(abs(coarse - fine) / fine) if fine > 0 else 0.0
