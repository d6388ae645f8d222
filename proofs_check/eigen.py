"""High-precision symmetric eigen-decomposition and inertia with a tolerance derived from dps.

Zero-tolerance rule (docs/theorems.md T4 "a relative eigenvalue tolerance is required"):

    tau = max(10^-(dps/2) * s, sqrt(s * ||grad L||)),   s = max_k |mu_k|.

Why: (1) Weyl's inequality: a symmetric error E in the Hessian moves every eigenvalue by at most
||E||_2. The Hessian is computed exactly (analytic derivatives) at ``dps + GUARD`` digits, so
||E|| is about 10^-dps * s; we keep half of the digits as the margin for rounding accumulated in
the eigensolver and in the Hessian sums, hence 10^-(dps/2) * s. (2) At a point that is only
approximately critical (gradient g), the nearest critical point is at distance r ~ ||g|| / mu
and the Hessian there differs by O(||nabla^3 L|| r); without a bound on third derivatives we use
the geometric mean sqrt(s ||g||), which dominates ||g|| whenever ||g|| < s and is negligible
(10^-(dps/4) s) at points accepted as critical. Eigenvalues with |mu| <= tau are "zero".
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from numerics.precision import workdps


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
        """The three counts as a JSON-ready dict."""
        return {"negative": self.negative, "zero": self.zero, "positive": self.positive}


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
    when ``vectors`` is False). The one eigensolver of :func:`symmetric_eigen` and of the checks'
    helpers (``proofs_check.checks._linalg``)."""
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


def zero_tolerance(values, gradient_norm, dps: int, scale=None) -> mpmath.mpf:
    """tau = max(10^-(dps/2) s, sqrt(s ||g||)), s = ``scale`` or max |mu| (module docstring)."""
    with workdps(dps):
        s = spectral_scale(values) if scale is None else abs(mpmath.mpf(scale))
        floor = mpmath.mpf(10) ** (-(mpmath.mpf(dps) / 2)) * s
        return max(floor, mpmath.sqrt(s * abs(mpmath.mpf(gradient_norm))))


def inertia(values, tau) -> Inertia:
    """Counts of eigenvalues below -tau, within [-tau, tau], above tau."""
    neg = sum(1 for v in values if v < -tau)
    pos = sum(1 for v in values if v > tau)
    return Inertia(neg, len(values) - neg - pos, pos)


def definiteness(matrix, dps: int, scale=None, gradient_norm=0) -> str:
    """"positive", "negative", "indefinite", "positive-semidefinite", "negative-semidefinite",
    "zero" or "empty" for a symmetric matrix, with the zero tolerance of :func:`zero_tolerance`
    (``scale`` defaults to the matrix's own largest |eigenvalue|)."""
    arr = np.asarray(matrix, dtype=object)
    if arr.size == 0:
        return "empty"
    eig = symmetric_eigen(arr, dps)
    tau = zero_tolerance(eig.values, gradient_norm, dps, scale)
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
