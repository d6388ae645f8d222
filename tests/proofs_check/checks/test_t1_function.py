"""Theorem check T1 (proofs_check/checks/t1_function.py) in quick mode, on its evidence values, with its negative control."""

from tests.proofs_check.checks.evidence import bound_pair, run


def test_t1_negative_control_wrong_shares_change_the_function():
    result = run("T1", "split-shares")
    assert not result.passed
    failed = [bound_pair(v) for k, v in result.evidence if v.endswith("FAILED")]
    assert failed and all(err > 1e-3 for err, _ in failed)
