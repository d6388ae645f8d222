"""Working precision: scoped contexts, conversions, and every rule that turns dps into a tolerance.

Library code never assigns ``mpmath.mp.dps`` globally; it scopes precision with
:func:`workdps` (the requested digits plus :data:`GUARD` guard digits).

This module is the one home of the tolerance rules (docs/precision.md lists each rule, its
formula and what it decides). Every rule is a function of ``dps`` and of the magnitude it is
relative to; no other library module writes a threshold such as ``1e-6`` or ``10**-(dps/2)``.
"""

from __future__ import annotations

import contextlib

import mpmath
import numpy as np

from theory.params import Params, map_array

GUARD = 10
"""Guard digits added to every requested precision."""


@contextlib.contextmanager
def workdps(dps: int):
    """Scope mpmath to ``dps`` significant digits plus :data:`GUARD`."""
    with mpmath.workdps(int(dps) + GUARD):
        yield


def rounding_band(dps: int, scale=1, lost_digits: int = 0):
    """The rounding band: how far two computations of one quantity of magnitude ``scale`` at
    ``dps`` digits may differ and still agree (docs/precision.md "rounding band").

    ``10^-(dps - lost_digits) * |scale|``: results computed with :func:`workdps` carry at least
    ``dps`` correct digits; ``lost_digits`` accounts for known cancellation (e.g. a finite
    difference of step h loses about ``-log10 h`` digits).

    >>> import mpmath
    >>> rounding_band(20, 3, lost_digits=2) == 3 * mpmath.mpf(10) ** -18
    True
    """
    return mpmath.mpf(10) ** (-(int(dps) - int(lost_digits))) * abs(scale)


def half_digits(dps: int) -> int:
    """Digits the half-precision rules keep: ``dps - dps // 2`` (``ceil(dps / 2)``).

    A quantity that is exactly zero comes out of a computation at ``dps`` digits near
    ``10^-dps`` of its scale; a genuinely non-zero one stays far above ``10^-(dps/2)`` of it, so
    the half-way mark separates the two with ``dps/2`` digits of margin on either side
    (docs/precision.md).

    >>> half_digits(50), half_digits(25)
    (25, 13)
    """
    return int(dps) - int(dps) // 2


def structural_zero_band(dps: int, scale):
    """Whether a quantity that the theory says is either exactly 0 or of order ``scale`` is 0:
    ``|value| <= 10^-half_digits(dps) * |scale|`` (docs/precision.md "structural zero band").

    Used for zero incoming / outgoing weights, replicated units and data on a kink
    (:mod:`proofs_check.landscape.structure`, :mod:`proofs_check.instances.snap`) and for zero eigenvalues of the
    theorem checks (:func:`zero_eigenvalue_tolerance` with no gradient)."""
    return rounding_band(dps, scale, lost_digits=int(dps) - half_digits(dps))


def criticality_tolerance(dps: int, scale=1, margin_digits: int = 0):
    """The gradient norm at or below which a point counts as (numerically) critical:
    ``10^-half_digits(dps) * max(1, scale) * 10^-margin_digits`` (docs/precision.md "criticality").

    ``scale`` is the Hessian's spectral scale ``s = max |mu|`` where it is known
    (:func:`proofs_check.landscape.classify.classify`); ``train --objective critical`` has no Hessian and
    uses ``scale = 1``, the smallest value ``max(1, s)`` takes, so every point it accepts is
    critical for the classifier too. ``margin_digits`` asks for that many digits more (the
    target a polishing loop aims for, so the decimal round trip of a stored file stays inside)."""
    with workdps(dps):
        floor = max(mpmath.mpf(1), abs(mpmath.mpf(scale)))
        return structural_zero_band(dps, floor) * mpmath.mpf(10) ** (-int(margin_digits))


def zero_eigenvalue_tolerance(dps: int, scale, gradient_norm=0):
    """tau: Hessian eigenvalues with ``|mu| <= tau`` count as zero (docs/precision.md
    "zero eigenvalues"; docs/theorems.md T4 asks for a relative tolerance).

        tau = max(structural_zero_band(dps, s), sqrt(s * |g|)),   s = |scale| (= max_k |mu_k|).

    Why: (1) Weyl's inequality: a symmetric error E in the Hessian moves every eigenvalue by at
    most ||E||_2 ~ 10^-dps s; half of the digits are kept as margin for the rounding of the
    eigensolver and the Hessian sums. (2) At a point that is only approximately critical
    (gradient g) the nearest critical point is at distance r ~ |g| / mu and its Hessian differs by
    O(|nabla^3 L| r); without a bound on third derivatives the geometric mean sqrt(s |g|) is used,
    which dominates |g| whenever |g| < s and is negligible (10^-(dps/4) s) at accepted points."""
    with workdps(dps):
        s = abs(mpmath.mpf(scale))
        return max(structural_zero_band(dps, s), mpmath.sqrt(s * abs(mpmath.mpf(gradient_norm))))


