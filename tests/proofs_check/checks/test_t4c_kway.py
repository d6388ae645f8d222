"""Theorem check T4c (proofs_check/checks/t4c_kway.py) in quick mode, on its evidence values, with its negative control."""

from tests.proofs_check.checks.evidence import bound_pair, items, run


def test_t4c_identity_and_negative_share():
    result = run("T4c")
    assert result.passed, result.notes
    neg = items(result, "negative eigenvalues")
    assert any("all >= 0" in k and v.startswith("0 ==") for k, v in neg)
    assert any("-0.6" in k and int(v.split()[0]) >= 1 for k, v in neg)


def test_t4c_negative_control_violated_constraint_breaks_the_identity():
    result = run("T4c", "constraint-violated")
    assert not result.passed
    failed = [bound_pair(v) for k, v in items(result, r"d\^T H d") if v.endswith("FAILED")]
    assert failed and all(err > 1e-6 for err, _ in failed)
