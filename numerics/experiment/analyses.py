"""Flatness and PAC-Bayes beside generalisation, at equal norms (docs/experiment.md "Flatness", "PAC-Bayes").

For the trained N_H0 of a perturb run and the surplus draws of the first ``ANALYSIS_TRIALS``
trials, at a few widths H (H0, H0 + 5 and the largest), per activation:

- ``flatness``: the Gauss-Newton trace tr (2/n) J^T J of the mean squared training error (the
  Hessian at zero error, Theorem 9) and the E-sharpness E_eps R_hat(theta + eps), eps ~ N(0, rho^2 I),
  by Monte Carlo, at *equal ||theta||*: the ReLU N_H0 is rescaled by positive homogeneity
  (w, b) -> (a w, a b), v -> v / a (the same function) so that its ||theta_H0|| equals the tanh
  network's (of the two such a, the one with the smaller trace), and both use rho = rho_scale *
  that common norm. Where that norm cannot be reached (below the ReLU network's smallest
  rescaled norm) the rescaling is the closest one.
- ``pac_bayes``: :func:`.pac_bayes.bounds` (isotropic and optimised posterior), with the common
  norm (mean of the activations' ||theta_H||^2 per trial) for the comparison at equal norms.
"""

from __future__ import annotations

import math

import numpy as np

from numerics.experiment import pac_bayes
from numerics.experiment.base import BaseNetwork
from numerics.experiment.config import ExperimentConfig
from numerics.experiment.generalization import phi_float
from numerics.experiment.perturbation import draw_batch, rho_of

ANALYSIS_TRIALS = 4
SHARPNESS_SAMPLES = 2000


def analysis_widths(config: ExperimentConfig, h0: int) -> tuple[int, ...]:
    """H0, H0 + 5 and the largest evaluated width (those that exist)."""
    grid = config.widths_for(h0)
    picks = {h0}
    if grid:
        picks.add(grid[-1])
        picks.add(min(grid, key=lambda h: abs(h - (h0 + 5))))
    return tuple(sorted(picks))


def relu_scales_for_norm(w, b, v, c, target: float) -> tuple[float, ...]:
    """Every a > 0 with ||(a w, a b, v / a, c)|| = target (two roots), or the norm's minimiser if target is below it."""
    A = float(np.sum(w**2) + np.sum(b**2))
    V = float(np.sum(v**2))
    t2 = target**2 - c**2
    if A == 0 or V == 0:
        return (1.0,)
    if t2 <= 2 * math.sqrt(A * V):
        return (math.sqrt(math.sqrt(V / A)),)
    root = math.sqrt(t2 * t2 - 4 * A * V)  # A a^4 - t2 a^2 + V = 0
    return tuple(math.sqrt((t2 + sgn * root) / (2 * A)) for sgn in (1.0, -1.0))


def flattest_relu_scale(base: BaseNetwork, target: float) -> float:
    """Of the rescalings of N_H0 (units' incoming times a, outgoing over a) with norm ``target``, the
    one with the smaller Gauss-Newton trace: the flattest ReLU realisation of that norm."""
    def trace(a):
        """Gauss-Newton trace of N_H0 rescaled by ``a`` (float64)."""
        return float(np.sum(pac_bayes.gauss_newton_diagonal("relu", a * base.w, a * base.b, base.v / a, base.x)))

    return min(relu_scales_for_norm(base.w, base.b, base.v, base.c, target), key=trace)


def _e_sharpness(activation, theta, rho, x, y, seed) -> tuple[float, float]:
    rng = np.random.default_rng([int(seed), 8191])
    H = (len(theta) - 1) // 3
    draws = theta + rho * rng.normal(size=(SHARPNESS_SAMPLES, len(theta)))
    w, b, v, c = draws[:, :H], draws[:, H:2 * H], draws[:, 2 * H:3 * H], draws[:, -1]
    f = c[:, None] + np.einsum("mh,mhi->mi", v, phi_float(activation, w[:, :, None] * x + b[:, :, None]))
    r = np.mean((f - y) ** 2, axis=1)
    return float(r.mean()), float(r.std(ddof=1) / math.sqrt(SHARPNESS_SAMPLES))


