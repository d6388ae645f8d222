"""Theorem check T4 (proofs_check/checks/t4_hessian.py) in quick mode, on its evidence values, with its negative control."""

from tests.proofs_check.checks.evidence import MACROSCOPIC, failure_ratio, items, run, tuples


def test_t4_sylvester_inertia_adds():
    result = run("T4")
    for key, value in items(result, "inertia"):
        narrow, split = tuples(key)[-2:]
        wide, predicted = tuples(value)
        assert wide == tuple(a + b for a, b in zip(narrow, split)) == predicted


def test_t4_negative_control_lambda_squared_block_fails():
    result = run("T4", "K-lambda-squared")
    assert not result.passed
    blocks = items(result, r"blockdiag")
    assert blocks and all(v.endswith("FAILED") and failure_ratio(v) > MACROSCOPIC for _, v in blocks)
    assert all(not v.endswith("FAILED") for _, v in items(result, r"det T"))
