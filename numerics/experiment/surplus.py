"""Incoming weights of the surplus (inactive) units, spec P3.

The embedding by inactive units sets v_k = 0, so the function is unchanged whatever the
incoming (w_k, b_k); they matter once the parameters are perturbed:

- ``gaussian``: (w_k, b_k) ~ N(0, scale^2) i.i.d. (tanh and the other smooth activations;
  for ReLU the negative control: such units are active on part of the domain).
- ``domain`` (ReLU): w_k ~ N(0, 1), b_k = -(max_{x in [x_low, x_high]} w_k x) - margin, so
  w_k x + b_k <= -margin on the whole input domain: the unit is dead on it (Thm 9).
- ``data`` (ReLU): b_k = -(max_i w_k x_i) - margin: dead on the training inputs only.
"""

from __future__ import annotations

import numpy as np


def draw_surplus(rng: np.random.Generator, count: int, rule: str, *, margin: float, scale: float,
                 x_low: float, x_high: float, x_train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``count`` surplus incoming vectors from ``rng`` (two normal draws of size count).

    Returns:
        (w (count,), b (count,)).
    """
    w = rng.normal(0.0, 1.0, size=count)
    b = rng.normal(0.0, 1.0, size=count)
    if rule == "gaussian":
        return scale * w, scale * b
    if rule == "domain":
        top = np.maximum(w * x_low, w * x_high)
    elif rule == "data":
        top = np.max(np.outer(w, x_train), axis=1) if count else np.zeros(0)
    else:
        raise ValueError(f"unknown surplus rule {rule!r}")
    return w, -top - margin
