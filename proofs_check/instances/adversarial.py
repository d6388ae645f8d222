"""Adversarial critical points that floating thresholds misjudge (docs/certified.md "Adversarial cases").

Every case is an exact construction, so its true verdict is known:

- :func:`tiny_coupling` -- a replicated tanh unit with H_{l+1} = M = 2 outputs whose B_j block has
  sigma_max = ``size`` exactly (any size, e.g. 6e-31): a saddle for every lambda by T4b, however
  small B_j is. ``nudge`` moves the targets so that the point is critical only to about ``nudge``.
- :func:`near_degenerate` -- a 1-1-1 tanh critical point whose Hessian has lambda_min = ``value``
  (e.g. +-1e-30): a strict minimum for value > 0, a saddle for value < 0.
- :func:`non_attained` -- a 1-1-1 tanh network on y = sign(x): L = 1.5e-52 at w = 60, the infimum
  0 is never attained, so no point is a global minimum.
- :func:`inactive_coupling` -- a 1-1-1 strict minimum with an inactive unit (w0 = 0, b0, v = 0)
  whose T5 block C = phi'(b0) [sum_i x_i e_i; sum_i e_i] = phi'(b0) [``size``; 0]: a saddle for
  C != 0 however small (T5); for C = 0 exactly second order does not decide.

Construction: at a fixed point theta, the gradient is J^T e (J the output Jacobian, e the
residuals), so any e in the null space of J^T makes theta exactly critical for the targets
y = f(theta) - e; the blocks B_j and the Hessian are linear / affine in e.
"""

from __future__ import annotations

import mpmath
import numpy as np

from numerics import mlp, newton
from numerics.dataset import Dataset
from numerics.precision import newton_target, workdps
from theory.architecture import Architecture
from theory.embeddings.inactive_unit import add_inactive_unit
from theory.embeddings.replication import replicate
from theory.params import Params

GUARD_DIGITS = 30
"""Extra digits of the construction, beyond the dps the case is classified at."""


def _mat(rows):
    return mpmath.matrix([[mpmath.mpf(v) for v in row] for row in rows])


def _project_out(C, r):
    """r minus its component in the row space of C: the projection onto null(C)."""
    CCt = C * C.T
    return r - C.T * mpmath.lu_solve(CCt, C * r)


def _residual_targets(arch, params, x, e):
    f = mlp.forward(arch, params, x, 200)
    n, M = f.shape
    y = np.empty((n, M), dtype=object)
    for i in range(n):
        for m in range(M):
            y[i, m] = f[i, m] - e[i * M + m]
    return y


def tiny_coupling(size, dps: int = 50, lam="0.5", nudge=None, n: int = 8):
    """(wide arch, wide params, data): module docstring. ``size`` and ``nudge`` are decimal strings."""
    arch = Architecture((1, 1, 2), "tanh")
    with workdps(dps + GUARD_DIGITS):
        params = Params.from_vector(arch, [mpmath.mpf(v) for v in ("2", "0.5", "1.1", "-0.7", "0.2", "0.1")])
        x = np.array([[mpmath.mpf(2 * k) / (n - 1) - 1] for k in range(n)], dtype=object)
        J = _mat(mlp.jacobian(arch, params, x, dps + GUARD_DIGITS).tolist())  # (nM) x D
        v = [params.W[1][m, 0] for m in range(2)]
        perp = [-v[1], v[0]]
        u = [params.W[0][0, 0] * x[i, 0] + params.b[0][0] for i in range(n)]
        d1 = [1 - mpmath.tanh(t) ** 2 for t in u]
        rows = [[perp[m] * d1[i] * x[i, 0] for i in range(n) for m in range(2)],
                [perp[m] * d1[i] for i in range(n) for m in range(2)]]
        C = _mat(J.T.tolist() + rows)
        d2 = [float(-2 * mpmath.tanh(t) * d) for t, d in zip(u, d1)]
        # residuals with A_j > 0 (and, being small, a positive definite narrow Hessian): no other
        # saddle mechanism than B_j (T4a would make lambda = 0.5 a minimum if B_j were 0).
        # A(e) is linear in e: search the null space of C in float64, then project exactly.
        Cf = np.array(C.tolist(), dtype=float)
        basis = np.linalg.svd(Cf)[2][Cf.shape[0]:]
        vf = [float(c) for c in v]
        hs = [np.array([float(x[i, 0]), 1.0]) for i in range(n)]

        def a_of(e):
            return sum(((vf[0] * e[2 * i] + vf[1] * e[2 * i + 1]) * d2[i]) * np.outer(hs[i], hs[i])
                       for i in range(n))

        rng = np.random.default_rng(11)
        best, pick = -np.inf, None
        for _ in range(4000):
            e = rng.normal(size=basis.shape[0]) @ basis
            w = np.linalg.eigvalsh(a_of(e))
            if w[0] / max(abs(w[1]), 1e-300) > best:
                best, pick = w[0] / abs(w[1]), e
        e0 = _project_out(C, _mat([[c] for c in pick]))
        e0 = e0 * (mpmath.mpf("0.01") / mpmath.norm(e0))
        e1 = _project_out(J.T, _mat([[v] for v in rng.normal(size=2 * n)]))
        B1 = _coupling(e1, d1, x, n)
        e = e0 + e1 * (mpmath.mpf(size) / B1)
        y = _residual_targets(arch, params, x, [e[k] for k in range(2 * n)])
        if nudge is not None:
            y = y + np.array([[mpmath.mpf(nudge) * (k % 3 - 1)] * 2 for k in range(n)], dtype=object)
        wide_arch, wide = replicate(arch, params, 0, 0, mpmath.mpf(lam))
    return wide_arch, wide, Dataset(x, y)


