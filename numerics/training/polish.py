"""Stage 2: mixed-precision polishing (iterative refinement) of a float64 solution.

Zero error (Gauss-Newton): the residual ``r`` is computed in mpmath at ``dps + GUARD`` digits,
the Jacobian ``J`` and the minimum-norm step ``delta = -J^+ r`` in float64, and the step is added
to the mpmath parameters. The float64 step has relative error ~1e-16 * cond(J), so each step
multiplies the residual by about that factor (plus the Gauss-Newton ``O(|r|^2)`` term): from a
float64 hand-off at SSE ~1e-24 two or three steps reach SSE far below 1e-29.

Critical points (Newton on the gradient): the gradient ``g = J^T r`` is computed in mpmath, the
Hessian (:func:`shallow.gradient_and_hessian`) and the step ``-H^+ g`` in float64.

Both work on one problem at a time (Python lists of mpf and ``mpmath.fdot``).
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from numerics.precision import to_mpf, workdps
from numerics.training import shallow
from theory.activations import get_activation


@dataclass(frozen=True, eq=False)
class PolishResult:
    """Polished parameters (list of mpf, flat order), the last objective value and steps taken."""

    theta: list
    value: object
    steps: int


class _MpNet:
    """A one-hidden-layer network on fixed data, evaluated with mpmath lists."""

    def __init__(self, shape: shallow.Shape, activation: str, x, y):
        self.shape = shape
        self.act = get_activation(activation)
        self.tanh = activation == "tanh"
        self.x = [[to_mpf(v) for v in row] for row in np.asarray(x, dtype=object)]
        self.y = [[to_mpf(v) for v in row] for row in np.asarray(y, dtype=object)]
        self.xf = np.array([[float(v) for v in row] for row in self.x])[None]
        self.yf = np.array([[float(v) for v in row] for row in self.y])[None]

    def _split(self, theta):
        d, H, M = self.shape.d, self.shape.H, self.shape.M
        W0 = [theta[h * d:(h + 1) * d] for h in range(H)]
        b0 = theta[H * d:H * d + H]
        p = H * (d + 1)
        W1 = [theta[p + m * H:p + (m + 1) * H] for m in range(M)]
        b1 = theta[p + M * H:p + M * H + M]
        return W0, b0, W1, b1

    def _z(self, theta):
        W0, b0, W1, b1 = self._split(theta)
        Z = [[mpmath.fdot(W0[h], xi) + b0[h] for h in range(self.shape.H)] for xi in self.x]
        return Z, W1, b1

    def _phi(self, z, order=0):
        if self.tanh and order == 0:
            return mpmath.tanh(z)
        return self.act.derivative(z, order)

    def residuals(self, theta) -> list:
        """``f(x_i)_m - y_im`` in row order ``i*M + m`` (mpf)."""
        Z, W1, b1 = self._z(theta)
        out = []
        for zi, yi in zip(Z, self.y):
            a = [self._phi(z) for z in zi]
            out.extend(mpmath.fdot(W1[m], a) + b1[m] - yi[m] for m in range(self.shape.M))
        return out

    def gradient(self, theta) -> list:
        """``grad L``, ``L = 1/2 sum r^2``, in flat order (mpf)."""
        d, H, M = self.shape.d, self.shape.H, self.shape.M
        Z, W1, b1 = self._z(theta)
        gW0 = [[mpmath.mpf(0)] * d for _ in range(H)]
        gb0 = [mpmath.mpf(0)] * H
        gW1 = [[mpmath.mpf(0)] * H for _ in range(M)]
        gb1 = [mpmath.mpf(0)] * M
        for zi, xi, yi in zip(Z, self.x, self.y):
            a = [self._phi(z) for z in zi]
            p = [self._phi(z, 1) for z in zi]
            r = [mpmath.fdot(W1[m], a) + b1[m] - yi[m] for m in range(M)]
            for h in range(H):
                s = mpmath.fdot([W1[m][h] for m in range(M)], r) * p[h]
                gb0[h] += s
                for k in range(d):
                    gW0[h][k] += s * xi[k]
            for m in range(M):
                gb1[m] += r[m]
                for h in range(H):
                    gW1[m][h] += r[m] * a[h]
        return [v for row in gW0 for v in row] + gb0 + [v for row in gW1 for v in row] + gb1


def gauss_newton(shape: shallow.Shape, activation: str, theta0, x, y, dps: int, stop_sse,
                 max_steps: int = 12) -> PolishResult:
    """Polish toward zero error; stops below ``stop_sse`` or when a step gains less than 10x."""
    with workdps(dps):
        net = _MpNet(shape, activation, x, y)
        theta = [to_mpf(v) for v in theta0]
        r = net.residuals(theta)
        err = mpmath.fsum(v * v for v in r)
        steps = 0
        while steps < max_steps and err >= stop_sse:
            tf = np.array([float(v) for v in theta])[None]
            _, J = shallow.residuals_and_jacobian(shape, activation, tf, net.xf, net.yf)
            rf = np.array([float(v) for v in r])
            if not (np.all(np.isfinite(J)) and np.all(np.isfinite(rf))):
                break
            delta = np.linalg.lstsq(J[0], -rf, rcond=None)[0]
            trial = [t + mpmath.mpf(float(s)) for t, s in zip(theta, delta)]
            r_new = net.residuals(trial)
            err_new = mpmath.fsum(v * v for v in r_new)
            steps += 1
            if not err_new < err / 10:
                if err_new < err:
                    theta, r, err = trial, r_new, err_new
                break
            theta, r, err = trial, r_new, err_new
        return PolishResult(theta, err, steps)


def newton_gradient(shape: shallow.Shape, activation: str, theta0, x, y, dps: int, stop_norm,
                    max_steps: int = 40) -> PolishResult:
    """Newton on ``grad L = 0`` with the gradient in mpmath and the (pseudo-)inverse Hessian in
    float64, damped by backtracking (step fractions 1, 1/2, ..., 1/64; a step is taken when it
    lowers ``||grad L||``); stops when ``||grad L|| < stop_norm`` or no fraction helps."""
    with workdps(dps):
        net = _MpNet(shape, activation, x, y)
        theta = [to_mpf(v) for v in theta0]
        g = net.gradient(theta)
        gn = mpmath.sqrt(mpmath.fsum(v * v for v in g))
        steps = 0
        while steps < max_steps and gn >= stop_norm:
            tf = np.array([float(v) for v in theta])[None]
            _, Hs = shallow.gradient_and_hessian(shape, activation, tf, net.xf, net.yf)
            gf = np.array([float(v) for v in g])
            if not (np.all(np.isfinite(Hs)) and np.all(np.isfinite(gf))):
                break
            delta = np.linalg.lstsq(Hs[0], -gf, rcond=None)[0]
            steps += 1
            for k in range(7):
                trial = [t + mpmath.mpf(float(s) / 2 ** k) for t, s in zip(theta, delta)]
                g_new = net.gradient(trial)
                gn_new = mpmath.sqrt(mpmath.fsum(v * v for v in g_new))
                if gn_new < gn:
                    break
            else:
                break
            theta, g, gn = trial, g_new, gn_new
        return PolishResult(theta, gn, steps)
