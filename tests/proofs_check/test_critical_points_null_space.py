"""The left null space of the exact critical-point construction (proofs_check.instances.critical_points).

Oracles: J^T e = 0 to the working precision and orthonormality (the defining relations); the
complement against ``mpmath.qr`` (an independent Householder QR) and a float64 SVD (numpy) of the
same matrix; an exactly rank-deficient Jacobian (leaky ReLU: the scaling orbits) as the case that
shows why the hand-written factorisation is kept; a vector that is not projected as the negative
control.
"""

import mpmath
import numpy as np
import pytest

from numerics import mlp
from numerics.precision import rounding_band, workdps
from proofs_check.instances.critical_points import _orthogonal_components, left_null_space
from theory.architecture import Architecture
from theory.params import Params

DPS = 30


def _qr_complement(J):
    N, D = J.shape
    Q, _ = mpmath.qr(mpmath.matrix(J.tolist()), mode="full")
    return np.array([[Q[i, k] for k in range(D, N)] for i in range(N)], dtype=object)


def _jacobian(activation, seed):
    arch = Architecture((2, 2, 2), activation)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(arch.n_params // arch.output_dim + 3, 2)).astype(object)
    p = Params.from_vector(arch, np.array([mpmath.mpf(v) for v in rng.normal(size=arch.n_params)], dtype=object))
    return mlp.jacobian(arch, p, x, dps=DPS)


def _max(a):
    return max(abs(v) for v in np.asarray(a, dtype=object).reshape(-1))


@pytest.mark.parametrize("activation", ["tanh", "leaky_relu:0.1"])
def test_left_null_space_is_orthonormal_and_annihilated_by_J(activation):
    with workdps(DPS):
        J = _jacobian(activation, 0)
        N, D = J.shape
        Q = np.array(left_null_space(J), dtype=object).T  # N x (N - D)
        assert Q.shape == (N, N - D)
        assert _max(Q.T @ Q - np.eye(N - D, dtype=object)) <= rounding_band(DPS, 1, 2)
        scale = 1 + _max(J)
        assert _max(J.T @ Q) <= rounding_band(DPS, scale, 2)
        # the orthogonal part of a vector lies in span(Q), and J^T kills it
        r = np.array([mpmath.mpf(v) for v in np.random.default_rng(1).normal(size=N)], dtype=object)
        (e,) = _orthogonal_components(J, [r])
        assert _max(e - Q @ (Q.T @ r)) <= rounding_band(DPS, 1 + _max(r), 2)
        assert _max(J.T @ e) <= rounding_band(DPS, scale * (1 + _max(r)), 2)
        # negative control: the raw vector is not annihilated
        assert _max(J.T @ r) > 1e-3
        # independent float64 oracle: span(Q) lies in col(J)^perp of numpy's SVD
        Jf = np.array(J, dtype=float)
        U, s, _ = np.linalg.svd(Jf)
        rank = int(np.sum(s > 1e-10 * s[0]))
        Qf = np.array(Q, dtype=float)
        assert np.allclose(U[:, rank:] @ (U[:, rank:].T @ Qf), Qf, atol=1e-10)


def test_full_rank_complement_is_mpmath_qr_but_rank_deficient_one_is_not():
    with workdps(DPS):
        # tanh: J has full column rank, and the complement is unique: the same as mpmath.qr's
        J = _jacobian("tanh", 0)
        assert np.linalg.matrix_rank(np.array(J, dtype=float)) == J.shape[1]
        Q, Q2 = np.array(left_null_space(J), dtype=object).T, _qr_complement(J)
        assert _max(Q @ Q.T - Q2 @ Q2.T) <= rounding_band(DPS, 1, 3)
        # leaky ReLU: rank D - 2 (one scaling orbit per hidden unit); both complements are
        # annihilated by J^T, but they are different spaces (the D - rank directions come from the
        # rounding of each factorisation), so mpmath.qr would change every seeded instance built on it
        J = _jacobian("leaky_relu:0.1", 0)
        assert np.linalg.matrix_rank(np.array(J, dtype=float)) == J.shape[1] - 2
        Q, Q2 = np.array(left_null_space(J), dtype=object).T, _qr_complement(J)
        assert _max(J.T @ Q2) <= rounding_band(DPS, 1 + _max(J), 2)
        assert _max(Q @ Q.T - Q2 @ Q2.T) > mpmath.mpf("0.01")
