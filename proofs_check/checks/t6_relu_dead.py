"""T6 (ReLU, inactive units: minimum -> minimum, semi-flat; paper Thm 9), docs/theorems.md, I13 (docs/invariants.md).

With a unit strictly dead on the data (w~0 . h~_i < 0 for all i, any depth), the loss is exactly
constant on the open cone of dead w~' times R^{H_{l+1}} of outgoing weights, grad L_wide =
(grad L, 0), H_wide = H (+) 0 (all new rows exactly 0), and a local minimum stays a local minimum.
Evidence: at exact critical points (null-space method) the largest loss deviation over seeded
points of the cone x R^M, the new Hessian rows, the old block vs H, and the perturbation test on
the narrow and the wide network.
"""

from __future__ import annotations

import numpy as np

from numerics.evaluation import evaluate
from numerics.precision import rounding_band, to_mp_array, to_mp_params, workdps
from proofs_check.certified import certify as certification
from proofs_check.landscape import eigen
from proofs_check.checks._inactive import new_indices, new_unit
from proofs_check.checks._instances import critical_instance
from proofs_check.checks._perturb import min_loss_change
from proofs_check.checks._symbolic import prove_claims
from proofs_check.checks.result import CheckConfig, CheckResult, Ledger, fmt
from proofs_check.instances.critical_points import min_kink_distance
from proofs_check.landscape.structure import augmented_inputs
from theory.embeddings import add_inactive_unit, draw_dead_incoming
from theory.params import Params, narrow_positions

THEOREM = "T6"
STATEMENT = ("ReLU: a unit dead on the data adds an exactly flat cone x R^M: grad = (grad, 0), Hessian = H (+) 0, "
             "and a local minimum stays a (semi-flat) local minimum.")
CLAIMS = ("inactive_unit.relu_dead_flat",)
TAMPERS = ("active-unit",)
CASES_FULL = (((1, 3, 1), 0), ((2, 3, 2), 0), ((2, 3, 3, 1), 1))
CASES_QUICK = CASES_FULL[:1]


def _incoming(inst, layer, rng, tamper):
    with workdps(40):
        h = augmented_inputs(inst.arch, to_mp_params(inst.params), inst.x, layer)
    h_float = np.array([[float(v) for v in row[:-1]] for row in h])
    if tamper == "active-unit":  # active on part of the data: not dead
        w = rng.normal(size=h.shape[1] - 1)
        return np.concatenate([w, [-float(np.median(h_float @ w))]]), h
    return draw_dead_incoming(inst.arch, layer, rng, inputs=h_float, margin=0.3), h


def _certify_pair(ledger, tag, inst, p, wide, wp, dps):
    """T6 at concrete points: the dead-unit embedding keeps the narrow verdict (a minimum stays a
    minimum, a saddle a saddle; the function is unchanged on a neighbourhood). The narrow verdict
    is proved first; without it the claim is the M = 1, one-hidden-layer one (T7: every critical
    point is a minimum)."""
    arch = inst.arch
    narrow = certification.certify(arch, p, (inst.x, inst.y), dps)
    ledger.note(f"{tag}: narrow point certified", narrow.statement if narrow.proved else f"not proved ({narrow.reason})")
    if narrow.proved or (arch.output_dim == 1 and arch.n_layers == 2):
        expected = "saddle" if narrow.proved and narrow.verdict == "saddle" else "minimum"
        ledger.certify(f"{tag}: dead-unit embedding", wide, wp, inst.x, inst.y, dps, expected)


def check(config: CheckConfig) -> CheckResult:
    """Run T6: a strictly dead ReLU unit keeps the loss constant on its cone, adds exact zero rows to
    gradient and Hessian, and keeps a minimum a minimum (docs/theorems.md).

    The argument and result are the contract of every check (:mod:`proofs_check.checks`).
    """
    ledger = Ledger()
    dps = config.dps
    rng = np.random.default_rng(config.seed)
    for widths, layer in CASES_QUICK if config.quick else CASES_FULL:
        inst = critical_instance(widths, "relu", seed=config.seed, dps=dps)
        ledger.seed(inst.seed)
        arch = inst.arch
        w0, h = _incoming(inst, layer, rng, config.tamper)
        unit = new_unit(arch, layer)
        with workdps(dps):
            p = to_mp_params(inst.params)
            wide, wp = add_inactive_unit(arch, p, layer, to_mp_array(w0))
            margin = -max(h @ to_mp_array(w0))
        tag = f"{list(widths)} layer {layer}"
        ledger.note(f"{tag}: dead margin -max_i w~0 . h~_i", margin)
        _certify_pair(ledger, tag, inst, p, wide, wp, dps)
        narrow = evaluate(arch, p, inst.x, inst.y, dps)
        L0, g, H = narrow.loss, narrow.gradient, narrow.hessian
        w_in, v_out = new_indices(wide, layer, unit)
        old = narrow_positions(arch, wide, layer)
        worst_loss = worst_grad = worst_rows = worst_block = 0
        for k in range(2 if config.quick else 4):
            with workdps(dps):
                vec = wp.to_vector().copy()
                vec[v_out] = to_mp_array(rng.normal(scale=3.0, size=len(v_out)))
                if k:  # another point of the cone: shrink the dead incoming vector's weights a little
                    vec[w_in] = to_mp_array(w0 * rng.uniform(0.5, 1.5))
                point = Params.from_vector(wide, vec)
            at = evaluate(wide, point, inst.x, inst.y, dps)
            gw, Hw = at.gradient, at.hessian
            with workdps(dps):
                worst_loss = max(worst_loss, abs(at.loss - L0))
                worst_grad = max(worst_grad, eigen.max_abs(gw[old] - g), eigen.max_abs(gw[w_in + v_out]))
                worst_rows = max(worst_rows, eigen.max_abs(Hw[w_in + v_out, :]))
                worst_block = max(worst_block, eigen.max_abs(Hw[np.ix_(old, old)] - H))
        with workdps(dps):
            bound = rounding_band(dps, 1 + L0 + eigen.max_abs(H), lost_digits=3)
        ledger.at_most(f"{tag}: |L_wide - L| over the cone x R^M", worst_loss, bound)
        ledger.at_most(f"{tag}: |grad_wide - (grad, 0)|", worst_grad, bound)
        ledger.at_most(f"{tag}: |new-unit Hessian rows|", worst_rows, bound)
        ledger.at_most(f"{tag}: |old Hessian block - H|", worst_block, bound)
        if arch.output_dim == 1 and arch.n_layers == 2:
            radius = min_kink_distance(arch, inst.params, inst.x, dps) / 100
            count = 20 if config.quick else 100
            narrow = min_loss_change(arch, p, inst.x, inst.y, radius=radius, count=count, rng=rng, dps=dps)
            wide_change = min_loss_change(wide, wp, inst.x, inst.y, radius=radius, count=count, rng=rng, dps=dps)
            ledger.at_least(f"{tag}: narrow min loss change, {count} perturbations of radius {fmt(radius)}",
                            narrow, -bound)
            ledger.at_least(f"{tag}: wide min loss change (minimum -> minimum)", wide_change, -bound)
    return ledger.result(THEOREM, STATEMENT, prove_claims(CLAIMS, activation="relu"))
