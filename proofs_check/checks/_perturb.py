"""Seeded random-perturbation test of local minimality (docs/invariants.md, I13, I14): the smallest loss change
over ``count`` random directions of length ``radius`` (negative means a descent was found)."""

from __future__ import annotations

import mpmath

from numerics import mlp
from numerics.precision import to_mp_array, workdps
from theory.params import Params


def min_loss_change(arch, params: Params, x, y, *, radius, count: int, rng, dps: int):
    with workdps(dps):
        theta = to_mp_array(params.to_vector())
        L0 = mlp.loss(arch, params, x, y, dps=dps)
        worst = mpmath.inf
        for _ in range(count):
            d = to_mp_array(rng.normal(size=len(theta)))
            d = d * (mpmath.mpf(radius) / mlp.norm(d))
            worst = min(worst, mlp.loss(arch, Params.from_vector(arch, theta + d), x, y, dps=dps) - L0)
    return worst
