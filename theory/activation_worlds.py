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
        """pi rounded to float64."""
        return math.pi

    @staticmethod
    def const(q: sympy.Rational):
        """The rational ``q`` rounded once to float64."""
        return float(q)

    @staticmethod
    def softplus(z):
        """log(1 + e^z) elementwise, as ``logaddexp(0, z)`` so that large ``z`` does not overflow."""
        return np.logaddexp(0.0, z)

    @staticmethod
    def sigmoid(z):
        """1 / (1 + e^-z) elementwise, written through tanh so that no exponential overflows."""
        return 0.5 * (1.0 + np.tanh(0.5 * z))

    @staticmethod
    def sign(z):
        """-1, 0 or 1 elementwise, as float64."""
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
        """0.0, or an array of zeros of the shape of ``z``."""
        return np.zeros_like(np.asarray(z, dtype=float)) if np.ndim(z) else 0.0

    @staticmethod
    def one_like(z):
        """1.0, or an array of ones of the shape of ``z``."""
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
        """|z| (exact: no rounding)."""
        return abs(z)

    @staticmethod
    def pi():
        """pi at the current working precision (a number, not mpmath's lazy constant)."""
        return +mpmath.pi

    @staticmethod
    def const(q: sympy.Rational):
        """The rational ``q`` as an mpf at the working precision: one correctly rounded division of its
        integer numerator and denominator, never through a float.
        """
        return mpmath.mpf(int(q.p)) / int(q.q)

    @staticmethod
    def softplus(z):
        """log(1 + e^z) at the working precision, without overflow for large ``z``."""
        # log(1 + e^z) without overflow for large z.
        if z > 0:
            return z + mpmath.log1p(mpmath.exp(-z))
        return mpmath.log1p(mpmath.exp(z))

    @staticmethod
    def sigmoid(z):
        """1 / (1 + e^-z) at the working precision."""
        return 1 / (1 + mpmath.exp(-z))

    @staticmethod
    def sign(z):
        """-1, 0 or 1 as an mpf."""
        return mpmath.mpf(mpmath.sign(z))

    @staticmethod
    def piecewise(z, positive, negative):
        """``positive(z)`` if z > 0, else ``negative(z)``; only the chosen branch is evaluated."""
        return positive(z) if z > 0 else negative(z)

    @staticmethod
    def zero_like(z):
        """The mpf 0 (mpmath values are scalars)."""
        return mpmath.mpf(0)

    @staticmethod
    def one_like(z):
        """The mpf 1 (mpmath values are scalars)."""
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
        """e^z - 1 as an exact expression (sympy has no separate expm1)."""
        return sympy.exp(z) - 1

    @staticmethod
    def log1p(z):
        """log(1 + z) as an exact expression."""
        return sympy.log(1 + z)

    @staticmethod
    def pi():
        """The exact constant pi."""
        return sympy.pi

    @staticmethod
    def const(q: sympy.Rational):
        """The rational ``q``, exactly."""
        return sympy.Rational(q)

    @staticmethod
    def softplus(z):
        """log(1 + e^z) as an exact expression."""
        return sympy.log(1 + sympy.exp(z))

    @staticmethod
    def sigmoid(z):
        """1 / (1 + e^-z) as an exact expression."""
        return 1 / (1 + sympy.exp(-z))

    @staticmethod
    def piecewise(z, positive, negative):
        """``Piecewise((positive(z), z > 0), (negative(z), True))``: both branches, chosen by the sign of ``z``."""
        return sympy.Piecewise((positive(z), z > 0), (negative(z), True))

    @staticmethod
    def zero_like(z):
        """The exact integer 0."""
        return sympy.Integer(0)

    @staticmethod
    def one_like(z):
        """The exact integer 1."""
        return sympy.Integer(1)


def world_of(z):
    """The world of a scalar ``z`` (None for float64 / numpy values)."""
    if isinstance(z, sympy.Basic):
        return Sympy
    if isinstance(z, (mpmath.mpf, mpmath.mpc)):
        return Mpmath
    return None
