"""Td: T1, T2, T4, T5, T6, T8 and T9 on depth J = 3 and 4 networks (J = 5 in full runs) for any
activation, each statement checked where the activation's properties say it holds and its
failure shown where they say it does not (docs/activations.md, "Which statements hold").

Per activation and depth, at an exact critical point theta* with L > 0 (docs/invariants.md) and, for
T9, at a zero-error network, for every hidden layer l:
- T1: every embedding (replication lambda = 0.3, inactive unit, inactive propagation) leaves f
  unchanged on the data;
- T2: gamma_lambda(theta*) is critical (lambda = -0.5, 0.3, 1.7);
- T4: T^T H_wide T = blockdiag(H, K_lambda) (kinked activations: no datum near a kink);
- T5: the inactive unit with w0 = 0, b0 > 0 has H_w~w~ = 0 and H_w~v = C(w~0); with C != 0 its
  block [[0, C], [C^T, P]] has a negative eigenvalue, hence (Cauchy interlacing) so has H_wide:
  a strict saddle. A dead-zone activation with b0 < 0 gives C = 0 instead;
- T6 (dead zone only): a dead unit with random v_new adds exact zero rows to the Hessian. Without
  a dead zone the most negative unit possible (w~0 . h~_i < 0 on every datum) still has
  C = phi'(.) h~ delta^T != 0: the contrast that rules out Thm 9's semi-flat minima;
- T8: (c v_j, w~_j / c) keeps L for a positively homogeneous phi, and changes it otherwise;
- T9 (last hidden layer, zero error): tr H grows by exactly M sum_i phi(w~0 . h~_i)^2 for a
  surplus unit with v = 0 (zero for a dead unit of a dead-zone activation).
Tolerances are rounding_band(dps, scale, 3); "differs" means above the zero band 10^-(dps/2) scale.
"""

from __future__ import annotations

import mpmath
import numpy as np

from numerics import mlp
from numerics.precision import structural_zero_band, to_mp_array, to_mp_params, rounding_band, workdps
from proofs_check.landscape import eigen
from proofs_check.checks import _deep
from proofs_check.checks._inactive import new_indices, new_unit
from proofs_check.checks._instances import zero_error_instance
from proofs_check.checks._replication import pullback
from proofs_check.checks._symbolic import prove_claims
from proofs_check.checks.result import CheckConfig, CheckResult, Ledger, fmt
from proofs_check.landscape.structure import augmented_inputs, candidate_block_C
from theory.activation_properties import holds
from theory.architecture import Architecture
from theory.embeddings import add_inactive_propagation, add_inactive_unit, draw_dead_incoming, replicate
from theory.params import Params, incoming_indices, outgoing_indices

THEOREM = "Td"
STATEMENT = ("On depth J = 3, 4 (5) networks of the chosen activation, T1, T2, T4, T5, T6, T8 and T9 hold exactly "
             "where the activation's properties say, and visibly fail where they say they do not.")
CLAIMS = ("replication.function", "inactive_unit.gradient")
"""Generic-phi proofs (T1-T5 prove the rest); the depth-J evidence here is numeric."""
TAMPERS = ("wrong-homogeneity",)


def _bound(scale, dps):
    with workdps(dps):
        return rounding_band(dps, 1 + scale, lost_digits=3)


def _band(scale, dps):
    with workdps(dps):
        return structural_zero_band(dps, 1 + scale)


def _t1_t2_t4(ledger, inst, layer, rng, dps):
    arch, tag = inst.arch, f"{inst.label} layer {layer}"
    with workdps(dps):
        p = to_mp_params(inst.params)
        f0 = mlp.forward(arch, p, inst.x, dps=dps)
        out = arch.outgoing_size(layer)
        embedded = {
            "replication": replicate(arch, p, layer, 0, mpmath.mpf("0.3")),
            "inactive unit": add_inactive_unit(arch, p, layer, to_mp_array(rng.normal(size=arch.incoming_size(layer)))),
            "inactive propagation": add_inactive_propagation(arch, p, layer, mpmath.mpf(float(rng.normal())),
                                                             to_mp_array(rng.normal(size=out))),
        }
    bound = _bound(eigen.max_abs(f0), dps)
    for name, (wide, wp) in embedded.items():
        f = mlp.forward(wide, wp, inst.x, dps=dps)
        with workdps(dps):
            err = eigen.max_abs(f - f0)
        ledger.at_most(f"T1 {tag} {name}: |f_wide - f|", err, bound)
    g = mlp.gradient(arch, p, inst.x, inst.y, dps=dps)
    zero = _deep.gradient_bound(inst, g, dps)
    for lam in ("-0.5", "0.3", "1.7"):
        pb = pullback(arch, inst.params, inst.x, inst.y, layer, 0, lam, dps, hessian=lam == "1.7")
        ledger.at_most(f"T2 {tag} lambda {lam}: |grad L_wide| (critical)", mlp.norm(pb.grad_wide), zero)
    with workdps(dps):  # every difference is formed at dps (a default-precision subtraction would cancel)
        err = eigen.max_abs(pb.pulled_hess - eigen.blockdiag(pb.hess, eigen.split_block(pb.A, pb.B, pb.lam)))
        ledger.at_most(f"T4 {tag} lambda 1.7: |T^T H_wide T - blockdiag(H, K)|", err,
                       _bound(eigen.max_abs(pb.hess_wide), dps))


