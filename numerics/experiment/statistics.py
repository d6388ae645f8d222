"""Per-width statistics of the per-trial ratios r_t(H) = G(N_H + eps_t) / G(N_H0 + eps_t) (docs/experiment.md).

- mean and standard error of r_t (the paper's statistic), median and quartiles;
- the ratio of means E G_H / E G_H0 with a delta-method standard error
  se = sd(G_H - R G_H0) / (sqrt(T) mean G_H0), which uses the common random numbers;
- the measured excess mean(G_H - G_H0) and its standard error (paired).
Trials with a missing value (NaN, e.g. H <= H0 under ``retrain``) are left out per width.
"""

from __future__ import annotations

import math

import numpy as np


def spearman(x, y) -> float:
    """Spearman rank correlation (average ranks for ties)."""
    def ranks(a):
        """Ranks 0..n-1 of ``a``, with tied values sharing their average rank."""
        a = np.asarray(a, dtype=float)
        order = np.argsort(a, kind="mergesort")
        r = np.empty(len(a))
        r[order] = np.arange(len(a), dtype=float)
        for v in np.unique(a):
            m = a == v
            r[m] = r[m].mean()
        return r
    rx, ry = ranks(x), ranks(y)
    if np.std(rx) == 0 or np.std(ry) == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def width_statistics(g_h: np.ndarray, g_0: np.ndarray) -> dict:
    """Statistics of one width from paired per-trial errors (1-D arrays of equal length)."""
    keep = np.isfinite(g_h) & np.isfinite(g_0)
    a, b = g_h[keep], g_0[keep]
    t = int(a.shape[0])
    r = a / b
    q1, med, q3 = np.quantile(r, [0.25, 0.5, 0.75])
    rom = float(np.mean(a) / np.mean(b))
    diff = a - b
    root = math.sqrt(t)
    sd = lambda z: float(np.std(z, ddof=1)) if t > 1 else float("nan")
    return {
        "trials": t,
        "mean_ratio": float(np.mean(r)),
        "se_ratio": sd(r) / root,
        "median_ratio": float(med),
        "q1_ratio": float(q1),
        "q3_ratio": float(q3),
        "ratio_of_means": rom,
        "se_ratio_of_means": sd(a - rom * b) / (root * float(np.mean(b))),
        "mean_G_H": float(np.mean(a)),
        "mean_G_H0": float(np.mean(b)),
        "excess": float(np.mean(diff)),
        "se_excess": sd(diff) / root,
        "fraction_changed": float(np.mean(a != b)),
    }
