"""The forward pass and the loss, written once over object arrays.

``forward`` maps inputs ``x`` (shape ``n x d``) to outputs (shape ``n x M``):
``h(0) = x``, ``z(l+1) = h(l) W[l]^T + b[l]``, ``h(l+1) = phi(z(l+1))`` for hidden layers, and
the output layer is linear. The same code runs on sympy symbols, mpmath numbers and floats.

Loss convention (docs/network.md): ``L = sum_i 1/2 ||f(x_i) - y_i||^2`` (a sum over samples,
not a mean). Squared training error "SSE" is ``2 L = sum_i ||f(x_i) - y_i||^2``.
"""

from __future__ import annotations

import numpy as np

from theory.architecture import Architecture
from theory.errors import InvalidInput
from theory.params import Params


def as_inputs(arch: Architecture, x) -> np.ndarray:
    """Inputs as an ``n x d`` array; a 1-D array is read as n scalar inputs when d = 1."""
    arr = np.asarray(x)
    if arr.ndim == 1 and arch.input_dim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.shape[1] != arch.input_dim:
        raise InvalidInput(
            f"inputs have shape {list(arr.shape)}; the network expects n x {arch.input_dim} "
            f"(one row per sample, {arch.input_dim} input column(s))"
        )
    return arr


def pre_activations(arch: Architecture, params: Params, x) -> list[np.ndarray]:
    """``[z(1), ..., z(K)]``: the pre-activations of every layer, each ``n x widths[l+1]``.

    The last entry is the network output.
    """
    h = as_inputs(arch, x)
    phi = arch.phi
    zs = []
    for l in range(arch.n_layers):
        z = h @ params.W[l].T + params.bias_or_zero(l)
        zs.append(z)
        if l < arch.n_layers - 1:
            h = phi(z)
    return zs


def hidden_values(arch: Architecture, params: Params, x) -> list[np.ndarray]:
    """``[h(0) = x, h(1), ..., h(K-1)]``: the input and every hidden layer's outputs."""
    h = as_inputs(arch, x)
    out = [h]
    for z in pre_activations(arch, params, h)[:-1]:
        out.append(arch.phi(z))
    return out


def forward(arch: Architecture, params: Params, x) -> np.ndarray:
    """Network outputs ``f(x)``, shape ``n x M``."""
    return pre_activations(arch, params, x)[-1]


def as_targets(arch: Architecture, y, n: int) -> np.ndarray:
    """Targets ``y`` as an ``(n, M)`` array, M = ``arch.output_dim``.

    A 1-d ``y`` is read as one column when M = 1; any other shape than ``(n, M)`` raises
    :class:`theory.errors.InvalidInput`. Entries are not converted (see docs/network.md).
    """
    arr = np.asarray(y)
    if arr.ndim == 1 and arch.output_dim == 1:
        arr = arr.reshape(-1, 1)
    if arr.shape != (n, arch.output_dim):
        raise InvalidInput(
            f"targets have shape {list(arr.shape)}; expected {n} x {arch.output_dim} "
            "(one row per sample, one column per network output)"
        )
    return arr


def residuals(arch: Architecture, params: Params, x, y) -> np.ndarray:
    """``f(x_i) - y_i``, shape ``n x M``."""
    f = forward(arch, params, x)
    return f - as_targets(arch, y, f.shape[0])


def loss(arch: Architecture, params: Params, x, y):
    """``L = sum_i 1/2 ||f(x_i) - y_i||^2``."""
    r = residuals(arch, params, x, y).reshape(-1)
    return sum(r * r) / 2
