"""Exact interpolation of 1-input, 1-output data by a ReLU network, in rational arithmetic.

A network ``f(x) = c + sum_j v_j relu(w_j x + b_j)`` is continuous piecewise linear (CPWL) with at
most one kink per unit (at ``-b_j / w_j``). On the data range ``[x_0, x_{n-1}]`` (sorted, distinct
inputs) only kinks strictly inside the range matter.

**Minimum number of kinks** K of a CPWL interpolant: a dynamic programme over the data points
whose state is the interval of admissible slopes of the current linear piece. In gap i (secant
slope ``m_i``) an interpolant of a min-kink kind has 0 kinks (piece slope = ``m_i``), 1 kink
(slopes ``a < m_i < b`` or ``a > m_i > b``: the kink lies strictly inside the gap exactly then)
or 2 kinks (``a, b >= m_i`` and a middle slope ``< m_i``, or the mirror image: ``m_i`` must be a
strict convex combination of the three slopes); any data point inside the range may carry a
kink (the next piece's slope is then free). Three or more kinks in one gap, or two kinks with
``a < m_i < b``, can always be replaced by fewer, so no min-kink interpolant uses them.

**Feasibility with H units** (exact):
- ``K <= H - 1``: feasible: K units put the kinks (all facing right, ``relu(x - t_k)``) and one
  more unit whose kink lies left of the data supplies the first piece's slope.
- ``K >= H + 1``: infeasible: H units have at most H kinks. The certificate says so.
- ``K = H``: every unit must carry one interior kink. A unit facing right (``w > 0``) adds a slope
  change ``Delta_k`` right of its kink; one facing left (``w < 0``) changes the slope by
  ``Delta_k`` too but vanishes right of it, so the slope left of all kinks is
  ``s_0 = -sum_{left-facing k} Delta_k``. Feasible iff some min-kink interpolant and some set A
  of left-facing kinks satisfy that linear equation. For a fixed kink pattern the piece slopes
  range over independent intervals, so each (pattern, A) is a one-equation feasibility problem
  over a box, decided exactly; all min-kink patterns are enumerated.

Parameters come out as ``fractions.Fraction`` (``w = +-1``, ``b = -w t``, ``v = Delta``) and the
fit is checked exactly: every residual is the rational number 0. The programme itself runs on
gmpy2's ``mpq`` (the same exact rationals, in C). See ``docs/training.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from itertools import product

import gmpy2
import mpmath
import numpy as np

from theory.architecture import Architecture
from theory.errors import NotConverged
from theory.params import flatten, unflatten

# An interval of slopes: (lo, lo_closed, hi, hi_closed); lo/hi None means -inf/+inf.
ALL = (None, False, None, False)


def to_fraction(value) -> Fraction:
    """The exact rational value of a float, int, decimal string or mpf."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (int, np.integer)):
        return Fraction(int(value))
    if isinstance(value, str):
        return Fraction(value.strip())
    if isinstance(value, mpmath.mpf):
        if not mpmath.isfinite(value):
            raise ValueError(f"{value} is not a finite number")
        sign, man, exp, _ = value._mpf_  # value = (-1)^sign * man * 2^exp
        return (-1) ** sign * Fraction(int(man)) * (Fraction(2) ** int(exp))
    return Fraction(float(value))


def _q(value) -> gmpy2.mpq:
    """The exact rational value as an ``mpq`` (the programme's number type)."""
    if isinstance(value, _MPQ):
        return value
    f = value if isinstance(value, Fraction) else to_fraction(value)
    return gmpy2.mpq(f.numerator, f.denominator)


def _fraction(value) -> Fraction:
    """An exact rational (mpq, Fraction, int) as ``fractions.Fraction`` (the public type)."""
    return Fraction(int(value.numerator), int(value.denominator))


_MPQ = type(gmpy2.mpq(0))
_ZERO, _ONE = gmpy2.mpq(0), gmpy2.mpq(1)


def _point(m):
    return (m, True, m, True)


def _intersect(a, b):
    lo, lc = a[0], a[1]
    if b[0] is not None and (lo is None or b[0] > lo or (b[0] == lo and not b[1])):
        lo, lc = b[0], b[1]
    hi, hc = a[2], a[3]
    if b[2] is not None and (hi is None or b[2] < hi or (b[2] == hi and not b[3])):
        hi, hc = b[2], b[3]
    if lo is not None and hi is not None and (lo > hi or (lo == hi and not (lc and hc))):
        return None
    return (lo, lc, hi, hc)


def _interior(iv) -> Fraction:
    lo, _, hi, _ = iv
    if lo is not None and hi is not None:
        return (lo + hi) / 2
    if lo is not None:
        return lo + 1
    if hi is not None:
        return hi - 1
    return _ZERO


