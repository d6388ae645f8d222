"""Exact critical points with non-zero loss, and the candidate-unit blocks C(w~0), g_alpha(w~0).

Null-space construction (docs/invariants.md). Fix parameters theta and inputs X (n x d) and
let J be the output Jacobian (nM x D, row i*M + m = d f_m(x_i)/d theta). Any e with
J^T e = 0 and targets ``Y = f(X; theta) - e`` make theta critical, because the residuals are
then exactly e and grad L = J^T e = 0; the loss is ||e||^2 / 2 > 0. Such an e exists when
nM > D: take the component of a random vector orthogonal to the column space of J. We compute it
with Householder reflections in mpmath at ``dps`` (+ guard) digits, so the gradient is of order
10^-dps (relative), not 1e-15. Rank-deficient J (ReLU homogeneity, dead units) is fine: the
complement of the first D Householder directions is always orthogonal to every column of J.

Per-unit matrices (docs/network.md), for unit j of hidden layer ``layer`` at parameters theta, with
h~_i the augmented input of that layer, u_ij = w~_j . h~_i and delta_i the backprop signal of
the next layer (delta^(l+1) in docs/network.md):

    A_j = sum_i (v_j . delta_i) phi''(u_ij) h~_i h~_i^T          ((H_{l-1}+1) x (H_{l-1}+1))
    B_j = sum_i delta_i phi'(u_ij) h~_i^T                          (H_{l+1} x (H_{l-1}+1))
    C(w~0) = sum_i phi'(w~0 . h~_i) h~_i delta_i^T                 ((H_{l-1}+1) x H_{l+1})
    g_alpha(w~0) = sum_i delta_i phi(w~0 . h~_i)                   (H_{l+1})

so that K_lambda = [[lambda (1 - lambda) A_j, B_j^T], [B_j, 0]] (theorem T4) and B_j = C(w~_j)^T.
A_j, B_j (:func:`proofs_check.landscape.structure.unit_blocks`), C and g_alpha (the gradient of v_new at
alpha_{w~0}(theta), theorem T3; :func:`proofs_check.landscape.structure.candidate_blocks`) are computed in
one place.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from numerics import mlp
from numerics.dataset import Dataset
from numerics.precision import to_mp_array, to_mp_params, workdps
from theory.architecture import Architecture
from theory.errors import InvalidInput
from theory.network import as_inputs, pre_activations
from theory.params import Params


@dataclass(frozen=True, eq=False)
class CriticalPoint:
    """A data set for which the given parameters are an exact critical point.

    Attributes:
        data: inputs x (n x d, as given) and targets y (n x M, mpf at ``dps`` + guard digits).
        residual: ||grad L(theta)|| recomputed by :func:`numerics.mlp.gradient` at ``dps``.
        loss: L(theta) on ``data`` (> 0 unless the random draw was degenerate).
        dps: the working precision of the construction.

    Unpacks as ``(data, residual)``.
    """

    data: Dataset
    residual: mpmath.mpf
    loss: mpmath.mpf
    dps: int

    def __iter__(self):
        return iter((self.data, self.residual))


def min_samples(arch: Architecture) -> int:
    """Smallest n with n M > D, the number of samples the null-space method needs.

    >>> min_samples(Architecture((1, 5, 1), "tanh"))
    17
    """
    return arch.n_params // arch.output_dim + 1


def _householder(J: np.ndarray) -> list:
    """Householder reflectors (v, |v|^2) (None for a zero column) of the N x D object matrix J,
    N > D, at the caller's precision: Q = H_0 H_1 ... H_{D-1}, and Q e_k for k >= D span a
    space orthogonal to every column of J (⊇ col(J) is spanned by the first D columns).

    Why not ``mpmath.qr``: for full-rank J both give the same complement (to the rounding), but
    J is rank-deficient for every positively homogeneous activation (ReLU scaling orbits), and
    then D - rank(J) of the first D directions are chosen by the rounding of the factorisation;
    ``mpmath.qr`` (other operation order, 10 extra digits) chooses others, so every seeded
    instance built on such a J (the theorem checks' critical points and their recorded evidence)
    would change. The reflectors are also applied without forming the N x N matrix Q.
    tests/proofs_check/test_critical_points_null_space.py asserts both facts."""
    A = np.array(J, dtype=object)
    N, D = A.shape
    reflectors = []
    for k in range(D):
        x = A[k:, k]
        norm = mpmath.sqrt(mpmath.fsum(t * t for t in x))
        if norm == 0:
            reflectors.append(None)
            continue
        v = np.array(x, dtype=object)
        v[0] = v[0] + (norm if v[0] >= 0 else -norm)
        vnorm2 = mpmath.fsum(t * t for t in v)
        reflectors.append((v, vnorm2))
        A[k:, k:] = A[k:, k:] - np.outer(v, (2 / vnorm2) * (v @ A[k:, k:]))
    return reflectors


def _reflect(reflectors, s: np.ndarray, order) -> np.ndarray:
    s = np.array(s, dtype=object)
    for k in order:
        ref = reflectors[k]
        if ref is not None:
            v, vn2 = ref
            s[k:] = s[k:] - v * (2 * (v @ s[k:]) / vn2)
    return s


def _orthogonal_components(J: np.ndarray, rs) -> list:
    """The parts of each ``r`` in ``rs`` orthogonal to span(first D Householder directions of J)
    ⊇ col(J), with one factorisation. J: (N, D) object array of mpf with N > D; each r: (N,).
    Works at the caller's precision."""
    D = J.shape[1]
    reflectors = _householder(J)
    out = []
    for r in rs:
        s = _reflect(reflectors, r, range(D))  # s = Q^T r
        s[:D] = mpmath.mpf(0)
        out.append(_reflect(reflectors, s, reversed(range(D))))  # e = Q s
    return out


def left_null_space(J: np.ndarray) -> list:
    """Orthonormal basis (N - D object vectors) of the complement of the first D Householder
    directions of the N x D matrix J (N > D): every vector e of it has J^T e = 0 (docs/invariants.md).
    For full-rank J it spans the same space as the last N - D columns of ``mpmath.qr(J, mode="full")``
    (see :func:`_householder` for rank-deficient J). Caller's precision."""
    N, D = J.shape
    reflectors = _householder(J)
    basis = []
    for k in range(D, N):
        unit = np.full(N, mpmath.mpf(0), dtype=object)
        unit[k] = mpmath.mpf(1)
        basis.append(_reflect(reflectors, unit, reversed(range(D))))
    return basis


def critical_residuals(arch: Architecture, params: Params, x, seeds, *, dps: int = 50, scale=1) -> tuple:
    """(f, [e_s for s in seeds]): network outputs f (n x M) and, per seed, the residual e_s
    (n x M) = the left-null-space part of a N(0, scale^2) draw of ``default_rng(s)``, so that the
    targets f - e_s make ``params`` exactly critical (docs/invariants.md). One Jacobian and one
    Householder factorisation serve every seed. mpf at ``dps``."""
    xs = as_inputs(arch, np.asarray(x, dtype=object))
    n, M = xs.shape[0], arch.output_dim
    draws = [np.random.default_rng(s).normal(0.0, 1.0, size=n * M) for s in seeds]
    with workdps(dps):
        J = mlp.jacobian(arch, params, xs, dps=dps)
        es = _orthogonal_components(J, [to_mp_array(d) * scale for d in draws])
        f = mlp.forward(arch, params, xs, dps=dps)
    return f, [e.reshape(n, M) for e in es]


def exact_critical_point(arch: Architecture, params: Params, x, *, dps: int = 50, seed: int = 0,
                         scale=1) -> CriticalPoint:
    """Targets that make ``params`` an exact critical point with non-zero loss (docs/invariants.md).

    Arguments:
        arch, params: the network (params may be floats, decimal strings or mpf).
        x: inputs, n x d, with n * M > D (see :func:`min_samples`).
        dps: working precision; grad L is of order 10^-dps relative to the data scale.
        seed: seeds the random vector projected onto the left null space of J.
        scale: standard deviation of that random vector (sets the size of the residuals).

    Returns:
        :class:`CriticalPoint` (unpacks as ``(data, residual)``).

    Raises:
        InvalidInput: if n * M <= D (the left null space may be empty).
    """
    xs = as_inputs(arch, np.asarray(x, dtype=object))
    n, M, D = xs.shape[0], arch.output_dim, arch.n_params
    if n * M <= D:
        raise InvalidInput(
            f"x has {n} samples; the null-space method needs n * M > D = {D} for widths "
            f"{list(arch.widths)} (M = {M}): pass at least {min_samples(arch)} samples"
        )
    f, (e,) = critical_residuals(arch, params, xs, [seed], dps=dps, scale=scale)
    with workdps(dps):
        y = f - e
    data = Dataset(xs, y)
    grad = mlp.gradient(arch, params, data.x, data.y, dps=dps)
    with workdps(dps):
        residual = mlp.norm(grad)
    value = mlp.loss(arch, params, data.x, data.y, dps=dps)
    return CriticalPoint(data, residual, value, dps)


def min_kink_distance(arch: Architecture, params: Params, x, dps: int = 50) -> mpmath.mpf:
    """min over hidden units j and samples i of |u_ij| (the ReLU "no data on kinks" margin, docs/network.md).

    ReLU Hessians are only meaningful when this is clearly positive (docs/invariants.md, I19: refuse when
    it is below 1e-12)."""
    with workdps(dps):
        mp_params = to_mp_params(params)
        xs = to_mp_array(as_inputs(arch, np.asarray(x, dtype=object)))
        zs = pre_activations(arch, mp_params, xs)[:-1]
        return min(abs(v) for z in zs for v in z.reshape(-1))
