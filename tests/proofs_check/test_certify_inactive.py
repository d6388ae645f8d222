"""Certified verdicts at inactive units (T3, T5) and at lambda in {0, 1} (T4a, third order).

Oracles: the closed form of C (structure.candidate_blocks in mpmath), the wide Hessian's
eigenvalues in mpmath, the gradient in mpmath, and the loss along the third-order line in
mpmath against eta alpha^T A_j alpha / (2 v) with A_j from structure.unit_blocks (the T4a
check's third_order_term, which shares nothing with the ball proofs).
"""

import mpmath
import numpy as np
import pytest

from numerics import mlp
from numerics.precision import workdps
from proofs_check.instances.adversarial import inactive_coupling
from proofs_check.certified.certify import certify
from proofs_check.checks._instances import Instance
from proofs_check.checks.t4a_fa_table import third_order_term
from proofs_check.landscape.classify import Verdict, classify
from proofs_check.instances.critical_search import find_strict_minimum
from proofs_check.landscape.structure import candidate_blocks
from proofs_check.certified.verify_certificate import NotProved, verify
from tests.proofs_check.tamper import digit_changed, retamper
from theory.architecture import Architecture
from theory.embeddings.inactive_unit import add_inactive_unit
from theory.embeddings.replication import replicate
from theory.params import Params, narrow_positions, outgoing_indices

DPS = 50


@pytest.fixture(scope="module")
def tanh_minimum():
    return find_strict_minimum("tanh", (1, 1, 1), 10, seed=2024, dps=DPS, want_A="positive")


@pytest.mark.parametrize("size", ["0.1", "1e-30"])
def test_inactive_unit_with_nonzero_C_is_a_certified_saddle(size):
    """T5: w0 = 0 forces criticality; C = phi'(b0) [size; 0] however small proves a saddle."""
    arch, params, data = inactive_coupling(size, dps=DPS)
    c = certify(arch, params, data, DPS)
    assert c.proved and c.verdict == "saddle" and c.theorem == "T5", c.reason
    assert verify(c.certificate)[-1] == "proved: saddle"
    with workdps(DPS):
        narrow_arch = Architecture((1, 1, 1), "tanh")
        narrow = Params.from_vector(narrow_arch, params.to_vector()[narrow_positions(narrow_arch, arch, 0)])
        C, g = candidate_blocks(narrow_arch, narrow, data.x, data.y, 0, [0, params.b[0][1]], DPS)
        assert abs(C[0, 0] / mpmath.mpf(size) - (1 - mpmath.tanh(params.b[0][1]) ** 2)) < mpmath.mpf("1e-6")
        assert abs(g[0]) < mpmath.mpf(10) ** (-DPS + 10)  # critical: g_alpha = phi(b0) sum_i e_i = 0
    numerical = classify(arch, params, data, dps=DPS)
    assert not numerical.verdict.value.endswith("minimum")
    if size == "0.1":
        with workdps(DPS):
            H = mlp.hessian(arch, params, data.x, data.y, dps=DPS)
            assert min(mpmath.eigsy(mpmath.matrix(H.tolist()), eigvals_only=True)) < 0


def test_exactly_zero_C_is_never_decided_at_second_order():
    """phi'(0) = 0 (phi = z^2 + z^3) makes C = 0 exactly: the block [[0, C], [C^T, P]] vanishes and
    second order says nothing; neither path may call the point a minimum or a T5 saddle."""
    arch, params, data = inactive_coupling("0", dps=DPS, activation="poly:0,0,1,1", b0="0")
    c = certify(arch, params, data, DPS)
    assert not c.proved and c.verdict == "undecided" and "C(w~0)" in c.reason
    assert classify(arch, params, data, dps=DPS).verdict is Verdict.UNDECIDED


def test_generic_inactive_unit_at_positive_loss_is_certified_not_critical(tanh_minimum):
    """T3: for generic w~0 and L > 0, dL/dv_new = g_alpha(w~0) != 0: the embedded point is not critical."""
    arch, params, data, _ = tanh_minimum
    with workdps(DPS):
        w0 = [mpmath.mpf("0.3"), mpmath.mpf("-0.2")]
        wide, p = add_inactive_unit(arch, params, 0, w0)
    c = certify(wide, p, data, DPS)
    assert c.proved and c.verdict == "not-critical"
    k = c.certificate["tests"][0]["index"]
    _, g = candidate_blocks(arch, params, data.x, data.y, 0, w0, DPS)
    grad = mlp.gradient(wide, p, data.x, data.y, dps=DPS)
    assert k in outgoing_indices(wide, 0, 1) and abs(grad[k] - g[0]) < mpmath.mpf(10) ** (-DPS + 10)
    assert verify(c.certificate)[-1].endswith("not-critical")


