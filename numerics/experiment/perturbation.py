"""Embedding by inactive units and the Gaussian perturbation of all parameters (docs/experiment.md, "Protocol").

Trial t of activation a draws from its own generator ``default_rng([seed, code(a), t])``: first
the surplus incoming weights (2 (Hmax-H0) normals), then the noise epsilon of the widest
network N_Hmax (3 Hmax + 1 normals, in the flat order [w, b, v, c]). N_H uses the restriction
of epsilon to its first H units and c; N_H0 the restriction to its own coordinates (common
random numbers, docs/experiment.md). Results therefore do not depend on batch size, workers or shards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numerics.experiment.base import BaseNetwork
from numerics.experiment.config import ACTIVATION_CODES, ExperimentConfig
from numerics.experiment.surplus import draw_surplus
from theory.architecture import Architecture
from theory.params import flatten, unflatten


def trial_rng(seed: int, activation: str, trial: int) -> np.random.Generator:
    """The random stream of one trial (documented in results.json as ``rng``)."""
    return np.random.default_rng([int(seed), ACTIVATION_CODES[activation], int(trial)])


def rho_of(base: BaseNetwork, config: ExperimentConfig, norms: dict[str, float] | None = None) -> float:
    """The perturbation scale rho of ``base`` (docs/experiment.md, "Perturbation").

    ``norm``: rho_scale * ||theta_H0||_2; ``match``: rho_scale * the mean of ``norms`` (the
    ||theta_H0|| of every activation of the run), the same rho for all networks; ``absolute``
    and ``relative``: rho_scale itself (``relative`` multiplies it by |theta_k| per coordinate).
    """
    if config.rho_rule == "norm":
        return config.rho_scale * float(np.linalg.norm(base.theta))
    if config.rho_rule == "match":
        if not norms:
            raise ValueError("rho rule 'match' needs the norms of every activation's N_H0")
        return config.rho_scale * float(np.mean([norms[a] for a in sorted(norms)]))
    return config.rho_scale


@dataclass(frozen=True, eq=False)
class TrialBatch:
    """Embedded (unperturbed) and perturbed widest networks for a batch of B trials.

    Attributes:
        trials: (B,) trial indices.
        w0, b0, v0: (B, Hmax) embedded parameters (surplus units have v = 0); c0: (B,).
        w, b, v: (B, Hmax) perturbed parameters; c: (B,).
        sd_w, sd_b, sd_v: (B, Hmax) standard deviations of the noise on each w_k, b_k, v_k
            (for the predictions).
    """

    trials: np.ndarray
    w0: np.ndarray
    b0: np.ndarray
    v0: np.ndarray
    c0: np.ndarray
    w: np.ndarray
    b: np.ndarray
    v: np.ndarray
    c: np.ndarray
    sd_w: np.ndarray
    sd_b: np.ndarray
    sd_v: np.ndarray


def draw_batch(base: BaseNetwork, config: ExperimentConfig, trials, hmax: int, rho: float | None = None) -> TrialBatch:
    """Embed N_H0 into N_hmax by inactive units and perturb, for each trial in ``trials``.

    The embedding is :func:`theory.embeddings.inactive_unit.apply` (v = 0, surplus incoming
    weights) written for a batch of float64 trials; the noise follows the flat order of
    :mod:`theory.params` (``flatten`` / ``unflatten`` of the widths (1, hmax, 1)).

    ``rho`` overrides :func:`rho_of` (the runner passes the matched rho under ``match``).
    """
    trials = np.asarray(list(trials), dtype=int)
    h0, B = base.h0, len(trials)
    k = hmax - h0
    rule = config.surplus_rule(base.activation)
    rho = rho_of(base, config) if rho is None else float(rho)
    W0 = np.empty((B, hmax)); B0 = np.empty((B, hmax)); V0 = np.zeros((B, hmax))
    W0[:, :h0] = base.w; B0[:, :h0] = base.b; V0[:, :h0] = base.v
    C0 = np.full(B, base.c)
    eps = np.empty((B, 3 * hmax + 1))
    for i, t in enumerate(trials):
        rng = trial_rng(config.seed, base.activation, t)
        ws, bs = draw_surplus(rng, k, rule, margin=config.margin, scale=config.surplus_scale,
                              x_low=config.x_low, x_high=config.x_high, x_train=base.x)
        W0[i, h0:] = ws
        B0[i, h0:] = bs
        eps[i] = rng.normal(0.0, 1.0, size=3 * hmax + 1)
    arch = Architecture((1, hmax, 1), base.activation)
    theta0 = flatten([W0[:, :, None], V0[:, None, :]], [B0, C0[:, None]])  # the one flat order [w, b, v, c]
    sd = rho * (np.abs(theta0) if config.rho_rule == "relative" else np.ones_like(theta0))
    theta = theta0 + sd * eps
    (w, v), (b, c) = unflatten(arch, theta)
    (sd_w, sd_v), (sd_b, _) = unflatten(arch, sd)
    return TrialBatch(
        trials=trials, w0=W0, b0=B0, v0=V0, c0=C0,
        w=w[:, :, 0], b=b, v=v[:, 0, :], c=c[:, 0],
        sd_w=sd_w[:, :, 0], sd_b=sd_b, sd_v=sd_v[:, 0, :],
    )
