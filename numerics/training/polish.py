"""Stage 2: mixed-precision polishing (iterative refinement) of a float64 solution.

Zero error (Gauss-Newton): the residual ``r`` is computed at ``dps`` digits plus guard digits,
the Jacobian ``J`` and the minimum-norm step ``delta = -J^+ r`` in float64, and the step is added
to the mpmath parameters. The float64 step has relative error ~1e-16 * cond(J), so each step
multiplies the residual by about that factor (plus the Gauss-Newton ``O(|r|^2)`` term): from a
float64 hand-off at SSE ~1e-24 two or three steps reach SSE far below 1e-29.

Critical points (Newton on the gradient, :func:`newton_gradient`, the one Newton refinement of a
critical point): the gradient ``g = J^T r`` is computed likewise, the Hessian and the step
``-H^+ g`` in float64, or (``hessian="working"``) the Hessian at ``dps`` and the step by LU.

Every evaluation is :mod:`numerics.backprop` on one row: any depth, any activation of
:mod:`theory.activations`. The high-precision side runs in ball arithmetic (python-flint, via
:mod:`numerics.training.arb`; only the midpoints matter here) and falls back to mpmath where
balls cannot evaluate the activation. See ``docs/training.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from numerics import backprop
from numerics.precision import to_mp_array, workdps
from numerics.training import arb
from theory.architecture import Architecture


@dataclass(frozen=True, eq=False)
class PolishResult:
    """Polished parameters (list of mpf, flat order), the last objective value and steps taken."""

    theta: list
    value: object
    steps: int


class _Problem:
    """One data set in mpmath at the caller's precision (the fallback world)."""

    def __init__(self, arch: Architecture, x, y):
        self.arch = arch
        self.x = to_mp_array(np.asarray(x, dtype=object).reshape(-1, arch.input_dim))
        self.y = to_mp_array(np.asarray(y, dtype=object).reshape(-1, arch.output_dim))

    def residuals(self, theta: np.ndarray) -> np.ndarray:
        """``f(x_i)_m - y_im`` (mpf) in row order ``i*M + m``."""
        return backprop.residuals(self.arch, backprop.layers(self.arch, theta[None]), self.x, self.y)[0]

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        """``grad L``, ``L = 1/2 sum r^2``, in flat order (mpf)."""
        return backprop.gradient(self.arch, backprop.layers(self.arch, theta[None]), self.x, self.y)[0]


class _Balls:
    """The ball world (python-flint, :mod:`numerics.training.arb`): several times faster."""

    def __init__(self, dps):
        self.scope = lambda: arb.working(dps)

    problem = staticmethod(arb.Problem)
    numbers = staticmethod(arb.to_balls)
    sum_squares = staticmethod(arb.sum_squares)
    to_mpf = staticmethod(arb.to_mpf)

    @staticmethod
    def less(a, b) -> bool:
        """``mid(a) < mid(b)`` (exact: midpoints are binary numbers)."""
        return a.mid() < b.mid()

    @staticmethod
    def norm(values):
        return arb.sum_squares(values).sqrt()


class _Mpmath:
    """The mpmath world: every activation, every ball-free case."""

    def __init__(self, dps):
        self.scope = lambda: workdps(dps)

    problem = _Problem
    numbers = staticmethod(to_mp_array)
    to_mpf = staticmethod(lambda v: v)
    less = staticmethod(lambda a, b: a < b)

    @staticmethod
    def sum_squares(values):
        return mpmath.fsum(v * v for v in values)

    @staticmethod
    def norm(values):
        return mpmath.sqrt(mpmath.fsum(v * v for v in values))


def _in_worlds(run, dps, *args):
    """``run(world, ...)`` in balls, or in mpmath when balls cannot evaluate this network."""
    try:
        with arb.working(dps):
            return run(_Balls(dps), *args)
    except arb.BallsUnavailable:
        with workdps(dps):
            return run(_Mpmath(dps), *args)


def _floats(values) -> np.ndarray:
    return np.array([float(v) for v in values])


def gauss_newton(arch: Architecture, theta0, x, y, dps: int, stop_sse, max_steps: int = 12) -> PolishResult:
    """Polish toward zero error; stops below ``stop_sse`` or when a step gains less than 10x.

    Arguments:
        arch: the architecture (any depth).
        theta0: the starting point (flat order; floats, decimal strings or mpf).
        x, y: the data (n x d, n x M; read exactly).
        dps: working digits of the residual (plus guard digits).
        stop_sse: stop once the squared error is below this value.

    Returns:
        :class:`PolishResult` with mpf parameters (the midpoints when balls were used).
    """
    return _in_worlds(_gauss_newton, dps, arch, theta0, x, y, stop_sse, max_steps)