@dataclass(frozen=True)
class Kink:
    """A kink between piece k-1 and piece k: at data point ``index`` (kind "point"), alone in gap
    ``index`` (kind "gap"), or the first/second of two in gap ``index`` ("gap2a"/"gap2b")."""

    kind: str
    index: int


@dataclass(frozen=True)
class Pattern:
    """A min-kink interpolation pattern: slope intervals of the K+1 pieces and the K kinks."""

    pieces: tuple
    kinks: tuple[Kink, ...]


class Interpolation:
    """Sorted, de-duplicated data (Fractions) and the kink programme over it."""

    def __init__(self, x, y):
        pts = sorted(zip((_q(v) for v in x), (_q(v) for v in y)))
        self.conflict = None
        xs, ys = [], []
        for xv, yv in pts:
            if xs and xs[-1] == xv:
                if ys[-1] != yv:
                    self.conflict = (xv, ys[-1], yv)
                continue
            xs.append(xv)
            ys.append(yv)
        self.x, self.y = xs, ys
        self.n = len(xs)
        self.m = [(ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]) for i in range(self.n - 1)]
        self._min = lru_cache(maxsize=None)(self._min_uncached)

    # --- transitions ---------------------------------------------------------------------
    def _gap_moves(self, i, iv):
        """Ways through gap i from the current piece interval ``iv``: (kinks, closed pieces, next)."""
        m = self.m[i]
        out = []
        pinned = _intersect(iv, _point(m))
        if pinned is not None:
            out.append((0, (), pinned))
        below, above = _intersect(iv, (None, False, m, False)), _intersect(iv, (m, False, None, False))
        if below is not None:
            out.append((1, ((below, Kink("gap", i)),), (m, False, None, False)))
        if above is not None:
            out.append((1, ((above, Kink("gap", i)),), (None, False, m, False)))
        at_least, at_most = _intersect(iv, (m, True, None, False)), _intersect(iv, (None, False, m, True))
        if at_least is not None:
            out.append((2, ((at_least, Kink("gap2a", i)), ((None, False, m, False), Kink("gap2b", i))),
                        (m, True, None, False)))
        if at_most is not None:
            out.append((2, ((at_most, Kink("gap2a", i)), ((m, False, None, False), Kink("gap2b", i))),
                        (None, False, m, True)))
        return out

    def _moves(self, i, iv):
        """Gap i then, at an interior point i+1, an optional kink."""
        for cost, closed, nxt in self._gap_moves(i, iv):
            yield cost, closed, nxt
            if i + 1 < self.n - 1:
                yield cost + 1, closed + ((nxt, Kink("point", i + 1)),), ALL

    def _min_uncached(self, i, iv):
        if i == self.n - 1:
            return 0
        return min(cost + self._min(i + 1, nxt) for cost, _, nxt in self._moves(i, iv))

    def min_kinks(self) -> int:
        """The minimum number of kinks strictly inside the data range of a CPWL interpolant."""
        if self.n <= 2:
            return 0
        return self._min(0, ALL)

    def patterns(self, kinks: int, limit: int | None = None):
        """Every pattern with exactly ``kinks`` kinks (``kinks`` must be the minimum)."""
        def walk(i, iv, used, pieces, ks):
            if i == self.n - 1:
                yield Pattern(tuple(pieces) + (iv,), tuple(ks))
                return
            for cost, closed, nxt in self._moves(i, iv):
                if used + cost + self._min(i + 1, nxt) > kinks:
                    continue
                yield from walk(i + 1, nxt, used + cost, pieces + [c[0] for c in closed],
                                ks + [c[1] for c in closed])
        count = 0
        for p in walk(0, ALL, 0, [], []):
            yield p
            count += 1
            if limit is not None and count >= limit:
                return

    # --- construction ----------------------------------------------------------------------
    def kink_positions(self, pattern: Pattern, slopes) -> list[Fraction]:
        """Kink locations of the interpolant with the given piece slopes."""
        out = []
        for k, kink in enumerate(pattern.kinks):
            a, b = slopes[k], slopes[k + 1]
            i = kink.index
            if kink.kind == "point":
                out.append(self.x[i])
                continue
            x0, x1, m = self.x[i], self.x[i + 1], self.m[i]
            h = x1 - x0
            if kink.kind == "gap":
                out.append((m * h - b * x1 + a * x0) / (a - b))
            elif kink.kind == "gap2a":
                c = slopes[k + 2]
                mu = (m - b) / (a + c - 2 * b)
                out.append(x0 + mu * h)
            else:  # gap2b: the middle piece is slopes[k]
                a2, mid, c = slopes[k - 1], a, b
                mu = (m - mid) / (a2 + c - 2 * mid)
                out.append(x1 - mu * h)
        return out


