"""Predictions beside the measurement (docs/experiment.md "Predictions").

Surplus unit k has v_k = 0 and independent zero-mean noise (eps_w, eps_b, eps_v) with standard
deviations (s_w, s_b, s_v). Because eps_v has mean 0 and is independent of everything else, the
cross terms with the H0 part and between surplus units vanish *exactly*, so

    E G_H - E G_H0 = sum_k s_v^2 E_x E_Z phi(mu_k(x) + s_k(x) Z)^2,                      (P)

with mu_k(x) = w_k x + b_k, s_k(x)^2 = s_w^2 x^2 + s_b^2, Z ~ N(0, 1), x ~ U[x_low, x_high].
This is the *exact* predicted excess (no Taylor expansion); only quadrature is left:

- ReLU: E_Z relu(mu + s Z)^2 = s^2 [(t^2 + 1) Phi(t) + t phi(t)], t = mu / s (closed form), so a
  dead unit (mu < 0 on the domain) contributes through the probability Phi(t) that the noise
  makes it active at x, times its expected square there; the x-integral of this analytic
  function is done by composite Gauss-Legendre.
- smooth activations: Gauss-Hermite in Z times composite Gauss-Legendre in x.

The second-order prediction replaces E_Z phi(mu + s Z)^2 by phi(mu)^2; when (phi^2)' is
L-Lipschitz the neglected term is bounded by

    |E_Z phi(mu + s Z)^2 - phi(mu)^2| <= (L / 2) s^2,  L = sup |(phi^2)''| (tanh: 2, ReLU: 2),

so |(P) - second order| <= sum_k s_v^2 (L/2) E_x s_k(x)^2 (a proved bound, not a fixed 10%).

The probability that surplus unit k becomes active somewhere on the domain is
p_k = P(max_x (w'_k x + b'_k) > 0) = E_{w'} Phi((max(w' x_low, w' x_high) + b_k) / s_b) over
w' ~ N(w_k, s_w^2) (a one-dimensional integral, split at w' = 0 where the max switches ends);
G(N_H) differs from G(N_H0) exactly when some surplus unit of N_H is active somewhere, with
probability 1 - prod_k (1 - p_k).

PAC-Bayes (docs/experiment.md "PAC-Bayes"): for Q_H = N(theta_H, rho^2 I) and P_H = N(0, sigma_P^2 I),
KL = 1/2 [D_H (rho^2/sigma_P^2 - 1 + ln(sigma_P^2/rho^2)) + ||theta_H||^2 / sigma_P^2], and the
bound is E_Q R_hat + sqrt((KL + ln(2 sqrt(n)/delta)) / (2n)) for the [0,1]-clipped loss.
"""

from __future__ import annotations

import math

import numpy as np

from numerics.experiment.generalization import gauss_legendre_nodes, phi_float

PREDICTION_PANELS = 8
HERMITE_NODES = 12
PROBABILITY_PANELS = 8
SQUARE_LIPSCHITZ = {"tanh": 2.0, "relu": 2.0}
"""L = sup |(phi^2)''| (a Lipschitz constant of (phi^2)'): tanh 2 (at 0), ReLU 2 (z > 0)."""

_ERFC = np.frompyfunc(math.erfc, 1, 1)


def normal_cdf(t) -> np.ndarray:
    """Phi(t) elementwise, accurate in relative terms in the lower tail (via math.erfc)."""
    t = np.asarray(t, dtype=float)
    return 0.5 * np.asarray(_ERFC(-t / math.sqrt(2.0)), dtype=float)


def normal_pdf(t) -> np.ndarray:
    """Standard normal density exp(-t^2/2) / sqrt(2 pi), elementwise in float64."""
    t = np.asarray(t, dtype=float)
    return np.exp(-0.5 * t * t) / math.sqrt(2.0 * math.pi)


def relu_gaussian_square(mu, s) -> np.ndarray:
    """E relu(mu + s Z)^2 for Z ~ N(0, 1), elementwise; s = 0 gives relu(mu)^2.

    >>> float(relu_gaussian_square(0.0, 1.0))  # half of E Z^2
    0.5
    """
    mu = np.asarray(mu, dtype=float)
    s = np.asarray(s, dtype=float)
    safe = np.where(s > 0, s, 1.0)
    t = mu / safe
    val = safe * safe * ((t * t + 1.0) * normal_cdf(t) + t * normal_pdf(t))
    return np.where(s > 0, np.maximum(val, 0.0), np.maximum(mu, 0.0) ** 2)


