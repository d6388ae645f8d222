"""Seeded random-perturbation test of local minimality (I13, I14 in docs/invariants.md): the smallest loss change
over ``count`` random directions of length ``radius`` (negative means a descent was found)."""

from __future__ import annotations

import mpmath

from numerics import mlp
from numerics.precision import to_mp_array, workdps
from theory.params import Params


def min_loss_change(arch, params: Params, x, y, *, radius, count: int, rng, dps: int):
    """Smallest loss change L(theta + d) - L(theta) over ``count`` random directions d of length ``radius``.

    Directions are normal draws from ``rng`` rescaled to length ``radius``; the losses are computed at
    ``dps`` digits. A negative result means a descent was found; a non-negative one is numerical
    evidence only, not a proof of minimality (docs/invariants.md).
    """
    with workdps(dps):
        theta = to_mp_array(params.to_vector())
        L0 = mlp.loss(arch, params, x, y, dps=dps)
        worst = mpmath.inf
        for _ in range(count):
            d = to_mp_array(rng.normal(size=len(theta)))
            d = d * (mpmath.mpf(radius) / mlp.norm(d))
            worst = min(worst, mlp.loss(arch, Params.from_vector(arch, theta + d), x, y, dps=dps) - L0)
    return worst
