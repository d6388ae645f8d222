"""I5 and I6 of docs/invariants.md: gradient congruence of replication and the T3 gradient blocks.

The predicted blocks come from :mod:`proofs_check.landscape.structure` (evaluated on the narrow network's
hidden values and signals), never from the wide gradient they are compared with.
"""

from __future__ import annotations

import mpmath
import numpy as np
from hypothesis import strategies as st

from numerics import mlp
from numerics.precision import to_mp_array, to_mp_params, rounding_band, workdps
from proofs_check.instances import strategies as sf
from proofs_check.landscape.eigen import max_abs
from proofs_check.invariants.base import Case, Example, Invariant, has_dead_zone, require, total
from proofs_check.invariants.function import unit_embeddings
from proofs_check.landscape.structure import candidate_blocks
from theory.network import hidden_values
from theory.params import incoming_indices, narrow_positions, outgoing_indices


# --- I5 ------------------------------------------------------------------------------------------


def congruence_error(arch, p, d, layer, unit, lam, subject, dps):
    """(max |T^T grad_wide - (grad, 0, 0)|, its scale, the wide point) at ``dps``."""
    wide_arch, wide = subject.replicate(arch, p, layer, unit, lam)
    g_wide = mlp.gradient(wide_arch, wide, d.x, d.y, dps=dps)
    g = mlp.gradient(arch, p, d.x, d.y, dps=dps)
    T = subject.replication_map(arch, layer, unit, lam)
    rhs = np.concatenate([g, [mpmath.mpf(0)] * (wide_arch.n_params - arch.n_params)])
    return max_abs(T.T @ g_wide - rhs), total(g_wide) * (1 + abs(lam)), (wide_arch, wide)


def check_gradient_congruence(ex: Example, subject) -> None:
    """T_lambda^T grad L_wide(gamma_lambda theta) = (grad L(theta), 0, 0), and per copy
    dL/dv_j = dL/dv_new = dL/dv, dL/dw~_j = lambda dL/dw~, dL/dw~_new = (1 - lambda) dL/dw~ (T2)."""
    arch, d, layer, unit = ex.arch, ex.data, ex["layer"], ex["unit"]
    with workdps(ex.dps):
        p, lam = to_mp_params(ex.params), mpmath.mpf(ex["lam"])
        err, scale, wide = congruence_error(arch, p, d, layer, unit, lam, subject, ex.dps)
        require(err <= rounding_band(ex.dps, scale, lost_digits=2),
                lambda: f"|T^T grad_wide - (grad, 0, 0)| = {mpmath.nstr(err, 5)}", wide)
        g, gw = mlp.gradient(arch, p, d.x, d.y, dps=ex.dps), mlp.gradient(*wide, d.x, d.y, dps=ex.dps)
        new, wide_arch = arch.widths[layer + 1], wide[0]
        gv, gin = g[outgoing_indices(arch, layer, unit)], g[incoming_indices(arch, layer, unit)]
        tol = rounding_band(ex.dps, total(gw) * (1 + abs(lam)), lost_digits=2)
        require(max_abs(gw[outgoing_indices(wide_arch, layer, unit)] - gv) <= tol, "dL/dv_j(wide) != dL/dv_j", wide)
        require(max_abs(gw[outgoing_indices(wide_arch, layer, new)] - gv) <= tol, "dL/dv_new != dL/dv_j", wide)
        require(max_abs(gw[incoming_indices(wide_arch, layer, unit)] - lam * gin) <= tol,
                "dL/dw~_j(wide) != lambda dL/dw~_j", wide)
        require(max_abs(gw[incoming_indices(wide_arch, layer, new)] - (1 - lam) * gin) <= tol,
                "dL/dw~_new != (1 - lambda) dL/dw~_j", wide)


@st.composite
def critical_units(draw, scale, activations=None, **options):
    """An exact critical point (L > 0), a hidden unit, lambda and b0."""
    acts = scale.activations if activations is None else activations
    arch, params, data = draw(sf.critical_points(dps=scale.dps, **scale.arch_options(activations=acts, **options)))
    layer, unit = draw(sf.hidden_units(arch))
    args = {"layer": layer, "unit": unit, "lam": draw(sf.lambdas()), "b0": draw(sf.reals(2.0))}
    return Example(arch, params, data, args, scale.dps)


