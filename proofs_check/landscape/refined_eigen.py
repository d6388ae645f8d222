"""Symmetric eigen-decomposition at the working precision that scales (docs/classification.md "Eigenvalues at scale").

``mpmath.eigsy`` costs O(D^3) operations on Python objects (minutes at D = 300). Here
(docs/classification.md "Eigenvalues at scale"):

1. Guidance: the eigenvectors Q of the float64 rounding of H (``numpy.linalg.eigh``).
2. Refinement at the working precision with matrix products only (python-flint ``arb_mat``), the
   iteration of Ogita and Aishima: with X the current eigenvector matrix,
       R = I - X^T X,  S = X^T H X,  d_i = S_ii / (1 - R_ii),
       X <- X (I + E),  E_ij = (S_ij + d_j R_ij) / (d_j - d_i)  if |d_i - d_j| > delta,
                        E_ij = R_ij / 2                          otherwise,
   delta = KAPPA (max |off(S)| + s max |R|), so every cross-cluster correction is below 1 / KAPPA:
   pairs farther apart than delta converge quadratically; pairs inside a cluster only
   re-orthonormalise.
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
(:func:`proofs_check.landscape.eigen.symmetric_eigen`) and says so (``method``).
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np
from flint import arb, arb_mat

from numerics.ball_functions import ball_precision, bits_for
from numerics.balls import to_ball
from numerics.precision import GUARD, to_mpf, workdps
from proofs_check.landscape.eigen import EigenDecomposition, Inertia, inertia, symmetric_eigen

MAX_ITERATIONS = 12
KAPPA = 100.0
"""Clustering factor: eigenvalue estimates closer than KAPPA x (largest coupling) are treated as one cluster."""
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


def _upper(b: arb) -> arb:
    return arb(b.abs_upper())


def _orthonormalise(W: arb_mat, digits: int) -> arb_mat:
    """Newton-Schulz W <- W (3 I - W^T W) / 2, as many steps as quadratic convergence from the
    measured ||W^T W - I||_F needs to pass 10^-digits (the refinement re-measures orthogonality
    in every sweep, so no step is wasted on checking the last one)."""
    m = W.nrows()
    eye = arb_mat(m, m)
    for i in range(m):
        eye[i, i] = 1
    G = W.transpose() * W
    eps = float(_norm(np.array((G - eye).tolist(), dtype=object)))
    steps = 0
    while 0 < eps < 0.1 and eps > 10.0 ** -digits and steps < 8:
        eps, steps = eps * eps, steps + 1
    for k in range(steps):
        G = G if k == 0 else W.transpose() * W
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
        Snp, Rnp = np.array(S.tolist(), dtype=object), np.array(R.tolist(), dtype=object)
        rho = _norm(Rnp)
        if not rho < 0.5:
            return None
        d = Snp.diagonal() / (1 - Rnp.diagonal())
        np.fill_diagonal(Snp, arb(0))
        off = _norm(Snp)
        top = max(_upper(v) for v in d)
        err = _upper(off + rho * (top + off) / (1 - rho))
        if err < target * max(top, arb(2) ** -60):
            scale_back = arb(2) ** shift
            return _result(X, [v * scale_back for v in d], err * scale_back,
                           f"float64 eigh + {sweep} refinement sweep(s) at {dps} digits")
        if sweep == max_iterations:
            return None
        # clusters: eigenvalue estimates closer than KAPPA times the largest coupling (so every
        # first-order correction across clusters is below 1 / KAPPA)
        Sf = np.abs(np.array(S.mid().tolist(), dtype=float))
        np.fill_diagonal(Sf, 0.0)
        Rf = float(np.max(np.abs(np.array(R.mid().tolist(), dtype=float))))
        delta = arb(KAPPA * (float(Sf.max()) + float(top) * Rf))
        dm = np.array([v.mid() for v in d], dtype=object)
        order = sorted(range(D), key=lambda i: dm[i])  # exact midpoints: gaps at full precision
        label = np.zeros(D, dtype=int)
        clusters, current = [], [order[0]]
        for a, b in zip(order, order[1:]):
            if not dm[b] - dm[a] > delta:
                current.append(b)
            else:
                clusters.append(current)
                current = [b]
        clusters.append(current)
        for c, members in enumerate(clusters):
            label[members] = c
        apart = label[:, None] != label[None, :]
        E = Rnp / 2
        rows, cols = np.nonzero(apart)
        E[rows, cols] = (Snp[rows, cols] + dm[cols] * Rnp[rows, cols]) / (dm[cols] - dm[rows])
        X = (X + X * arb_mat(E.tolist()).mid()).mid()
        goal = float(target) * float(top)
        for members in clusters:
            if len(members) < 2:
                continue
            block = Sf[np.ix_(members, members)]
            inside = float(block.max())
            outside = float(np.delete(Sf[members, :], members, axis=1).max(initial=0.0))
            # a cluster whose own off-diagonal block dominates its coupling to the rest holds
            # distinct eigenvalues that the first-order update cannot separate: resolve it
            if inside > goal and inside >= outside:
                X = _rotate_cluster(X, S.tolist(), members, int(dps) + GUARD)
    return None


def _norm(M: np.ndarray) -> arb:
    """An upper bound (exact arb) of the Frobenius norm of an object array of balls."""
    total = np.sum(M * M)
    return arb(total.sqrt().abs_upper()) if total > 0 else arb(0)


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