def _first_moment(inst, layer, dps):
    """max |sum_i delta_i^(l+1) h~_i^T| (narrow signals): C(w~0) of a unit with constant phi' is
    phi' times this, so it vanishing explains C = 0 (the structural case of T3d)."""
    with workdps(dps):
        p = to_mp_params(inst.params)
        h = augmented_inputs(inst.arch, p, inst.x, layer)
    delta = mlp.signals(inst.arch, p, inst.x, inst.y, dps=dps)[layer + 1]
    with workdps(dps):
        return eigen.max_abs(delta.T @ h)


def _nonzero_C(ledger, tag, inst, layer, c_size, bound, band, dps) -> bool:
    """True if |C| is clearly non-zero; if C = 0, require the structural reason (first moment 0)."""
    if c_size > band:
        return True
    moment = _first_moment(inst, layer, dps)
    ledger.require(f"{tag}: C = 0 explained by sum_i delta_i h~_i^T = 0 (structural, see T3d)",
                   c_size <= bound and moment <= bound, f"|C| {fmt(c_size)}, |moment| {fmt(moment)} <= {fmt(bound)}")
    return False


def _t5(ledger, inst, layer, w0, name, dps, expect_saddle):
    arch, tag = inst.arch, f"T5 {inst.label} layer {layer} {name}"
    with workdps(dps):
        p = to_mp_params(inst.params)
        wide, wp = add_inactive_unit(arch, p, layer, to_mp_array(w0))
    Hw = mlp.hessian(wide, wp, inst.x, inst.y, dps=dps)
    C = candidate_block_C(arch, p, inst.x, inst.y, layer, w0, dps)
    w_in, v_out = new_indices(wide, layer, new_unit(arch, layer))
    with workdps(dps):
        scale = eigen.max_abs(Hw)
        bound = _bound(scale, dps)
        ledger.at_most(f"{tag}: |H_w~w~|", eigen.max_abs(Hw[np.ix_(w_in, w_in)]), bound)
        ledger.at_most(f"{tag}: |H_w~v - C(w~0)|", eigen.max_abs(Hw[np.ix_(w_in, v_out)] - C), bound)
        band = _band(scale, dps)
        block = Hw[np.ix_(w_in + v_out, w_in + v_out)]
        low_block = eigen.eigenvalues(block)[0]
        low = eigen.eigenvalues(Hw)[0]
        c_size = eigen.max_abs(C)
    if expect_saddle:
        if _nonzero_C(ledger, tag, inst, layer, c_size, bound, band, dps):
            # [[0, C], [C^T, P]] is indefinite iff C != 0 (exactly; its negative eigenvalue is of order
            # -|C|^2 / |P|, so it is resolved against the dps zero, not the coarser band)
            ledger.require(f"{tag}: C != 0, new block indefinite, H_wide has lambda_min <= block's < 0 (strict "
                           "saddle)", low_block < -bound and low <= low_block + bound,
                           f"|C| {fmt(c_size)} > {fmt(band)}, block {fmt(low_block)}, H {fmt(low)} < -{fmt(bound)}")
    else:
        ledger.at_most(f"{tag}: C = 0 (phi' = 0 on the data: no saddle from the new unit)", c_size, bound)


def _t6(ledger, inst, layer, rng, dps):
    arch, props = inst.arch, inst.arch.phi.properties
    with workdps(dps):
        p = to_mp_params(inst.params)
        h = augmented_inputs(arch, p, inst.x, layer)[:, : arch.widths[layer]]
    shape = Architecture(arch.widths, "relu", arch.bias)  # only the widths matter for the draw
    dead = draw_dead_incoming(shape, layer, rng, inputs=np.asarray(h, dtype=float), margin=0.5)
    tag = f"T6 {inst.label} layer {layer}"
    if not holds(props, "T6"):
        C = candidate_block_C(arch, p, inst.x, inst.y, layer, dead, dps)
        size, scale = eigen.max_abs(C), eigen.max_abs(inst.y)
        if _nonzero_C(ledger, tag, inst, layer, size, _bound(scale, dps), _band(scale, dps), dps):
            ledger.note(f"{tag}: no dead zone, so T6 does not apply",
                        f"a unit negative on every datum still has |C| = {fmt(size)} != 0 (T5: saddle, not semi-flat)")
        return
    with workdps(dps):
        wide, wp = add_inactive_unit(arch, p, layer, to_mp_array(dead))
        vec = wp.to_vector().copy()
        w_in, v_out = new_indices(wide, layer, new_unit(arch, layer))
        vec[v_out] = to_mp_array(rng.normal(size=len(v_out)))
        wp = Params.from_vector(wide, vec)
    Hw = mlp.hessian(wide, wp, inst.x, inst.y, dps=dps)
    with workdps(dps):
        rows = eigen.max_abs(Hw[w_in + v_out, :])
    ledger.at_most(f"{tag}: dead unit, random v_new: |new Hessian rows|", rows, _bound(eigen.max_abs(Hw), dps))


