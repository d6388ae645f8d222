"""Phase 2 for a range of trials: embed, perturb, evaluate G for every width (vectorised).

Per trial t and evaluated width H (H0 first, then the grid) this computes
- ``G``: the generalization error of the perturbed N_H (spec P5);
- ``risk``: the clipped empirical risk mean_i min((f(x_i) - y_i)^2, 1) of the perturbed N_H
  (the empirical term of the PAC-Bayes bound, spec T10);
- ``norm2``: ||theta_H||^2 of the embedded, unperturbed N_H (enters KL(Q_H || P_H));
- ``excess2``: the second-order predicted excess sum_{k < H-H0} sd(v_k)^2 E_x phi(w_k x + b_k)^2
  for this trial's actual surplus weights (spec §4 "Expected outcome").
"""

from __future__ import annotations

import numpy as np

from numerics.experiment import generalization as gen
from numerics.experiment.base import BaseNetwork
from numerics.experiment.config import ExperimentConfig
from numerics.experiment.perturbation import draw_batch

FIELDS = ("G", "risk", "norm2", "excess2")
TARGET_ELEMENTS = 600_000  # ~5 MB of float64 per intermediate (numerics.md "Phase 2")


def evaluated_widths(base: BaseNetwork, config: ExperimentConfig) -> tuple[int, ...]:
    """(H0, H_1, ..., H_m): the narrow width first, then the grid widths above it."""
    return (base.h0,) + config.widths_for(base.h0)


def evaluate_trials(base: BaseNetwork, config: ExperimentConfig, trials) -> dict[str, np.ndarray]:
    """Arrays ``G``, ``risk``, ``norm2``, ``excess2`` of shape (len(trials), len(widths))."""
    trials = list(trials)
    widths = evaluated_widths(base, config)
    hmax = max(config.hmax, widths[-1])
    nodes, _ = _shared_nodes(base, config)
    per_node = max(1, hmax * (nodes.shape[0] if nodes is not None else 2 * hmax + 8))
    sub = max(1, TARGET_ELEMENTS // per_node)
    parts = [_evaluate(base, config, trials[i:i + sub], widths, hmax) for i in range(0, len(trials), sub)]
    return {k: np.concatenate([p[k] for p in parts], axis=0) for k in FIELDS}


def uses_exact_relu_quadrature(base: BaseNetwork, config: ExperimentConfig) -> bool:
    return config.monte_carlo == 0 and base.activation == "relu"


def _shared_nodes(base, config):
    if config.monte_carlo:
        return gen.monte_carlo_nodes(config.x_low, config.x_high, config.monte_carlo, config.seed)
    if base.activation == "relu":
        return None, None
    return gen.gauss_legendre_nodes(config.x_low, config.x_high, config.panels)


def _evaluate(base, config, trials, widths, hmax):
    batch = draw_batch(base, config, trials, hmax)
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
    risk = np.mean(np.minimum((ft - base.y[None, None, :]) ** 2, 1.0), axis=-1)

    theta2 = batch.w0**2 + batch.b0**2 + batch.v0**2
    norm2 = np.cumsum(theta2, axis=1)[:, np.asarray(widths) - 1] + batch.c0[:, None] ** 2

    energy = _surplus_energy(base, config, batch.w0, batch.b0) * batch.sd_v**2
    energy[:, : base.h0] = 0.0
    excess2 = np.cumsum(energy, axis=1)[:, np.asarray(widths) - 1]
    return {"G": G, "risk": risk, "norm2": norm2, "excess2": excess2}


def _surplus_energy(base, config, w, b):
    """E_x phi(w x + b)^2 per unit (closed form for ReLU, quadrature otherwise)."""
    if base.activation == "relu":
        return gen.relu_square_mean(w, b, config.x_low, config.x_high)
    nodes, weights = gen.gauss_legendre_nodes(config.x_low, config.x_high, config.panels)
    vals = gen.phi_float(base.activation, w[:, :, None] * nodes[None, None, :] + b[:, :, None])
    return np.sum(np.ascontiguousarray(vals * vals * weights[None, None, :]), axis=-1)


def quadrature_check(base: BaseNetwork, config: ExperimentConfig, trials=range(20)) -> dict:
    """Evidence for the accuracy of G on a few trials (stored in results.json).

    Smooth activations: the largest relative change of G when the panels are doubled.
    ReLU (exact piecewise Simpson): the largest relative difference to Gauss-Legendre with
    8x the panels (a different rule that is only approximate across kinks).
    """
    widths = evaluated_widths(base, config)
    hmax = max(config.hmax, widths[-1])
    batch = draw_batch(base, config, list(trials), hmax)
    args = (base.activation, batch.w, batch.b, batch.v, batch.c, base.teacher_output)
    if config.monte_carlo:
        return {"method": "monte-carlo", "points": config.monte_carlo, "seed": config.seed}
    if uses_exact_relu_quadrature(base, config):
        exact = evaluate_trials(base, config, trials)["G"]
        nodes, weights = gen.gauss_legendre_nodes(config.x_low, config.x_high, 8 * config.panels)
        f = gen.nested_outputs(base.activation, batch.w, batch.b, batch.v, batch.c, nodes, widths)
        approx = gen.mean_squared(f - base.teacher_output(nodes)[None, None, :], weights)
        return {"method": "exact piecewise Simpson between all kinks (ReLU)",
                "max_rel_diff_vs_gauss_legendre": float(np.max(np.abs(approx - exact) / exact)),
                "gauss_legendre_panels": 8 * config.panels, "trials_checked": len(list(trials))}
    est = gen.quadrature_error_estimate(*args, config.x_low, config.x_high, config.panels, widths)
    return {"method": f"composite Gauss-Legendre, {config.panels} panels x {gen.GL_ORDER} nodes",
            "max_rel_change_when_doubling_panels": est, "trials_checked": len(list(trials))}
