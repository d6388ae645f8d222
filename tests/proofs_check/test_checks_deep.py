"""T3d and Td (depth J = 3, 4 instances for any activation) on their evidence values, with
negative controls (a non-critical narrow point; a wrong homogeneity claim)."""

import mpmath
import pytest

from proofs_check.checks import t3d_deep_criticality as t3d
from proofs_check.checks import td_deep_instances as td
from proofs_check.checks.result import CheckConfig


def _value(evidence_value: str) -> mpmath.mpf:
    return mpmath.mpf(evidence_value.split("|grad|")[-1].split()[0])


@pytest.fixture(scope="module")
def leaky():
    return t3d.check(CheckConfig(quick=True, dps=30, activation="leaky_relu:0.1"))


def test_t3d_predictions_hold_for_leaky_relu(leaky):
    assert leaky.passed, leaky.notes
    items = dict(leaky.evidence)
    critical = [v for k, v in items.items() if k.endswith("critical as predicted") and "NOT" not in k]
    not_critical = [v for k, v in items.items() if k.endswith("NOT critical as predicted")]
    assert critical and not_critical
    # critical cases sit at the 30-digit zero, non-critical ones far above the 10^-15 band
    assert max(_value(v) for v in critical) < mpmath.mpf(10) ** -27
    assert min(_value(v) for v in not_critical) > mpmath.mpf(10) ** -8
    # no dead zone: the dead-unit case is not even posed; both depths ran
    assert not any("(d) dead" in k for k in items)
    assert any("[2, 3, 3, 2]" in k for k in items) and any("[2, 3, 2]" in k for k in items)


def test_t3d_without_bias_follows_phi_of_zero():
    result = t3d.check(CheckConfig(quick=True, dps=30, activation="sigmoid"))
    assert result.passed, result.notes
    no_bias = {k: v for k, v in result.evidence if "without bias" in k}
    assert no_bias and all("NOT critical" in k for k in no_bias)  # sigmoid(0) = 1/2 != 0


def test_t3d_negative_control_a_non_critical_narrow_point_fails():
    result = t3d.check(CheckConfig(quick=True, dps=30, activation="leaky_relu:0.1", tamper="narrow-not-critical"))
    assert not result.passed
    failed = [k for k, v in result.evidence if v.endswith("FAILED")]
    assert any("critical as predicted" in k and "NOT" not in k for k in failed)


def test_td_passes_for_relu_with_dead_units_flat():
    result = td.check(CheckConfig(quick=True, dps=30, activation="relu"))
    assert result.passed, result.notes
    rows = [(k, v) for k, v in result.evidence if "dead unit, random v_new" in k]
    assert rows and all(mpmath.mpf(v.split()[0]) < mpmath.mpf(10) ** -25 for _, v in rows)


def test_td_negative_control_wrong_homogeneity_fails():
    result = td.check(CheckConfig(quick=True, dps=30, activation="leaky_relu:0.1", tamper="wrong-homogeneity"))
    assert not result.passed
    failed = [k for k, v in result.evidence if v.endswith("FAILED")]
    assert failed and all(k.startswith("T8 ") for k in failed)
