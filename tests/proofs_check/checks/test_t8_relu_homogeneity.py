"""Theorem check T8 (proofs_check/checks/t8_relu_homogeneity.py) in quick mode, on its evidence values, with its negative control."""

from tests.proofs_check.checks.evidence import ZERO_35, items, run


def test_t8_scaling_invariance_and_negative_scale():
    good, bad = run("T8"), run("T8", "negative-scale")
    assert good.passed and not bad.passed
    assert float(items(good, r"\|L\(c v")[0][1].split()[0]) < ZERO_35
    assert float(items(bad, r"\|L\(c v")[0][1].split()[0]) > 1e-3
