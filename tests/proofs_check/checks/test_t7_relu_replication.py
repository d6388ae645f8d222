"""Theorem check T7 (proofs_check/checks/t7_relu_replication.py) in quick mode, on its evidence values, with its negative control."""

import re

from tests.proofs_check.checks.evidence import items, run


def test_t7_single_output_minimum_multi_output_saddle():
    result = run("T7")
    assert result.passed, result.notes
    for key, value in items(result, "wide inertia"):
        narrow = tuple(int(t) for t in re.search(r"narrow \(([\d, ]+)\)", key).group(1).split(","))
        wide = tuple(int(t) for t in re.match(r"\(([\d, ]+)\)", value).group(1).split(","))
        assert wide[0] == narrow[0] == 0 and wide[1] == narrow[1] + 3
    saddles = items(result, "lambda_min")
    assert saddles and all(float(v.split()[0]) < 0 for _, v in saddles)
    for key, value in items(result, "quotient"):
        quotient = float(re.search(r": (\S+) vs -sigma_max", key).group(1))
        assert quotient < 0 and float(value.split()[0]) <= 1e-3  # relative error to -sigma_max


def test_t7_negative_control_multi_output_is_not_a_minimum():
    result = run("T7", "multi-output")
    assert not result.passed
    value = items(result, "max_j \\|B_j\\|")[0][1]
    err, bound = (float(t) for t in re.match(r"\s*(\S+) <= (\S+)\s+FAILED", value).groups())
    assert err > 1e20 * bound  # B_j != 0 macroscopically, not by rounding at dps 40
    # the replication gains negative directions the single-output prediction does not have
    inertia = items(result, "wide inertia")
    assert inertia
    for _, v in inertia:
        measured, predicted = (tuple(int(t) for t in m.split(",")) for m in re.findall(r"\(([\d, ]+)\)", v))
        assert v.endswith("FAILED") and measured[0] > predicted[0]