def solve_box_equation(coefs, intervals):
    """Values ``s_k`` in ``intervals[k]`` with ``sum_k coefs[k] s_k = 0``, or None if there are none.

    The range of the sum over the box is an interval (Minkowski sum); it contains 0 exactly when
    the equation is solvable. Exact in rationals."""
    terms = []
    for c, iv in zip(coefs, intervals):
        lo, lc, hi, hc = iv
        if c == 0:
            terms.append(None)
            continue
        slo = None if lo is None else c * lo
        shi = None if hi is None else c * hi
        terms.append((slo, lc, shi, hc) if c > 0 else (shi, hc, slo, lc))
    live = [t for t in terms if t is not None]
    if not live:
        return [_interior(iv) for iv in intervals]
    lo = None if any(t[0] is None for t in live) else sum(t[0] for t in live)
    lo_c = all(t[1] for t in live)
    hi = None if any(t[2] is None for t in live) else sum(t[2] for t in live)
    hi_c = all(t[3] for t in live)
    if lo is not None and (lo > 0 or (lo == 0 and not lo_c)):
        return None
    if hi is not None and (hi < 0 or (hi == 0 and not hi_c)):
        return None
    vals = [None if t is None else _interior(t) for t in terms]
    need = -sum(v for v in vals if v is not None)
    if need != 0:
        idx = [k for k, t in enumerate(terms) if t is not None]
        end = 2 if need > 0 else 0
        rooms = {k: (None if terms[k][end] is None else abs(terms[k][end] - vals[k])) for k in idx}
        unbounded = [k for k in idx if rooms[k] is None]
        if unbounded:
            vals[unbounded[0]] += need
        else:
            total = sum(rooms.values())
            frac = abs(need) / total
            for k in idx:
                vals[k] += (frac * rooms[k]) if need > 0 else -(frac * rooms[k])
    out = []
    for k, (c, iv) in enumerate(zip(coefs, intervals)):
        out.append(_interior(iv) if c == 0 else vals[k] / c)
    return out


@dataclass(frozen=True)
class ReluFit:
    """The exact answer for one data set and width.

    Attributes:
        feasible: whether a ReLU net with ``hidden`` units interpolates the data.
        min_kinks: minimum number of interior kinks K of an interpolant (None if the data
            repeat an input with two targets).
        hidden: the width asked for.
        W0, b0, W1, b1: Fraction parameters (lists) of the fit, or None if infeasible.
        certificate: the reason in words when infeasible.
        patterns_checked: min-kink patterns examined (the K = H case).
    """

    feasible: bool
    min_kinks: int | None
    hidden: int
    W0: list | None = None
    b0: list | None = None
    W1: list | None = None
    b1: list | None = None
    certificate: str | None = None
    patterns_checked: int = 0

    def vector(self) -> list[Fraction]:
        """Parameters in the flat order of ``docs/network.md``: w_1..w_H, b_1..b_H, v_1..v_H, c."""
        H = len(self.W0)
        W = [np.array(self.W0, dtype=object).reshape(H, 1), np.array(self.W1, dtype=object).reshape(1, H)]
        return list(flatten(W, [np.array(self.b0, dtype=object), np.array(self.b1, dtype=object)]))


def _blocks(vector):
    """(w, b, v, c) of a 1-H-1 net from its flat vector (:func:`theory.params.unflatten`)."""
    H = (len(vector) - 1) // 3
    W, b = unflatten(Architecture((1, H, 1), "relu"), np.array(list(vector), dtype=object))
    return list(W[0][:, 0]), list(b[0]), list(W[1][0]), list(b[1])


def network_values(vector, x) -> list[Fraction]:
    """Exact outputs of the 1-H-1 ReLU net with flat parameters ``vector`` at inputs ``x``."""
    w, b, v, (c,) = ([_q(t) for t in block] for block in _blocks(vector))
    out = []
    for xv in x:
        xv = _q(xv)
        out.append(_fraction(c + sum((vj * max(wj * xv + bj, _ZERO) for wj, bj, vj in zip(w, b, v)), _ZERO)))
    return out


def _orientation_coefs(K: int, left: tuple[int, ...]):
    a = [1 if k in left else 0 for k in range(K)]
    return [(1 if p == 0 else 0) + (a[p - 1] if p >= 1 else 0) - (a[p] if p < K else 0) for p in range(K + 1)]


