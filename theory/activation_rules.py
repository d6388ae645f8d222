"""The built-in activations, each written once over a number world ``w``.

A rule is ``rule(z, w, order)`` returning phi (order 0), phi' (1) or phi'' (2) at ``z`` in
world ``w`` (:mod:`theory.activation_worlds`). Parametrised families (``leaky_relu:a``,
``poly:c0,c1,...``) are rules built from exact rational parameters. Conventions at a kink
(z = 0): the derivatives are those of the branch z <= 0 (ReLU: phi'(0) = 0), see
docs/activations.md "Conventions".
"""

from __future__ import annotations

import re

import sympy

from theory.activation_properties import Properties

# --- smooth built-ins ------------------------------------------------------------------------


def tanh(z, w, order):
    t = w.tanh(z)
    if order == 0:
        return t
    s = 1 - t * t
    return s if order == 1 else -2 * t * s


def sigmoid(z, w, order):
    s = w.sigmoid(z)
    if order == 0:
        return s
    d = s * (1 - s)
    return d if order == 1 else d * (1 - 2 * s)


def softplus(z, w, order):
    if order == 0:
        return w.softplus(z)
    s = w.sigmoid(z)
    return s if order == 1 else s * (1 - s)


def gelu(z, w, order):
    cdf = (1 + w.erf(z / w.sqrt(2))) / 2
    pdf = w.exp(-z * z / 2) / w.sqrt(2 * w.pi())
    if order == 0:
        return z * cdf
    if order == 1:
        return cdf + z * pdf
    return pdf * (2 - z * z)


def silu(z, w, order):
    """z sigmoid(z) (swish with beta = 1)."""
    s = w.sigmoid(z)
    if order == 0:
        return z * s
    if order == 1:
        return s * (1 + z * (1 - s))
    return s * (1 - s) * (2 + z * (1 - 2 * s))


def erf(z, w, order):
    if order == 0:
        return w.erf(z)
    d = 2 * w.exp(-z * z) / w.sqrt(w.pi())
    return d if order == 1 else -2 * z * d


def exp(z, w, order):
    return w.exp(z)


def sin(z, w, order):
    return (w.sin(z), w.cos(z), -w.sin(z))[order]


def identity(z, w, order):
    if order == 0:
        return z
    return w.one_like(z) if order == 1 else w.zero_like(z)


# --- piecewise built-ins (kink at z = 0) -----------------------------------------------------


def elu(z, w, order):
    """z for z > 0, e^z - 1 otherwise (alpha = 1): C1, phi'' jumps from 1 to 0 at 0."""
    if order == 0:
        return w.piecewise(z, lambda t: t, w.expm1)
    if order == 1:
        return w.piecewise(z, w.one_like, w.exp)
    return w.piecewise(z, w.zero_like, w.exp)


SELU_ALPHA = sympy.Rational("1.6732632423543772848170429916717")
SELU_SCALE = sympy.Rational("1.0507009873554804934193349852946")
"""The published SELU constants to 32 digits, taken as exact decimals (docs/activations.md)."""


def selu(z, w, order):
    """scale * (z for z > 0, alpha (e^z - 1) otherwise): phi' jumps at 0 (scale vs scale alpha)."""
    a, s = w.const(SELU_ALPHA), w.const(SELU_SCALE)
    if order == 0:
        return w.piecewise(z, lambda t: s * t, lambda t: s * a * w.expm1(t))
    if order == 1:
        return w.piecewise(z, lambda t: s * w.one_like(t), lambda t: s * a * w.exp(t))
    return w.piecewise(z, w.zero_like, lambda t: s * a * w.exp(t))


def softsign(z, w, order):
    """z / (1 + |z|): C1, phi'' jumps from 2 to -2 at 0."""
    if order == 0:
        return w.piecewise(z, lambda t: t / (1 + t), lambda t: t / (1 - t))
    if order == 1:
        return w.piecewise(z, lambda t: 1 / ((1 + t) * (1 + t)), lambda t: 1 / ((1 - t) * (1 - t)))
    return w.piecewise(z, lambda t: -2 / (1 + t) ** 3, lambda t: 2 / (1 - t) ** 3)


class LeakyReLU:
    """max(z, a z) for a slope 0 <= a < 1 (a = 0 is ReLU); phi'(0) = a (the z <= 0 branch)."""

    def __init__(self, slope: sympy.Rational):
        self.slope = sympy.Rational(slope)

    def __call__(self, z, w, order):
        a = w.const(self.slope)
        if order == 0:
            return w.piecewise(z, lambda t: t, lambda t: a * t)
        if order == 1:
            return w.piecewise(z, w.one_like, lambda t: a * w.one_like(t))
        return w.zero_like(z)

    def properties(self) -> Properties:
        return Properties("C0", piecewise_linear=True, dead_zone=self.slope == 0, vanishes_at_zero=True,
                          positively_homogeneous=True)


class Polynomial:
    """c0 + c1 z + ... + ck z^k with exact rational coefficients (Horner in every world)."""

    def __init__(self, coefficients):
        coefficients = [sympy.Rational(c) for c in coefficients]
        while len(coefficients) > 1 and coefficients[-1] == 0:
            coefficients.pop()
        self.coefficients = tuple(coefficients)

    def derived(self, order: int) -> tuple:
        c = list(self.coefficients)
        for _ in range(order):
            c = [k * c[k] for k in range(1, len(c))] or [sympy.Integer(0)]
        return tuple(c)

    def __call__(self, z, w, order):
        c = self.derived(order)
        out = w.const(c[-1]) * w.one_like(z)
        for coefficient in reversed(c[:-1]):
            out = out * z + w.const(coefficient)
        return out

    def properties(self) -> Properties:
        c = self.coefficients
        degree = len(c) - 1
        return Properties("C2", piecewise_linear=degree <= 1, dead_zone=False, vanishes_at_zero=c[0] == 0,
                          positively_homogeneous=degree == 1 and c[0] == 0,
                          stationary_at_zero=degree >= 2 and c[1] == 0)


# --- literals of parameters -----------------------------------------------------------------

NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?\Z")
MAX_NUMBER_CHARS = 60
MAX_POLY_DEGREE = 8


def parse_rational(text: str, what: str, error) -> sympy.Rational:
    """A decimal literal (``0.1``, ``-2``, ``1e-3``) as an exact rational, or ``error(message)``."""
    text = text.strip()
    if len(text) > MAX_NUMBER_CHARS or not NUMBER.match(text):
        raise error(f"{what}: {text[:MAX_NUMBER_CHARS]!r} is not a decimal number (e.g. 0.1, -2, 1e-3)")
    mantissa, _, exponent = text.lower().partition("e")
    if exponent and abs(int(exponent)) > 300:
        raise error(f"{what}: {text!r} has an exponent beyond 1e300")
    return sympy.Rational(text)