def strict_curvature_floor(dps: int, scale):
    """The smallest Hessian eigenvalue a *searched* strict minimum must exceed:
    ``10^6 * structural_zero_band(dps, scale)`` (docs/precision.md "search margins").

    A search (e.g. :func:`proofs_check.instances.critical_search.find_strict_minimum`) keeps only points
    whose curvature clears the zero band by six digits, so that a later classification at the
    same ``dps`` (whose band widens by ``sqrt(s |g|)``) cannot see a zero eigenvalue there."""
    return structural_zero_band(dps, scale) * 10 ** 6


def descent_curvature_floor(dps: int, scale):
    """The smallest negative curvature ``|q|`` (of a unit direction, relative to the Hessian scale
    ``scale``) whose saddle a loss-decrease certificate at ``dps`` digits can show:
    ``10^-(dps // 4) |scale|`` (docs/precision.md "search margins").

    Why: along the direction the loss is ``L + s^2 q / 2 + O(s^3 scale)``, so the quadratic term
    dominates only for ``s <~ |q| / scale``, where the decrease is at most about ``|q|^3 / scale^2``;
    the certificate (:mod:`proofs_check.landscape.descent`) needs it below ``-10^-(dps - dps // 4) L``,
    which holds for ``|q| >~ 10^-(dps // 4) scale``. A designed instance whose predicted saddle
    should be shown at ``dps`` keeps its curvature above this floor.

    >>> descent_curvature_floor(24, 3) == 3 * mpmath.mpf(10) ** -6
    True
    """
    return rounding_band(dps, scale, lost_digits=int(dps) - int(dps) // 4)


def newton_target(dps: int):
    """The residual at which a Newton-type iteration at ``dps`` (or more) digits stops (for Newton
    on grad L the gradient norm; for a secant root search |f|): ``10^-(dps - 5)``
    (docs/precision.md "search margins"), five digits short of the working precision (what
    quadratic convergence reaches without stalling on rounding) and far inside
    :func:`criticality_tolerance`, so the stored decimals of a polished point stay critical."""
    return rounding_band(dps, 1, lost_digits=5)


def second_difference_step(dps: int):
    """Step h = 10^-(dps // 4) of a central second difference of a loss computed at ``dps``
    digits (docs/precision.md "finite differences"): its rounding error 10^-dps / h^2 and its
    truncation error h^2 are both about 10^-(dps/2)."""
    return mpmath.mpf(10) ** (-(int(dps) // 4))


def difference_dps(dps: int, step, order: int = 2) -> int:
    """The digits at which to compute the values of a difference quotient of ``order`` with step
    ``step`` (``[f(s) - f(0)] / s^order``) so that the quotient keeps ``dps`` digits:
    ``dps + order * ceil(-log10 |step|)`` (docs/precision.md "finite differences"). Dividing a
    difference of values by ``s^order`` multiplies their rounding error by ``s^-order``; a step
    that a truncation bound makes small (a check whose step shrinks with a large Hessian scale)
    then keeps its digits instead of measuring rounding.

    >>> difference_dps(24, mpmath.mpf("6e-14")), difference_dps(24, 1)
    (52, 24)
    """
    with workdps(dps):
        lost = int(mpmath.ceil(-mpmath.log10(abs(mpmath.mpf(step)))))
    return int(dps) + int(order) * max(lost, 0)


def second_difference_tolerance(dps: int, scale):
    """How far a central second difference with :func:`second_difference_step` may lie from the
    exact second derivative of magnitude ``scale``: ``rounding_band(dps, scale, dps // 2 + 2)``, the
    half of the digits the difference loses plus two for the constants of both error terms
    (docs/precision.md "finite differences")."""
    return rounding_band(dps, scale, lost_digits=int(dps) // 2 + 2)


def near_interpolation_band(dps: int, scale=1):
    """The loss at or below which a point counts as *near-interpolating* (a trained fit): the
    certifier tries to prove an exact zero of the residual next to it before anything else
    (docs/certified.md). ``10^-(dps // 2) * max(1, scale)``, ``scale`` the loss of the zero network
    (docs/precision.md "zero loss"). Only a route to a proof: the verdict is the proof."""
    return rounding_band(dps, max(1, scale), lost_digits=int(dps) - int(dps) // 2)


def zero_loss_band(dps: int, scale=1):
    """The loss at or below which a point counts as fitting the data (``L = 0`` to the working
    precision; a global-minimum verdict still needs a proof): ``rounding_band(dps, max(1, scale))``
    with ``scale`` the loss of the zero network ``|y|^2 / 2`` (docs/precision.md "zero loss")."""
    return rounding_band(dps, max(1, scale))


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
    return map_array(to_mpf, values)


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