def critical_bound(arch, params, d, dps):
    """The gradient bound at which an embedded exact critical point counts as critical.

    grad L = J^T e with e = f - y; at working precision the residual itself carries an error of
    order 10^-dps (|f_i| + |y_i|), so each gradient coordinate is known to about 10^-dps times
    sum_i |J_ik| (|e_i| + |y_i|), not to 10^-dps |grad L| (which is ~0 at a critical point). So the
    scale is max_k sum_i |J_ik| (|e_i| + |y_i|) + L: for activations that grow fast (cube, exp at
    depth 4) it is many orders above L (docs/invariants.md)."""
    J = mlp.jacobian(arch, params, d.x, dps=dps)
    e = mlp.residuals(arch, params, d.x, d.y, dps=dps).reshape(-1)
    y = np.asarray(d.y, dtype=object).reshape(-1)
    size = [abs(e[i]) + abs(mpmath.mpf(y[i])) for i in range(e.shape[0])]
    terms = max((mpmath.fsum(abs(J[i, k]) * size[i] for i in range(J.shape[0])) for k in range(J.shape[1])),
                default=mpmath.mpf(0))
    return rounding_band(dps, terms + mlp.loss(arch, params, d.x, d.y, dps=dps), lost_digits=3)


def check_replicated_critical_point(ex: Example, subject) -> None:
    """gamma_lambda(theta*) is critical when theta* is (T2)."""
    d = ex.data
    with workdps(ex.dps):
        wide = subject.replicate(ex.arch, to_mp_params(ex.params), ex["layer"], ex["unit"], mpmath.mpf(ex["lam"]))
        norm = mlp.norm(mlp.gradient(*wide, d.x, d.y, dps=ex.dps))
        bound = critical_bound(ex.arch, ex.params, d, ex.dps)
    require(norm <= bound, lambda: f"|grad L_wide(gamma_lambda theta*)| = {mpmath.nstr(norm, 5)} > {mpmath.nstr(bound, 5)}",
            wide)


I5 = Invariant("I5", "T_lambda^T grad L_wide(gamma_lambda theta) = (grad L(theta), 0, 0); critical stays critical",
               (Case("congruence", lambda s: unit_embeddings(s), check_gradient_congruence),
                Case("critical", critical_units, check_replicated_critical_point)))


# --- I6 ------------------------------------------------------------------------------------------


def check_inactive_unit_gradient(ex: Example, subject) -> None:
    """At alpha_{w~0}(theta): dL/dv_new = g_alpha(w~0), dL/dw~_new = 0, old gradients unchanged (T3)."""
    arch, d, layer = ex.arch, ex.data, ex["layer"]
    w0 = ex["w0"]
    with workdps(ex.dps):
        p = to_mp_params(ex.params)
        wide = subject.add_inactive_unit(arch, p, layer, to_mp_array(w0))
        gw, g = mlp.gradient(*wide, d.x, d.y, dps=ex.dps), mlp.gradient(arch, p, d.x, d.y, dps=ex.dps)
        _, g_alpha = candidate_blocks(arch, p, d.x, d.y, layer, w0, dps=ex.dps)
        new, wide_arch = arch.widths[layer + 1], wide[0]
        tol = rounding_band(ex.dps, total(gw, g_alpha), lost_digits=2)
        require(max_abs(gw[outgoing_indices(wide_arch, layer, new)] - g_alpha) <= tol,
                "dL/dv_new != sum_i delta_i phi(w~0 . h~_i)", wide)
        require(max_abs(gw[incoming_indices(wide_arch, layer, new)]) <= tol, "dL/dw~_new != 0", wide)
        require(max_abs(gw[narrow_positions(arch, wide_arch, layer)] - g) <= tol, "an old gradient changed", wide)


