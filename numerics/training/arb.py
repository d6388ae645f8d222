"""Training's evaluations in python-flint ball arithmetic (``arb``): the one backpropagation of
:mod:`numerics.backprop` run on object arrays of balls.

Balls serve twice (``docs/training.md``): the polish computes residuals and gradients in them
(several times faster than mpmath for the same digits), and the verification gets a proved
enclosure of the squared error, so "SSE < target" is decided by the ball's upper end. The
activation in balls is :func:`numerics.ball_functions.ball_activation` (a table, else the
activation's own sympy definition), so every activation of :mod:`theory.activations` is covered;
where a ball cannot be evaluated (a piecewise activation whose ball straddles the kink, a
function outside the whitelist) :class:`BallsUnavailable` tells the caller to use mpmath.
"""

from __future__ import annotations

import contextlib

import mpmath
from mpmath.libmp import from_man_exp
import numpy as np
from flint import arb

from numerics import backprop
from numerics.ball_functions import SignUndecided, ball_activation, ball_precision, bits_for
from numerics.balls import to_ball
from theory.architecture import Architecture
from theory.errors import InvalidInput, SemiflatError


class BallsUnavailable(SemiflatError):
    """This activation (or this ball) cannot be evaluated in ball arithmetic; use mpmath."""


class BallPhi:
    """The activation applied entrywise to object arrays of balls: ``phi(z)``, ``d1``, ``d2``."""

    def __init__(self, activation: str):
        try:
            self._fn = ball_activation(activation)
        except InvalidInput as exc:
            raise BallsUnavailable(str(exc)) from None

    def _map(self, z, k):
        fn = self._fn
        try:
            return np.frompyfunc(lambda v: fn(v, k)[k], 1, 1)(z)
        except (SignUndecided, InvalidInput, TypeError, ValueError) as exc:
            raise BallsUnavailable(str(exc)) from None

    def __call__(self, z):
        return self._map(z, 0)

    def d1(self, z):
        """phi'(z) entrywise, as balls."""
        return self._map(z, 1)

    def d2(self, z):
        """phi''(z) entrywise, as balls."""
        return self._map(z, 2)


@contextlib.contextmanager
def working(dps: int):
    """Scope python-flint to ``dps`` digits plus guard bits (:func:`ball_precision`)."""
    with ball_precision(bits_for(dps)):
        yield


def to_balls(values) -> np.ndarray:
    """Object array of balls (decimal strings, mpf, floats, fractions read exactly, or with the
    rounding radius where binary cannot hold them)."""
    arr = np.asarray(values)
    if arr.dtype.kind == "f":  # float64 numbers are exact balls
        return np.frompyfunc(lambda v: arb(float(v)), 1, 1)(arr) if arr.ndim else arb(float(arr))
    return np.frompyfunc(to_ball, 1, 1)(np.asarray(values, dtype=object))


def _exact_mpf(point: arb) -> mpmath.mpf:
    """An exact ball (zero radius) as the same binary number in mpmath, whatever mpmath's precision."""
    man, exp = point.man_exp()
    return mpmath.mp.make_mpf(from_man_exp(int(man), int(exp)))


def to_mpf(ball: arb) -> mpmath.mpf:
    """The ball's midpoint as an mpf, exactly (both are binary floating-point numbers).

    >>> to_mpf(arb("0.5")) == mpmath.mpf("0.5")
    True
    """
    return _exact_mpf(ball.mid())


def upper(ball: arb) -> mpmath.mpf:
    """An mpf upper bound of every number in the ball (exact, rounded upward by python-flint);
    ``inf`` for a ball that is not finite."""
    if not ball.is_finite():
        return mpmath.inf
    return _exact_mpf(ball.upper())


class Problem:
    """One data set as balls, ready for residuals and gradients of any parameter vector."""

    def __init__(self, arch: Architecture, x, y):
        self.arch = arch
        self.phi = BallPhi(arch.activation)
        self.x = to_balls(np.asarray(x, dtype=object).reshape(-1, arch.input_dim))
        self.y = to_balls(np.asarray(y, dtype=object).reshape(-1, arch.output_dim))

    def residuals(self, theta: np.ndarray) -> np.ndarray:
        """``f(x_i)_m - y_im`` (balls) in row order ``i*M + m``."""
        layers = backprop.layers(self.arch, np.asarray(theta, dtype=object)[None])
        return backprop.residuals(self.arch, layers, self.x, self.y, self.phi)[0]

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        """``grad L`` (balls) in flat order."""
        layers = backprop.layers(self.arch, np.asarray(theta, dtype=object)[None])
        return backprop.gradient(self.arch, layers, self.x, self.y, self.phi)[0]


def sum_squares(values) -> arb:
    """``sum_k v_k^2`` of balls (a ball)."""
    total = arb(0)
    for v in values:
        total += v * v
    return total
