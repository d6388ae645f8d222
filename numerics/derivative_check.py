"""The one derivative checker: central differences at a given precision against a claimed derivative.

Tests and benches compare exact derivatives (backpropagation, forward-over-reverse Hessians,
symbolic differentiation) with central differences computed here; nothing else in the project
writes a difference quotient. See ``docs/network.md`` for the flat parameter order the vectors
follow.

Error budget of a central difference of step ``h = 10^-s`` at ``dps`` digits, for a function of
magnitude ``F`` with third derivative ``F'''``: rounding ``10^-dps F / h`` (``s`` digits are lost to
cancellation) plus truncation ``h^2 |F'''| / 6``. :func:`check_grads` therefore allows
``rounding_band(dps, scale, lost_digits=s + 1)`` and chooses, by default, the step with
``2 s >= dps - s`` so that truncation stays below rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import mpmath
import numpy as np

from numerics.precision import to_mp_array, rounding_band, workdps


def default_step_digits(dps: int) -> int:
    """The step exponent ``s`` (``h = 10^-s``) that balances rounding and truncation at ``dps``.

    >>> default_step_digits(60)
    20
    """
    return -(-int(dps) // 3)


def central_differences(fn: Callable, vec, dps: int, step_digits: int | None = None) -> np.ndarray:
    """Central differences of ``fn`` at ``vec``, one per coordinate.

    Arguments:
        fn: maps a 1-D object array of mpmath numbers (length D) to a scalar or an array.
        vec: the point, any numbers (converted exactly to mpmath at ``dps``).
        dps: working precision (guard digits are added by :func:`numerics.precision.workdps`).
        step_digits: ``s`` in ``h = 10^-s``; :func:`default_step_digits` when omitted.

    Returns:
        An object array of shape ``(D,) + shape(fn(vec))``: row ``k`` is
        ``(fn(vec + h e_k) - fn(vec - h e_k)) / (2 h)``. For a scalar ``fn`` this is the
        gradient; for a gradient-valued ``fn`` it is the Hessian (rows = coordinates).
    """
    s = default_step_digits(dps) if step_digits is None else int(step_digits)
    with workdps(dps):
        x = to_mp_array(vec)
        h = mpmath.mpf(10) ** -s
        rows = []
        for k in range(x.shape[0]):
            up, down = x.copy(), x.copy()
            up[k] = up[k] + h
            down[k] = down[k] - h
            rows.append((np.asarray(fn(up), dtype=object) - np.asarray(fn(down), dtype=object)) / (2 * h))
        return np.array(rows, dtype=object)


@dataclass(frozen=True)
class DerivativeCheck:
    """Outcome of :func:`check_grads`: the largest deviation, the allowed one and the verdict."""

    error: object
    tolerance: object
    step_digits: int
    dps: int

    @property
    def passed(self) -> bool:
        """Whether the largest deviation is within the tolerance (a numerical verdict at ``dps``)."""
        return self.error <= self.tolerance


def check_grads(fn: Callable, derivative, vec, dps: int, *, scale=None,
                step_digits: int | None = None) -> DerivativeCheck:
    """Compare a claimed derivative of ``fn`` at ``vec`` with central differences at ``dps``.

    Arguments:
        fn: vector -> scalar (then ``derivative`` is the gradient, shape ``(D,)``) or
            vector -> vector (then ``derivative`` is the Jacobian with rows = coordinates, i.e.
            shape ``(D, m)``; for a gradient this is the Hessian).
        derivative: the claimed values (any numbers; compared at ``dps``).
        vec: the point.
        dps: the precision of the comparison.
        scale: magnitude the tolerance is relative to; by default
            ``1 + max|fn(vec)| + max|derivative|``.
        step_digits: see :func:`central_differences`.

    Returns:
        A :class:`DerivativeCheck`; ``passed`` when the largest deviation is within
        ``rounding_band(dps, scale, lost_digits=step_digits + 1)``.
    """
    s = default_step_digits(dps) if step_digits is None else int(step_digits)
    fd = central_differences(fn, vec, dps, s)
    with workdps(dps):
        claimed = to_mp_array(derivative)
        if claimed.shape != fd.shape:
            claimed = claimed.reshape(fd.shape)
        if scale is None:
            value = np.asarray(fn(to_mp_array(vec)), dtype=object).reshape(-1)
            scale = 1 + max((abs(v) for v in value), default=0) + max((abs(v) for v in claimed.reshape(-1)), default=0)
        error = max((abs(a - b) for a, b in zip(claimed.reshape(-1), fd.reshape(-1))), default=mpmath.mpf(0))
        return DerivativeCheck(error, rounding_band(dps, scale, lost_digits=s + 1), s, int(dps))
