"""Theorem check T4b (proofs_check/checks/t4b_multi_output.py) in quick mode, on its evidence values, with its negative control."""

import re

import pytest

from tests.proofs_check.checks.evidence import bound_pair, items, run


def test_t4b_saddle_for_every_lambda_and_decrease_matches():
    result = run("T4b")
    assert result.passed, result.notes
    saddles = items(result, "lambda_min")
    assert len(saddles) == 3 and all(bound_pair(v)[0] < 0 for _, v in saddles)
    # lambda = 0 is also an inactive unit (v = 0), whose criticality the certifier does not prove;
    # the others are proved saddles, and nothing proved contradicts T4b
    certified = dict(items(result, ": certified"))
    assert len(certified) == 3 and all(v.startswith(("proved: saddle", "not proved")) for v in certified.values())
    assert all(v.startswith("proved: saddle") for k, v in certified.items() if "lambda 0:" not in k)
    for key, value in items(result, "quotient"):
        predicted = float(re.search(r"predicted (\S+)", key).group(1))
        values, errors = value.split(";")
        extrapolated = float(values.split(",")[2])
        assert extrapolated == pytest.approx(predicted, rel=1e-2)  # both printed to 3 digits
        rel_errors = [float(t) for t in re.findall(r"[\d.]+e-\d+|\d\.\d+", errors.split("(")[0])]
        assert rel_errors[1] < 1e-3 and rel_errors[2] < rel_errors[1] + 1e-6


def test_t4b_negative_control_single_output_has_no_split_saddle():
    result = run("T4b", "single-output")
    assert not result.passed
    assert all(v.endswith("FAILED") for _, v in items(result, "sigma_max"))
    assert not items(result, "quotient")
