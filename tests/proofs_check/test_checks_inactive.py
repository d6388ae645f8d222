"""Theorem checks T3, T5, T6, T9, T10 in quick mode, each with its negative control."""

import re
from functools import lru_cache

from numerics.precision import tolerance
from proofs_check.checks import CHECKS, CheckConfig

CHECK_DPS = CheckConfig().dps
# Independent ceilings on the identities a check reports at CHECK_DPS (40) digits: the checks
# compare with tolerance(dps, scale, 2..3); the test allows scales up to 10^2 (ZERO_35 = 10^-35)
# or 10^7 (ZERO_30 = 10^-30), still ~15 digits below anything float64 could produce.
ZERO_35 = tolerance(CHECK_DPS, 1, lost_digits=5)
ZERO_30 = tolerance(CHECK_DPS, 1, lost_digits=10)


@lru_cache(maxsize=None)
def run(theorem, tamper=None):
    return CHECKS[theorem].check(CheckConfig(quick=True, tamper=tamper))


def items(result, pattern):
    return [(k, v) for k, v in result.evidence if re.search(pattern, k)]


def first_number(value):
    return float(re.match(r"\s*\|?(-?[\d.e+-]+)", value).group(1))


def failure_ratio(value):
    """'3.18 <= 4.87e-37  FAILED' -> 3.18 / 4.87e-37: how far a failed identity misses its bound."""
    a, b = re.match(r"\s*(\S+) <= (\S+)\s+FAILED", value).groups()
    return float(a) / float(b)


# A negative control must fail macroscopically: the broken premise moves the quantity by at
# least 10^20 times the dps-derived bound (rounding at dps 40 could never explain it).
MACROSCOPIC = 1e20


def within_own_bound(value):
    """'3e-51 <= 1e-38' -> the measured number does not exceed the bound the check printed."""
    a, b = re.match(r"\s*(\S+) <= (\S+)", value).groups()
    return float(a) <= float(b)


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
    assert failed and all(v.endswith("FAILED") and failure_ratio(v) > MACROSCOPIC for v in failed)
    # The gradient formulas themselves hold at any theta, critical or not.
    assert all(not v.endswith("FAILED") for _, v in items(result, r"grad_wide - |dL/dw~_new"))


def test_t5_strict_saddle_from_a_strict_minimum():
    result = run("T5")
    assert result.passed, result.notes
    for key, value in items(result, "strict saddle"):
        wide_neg, narrow_neg = map(int, re.search(r"wide neg (\d+) > narrow neg (\d+)", key).groups())
        assert narrow_neg == 0 and wide_neg >= 1 and first_number(value) < 0


def test_t5_negative_control_zero_error_gives_no_saddle():
    result = run("T5", "zero-error")
    assert not result.passed
    saddle = items(result, "strict saddle")
    assert saddle and all(v.endswith("FAILED") for _, v in saddle)
    # with zero error C(0) = 0: lambda_min is 0 to working precision, not a genuine negative value
    assert all(abs(first_number(v)) < ZERO_35 for _, v in saddle)
    assert all(not v.endswith("FAILED") for _, v in items(result, r"H_w~w~|H_w~v"))


def test_t6_dead_unit_is_exactly_flat_and_keeps_the_minimum():
    result = run("T6")
    assert result.passed, result.notes
    for _, value in items(result, r"\|L_wide - L\||grad_wide|Hessian rows|old Hessian"):
        assert first_number(value) < ZERO_35 and within_own_bound(value)
    assert all(first_number(v) >= 0 for _, v in items(result, "loss change"))


def test_t6_negative_control_active_unit_is_not_flat():
    result = run("T6", "active-unit")
    assert not result.passed
    for _, value in items(result, r"\|L_wide - L\||new-unit Hessian rows"):
        assert value.endswith("FAILED") and first_number(value) > 1e-6  # a macroscopic failure, not rounding


def test_t9_trace_growth_tanh_positive_relu_zero():
    result = run("T9")
    assert result.passed, result.notes
    tanh = items(result, r"tanh: trace growth > 0")
    relu = items(result, r"relu: trace growth")
    assert tanh and first_number(tanh[0][1]) > 0.01
    assert relu and first_number(relu[0][1]) == 0


def test_t9_negative_control_nonzero_error_breaks_gauss_newton():
    result = run("T9", "nonzero-error")
    assert not result.passed
    assert any(v.endswith("FAILED") for _, v in items(result, "J\\^T J"))
    failed = [v for _, v in result.evidence if v.endswith("FAILED") and "<=" in v]
    assert failed and all(failure_ratio(v) > MACROSCOPIC for v in failed)
    assert all(v.endswith("FAILED") for _, v in items(result, "L_wide$"))


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
