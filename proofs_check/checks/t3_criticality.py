"""T3 (criticality conditions for inactive units and inactive propagation), docs/theorems.md, I6 (docs/invariants.md).

At alpha_{w~0}(theta) the only new gradient block is dL/dv_new = g_alpha(w~0) =
sum_i delta_i^(l+1) phi(w~0 . h~_i) (narrow signals), dL/dw~_new = 0, and every old gradient is
unchanged. At beta_{b0,v0}(theta): dL/dw_new = phi'(b0) sum_i (v0 . delta_i) h_i and
dL/db_new = phi'(b0) v0 . sum_i delta_i. At a critical theta* the embedded point is critical in
the cases (a) zero error, (b) w0 = 0, (c) w~0 = w~_j, (d) ReLU dead w~0 (any v_new); for beta:
v0 = 0, ReLU b0 < 0, and (J = 3) sum_i (v0 . e_i) x_i = 0; a generic w~0 (v0) is not critical,
which the generic cases also prove with ball arithmetic (a gradient component certified non-zero).
"""

from __future__ import annotations

import mpmath
import numpy as np

from numerics import mlp
from numerics.evaluation import evaluate
from numerics.precision import rounding_band, to_mp_array, to_mp_params, workdps
from proofs_check.landscape import eigen
from proofs_check.checks._inactive import new_indices, new_unit, shift_targets_if_tampered
from proofs_check.checks._instances import critical_instance, zero_error_instance
from proofs_check.checks._symbolic import prove_claims
from proofs_check.checks.result import CheckConfig, CheckResult, Ledger, fmt
from proofs_check.landscape.structure import augmented_inputs, candidate_blocks_at
from theory.embeddings import add_inactive_propagation, add_inactive_unit, draw_dead_incoming
from theory.params import Params, incoming_indices, narrow_positions

THEOREM = "T3"
STATEMENT = ("At an inactive-unit (propagation) embedding the only new gradient is g_alpha (g_beta); the embedded "
             "critical point stays critical in cases (a) zero error, (b) w0 = 0, (c) w~0 = w~_j, (d) dead ReLU.")
CLAIMS = ("inactive_unit.gradient", "inactive_propagation.gradient", "inactive_unit.library_map",
          "inactive_propagation.library_map")
TAMPERS = ("narrow-not-critical",)



def _alpha(ledger, inst, w0, tag, dps, expect_critical, v_new=None):
    arch, layer = inst.arch, 0
    with workdps(dps):
        p = to_mp_params(inst.params)
        w0 = to_mp_array(w0)
        wide, wp = add_inactive_unit(arch, p, layer, w0)
        if v_new is not None:
            vec = wp.to_vector().copy()
            vec[new_indices(wide, layer, new_unit(arch, layer))[1]] = to_mp_array(v_new)
            wp = Params.from_vector(wide, vec)
    narrow = evaluate(arch, p, inst.x, inst.y, dps)
    _, g_alpha = candidate_blocks_at(narrow, layer, w0)
    g = narrow.gradient
    gw = mlp.gradient(wide, wp, inst.x, inst.y, dps=dps)
    w_in, v_out = new_indices(wide, layer, new_unit(arch, layer))
    with workdps(dps):
        bound = rounding_band(dps, 1 + eigen.max_abs(inst.y) + eigen.max_abs(g), lost_digits=3)
        err = max(eigen.max_abs(gw[narrow_positions(arch, wide, layer)] - g),
                  eigen.max_abs(gw[w_in]) if v_new is None else mpmath.mpf(0),
                  eigen.max_abs(gw[v_out] - g_alpha) if v_new is None else mpmath.mpf(0))
        norm = mlp.norm(gw)
    ledger.at_most(f"{tag}: |grad_wide - (grad, 0, g_alpha)|", err, bound)
    if expect_critical:
        ledger.at_most(f"{tag}: |grad L_wide| (critical)", norm, bound)
    else:
        ledger.require(f"{tag}: |g_alpha| > 0 (not critical)", mlp.norm(g_alpha) > bound,
                       f"{fmt(mlp.norm(g_alpha))} > {fmt(bound)}")
        ledger.certify(tag, wide, wp, inst.x, inst.y, dps, "not-critical")


