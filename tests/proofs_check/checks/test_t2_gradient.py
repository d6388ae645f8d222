"""Theorem check T2 (proofs_check/checks/t2_gradient.py) in quick mode, on its evidence values, with its negative control."""

from tests.proofs_check.checks.evidence import MACROSCOPIC, failure_ratio, items, run


def test_t2_negative_control_mismatched_map_breaks_gradient_congruence():
    result = run("T2", "map-lambda-mismatch")
    assert not result.passed
    congruence = items(result, r"T\^T g_wide")
    assert congruence and all(v.endswith("FAILED") and failure_ratio(v) > MACROSCOPIC for _, v in congruence)
    # Criticality of embedded exact critical points does not depend on the map, so it still holds.
    assert all(not v.endswith("FAILED") for _, v in items(result, r"\|grad L_wide\|"))
