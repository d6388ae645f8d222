"""proofs_check.landscape.refined_eigen against mpmath.eigsy (the independent oracle) and its own error bound.

- random symmetric matrices, matrices with repeated eigenvalues (exact multiplicities planted by
  an orthogonal similarity at high precision) and graded spectra: the eigenvalues agree with
  mpmath.eigsy to the working precision, the eigenvectors are orthonormal and satisfy
  H v = lambda v to the working precision, and the distance to eigsy's values is within the bound;
- an embedded network's Hessian (zero-error fit plus inactive units: a large cluster of zero
  eigenvalues and a graded positive part) gives eigsy's inertia;
- adversarial: eigenvalues +-1e-30 at dps 50 lie inside the zero band 10^-25 s and are counted as
  zero, while at dps 80 the bound (far below 1e-30) decides their signs, which match eigsy's;
- negative controls: the float64 guidance alone misplaces the +-1e-30 eigenvalues by far more
  than 1e-30 (so the refinement is what decides), and a refinement denied its sweeps falls back to
  eigsy and says so instead of returning an unrefined answer.
"""

import mpmath
import numpy as np
import pytest

from numerics import mlp
from numerics.dataset import Dataset
from numerics.precision import workdps
from numerics.precision import zero_eigenvalue_tolerance
from proofs_check.landscape.eigen import inertia, spectral_scale, symmetric_eigen
from proofs_check.landscape.refined_eigen import bounded_inertia, refined_eigen
from theory.architecture import Architecture
from theory.embeddings.inactive_unit import add_inactive_unit
from theory.params import Params

DPS = 40


def _orthogonal(n, seed, dps):
    """An orthogonal matrix at ``dps`` digits (mpmath QR of a random matrix)."""
    rng = np.random.default_rng(seed)
    with workdps(dps):
        Q, _ = mpmath.qr(mpmath.matrix(rng.normal(size=(n, n)).tolist()))
        return np.array([[Q[i, j] for j in range(n)] for i in range(n)], dtype=object)


def planted(values, seed=0, dps=DPS):
    """Q diag(values) Q^T at ``dps`` digits: a symmetric matrix with exactly these eigenvalues."""
    n = len(values)
    Q = _orthogonal(n, seed, dps + 20)
    with workdps(dps + 20):
        lam = [mpmath.mpf(v) for v in values]
        return np.array([[mpmath.fsum(Q[i, k] * lam[k] * Q[j, k] for k in range(n)) for j in range(n)]
                         for i in range(n)], dtype=object)


def _agree(H, dps):
    ours, oracle = refined_eigen(H, dps), symmetric_eigen(H, dps)
    with workdps(dps):
        s = max(abs(v) for v in oracle.values)
        close = mpmath.mpf(10) ** (-(dps - 3)) * s
        worst = max(abs(a - b) for a, b in zip(ours.values, oracle.values))
        assert worst <= close and worst <= ours.error + close
        M = np.asarray(H, dtype=object)
        for k in range(len(ours.values)):
            v = ours.vector(k)
            assert abs(mpmath.fsum(c * c for c in v) - 1) <= close / s
            assert max(abs(c) for c in M.dot(v) - ours.values[k] * v) <= close
    return ours, oracle


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_symmetric_matrices_match_eigsy(seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(12, 12))
    ours, oracle = _agree((A + A.T) / 2, DPS)
    assert "refinement" in ours.method


@pytest.mark.parametrize("values", [
    [3, 3, 3, -1, -1, 0, 0, 0, 2, 5],                         # exact multiplicities, zeros among them
    [1, "1e-5", "1e-10", "1e-15", "1e-20", "-1e-25", 0, 0],    # graded spectrum below float64
    ["1.000000000000000000001", 1, 1, -2, "1e-18"],          # a cluster split far below float64
])
def test_clustered_and_graded_spectra_match_eigsy(values):
    H = planted(values, seed=len(values))
    ours, oracle = _agree(H, DPS)
    with workdps(DPS):
        for tol in (zero_eigenvalue_tolerance(DPS, spectral_scale(oracle.values)), mpmath.mpf(10) ** -12):
            assert bounded_inertia(ours, tol) == inertia(oracle.values, tol)


def test_embedded_zero_error_hessian_has_eigsy_inertia():
    arch = Architecture((1, 3, 1), "tanh")
    rng = np.random.default_rng(4)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params))
    x = rng.uniform(-1, 1, size=(6, 1))
    data = Dataset(x, mlp.forward(arch, params, x, DPS + 10))
    with workdps(DPS):
        for _ in range(3):
            arch, params = add_inactive_unit(arch, params, 0, [mpmath.mpf(float(v)) for v in rng.normal(size=2)])
    H = mlp.hessian(arch, params, data.x, data.y, DPS)
    ours, oracle = _agree(H, DPS)
    band = zero_eigenvalue_tolerance(DPS, spectral_scale(oracle.values))
    counts = bounded_inertia(ours, band)
    assert counts == inertia(oracle.values, band)
    assert counts.zero >= 3 * 2 and counts.negative == 0  # the inactive units' incoming weights are flat


def test_eigenvalues_below_the_band_get_no_sign_and_above_it_a_proved_one():
    values = [2, 1, "1e-30", "-1e-30", "0.5"]
    H50 = planted(values, seed=7, dps=50)
    ours = refined_eigen(H50, 50)
    band = zero_eigenvalue_tolerance(50, spectral_scale(ours.values))  # 10^-25 s
    assert bounded_inertia(ours, band).zero == 2
    # at dps 80 the band is 10^-40 s and the bound decides the sign of +-1e-30
    H80 = planted(values, seed=7, dps=80)
    fine = refined_eigen(H80, 80)
    with workdps(80):
        assert fine.error < mpmath.mpf(10) ** -35
        band80 = zero_eigenvalue_tolerance(80, spectral_scale(fine.values))
        counts = bounded_inertia(fine, band80)
        assert (counts.negative, counts.zero, counts.positive) == (1, 0, 4)
        assert counts == inertia(symmetric_eigen(H80, 80).values, band80)


def test_negative_control_float64_guidance_alone_cannot_decide():
    H = planted([2, 1, "1e-30", "-1e-30", "0.5"], seed=7, dps=50)
    F = np.array([[float(v) for v in row] for row in H])
    guess = np.sort(np.linalg.eigvalsh(F))
    # float64 places the two tiny eigenvalues ~1e-16 away from -1e-30 and 1e-30: outside the
    # dps-50 zero band, so the float64 signs would be guesses
    assert abs(guess[0] + 1e-30) > 1e-24 and abs(guess[1] - 1e-30) > 1e-24


def test_negative_control_no_sweeps_falls_back_to_eigsy():
    H = planted([3, 3, -1, "1e-20"], seed=3)
    denied = refined_eigen(H, DPS, max_iterations=0)
    assert "eigsy" in denied.method and denied.error is None
    oracle = symmetric_eigen(H, DPS)
    with workdps(DPS):
        assert all(a == b for a, b in zip(denied.values, oracle.values))
