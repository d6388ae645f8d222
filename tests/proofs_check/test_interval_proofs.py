"""Interval tests (proofs_check.certified.interval_proofs) against exact answers, with negative controls."""

import mpmath
import numpy as np
from flint import arb, arb_mat

from numerics.ball_functions import ball_precision
from proofs_check.certified.interval_proofs import _orthogonality_float, certified_inertia, krawczyk, rayleigh_upper


def test_krawczyk_proves_sqrt2_and_refuses_a_function_without_zero():
    with ball_precision(200):
        m = arb("1.41421356237309504880168872420969807856967187537694")
        r = arb("1e-40")
        X = m + arb(0, 1) * r
        proof = krawczyk([m * m - 2], arb_mat([[2 * X]]), r)
        assert proof is not None and proof.ratio < 1
        assert (m + proof.enclosure[0]).contains(arb(2).sqrt())  # the zero is in K(X) inside X
        # negative control: x^2 + 1 has no real zero, the test must not pass
        assert krawczyk([m * m + 1], arb_mat([[2 * X]]), r) is None
        # negative control: a centre off by more than the radius
        off = m + arb("1e-30")
        assert krawczyk([off * off - 2], arb_mat([[2 * (off + arb(0, 1) * r)]]), r) is None


def test_gershgorin_inertia_matches_mpmath_eigenvalues():
    rng = np.random.default_rng(3)
    n = 12
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    values = np.array([-3.0, -1e-3] + list(np.linspace(1e-4, 5, n - 2)))
    S = Q @ np.diag(values) @ Q.T
    S = (S + S.T) / 2
    with mpmath.workdps(40):
        exact = sorted(mpmath.eigsy(mpmath.matrix(S.tolist()), eigvals_only=True))
    with ball_precision(200):
        H = arb_mat([[arb(float(v)) for v in row] for row in S])
        proof = certified_inertia(H)
        assert (proof.negative, proof.positive, proof.undecided) == (2, n - 2, 0)
        assert proof.lower <= arb(float(exact[2])) and proof.lower > 0
        assert rayleigh_upper(H, Q[:, 0]) < 0
        # negative control: an exactly singular matrix cannot have all its signs certified
        Z = Q @ np.diag([0.0] + list(values[1:])) @ Q.T
        proof0 = certified_inertia(arb_mat([[arb(float(v)) for v in row] for row in (Z + Z.T) / 2]))
        assert proof0.undecided >= 1


def test_float_orthogonality_bound_covers_the_exact_defect():
    rng = np.random.default_rng(4)
    Q, _ = np.linalg.qr(rng.normal(size=(30, 30)))
    for M in (Q, Q * 1.001):  # the second is a deliberately non-orthogonal control
        with ball_precision(300):
            Qa = arb_mat([[arb(float(v)) for v in row] for row in M])
            E = Qa.transpose() * Qa
            exact = sum(((E[i, j] - (1 if i == j else 0)) ** 2 for i in range(30) for j in range(30)), arb(0)).sqrt()
            bound = _orthogonality_float(M)
            assert exact.upper() <= bound
    assert bound > arb("0.002") * 5  # the control's defect (about 0.002 per diagonal entry) is seen
