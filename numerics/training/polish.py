"""Stage 2: mixed-precision polishing (iterative refinement) of a float64 solution.

Zero error (Gauss-Newton): the residual ``r`` is computed in mpmath at ``dps + GUARD`` digits,
the Jacobian ``J`` and the minimum-norm step ``delta = -J^+ r`` in float64, and the step is added
to the mpmath parameters. The float64 step has relative error ~1e-16 * cond(J), so each step
multiplies the residual by about that factor (plus the Gauss-Newton ``O(|r|^2)`` term): from a
float64 hand-off at SSE ~1e-24 two or three steps reach SSE far below 1e-29.

Critical points (Newton on the gradient): the gradient ``g = J^T r`` is computed in mpmath, the
Hessian and the step ``-H^+ g`` in float64.

Every evaluation, in either number world, is :mod:`numerics.backprop` on one row: any depth, any
activation of :mod:`theory.activations`. See ``docs/training.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from numerics import backprop
from numerics.precision import to_mp_array, workdps
from theory.architecture import Architecture


@dataclass(frozen=True, eq=False)
class PolishResult:
    """Polished parameters (list of mpf, flat order), the last objective value and steps taken."""

    theta: list
    value: object
    steps: int


class _Problem:
    """One data set in both number worlds: mpmath at the caller's precision, and float64."""

    def __init__(self, arch: Architecture, x, y):
        self.arch = arch
        self.x = to_mp_array(np.asarray(x, dtype=object).reshape(-1, arch.input_dim))
        self.y = to_mp_array(np.asarray(y, dtype=object).reshape(-1, arch.output_dim))
        self.xf = np.array(self.x, dtype=float)
        self.yf = np.array(self.y, dtype=float)

    def residuals(self, theta: np.ndarray) -> np.ndarray:
        """``f(x_i)_m - y_im`` (mpf) in row order ``i*M + m``."""
        return backprop.residuals(self.arch, backprop.layers(self.arch, theta[None]), self.x, self.y)[0]

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        """``grad L``, ``L = 1/2 sum r^2``, in flat order (mpf)."""
        return backprop.gradient(self.arch, backprop.layers(self.arch, theta[None]), self.x, self.y)[0]

    def float_layers(self, theta: np.ndarray):
        return backprop.layers(self.arch, np.array(theta, dtype=float)[None])


def _sum_squares(values):
    return mpmath.fsum(v * v for v in values)


def _as_mp_step(delta) -> np.ndarray:
    return np.array([mpmath.mpf(float(s)) for s in delta], dtype=object)


def gauss_newton(arch: Architecture, theta0, x, y, dps: int, stop_sse, max_steps: int = 12) -> PolishResult:
    """Polish toward zero error; stops below ``stop_sse`` or when a step gains less than 10x.

    Arguments:
        arch: the architecture (any depth).
        theta0: the starting point (flat order; floats, decimal strings or mpf).
        x, y: the data (n x d, n x M; read exactly at ``dps``).
        dps: working digits of the residual (plus the guard digits of ``workdps``).
        stop_sse: stop once the squared error is below this value.
    """
    with workdps(dps):
        prob = _Problem(arch, x, y)
        theta = to_mp_array(theta0)
        r = prob.residuals(theta)
        err = _sum_squares(r)
        steps = 0
        while steps < max_steps and err >= stop_sse:
            J = backprop.jacobian(arch, prob.float_layers(theta), prob.xf)[0]
            rf = np.array(r, dtype=float)
            if not (np.all(np.isfinite(J)) and np.all(np.isfinite(rf))):
                break
            delta = np.linalg.lstsq(J, -rf, rcond=None)[0]
            trial = theta + _as_mp_step(delta)
            r_new = prob.residuals(trial)
            err_new = _sum_squares(r_new)
            steps += 1
            if not err_new < err / 10:
                if err_new < err:
                    theta, r, err = trial, r_new, err_new
                break
            theta, r, err = trial, r_new, err_new
        return PolishResult(list(theta), err, steps)


def newton_gradient(arch: Architecture, theta0, x, y, dps: int, stop_norm, max_steps: int = 40) -> PolishResult:
    """Newton on ``grad L = 0`` with the gradient in mpmath and the (pseudo-)inverse Hessian in
    float64, damped by backtracking (step fractions 1, 1/2, ..., 1/64; a step is taken when it
    lowers ``||grad L||``); stops when ``||grad L|| < stop_norm`` or no fraction helps.
    Arguments as :func:`gauss_newton`."""
    with workdps(dps):
        prob = _Problem(arch, x, y)
        theta = to_mp_array(theta0)
        g = prob.gradient(theta)
        gn = mpmath.sqrt(_sum_squares(g))
        steps = 0
        while steps < max_steps and gn >= stop_norm:
            _, Hs = backprop.gradient_and_hessian(arch, prob.float_layers(theta), prob.xf, prob.yf)
            gf = np.array(g, dtype=float)
            if not (np.all(np.isfinite(Hs)) and np.all(np.isfinite(gf))):
                break
            delta = np.linalg.lstsq(Hs[0], -gf, rcond=None)[0]
            steps += 1
            for k in range(7):
                trial = theta + _as_mp_step(delta / 2 ** k)
                g_new = prob.gradient(trial)
                gn_new = mpmath.sqrt(_sum_squares(g_new))
                if gn_new < gn:
                    break
            else:
                break
            theta, g, gn = trial, g_new, gn_new
        return PolishResult(list(theta), gn, steps)
