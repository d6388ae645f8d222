"""Theorem check T7 (proofs_check/checks/t7_relu_replication.py) in quick mode, on its evidence values, with its negative control."""

import re

import pytest

from proofs_check.checks import CHECKS, CheckConfig
from tests.proofs_check.checks.evidence import ZERO_30, bound_pair, items, run


def test_t7_single_output_minimum_multi_output_saddle():
    result = run("T7")
    assert result.passed, result.notes
    for key, value in items(result, "^(?!depth 4).*wide inertia"):
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
    inertia = items(result, "^(?!depth 4).*wide inertia")
    assert inertia
    for _, v in inertia:
        measured, predicted = (tuple(int(t) for t in m.split(",")) for m in re.findall(r"\(([\d, ]+)\)", v))
        assert v.endswith("FAILED") and measured[0] > predicted[0]


def _depth4(result, layer):
    return [(k, v) for k, v in result.evidence if k.startswith("depth 4 [2, 2, 2, 1] layer " + str(layer))]


@pytest.mark.parametrize("activation", ["relu", "leaky_relu:0.1"])
def test_t7_at_depth_4_last_layer_flat_first_layer_saddle(activation):
    """J = 4, one output: where the unit feeds the output (layer 1) B_j = 0 to 40 digits and the
    wide inertia is narrow + zeros; where it feeds two units (layer 0) B_j is macroscopic and the
    point is a strict saddle, the J = 3 minimum statement fails at depth (oracle: the congruence)."""
    result = run("T7") if activation == "relu" else CHECKS["T7"].check(CheckConfig(quick=True, activation=activation))
    assert result.passed, result.notes
    last, first = dict(_depth4(result, 1)), _depth4(result, 0)
    sigma_zero = [v for k, v in last.items() if "sigma_max(B_j) = 0" in k]
    assert sigma_zero and bound_pair(sigma_zero[0])[0] < ZERO_30
    saddle = [v for k, v in first if "strict saddle" in k]
    sigma, lam_min = (float(t) for t in re.match(r"sigma (\S+) > \S+, lambda_min (\S+)", saddle[0]).groups())
    assert sigma > 1e-3 and lam_min < -1e-3
    # the first-layer saddle comes from K_lambda: the wide net has more negative directions
    neg = re.search(r"narrow neg (\d+), wide neg (\d+)", [k for k, _ in first if "strict saddle" in k][0]).groups()
    assert int(neg[1]) > int(neg[0])


def test_t7_refused_for_an_activation_where_it_does_not_hold(capsys):
    """check --only T7 --activation tanh: exit 2, one line naming the statement (T7 needs a
    piecewise-linear positively homogeneous phi); the default selection for tanh leaves T7 out."""
    from proofs_check.checks.registry import ACTIVATION_CHECKS, not_applicable
    from proofs_check.commands.cli import main

    assert main(["check", "--quick", "--only", "T7", "--activation", "tanh"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "T7" in err and "piecewise linear" in err
    assert not_applicable("T7", "leaky_relu:0.1") == "" and "T7" in ACTIVATION_CHECKS
