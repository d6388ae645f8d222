"""Vectorised float64 evaluation over batches of parameter sets (leading axis B).

Parameter sets are rows of a ``B x D`` float array in the flat order of :mod:`theory.params`.
Same formulas as :mod:`numerics.mlp` (both call :mod:`numerics.backprop`), in float64.
"""

from __future__ import annotations

import numpy as np

from numerics import backprop
from theory.architecture import Architecture
from theory.network import as_inputs, as_targets


def _prepare(arch, vectors, x, y=None):
    vectors = np.atleast_2d(np.asarray(vectors, dtype=float))
    x = as_inputs(arch, np.asarray(x, dtype=float))
    y = None if y is None else as_targets(arch, np.asarray(y, dtype=float), x.shape[0])
    return backprop.unflatten(arch, vectors), x, y


def forward(arch: Architecture, vectors, x) -> np.ndarray:
    """Outputs, B x n x M."""
    layers, x, _ = _prepare(arch, vectors, x)
    return backprop.forward(arch, layers, x)[0][-1]


def loss(arch: Architecture, vectors, x, y) -> np.ndarray:
    """L = sum_i 1/2 ||f(x_i) - y_i||^2 per parameter set, shape B."""
    layers, x, y = _prepare(arch, vectors, x, y)
    r = backprop.forward(arch, layers, x)[0][-1] - y
    return 0.5 * np.einsum("bnm,bnm->b", r, r)


def gradient(arch: Architecture, vectors, x, y) -> np.ndarray:
    """Exact gradient, B x D."""
    layers, x, y = _prepare(arch, vectors, x, y)
    return backprop.gradient(arch, layers, x, y)


def hessian(arch: Architecture, vectors, x, y) -> np.ndarray:
    """Exact Hessian (forward-over-reverse), B x D x D."""
    layers, x, y = _prepare(arch, vectors, x, y)
    return backprop.gradient_and_hessian(arch, layers, x, y)[1]


def jacobian(arch: Architecture, vectors, x) -> np.ndarray:
    """Output Jacobian, B x (n M) x D."""
    layers, x, _ = _prepare(arch, vectors, x)
    return backprop.jacobian(arch, layers, x)
