"""The number worlds an activation is evaluated in: float64 numpy, mpmath, sympy.

Each world offers the same small vocabulary (``exp``, ``tanh``, ``erf``, ``log1p``, ``sin``,
``cos``, ``sqrt``, ``sigmoid``, ``softplus``, ``const``, ``piecewise``, ...), so an activation
rule is written once over a world ``w`` and runs in all three (docs/activations.md, "One
definition, three worlds"). Constants enter a world through ``w.const(Rational)``: exact in
sympy, read at the current precision in mpmath (never through a float), rounded once in
float64.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy

_erf_vec = np.vectorize(math.erf, otypes=[float])


class Numpy:
    """float64 scalars and arrays."""

    exp = staticmethod(np.exp)
    expm1 = staticmethod(np.expm1)
    log1p = staticmethod(np.log1p)
    tanh = staticmethod(np.tanh)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    sqrt = staticmethod(np.sqrt)
    abs = staticmethod(np.abs)
    erf = staticmethod(_erf_vec)

    @staticmethod
    def pi():
        return math.pi

    @staticmethod
    def const(q: sympy.Rational):
        return float(q)

    @staticmethod
    def softplus(z):
        return np.logaddexp(0.0, z)

    @staticmethod
    def sigmoid(z):
        return 0.5 * (1.0 + np.tanh(0.5 * z))

    @staticmethod
    def sign(z):
        return np.sign(z)

    @staticmethod
    def piecewise(z, positive, negative):
        """``positive(z)`` where z > 0, else ``negative(z)``; each branch is evaluated on the
        clamped argument only, so an exponential branch never overflows on the other side."""
        z = np.asarray(z, dtype=float)
        pos = positive(np.maximum(z, 0.0)) + np.zeros_like(z)
        neg = negative(np.minimum(z, 0.0)) + np.zeros_like(z)
        out = np.where(z > 0, pos, neg)
        return out if out.ndim else float(out)

    @staticmethod
    def zero_like(z):
        return np.zeros_like(np.asarray(z, dtype=float)) if np.ndim(z) else 0.0

    @staticmethod
    def one_like(z):
        return np.ones_like(np.asarray(z, dtype=float)) if np.ndim(z) else 1.0


class Mpmath:
    """mpmath numbers at the caller's working precision."""

    exp = staticmethod(mpmath.exp)
    expm1 = staticmethod(mpmath.expm1)
    log1p = staticmethod(mpmath.log1p)
    tanh = staticmethod(mpmath.tanh)
    sin = staticmethod(mpmath.sin)
    cos = staticmethod(mpmath.cos)
    sqrt = staticmethod(mpmath.sqrt)
    erf = staticmethod(mpmath.erf)

    @staticmethod
    def abs(z):
        return abs(z)

    @staticmethod
    def pi():
        return +mpmath.pi

    @staticmethod
    def const(q: sympy.Rational):
        return mpmath.mpf(int(q.p)) / int(q.q)

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
    def sign(z):
        return mpmath.mpf(mpmath.sign(z))

    @staticmethod
    def piecewise(z, positive, negative):
        return positive(z) if z > 0 else negative(z)

    @staticmethod
    def zero_like(z):
        return mpmath.mpf(0)

    @staticmethod
    def one_like(z):
        return mpmath.mpf(1)


class Sympy:
    """sympy expressions (exact constants)."""

    exp = staticmethod(sympy.exp)
    tanh = staticmethod(sympy.tanh)
    sin = staticmethod(sympy.sin)
    cos = staticmethod(sympy.cos)
    sqrt = staticmethod(sympy.sqrt)
    abs = staticmethod(sympy.Abs)
    erf = staticmethod(sympy.erf)
    sign = staticmethod(sympy.sign)

    @staticmethod
    def expm1(z):
        return sympy.exp(z) - 1

    @staticmethod
    def log1p(z):
        return sympy.log(1 + z)

    @staticmethod
    def pi():
        return sympy.pi

    @staticmethod
    def const(q: sympy.Rational):
        return sympy.Rational(q)

    @staticmethod
    def softplus(z):
        return sympy.log(1 + sympy.exp(z))

    @staticmethod
    def sigmoid(z):
        return 1 / (1 + sympy.exp(-z))

    @staticmethod
    def piecewise(z, positive, negative):
        return sympy.Piecewise((positive(z), z > 0), (negative(z), True))

    @staticmethod
    def zero_like(z):
        return sympy.Integer(0)

    @staticmethod
    def one_like(z):
        return sympy.Integer(1)


def world_of(z):
    """The world of a scalar ``z`` (None for float64 / numpy values)."""
    if isinstance(z, sympy.Basic):
        return Sympy
    if isinstance(z, (mpmath.mpf, mpmath.mpc)):
        return Mpmath
    return None
