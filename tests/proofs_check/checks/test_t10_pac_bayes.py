"""Theorem check T10 (proofs_check/checks/t10_pac_bayes.py) in quick mode, on its evidence values, with its negative control."""

from tests.proofs_check.checks.evidence import ZERO_30, first_number, items, run, within_own_bound


def test_t10_increments_and_kl():
    result = run("T10")
    assert result.passed, result.notes
    kl = items(result, "KL closed form - general")
    assert len(kl) == 2 and all(first_number(v) < ZERO_30 and within_own_bound(v) for _, v in kl)
    # the paper's comparison is tested (isotropic, equal norms) and the vacuity of the bounds is said
    (_, comparison), = items(result, "paper's comparison at equal norms")
    assert not comparison.endswith("FAILED")
    (_, bounds), = items(result, "PAC-Bayes bounds")
    tanh_b, relu_b = (float(t) for t in bounds.split(" - ")[0].split(", "))
    assert ("vacuous" in bounds) == (min(tanh_b, relu_b) > 1)
    (_, optimised), = items(result, "optimised per-coordinate posterior")
    assert ("does NOT hold" in optimised) or ("holds" in optimised)


def test_t10_negative_control_active_relu_units_raise_the_risk():
    result = run("T10", "relu-not-dead")
    assert not result.passed
    key, value = items(result, "increment tanh - increment ReLU")[0]
    assert value.endswith("FAILED")
