"""Interval tests on ball enclosures: Krawczyk existence, Gershgorin inertia, Rayleigh signs.

Each test receives enclosures computed by :mod:`numerics.balls` over a box and returns a proof
object, or None when the test does not pass (docs/certified.md "The tests"):

- Krawczyk (existence and uniqueness of a zero of F in X = m +- r): with any matrix Y,
      K(X) = m - Y F(m) + (I - Y J(X)) (X - m);
  K(X) strictly inside X proves exactly one zero of F in X.
- Gershgorin inertia: for a non-singular Q (proved by ||Q^T Q - I||_F < 1), Q^T H Q and H have
  the same inertia (Sylvester). Every Gershgorin disc of the enclosure of Q^T H(X) Q lying left or
  right of 0 proves that many negative / positive eigenvalues of every H in H(X); by Ostrowski's
  theorem each eigenvalue of H lies between (disc bound) / (1 + eps) and (disc bound) / (1 - eps)
  of its own sign, eps >= ||Q^T Q - I||_2.
- Rayleigh: q^T H(X) q < 0 for one exact vector q proves a negative eigenvalue of every H in H(X).
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np
from flint import arb, arb_mat

from numerics.ball_functions import BITS_PER_DIGIT


@dataclass(frozen=True, eq=False)
class KrawczykProof:
    """K(X) inside X: the contraction ``ratio`` = max_k |K_k - m_k| / r_k < 1 and K itself."""

    radius: arb
    enclosure: list
    ratio: arb


def _mid_matrix(J: arb_mat) -> arb_mat:
    return J.mid()


def krawczyk(F_mid: list, J_box: arb_mat, radius) -> KrawczykProof | None:
    """Krawczyk test for F = 0 in the box m +- radius (every coordinate the same radius).

    Arguments:
        F_mid: F at the exact centre m (list of N balls).
        J_box: the Jacobian of F over the whole box (N x N arb_mat).
        radius: the box radius r (arb, exact).
    Returns:
        KrawczykProof when K(X) - m lies strictly inside [-r, r]^N, else None.
    """
    N = len(F_mid)
    if N == 0:
        return KrawczykProof(arb(radius), [], arb(0))
    try:
        Y = _mid_matrix(J_box).inv().mid()
    except (ZeroDivisionError, ValueError):
        return None
    r = arb(radius)
    F = arb_mat([[f] for f in F_mid])
    step = Y * F
    M = arb_mat(N, N)
    YJ = Y * J_box
    for i in range(N):
        for j in range(N):
            M[i, j] = (1 if i == j else 0) - YJ[i, j]
    spread = M * arb_mat([[arb(0, 1) * r]] * N)
    K, worst = [], arb(0)
    for i in range(N):
        k = -step[i, 0] + spread[i, 0]  # K - m
        bound = k.abs_upper()
        if not bound < r:
            return None
        worst = max(worst, bound / r)
        K.append(k)
    return KrawczykProof(r, K, worst)


@dataclass(frozen=True, eq=False)
class InertiaProof:
    """Certified counts of negative / positive eigenvalues and bounds on them (module docstring)."""

    negative: int
    positive: int
    undecided: int
    lower: arb  # smallest eigenvalue >= lower (for all-positive), else the smallest disc left end
    upper: arb  # largest negative eigenvalue <= upper (when negative > 0)
    orthogonality: arb  # ||Q^T Q - I||_F upper bound


def approximate_eigenvectors(H_box: arb_mat, digits: int = 16) -> np.ndarray:
    """Approximate eigenvectors of the midpoint matrix (float64 for ``digits <= 16``, else
    mpmath at ``digits``); any matrix works for the proofs, a better one gives tighter discs."""
    n = H_box.nrows()
    if digits <= 16:
        mid = np.array([[float(H_box[i, j].mid()) for j in range(n)] for i in range(n)])
        _, Q = np.linalg.eigh((mid + mid.T) / 2)
        return Q
    with mpmath.workdps(digits):
        A = mpmath.matrix(n, n)
        for i in range(n):
            for j in range(n):
                A[i, j] = mpmath.mpf(H_box[i, j].mid().str(digits + 5, radius=False))
        A = (A + A.T) / 2
        _, Q = mpmath.eigsy(A)
        return np.array([[Q[i, j] for j in range(n)] for i in range(n)], dtype=object)


def _exact_matrix(Q) -> arb_mat:
    rows = []
    for row in np.asarray(Q, dtype=object):
        out = []
        for v in row:
            if isinstance(v, mpmath.mpf):
                sign, man, exp, _ = v._mpf_
                out.append(arb((int(-man if sign else man), int(exp))))
            else:
                out.append(arb(float(v)))
        rows.append(out)
    return arb_mat(rows)


def _orthogonality_float(Q: np.ndarray) -> arb:
    """An upper bound of ||Q^T Q - I||_F for a float64 Q from one float64 product.

    Rounding bound for dot products of length n (round to nearest, no underflow, as here with
    entries of unit size): |fl(Q^T Q) - Q^T Q| <= gamma_n |Q|^T |Q|, gamma_n = n u / (1 - n u),
    u = 2^-53; the two Frobenius norms are computed in balls from the float results."""
    Q = np.asarray(Q, dtype=float)
    n = Q.shape[0]
    u = 2.0 ** -53
    if n * u >= 0.5 or not np.all(np.isfinite(Q)):
        return None
    E = Q.T @ Q - np.eye(n)
    A = np.abs(Q).T @ np.abs(Q)
    gamma = arb(n) * u / (1 - arb(n) * u)
    # the float products themselves carry the same bound, hence the factor 2 on gamma
    fro = lambda M: arb(float(np.sqrt(np.sum(M * M)))) * (1 + arb(4 * n * n) * u)  # noqa: E731
    return (fro(E) + 2 * gamma * fro(A) + 2 * arb(n) * u).abs_upper()  # + the rounding of fl(Q^T Q) - I


def certified_inertia(H_box: arb_mat, Q=None) -> InertiaProof | None:
    """Gershgorin inertia of every matrix in ``H_box`` through Q^T H Q (module docstring).

    Returns None when Q is not proved non-singular; otherwise the counts (``undecided`` discs
    contain 0)."""
    n = H_box.nrows()
    if n == 0:
        return InertiaProof(0, 0, 0, arb(0), arb(0), arb(0))
    Q = approximate_eigenvectors(H_box) if Q is None else Q
    Qa = _exact_matrix(Q)
    eps = _orthogonality_float(Q) if np.asarray(Q).dtype != object else None
    if eps is None:
        E = Qa.transpose() * Qa
        eps = arb(0)
        for i in range(n):
            for j in range(n):
                e = E[i, j] - (1 if i == j else 0)
                eps = eps + e * e
        eps = eps.sqrt().abs_upper() if eps > 0 else arb(0)
    if not eps < 1:
        return None
    M = Qa.transpose() * H_box * Qa
    neg = pos = und = 0
    lower, upper = None, None
    for i in range(n):
        radius = sum((M[i, j].abs_upper() for j in range(n) if j != i), arb(0))
        lo, hi = M[i, i] - radius, M[i, i] + radius
        if lo > 0:
            pos += 1
            b = lo.lower() / (1 + eps)
            lower = b if lower is None else min(lower, b)
        elif hi < 0:
            neg += 1
            b = hi.upper() / (1 + eps)
            upper = b if upper is None else max(upper, b)
        else:
            und += 1
    return InertiaProof(neg, pos, und, arb(0) if lower is None else lower,
                        arb(0) if upper is None else upper, eps)


def rayleigh_upper(H_box: arb_mat, q) -> arb:
    """An upper bound of q^T H q / q^T q over every H in ``H_box`` (q exact: floats or mpf)."""
    qa = _exact_matrix([[v] for v in q])
    num = (qa.transpose() * H_box * qa)[0, 0]
    den = (qa.transpose() * qa)[0, 0]
    return (num / den).upper()


def digits_of(bits: int) -> int:
    """Decimal digits held by ``bits`` binary digits."""
    return int(bits / BITS_PER_DIGIT)
