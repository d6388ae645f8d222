"""Incoming weights of the surplus (inactive) units (docs/experiment.md "Surplus rules").

The embedding by inactive units sets v_k = 0, so the function is unchanged whatever the
incoming (w_k, b_k); they matter once the parameters are perturbed. Every rule starts from the
same distribution, (w_k, b_k) ~ N(0, scale^2) i.i.d., for every activation:

- ``gaussian``: that distribution, unconditioned (for ReLU such units are active on part of
  the domain and on part of the data).
- ``data`` (default for ReLU): conditioned on w_k x_i + b_k <= -margin at every training
  input x_i (margin 0 by default): the hypothesis of Thm 9 (inactive on the data), by
  rejection: pairs are drawn in rounds and the first ``count`` accepted pairs are kept, in order.
- ``domain``: w_k from that distribution, b_k = -(max_{x in [x_low, x_high]} w_k x) - margin, so
  w_k x + b_k <= -margin on the whole input domain. With a margin large against the noise, the
  ReLU ratio equals 1 by construction (the noise almost never revives such a unit).

A trial's draws come from its own generator, so the rejection rounds never couple trials.
"""

from __future__ import annotations

import numpy as np

SURPLUS_RULES = ("data", "domain", "gaussian")
MAX_ROUNDS = 10_000


def draw_surplus(rng: np.random.Generator, count: int, rule: str, *, margin: float, scale: float,
                 x_low: float, x_high: float, x_train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``count`` surplus incoming vectors (w_k, b_k) from ``rng`` by ``rule``.

    Returns:
        (w (count,), b (count,)) float64.

    Raises:
        ValueError: for an unknown rule, or when ``data`` accepts nothing in MAX_ROUNDS rounds
        (a margin far too large for the scale).
    """
    if rule == "gaussian":
        return scale * rng.normal(size=count), scale * rng.normal(size=count)
    if rule == "domain":
        w = scale * rng.normal(size=count)
        rng.normal(size=count)  # same stream layout as ``gaussian``: b is replaced, not drawn
        return w, -np.maximum(w * x_low, w * x_high) - margin
    if rule != "data":
        raise ValueError(f"unknown surplus rule {rule!r}")
    x_train = np.asarray(x_train, dtype=float)
    hi, lo = float(np.max(x_train)), float(np.min(x_train))
    ws, bs, have = [], [], 0
    size = 4 * count + 8
    for _ in range(MAX_ROUNDS):
        if have >= count:
            break
        w = scale * rng.normal(size=size)
        b = scale * rng.normal(size=size)
        ok = np.maximum(w * lo, w * hi) + b <= -margin  # max_i (w x_i + b) for a linear map
        ws.append(w[ok]); bs.append(b[ok])
        have += int(ok.sum())
    else:
        if have < count:
            raise ValueError(f"surplus rule 'data': margin {margin} accepts almost no N(0, {scale}^2) pair")
    w = np.concatenate(ws)[:count] if ws else np.zeros(0)
    b = np.concatenate(bs)[:count] if bs else np.zeros(0)
    return w, b


def is_inactive_on(w: np.ndarray, b: np.ndarray, x: np.ndarray, margin: float = 0.0) -> np.ndarray:
    """Elementwise: w_k x_i + b_k <= -margin for every x_i in ``x`` (Thm 9's hypothesis)."""
    x = np.asarray(x, dtype=float)
    return np.max(np.multiply.outer(np.asarray(w, float), x) + np.asarray(b, float)[..., None], axis=-1) <= -margin
