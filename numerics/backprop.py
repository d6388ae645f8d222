"""Backpropagation and its second-order (forward-over-reverse) form, written once.

The same code runs on float64 arrays and on object arrays of mpmath numbers (or any number type
the activation accepts). Every array has a leading batch axis ``B`` of parameter sets; the data
are either shared by the whole batch (``x`` of shape n x d, ``y`` n x M) or given per row
(``x`` of shape B x n x d, ``y`` B x n x M), so that one call evaluates B different problems.
Row ``b`` of every result depends only on row ``b`` of the inputs.

Tangent arrays carry a trailing axis of length ``D``: the derivative of the quantity along each
of the D flat parameter directions. Propagating those tangents through the forward pass and
through backpropagation differentiates the gradient exactly (no finite differences), which gives
the Hessian column by column in one sweep.

Formulas (``docs/network.md``): ``z(l) = h(l) W[l]^T + b[l]``, ``h(l+1) = phi(z(l))``, output
``f = z(K-1)``. Backward with ``delta(K-1) = f - y``: ``dL/dW[l] = delta(l)^T h(l)``,
``dL/db[l] = sum_i delta(l)``, ``delta(l-1) = (delta(l) W[l]) * phi'(z(l-1))``. Parameter vectors
are split and joined only by :func:`theory.params.unflatten` / :func:`theory.params.flatten`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory.architecture import Architecture
from theory.params import flatten, positions, unflatten


@dataclass(frozen=True)
class Layers:
    """Batched per-layer weights ``W[l]`` (B x r x c) and biases ``b[l]`` (B x r; None without bias)."""

    W: tuple[np.ndarray, ...]
    b: tuple[np.ndarray, ...] | None


def layers(arch: Architecture, vectors: np.ndarray) -> Layers:
    """Parameter vectors (B x D, flat order of ``docs/network.md``) as batched layers."""
    W, b = unflatten(arch, np.asarray(vectors))
    return Layers(tuple(W), None if b is None else tuple(b))


def _zeros(shape, like):
    out = np.zeros(shape, dtype=like.dtype)
    if like.dtype == object:
        out[...] = like.flat[0] * 0 if like.size else 0
    return out


def _batch(x, B):
    """Inputs as B x n x d (a view when shared by the batch)."""
    return x if x.ndim == 3 else np.broadcast_to(x, (B,) + x.shape)


def forward(arch: Architecture, layers: Layers, x: np.ndarray, phi=None) -> tuple[list, list]:
    """Pre-activations ``zs[l]`` (B x n x r) and layer inputs ``hs[l]`` (B x n x c).

    ``x``: n x d (shared by the batch) or B x n x d (one data set per row). ``phi``: the
    activation to apply (default ``arch.phi``); any object with ``phi(z)``, ``phi.d1(z)`` and
    ``phi.d2(z)`` on arrays of the number type in use (e.g. balls, :mod:`numerics.training.arb`)."""
    phi = arch.phi if phi is None else phi
    h = _batch(x, layers.W[0].shape[0])
    zs, hs = [], []
    last = len(layers.W) - 1
    for l, W in enumerate(layers.W):
        hs.append(h)
        z = np.matmul(h, W.transpose(0, 2, 1))
        if layers.b is not None:
            z = z + layers.b[l][:, None, :]
        zs.append(z)
        if l < last:
            h = phi(z)
    return zs, hs


def outputs(arch: Architecture, layers: Layers, x: np.ndarray, phi=None) -> np.ndarray:
    """Network outputs ``f(x_i)``, B x n x M."""
    return forward(arch, layers, x, phi)[0][-1]


def residuals(arch: Architecture, layers: Layers, x, y, phi=None) -> np.ndarray:
    """``f(x_i) - y_i`` flattened per row to B x (n M) (entry ``i*M + m``)."""
    r = outputs(arch, layers, x, phi) - y
    return r.reshape(r.shape[0], -1)


def gradient(arch: Architecture, layers: Layers, x, y, phi=None) -> np.ndarray:
    """dL/dtheta for L = sum_i 1/2 ||f(x_i) - y_i||^2; shape B x D."""
    return _sweep(arch, layers, x, y, hessian=False, phi=phi)[0]


def gradient_and_hessian(arch: Architecture, layers: Layers, x, y, forward_values=None) -> tuple[np.ndarray, np.ndarray]:
    """(gradient B x D, Hessian B x D x D), both exact. ``forward_values``: the (zs, hs) of
    :func:`forward` at these layers and inputs when already computed (not recomputed then)."""
    return _sweep(arch, layers, x, y, hessian=True, forward_values=forward_values)


def signals(arch: Architecture, layers: Layers, x, y) -> list[np.ndarray]:
    """Backprop signals ``delta(l) = dl_i/dz(l)`` for every weight layer l (B x n x widths[l+1])."""
    zs, hs = forward(arch, layers, x)
    return backward(arch, layers, zs, hs, y)[0]


def backward(arch: Architecture, layers: Layers, zs, hs, y, phi=None) -> tuple[list, np.ndarray]:
    """(signals ``delta(l)`` per weight layer, B x n x widths[l+1]; gradient B x D) from the
    forward values ``zs, hs`` of :func:`forward`: one backward pass (module docstring)."""
    phi = arch.phi if phi is None else phi
    K = arch.n_layers
    delta = zs[-1] - y
    deltas, gW, gb = [None] * K, [None] * K, [None] * K
    for l in reversed(range(K)):
        deltas[l] = delta
        gW[l] = np.matmul(delta.transpose(0, 2, 1), hs[l])
        gb[l] = delta.sum(axis=1)
        if l > 0:
            delta = np.matmul(delta, layers.W[l]) * phi.d1(zs[l - 1])
    return deltas, flatten(gW, gb if arch.bias else None)


def _sweep(arch, layers, x, y, hessian, phi=None, forward_values=None):
    phi = arch.phi if phi is None else phi
    K, D = arch.n_layers, arch.n_params
    maps = positions(arch)
    zs, hs = forward(arch, layers, x, phi) if forward_values is None else forward_values
    if not hessian:
        return backward(arch, layers, zs, hs, y, phi)[1], None
    B, n = zs[-1].shape[0], zs[-1].shape[1]
    like = zs[-1]
    gW, gb = [None] * K, [None] * K
    hW, hb = [None] * K, [None] * K

    # Tangents of every pre-activation along every parameter direction: B x n x r x D.
    dzs, dhs = [], []
    dh = _zeros((B, n, arch.widths[0], D), like)
    for l in range(K):
        dhs.append(dh)
        r, c = arch.layer_shape(l)
        w_idx, b_idx = maps[l]
        dz = np.einsum("bncD,brc->bnrD", dh, layers.W[l])
        rows = np.arange(r)[:, None]
        dz[:, :, rows, w_idx] += hs[l][:, :, None, :]  # d z[r] / d W[r, c] = h[c]
        if b_idx is not None:
            dz[:, :, np.arange(r), b_idx] += 1
        dzs.append(dz)
        if l < K - 1:
            dh = phi.d1(zs[l])[..., None] * dz

    delta = zs[-1] - y
    d_delta = dzs[-1]
    for l in reversed(range(K)):
        r, c = arch.layer_shape(l)
        w_idx, _ = maps[l]
        gW[l] = np.matmul(delta.transpose(0, 2, 1), hs[l])
        gb[l] = delta.sum(axis=1)
        # parameter axis first so that flatten() joins the row blocks: B x D x r x c
        hW[l] = (np.einsum("bnrD,bnc->bDrc", d_delta, hs[l])
                 + np.einsum("bnr,bncD->bDrc", delta, dhs[l]))
        hb[l] = d_delta.sum(axis=1).transpose(0, 2, 1)
        if l == 0:
            break
        back = np.matmul(delta, layers.W[l])
        slope = phi.d1(zs[l - 1])
        d_back = np.einsum("bnrD,brc->bncD", d_delta, layers.W[l])
        cols = np.arange(c)[None, :]
        d_back[:, :, cols, w_idx] += delta[:, :, :, None]  # d(delta W)[c] / d W[r, c] = delta[r]
        d_delta = d_back * slope[..., None] + (back * phi.d2(zs[l - 1]))[..., None] * dzs[l - 1]
        delta = back * slope
    bias = arch.bias
    return flatten(gW, gb if bias else None), flatten(hW, hb if bias else None).transpose(0, 2, 1)


def jacobian(arch: Architecture, layers: Layers, x) -> np.ndarray:
    """d f_m(x_i) / d theta, shape B x (n M) x D (row i*M + m)."""
    zs, hs = forward(arch, layers, x)
    return _jacobian(arch, layers, zs, hs)


def residuals_and_jacobian(arch: Architecture, layers: Layers, x, y) -> tuple[np.ndarray, np.ndarray]:
    """(:func:`residuals` B x nM, :func:`jacobian` B x nM x D) from one forward pass."""
    zs, hs = forward(arch, layers, x)
    r = zs[-1] - y
    return r.reshape(r.shape[0], -1), _jacobian(arch, layers, zs, hs)


def jacobian_of_forward(arch: Architecture, layers: Layers, zs: list, hs: list) -> np.ndarray:
    """:func:`jacobian` from a forward pass already made (``zs, hs`` of :func:`forward` at ``layers``)."""
    return _jacobian(arch, layers, zs, hs)


def _jacobian(arch, layers, zs, hs):
    phi = arch.phi
    K = arch.n_layers
    B, n, M = zs[-1].shape
    # Per-sample backprop with the output signal e_m: delta has shape B x n x M(out) x r.
    eye = _zeros((M, M), zs[-1])
    eye[np.arange(M), np.arange(M)] = eye[0, 0] + 1 if eye.dtype == object else 1.0
    delta = np.broadcast_to(eye, (B, n, M, M))
    JW, Jb = [None] * K, [None] * K
    for l in reversed(range(K)):
        JW[l] = delta[..., :, None] * hs[l][:, :, None, None, :]
        Jb[l] = delta
        if l == 0:
            break
        # at the output layer delta is the identity and delta W[l] is W[l] itself
        back = layers.W[l][:, None] if l == K - 1 else np.matmul(delta, layers.W[l][:, None])
        delta = back * phi.d1(zs[l - 1])[:, :, None, :]
    jac = flatten(JW, Jb if arch.bias else None)
    return jac.reshape(B, n * M, arch.n_params)