def check_inactive_propagation_gradient(ex: Example, subject) -> None:
    """At beta_{b0,v0}(theta): dL/dw_new = phi'(b0) sum_i (v0.delta_i) h_i, dL/db_new = phi'(b0)
    v0.sum_i delta_i, dL/dv_new = phi(b0) sum_i delta_i, old gradients unchanged (T3)."""
    arch, d, layer = ex.arch, ex.data, ex["layer"]
    phi = arch.phi
    with workdps(ex.dps):
        p, b0, v0 = to_mp_params(ex.params), mpmath.mpf(ex["b0"]), to_mp_array(ex["v0"])
        wide = subject.add_inactive_propagation(arch, p, layer, b0, v0)
        gw = mlp.gradient(*wide, d.x, d.y, dps=ex.dps)
        delta = mlp.signals(arch, p, d.x, d.y, dps=ex.dps)[layer + 1]
        h = hidden_values(arch, p, to_mp_array(d.x))[layer]
        s = delta @ v0
        expected_w, expected_b = phi.d1(b0) * (s @ h), phi.d1(b0) * sum(s)
        new, wide_arch = arch.widths[layer + 1], wide[0]
        inc = incoming_indices(wide_arch, layer, new)
        tol = rounding_band(ex.dps, total(gw, expected_w) * (1 + sum(abs(v) for v in v0)), lost_digits=2)
        require(max_abs(gw[inc[:-1]] - expected_w) <= tol, "dL/dw_new != phi'(b0) sum_i (v0.delta_i) h_i", wide)
        require(abs(gw[inc[-1]] - expected_b) <= tol, "dL/db_new != phi'(b0) v0.sum_i delta_i", wide)
        require(max_abs(gw[outgoing_indices(wide_arch, layer, new)] - phi(b0) * delta.sum(axis=0)) <= tol,
                "dL/dv_new != phi(b0) sum_i delta_i", wide)
        g = mlp.gradient(arch, p, d.x, d.y, dps=ex.dps)
        require(max_abs(gw[narrow_positions(arch, wide_arch, layer)] - g) <= tol, "an old gradient changed", wide)


def check_t3_criticality(ex: Example, subject) -> None:
    """At a critical theta*: w0 = 0, w~0 = w~_j, a dead ReLU unit and beta with v0 = 0 give
    critical wide points (T3 (a)-(d))."""
    arch, d, layer, unit, b0 = ex.arch, ex.data, ex["layer"], ex["unit"], ex["b0"]
    with workdps(ex.dps):
        p = to_mp_params(ex.params)
        scale = (1 + mlp.loss(arch, p, d.x, d.y, dps=ex.dps)) * (1 + abs(b0))
        w_j = p.to_vector()[incoming_indices(arch, layer, unit)]
        zero_w = to_mp_array([0] * arch.widths[layer] + [b0])
        candidates = [("w0 = 0", subject.add_inactive_unit(arch, p, layer, zero_w)),
                      ("w~0 = w~_j", subject.add_inactive_unit(arch, p, layer, w_j)),
                      ("beta with v0 = 0", subject.add_inactive_propagation(
                          arch, p, layer, mpmath.mpf(b0), to_mp_array([0] * arch.outgoing_size(layer))))]
        if has_dead_zone(arch.activation):
            inputs = hidden_values(arch, ex.params, d.to_float().x)[layer]
            dead = subject.dead_incoming(arch, layer, np.random.default_rng(0), inputs=inputs, margin=0.5)
            candidates.append(("a dead unit", subject.add_inactive_unit(arch, p, layer, to_mp_array(dead))))
        for what, wide in candidates:
            norm = mlp.norm(mlp.gradient(*wide, d.x, d.y, dps=ex.dps))
            bound = rounding_band(ex.dps, scale * total(wide[1].to_vector()), lost_digits=3)
            require(norm <= bound, lambda: f"{what}: |grad L_wide| = {mpmath.nstr(norm, 5)} > {mpmath.nstr(bound, 5)}",
                    wide)


I6 = Invariant("I6", "T3 gradient blocks of alpha_{w~0} and beta_{b0,v0}; criticality in the cases (a)-(d)",
               (Case("inactive-unit", lambda s: unit_embeddings(s), check_inactive_unit_gradient),
                Case("inactive-propagation", lambda s: unit_embeddings(s, bias=True),
                     check_inactive_propagation_gradient),
                Case("criticality", lambda s: critical_units(s, bias=True), check_t3_criticality)))
