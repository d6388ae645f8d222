"""Theorem check T9 (proofs_check/checks/t9_zero_error.py) in quick mode, on its evidence values, with its negative control."""

from tests.proofs_check.checks.evidence import MACROSCOPIC, failed_by, first_number, items, run


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
    assert failed and all(failed_by(v) > MACROSCOPIC for v in failed)
    assert all(v.endswith("FAILED") for _, v in items(result, "L_wide$"))