def analyses(config: ExperimentConfig, bases: dict[str, BaseNetwork]) -> dict | None:
    """The flatness-at-equal-norm and PAC-Bayes tables (None without bases: retrain protocol)."""
    if not bases or config.rho_rule == "relative":
        return None
    trials = list(range(min(ANALYSIS_TRIALS, config.trials)))
    norms = {a: float(np.linalg.norm(b.theta)) for a, b in bases.items()}
    common = float(np.linalg.norm(bases["tanh"].theta)) if "tanh" in bases else max(norms.values())
    rho_common = config.rho_scale * common if config.rho_rule != "absolute" else config.rho_scale
    embedded = {}
    for act, base in bases.items():
        rho = rho_of(base, config, norms)
        hmax = max(analysis_widths(config, base.h0))
        batch = draw_batch(base, config, trials, hmax, rho)
        embedded[act] = (base, rho, batch)
    flat, pb = {}, {}
    for act, (base, rho, batch) in embedded.items():
        a = flattest_relu_scale(base, common) if act == "relu" else 1.0
        rows_f, rows_p = [], []
        for h in analysis_widths(config, base.h0):
            fr, pr = [], []
            for i, t in enumerate(trials):
                w, b_, v = batch.w0[i, :h], batch.b0[i, :h], batch.v0[i, :h]
                c0 = float(batch.c0[i])
                n2_others = [float(np.sum(e[2].w0[j, :h] ** 2 + e[2].b0[j, :h] ** 2 + e[2].v0[j, :h] ** 2) + e[2].c0[j] ** 2)
                             for e in embedded.values() for j in [i] if h <= e[2].w0.shape[1]]
                pr.append(pac_bayes.bounds(act, base.x, base.y, w, b_, v, c0, rho, config.prior_sd, config.delta,
                                           seed=config.seed * 1000 + t, norm2_common=float(np.mean(n2_others))))
                # only the H0 units are rescaled (surplus units have v = 0: any scale is the same function)
                scale = np.ones(h)
                scale[:base.h0] = a
                ws, bs, vs = scale * w, scale * b_, v / scale
                theta = np.concatenate([ws, bs, vs, [c0]])
                es, se = _e_sharpness(act, theta, rho_common, base.x, base.y, config.seed * 1000 + t)
                trace = float(np.sum(pac_bayes.gauss_newton_diagonal(act, ws, bs, vs, base.x)))
                fr.append((trace, es, se, float(np.linalg.norm(theta))))
            f = np.asarray(fr)
            rows_f.append({"H": h, "trace": float(f[:, 0].mean()), "e_sharpness": float(f[:, 1].mean()),
                           "se_e_sharpness": float(math.sqrt(np.sum(f[:, 2] ** 2)) / len(fr)),
                           "norm": float(f[:, 3].mean())})
            rows_p.append({"H": h, **{kind: _mean_dicts([p[kind] for p in pr]) for kind in ("isotropic", "optimised")}})
        flat[act] = {"relu_rescale": a if act == "relu" else None, "rows": rows_f}
        pb[act] = rows_p
    return {"trials": len(trials), "common_norm": common, "rho_common": rho_common,
            "flatness_equal_norm": flat, "pac_bayes": pb}


def _mean_dicts(ds: list[dict]) -> dict:
    out = {}
    for k, v in ds[0].items():
        if isinstance(v, bool):
            out[k] = bool(any(d[k] for d in ds)) if k == "vacuous" else v
        elif isinstance(v, (int, float)):
            out[k] = float(np.mean([d[k] for d in ds]))
    out["vacuous"] = bool(out["bound"] > 1.0)
    return out
