"""Theorem check T4a (proofs_check/checks/t4a_fa_table.py) in quick mode, on its evidence values, with its negative control."""

import re

from tests.proofs_check.checks.evidence import bound_pair, items, run, tuples


def test_t4a_table_rows_match_fukumizu_amari():
    result = run("T4a")
    assert result.passed, result.notes
    d = 1
    for key, value in items(result, "inertia"):
        kind, lam = re.match(r"A (\S+) .*lambda (\S+):", key).groups()
        lam = float(lam)
        neg = tuples(value)[0][0]
        inside = 0 < lam < 1
        if kind == "indefinite":
            assert neg >= 1
        elif (kind == "positive") == inside:
            assert neg == 0 and "minimum" in key
        else:
            assert neg == d + 1 and "saddle" in key
    assert all(bound_pair(v)[0] > 0 for _, v in items(result, "perturbations"))
    # every table row's concrete point is also proved (ball arithmetic) with the predicted verdict
    proved = [v for k, v in items(result, ": certified")]
    assert proved and all(v.startswith("proved: ") and not v.endswith("FAILED") for v in proved)
    assert result.certified == f"{len(proved)}/{len(proved)}"


def test_t4a_negative_control_narrow_saddle_breaks_the_prediction():
    result = run("T4a", "narrow-saddle")
    assert not result.passed
    bad = [v for k, v in items(result, r"A positive .*inertia") if v.endswith("FAILED")]
    assert bad
    for value in bad:
        measured, predicted = tuples(value)
        assert measured[0] == predicted[0] + 1  # the narrow saddle's negative direction is added
