"""Theorem check T4b (proofs_check/checks/t4b_multi_output.py) in quick mode, on its evidence values, with its negative control."""

import re

import mpmath
import numpy as np
import pytest

from numerics import mlp
from numerics.precision import structural_zero_band, rounding_band, workdps
from proofs_check.checks import _deep, t4b_multi_output as t4b
from proofs_check.checks._replication import pullback
from proofs_check.checks.result import CheckConfig, Ledger
from proofs_check.landscape import eigen
from proofs_check.landscape.structure import unit_blocks
from theory.network import pre_activations
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


# --- where B_j = 0 is forced, and the quotient's digits (docs/theorems.md, T4b) -------------------

DPS = 24


def _residual(inst, dps):
    with workdps(dps):
        return mlp.forward(inst.arch, inst.params, inst.x, dps=dps) - inst.y


def _band(inst, dps):
    H = mlp.hessian(inst.arch, inst.params, inst.x, inst.y, dps=dps)
    with workdps(dps):
        return structural_zero_band(dps, eigen.max_abs(H))


@pytest.mark.parametrize("widths, forced_zero", [((2, 2, 2), True), ((2, 1, 2), False)])
def test_identity_B_j_is_E_and_vanishes_unless_the_split_layer_is_narrower_than_the_output(widths, forced_zero):
    # identity: the signals at the output are e_i, so B_j = E = sum_i e_i x~_i^T for every unit
    # (computed here from the residual alone); criticality W_1^T E = 0 forces E = 0 when W_1 (2 x H)
    # has rank 2, and leaves E != 0 when H = 1
    inst = _deep.critical(widths, "identity", seed=0, dps=DPS)
    e = _residual(inst, DPS)
    with workdps(DPS):
        xt = [list(inst.x[i]) + [mpmath.mpf(1)] for i in range(len(inst.x))]
        E = sum((np.outer(e[i], xt[i]) for i in range(len(xt))), np.zeros((2, 3), dtype=object) * 0)
    band = _band(inst, DPS)
    for unit in range(widths[1]):
        B = unit_blocks(inst.arch, inst.params, inst.x, inst.y, 0, unit, DPS).B
        with workdps(DPS):
            assert eigen.max_abs(B - E) <= rounding_band(DPS, 1 + eigen.max_abs(E), 3)
    with workdps(DPS):
        assert (eigen.max_abs(E) <= band) == forced_zero
        if not forced_zero:
            assert eigen.max_abs(E) > band * 10 ** 6


def test_t4b_runs_identity_on_a_bottleneck_and_passes():
    result = t4b.check(CheckConfig(quick=True, dps=DPS, activation="identity"))
    assert result.passed, result.notes
    assert {k for k, _ in items(result, "^instance")} == {"instance [2, 1, 2] layer 0 unit 0",
                                                          "instance [2, 1, 2, 2] layer 0 unit 0"}
    assert all(bound_pair(v)[0] > bound_pair(v)[1] for _, v in items(result, "sigma_max"))


def test_t4b_skips_a_seed_whose_residual_lives_where_the_layer_is_linear():
    # elu [2, 2, 2, 1], seed 1: the exact critical point's residual vanishes on every datum where a
    # layer-0 unit is negative; on the others the layer is the identity, and the affine argument
    # gives B_j = 0 for both units. The instance search must skip it (premise of T4b).
    inst = _deep.critical((2, 2, 2, 1), "elu", seed=1, dps=DPS)
    assert inst.seed == 1
    e = _residual(inst, DPS).reshape(-1)
    off_piece = (pre_activations(inst.arch, inst.params, np.asarray(inst.x, dtype=float))[0] < 0).any(axis=1)
    band = _band(inst, DPS)
    assert off_piece.any() and max(abs(e[i]) for i in np.flatnonzero(off_piece)) <= band
    assert max(abs(e[i]) for i in np.flatnonzero(~off_piece)) > 1e-3
    for unit in (0, 1):
        assert eigen.top_singular(unit_blocks(inst.arch, inst.params, inst.x, inst.y, 0, unit, DPS).B)[0] <= band
    ledger = Ledger()
    config = CheckConfig(quick=True, dps=DPS, seed=1, activation="elu")
    chosen = t4b.premise_instance((2, 2, 2, 1), "elu", 0, 1, config, ledger)
    assert chosen.seed > 1 and any(k == "[2, 2, 2, 1]: seed 1 skipped" for k, _ in ledger.evidence)
    B = unit_blocks(chosen.arch, chosen.params, chosen.x, chosen.y, 0, 1, DPS).B
    assert eigen.top_singular(B)[0] > _band(chosen, DPS) * 10 ** 6


def test_t4b_quotient_at_a_small_step_keeps_its_digits(monkeypatch):
    # exp [2, 2, 2, 1]: max|H| ~ 1e8 makes the step s ~ 1e-13; at lambda = 0 the quotient tends to
    # -sigma_max(B_j) (SVD of B_j: the oracle). With the values at difference_dps digits the
    # Richardson extrapolation meets it to STEP^2; at plain dps it measures rounding (control).
    config = CheckConfig(quick=True, dps=DPS, activation="exp")
    inst = t4b.premise_instance((2, 2, 2, 1), "exp", 0, 1, config, Ledger())
    pb = pullback(inst.arch, inst.params, inst.x, inst.y, 0, 1, "0", DPS)
    with workdps(DPS):
        sigma, u, v = eigen.top_singular(pb.B)
        s = t4b.STEP * sigma / (1 + eigen.max_abs(pb.hess_wide))
        theta = np.array([mpmath.mpf(float(t)) for t in inst.params.to_vector()], dtype=object)
    assert s < 1e-10

    def extrapolated_error():
        r1, r2 = t4b.quotients(pb, theta, v, -u, s, inst, DPS)
        with workdps(DPS):
            return abs(2 * r2 - r1 + sigma) / sigma

    assert extrapolated_error() <= t4b.STEP ** 2
    monkeypatch.setattr(t4b, "difference_dps", lambda dps, step, order=2: dps)
    assert extrapolated_error() > t4b.STEP ** 2
