"""Small mpmath linear-algebra helpers shared by the checks (call inside ``workdps``).

Object arrays of mpf are the working type; mpmath matrices only inside these helpers.
Zero eigenvalues are separated from non-zero ones with ``zero_tolerance``: exact zeros of a
Hessian computed at ``dps`` digits come out at 10^-dps relative, genuine ones far above
10^-(dps/2), so the threshold is placed at half the digits (docs/invariants.md asks for a relative one).
"""

from __future__ import annotations

import mpmath
import numpy as np

from numerics.precision import tolerance, to_mp_array
from proofs_check import eigen


def mp(a) -> np.ndarray:
    """``a`` as an mpmath object array (:func:`numerics.precision.to_mp_array`)."""
    return to_mp_array(a)


def max_abs(a):
    """Largest absolute entry of ``a`` (any shape); mpf(0) when ``a`` is empty."""
    a = np.asarray(a, dtype=object).reshape(-1)
    return max((abs(v) for v in a), default=mpmath.mpf(0))


def eigvalsh(H) -> list:
    """Ascending eigenvalues of a symmetric object matrix (:func:`proofs_check.eigen.ascending_eigsy`)."""
    return list(eigen.ascending_eigsy(mpmath.matrix(np.asarray(H, dtype=object).tolist()), vectors=False)[0])


def eigh(H):
    """(ascending eigenvalues, eigenvectors as object columns)."""
    vals, vecs = eigen.ascending_eigsy(mpmath.matrix(np.asarray(H, dtype=object).tolist()))
    return list(vals), vecs


def zero_tolerance(dps: int, scale):
    """Eigenvalues with |value| <= this count as zero (half the digits, relative to ``scale``)."""
    return tolerance(dps, scale, lost_digits=dps // 2)


def inertia(eigs, tol) -> tuple[int, int, int]:
    """(negative, zero, positive) counts (:func:`proofs_check.eigen.inertia` as a tuple)."""
    counts = eigen.inertia(eigs, tol)
    return counts.negative, counts.zero, counts.positive


def blockdiag(*blocks) -> np.ndarray:
    """Block-diagonal object matrix of the square ``blocks`` (zeros off the blocks, as mpf)."""
    n = sum(b.shape[0] for b in blocks)
    out = np.empty((n, n), dtype=object)
    out[...] = mpmath.mpf(0)
    pos = 0
    for b in blocks:
        k = b.shape[0]
        out[pos:pos + k, pos:pos + k] = b
        pos += k
    return out


def split_block(A, B, lam, factor=None) -> np.ndarray:
    """K_lambda = [[lam (1 - lam) A, B^T], [B, 0]] (T4, docs/theorems.md); ``factor`` replaces lam (1 - lam)."""
    p, m = A.shape[0], B.shape[0]
    K = np.empty((p + m, p + m), dtype=object)
    K[...] = mpmath.mpf(0)
    K[:p, :p] = A * (lam * (1 - lam) if factor is None else factor)
    K[:p, p:] = B.T
    K[p:, :p] = B
    return K


def top_singular(B):
    """(sigma_max, left vector u, right vector v) of a real object matrix: B v = sigma u."""
    U, S, V = mpmath.svd_r(mpmath.matrix(np.asarray(B, dtype=object).tolist()))
    k = max(range(len(S)), key=lambda i: S[i])
    u = np.array([U[r, k] for r in range(U.rows)], dtype=object)
    v = np.array([V[k, c] for c in range(V.cols)], dtype=object)
    return S[k], u, v


_SHORT = {"positive": "pd", "negative": "nd", "indefinite": "indefinite", "empty": "pd"}


def definiteness(M, tol) -> str:
    """"pd", "nd", "indefinite" or "semidefinite" (some eigenvalue within tol of 0): the classes
    of :func:`proofs_check.eigen.definiteness_of` under the checks' short names."""
    return _SHORT.get(eigen.definiteness_of(eigen.inertia(eigvalsh(M), tol)), "semidefinite")


def mp_det(M):
    """Determinant of the square matrix ``M`` in mpmath at the current working precision."""
    return mpmath.det(mpmath.matrix(np.asarray(M, dtype=object).tolist()))
