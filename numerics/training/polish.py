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
balls cannot evaluate the activation. Both loops are :func:`numerics.newton.iterate` with this
module's evaluation, solve, update and stop rule (docs/training.md "Newton iterations").
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from numerics import backprop, newton
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

    def at(theta):
        r = prob.residuals(theta)
        return theta, r, world.sum_squares(r)

    def evaluate(state):
        """The float64 residual and Jacobian at the float64 image of the iterate (mixed precision)."""
        theta, r, _ = state
        return _floats(r), backprop.jacobian(arch, backprop.layers(arch, _floats(theta)[None]), xf)[0]

    def update(state, delta):
        """Take the step; go on only when it gained 10x (keep a smaller gain and end)."""
        trial = at(state[0] + world.numbers(delta))
        if world.less(trial[2], state[2] / 10):
            return trial, True
        return (trial if world.less(trial[2], state[2]) else state), False

    found = newton.iterate(at(world.numbers(theta0)), evaluate=evaluate, solve=_least_squares, update=update,
                           stop=lambda state: world.less(state[2], stop), max_steps=max_steps)
    theta, _, err = found.state
    return PolishResult([world.to_mpf(t) for t in theta], world.to_mpf(err), found.steps)


def _least_squares(F, J):
    """The minimum-norm float64 step ``-J^+ F`` (None when ``F`` or ``J`` is not finite)."""
    if not (np.all(np.isfinite(J)) and np.all(np.isfinite(F))):
        return None
    return np.linalg.lstsq(J, -F, rcond=None)[0]


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
        return _in_worlds(_newton_gradient, dps, arch, theta0, x, y, stop_norm, max_steps, _float64_hessian,
                          _float64_solve)
    if hessian == "working":
        with workdps(dps):
            return _newton_gradient(_Mpmath(dps), arch, theta0, x, y, stop_norm, max_steps, _working_hessian,
                                    _lu_solve)
    raise ValueError(f"hessian={hessian!r}: use 'float64' or 'working'")


def _float64_hessian(prob, arch, theta, xf, yf):
    """H in float64 at the float64 image of ``theta``."""
    _, Hs = backprop.gradient_and_hessian(arch, backprop.layers(arch, _floats(theta)[None]), xf, yf)
    return Hs[0]


def _float64_solve(g, H):
    """``-H^+ g`` in float64 (None when not finite)."""
    return _least_squares(_floats(g), H)


def _working_hessian(prob, arch, theta, xf, yf):
    """H at the working precision (mpmath)."""
    _, H = backprop.gradient_and_hessian(arch, backprop.layers(arch, np.asarray(theta, dtype=object)[None]),
                                         prob.x, prob.y)
    return H[0]


def _lu_solve(g, H):
    """``-H^-1 g`` at the working precision (mpmath LU; None when H is singular).

    A column of zeros is singular too, but mpmath's LU raises TypeError on it (no pivot found),
    so it is caught before the factorisation."""
    if any(all(v == 0 for v in H[:, j]) for j in range(H.shape[1])):
        return None
    try:
        delta = mpmath.lu_solve(mpmath.matrix(H.tolist()), mpmath.matrix([-v for v in g]))
    except ZeroDivisionError:
        return None
    return np.array([delta[i] for i in range(len(g))], dtype=object)


def _newton_gradient(world, arch, theta0, x, y, stop_norm, max_steps, hessian_at, solve):
    prob = world.problem(arch, x, y)
    xf = np.array(np.asarray(x, dtype=object).reshape(-1, arch.input_dim), dtype=float)
    yf = np.array(np.asarray(y, dtype=object).reshape(-1, arch.output_dim), dtype=float)
    stop = world.to_mpf(world.numbers([stop_norm])[0])

    def at(theta):
        g = prob.gradient(theta)
        return theta, g, world.to_mpf(world.norm(g))

    def update(state, delta):
        """Backtracking: the first of the fractions 1, 1/2, ..., 1/64 of the step that lowers ||g||."""
        for k in range(7):
            trial = at(state[0] + world.numbers(delta / 2 ** k))
            if trial[2] < state[2]:
                return trial, True
        return state, False

    found = newton.iterate(at(world.numbers(theta0)),
                           evaluate=lambda state: (state[1], hessian_at(prob, arch, state[0], xf, yf)),
                           solve=solve, update=update, stop=lambda state: state[2] < stop, max_steps=max_steps)
    theta, _, gn = found.state
    return PolishResult([world.to_mpf(t) for t in theta], gn, found.steps)