def _gauss_newton(world, arch, theta0, x, y, stop_sse, max_steps):
    prob = world.problem(arch, x, y)
    xf = np.array(np.asarray(x, dtype=object).reshape(-1, arch.input_dim), dtype=float)
    stop = world.numbers([stop_sse])[0]
    theta = world.numbers(theta0)
    r = prob.residuals(theta)
    err = world.sum_squares(r)
    steps = 0
    while steps < max_steps and not world.less(err, stop):
        J = backprop.jacobian(arch, backprop.layers(arch, _floats(theta)[None]), xf)[0]
        rf = _floats(r)
        if not (np.all(np.isfinite(J)) and np.all(np.isfinite(rf))):
            break
        delta = np.linalg.lstsq(J, -rf, rcond=None)[0]
        trial = theta + world.numbers(delta)
        r_new = prob.residuals(trial)
        err_new = world.sum_squares(r_new)
        steps += 1
        if not world.less(err_new, err / 10):
            if world.less(err_new, err):
                theta, r, err = trial, r_new, err_new
            break
        theta, r, err = trial, r_new, err_new
    return PolishResult([world.to_mpf(t) for t in theta], world.to_mpf(err), steps)


def newton_gradient(arch: Architecture, theta0, x, y, dps: int, stop_norm, max_steps: int = 40, *,
                    hessian: str = "float64") -> PolishResult:
    """Newton on ``grad L = 0``: the one Newton refinement of a critical point (docs/training.md).

    The gradient is computed in balls (or mpmath) at ``dps``; the step is damped by backtracking
    (step fractions 1, 1/2, ..., 1/64; a step is taken when it lowers ``||grad L||``); the loop stops
    when ``||grad L|| < stop_norm``, when no fraction helps or after ``max_steps`` steps.

    Arguments:
        hessian: ``"float64"`` (mixed precision: the step ``-H^+ g`` with the Hessian and its
            pseudo-inverse in float64; the error shrinks by ~1e-16 cond(H) per step) or
            ``"working"`` (the Hessian at ``dps`` in mpmath and the step by LU: quadratic
            convergence, for nondegenerate critical points; a singular Hessian stops the loop).
        Others as :func:`gauss_newton`.

    Returns:
        :class:`PolishResult` with mpf parameters; ``value`` is the last ``||grad L||``.
    """
    if hessian == "float64":
        return _in_worlds(_newton_gradient, dps, arch, theta0, x, y, stop_norm, max_steps, _float64_step)
    if hessian == "working":
        with workdps(dps):
            return _newton_gradient(_Mpmath(dps), arch, theta0, x, y, stop_norm, max_steps, _working_step)
    raise ValueError(f"hessian={hessian!r}: use 'float64' or 'working'")


def _float64_step(prob, arch, theta, g, xf, yf):
    """``-H^+ g`` with H in float64 at the float64 image of ``theta`` (None when not finite)."""
    _, Hs = backprop.gradient_and_hessian(arch, backprop.layers(arch, _floats(theta)[None]), xf, yf)
    gf = _floats(g)
    if not (np.all(np.isfinite(Hs)) and np.all(np.isfinite(gf))):
        return None
    return np.linalg.lstsq(Hs[0], -gf, rcond=None)[0]


def _working_step(prob, arch, theta, g, xf, yf):
    """``-H^-1 g`` with H at the working precision (mpmath LU; None when H is singular)."""
    _, H = backprop.gradient_and_hessian(arch, backprop.layers(arch, np.asarray(theta, dtype=object)[None]),
                                         prob.x, prob.y)
    try:
        delta = mpmath.lu_solve(mpmath.matrix(H[0].tolist()), mpmath.matrix([-v for v in g]))
    except ZeroDivisionError:
        return None
    return np.array([delta[i] for i in range(len(g))], dtype=object)


def _newton_gradient(world, arch, theta0, x, y, stop_norm, max_steps, step):
    prob = world.problem(arch, x, y)
    xf = np.array(np.asarray(x, dtype=object).reshape(-1, arch.input_dim), dtype=float)
    yf = np.array(np.asarray(y, dtype=object).reshape(-1, arch.output_dim), dtype=float)
    stop = world.to_mpf(world.numbers([stop_norm])[0])
    theta = world.numbers(theta0)
    g = prob.gradient(theta)
    gn = world.to_mpf(world.norm(g))
    steps = 0
    while steps < max_steps and gn >= stop:
        delta = step(prob, arch, theta, g, xf, yf)
        if delta is None:
            break
        steps += 1
        for k in range(7):
            trial = theta + world.numbers(delta / 2 ** k)
            g_new = prob.gradient(trial)
            gn_new = world.to_mpf(world.norm(g_new))
            if gn_new < gn:
                break
        else:
            break
        theta, g, gn = trial, g_new, gn_new
    return PolishResult([world.to_mpf(t) for t in theta], gn, steps)
