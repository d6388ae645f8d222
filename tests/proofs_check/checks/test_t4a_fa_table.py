"""Theorem check T4a (proofs_check/checks/t4a_fa_table.py) in quick mode, on its evidence values, with its negative control."""

import re

from numerics import mlp
from numerics.precision import descent_curvature_floor, workdps, zero_eigenvalue_tolerance
from proofs_check.checks import _instances, t4a_fa_table
from proofs_check.checks.result import CheckConfig
from proofs_check.landscape import eigen
from proofs_check.landscape.structure import unit_blocks
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


def test_t4a_at_dps_24_uses_fa_blocks_above_the_descent_floor(monkeypatch):
    # The least-norm residual scales A_j by 1/|e|: for tanh at dps 24 the first designed points
    # have A_j at ~1e-10 of max|H|, above the zero band (1e-12) but so small that the saddle's loss
    # decrease (~|A|^3) is below what 24 digits resolve, and classify reports them undecided.
    # designed_minimum keeps only A_j above descent_curvature_floor (10^-6 of max|H| at dps 24);
    # then classify agrees with the table at dps 24. Control: with the zero band as the floor the
    # cross-check fails.
    config = CheckConfig(quick=True, dps=24)
    for kind in ("positive", "negative", "indefinite"):
        inst = _instances.designed_minimum((1, 1, 1), "tanh", seed=0, dps=24, want_A=kind)
        A = unit_blocks(inst.arch, inst.params, inst.x, inst.y, 0, 0, 24).A
        H = mlp.hessian(inst.arch, inst.params, inst.x, inst.y, dps=24)
        with workdps(24):
            assert min(abs(v) for v in eigen.eigenvalues(A)) > descent_curvature_floor(24, eigen.max_abs(H))
    result = t4a_fa_table.check(config)
    assert result.passed, result.notes
    verdicts = items(result, "classify verdict")
    assert len(verdicts) == 6 and all(not v.endswith("FAILED") for _, v in verdicts)
    monkeypatch.setattr(_instances, "descent_curvature_floor", zero_eigenvalue_tolerance)
    control = t4a_fa_table.check(config)
    assert not control.passed
    assert any(v.startswith("undecided") and v.endswith("FAILED") for _, v in items(control, "classify verdict"))
