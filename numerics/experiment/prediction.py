"""Predictions beside the measurement: the second-order excess and the PAC-Bayes terms.

Second order (spec §4 "Expected outcome"): with v_k = 0 and independent zero-mean noise,
E G_H - E G_H0 = sum_k sd(v_k)^2 E_x E_eps phi((w_k + eps_w) x + b_k + eps_b)^2, and to
second order in the noise this is rho^2 sum_k E_x phi(w_k x + b_k)^2 (the cross terms with the
H0 part vanish because eps_v has mean zero). The predicted ratio of means is
1 + excess / E G_H0.

PAC-Bayes (spec T10): for Q_H = N(theta_H, rho^2 I) and P_H = N(0, sigma_P^2 I),
KL = 1/2 [D_H (rho^2/sigma_P^2 - 1 + ln(sigma_P^2/rho^2)) + ||theta_H||^2 / sigma_P^2], and the
bound is E_Q R_hat + sqrt((KL + ln(2 sqrt(n)/delta)) / (2n)) for the [0,1]-clipped loss.
"""

from __future__ import annotations

import math

import numpy as np


def n_params(h: int) -> int:
    """D_H = 3H + 1 for d = M = 1."""
    return 3 * h + 1


def kl_gaussian(d: int, rho: float, prior_sd: float, norm2) -> np.ndarray:
    """KL(N(theta, rho^2 I_d) || N(0, prior_sd^2 I_d)) for ||theta||^2 = norm2 (elementwise)."""
    r = (rho / prior_sd) ** 2
    return 0.5 * (d * (r - 1.0 + math.log(1.0 / r)) + np.asarray(norm2) / prior_sd**2)


def pac_bayes_bound(emp_risk, kl, n: int, delta: float):
    """E_Q R_hat + sqrt((KL + ln(2 sqrt(n) / delta)) / (2 n))."""
    return np.asarray(emp_risk) + np.sqrt((np.asarray(kl) + math.log(2.0 * math.sqrt(n) / delta)) / (2.0 * n))


def predicted_ratio_of_means(mean_excess2: float, mean_g0: float) -> float:
    """1 + (second-order excess) / E G_H0."""
    return 1.0 + mean_excess2 / mean_g0