def _t8(ledger, inst, layer, tamper, dps):
    arch = inst.arch
    homogeneous = holds(arch.phi.properties, "T8") != (tamper == "wrong-homogeneity")
    L0 = mlp.loss(arch, inst.params, inst.x, inst.y, dps=dps)
    with workdps(dps):
        c = mpmath.mpf(3)
        vec = to_mp_params(inst.params).to_vector().copy()
        vin, vout = incoming_indices(arch, layer, 0), outgoing_indices(arch, layer, 0)
        vec[vin] = vec[vin] / c
        vec[vout] = vec[vout] * c
        scaled = Params.from_vector(arch, vec)
    L1 = mlp.loss(arch, scaled, inst.x, inst.y, dps=dps)
    with workdps(dps):
        change = abs(L1 - L0)
    tag = f"T8 {inst.label} layer {layer} (3 v_0, w~_0 / 3)"
    if homogeneous:
        ledger.at_most(f"{tag}: |L - L*| (positively homogeneous)", change, _bound(L0, dps))
    else:
        band = _band(L0, dps)
        ledger.require(f"{tag}: L changes (not homogeneous)", change > band, f"{fmt(change)} > {fmt(band)}")


def _t9(ledger, widths, act, rng, config):
    dps = config.dps
    zero = zero_error_instance(widths, act, seed=config.seed, dps=dps, n=8)
    ledger.seed(zero.seed)
    arch, layer = zero.arch, zero.arch.n_hidden_layers - 1
    with workdps(dps):
        p = to_mp_params(zero.params)
        h = augmented_inputs(arch, p, zero.x, layer)
    flat = holds(arch.phi.properties, "T9-flat")
    shape = Architecture(arch.widths, "relu", arch.bias)  # only the widths matter for the draw
    negative = draw_dead_incoming(shape, layer, rng, inputs=np.asarray(h[:, :-1], dtype=float), margin=0.5)
    cases = [("generic surplus unit", rng.normal(size=arch.incoming_size(layer))),
             ("dead surplus unit" if flat else "surplus unit negative on every datum (no dead zone)", negative)]
    trace0 = _trace(arch, p, zero, dps)
    for name, w0 in cases:
        with workdps(dps):
            wide, wp = add_inactive_unit(arch, p, layer, to_mp_array(w0))
            predicted = arch.output_dim * mpmath.fsum(arch.phi(u) ** 2 for u in h @ to_mp_array(w0))
        trace = _trace(wide, wp, zero, dps)
        with workdps(dps):
            error = abs(trace - trace0 - predicted)
        ledger.at_most(f"T9 {zero.label} layer {layer} {name}: |tr growth - M sum_i phi(w~0 . h~_i)^2| "
                       f"(predicted {fmt(predicted)})", error, _bound(trace0 + predicted, dps))
        if w0 is negative:  # T9-flat: no growth with a dead zone, visible growth without one
            band = _band(trace0, dps)
            if flat:
                ledger.at_most(f"T9-flat {zero.label} layer {layer}: trace growth of the dead unit", abs(predicted),
                               _bound(trace0, dps))
            else:
                ledger.require(f"T9-flat {zero.label} layer {layer}: no dead zone, the trace grows",
                               predicted > band, f"{fmt(predicted)} > {fmt(band)}")


def _trace(arch, params, inst, dps):
    H = mlp.hessian(arch, params, inst.x, inst.y, dps=dps)
    with workdps(dps):
        return mpmath.fsum(H[i, i] for i in range(H.shape[0]))


def check(config: CheckConfig) -> CheckResult:
    """Run Td: T1, T2, T4, T5, T6, T8 and T9 on depth 3 and 4 (5 in full runs) networks for every
    activation, each where it should hold and its failure where it should not (docs/theorems.md).

    The argument and result are the contract of every check (:mod:`proofs_check.checks`).
    """
    ledger = Ledger()
    dps = config.dps
    rng = np.random.default_rng(config.seed)
    for act in _deep.activations(config):
        for _, widths, inst in _deep.instances(config, ledger, act):
            props = inst.arch.phi.properties
            for layer in range(inst.arch.n_hidden_layers):
                size = inst.arch.incoming_size(layer)
                _t1_t2_t4(ledger, inst, layer, rng, dps)
                _t5(ledger, inst, layer, np.concatenate([np.zeros(size - 1), [0.5]]), "w0 = 0, b0 = 0.5", dps,
                    expect_saddle=True)
                if holds(props, "T3-dead"):
                    _t5(ledger, inst, layer, np.concatenate([np.zeros(size - 1), [-0.5]]), "w0 = 0, b0 = -0.5",
                        dps, expect_saddle=False)
                _t6(ledger, inst, layer, rng, dps)
                _t8(ledger, inst, layer, config.tamper, dps)
            _t9(ledger, widths, act, rng, config)
    return ledger.result(THEOREM, STATEMENT, prove_claims(CLAIMS))
