"""T3d and Td (depth J = 3, 4 instances for any activation) on their evidence values, with
negative controls (a non-critical narrow point; a wrong homogeneity claim)."""

import mpmath
import pytest

from proofs_check.checks import t3d_deep_criticality as t3d
from proofs_check.checks import td_deep_instances as td
from proofs_check.checks.result import CheckConfig
from theory.activation_properties import holds
from theory.activations import get_activation

DPS = 24
"""The smallest precision `check` accepts is 20; 24 keeps the zero band (10^-12) far from both
the zeros (10^-21) and the generic gradients (>= 10^-8)."""


def _value(evidence_value: str) -> mpmath.mpf:
    return mpmath.mpf(evidence_value.split("|grad|")[-1].split()[0])


@pytest.fixture(scope="module")
def leaky():
    return t3d.check(CheckConfig(quick=True, dps=DPS, activation="leaky_relu:0.1"))


def test_t3d_predictions_hold_for_leaky_relu(leaky):
    assert leaky.passed, leaky.notes
    items = dict(leaky.evidence)
    critical = [v for k, v in items.items() if k.endswith("critical as predicted") and "NOT" not in k]
    not_critical = [v for k, v in items.items() if k.endswith("NOT critical as predicted")]
    assert critical and not_critical
    # critical cases sit at the 30-digit zero, non-critical ones far above the 10^-15 band
    assert max(_value(v) for v in critical) < mpmath.mpf(10) ** -(DPS - 3)
    assert min(_value(v) for v in not_critical) > mpmath.mpf(10) ** -8
    # no dead zone: the dead-unit case is not even posed; both depths ran
    assert not any("(d) dead" in k for k in items)
    assert any("[2, 2, 2, 2]" in k for k in items) and any("[2, 2, 2]" in k for k in items)


def test_t3d_negative_control_a_non_critical_narrow_point_fails():
    result = t3d.check(CheckConfig(quick=True, dps=DPS, activation="leaky_relu:0.1", tamper="narrow-not-critical"))
    assert not result.passed
    failed = [k for k, v in result.evidence if v.endswith("FAILED")]
    assert any("critical as predicted" in k and "NOT" not in k for k in failed)


@pytest.mark.slow
def test_td_passes_for_relu_with_dead_units_flat():
    result = td.check(CheckConfig(quick=True, dps=DPS, activation="relu"))
    assert result.passed, result.notes
    rows = [(k, v) for k, v in result.evidence if "dead unit, random v_new" in k]
    assert rows and all(mpmath.mpf(v.split()[0]) < mpmath.mpf(10) ** -(DPS - 5) for _, v in rows)
    _agrees_with_table(result, "relu")


def test_td_passes_for_leaky_relu_and_follows_the_table():
    result = td.check(CheckConfig(quick=True, dps=DPS, activation="leaky_relu:0.1"))
    assert result.passed, result.notes
    _agrees_with_table(result, "leaky_relu:0.1")


def _agrees_with_table(result, name):
    """What Td ran and concluded is what the README table (theory.activation_properties) says."""
    props = get_activation(name).properties
    keys = [k for k, _ in result.evidence]
    assert any(k.endswith("(positively homogeneous)") for k in keys) == holds(props, "T8")
    assert any("dead unit, random v_new" in k for k in keys) == holds(props, "T6")
    assert any("no dead zone, so T6 does not apply" in k for k in keys) == (not holds(props, "T6"))
    assert any("no dead zone, the trace grows" in k for k in keys) == (not holds(props, "T9-flat"))


@pytest.mark.parametrize("name", ["relu", "sigmoid", "square"])
def test_t3d_runs_what_the_table_says(name):
    result = t3d.check(CheckConfig(quick=True, dps=DPS, activation=name))
    assert result.passed, result.notes
    props, keys = get_activation(name).properties, [k for k, _ in result.evidence]
    assert any("(d) dead w~0" in k for k in keys) == holds(props, "T3-dead")
    nobias = [k for k in keys if "without bias" in k and k.endswith("as predicted")]
    assert nobias
    if holds(props, "T3-nobias"):  # phi(0) = 0: critical by the statement itself
        assert all("NOT critical" not in k for k in nobias)
    else:  # decided by the range test, whose evidence is recorded for each case
        assert len([k for k in keys if "without bias" in k and "N-part" in k]) == len(nobias)
    if props.smooth:
        b0 = [k for k in keys if "b0 = 0 (critical iff" in k and k.endswith("as predicted")]
        assert b0 and all(("NOT critical" not in k) == holds(props, "T3-b0") for k in b0)


def test_td_negative_control_wrong_homogeneity_fails():
    """The T8 step with its prediction flipped (tamper) fails on a homogeneous and a smooth phi."""
    from proofs_check.checks import _deep
    from proofs_check.checks.result import Ledger

    for name in ("leaky_relu:0.1", "tanh"):
        inst = _deep.critical((2, 2, 2), name, seed=0, dps=DPS)
        honest, tampered = Ledger(), Ledger()
        td._t8(honest, inst, 0, None, DPS)
        td._t8(tampered, inst, 0, "wrong-homogeneity", DPS)
        assert not honest.failures and tampered.failures


def test_readme_table_is_the_rendered_one():
    from pathlib import Path

    from theory.activation_properties import render_table
    from theory.activations import EXAMPLES

    text = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    start, end = "<!-- activation-table:start -->\n", "\n<!-- activation-table:end -->"
    assert start in text and end in text
    table = text.split(start)[1].split(end)[0]
    assert table == render_table([get_activation(n) for n in EXAMPLES])


def test_readme_table_is_what_derive_does():
    """Each column of the README table that a symbolic claim proves (T6, T7, T8) says "yes" exactly
    for the activations where `derive` proves that claim instead of calling it not applicable."""
    from pathlib import Path

    from theory.activations import EXAMPLES
    from theory.symbolic.applicability import CLAIM_STATEMENTS, NEEDS_KINK, applies

    text = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    table = text.split("<!-- activation-table:start -->\n")[1].split("\n\n")[0].splitlines()
    head = [c.strip() for c in table[0].strip("|").split("|")]
    rows = {r.strip("|").split("|")[0].strip().strip("`"): [c.strip() for c in r.strip("|").split("|")]
            for r in table[2:]}
    assert sorted(rows) == sorted(get_activation(n).name for n in EXAMPLES)
    for name, cells in rows.items():
        for claim, key in CLAIM_STATEMENTS.items():
            says = cells[head.index(key)] == "yes"
            if claim in NEEDS_KINK:
                says = says and get_activation(name).properties.has_kink
            assert applies(claim, name) == says, (name, claim)


def test_parametrised_checks_run_where_the_table_says():
    """`check --activation NAME` selects a parametrised check exactly when the statement it needs
    holds in the README table (theory.activation_properties) and, for T4a, a row of its table can
    occur (the README's T4a-rows table, theory.symbolic.fa_classes), for every table activation."""
    from proofs_check.checks import CHECKS
    from proofs_check.checks.registry import ACTIVATION_CHECKS, not_applicable
    from theory.activations import EXAMPLES
    from theory.symbolic.fa_classes import fa_classes

    for name in EXAMPLES:
        props = get_activation(name).properties
        rows = fa_classes(name)
        for key in ACTIVATION_CHECKS:
            needs = getattr(CHECKS[key], "APPLIES", None)
            runs = (needs is None or holds(props, needs)) and (key != "T4a" or rows.definite or rows.indefinite)
            assert (not_applicable(key, name) == "") == runs, (name, key)
