"""Theorem check T6 (proofs_check/checks/t6_relu_dead.py) in quick mode, on its evidence values, with its negative control."""

from tests.proofs_check.checks.evidence import ZERO_35, first_number, items, run, within_own_bound


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