def gaussian_square(activation: str, mu, s, nodes: int = HERMITE_NODES) -> np.ndarray:
    """E_Z phi(mu + s Z)^2 elementwise (closed form for ReLU, Gauss-Hermite otherwise)."""
    if activation == "relu":
        return relu_gaussian_square(mu, s)
    z, wz = np.polynomial.hermite_e.hermegauss(nodes)
    wz = wz / math.sqrt(2.0 * math.pi)
    mu = np.asarray(mu, dtype=float)[..., None]
    s = np.asarray(s, dtype=float)[..., None]
    vals = phi_float(activation, mu + s * z)
    return np.sum(vals * vals * wz, axis=-1)


def surplus_excess(activation: str, w, b, sd_w, sd_b, x_low: float, x_high: float,
                   panels: int = PREDICTION_PANELS, hermite: int = HERMITE_NODES) -> np.ndarray:
    """E_x E_Z phi(w' x + b')^2 per unit, (w', b') ~ N((w, b), diag(sd_w^2, sd_b^2)) (the (P) term / s_v^2).

    Arguments: arrays of one shape (any); returns that shape.
    """
    x, wx = gauss_legendre_nodes(x_low, x_high, panels)
    w, b, sd_w, sd_b = (np.asarray(a, dtype=float)[..., None] for a in (w, b, sd_w, sd_b))
    mu = w * x + b
    s = np.sqrt(sd_w * sd_w * x * x + sd_b * sd_b)
    return np.sum(gaussian_square(activation, mu, s, hermite) * wx, axis=-1)


def second_order_excess(activation: str, w, b, x_low: float, x_high: float, panels: int = PREDICTION_PANELS):
    """E_x phi(w x + b)^2 per unit (the second-order term / s_v^2)."""
    x, wx = gauss_legendre_nodes(x_low, x_high, panels)
    w, b = (np.asarray(a, dtype=float)[..., None] for a in (w, b))
    vals = phi_float(activation, w * x + b)
    return np.sum(vals * vals * wx, axis=-1)


def second_order_bound(activation: str, sd_w, sd_b, x_low: float, x_high: float):
    """(L/2) E_x s(x)^2 per unit: bounds |surplus_excess - second_order_excess| (None if L unknown)."""
    L = SQUARE_LIPSCHITZ.get(activation)
    if L is None:
        return None
    ex2 = (x_high**3 - x_low**3) / (3.0 * (x_high - x_low))
    return 0.5 * L * (np.asarray(sd_w, float) ** 2 * ex2 + np.asarray(sd_b, float) ** 2)


def active_probability(w, b, sd_w, sd_b, x_low: float, x_high: float,
                       panels: int = PROBABILITY_PANELS) -> np.ndarray:
    """P(max_{x in [x_low, x_high]} (w' x + b') > 0) for (w', b') ~ N((w, b), diag(sd_w^2, sd_b^2)).

    The probability that a ReLU unit is active somewhere on the domain after the perturbation.
    Exact up to the Gauss-Legendre quadrature over w' on [w - 9 sd_w, w + 9 sd_w] (split at 0).
    """
    w, b, sd_w, sd_b = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (w, b, sd_w, sd_b)))

    def top(wp):
        """Largest value of w' x over the input interval [x_low, x_high]."""
        return np.maximum(wp * x_low, wp * x_high)

    def tail(wp):  # P(b' > -top(w')) given w'
        """P(b' > -top(w') | w') for b' ~ N(b, sd_b^2); a step function where sd_b = 0."""
        safe = np.where(sd_b > 0, sd_b, 1.0)[..., None]
        t = (top(wp) + b[..., None]) / safe
        return np.where(sd_b[..., None] > 0, normal_cdf(t), (t > 0).astype(float))

    out = np.zeros(w.shape)
    fixed = sd_w == 0
    if fixed.any():
        out = np.where(fixed, tail(w[..., None])[..., 0], out)
    lo, hi = w - 9.0 * sd_w, w + 9.0 * sd_w
    t, wt = np.polynomial.legendre.leggauss(5)
    edges = np.linspace(0.0, 1.0, panels + 1)
    for a, c in ((lo, np.minimum(hi, 0.0)), (np.maximum(lo, 0.0), hi)):
        length = np.maximum(c - a, 0.0)
        acc = np.zeros(w.shape)
        for p in range(panels):
            left = a + length * edges[p]
            half = length * (edges[p + 1] - edges[p]) / 2
            wp = (left + half)[..., None] + half[..., None] * t
            dens = normal_pdf((wp - w[..., None]) / np.where(sd_w > 0, sd_w, 1.0)[..., None])
            dens = dens / np.where(sd_w > 0, sd_w, 1.0)[..., None]
            acc += np.sum(dens * tail(wp) * wt, axis=-1) * half
        out = np.where(fixed, out, out + acc)
    return np.clip(out, 0.0, 1.0)


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


def predicted_ratio_of_means(mean_excess: float, mean_g0: float) -> float:
    """1 + (predicted excess) / E G_H0."""
    return 1.0 + mean_excess / mean_g0