def _coupling(e, d1, x, n):
    """sigma_max of B = sum_i e_i phi'(u_i) (x_i, 1)^T (2 x 2, rank 1 at a critical point)."""
    B = mpmath.matrix(2, 2)
    for i in range(n):
        for m in range(2):
            B[m, 0] += e[i * 2 + m] * d1[i] * x[i, 0]
            B[m, 1] += e[i * 2 + m] * d1[i]
    return mpmath.sqrt(max(mpmath.eigsy(B.T * B, eigvals_only=True)))


def near_degenerate(value, dps: int = 50, n: int = 8):
    """(arch, params, data) of a 1-1-1 tanh critical point with lambda_min(H) = ``value``."""
    arch = Architecture((1, 1, 1), "tanh")
    digits = dps + GUARD_DIGITS
    with workdps(digits):
        params = Params.from_vector(arch, [mpmath.mpf(v) for v in ("1.3", "-0.2", "0.9", "0.1")])
        x = np.array([[mpmath.mpf(k) / 3 - 1] for k in range(n)], dtype=object)
        J = _mat(mlp.jacobian(arch, params, x, digits).tolist())
        rng = np.random.default_rng(5)
        eb = _project_out(J.T, _mat([[v] for v in rng.normal(size=n)]))
        eb = [eb[k] for k in range(n)]

        def lowest(t):
            y = _residual_targets(arch, params, x, [t * c for c in eb])
            H = mlp.hessian(arch, params, x, y, digits)
            return min(mpmath.eigsy(mpmath.matrix(H.tolist()), eigvals_only=True))

        sign = 1 if lowest(mpmath.mpf(-8)) < lowest(mpmath.mpf(8)) else -1
        lo, hi = mpmath.mpf(0), mpmath.mpf(1)
        while lowest(sign * hi) > 0:
            hi *= 2
        for _ in range(60):  # bisection, then secant on lambda_min(t) = value
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if lowest(sign * mid) > 0 else (lo, mid)
        t1 = _secant(lambda t: lowest(sign * t) - value, lo, hi, newton_target(digits))
        y = _residual_targets(arch, params, x, [sign * t1 * c for c in eb])
    return arch, params, Dataset(x, y)


def _secant(f, t0, t1, target, max_steps=30):
    """The secant root search of ``f`` from ``t0, t1`` (numerics.newton.iterate, docs/training.md
    "Newton iterations"): Newton with the slope (f1 - f0) / (t1 - t0); it stops once a step lands
    where |f| < ``target``, or when the slope is 0. Returns the last point."""

    def update(state, delta):
        _, _, t, ft, _ = state
        moved = t - delta
        return (t, ft, moved, f(moved), True), True

    def solve(F, J):
        dt, df = J  # the slope kept as a quotient: the step is F dt / df
        return None if df == 0 else F * dt / df

    found = newton.iterate((t0, f(t0), t1, f(t1), False), evaluate=lambda s: (s[3], (s[2] - s[0], s[3] - s[1])),
                           solve=solve, update=update, stop=lambda s: s[4] and abs(s[3]) < target,
                           max_steps=max_steps)
    return found.state[2]


def non_attained(dps: int = 50):
    """(arch, params, data): tanh(60 x) on y = sign(x) at x = +-0.5, +-1 (module docstring)."""
    arch = Architecture((1, 1, 1), "tanh")
    with workdps(dps + GUARD_DIGITS):
        params = Params.from_vector(arch, [mpmath.mpf(v) for v in ("60", "0", "1", "0")])
        x = np.array([[mpmath.mpf(v)] for v in ("-1", "-0.5", "0.5", "1")], dtype=object)
        y = np.array([[mpmath.mpf(v)] for v in ("-1", "-1", "1", "1")], dtype=object)
    return arch, params, Dataset(x, y)


def inactive_coupling(size, dps: int = 50, n: int = 8, b0="0.7", activation="tanh"):
    """(wide arch, wide params, data): module docstring; ``size`` a decimal string. With data
    written at finitely many digits the true critical point moves, so "0" leaves C ~ 10^-dps; an
    exactly zero C comes from phi'(b0) = 0 (``activation="poly:0,0,1,1"``, ``b0="0"``)."""
    arch = Architecture((1, 1, 1), activation)
    with workdps(dps + GUARD_DIGITS):
        params = Params.from_vector(arch, [mpmath.mpf(v) for v in ("1.3", "-0.2", "0.9", "0.1")])
        x = np.array([[mpmath.mpf(k) / 3 - 1] for k in range(n)], dtype=object)
        J = _mat(mlp.jacobian(arch, params, x, dps + GUARD_DIGITS).tolist())
        xs = [x[i, 0] for i in range(n)]
        rng = np.random.default_rng(17)
        # e0 is orthogonal to the columns of J and to x: critical with sum_i x_i e_i = 0
        e0 = _project_out(_mat(J.T.tolist() + [xs]), _mat([[v] for v in rng.normal(size=n)]))
        e0 = e0 * (mpmath.mpf("0.01") / mpmath.norm(e0))
        e1 = _project_out(J.T, _mat([[v] for v in rng.normal(size=n)]))
        e = e0 + e1 * (mpmath.mpf(size) / mpmath.fsum(a * b for a, b in zip(xs, e1)))
        y = _residual_targets(arch, params, x, [e[k] for k in range(n)])
        wide_arch, wide = add_inactive_unit(arch, params, 0, [mpmath.mpf(0), mpmath.mpf(b0)])
    return wide_arch, wide, Dataset(x, y)