@pytest.mark.parametrize("lam", ["0", "1"])
def test_lambda_zero_or_one_with_A_definite_is_a_third_order_saddle(tanh_minimum, lam):
    """T4a at lambda in {0, 1}: K_lambda = 0 but the cubic term eta alpha^T A_j alpha / (2 v) is not 0,
    so the loss drops below L* on one side of the line: a saddle (the Hessian is positive semi-definite)."""
    arch, params, data, _ = tanh_minimum
    with workdps(DPS):
        wide, p = replicate(arch, params, 0, 0, mpmath.mpf(lam))
    c = certify(wide, p, data, DPS)
    assert c.proved and c.verdict == "saddle" and "third order" in c.theorem
    assert verify(c.certificate)[-1] == "proved: saddle"
    assert c.certificate["tests"][-1]["test"] == "cubic"
    odd, predicted, drop = third_order_term(Instance(arch, params, data, 2024, "tanh minimum"), lam, DPS)
    assert abs(odd - predicted) < mpmath.mpf("1e-6") * abs(predicted) and predicted != 0
    assert drop < 0  # L - L* = predicted t^3 + O(t^4) is negative for one sign of t
    with workdps(DPS):
        H = mlp.hessian(wide, p, data.x, data.y, dps=DPS)
        lowest = min(mpmath.eigsy(mpmath.matrix(H.tolist()), eigvals_only=True))
    assert lowest > -mpmath.mpf(10) ** (-DPS // 2)  # no negative eigenvalue: second order sees no saddle


@pytest.mark.parametrize("lam,verdict", [("1e-40", "semi-flat-minimum"), ("-1e-40", "saddle"),
                                         ("0.9999999999999999999999999999999999999999", "semi-flat-minimum")])
def test_lambda_next_to_zero_or_one_keeps_the_table(tanh_minimum, lam, verdict):
    """Adversarial: lambda = 1e-40 is not 0. Inside (0, 1) with A > 0 the point is a minimum, outside
    a saddle (T4a); the third-order argument (exactly 0 or 1 only) must not be used."""
    arch, params, data, _ = tanh_minimum
    with workdps(DPS):
        wide, p = replicate(arch, params, 0, 0, mpmath.mpf(lam))
    c = certify(wide, p, data, DPS)
    assert c.proved and c.verdict == verdict, c.reason
    assert all(t["test"] != "cubic" for t in c.certificate["tests"])
    assert verify(c.certificate)[-1].startswith(f"proved: {verdict}")
    assert not (verdict == "saddle" and classify(wide, p, data, dps=DPS).verdict.value.endswith("minimum"))


def test_tampered_third_order_and_T5_certificates_are_rejected(tanh_minimum):
    arch, params, data, _ = tanh_minimum
    with workdps(DPS):
        wide, p = replicate(arch, params, 0, 0, mpmath.mpf(0))
    cubic = certify(wide, p, data, DPS).certificate
    t5 = certify(*inactive_coupling("0.1", dps=DPS), DPS).certificate
    for cert in (cubic, t5):
        verify(cert)
        with pytest.raises(NotProved, match="Krawczyk"):  # one digit of the box centre
            verify(retamper(cert, lambda c: c["tests"][0]["centre"].__setitem__(
                0, digit_changed(c["tests"][0]["centre"][0], 8))))
        with pytest.raises(NotProved):  # one digit of a parameter
            verify(retamper(cert, lambda c: c["network"]["parameters"]["W"][0][0].__setitem__(
                0, digit_changed(c["network"]["parameters"]["W"][0][0][0], -1))))
    # lambda moved off {0, 1}: the third-order argument no longer applies
    def off_line(c):
        c["reduction"][0]["lambda"] = "1e-40"
        c["claim"]["distance"] = "1"  # let the distance pass, so that the cubic test itself must refuse
    with pytest.raises(NotProved, match="exactly 0 or 1"):
        verify(retamper(cubic, off_line))
    # an inactive unit whose w is not 0: criticality is not forced
    def unforce(c):
        c["network"]["parameters"]["W"][0][1][0] = "1e-30"
    with pytest.raises(NotProved):
        verify(retamper(t5, unforce))
    assert np.isfinite(float(t5["claim"]["distance"]))
