"""Hand-built base networks for tests and demos (no training needed).

- :func:`relu_interpolant`: the exact piecewise-linear interpolant through sorted data as a
  1-(n-1)-1 ReLU network: kinks at the n-2 interior data points plus one unit whose kink lies
  left of the domain (it carries the first slope). Zero training error up to float rounding.
- :func:`random_base`: a random 1-H-1 network of any activation with the paper's teacher.
"""

from __future__ import annotations

import numpy as np

from numerics.experiment.base import BaseNetwork
from numerics.experiment.generalization import phi_float
from numerics.teacher import TeacherSpec

FIXED_TEACHER = (np.array([1.0]), np.array([0.0]), np.array([1.0]), 0.0)


def paper_like_data(activation: str, n: int, seed: int, noise: float = TeacherSpec.noise,
                    x_low: float = TeacherSpec.x_low, x_high: float = TeacherSpec.x_high):
    """x ~ U[x_low, x_high], y = teacher(x) + N(0, noise^2), teacher (1, 0, 1, 0): P1 of
    docs/experiment.md from one random stream (not :func:`numerics.teacher.teacher_data`'s three)."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(x_low, x_high, n))
    y = phi_float(activation, x) + noise * rng.normal(size=n)
    return x, y


def relu_interpolant(x, y, x_low: float = TeacherSpec.x_low) -> BaseNetwork:
    """f(x) = y_0 + s_0 (x - x_0) + sum_{i=1}^{n-2} (s_i - s_{i-1}) relu(x - x_i), as ReLU units."""
    order = np.argsort(x)
    xs, ys = np.asarray(x, float)[order], np.asarray(y, float)[order]
    s = np.diff(ys) / np.diff(xs)
    left = x_low - 1.0
    w = np.ones(len(xs) - 1)
    b = np.concatenate([[-left], -xs[1:-1]])
    v = np.concatenate([[s[0]], np.diff(s)])
    c = ys[0] - s[0] * (xs[0] - left)
    return BaseNetwork("relu", w, b, v, float(c), xs, ys, FIXED_TEACHER)


def random_base(activation: str, h0: int, seed: int, n: int = 10, weight_scale: float = 2.0) -> BaseNetwork:
    """A random (untrained) 1-h0-1 network with paper-like data and teacher (for phase-2 tests)."""
    rng = np.random.default_rng([seed, 99])
    x, y = paper_like_data(activation, n, seed)
    return BaseNetwork(activation, weight_scale * rng.normal(size=h0), rng.normal(size=h0),
                       rng.normal(size=h0) / np.sqrt(h0), float(rng.normal() * 0.1), x, y, FIXED_TEACHER)
