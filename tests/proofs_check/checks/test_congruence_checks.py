"""Checks T1, T2, T4 report their identities within the working precision."""

import pytest

from numerics.precision import rounding_band
from tests.proofs_check.checks.evidence import CHECK_DPS, bound_pair, run


@pytest.mark.parametrize("theorem", ["T1", "T2", "T4"])
def test_congruences_hold_to_working_precision(theorem):
    result = run(theorem)
    assert result.passed, result.notes
    errors = [bound_pair(v) for k, v in result.evidence if "<=" in v]
    assert errors and all(err <= bound for err, bound in errors)
    # dps 40: every identity holds below rounding_band(40, 1, lost_digits=10) = 10^-30 (scales up
    # to 10^7 allowed), i.e. not a float64-level coincidence.
    assert max(err for err, _ in errors) < rounding_band(CHECK_DPS, 1, lost_digits=10)
