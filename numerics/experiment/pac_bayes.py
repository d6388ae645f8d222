"""PAC-Bayes bounds at the embedded zero-error networks, isotropic and optimised (docs/experiment.md "PAC-Bayes").

The bound (the McAllester form; the paper's exact bound is not published): for a data-independent
prior P and every posterior Q simultaneously, with probability >= 1 - delta,
E_Q R <= E_Q R_hat + sqrt((KL(Q||P) + ln(2 sqrt(n)/delta)) / (2n)) for a [0, 1]-valued loss (here
the squared error clipped at 1). A bound above 1 says nothing (vacuous).

- ``isotropic``: Q = N(theta_H, rho^2 I), P = N(0, sigma_P^2 I) with the run's rho and prior_sd.
- ``optimised``: Q = N(theta_H, diag(s_j^2)) with s_j^2 = min(tau^2, 1 / (h_j / mu + 1 / sigma_P^2)),
  the minimiser of the second-order surrogate (1/2) sum_j s_j^2 h_j + sqrt((KL + c) / (2n)) for the
  Gauss-Newton diagonal h_j of the Hessian of R_hat (mu solved by fixed point), capped at tau
  because flatness is only local. (tau, sigma_P) range over a small grid; the prior grid costs
  ln(len(PRIOR_GRID)) in the bound (union bound), the posterior grid nothing (the bound holds
  for all Q at once). The grid is searched on SEARCH_SAMPLES shared draws; E_Q R_hat of the chosen
  posterior is then estimated on SAMPLES fresh draws (fixed seeds) and reported with its s.e.
- ``at equal norms``: the same bounds with ||theta_H||^2 in KL replaced by a common value, so two
  activations are compared on what differs besides their size.
"""

from __future__ import annotations

import math

import numpy as np

from numerics.experiment.generalization import phi_float
from theory.activations import get_activation

PRIOR_GRID = (1.0, 3.0, 10.0, 30.0, 100.0)
CAP_GRID = (0.25, 0.5, 1.0, 2.0, 4.0, math.inf)
"""Caps tau as multiples of the run's rho."""
SEARCH_SAMPLES = 400
"""Monte Carlo draws per grid point of the search (shared by all grid points)."""
SAMPLES = 2000
"""Fresh draws that estimate E_Q R_hat of the chosen posterior (not the ones it was chosen on)."""


def gauss_newton_diagonal(activation: str, w, b, v, x) -> np.ndarray:
    """h_j = (2/n) sum_i (d f(x_i) / d theta_j)^2 in the flat order [w, b, v, c] (1-H-1 network)."""
    z = np.outer(w, x) + b[:, None]
    d1 = np.asarray(get_activation(activation).d1(z), dtype=float) * v[:, None]
    n = len(x)
    gw = np.sum((d1 * x) ** 2, axis=1)
    gb = np.sum(d1**2, axis=1)
    gv = np.sum(phi_float(activation, z) ** 2, axis=1)
    return 2.0 / n * np.concatenate([gw, gb, gv, [n]])


def kl_diagonal(theta, s2, prior_sd: float, norm2=None) -> float:
    """KL(N(theta, diag s2) || N(0, prior_sd^2 I)); ``norm2`` replaces ||theta||^2 when given."""
    p2 = prior_sd**2
    n2 = float(np.sum(np.asarray(theta) ** 2)) if norm2 is None else float(norm2)
    return 0.5 * float(np.sum(s2 / p2 - 1.0 - np.log(s2 / p2)) + n2 / p2)


def _normals(seed, count: int, dim: int) -> np.ndarray:
    return np.random.default_rng([int(seed), 4099, count]).normal(size=(count, dim))


