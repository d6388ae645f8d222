"""The network in ball arithmetic: loss, gradient, Jacobian and Hessian over a box of parameters.

A box is a list of ``arb`` balls theta_k = mid_k +- rad_k in the flat order of
:mod:`theory.params` (the one unflatten, ``Params.from_vector``). :func:`evaluate` returns balls
that contain the true loss, gradient and Hessian of L = sum_i 1/2 ||f(x_i) - y_i||^2 for EVERY
parameter vector in the box and every datum in its ball (docs/certified.md "Balls").

The sweep is written at matrix level with python-flint ``arb_mat`` (docs/certified.md "Speed"):
forward ``Z_l = H_l W_l^T + 1 b_l^T``, backward ``delta_{l-1} = (delta_l W_l) * phi'(Z_{l-1})``,
and, for the Hessian, the forward-over-reverse tangents of every pre-activation and signal along
all D parameter directions, kept per unit as n x D matrices (unit j of layer l: the derivative of
``Z_l[:, j]``). The Hessian rows are then
    d^2 L / dW_l[j,c] dtheta = h_l[:, c]^T Ddelta_l[j] + delta_l[:, j]^T Dh_l[c],
    d^2 L / db_l[j] dtheta = 1^T Ddelta_l[j],
the derivative of the backpropagated gradient (``Ddelta`` of the output layer is the output
Jacobian, since delta = f - y).
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np
from flint import arb, arb_mat, fmpq

from numerics.ball_functions import SignUndecided, ball_activation
from theory.architecture import Architecture
from theory.errors import InvalidInput
from theory.params import Params, flat_index, map_array


def to_ball(value, rad=None) -> arb:
    """A ball containing ``value``: decimal strings as arb reads them (exact when the decimal is
    exact in binary, else with the rounding radius), mpf / int / Fraction / float exactly (up to
    the working precision's rounding, which the radius records). ``rad`` widens it by +- rad.

    >>> to_ball("0.5").rad() == 0
    True
    """
    if isinstance(value, arb):
        b = value
    elif isinstance(value, str):
        try:
            b = arb(value.strip())
        except (ValueError, TypeError):
            raise InvalidInput(f"{value!r} is not a decimal number") from None
    elif isinstance(value, mpmath.mpf):
        sign, man, exp, _ = value._mpf_
        if not man and exp:  # inf / nan
            raise InvalidInput(f"{value} is not a finite number")
        b = arb((int(-man if sign else man), int(exp)))
    elif isinstance(value, (int, np.integer)):
        b = arb(int(value))
    elif isinstance(value, fmpq):
        b = arb(value)
    elif hasattr(value, "numerator") and hasattr(value, "denominator"):
        b = arb(fmpq(int(value.numerator), int(value.denominator)))
    elif isinstance(value, (float, np.floating)):
        b = arb(float(value))
    else:
        raise InvalidInput(f"cannot make a ball from {type(value).__name__} {value!r}")
    if rad is not None:
        b = b + arb(0, 1) * to_ball(rad).abs_upper()
    return b


def to_balls(values) -> np.ndarray:
    """Object array of balls of the same shape (:func:`to_ball` on each entry)."""
    return map_array(to_ball, values)


def box(mid, rad) -> list:
    """The box mid_k +- rad_k (lists of decimal strings or numbers; ``rad`` may be one number)."""
    mid = list(mid)
    rads = list(rad) if isinstance(rad, (list, tuple, np.ndarray)) else [rad] * len(mid)
    if len(rads) != len(mid):
        raise InvalidInput(f"the box has {len(mid)} centres and {len(rads)} radii")
    return [to_ball(m, r) for m, r in zip(mid, rads)]


@dataclass(frozen=True, eq=False)
class BallEvaluation:
    """Enclosures over a box: ``loss`` (arb), ``gradient`` (list of D arb), ``residuals`` (n x M
    arb_mat), ``jacobian`` (list of M n x D arb_mat: d f_m(x_i) / d theta) and ``hessian``
    (D x D arb_mat) when asked for."""

    loss: arb
    gradient: list
    residuals: arb_mat
    jacobian: list | None = None
    hessian: arb_mat | None = None


def _mat(rows) -> arb_mat:
    rows = [list(r) for r in rows]
    return arb_mat(rows) if rows and rows[0] else arb_mat(len(rows), 0)


def _activate(arch, Z, layer):
    """(phi(Z), phi'(Z), phi''(Z)) entrywise; refuses a ReLU ball that straddles the kink."""
    fn = ball_activation(arch.activation)
    n, r = Z.nrows(), Z.ncols()
    P, D1, D2 = arb_mat(n, r), arb_mat(n, r), arb_mat(n, r)
    for i in range(n):
        for j in range(r):
            try:
                P[i, j], D1[i, j], D2[i, j] = fn(Z[i, j])
            except SignUndecided as exc:
                raise SignUndecided(f"datum {i}, layer {layer} unit {j}: {exc}") from None
    return P, D1, D2


def _diag(values) -> arb_mat:
    n = len(values)
    M = arb_mat(n, n)
    for i, v in enumerate(values):
        M[i, i] = v
    return M


def _column(M, j):
    return [M[i, j] for i in range(M.nrows())]


def pre_activations(arch: Architecture, theta, x) -> list:
    """Enclosures of every hidden layer's pre-activations over the box (n x H_l arb_mat each).

    Raises SignUndecided where a ReLU pre-activation of an earlier layer straddles the kink."""
    theta = [to_ball(t) for t in theta]
    p = Params.from_vector(arch, np.array(theta, dtype=object))
    H = _mat(to_balls(np.asarray(x, dtype=object).reshape(-1, arch.input_dim)))
    ones = arb_mat([[1]] * H.nrows())
    out = []
    for l in range(arch.n_layers - 1):
        Z = H * _mat(p.W[l]).transpose()
        if arch.bias:
            Z = Z + ones * _mat([list(p.b[l])])
        out.append(Z)
        H = _activate(arch, Z, l)[0]
    return out


def evaluate(arch: Architecture, theta, x, y, *, hessian: bool = True, jacobian: bool = False) -> BallEvaluation:
    """Loss, gradient (and Hessian, output Jacobian) enclosures over the box ``theta``.

    Arguments:
        arch: the architecture.
        theta: D balls (or anything :func:`to_ball` takes) in the flat order of theory.params.
        x, y: n x d inputs and n x M targets (balls, decimal strings or exact numbers).
        hessian, jacobian: whether to compute the D x D Hessian / the output Jacobian.
    Returns:
        BallEvaluation; every enclosure holds for every point of the box (module docstring).
    Precision: python-flint's ``ctx.prec`` (scope it with ``ball_precision``).
    Raises:
        SignUndecided: a ReLU pre-activation ball contains 0 (a datum may sit on a kink).
    """
    theta = [to_ball(t) for t in theta]
    p = Params.from_vector(arch, np.array(theta, dtype=object))
    xs = to_balls(np.asarray(x, dtype=object).reshape(-1, arch.input_dim))
    ys = to_balls(np.asarray(y, dtype=object).reshape(-1, arch.output_dim))
    n, K, D = xs.shape[0], arch.n_layers, arch.n_params
    ones = arb_mat([[1]] * n)
    Ws = [_mat(p.W[l]) for l in range(K)]
    bs = [_mat([list(p.bias_or_zero(l))]) if arch.bias else None for l in range(K)]
    Hs, Zs, D1s, D2s = [_mat(xs)], [], [], []
    for l in range(K):
        Z = Hs[l] * Ws[l].transpose()
        if bs[l] is not None:
            Z = Z + ones * bs[l]
        Zs.append(Z)
        if l < K - 1:
            P, D1, D2 = _activate(arch, Z, l)
            Hs.append(P)
            D1s.append(D1)
            D2s.append(D2)
    R = Zs[-1] - _mat(ys)
    loss = sum((R[i, m] ** 2 for i in range(n) for m in range(arch.output_dim)), arb(0)) / 2

    # backward: signals delta_l (n x widths[l+1]) and S_l = delta_l W_l (n x widths[l])
    deltas, Ss = [None] * K, [None] * K
    delta = R
    for l in reversed(range(K)):
        deltas[l] = delta
        if l > 0:
            Ss[l] = delta * Ws[l]
            delta = _hadamard(Ss[l], D1s[l - 1])
    grad = [arb(0)] * D
    for l in range(K):
        r, c = arch.layer_shape(l)
        G = deltas[l].transpose() * Hs[l]
        for j in range(r):
            for k in range(c):
                grad[flat_index(arch, "W", l, j, k)] = G[j, k]
            if arch.bias:
                grad[flat_index(arch, "b", l, j)] = sum(_column(deltas[l], j), arb(0))
    if not (hessian or jacobian):
        return BallEvaluation(loss, grad, R)

    # forward tangents: Dz[l][j] = d Z_l[:, j] / d theta (n x D); Dh[l][c] = d H_l[:, c] / d theta
    Dz, Dh = [None] * K, [None] * K
    for l in range(K):
        r, c = arch.layer_shape(l)
        units = []
        for j in range(r):
            T = arb_mat(n, D)
            if l > 0:
                for k in range(c):
                    T = T + Ws[l][j, k] * Dh[l][k]
            for k in range(c):
                col = flat_index(arch, "W", l, j, k)
                for i in range(n):
                    T[i, col] = T[i, col] + Hs[l][i, k]
            if arch.bias:
                col = flat_index(arch, "b", l, j)
                for i in range(n):
                    T[i, col] = T[i, col] + 1
            units.append(T)
        Dz[l] = units
        if l < K - 1:
            Dh[l + 1] = [_diag(_column(D1s[l], j)) * units[j] for j in range(r)]
    jac = Dz[K - 1]
    if not hessian:
        return BallEvaluation(loss, grad, R, jac)

    # backward tangents: Ddelta[l][j] = d delta_l[:, j] / d theta
    Ddelta = [None] * K
    Ddelta[K - 1] = list(jac)
    for l in reversed(range(1, K)):
        r, c = arch.layer_shape(l)
        prev = []
        for k in range(c):
            T = arb_mat(n, D)
            for j in range(r):
                T = T + Ws[l][j, k] * Ddelta[l][j]
                col = flat_index(arch, "W", l, j, k)
                for i in range(n):
                    T[i, col] = T[i, col] + deltas[l][i, j]
            curv = [D2s[l - 1][i, k] * Ss[l][i, k] for i in range(n)]
            prev.append(_diag(_column(D1s[l - 1], k)) * T + _diag(curv) * Dz[l - 1][k])
        Ddelta[l - 1] = prev

    Hm = arb_mat(D, D)
    for l in range(K):
        r, c = arch.layer_shape(l)
        Ht = Hs[l].transpose()
        dT = deltas[l].transpose()
        second = [dT * Dh[l][k] for k in range(c)] if l > 0 else None  # r x D each
        for j in range(r):
            rows = Ht * Ddelta[l][j]  # c x D
            for k in range(c):
                a = flat_index(arch, "W", l, j, k)
                for b in range(D):
                    v = rows[k, b]
                    if second is not None:
                        v = v + second[k][j, b]
                    Hm[a, b] = v
            if arch.bias:
                a = flat_index(arch, "b", l, j)
                row = ones.transpose() * Ddelta[l][j]
                for b in range(D):
                    Hm[a, b] = row[0, b]
    return BallEvaluation(loss, grad, R, jac, Hm)


def _hadamard(A, B) -> arb_mat:
    n, m = A.nrows(), A.ncols()
    out = arb_mat(n, m)
    for i in range(n):
        for j in range(m):
            out[i, j] = A[i, j] * B[i, j]
    return out


def contains(ball: arb, value) -> bool:
    """Whether ``ball`` contains the exact number ``value`` (mpf, int, decimal string read exactly)."""
    return bool(ball.contains(to_ball(value)))
