"""Theorem check T3 (proofs_check/checks/t3_criticality.py) in quick mode, on its evidence values, with its negative control."""

from tests.proofs_check.checks.evidence import MACROSCOPIC, ZERO_30, failed_by, first_number, items, run, within_own_bound


def test_t3_cases_a_to_d_are_critical_and_generic_is_not():
    result = run("T3")
    assert result.passed, result.notes
    critical = items(result, r"\(critical\)")
    assert len(critical) >= 6 and all(first_number(v) < ZERO_30 and within_own_bound(v) for _, v in critical)
    generic = items(result, "not critical")
    # the generic gradient is macroscopic (~1e-5 here), not a rounding effect: 10^-12 is ~25
    # digits above the check's own bound at dps 40
    assert generic and all(first_number(v) > 1e-12 for _, v in generic)


def test_t3_negative_control_noncritical_narrow_point():
    result = run("T3", "narrow-not-critical")
    assert not result.passed
    failed = [v for k, v in items(result, r"\(critical\)") if "zero error" not in k]
    assert failed and all(v.endswith("FAILED") and failed_by(v) > MACROSCOPIC for v in failed)
    # The gradient formulas themselves hold at any theta, critical or not.
    assert all(not v.endswith("FAILED") for _, v in items(result, r"grad_wide - |dL/dw~_new"))