def _clipped_risk(activation, theta, s2, x, y, z) -> tuple[float, float]:
    """Monte Carlo E_Q min((f(x_i) - y_i)^2, 1) averaged over i, and its s.e., from normals ``z``.

    An output that overflows float64 to +-inf has |f - y| > 1, so its clipped loss is 1 exactly. An
    output that is not a number (inf - inf between units) has no value, so the risk is refused
    (FloatingPointError) rather than left NaN."""
    H = (len(theta) - 1) // 3
    draws = theta + np.sqrt(s2) * z
    w, b, v, c = draws[:, :H], draws[:, H:2 * H], draws[:, 2 * H:3 * H], draws[:, -1]
    with np.errstate(over="ignore", invalid="ignore"):
        f = c[:, None] + np.einsum("mh,mhi->mi", v, phi_float(activation, w[:, :, None] * x + b[:, :, None]))
        squared = (f - y) ** 2
    if np.isnan(squared).any():
        bad = int(np.isnan(squared).any(axis=1).sum())
        raise FloatingPointError(f"{activation}: the network output is not a number in float64 at {bad} of "
                                 f"{len(squared)} posterior draws (overflow of opposite signs); the Monte Carlo "
                                 "risk is undefined there")
    r = np.mean(np.minimum(squared, 1.0), axis=1)
    return float(r.mean()), float(r.std(ddof=1) / math.sqrt(len(r)))


def _posterior(h, theta, prior_sd, cap, n, c):
    """s^2 from the surrogate's fixed point mu = 1 / (2 sqrt(2n (KL + c)))."""
    mu = 1.0
    for _ in range(50):
        s2 = 1.0 / (h / mu + 1.0 / prior_sd**2)
        s2 = np.minimum(s2, cap**2)
        new = 1.0 / (2.0 * math.sqrt(2.0 * n * (kl_diagonal(theta, s2, prior_sd) + c)))
        if abs(new - mu) <= 1e-12 * mu:
            break
        mu = new
    return s2


def bounds(activation: str, x, y, w, b, v, c0, rho: float, prior_sd: float, delta: float, seed: int,
           norm2_common: float | None = None) -> dict:
    """Isotropic and optimised bounds for one 1-H-1 network (parameters w, b, v, c0) on data (x, y).

    Returns:
        {"isotropic": {...}, "optimised": {...}}, each with ``bound``, ``empirical`` (Monte Carlo,
        with ``se_empirical``), ``kl``, ``prior_sd``, ``vacuous`` and, given ``norm2_common``,
        ``bound_equal_norm``.
    """
    x, y, act = np.asarray(x, float), np.asarray(y, float), activation
    n = len(x)
    theta = np.concatenate([w, b, v, [c0]])
    D = len(theta)
    c_iso = math.log(2.0 * math.sqrt(n) / delta)
    emp, emp_se = _clipped_risk(act, theta, np.full(D, rho**2), x, y, _normals(seed, SAMPLES, D))
    kl = kl_diagonal(theta, np.full(D, rho**2), prior_sd)
    iso = {"empirical": emp, "se_empirical": emp_se, "kl": kl,
           "bound": emp + math.sqrt((kl + c_iso) / (2 * n)), "prior_sd": prior_sd}
    if norm2_common is not None:
        kl_eq = kl_diagonal(theta, np.full(D, rho**2), prior_sd, norm2_common)
        iso["bound_equal_norm"] = emp + math.sqrt((kl_eq + c_iso) / (2 * n))
    h = gauss_newton_diagonal(act, w, b, v, x)
    c_opt = c_iso + math.log(len(PRIOR_GRID))
    z_search = _normals(seed + 1, SEARCH_SAMPLES, D)
    choice, best_value = None, math.inf
    for p in PRIOR_GRID:
        for k in CAP_GRID:
            s2 = _posterior(h, theta, p, k * rho, n, c_opt)
            e, _ = _clipped_risk(act, theta, s2, x, y, z_search)
            value = e + math.sqrt((kl_diagonal(theta, s2, p) + c_opt) / (2 * n))
            if value < best_value:
                choice, best_value = (p, k, s2), value
    p, k, s2 = choice
    e, se = _clipped_risk(act, theta, s2, x, y, _normals(seed + 2, SAMPLES, D))
    kl_o = kl_diagonal(theta, s2, p)
    best = {"empirical": e, "se_empirical": se, "kl": kl_o, "bound": e + math.sqrt((kl_o + c_opt) / (2 * n)),
            "prior_sd": p, "cap_over_rho": k, "mean_sd": float(np.mean(np.sqrt(s2)))}
    if norm2_common is not None:
        best["bound_equal_norm"] = e + math.sqrt((kl_diagonal(theta, s2, p, norm2_common) + c_opt) / (2 * n))
    for r in (iso, best):
        r["vacuous"] = bool(r["bound"] > 1.0)
    return {"isotropic": iso, "optimised": best}
