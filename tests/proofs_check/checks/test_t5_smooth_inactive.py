"""Theorem check T5 (proofs_check/checks/t5_smooth_inactive.py) in quick mode, on its evidence values, with its negative control."""

import re

from tests.proofs_check.checks.evidence import ZERO_35, first_number, items, run


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
