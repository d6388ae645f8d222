"""Descent certificates: a direction d and a step s with L(theta + s d) < L(theta) shown at dps.

Proof value: at a critical point of a C^2 loss, d^T H d < 0 (the second-order coefficient) shows
the point is not a local minimum; the computed decrease L(theta + s d) - L(theta) < 0, well above
the rounding floor and within 10% of its second-order prediction 1/2 s^2 d^T H d, shows that s lies in
the quadratic regime and makes the statement checkable by anyone who re-evaluates the loss.
At a non-critical point the direction is -grad L and the prediction -s ||grad L||^2.

Rounding floor: the loss is computed at dps + GUARD digits, so its error is far below
``rounding_band(dps, L, 0)``; a decrease is *certified* when it is below
``-rounding_band(dps, L, dps // 4)`` (a quarter of the digits of margin).
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from numerics import mlp
from numerics.precision import rounding_band, workdps
from theory.params import Params


@dataclass(frozen=True, eq=False)
class DescentCertificate:
    """A direction ``d`` and step ``s`` with their computed loss decrease, its second-order prediction,
    the curvature ``d^T H d`` and the rounding floor a certified decrease must clear (module docstring).
    """

    direction: np.ndarray  # (D,) object array of mpf
    step: object  # s
    decrease: object  # L(theta + s d) - L(theta) < 0
    predicted: object  # 1/2 s^2 d^T H d (or -s ||g||^2 at a non-critical point)
    curvature: object  # d^T H d
    floor: object  # the certification threshold


def quadratic_form(H, d) -> mpmath.mpf:
    """d^T H d with exact summation (mpmath.fsum)."""
    n = len(d)
    return mpmath.fsum(d[i] * H[i, j] * d[j] for i in range(n) for j in range(n) if d[i] and d[j])


def best_combination(H, da, db):
    """The direction da + t db minimising the quadratic form over t (t = 1 when db^T H db <= 0,
    with the sign of t chosen so the cross term is negative). Returns (direction, q)."""
    qb = quadratic_form(H, db)
    n = len(da)
    qab = mpmath.fsum(da[i] * H[i, j] * db[j] for i in range(n) for j in range(n) if da[i] and db[j])
    if qb > 0:
        t = -qab / qb
    else:
        t = mpmath.mpf(-1) if qab > 0 else mpmath.mpf(1)
    d = np.array([a + t * b for a, b in zip(da, db)], dtype=object)
    return d, quadratic_form(H, d)


def certify(arch, params: Params, x, y, direction, loss0, dps: int, *, curvature=None, gradient=None):
    """Try s = 10^-1, 10^-2, ..., 10^-(dps/4) along ``direction`` and return the first step whose
    decrease is certified and within 10% of its prediction (else the first certified one),
    or None. ``curvature`` = d^T H d (second-order prediction); ``gradient`` switches to the
    first-order prediction -s ||g||^2 for non-critical points (then d = -g is expected)."""
    with workdps(dps):
        theta = params.to_vector()
        d = np.array(direction, dtype=object)
        floor = rounding_band(dps, abs(loss0), dps // 4)
        first = None
        for k in range(1, max(2, dps // 4) + 1):
            s = mpmath.mpf(10) ** (-k)
            moved = Params.from_vector(arch, theta + s * d)
            dec = mlp.loss(arch, moved, x, y, dps) - loss0
            if gradient is not None:
                pred = s * mpmath.fsum(gi * di for gi, di in zip(gradient, d))
            else:
                pred = s * s * curvature / 2
            if dec < -floor:
                cert = DescentCertificate(d, s, dec, pred, curvature, floor)
                if pred < 0 and abs(dec - pred) <= abs(pred) / 10:
                    return cert
                first = first or cert
        return first
