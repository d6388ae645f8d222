"""Vectorised float64 evaluation over batches of parameter sets (leading axis B).

Parameter sets are rows of a ``B x D`` float array in the flat order of ``docs/network.md``.
The data are shared by the batch (``x``: n x d, ``y``: n x M) or given per row (``x``:
B x n x d, ``y``: B x n x M: B independent problems, as the trainer's search runs them). Same
formulas as :mod:`numerics.mlp` (both call :mod:`numerics.backprop`), in float64; row ``b`` of a
result depends only on row ``b`` of the inputs.
"""

from __future__ import annotations

import numpy as np

from numerics import backprop
from theory.architecture import Architecture
from theory.network import as_inputs, as_targets


def _prepare(arch, vectors, x, y=None):
    vectors = np.atleast_2d(np.asarray(vectors, dtype=float))
    x = np.asarray(x, dtype=float)
    if x.ndim != 3:
        x = as_inputs(arch, x)
    if y is not None:
        y = np.asarray(y, dtype=float)
        if y.ndim != 3:
            y = as_targets(arch, y, x.shape[-2])
    return backprop.layers(arch, vectors), x, y


def forward(arch: Architecture, vectors, x) -> np.ndarray:
    """Outputs, B x n x M."""
    layers, x, _ = _prepare(arch, vectors, x)
    return backprop.outputs(arch, layers, x)


def residuals(arch: Architecture, vectors, x, y) -> np.ndarray:
    """Residuals ``f(x_i) - y_i``, B x (n M) (entry ``i*M + m``)."""
    layers, x, y = _prepare(arch, vectors, x, y)
    return backprop.residuals(arch, layers, x, y)


def sse(arch: Architecture, vectors, x, y) -> np.ndarray:
    """Squared training error ``sum_i ||f(x_i) - y_i||^2 = 2 L`` per parameter set, shape B."""
    r = residuals(arch, vectors, x, y)
    return np.einsum("bk,bk->b", r, r)


def loss(arch: Architecture, vectors, x, y) -> np.ndarray:
    """L = sum_i 1/2 ||f(x_i) - y_i||^2 per parameter set, shape B."""
    return 0.5 * sse(arch, vectors, x, y)


def gradient(arch: Architecture, vectors, x, y) -> np.ndarray:
    """Exact gradient, B x D."""
    layers, x, y = _prepare(arch, vectors, x, y)
    return backprop.gradient(arch, layers, x, y)


def gradient_and_hessian(arch: Architecture, vectors, x, y) -> tuple[np.ndarray, np.ndarray]:
    """Exact gradient (B x D) and Hessian (forward-over-reverse, B x D x D) from one sweep."""
    layers, x, y = _prepare(arch, vectors, x, y)
    return backprop.gradient_and_hessian(arch, layers, x, y)


def hessian(arch: Architecture, vectors, x, y) -> np.ndarray:
    """Exact Hessian (forward-over-reverse), B x D x D."""
    return gradient_and_hessian(arch, vectors, x, y)[1]


def jacobian(arch: Architecture, vectors, x) -> np.ndarray:
    """Output Jacobian, B x (n M) x D."""
    layers, x, _ = _prepare(arch, vectors, x)
    return backprop.jacobian(arch, layers, x)


def residuals_and_jacobian(arch: Architecture, vectors, x, y) -> tuple[np.ndarray, np.ndarray]:
    """Residuals (B x nM) and output Jacobian (B x nM x D) from one forward pass."""
    layers, x, y = _prepare(arch, vectors, x, y)
    return backprop.residuals_and_jacobian(arch, layers, x, y)