def _build(interp: Interpolation, pattern: Pattern, slopes, left, hidden: int) -> list[Fraction]:
    t = interp.kink_positions(pattern, slopes)
    K = len(t)
    w, b, v = [], [], []
    for k in range(K):
        delta = slopes[k + 1] - slopes[k]
        sign = -1 if k in left else 1
        w.append(gmpy2.mpq(sign))
        b.append(-sign * t[k])
        v.append(delta)
    x_first, x_last = interp.x[0], interp.x[-1]
    if not left and K < hidden:
        # a unit whose kink lies left of the data: linear on the data, slope s_0
        w.append(_ONE); b.append(-(x_first - 1)); v.append(slopes[0])
    while len(w) < hidden:
        w.append(_ONE); b.append(-(x_last + 1)); v.append(_ZERO)
    c = interp.y[0] - sum((vj * max(wj * x_first + bj, _ZERO) for wj, bj, vj in zip(w, b, v)), _ZERO)
    return [_fraction(value) for value in w + b + v + [c]]


MAX_CHECKS = 2_000_000
"""Budget of (pattern, orientation) checks in the K = H case; beyond it :func:`fit` raises
NotConverged instead of answering (never reached for 10 points: K <= 8, 2^K orientations)."""


def fit(x, y, hidden: int, max_patterns: int | None = None, interp: Interpolation | None = None) -> ReluFit:
    """Decide exactly whether ``hidden`` ReLU units interpolate (x, y) (1-D) and build the fit.

    ``interp``: the :class:`Interpolation` of the same data, to reuse its programme's table.
    Raises NotConverged when the K = H decision would need more than :data:`MAX_CHECKS`
    (pattern, orientation) checks (many points with many kinks); ``hidden >= K + 1`` is always
    decided at once."""
    if interp is None:
        interp = Interpolation(np.asarray(x).reshape(-1), np.asarray(y).reshape(-1))
    n_orig = int(np.asarray(x).size)
    if interp.conflict is not None:
        xv, y1, y2 = interp.conflict
        return ReluFit(False, None, hidden, certificate=(
            f"two samples share the input x = {float(xv):.17g} with different targets "
            f"({float(y1):.17g} and {float(y2):.17g}): no function interpolates them"))
    K = interp.min_kinks()
    result = None
    checked = 0
    if K <= hidden - 1:
        pattern = next(interp.patterns(K))
        slopes = [_interior(iv) for iv in pattern.pieces]
        result = _build(interp, pattern, slopes, (), hidden)
    elif K == hidden:
        checks = 0
        for pattern in interp.patterns(K, max_patterns):
            checked += 1
            for mask in product((0, 1), repeat=K):
                checks += 1
                if checks > MAX_CHECKS:
                    raise NotConverged(
                        f"deciding whether {hidden} ReLU units interpolate these {n_orig} points (they need "
                        f"{K} kinks) would take more than {MAX_CHECKS} exact checks; use --hidden {K + 1} or "
                        "more, which is always feasible")
                left = tuple(k for k in range(K) if mask[k])
                slopes = solve_box_equation(_orientation_coefs(K, left), pattern.pieces)
                if slopes is not None:
                    result = _build(interp, pattern, slopes, left, hidden)
                    break
            if result is not None:
                break
    if result is None:
        if K > hidden:
            cert = (f"these {n_orig} points need at least {K} kinks (minimum over all continuous "
                    f"piecewise-linear interpolants), so at least {K} hidden units; {hidden} were given")
        else:
            cert = (f"these {n_orig} points need at least {K} kinks; with exactly {K} units every unit "
                    f"carries one kink, and none of the {checked} minimal kink patterns admits slopes "
                    f"with s_0 = -(sum of the left-facing units' slope changes), so at least {K + 1} "
                    f"hidden units are needed; {hidden} were given")
        return ReluFit(False, K, hidden, certificate=cert, patterns_checked=checked)
    values = network_values(result, [to_fraction(v) for v in np.asarray(x).reshape(-1)])
    targets = [to_fraction(v) for v in np.asarray(y).reshape(-1)]
    assert values == targets, "exact ReLU construction does not interpolate"  # internal invariant
    w, b, v, c = _blocks(result)
    return ReluFit(True, K, hidden, w, b, v, c, patterns_checked=checked)


def minimal_width(x, y, interp: Interpolation | None = None) -> tuple[int, ReluFit]:
    """The exact smallest H >= 1 whose ReLU net interpolates the data, with its fit (``interp``
    as in :func:`fit`)."""
    if interp is None:
        interp = Interpolation(np.asarray(x).reshape(-1), np.asarray(y).reshape(-1))
    if interp.conflict is not None:
        res = fit(x, y, 1, interp=interp)
        return 0, res
    K = interp.min_kinks()
    if K >= 1:
        res = fit(x, y, K, interp=interp)
        if res.feasible:
            return K, res
    width = K + 1
    return width, fit(x, y, width, interp=interp)
