"""The parameters' number world, and the one conversion every embedding applies to the scalars a
user or a default supplies (docs/contract.md, "Number worlds").

A scalar such as the bias ``b0 = 0``, a ratio ``lam = 0.1``, seeded ``float`` draws or a dead-unit
margin must not decide which arithmetic runs: ``phi(0)`` on a Python int goes down the float64 path
of :mod:`theory.activations`, and ``mpf * 0.1`` multiplies by the binary double nearest 0.1. So
each embedding first converts such a scalar into the world of the parameters:

- mpmath parameters: an ``mpf`` at the current precision, read from the exact decimal text
  (an int exactly; a float from its shortest round-trip decimal ``repr``, which is the number
  the user typed; a fraction or a sympy rational as the quotient of its exact integers);
- sympy parameters: an exact ``Integer`` / ``Rational`` (a float from its ``repr`` decimal);
- float parameters (float64 arrays or Python floats): a ``float``; an mpmath or sympy scalar is
  kept as it is (contagion runs one way: towards the richer world, never down to float64).

Numbers of another kind (e.g. the dual numbers of :mod:`numerics`) are left alone: they define
their own arithmetic with plain numbers.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import sympy

from theory.errors import IncompatibleEmbedding
from theory.params import Params

_MPF, _SYMPY, _FLOAT, _OTHER = "mpmath", "sympy", "float", "other"


def world_of(sample) -> str:
    """The number world of a parameter value (``"mpmath"``, ``"sympy"``, ``"float"``, ``"other"``)."""
    if isinstance(sample, (mpmath.mpf, mpmath.mpc)):
        return _MPF
    if isinstance(sample, sympy.Basic):
        return _SYMPY
    if isinstance(sample, (float, np.floating)):
        return _FLOAT
    return _OTHER


def sample_of(params: Params):
    """One parameter value that stands for the world of ``params`` (float64 arrays: a float)."""
    for w in params.W:
        if w.dtype != object:
            return 0.0
        if w.size:
            return w.reshape(-1)[0]
    return 0.0


def _exact(value) -> Fraction | None:
    """``value`` as an exact fraction when it is a plain rational number (int, float, Fraction,
    numpy scalar, sympy rational, decimal string); ``None`` otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (np.integer, np.floating)):
        value = value.item()
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if not np.isfinite(value):
            raise IncompatibleEmbedding(f"embedding scalar {value!r} is not a finite number; give a finite value")
        return Fraction(repr(value))
    if isinstance(value, Fraction):
        return value
    if isinstance(value, sympy.Rational):
        return Fraction(int(value.p), int(value.q))
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise IncompatibleEmbedding(f"embedding scalar {value!r} is not a decimal number") from None
    return None


def to_world(value, sample):
    """``value`` converted into the number world of ``sample`` (see the module docstring).

    >>> import mpmath
    >>> with mpmath.workdps(30):
    ...     print(to_world(0.1, mpmath.mpf(1)))
    0.1
    >>> to_world(0.5, sympy.Integer(1))
    1/2
    """
    world = world_of(sample)
    if world == _OTHER:
        return value
    if world == _FLOAT:
        if isinstance(value, (mpmath.mpf, mpmath.mpc, sympy.Basic)):
            return value  # contagion runs one way only: never down to float64
        exact = _exact(value)
        return value if exact is None else float(exact)
    if world == _MPF:
        if isinstance(value, (mpmath.mpf, mpmath.mpc)):
            return +value
        exact = _exact(value)
        if exact is not None:
            return mpmath.mpf(exact.numerator) / exact.denominator
        if isinstance(value, sympy.Basic) and value.is_number:
            return mpmath.mpf(sympy.Float(value, mpmath.mp.dps + 5))
        return value
    # sympy world
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, mpmath.mpf):
        return sympy.Float(value, mpmath.mp.dps)
    exact = _exact(value)
    return value if exact is None else sympy.Rational(exact.numerator, exact.denominator)


def to_world_array(values, sample) -> np.ndarray:
    """Every entry of ``values`` (flattened to 1-D) converted by :func:`to_world`."""
    return np.array([to_world(v, sample) for v in np.asarray(values, dtype=object).reshape(-1)], dtype=object)
