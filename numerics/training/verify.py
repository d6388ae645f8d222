"""Stage 3: verification at ``dps`` from the parameters exactly as a network file stores them.

A parameter set is first *stored*: every number is written as the decimal string a network file
holds (:func:`numerics.precision.to_decimal_string`, ``digits_for(dps)`` significant digits)
and read back at ``dps``. The squared error and the gradient norm are then recomputed from those
numbers by exact backpropagation in ball arithmetic (python-flint at ``dps`` digits plus guard
bits, :mod:`numerics.training.arb`): the value reported is the upper end of a ball that provably
contains the exact value, so "below the target" is a proof about the stored numbers and the data
as read. Where balls cannot evaluate the activation (a ReLU pre-activation exactly on the kink,
a function outside the ball whitelist) the recomputation is :mod:`numerics.mlp` in mpmath at
``dps + GUARD`` digits instead. Only this recomputed evidence may be reported as reaching a
target (``docs/training.md``).
"""

from __future__ import annotations

import mpmath
import numpy as np

from numerics import mlp
from numerics.dataset import Dataset
from numerics.precision import to_decimal_string, to_mpf, workdps
from numerics.training import arb
from theory.architecture import Architecture
from theory.params import Params


def stored_params(arch: Architecture, vector, dps: int) -> Params:
    """The parameters a file written at ``dps`` would hold: decimal round trip of each entry."""
    with workdps(dps):
        values = [mpmath.mpf(to_decimal_string(to_mpf(v), dps)) for v in np.asarray(vector, dtype=object)]
    return Params.from_vector(arch, np.array(values, dtype=object))


def verified_sse(arch: Architecture, params: Params, data: Dataset, dps: int):
    """Squared training error ``sum_i ||f(x_i) - y_i||^2`` at ``dps`` (mpf): an upper bound
    proved in ball arithmetic, else (module docstring) the mpmath value."""
    try:
        with arb.working(dps):
            r = arb.Problem(arch, data.x, data.y).residuals(arb.to_balls(params.to_vector()))
            return arb.upper(arb.sum_squares(r))
    except arb.BallsUnavailable:
        return mlp.sse(arch, params, _objects(data.x), _objects(data.y), dps)


def verified_gradient_norm(arch: Architecture, params: Params, data: Dataset, dps: int):
    """Euclidean norm of ``grad L`` (``L = 1/2 SSE``) at ``dps`` (mpf): an upper bound proved in
    ball arithmetic, else the mpmath value."""
    try:
        with arb.working(dps):
            g = arb.Problem(arch, data.x, data.y).gradient(arb.to_balls(params.to_vector()))
            return arb.upper(arb.sum_squares(g).sqrt())
    except arb.BallsUnavailable:
        g = mlp.gradient(arch, params, _objects(data.x), _objects(data.y), dps)
        with workdps(dps):
            return mpmath.sqrt(mpmath.fsum(v * v for v in g))


def _objects(a) -> np.ndarray:
    arr = np.asarray(a)
    return arr.astype(object) if arr.dtype != object else arr