def _beta(ledger, inst, b0, v0, tag, dps, expect_critical):
    arch, layer = inst.arch, 0
    with workdps(dps):
        p = to_mp_params(inst.params)
        b0, v0 = mpmath.mpf(b0), to_mp_array(v0)
        wide, wp = add_inactive_propagation(arch, p, layer, b0, v0)
        h = augmented_inputs(arch, p, inst.x, layer)
    delta = mlp.signals(arch, p, inst.x, inst.y, dps=dps)[layer + 1]
    gw = mlp.gradient(wide, wp, inst.x, inst.y, dps=dps)
    w_in = incoming_indices(wide, layer, new_unit(arch, layer))
    with workdps(dps):
        predicted = arch.phi.d1(b0) * (h.T @ (delta @ v0))  # (w_new..., b_new)
        bound = rounding_band(dps, 1 + eigen.max_abs(inst.y), lost_digits=3)
        err = eigen.max_abs(gw[w_in] - predicted)
        norm = mlp.norm(gw)
    ledger.at_most(f"{tag}: |dL/dw~_new - phi'(b0) sum (v0 . delta) h~|", err, bound)
    if expect_critical:
        ledger.at_most(f"{tag}: |grad L_wide| (critical)", norm, bound)
    else:
        ledger.certify(tag, wide, wp, inst.x, inst.y, dps, "not-critical")


def check(config: CheckConfig) -> CheckResult:
    """Run T3: the gradient blocks of inactive-unit and inactive-propagation embeddings match their
    formulas, and the embedded point is critical exactly in the predicted cases (docs/theorems.md).

    The argument and result are the contract of every check (:mod:`proofs_check.checks`).
    """
    ledger = Ledger()
    dps = config.dps
    rng = np.random.default_rng(config.seed)
    cases = (((1, 3, 3), "tanh"),) if config.quick else (((1, 3, 3), "tanh"), ((2, 3, 2, 1), "sigmoid"))
    for widths, act in cases:
        inst = shift_targets_if_tampered(critical_instance(widths, act, seed=config.seed, dps=dps), config)
        ledger.seed(inst.seed)
        p = inst.params
        size = inst.arch.incoming_size(0)
        tag = f"{act} {list(widths)}"
        _alpha(ledger, inst, rng.normal(size=size), f"{tag} alpha generic w~0", dps, False)
        _alpha(ledger, inst, np.concatenate([np.zeros(size - 1), [rng.normal()]]), f"{tag} alpha (b) w0 = 0", dps, True)
        _alpha(ledger, inst, np.concatenate([p.W[0][1], [p.b[0][1]]]), f"{tag} alpha (c) w~0 = w~_1", dps, True)
        _beta(ledger, inst, rng.normal(), rng.normal(size=inst.arch.outgoing_size(0)), f"{tag} beta generic", dps, False)
        _beta(ledger, inst, rng.normal(), np.zeros(inst.arch.outgoing_size(0)), f"{tag} beta v0 = 0", dps, True)
        if widths == (1, 3, 3):  # J = 3, M > d: v0 with sum_i (v0 . e_i) x_i = 0
            with workdps(dps):
                e = mlp.residuals(inst.arch, p, inst.x, inst.y, dps=dps)
                G = to_mp_array(inst.x).T @ e  # d x M
                v0 = np.array([G[0, 1], -G[0, 0], mpmath.mpf(0)], dtype=object)
            _beta(ledger, inst, rng.normal(), v0, f"{tag} beta sum (v0 . e_i) x_i = 0", dps, True)
    zero = zero_error_instance((2, 3, 2), "tanh", seed=config.seed, dps=dps)
    ledger.seed(zero.seed)
    _alpha(ledger, zero, rng.normal(size=3), "zero error [2, 3, 2] alpha (a) generic w~0", dps, True)
    relu = shift_targets_if_tampered(critical_instance((2, 3, 2), "relu", seed=config.seed, dps=dps), config)
    ledger.seed(relu.seed)
    dead = draw_dead_incoming(relu.arch, 0, rng, inputs=np.asarray(relu.x, dtype=float), margin=0.5)
    _alpha(ledger, relu, dead, "relu [2, 3, 2] alpha (d) dead w~0, v_new = 0", dps, True)
    _alpha(ledger, relu, dead, "relu [2, 3, 2] alpha (d) dead w~0, v_new random", dps, True, v_new=rng.normal(size=2))
    _beta(ledger, relu, "-0.7", rng.normal(size=2), "relu [2, 3, 2] beta b0 < 0", dps, True)
    return ledger.result(THEOREM, STATEMENT, prove_claims(CLAIMS))
