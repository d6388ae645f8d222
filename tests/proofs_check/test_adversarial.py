"""Adversarial cases (proofs_check.instances.adversarial): the verdict is never wrong, certified or not.

Each case is built exactly, so its truth is known: a tiny B_j with M = 2 is a saddle (T4b), a
Hessian with lambda_min = +-1e-30 a strict minimum / saddle, tanh(60 x) on sign data has no
minimiser. Oracles: the construction itself (B_j's size, the Hessian's lowest eigenvalue at high
precision, the loss decreasing along w -> infinity) and the verifier.
"""

import mpmath
import pytest

from numerics import mlp
from numerics.precision import rounding_band
from proofs_check.instances.adversarial import near_degenerate, non_attained, tiny_coupling
from proofs_check.landscape.classify import Verdict, classify
from proofs_check.landscape import structure as st
from proofs_check.landscape.structure import unit_blocks
from proofs_check.certified.verify_certificate import verify
from theory.params import Params

DPS = 50
MINIMA = {Verdict.STRICT_MINIMUM, Verdict.SEMI_FLAT_MINIMUM, Verdict.MINIMUM, Verdict.GLOBAL_MINIMUM}


@pytest.mark.parametrize("size,nudge", [("6e-31", None), ("6e-14", "1e-26"), ("3e-8", None), ("1e-3", None)])
def test_tiny_coupling_is_never_called_a_minimum(size, nudge):
    arch, params, data = tiny_coupling(size, DPS, nudge=nudge)
    # the construction: the narrow unit's B_j has sigma_max = size (2 x 2, rank 1)
    with mpmath.workdps(DPS + 10):  # the merge v_p + v_u is arithmetic at the caller's precision
        narrow_arch, narrow, _ = st.reduce(arch, params, st.detect(arch, params, data.x, dps=DPS))
    B = unit_blocks(narrow_arch, narrow, data.x, data.y, 0, 0, DPS).B
    with mpmath.workdps(DPS):
        sigma = mpmath.sqrt(max(mpmath.eigsy(mpmath.matrix(B.tolist()).T * mpmath.matrix(B.tolist()),
                                             eigvals_only=True)))
        # exact by construction (to the working precision, absolute); a nudge of the targets moves it slightly
        size = mpmath.mpf(size)
        assert abs(sigma - size) < (size / 1000 if nudge else rounding_band(DPS, 1))
    numerical = classify(arch, params, data, dps=DPS)
    assert numerical.verdict not in MINIMA
    assert numerical.verdict in (Verdict.SADDLE, Verdict.UNDECIDED)
    if numerical.verdict is Verdict.UNDECIDED:
        assert "not structurally forced" in numerical.reason
    proved = classify(arch, params, data, dps=DPS, certify=True)
    assert proved.certified and proved.verdict is Verdict.SADDLE and "T4b" in proved.theorem
    assert verify(proved.certificate)[-1] == "proved: saddle"


@pytest.mark.parametrize("value", ["1e-30", "-1e-30"])
def test_near_degenerate_hessian_is_never_misjudged(value):
    lam = mpmath.mpf(value)
    truth = Verdict.STRICT_MINIMUM if lam > 0 else Verdict.SADDLE
    arch, params, data = near_degenerate(lam, DPS)
    with mpmath.workdps(DPS + 30):
        H = mlp.hessian(arch, params, data.x, data.y, DPS + 30)
        lowest = min(mpmath.eigsy(mpmath.matrix(H.tolist()), eigvals_only=True))
    assert abs(lowest / lam - 1) < mpmath.mpf(10) ** -10
    for certify in (False, True):
        report = classify(arch, params, data, dps=DPS, certify=certify)
        assert report.verdict in (truth, Verdict.UNDECIDED)
        assert not (report.verdict in MINIMA and truth is Verdict.SADDLE)
    # at 100 digits (data held to 105 digits) the certified path decides it
    arch, params, data = near_degenerate(lam, 100)
    report = classify(arch, params, data, dps=100, certify=True)
    assert report.certified and report.verdict is truth
    verify(report.certificate)


def test_non_attained_infimum_is_not_a_global_minimum():
    arch, params, data = non_attained(DPS)
    L = mlp.loss(arch, params, data.x, data.y, DPS)
    assert L < mpmath.mpf(10) ** -51
    # the infimum 0 is approached, never attained: a larger w has a smaller loss
    steeper = Params.from_vector(arch, [mpmath.mpf(70)] + list(params.to_vector()[1:]))
    assert mlp.loss(arch, steeper, data.x, data.y, DPS) < L
    for certify in (False, True):
        report = classify(arch, params, data, dps=DPS, certify=certify)
        assert report.verdict is Verdict.UNDECIDED and not report.certified
        assert "near-interpolating" in report.reason and "no minimiser proved" in report.reason
