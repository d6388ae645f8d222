"""Theorem checks T1, T2, T4, T4a, T4b, T4c in quick mode: the real premise passes with the
predicted evidence, a tampered premise fails with the predicted failure (negative controls)."""

import re
from functools import lru_cache

import pytest

from numerics.precision import tolerance
from proofs_check.checks import CHECKS, CheckConfig

CHECK_DPS = CheckConfig().dps


@lru_cache(maxsize=None)
def run(theorem, tamper=None):
    return CHECKS[theorem].check(CheckConfig(quick=True, tamper=tamper))


def items(result, pattern):
    return [(k, v) for k, v in result.evidence if re.search(pattern, k)]


def bound_pair(value):
    """'3e-51 <= 1e-38' -> (3e-51, 1e-38)."""
    a, b = re.match(r"\s*(\S+) [<>]=? -?(\S+)", value).groups()
    return float(a), float(b)


def failure_ratio(value):
    """'0.486 <= 5.85e-38  FAILED' -> 0.486 / 5.85e-38."""
    err, bound = bound_pair(value)
    return err / bound


# a negative control fails macroscopically: >= 10^20 times the dps-derived bound
MACROSCOPIC = 1e20


def tuples(value):
    return [tuple(int(t) for t in m.split(",")) for m in re.findall(r"\(([\d, ]+)\)", value)]


@pytest.mark.parametrize("theorem", ["T1", "T2", "T4"])
def test_congruences_hold_to_working_precision(theorem):
    result = run(theorem)
    assert result.passed, result.notes
    errors = [bound_pair(v) for k, v in result.evidence if "<=" in v]
    assert errors and all(err <= bound for err, bound in errors)
    # dps 40: every identity holds below tolerance(40, 1, lost_digits=10) = 10^-30 (scales up
    # to 10^7 allowed), i.e. not a float64-level coincidence.
    assert max(err for err, _ in errors) < tolerance(CHECK_DPS, 1, lost_digits=10)


def test_t1_negative_control_wrong_shares_change_the_function():
    result = run("T1", "split-shares")
    assert not result.passed
    failed = [bound_pair(v) for k, v in result.evidence if v.endswith("FAILED")]
    assert failed and all(err > 1e-3 for err, _ in failed)


def test_t2_negative_control_mismatched_map_breaks_gradient_congruence():
    result = run("T2", "map-lambda-mismatch")
    assert not result.passed
    congruence = items(result, r"T\^T g_wide")
    assert congruence and all(v.endswith("FAILED") and failure_ratio(v) > MACROSCOPIC for _, v in congruence)
    # Criticality of embedded exact critical points does not depend on the map, so it still holds.
    assert all(not v.endswith("FAILED") for _, v in items(result, r"\|grad L_wide\|"))


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
        elif (kind == "pd") == inside:
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
    bad = [v for k, v in items(result, r"A pd .*inertia") if v.endswith("FAILED")]
    assert bad
    for value in bad:
        measured, predicted = tuples(value)
        assert measured[0] == predicted[0] + 1  # the narrow saddle's negative direction is added


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
