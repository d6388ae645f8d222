"""Working precision: scoped contexts, conversions and the one rule that turns dps into tolerances.

Library code never assigns ``mpmath.mp.dps`` globally; it scopes precision with
:func:`workdps` (the requested digits plus :data:`GUARD` guard digits).
"""

from __future__ import annotations

import contextlib

import mpmath
import numpy as np

from theory.params import Params

GUARD = 10
"""Guard digits added to every requested precision."""


@contextlib.contextmanager
def workdps(dps: int):
    """Scope mpmath to ``dps`` significant digits plus :data:`GUARD`."""
    with mpmath.workdps(int(dps) + GUARD):
        yield


def tolerance(dps: int, scale=1, lost_digits: int = 0):
    """Relative tolerance for a quantity of magnitude ``scale`` computed at ``dps`` digits.

    ``10^-(dps - lost_digits) * scale``: results computed with :func:`workdps` carry at least
    ``dps`` correct digits; ``lost_digits`` accounts for known cancellation (e.g. a finite
    difference of step h loses about ``-log10 h`` digits)."""
    return mpmath.mpf(10) ** (-(int(dps) - int(lost_digits))) * abs(scale)


def to_mpf(value):
    """Exact conversion: decimal strings are read at the current precision, floats exactly."""
    if isinstance(value, mpmath.mpf):
        return +value
    if isinstance(value, str):
        return mpmath.mpf(value.strip())
    if isinstance(value, (np.floating, np.integer)):
        return mpmath.mpf(value.item())
    return mpmath.mpf(value)


def to_mp_array(values) -> np.ndarray:
    """Object array of mpmath numbers (call inside :func:`workdps`)."""
    arr = np.asarray(values, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    for idx, v in np.ndenumerate(arr):
        out[idx] = to_mpf(v)
    return out


def to_mp_params(params: Params) -> Params:
    """Parameters as mpmath numbers (call inside :func:`workdps`)."""
    return params.map(to_mpf)


def digits_for(dps: int) -> int:
    """Significant digits to write so a number round-trips at ``dps`` (used by file writers)."""
    return int(dps) + 5


def to_decimal_string(value, dps: int) -> str:
    """A decimal string with enough digits to round-trip at ``dps``; exact zeros as ``"0"``."""
    v = to_mpf(value) if not isinstance(value, mpmath.mpf) else value
    if v == 0:
        return "0"
    return mpmath.nstr(v, digits_for(dps), strip_zeros=True, min_fixed=-6, max_fixed=6)
