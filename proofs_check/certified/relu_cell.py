"""Exact proofs inside an activation cell of a one-hidden-layer piecewise-linear network.

For ``f(x) = c + sum_j v_j phi(w~_j . x~)`` with phi piecewise linear and positively homogeneous
(relu, leaky_relu:A, identity), the slope ``s_ij`` of unit j on datum i is constant on the open
*cell* of parameters where no pre-activation ``z_ij = w~_j . x~_i`` changes sign. There
(docs/certified.md "ReLU cells")

    f_m(x_i) = c_m + sum_j s_ij (U_j x~_i)_m,      U_j = v_j w~_j^T  (M x (d+1)),

so L = Q(U, c), a convex quadratic of (U, c). A point theta' of the cell where the gradient of Q
vanishes (``sum_i s_ij r_i x~_i^T = 0`` for every unit and ``sum_i r_i = 0``, r the residuals) is a
global minimum of L over the cell, hence a local minimum of L; with ``r = 0`` a global minimum
(T9). The point theta' is found exactly: with v fixed, f on the data is linear in (w~, c) (design
``Psi``); one least-squares step in rational arithmetic (python-flint ``fmpq_mat``) from the input
point solves the normal equations exactly. Everything here is exact: no rounding, no tolerance.

Affine flat set: with v fixed, moving (w~, c) along the null space of ``Psi`` leaves f on the data
unchanged, so the loss is constant on an affine set of dimension ``nullity(Psi)`` through theta'
(inside the open cell).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import sympy
from flint import fmpq, fmpq_mat

from theory.architecture import Architecture
from theory.params import flat_index


def rational(value) -> fmpq:
    """The exact rational value of a decimal string (or int / Fraction / fmpq)."""
    if isinstance(value, fmpq):
        return value
    f = Fraction(value.strip()) if isinstance(value, str) else Fraction(value)
    return fmpq(f.numerator, f.denominator)


def applies(arch: Architecture) -> bool:
    """One hidden layer and a piecewise-linear, positively homogeneous activation."""
    p = arch.phi.properties
    return arch.n_hidden_layers == 1 and bool(p.piecewise_linear and p.positively_homogeneous)


def slopes(arch: Architecture) -> tuple[fmpq, fmpq]:
    """(slope for z < 0, slope for z > 0) of phi, exact (from its sympy definition)."""
    neg, pos = arch.phi(sympy.Integer(-1)), arch.phi(sympy.Integer(1))
    to = lambda s: rational(Fraction(int(sympy.Rational(s).p), int(sympy.Rational(s).q)))  # noqa: E731
    return -to(neg), to(pos)


@dataclass(frozen=True, eq=False)
class CellPoint:
    """The exact point theta' (flat order), its residuals r (n x M), pre-activations' smallest
    absolute value (the kink margin, 0 on a kink), the stationarity defect (largest |entry| of
    the gradient of Q: 0 proves a minimum), the nullity of Psi and the distance to the input."""

    point: list
    residuals: list
    margin: fmpq
    defect: fmpq
    flat: int
    distance: fmpq

    @property
    def loss(self) -> fmpq:
        """L = sum_i 1/2 ||f(x_i) - y_i||^2 at this point, exactly (docs/network.md)."""
        return sum((r * r for row in self.residuals for r in row), fmpq(0)) / 2


def _augmented(arch, x):
    return [list(row) + ([fmpq(1)] if arch.bias else []) for row in x]


def _cell(arch, theta, x):
    """(pre-activations z (n x H), slopes s (n x H)) at theta; s from the sign of z (z = 0: None)."""
    d, H = arch.widths[0], arch.widths[1]
    s_neg, s_pos = slopes(arch)
    xt = _augmented(arch, x)
    w = [[theta[flat_index(arch, "W", 0, j, k)] for k in range(d)]
         + ([theta[flat_index(arch, "b", 0, j)]] if arch.bias else []) for j in range(H)]
    z = [[sum((a * b for a, b in zip(w[j], row)), fmpq(0)) for j in range(H)] for row in xt]
    s = [[None if v == 0 else (s_pos if v > 0 else s_neg) for v in zi] for zi in z]
    return z, s


def pre_activations(arch: Architecture, theta, x) -> list:
    """z_ij = w~_j . x~_i at the exact point ``theta`` (n x H lists of fmpq)."""
    return _cell(arch, theta, x)[0]


def _outputs(arch, theta, x, s):
    """f(x_i) within the cell of slopes ``s`` (n x M, exact)."""
    H, M = arch.widths[1], arch.widths[2]
    z, _ = _cell(arch, theta, x)
    out = []
    for i in range(len(x)):
        row = []
        for m in range(M):
            acc = theta[flat_index(arch, "b", 1, m)] if arch.bias else fmpq(0)
            for j in range(H):
                acc += theta[flat_index(arch, "W", 1, m, j)] * s[i][j] * z[i][j]
            row.append(acc)
        out.append(row)
    return out


def _columns(arch):
    """Flat indices of the parameters f is linear in with v fixed: every w~_j, then the output bias."""
    d, H, M = arch.widths
    cols = [flat_index(arch, "W", 0, j, k) for j in range(H) for k in range(d)]
    if arch.bias:
        cols += [flat_index(arch, "b", 0, j) for j in range(H)] + [flat_index(arch, "b", 1, m) for m in range(M)]
    return cols


def design(arch, theta, x, s) -> tuple[list, list]:
    """(Psi as rows indexed (i, m), the flat index of each column): f = Psi (w~, c) on the data."""
    d, H, M = arch.widths
    cols = _columns(arch)
    role = {}
    for j in range(H):
        for k in range(d):
            role[flat_index(arch, "W", 0, j, k)] = (j, k)
        if arch.bias:
            role[flat_index(arch, "b", 0, j)] = (j, d)
    xt = _augmented(arch, x)
    rows = []
    for i in range(len(x)):
        for m in range(M):
            row = []
            for c in cols:
                if c in role:
                    j, k = role[c]
                    row.append(theta[flat_index(arch, "W", 1, m, j)] * s[i][j] * xt[i][k])
                else:
                    row.append(fmpq(1) if c == flat_index(arch, "b", 1, m) else fmpq(0))
            rows.append(row)
    return rows, cols


def _rank(rows, ncols) -> int:
    if not rows or not ncols:
        return 0
    return fmpq_mat(len(rows), ncols, [v for r in rows for v in r]).rank()


def greedy_columns(J, count: int) -> list[int]:
    """``count`` well-conditioned columns of J (Gram-Schmidt with column pivoting, float64), sorted."""
    A = np.array(J, dtype=float)
    chosen = []
    for _ in range(count):
        norms = np.linalg.norm(A, axis=0)
        norms[chosen] = -1
        k = int(np.argmax(norms))
        if norms[k] <= 0:
            break
        chosen.append(k)
        q = A[:, k] / norms[k]
        A = A - np.outer(q, q @ A)
    return sorted(chosen)


def _pivots(rows, ncols, rank):
    """``rank`` independent columns of Psi: float column pivoting (well conditioned), exact check."""
    chosen = greedy_columns([[float(v) for v in r] for r in rows], rank)
    if len(chosen) == rank and _rank([[r[k] for k in chosen] for r in rows], rank) == rank:
        return chosen
    R, _ = fmpq_mat(len(rows), ncols, [v for r in rows for v in r]).rref()
    out = []
    for i in range(rank):
        out.append(next(k for k in range(ncols) if R[i, k] != 0))
    return out


def gradient_of_Q(arch, x, s, residuals) -> list:
    """The gradient of Q in (U, c) at the residuals: sum_i s_ij r_i x~_i^T per unit, sum_i r_i."""
    H, M = arch.widths[1], arch.widths[2]
    xt = _augmented(arch, x)
    out = []
    for j in range(H):
        for m in range(M):
            for k in range(len(xt[0])):
                out.append(sum((s[i][j] * residuals[i][m] * xt[i][k] for i in range(len(x))), fmpq(0)))
    if arch.bias:
        out += [sum((residuals[i][m] for i in range(len(x))), fmpq(0)) for m in range(M)]
    return out


def stationary_point(arch: Architecture, theta_strings, x_strings, y_strings) -> CellPoint | None:
    """One exact least-squares step in the cell of the input point (module docstring).

    Arguments:
        arch: one hidden layer, :func:`applies`.
        theta_strings: the parameters as decimal strings (flat order); x_strings, y_strings: n x d
            and n x M decimal strings.
    Returns:
        CellPoint at theta' (its ``defect`` is 0 exactly when theta' is a proved local minimum,
        its ``margin`` > 0 when theta' lies inside the input's cell), or None when a datum lies on
        a kink at the input point.
    """
    theta = [rational(t) for t in theta_strings]
    x = [[rational(v) for v in row] for row in x_strings]
    y = [[rational(v) for v in row] for row in y_strings]
    _, s = _cell(arch, theta, x)
    if any(v is None for row in s for v in row):
        return None
    rows, cols = design(arch, theta, x, s)
    f = _outputs(arch, theta, x, s)
    r = [f[i][m] - y[i][m] for i in range(len(x)) for m in range(arch.widths[2])]
    rank = _rank(rows, len(cols))
    point = list(theta)
    if rank:
        P = _pivots(rows, len(cols), rank)
        A = fmpq_mat(len(rows), rank, [row[k] for row in rows for k in P])
        At = A.transpose()
        step = (At * A).solve(At * fmpq_mat(len(r), 1, [-v for v in r]))
        for a, k in enumerate(P):
            point[cols[k]] = theta[cols[k]] + step[a, 0]
    z, s2 = _cell(arch, point, x)
    margin = min(abs(v) for row in z for v in row)
    inside = all(a == b for ra, rb in zip(s, s2) for a, b in zip(ra, rb))
    f = _outputs(arch, point, x, s)
    res = [[f[i][m] - y[i][m] for m in range(arch.widths[2])] for i in range(len(x))]
    grad = gradient_of_Q(arch, x, s, res)
    defect = max((abs(g) for g in grad), default=fmpq(0))
    distance = max(abs(a - b) for a, b in zip(point, theta))
    return CellPoint(point, res, margin if inside else fmpq(0), defect, len(cols) - rank, distance)


def to_text(q: fmpq) -> str:
    """An exact rational as text: "p" or "p/q" (what certificates store)."""
    return str(q)
