"""Evaluation at any precision with mpmath: forward, loss, gradient, Hessian, Jacobian, signals.

Every function takes ``dps`` and works at ``dps + GUARD`` digits inside a scoped context;
inputs may be floats, decimal strings or mpmath numbers (read exactly) and results are mpmath
numbers. Derivatives are exact: backpropagation for the gradient, its forward-over-reverse form
for the Hessian (:mod:`numerics.backprop`). The loss is ``L = sum_i 1/2 ||f(x_i) - y_i||^2``.
"""

from __future__ import annotations

import mpmath
import numpy as np

from numerics import backprop
from numerics.precision import to_mp_array, workdps
from theory.architecture import Architecture
from theory.network import as_inputs, as_targets
from theory.params import Params


def mp_data(arch: Architecture, x, y=None):
    """(inputs n x d, targets n x M or None) as object arrays of mpf (call inside ``workdps``)."""
    xs = to_mp_array(as_inputs(arch, np.asarray(x, dtype=object)))
    ys = None if y is None else to_mp_array(as_targets(arch, np.asarray(y, dtype=object), xs.shape[0]))
    return xs, ys


def _prepare(arch: Architecture, params: Params, x, y=None):
    vec = to_mp_array(params.to_vector()).reshape(1, -1)
    return (backprop.layers(arch, vec),) + mp_data(arch, x, y)


def sum_of_squares(values):
    """sum_k v_k^2 of an object array of mpf, summed exactly (mpmath.fsum)."""
    return mpmath.fsum(v * v for v in np.asarray(values, dtype=object).reshape(-1))


def forward(arch: Architecture, params: Params, x, dps: int = 50) -> np.ndarray:
    """Outputs f(x), n x M object array of mpf."""
    with workdps(dps):
        layers, xs, _ = _prepare(arch, params, x)
        return backprop.forward(arch, layers, xs)[0][-1][0]


def residuals(arch: Architecture, params: Params, x, y, dps: int = 50) -> np.ndarray:
    """f(x_i) - y_i, n x M."""
    with workdps(dps):
        layers, xs, ys = _prepare(arch, params, x, y)
        return backprop.forward(arch, layers, xs)[0][-1][0] - ys


def loss(arch: Architecture, params: Params, x, y, dps: int = 50):
    """L = sum_i 1/2 ||f(x_i) - y_i||^2 as an mpf."""
    with workdps(dps):
        return sum_of_squares(residuals(arch, params, x, y, dps)) / 2


def sse(arch: Architecture, params: Params, x, y, dps: int = 50):
    """Squared training error sum_i ||f(x_i) - y_i||^2 = 2 L."""
    with workdps(dps):
        return 2 * loss(arch, params, x, y, dps)


def gradient(arch: Architecture, params: Params, x, y, dps: int = 50) -> np.ndarray:
    """Exact gradient (D,) in the flat order of theory.params."""
    with workdps(dps):
        layers, xs, ys = _prepare(arch, params, x, y)
        return backprop.gradient(arch, layers, xs, ys)[0]


def gradient_and_hessian(arch: Architecture, params: Params, x, y, dps: int = 50):
    """(gradient (D,), Hessian (D, D)), both exact."""
    with workdps(dps):
        layers, xs, ys = _prepare(arch, params, x, y)
        g, h = backprop.gradient_and_hessian(arch, layers, xs, ys)
        return g[0], h[0]


def hessian(arch: Architecture, params: Params, x, y, dps: int = 50) -> np.ndarray:
    """Exact Hessian (D, D)."""
    return gradient_and_hessian(arch, params, x, y, dps)[1]


def jacobian(arch: Architecture, params: Params, x, dps: int = 50) -> np.ndarray:
    """Output Jacobian (n M, D); row i*M + m is d f_m(x_i) / d theta."""
    with workdps(dps):
        layers, xs, _ = _prepare(arch, params, x)
        return backprop.jacobian(arch, layers, xs)[0]


def signals(arch: Architecture, params: Params, x, y, dps: int = 50) -> list[np.ndarray]:
    """Backprop signals delta for every weight layer l: n x widths[l+1]; the last is f - y."""
    with workdps(dps):
        layers, xs, ys = _prepare(arch, params, x, y)
        return [s[0] for s in backprop.signals(arch, layers, xs, ys)]


def norm(vector) -> mpmath.mpf:
    """Euclidean norm of an object vector of mpf (at the caller's precision)."""
    return mpmath.sqrt(sum_of_squares(vector))
