"""Generalization error G(theta) = E_x (f(x; theta) - f*(x))^2, x ~ U[x_low, x_high] (docs/experiment.md).

Three evaluators, all vectorised over a leading batch of networks and over the nested widths
H (unit by unit, so N_H for every H comes out of one cumulative sum):

- ReLU network and ReLU teacher: f - f* is piecewise linear between the kinks, so the
  integrand is piecewise quadratic. With every kink of the widest network and of the teacher
  as a breakpoint, Simpson's rule on each piece is exact (up to float64 rounding).
- Smooth activations: composite Gauss-Legendre, ``panels`` panels of 5 nodes (exact for
  polynomials of degree 9 per panel); :func:`quadrature_error_estimate` compares with twice the
  panels.
- Monte Carlo: a fixed uniform test sample shared by all trials (common random numbers).

Reductions are over the last (contiguous) axis only, row by row, so a trial's value does not
depend on how many trials share a batch (results independent of chunk size and workers).
"""

from __future__ import annotations

import numpy as np

from theory.activations import get_activation

GL_ORDER = 5


def gauss_legendre_nodes(x_low: float, x_high: float, panels: int) -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss-Legendre nodes and weights for the *mean* over [x_low, x_high].

    Returns:
        (nodes (panels*5,), weights (panels*5,)) with weights summing to 1.
    """
    t, w = np.polynomial.legendre.leggauss(GL_ORDER)
    edges = np.linspace(x_low, x_high, panels + 1)
    half = (edges[1:] - edges[:-1]) / 2
    mid = (edges[1:] + edges[:-1]) / 2
    nodes = (mid[:, None] + half[:, None] * t[None, :]).reshape(-1)
    weights = (half[:, None] * w[None, :]).reshape(-1) / (x_high - x_low)
    return nodes, weights


def monte_carlo_nodes(x_low: float, x_high: float, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A fixed uniform test sample (rng([seed, 7919])) with equal weights 1/size."""
    rng = np.random.default_rng([int(seed), 7919])
    nodes = rng.uniform(x_low, x_high, size=size)
    return nodes, np.full(size, 1.0 / size)


def simpson_nodes(breaks: np.ndarray, x_low: float, x_high: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-row Simpson nodes on the pieces between sorted breakpoints.

    Arguments:
        breaks: (B, K) breakpoints (any order, may fall outside the domain; they are clipped).

    Returns:
        (nodes (B, 2K+3), weights (B, 2K+3)): Simpson's rule on each of the K+1 pieces of
        [x_low, x_high], weights normalised to the mean over the domain. Exact for any
        integrand that is quadratic on every piece.
    """
    B = breaks.shape[0]
    inner = np.sort(np.clip(breaks, x_low, x_high), axis=1)
    ends = np.concatenate(
        [np.full((B, 1), x_low), inner, np.full((B, 1), x_high)], axis=1
    )
    left, right = ends[:, :-1], ends[:, 1:]
    length = right - left
    P = left.shape[1]
    nodes = np.empty((B, 2 * P + 1))
    nodes[:, 0:-1:2] = left
    nodes[:, 1::2] = (left + right) / 2
    nodes[:, -1] = x_high
    weights = np.zeros((B, 2 * P + 1))
    scale = 1.0 / (6.0 * (x_high - x_low))
    weights[:, 0:-1:2] += length * scale
    weights[:, 1::2] += 4.0 * length * scale
    weights[:, 2::2] += length * scale
    return nodes, weights


def unit_contributions(activation: str, w, b, v, nodes) -> np.ndarray:
    """v_j phi(w_j x + b_j) for every unit and node.

    Arguments:
        w, b, v: (B, H) per-network unit parameters (d = M = 1).
        nodes: (N,) shared nodes or (B, N) per-network nodes.

    Returns:
        (B, H, N) float64.
    """
    x = nodes[None, None, :] if nodes.ndim == 1 else nodes[:, None, :]
    z = w[:, :, None] * x + b[:, :, None]
    return v[:, :, None] * phi_float(activation, z)


def phi_float(activation: str, z: np.ndarray) -> np.ndarray:
    """The activation on a float64 array (fast paths for the common ones)."""
    if activation == "tanh":
        return np.tanh(z)
    if activation == "relu":
        return np.maximum(z, 0.0)
    return np.asarray(get_activation(activation)(z), dtype=float)


def nested_outputs(activation: str, w, b, v, c, nodes, widths) -> np.ndarray:
    """f(x; N_H) for each H in ``widths``: the network restricted to its first H units.

    Arguments:
        w, b, v: (B, Hmax); c: (B,); nodes: (N,) or (B, N); widths: increasing ints <= Hmax.

    Returns:
        (B, len(widths), N).
    """
    contrib = unit_contributions(activation, w, b, v, nodes)
    partial = np.cumsum(contrib, axis=1)
    idx = np.asarray(widths, dtype=int) - 1
    return np.ascontiguousarray(partial[:, idx, :]) + c[:, None, None]


def mean_squared(diff: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """sum_x weights(x) diff(x)^2 over the last axis (weights (N,) or (B, N))."""
    wts = weights[None, :] if weights.ndim == 1 else weights[:, None, :]
    return np.sum(np.ascontiguousarray(diff * diff * wts), axis=-1)


def quadrature_error_estimate(activation, w, b, v, c, teacher, x_low, x_high, panels, widths) -> float:
    """Largest relative change of G when the Gauss-Legendre panels are doubled (smooth case)."""
    out = []
    for p in (panels, 2 * panels):
        nodes, weights = gauss_legendre_nodes(x_low, x_high, p)
        f = nested_outputs(activation, w, b, v, c, nodes, widths)
        out.append(mean_squared(f - teacher(nodes)[None, None, :], weights))
    return float(np.max(np.abs(out[0] - out[1]) / np.abs(out[1])))


def relu_square_mean(w, b, x_low: float, x_high: float) -> np.ndarray:
    """E_x relu(w x + b)^2 for x ~ U[x_low, x_high], in closed form (elementwise).

    Active on the whole interval: the polynomial w^2 (h^3 - l^3)/3 + w b (h^2 - l^2) + b^2 (h - l).
    Kink inside: relu(w x + b)^3 / (3 w) at the active end (|w| is then not small against |b|).
    """
    w = np.asarray(w, dtype=float)
    b = np.asarray(b, dtype=float)
    zh, zl = w * x_high + b, w * x_low + b
    full = w * w * (x_high**3 - x_low**3) / 3 + w * b * (x_high**2 - x_low**2) + b * b * (x_high - x_low)
    safe = np.where(w == 0, 1.0, w)
    part = (np.maximum(zh, 0.0) ** 3 - np.maximum(zl, 0.0) ** 3) / (3 * safe)
    both_on = (zh >= 0) & (zl >= 0)
    both_off = (zh <= 0) & (zl <= 0)
    integral = np.where(both_off, 0.0, np.where(both_on, full, part))
    return integral / (x_high - x_low)
