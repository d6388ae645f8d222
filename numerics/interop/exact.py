"""Binary floating-point arrays as exact decimals, and back (docs/interop.md "Exactness").

Every finite binary float ``m 2^e`` (float16, float32, float64) is a finite decimal,
``m 5^-e / 10^-e`` for ``e < 0``: :func:`decimal_digits` counts its significant digits (up to 767
for a subnormal float64). An imported network gets the smallest ``dps`` (at least the requested
floor) whose file writer (``numerics.precision.digits_for``) writes every expansion in full, so
the file holds the binary values exactly and ``load_network`` reads them back bit for bit.
"""

from __future__ import annotations

from decimal import Decimal

import mpmath
import numpy as np

from numerics.precision import digits_for
from theory.errors import InvalidInput

FLOAT_KINDS = ("float16", "float32", "float64")
"""dtypes whose values are converted exactly (integers are accepted too)."""

MAX_DPS = 1000
"""The largest ``dps`` the commands accept (a subnormal float64 needs 767 digits)."""


def as_float_array(values, name: str) -> np.ndarray:
    """``values`` (numpy, torch or JAX array, or nested lists of floats) as a numpy float array.

    Refuses non-numeric dtypes and non-finite entries, naming the array ``name``."""
    arr = values if isinstance(values, np.ndarray) else np.asarray(values)
    if arr.dtype.kind in "iu":
        arr = arr.astype(object)
    elif arr.dtype.name not in FLOAT_KINDS:
        raise InvalidInput(f"array {name!r} has dtype {arr.dtype}; expected one of {', '.join(FLOAT_KINDS)} "
                           "(convert bfloat16 or complex arrays before importing)")
    else:
        bad = ~np.isfinite(arr)
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            raise InvalidInput(f"array {name!r} holds {arr[where]} at index {list(where)}; every parameter "
                               "must be a finite number")
    return arr


def decimal_digits(value) -> int:
    """Significant digits of the exact decimal expansion of a binary float (0 has one).

    >>> decimal_digits(0.5), decimal_digits(0.1)
    (1, 55)
    """
    digits = Decimal(float(value)).as_tuple().digits if not isinstance(value, int) else \
        Decimal(value).as_tuple().digits
    text = "".join(map(str, digits)).strip("0")
    return max(1, len(text))


def exact_dps(arrays, floor: int = 50) -> int:
    """The smallest ``dps >= floor`` whose writer keeps every value of ``arrays`` exact."""
    need = max((decimal_digits(v) for a in arrays for v in np.asarray(a, dtype=object).reshape(-1)),
               default=1)
    dps = int(floor)
    while digits_for(dps) < need:
        dps += 1
    if dps > MAX_DPS:
        raise InvalidInput(f"a value needs {need} decimal digits, more than dps {MAX_DPS} writes")
    return dps


def to_exact_mp(arr) -> np.ndarray:
    """Object array of mpf equal to the binary values (call inside ``workdps`` of >= 16 digits)."""
    a = np.asarray(arr)
    out = np.empty(a.shape, dtype=object)
    for idx, v in np.ndenumerate(a):
        out[idx] = mpmath.mpf(int(v)) if isinstance(v, (int, np.integer)) else mpmath.mpf(float(v))
    return out


def to_binary(arr, dtype: str = "float64") -> np.ndarray:
    """Round mpf (or decimal-string) entries to the nearest ``dtype`` value (round half to even).

    A value that came from that dtype comes back bit for bit."""
    if dtype not in ("float32", "float64"):
        raise InvalidInput(f"--dtype {dtype!r}: use float64 or float32")
    a = np.asarray(arr, dtype=object)
    out = np.empty(a.shape, dtype=np.float64)
    for idx, v in np.ndenumerate(a):
        out[idx] = nearest_float(mpmath.mpf(v))
    if dtype == "float32":
        out = _round_to_float32(a, out)
    return out


def nearest_float(value) -> float:
    """The float64 nearest to an mpf (ties to even), subnormals included.

    ``float(mpf)`` truncates beyond 53 bits; the exact rational ``man 2^exp`` divided in Python
    integers is correctly rounded."""
    sign, man, exp, _ = mpmath.mpf(value)._mpf_
    if not man:
        return 0.0 if value == 0 else float(value)
    num = int(-man if sign else man)  # gmpy2 mpz division would not round to a float
    return float(num << exp) if exp >= 0 else num / (1 << -exp)


def _round_to_float32(exact, f64):
    """float32 rounding of the exact values (not of their float64 roundings: no double rounding)."""
    out = np.empty(f64.shape, dtype=np.float32)
    for idx, v in np.ndenumerate(exact):
        x = mpmath.mpf(v)
        lo = np.float32(f64[idx])
        # the two float32 neighbours around x, then the nearer one (ties to even)
        cands = [lo, np.nextafter(lo, np.float32(np.inf)), np.nextafter(lo, np.float32(-np.inf))]
        best = min(cands, key=lambda c: (abs(mpmath.mpf(float(c)) - x), int(np.float32(c).view(np.uint32)) & 1))
        out[idx] = best
    return out
