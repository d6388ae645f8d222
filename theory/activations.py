"""Activation functions, each defined once with its first two derivatives.

One definition serves three number worlds: sympy expressions, mpmath numbers and float64
numpy arrays. Object arrays are mapped element by element, so the same network code runs on
sympy symbols and mpmath numbers alike.

Conventions (spec theory.md §1):
- ReLU: ``relu(z) = max(z, 0)``, ``relu'(z) = 1[z > 0]`` and ``relu''(z) = 0``.
  The derivative at the kink is taken as 0; callers that need smoothness check that no
  pre-activation sits on the kink.
- GELU is the exact erf form ``z * Phi(z)`` with ``Phi(z) = (1 + erf(z / sqrt 2)) / 2``.

A number type outside these worlds can join by defining
``__semiflat_activation__(self, activation, order)``, returning the value of the derivative of
the given order; the numerics package uses this for its dual numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import mpmath
import numpy as np
import sympy

from theory.errors import InvalidArchitecture

# --- number worlds ---------------------------------------------------------------------------


class _Numpy:
    exp = staticmethod(np.exp)
    tanh = staticmethod(np.tanh)
    erf = staticmethod(np.vectorize(math.erf, otypes=[float]))
    sqrt = staticmethod(np.sqrt)
    pi = math.pi

    @staticmethod
    def softplus(z):
        return np.logaddexp(0.0, z)

    @staticmethod
    def sigmoid(z):
        return 0.5 * (1.0 + np.tanh(0.5 * z))

    @staticmethod
    def relu(z):
        return np.maximum(z, 0.0)

    @staticmethod
    def step(z):
        return np.where(np.asarray(z) > 0, 1.0, 0.0)

    @staticmethod
    def zero_like(z):
        return np.zeros_like(np.asarray(z, dtype=float))

    @staticmethod
    def one_like(z):
        return np.ones_like(np.asarray(z, dtype=float))


class _Mpmath:
    exp = staticmethod(mpmath.exp)
    tanh = staticmethod(mpmath.tanh)
    erf = staticmethod(mpmath.erf)
    sqrt = staticmethod(mpmath.sqrt)

    @staticmethod
    def pi_value():
        return +mpmath.pi

    @staticmethod
    def softplus(z):
        # log(1 + e^z) without overflow for large z.
        if z > 0:
            return z + mpmath.log1p(mpmath.exp(-z))
        return mpmath.log1p(mpmath.exp(z))

    @staticmethod
    def sigmoid(z):
        return 1 / (1 + mpmath.exp(-z))

    @staticmethod
    def relu(z):
        return z if z > 0 else mpmath.mpf(0)

    @staticmethod
    def step(z):
        return mpmath.mpf(1) if z > 0 else mpmath.mpf(0)

    @staticmethod
    def zero_like(z):
        return mpmath.mpf(0)

    @staticmethod
    def one_like(z):
        return mpmath.mpf(1)


class _Sympy:
    exp = staticmethod(sympy.exp)
    tanh = staticmethod(sympy.tanh)
    erf = staticmethod(sympy.erf)
    sqrt = staticmethod(sympy.sqrt)

    @staticmethod
    def pi_value():
        return sympy.pi

    @staticmethod
    def softplus(z):
        return sympy.log(1 + sympy.exp(z))

    @staticmethod
    def sigmoid(z):
        return 1 / (1 + sympy.exp(-z))

    @staticmethod
    def relu(z):
        return sympy.Piecewise((z, z > 0), (0, True))

    @staticmethod
    def step(z):
        return sympy.Piecewise((1, z > 0), (0, True))

    @staticmethod
    def zero_like(z):
        return sympy.Integer(0)

    @staticmethod
    def one_like(z):
        return sympy.Integer(1)


def _world(z):
    if isinstance(z, sympy.Basic):
        return _Sympy
    if isinstance(z, (mpmath.mpf, mpmath.mpc)):
        return _Mpmath
    return None  # float64 / numpy


def _pi(world):
    return math.pi if world is _Numpy else world.pi_value()


# --- the activations, each written once over a number world ----------------------------------


def _tanh(z, w, order):
    t = w.tanh(z)
    if order == 0:
        return t
    s = 1 - t * t
    return s if order == 1 else -2 * t * s


def _sigmoid(z, w, order):
    s = w.sigmoid(z)
    if order == 0:
        return s
    d = s * (1 - s)
    return d if order == 1 else d * (1 - 2 * s)


def _relu(z, w, order):
    if order == 0:
        return w.relu(z)
    if order == 1:
        return w.step(z)
    return w.zero_like(z)


def _softplus(z, w, order):
    if order == 0:
        return w.softplus(z)
    s = w.sigmoid(z)
    return s if order == 1 else s * (1 - s)


def _gelu(z, w, order):
    pi = _pi(w)
    cdf = (1 + w.erf(z / w.sqrt(2))) / 2
    pdf = w.exp(-z * z / 2) / w.sqrt(2 * pi)
    if order == 0:
        return z * cdf
    if order == 1:
        return cdf + z * pdf
    return pdf * (2 - z * z)


def _identity(z, w, order):
    if order == 0:
        return z
    return w.one_like(z) if order == 1 else w.zero_like(z)


@dataclass(frozen=True)
class Activation:
    """An activation phi with derivatives phi' and phi''.

    Call ``act(z)``, ``act.d1(z)``, ``act.d2(z)`` (or ``act.derivative(z, order)``) on a float,
    a float64 array, an mpmath number, a sympy expression or an object array of any of these.
    """

    name: str
    _rule: Callable
    vanishes_at_zero: bool
    smooth: bool

    def derivative(self, z, order: int = 0):
        if order not in (0, 1, 2):
            raise ValueError(f"order must be 0, 1 or 2, got {order}")
        if isinstance(z, np.ndarray) and z.dtype == object:
            return _elementwise(lambda s: self.derivative(s, order), z)
        hook = getattr(z, "__semiflat_activation__", None)
        if hook is not None:
            return hook(self, order)
        world = _world(z)
        if world is None:
            return self._rule(np.asarray(z, dtype=float) if np.ndim(z) else float(z), _Numpy, order)
        return self._rule(z, world, order)

    def __call__(self, z):
        return self.derivative(z, 0)

    def d1(self, z):
        return self.derivative(z, 1)

    def d2(self, z):
        return self.derivative(z, 2)


def _elementwise(fn, arr: np.ndarray) -> np.ndarray:
    out = np.empty(arr.shape, dtype=object)
    for idx, value in np.ndenumerate(arr):
        out[idx] = fn(value)
    return out


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("tanh", _tanh, vanishes_at_zero=True, smooth=True),
        Activation("relu", _relu, vanishes_at_zero=True, smooth=False),
        Activation("sigmoid", _sigmoid, vanishes_at_zero=False, smooth=True),
        Activation("softplus", _softplus, vanishes_at_zero=False, smooth=True),
        Activation("gelu", _gelu, vanishes_at_zero=True, smooth=True),
        Activation("identity", _identity, vanishes_at_zero=True, smooth=True),
    )
}

ACTIVATION_NAMES: tuple[str, ...] = tuple(ACTIVATIONS)


def get_activation(name: str) -> Activation:
    """Return the activation called ``name`` (one of :data:`ACTIVATION_NAMES`)."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise InvalidArchitecture(
            f"activation {name!r} is not known; use one of {', '.join(ACTIVATION_NAMES)}"
        ) from None
