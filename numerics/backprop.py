"""Backpropagation and its second-order (forward-over-reverse) form, written once.

The same code runs on float64 arrays and on object arrays of mpmath numbers. Every array has a
leading batch axis ``B`` of parameter sets. Tangent arrays carry a trailing axis of length ``D``:
the derivative of the quantity along each of the D flat parameter directions. Propagating those
tangents through the forward pass and through backpropagation differentiates the gradient
exactly (no finite differences), which gives the Hessian column by column in one sweep.

Forward (spec theory.md §1): ``z(l) = h(l) W[l]^T + b[l]``, ``h(l+1) = phi(z(l))``; output
``f = z(K-1)``. Backward with ``delta(K-1) = f - y``:
``dL/dW[l] = delta(l)^T h(l)``, ``dL/db[l] = sum_i delta(l)``,
``delta(l-1) = (delta(l) W[l]) * phi'(z(l-1))``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory.architecture import Architecture
from theory.params import flat_index


@dataclass(frozen=True)
class Layers:
    """Batched per-layer weights ``W[l]`` (B x r x c) and biases ``b[l]`` (B x r)."""

    W: tuple[np.ndarray, ...]
    b: tuple[np.ndarray, ...]


def unflatten(arch: Architecture, vectors: np.ndarray) -> Layers:
    """Split parameter vectors (B x D, flat order of theory.params) into batched layers."""
    vectors = np.asarray(vectors)
    B = vectors.shape[0]
    W, b, pos = [], [], 0
    for l in range(arch.n_layers):
        r, c = arch.layer_shape(l)
        W.append(vectors[:, pos:pos + r * c].reshape(B, r, c))
        pos += r * c
        if arch.bias:
            b.append(vectors[:, pos:pos + r])
            pos += r
        else:
            b.append(np.zeros((B, r), dtype=vectors.dtype) * vectors[:, :1] if vectors.dtype == object
                     else np.zeros((B, r)))
    return Layers(tuple(W), tuple(b))


def _index_maps(arch: Architecture):
    """Flat positions of W[l][r, c] (r x c int arrays) and b[l][r] (length r, or None)."""
    maps = []
    for l in range(arch.n_layers):
        r, c = arch.layer_shape(l)
        w_idx = np.array([[flat_index(arch, "W", l, i, j) for j in range(c)] for i in range(r)], dtype=int)
        b_idx = np.array([flat_index(arch, "b", l, i) for i in range(r)], dtype=int) if arch.bias else None
        maps.append((w_idx, b_idx))
    return maps


def _zeros(shape, like):
    out = np.zeros(shape, dtype=like.dtype)
    if like.dtype == object:
        out[...] = like.flat[0] * 0 if like.size else 0
    return out


def forward(arch: Architecture, layers: Layers, x: np.ndarray) -> tuple[list, list]:
    """Pre-activations ``zs[l]`` (B x n x r) and layer inputs ``hs[l]`` (B x n x c)."""
    phi = arch.phi
    B = layers.W[0].shape[0]
    h = np.broadcast_to(x, (B,) + x.shape)
    zs, hs = [], []
    for l in range(arch.n_layers):
        hs.append(h)
        z = np.einsum("bnc,brc->bnr", h, layers.W[l]) + layers.b[l][:, None, :]
        zs.append(z)
        if l < arch.n_layers - 1:
            h = phi(z)
    return zs, hs


def gradient(arch: Architecture, layers: Layers, x, y) -> np.ndarray:
    """dL/dtheta for L = sum_i 1/2 ||f(x_i) - y_i||^2; shape B x D."""
    return _sweep(arch, layers, x, y, hessian=False)[0]


def gradient_and_hessian(arch: Architecture, layers: Layers, x, y) -> tuple[np.ndarray, np.ndarray]:
    """(gradient B x D, Hessian B x D x D), both exact."""
    return _sweep(arch, layers, x, y, hessian=True)


def signals(arch: Architecture, layers: Layers, x, y) -> list[np.ndarray]:
    """Backprop signals ``delta(l) = dl_i/dz(l)`` for every weight layer l (B x n x widths[l+1])."""
    phi = arch.phi
    zs, _ = forward(arch, layers, x)
    delta = zs[-1] - y
    out = [None] * arch.n_layers
    for l in reversed(range(arch.n_layers)):
        out[l] = delta
        if l > 0:
            delta = np.einsum("bnr,brc->bnc", delta, layers.W[l]) * phi.d1(zs[l - 1])
    return out


def _sweep(arch, layers, x, y, hessian):
    phi = arch.phi
    K, D = arch.n_layers, arch.n_params
    maps = _index_maps(arch)
    zs, hs = forward(arch, layers, x)
    B, n = zs[-1].shape[0], x.shape[0]
    like = zs[-1]
    grad = _zeros((B, D), like)
    hess = _zeros((B, D, D), like) if hessian else None

    if hessian:
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
    d_delta = dzs[-1] if hessian else None
    for l in reversed(range(K)):
        r, c = arch.layer_shape(l)
        w_idx, b_idx = maps[l]
        grad[:, w_idx] = np.einsum("bnr,bnc->brc", delta, hs[l])
        if b_idx is not None:
            grad[:, b_idx] = delta.sum(axis=1)
        if hessian:
            hess[:, w_idx, :] = (np.einsum("bnrD,bnc->brcD", d_delta, hs[l])
                                 + np.einsum("bnr,bncD->brcD", delta, dhs[l]))
            if b_idx is not None:
                hess[:, b_idx, :] = d_delta.sum(axis=1)
        if l == 0:
            break
        back = np.einsum("bnr,brc->bnc", delta, layers.W[l])
        slope = phi.d1(zs[l - 1])
        if hessian:
            d_back = np.einsum("bnrD,brc->bncD", d_delta, layers.W[l])
            cols = np.arange(c)[None, :]
            d_back[:, :, cols, w_idx] += delta[:, :, :, None]  # d(delta W)[c] / d W[r, c] = delta[r]
            d_delta = d_back * slope[..., None] + (back * phi.d2(zs[l - 1]))[..., None] * dzs[l - 1]
        delta = back * slope
    return grad, hess


def jacobian(arch: Architecture, layers: Layers, x) -> np.ndarray:
    """d f_m(x_i) / d theta, shape B x (n M) x D (row i*M + m)."""
    phi = arch.phi
    K, D = arch.n_layers, arch.n_params
    maps = _index_maps(arch)
    zs, hs = forward(arch, layers, x)
    B, n, M = zs[-1].shape
    jac = _zeros((B, n, M, D), zs[-1])
    # Per-sample backprop with the output signal e_m: delta has shape B x n x M(out) x r.
    eye = _zeros((M, M), zs[-1])
    eye[np.arange(M), np.arange(M)] = eye[0, 0] + 1 if eye.dtype == object else 1.0
    delta = np.broadcast_to(eye, (B, n, M, M)).copy()
    for l in reversed(range(K)):
        w_idx, b_idx = maps[l]
        jac[:, :, :, w_idx] = np.einsum("bnmr,bnc->bnmrc", delta, hs[l])
        if b_idx is not None:
            jac[:, :, :, b_idx] = delta
        if l == 0:
            break
        delta = np.einsum("bnmr,brc->bnmc", delta, layers.W[l]) * phi.d1(zs[l - 1])[:, :, None, :]
    return jac.reshape(B, n * M, D)
