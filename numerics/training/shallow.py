"""Batched float64 one-hidden-layer networks: residuals, Jacobian and Hessian of the loss.

The network is ``f(x) = W1 phi(W0 x + b0) + b1`` with widths ``(d, H, M)`` (spec theory.md §1,
J = 3). A batch of B problems is held as arrays with a leading axis: inputs ``X`` (B, n, d),
targets ``Y`` (B, n, M), parameter vectors ``theta`` (B, D) in the flat order of
:mod:`theory.params` (``W0`` row-major, ``b0``, ``W1`` row-major, ``b1``), D = H(d + 1 + M) + M.

Reductions are stacked ``matmul`` calls: one small product per row, the same call whatever the
batch size, so row ``i`` of every result depends only on row ``i`` of the inputs (tested:
batching never changes a number).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory.activations import get_activation


@dataclass(frozen=True)
class Shape:
    """Sizes of a one-hidden-layer problem: inputs d, hidden H, outputs M."""

    d: int
    H: int
    M: int

    @property
    def n_params(self) -> int:
        return self.H * (self.d + 1 + self.M) + self.M

    def unpack(self, theta: np.ndarray):
        """``theta`` (B, D) -> W0 (B, H, d), b0 (B, H), W1 (B, M, H), b1 (B, M)."""
        d, H, M = self.d, self.H, self.M
        B = theta.shape[0]
        p = 0
        W0 = theta[:, p:p + H * d].reshape(B, H, d); p += H * d
        b0 = theta[:, p:p + H]; p += H
        W1 = theta[:, p:p + M * H].reshape(B, M, H); p += M * H
        b1 = theta[:, p:p + M]
        return W0, b0, W1, b1


def _tanh_derivatives(Z, order: int):
    t = np.tanh(Z)
    out = [t]
    if order >= 1:
        s = 1.0 - t * t
        out.append(s)
        if order >= 2:
            out.append(-2.0 * t * s)
    return out


def _derivatives(activation: str, Z, order: int):
    """``[phi(Z), phi'(Z), ...]`` up to ``order`` in float64 (tanh shares one tanh evaluation)."""
    if activation == "tanh":
        return _tanh_derivatives(Z, order)
    act = get_activation(activation)
    return [np.asarray(act.derivative(Z, k), dtype=float) for k in range(order + 1)]


def _hidden(shape: Shape, activation: str, theta, X, order: int):
    W0, b0, W1, b1 = shape.unpack(theta)
    if shape.d == 1:
        Z = X * W0[:, None, :, 0] + b0[:, None, :]  # (B, n, H)
    else:
        Z = np.matmul(X, W0.transpose(0, 2, 1)) + b0[:, None, :]
    return _derivatives(activation, Z, order), (W0, b0, W1, b1)


def residuals(shape: Shape, activation: str, theta, X, Y) -> np.ndarray:
    """``f(x_i) - y_i`` flattened to (B, n*M) (row ``i*M + m``)."""
    (A,), (_, _, W1, b1) = _hidden(shape, activation, theta, X, 0)
    return (_outputs(A, W1, b1) - Y).reshape(theta.shape[0], -1)


def _outputs(A, W1, b1):
    """``F = A W1^T + b1`` (B, n, M); a row-wise sum for one output (cheaper than tiny matmuls)."""
    if W1.shape[1] == 1:
        return (A * W1[:, :, :]).sum(-1, keepdims=True) + b1[:, None, :]
    return np.matmul(A, W1.transpose(0, 2, 1)) + b1[:, None, :]


def sse(shape: Shape, activation: str, theta, X, Y) -> np.ndarray:
    """Squared training error ``sum_i ||f(x_i) - y_i||^2`` per problem, shape (B,)."""
    r = residuals(shape, activation, theta, X, Y)
    return (r * r).sum(-1)


def residuals_and_jacobian(shape: Shape, activation: str, theta, X, Y):
    """Residuals (B, nM) and the Jacobian ``d f(x_i)_m / d theta`` (B, nM, D)."""
    (A, P), (_, _, W1, b1) = _hidden(shape, activation, theta, X, 1)
    B, n, d = X.shape
    H, M = shape.H, shape.M
    r = (_outputs(A, W1, b1) - Y).reshape(B, n * M)
    J = np.zeros((B, n, M, shape.n_params))
    G = W1[:, None, :, :] * P[:, :, None, :]  # (B, n, M, H): d f_m / d z_h
    if d == 1:
        J[..., :H] = G * X[:, :, None, :]
    else:
        J[..., :H * d] = (G[..., None] * X[:, :, None, None, :]).reshape(B, n, M, H * d)
    p = H * d
    J[..., p:p + H] = G
    p += H
    for m in range(M):
        J[:, :, m, p + m * H:p + (m + 1) * H] = A
        J[:, :, m, p + M * H + m] = 1.0
    return r, J.reshape(B, n * M, shape.n_params)


def gradient_and_hessian(shape: Shape, activation: str, theta, X, Y):
    """Gradient (B, D) and Hessian (B, D, D) of ``L = 1/2 sum_i ||f(x_i) - y_i||^2``.

    ``H = J^T J + sum_{i,m} r_im d^2 f_im / d theta^2``; the second derivatives of a
    one-hidden-layer net are ``v phi'' x x^T`` (incoming-incoming, per unit) and ``phi' x``
    (incoming-outgoing), written out below in flat order.
    """
    (A, P, Q), (_, _, W1, _) = _hidden(shape, activation, theta, X, 2)
    r, J = residuals_and_jacobian(shape, activation, theta, X, Y)
    B, n, d = X.shape
    H, M = shape.H, shape.M
    D = shape.n_params
    g = (J * r[:, :, None]).sum(1)
    Hess = (J[:, :, :, None] * J[:, :, None, :]).sum(1)
    R = r.reshape(B, n, M)
    Xa = np.concatenate([X, np.ones((B, n, 1))], axis=-1)  # augmented inputs (B, n, d+1)
    # incoming vectors of unit h: W0[h, :] at h*d + k, b0[h] at H*d + h
    inc = [[h * d + k for k in range(d)] + [H * d + h] for h in range(H)]
    out0 = H * (d + 1)
    s = (R[:, :, :, None] * W1[:, None, :, :]).sum(2)  # (B, n, H): sum_m r_m v_mh
    curv = (s * Q)[:, :, :, None, None] * Xa[:, :, None, :, None] * Xa[:, :, None, None, :]
    curv = curv.sum(1)  # (B, H, d+1, d+1)
    cross = (R[:, :, :, None, None] * (P[:, :, None, :, None] * Xa[:, :, None, None, :])).sum(1)  # (B, M, H, d+1)
    for h in range(H):
        idx = np.array(inc[h])
        Hess[:, idx[:, None], idx[None, :]] += curv[:, h]
        for m in range(M):
            col = out0 + m * H + h
            Hess[:, idx, col] += cross[:, m, h]
            Hess[:, col, idx] += cross[:, m, h]
    assert Hess.shape == (B, D, D)
    return g, Hess
