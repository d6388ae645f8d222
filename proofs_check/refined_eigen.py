"""Symmetric eigen-decomposition at the working precision that scales (docs/classification.md "Eigenvalues at scale").

``mpmath.eigsy`` costs O(D^3) operations on Python objects (minutes at D = 300). Here
(docs/classification.md "Eigenvalues at scale"):

1. Guidance: the eigenvectors Q of the float64 rounding of H (``numpy.linalg.eigh``).
2. Refinement at the working precision with matrix products only (python-flint ``arb_mat``), the
   iteration of Ogita and Aishima: with X the current eigenvector matrix,
       R = I - X^T X,  S = X^T H X,  d_i = S_ii / (1 - R_ii),
       X <- X (I + E),  E_ij = (S_ij + d_j R_ij) / (d_j - d_i)  if |d_i - d_j| > delta,
                        E_ij = R_ij / 2                          otherwise,
   delta = 2 (||off(S)||_F + s ||R||_F). Pairs farther apart than delta converge quadratically;
   pairs inside a cluster only re-orthonormalise.
3. Clusters: a cluster whose block of S is not yet diagonal is rotated by the float64
   eigenvectors of its shifted, rescaled block (S_CC - c I) / sigma_C, which resolves it relative
   to its own spread sigma_C (each rotation gains about 15 digits below the cluster's scale).
4. Stop when err = ||off(S)||_F + ||R||_F (max|d| + ||off(S)||_F) / (1 - ||R||_F) <= 10^-dps s.

The bound: by Ostrowski's theorem the k-th eigenvalue of S = X^T H X is theta_k lambda_k(H) with
theta_k in [1 - ||R||_2, 1 + ||R||_2], and by Weyl's inequality it lies within ||off(S)||_2 of the
k-th smallest diagonal entry; so every eigenvalue of H lies within ``err`` of the sorted diagonal.
``S`` and ``R`` are computed in ball arithmetic from the matrix given (its entries taken as
exact), so ``err`` is an upper bound for that matrix, not an estimate. If the refinement does not
reach the target within its iteration budget the decomposition falls back to ``mpmath.eigsy``
(:func:`proofs_check.eigen.symmetric_eigen`) and says so (``method``).
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np
from flint import arb, arb_mat

from numerics.ball_functions import ball_precision, bits_for
from numerics.balls import to_ball
from numerics.precision import GUARD, to_mpf, workdps
from proofs_check.eigen import EigenDecomposition, Inertia, inertia, symmetric_eigen

MAX_ITERATIONS = 12
MAX_DPS = 250
"""Above this precision the cluster bookkeeping (float64 magnitudes) could underflow: eigsy is used."""
"""Refinement sweeps before the fallback to ``mpmath.eigsy`` (quadratic convergence needs ~log2(dps/15) + clusters)."""


@dataclass(frozen=True, eq=False)
class BoundedEigen(EigenDecomposition):
    """An :class:`EigenDecomposition` with ``error``: every eigenvalue of the matrix lies within
    ``error`` of ``values[k]`` (k-th smallest); ``method`` says which solver produced it and how
    many refinement sweeps it took."""

    error: object = None
    method: str = ""


def _to_mpf(b: arb) -> mpmath.mpf:
    """The midpoint of ``b`` as an mpf (exact when the current mpmath precision holds it)."""
    man, exp = b.mid().man_exp()
    return mpmath.mpf((int(man), int(exp)))


def _frobenius(M: arb_mat, off_diagonal: bool) -> arb:
    """An upper bound (exact arb) of the Frobenius norm of M, or of its off-diagonal part."""
    n = M.nrows()
    total = arb(0)
    for i, row in enumerate(M.tolist()):
        for j in range(n):
            if i != j or not off_diagonal:
                total += row[j] * row[j]
    return arb(total.sqrt().abs_upper()) if total > 0 else arb(0)


def _upper(b: arb) -> arb:
    return arb(b.abs_upper())


def _orthonormalise(W: arb_mat, digits: int) -> arb_mat:
    """Newton-Schulz W <- W (3 I - W^T W) / 2 until ||W^T W - I|| is below 10^-digits (quadratic)."""
    m = W.nrows()
    eye = arb_mat(m, m)
    for i in range(m):
        eye[i, i] = 1
    goal = arb(10) ** (-digits)
    for _ in range(12):
        G = W.transpose() * W
        if _frobenius(G - eye, False) < goal:
            break
        W = (W * (3 * eye - G) / 2).mid()
    return W


def refined_eigen(matrix, dps: int, max_iterations: int = MAX_ITERATIONS) -> BoundedEigen:
    """Eigen-decomposition of a symmetric matrix at ``dps`` digits with a proved error bound.

    Arguments:
        matrix: D x D symmetric array (mpf, floats or decimal strings); entries are read exactly.
        dps: working precision; the refinement runs at ``dps + GUARD`` digits.
        max_iterations: refinement sweeps before falling back to ``mpmath.eigsy``.
    Returns:
        BoundedEigen with ascending eigenvalues (mpf), orthonormal eigenvectors (columns, mpf, to
        the working precision) and ``error`` with |lambda_k - values[k]| <= error for the
        symmetrised input matrix (module docstring).
    """
    arr = np.asarray(matrix, dtype=object)
    D = arr.shape[0]
    if D == 0:
        return BoundedEigen((), np.zeros((0, 0), dtype=object), mpmath.mpf(0), "empty")
    with workdps(dps):
        mp = np.empty((D, D), dtype=object)
        for i in range(D):
            for j in range(i, D):
                mp[i, j] = mp[j, i] = (to_mpf(arr[i, j]) + to_mpf(arr[j, i])) / 2
    with ball_precision(bits_for(dps + GUARD)), workdps(dps):
        H = arb_mat([[to_ball(v) for v in row] for row in mp])
        out = _refine(H, mp, dps, max_iterations)
    if out is not None:
        return out
    eig = symmetric_eigen(mp, dps)
    return BoundedEigen(eig.values, eig.vectors, None, "mpmath.eigsy (refinement did not converge)")


def _refine(H: arb_mat, mp, dps, max_iterations):
    D = H.nrows()
    top_entry = max(abs(v) for v in mp.reshape(-1))
    if not mpmath.isfinite(top_entry) or dps > MAX_DPS:
        return None
    if top_entry == 0:
        zero = mpmath.mpf(0)
        vecs = np.full((D, D), zero, dtype=object)
        for i in range(D):
            vecs[i, i] = mpmath.mpf(1)
        return BoundedEigen(tuple([zero] * D), vecs, zero, "zero matrix")
    # scale by a power of two so that float64 sees entries of size ~1 whatever the magnitude
    shift = int(mpmath.floor(mpmath.log(top_entry, 2)))
    Hs = H * arb(2) ** (-shift)
    F = np.array([[float(mpmath.ldexp(v, -shift)) for v in row] for row in mp])
    _, Q = np.linalg.eigh((F + F.T) / 2)
    X = arb_mat(Q.tolist())
    eye = arb_mat(D, D)
    for i in range(D):
        eye[i, i] = 1
    target = arb(10) ** (-int(dps))  # relative to the scaled matrix, whose largest entry is in [1, 2)
    for sweep in range(max_iterations + 1):
        S = X.transpose() * (Hs * X)
        R = eye - X.transpose() * X
        Srows, Rrows = S.tolist(), R.tolist()
        rho = _frobenius(R, False)
        if not rho < 0.5:
            return None
        d = [Srows[i][i] / (1 - Rrows[i][i]) for i in range(D)]
        off = _frobenius(S, True)
        top = max(_upper(v) for v in d)
        err = _upper(off + rho * (top + off) / (1 - rho))
        if err < target * max(top, arb(2) ** -60):
            scale_back = arb(2) ** shift
            return _result(X, [v * scale_back for v in d], err * scale_back,
                           f"float64 eigh + {sweep} refinement sweep(s) at {dps} digits")
        if sweep == max_iterations:
            return None
        delta = _upper(2 * (off + rho * top))
        dm = [v.mid() for v in d]
        order = sorted(range(D), key=lambda i: dm[i])  # exact midpoints: gaps at full precision
        clusters, current = [], [order[0]]
        for a, b in zip(order, order[1:]):
            if not dm[b] - dm[a] > delta:
                current.append(b)
            else:
                clusters.append(current)
                current = [b]
        clusters.append(current)
        label = [0] * D
        for c, members in enumerate(clusters):
            for i in members:
                label[i] = c
        inside, outside = [0.0] * len(clusters), [0.0] * len(clusters)  # largest |S_ij| per cluster
        E = arb_mat(D, D)
        for i in range(D):
            Si, Ri, li = Srows[i], Rrows[i], label[i]
            for j in range(D):
                if li == label[j]:
                    E[i, j] = Ri[j].mid() / 2
                    if i != j:
                        inside[li] = max(inside[li], abs(float(Si[j])))
                else:
                    E[i, j] = ((Si[j] + dm[j] * Ri[j]) / (dm[j] - dm[i])).mid()
                    outside[li] = max(outside[li], abs(float(Si[j])))
        X = (X + X * E).mid()
        goal = float(target) * float(top)
        for c, members in enumerate(clusters):
            # a cluster whose own off-diagonal block dominates its coupling to the rest holds
            # distinct eigenvalues that the first-order update cannot separate: resolve it
            if len(members) >= 2 and inside[c] > goal and inside[c] > outside[c]:
                X = _rotate_cluster(X, Srows, members, int(dps) + GUARD)
    return None


def _rotate_cluster(X: arb_mat, Srows, members, digits) -> arb_mat:
    """Rotate the columns ``members`` of X by the float64 eigenvectors of the cluster's shifted,
    rescaled block of S, orthonormalised at the working precision (module docstring, step 3)."""
    m, D = len(members), X.nrows()
    block = [[Srows[a][b] for b in members] for a in members]
    centre = sum((block[k][k] for k in range(m)), arb(0)) / m
    shifted = [[block[a][b] - (centre if a == b else 0) for b in range(m)] for a in range(m)]
    sigma = max(_upper(v) for row in shifted for v in row)
    F = np.array([[float(v / sigma) for v in row] for row in shifted])
    _, W = np.linalg.eigh((F + F.T) / 2)
    Xc = arb_mat([[X[i, j] for j in members] for i in range(D)])
    Xc = (Xc * _orthonormalise(arb_mat(W.tolist()), digits)).mid()
    for i in range(D):
        for k, j in enumerate(members):
            X[i, j] = Xc[i, k]
    return X


def _result(X: arb_mat, d, err, method) -> BoundedEigen:
    D = X.nrows()
    order = sorted(range(D), key=lambda i: d[i].mid())
    values = tuple(_to_mpf(d[i]) for i in order)
    rows = X.tolist()
    vecs = np.empty((D, D), dtype=object)
    for c, k in enumerate(order):
        for i in range(D):
            vecs[i, c] = _to_mpf(rows[i][k])
    return BoundedEigen(values, vecs, mpmath.mpf(err), method)


def bounded_inertia(eig: EigenDecomposition, tolerance) -> Inertia:
    """Counts of eigenvalues below -tau, within [-tau, tau], above tau, where tau is ``tolerance``
    widened by the decomposition's error bound (when it has one): an eigenvalue whose position
    relative to the zero band the bound does not decide is counted as zero, never given a sign."""
    error = getattr(eig, "error", None)
    return inertia(eig.values, tolerance if not error else tolerance + error)
