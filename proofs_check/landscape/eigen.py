"""High-precision symmetric eigen-decomposition, inertia and the small linear algebra of the checks.

One vocabulary: :class:`Inertia` (negative, zero, positive counts) and the definiteness words of
:func:`definiteness_of` ("positive", "negative", "indefinite", "positive-semidefinite", ...).
Which eigenvalues count as zero is decided by
:func:`numerics.precision.zero_eigenvalue_tolerance` (docs/precision.md "zero eigenvalues"),
tau = max(10^-ceil(dps/2) s, sqrt(s |grad L|)) with s = max_k |mu_k|. Object arrays of mpf are
the working type; mpmath matrices appear only inside these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from numerics.precision import workdps, zero_eigenvalue_tolerance


@dataclass(frozen=True)
class Inertia:
    """Counts of negative, zero and positive eigenvalues (the order of docs/formats.md)."""

    negative: int
    zero: int
    positive: int

    def __add__(self, other: "Inertia") -> "Inertia":
        return Inertia(self.negative + other.negative, self.zero + other.zero,
                       self.positive + other.positive)

    def to_json(self) -> dict:
        """``{"negative": n, "zero": z, "positive": p}`` (docs/formats.md)."""
        return {"negative": self.negative, "zero": self.zero, "positive": self.positive}

    def __str__(self) -> str:
        """``(negative, zero, positive)``, the triple the check evidence shows.

        >>> str(Inertia(1, 0, 4))
        '(1, 0, 4)'
        """
        return f"({self.negative}, {self.zero}, {self.positive})"


@dataclass(frozen=True, eq=False)
class EigenDecomposition:
    """Eigenvalues (ascending, mpf) and orthonormal eigenvectors (columns of a D x D object array)."""

    values: tuple
    vectors: np.ndarray

    def vector(self, k: int) -> np.ndarray:
        """The ``k``-th eigenvector (column ``k``) as an object array of mpf."""
        return np.array(self.vectors[:, k], dtype=object)


def symmetric_eigen(matrix, dps: int) -> EigenDecomposition:
    """Eigen-decomposition of a symmetric matrix (object array of mpf) with ``mpmath.eigsy``.

    Arguments:
        matrix: D x D symmetric array (mpf, floats or strings).
        dps: working precision; the computation runs at ``dps + GUARD`` digits.
    Returns:
        EigenDecomposition with ascending eigenvalues.
    """
    arr = np.asarray(matrix, dtype=object)
    D = arr.shape[0]
    if D == 0:
        return EigenDecomposition((), np.zeros((0, 0), dtype=object))
    with workdps(dps):
        sym = mpmath.matrix(D, D)
        for i in range(D):
            for j in range(D):
                sym[i, j] = (mpmath.mpf(arr[i, j]) + mpmath.mpf(arr[j, i])) / 2
        vals, vecs = ascending_eigsy(sym)
    return EigenDecomposition(vals, vecs)


def ascending_eigsy(sym, vectors: bool = True):
    """``mpmath.eigsy`` of a symmetric mpmath matrix at the caller's precision, sorted:
    (ascending eigenvalues as a tuple, eigenvectors as columns of a D x D object array, or None
    when ``vectors`` is False). The one eigensolver of :func:`symmetric_eigen`, :func:`eigenvalues`
    and :func:`eigh`."""
    D = sym.rows
    if not vectors:
        values = mpmath.eigsy(sym, eigvals_only=True)
        return tuple(sorted(values[k] for k in range(D))), None
    values, Q = mpmath.eigsy(sym)
    order = sorted(range(D), key=lambda k: values[k])
    vecs = np.empty((D, D), dtype=object)
    for c, k in enumerate(order):
        for i in range(D):
            vecs[i, c] = Q[i, k]
    return tuple(values[k] for k in order), vecs


def spectral_scale(values) -> mpmath.mpf:
    """s = max_k |mu_k| (0 for an empty spectrum)."""
    return max((abs(v) for v in values), default=mpmath.mpf(0))


def inertia(values, tau) -> Inertia:
    """Counts of eigenvalues below -tau, within [-tau, tau], above tau."""
    neg = sum(1 for v in values if v < -tau)
    pos = sum(1 for v in values if v > tau)
    return Inertia(neg, len(values) - neg - pos, pos)


def definiteness(matrix, dps: int, scale=None, gradient_norm=0) -> str:
    """"positive", "negative", "indefinite", "positive-semidefinite", "negative-semidefinite",
    "zero" or "empty" for a symmetric matrix, with the zero tolerance of
    :func:`numerics.precision.zero_eigenvalue_tolerance` (``scale`` defaults to the matrix's own
    largest |eigenvalue|)."""
    arr = np.asarray(matrix, dtype=object)
    if arr.size == 0:
        return "empty"
    eig = symmetric_eigen(arr, dps)
    tau = zero_eigenvalue_tolerance(dps, spectral_scale(eig.values) if scale is None else scale, gradient_norm)
    if scale is None and spectral_scale(eig.values) == 0:
        return "zero"
    return definiteness_of(inertia(eig.values, tau))


def definiteness_of(counts: Inertia) -> str:
    """Name of the definiteness class of an inertia triple."""
    n, z, p = counts.negative, counts.zero, counts.positive
    if n == 0 and z == 0 and p == 0:
        return "empty"
    if n and p:
        return "indefinite"
    if n == 0 and p == 0:
        return "zero"
    if n == 0:
        return "positive" if z == 0 else "positive-semidefinite"
    return "negative" if z == 0 else "negative-semidefinite"


# --- the linear algebra of the theorem checks (call inside ``workdps``) --------------------------


def _mp_matrix(a) -> mpmath.matrix:
    return mpmath.matrix(np.asarray(a, dtype=object).tolist())


def eigenvalues(matrix) -> list:
    """Ascending eigenvalues of a symmetric object matrix at the caller's precision (no vectors)."""
    return list(ascending_eigsy(_mp_matrix(matrix), vectors=False)[0])


def eigh(matrix):
    """(ascending eigenvalues as a list, eigenvectors as the columns of an object array) of a
    symmetric object matrix at the caller's precision."""
    values, vectors = ascending_eigsy(_mp_matrix(matrix))
    return list(values), vectors


def max_abs(a):
    """Largest absolute entry of ``a`` (any shape); mpf(0) when ``a`` is empty."""
    return max((abs(v) for v in np.asarray(a, dtype=object).reshape(-1)), default=mpmath.mpf(0))


def top_singular(matrix):
    """(sigma_max, left vector u, right vector v) of a real object matrix: M v = sigma u
    (``mpmath.svd_r`` at the caller's precision)."""
    U, S, V = mpmath.svd_r(_mp_matrix(matrix))
    k = max(range(len(S)), key=lambda i: S[i])
    u = np.array([U[r, k] for r in range(U.rows)], dtype=object)
    v = np.array([V[k, c] for c in range(V.cols)], dtype=object)
    return S[k], u, v


def determinant(matrix):
    """Determinant of a square object matrix at the caller's precision."""
    return mpmath.det(_mp_matrix(matrix))


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
