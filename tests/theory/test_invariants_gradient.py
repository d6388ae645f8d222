"""Invariants I5, I6 and the gradient part of I13 (spec theory.md §5).

I5: T_lambda^T grad L_wide(gamma_lambda theta) = (grad L(theta), 0, 0) at any theta.
I6: the gradient blocks of the new unit after alpha_{w~0} and beta_{b0, v0}, computed from the
    narrow network's signals (theorem T3), and criticality in the cases T3 (a)-(d).
I13: a dead ReLU unit has zero gradient for any outgoing weight.
All at DPS digits with numerics.mlp; formulas come from proofs_check.critical_points, which
evaluates them from the narrow net's hidden values and signals (not from the wide gradient).
"""

import mpmath
import numpy as np
from hypothesis import assume, example, given, strategies as st

from numerics import mlp
from numerics.dataset import Dataset
from numerics.precision import to_mp_array, to_mp_params, tolerance, workdps
from proofs_check import strategies as sf
from proofs_check.critical_points import exact_critical_point, inactive_blocks
from theory.architecture import Architecture
from theory.embeddings import (add_inactive_propagation, add_inactive_unit, draw_dead_incoming, replicate,
                               replication_map, split)
from theory.embeddings import _units
from theory.network import hidden_values
from theory.params import Params, incoming_indices, outgoing_indices

DPS = 30
ACTS = ("tanh", "sigmoid", "relu", "softplus", "gelu")


def gscale(*grads):
    """Magnitude for gradient tolerances: 1 + sum of |entries| of the gradients involved."""
    return 1 + sum(abs(v) for g in grads for v in np.asarray(g).reshape(-1))


def max_abs(values):
    values = list(np.asarray(values, dtype=object).reshape(-1))
    return max((abs(v) for v in values), default=mpmath.mpf(0))


def old_positions(arch, wide_arch, layer):
    """Wide flat positions of the narrow parameters (the new unit is appended last in ``layer``)."""
    marker = Params.from_vector(arch, np.arange(arch.n_params, dtype=object))
    W, b = _units.editable(marker)
    wide = _units.append_unit(arch, Params.build(arch, W, b), layer, [-1] * arch.incoming_size(layer),
                              [-1] * arch.outgoing_size(layer))[1]
    flat = list(wide.to_vector())
    return [flat.index(i) for i in range(arch.n_params)]


def congruence_error(arch, p, d, layer, unit, lam, wide_point=None):
    """max |T^T grad_wide - (grad, 0, 0)| and the gradient scale."""
    wide_arch, wide = wide_point or replicate(arch, p, layer, unit, lam)
    g_wide = mlp.gradient(wide_arch, wide, d.x, d.y, dps=DPS)
    g = mlp.gradient(arch, p, d.x, d.y, dps=DPS)
    T = replication_map(arch, layer, unit, lam)
    lhs = T.T @ g_wide
    rhs = np.concatenate([g, [mpmath.mpf(0)] * (wide_arch.n_params - arch.n_params)])
    return max_abs(lhs - rhs), gscale(g_wide) * (1 + abs(lam))


# --- I5 ------------------------------------------------------------------------------------------


@given(net=sf.networks(activations=ACTS, max_width=3), lam=sf.lambdas(), data=st.data())
@example(net=(Architecture((1, 1, 1), "tanh", False), Params.from_vector(Architecture((1, 1, 1), "tanh", False),
                                                                          [0.7, -1.3], dtype=float)),
         lam=0.0, data=None)
@example(net=(Architecture((2, 1, 2, 3), "sigmoid"), None), lam=1.0, data=None)
def test_i5_gradient_congruence_at_any_theta(net, lam, data):
    arch, params = net
    rng = np.random.default_rng(5)
    if params is None:
        params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    if data is None:
        d, (layer, unit) = Dataset(rng.normal(size=(3, arch.input_dim)), rng.normal(size=(3, arch.output_dim))), (0, 0)
    else:
        d, (layer, unit) = data.draw(sf.datasets(arch, max_n=5)), data.draw(sf.hidden_units(arch))
    with workdps(DPS):
        p, lam = to_mp_params(params), mpmath.mpf(lam)
        err, scale = congruence_error(arch, p, d, layer, unit, lam)
        assert err <= tolerance(DPS, scale, lost_digits=2)
        # per copy: dL/dv_j = dL/dv_new = dL/dv; dL/dw~_j = lam dL/dw~, dL/dw~_new = (1 - lam) dL/dw~
        wide_arch, wide = replicate(arch, p, layer, unit, lam)
        g, gw = mlp.gradient(arch, p, d.x, d.y, dps=DPS), mlp.gradient(wide_arch, wide, d.x, d.y, dps=DPS)
        new = arch.widths[layer + 1]
        gv, gin = g[outgoing_indices(arch, layer, unit)], g[incoming_indices(arch, layer, unit)]
        tol = tolerance(DPS, gscale(gw) * (1 + abs(lam)), lost_digits=2)
        assert max_abs(gw[outgoing_indices(wide_arch, layer, unit)] - gv) <= tol
        assert max_abs(gw[outgoing_indices(wide_arch, layer, new)] - gv) <= tol
        assert max_abs(gw[incoming_indices(wide_arch, layer, unit)] - lam * gin) <= tol
        assert max_abs(gw[incoming_indices(wide_arch, layer, new)] - (1 - lam) * gin) <= tol


@given(point=sf.critical_points(dps=DPS), lam=sf.lambdas())
def test_i5_replication_of_a_critical_point_is_critical(point, lam):
    arch, params, d = point
    with workdps(DPS):
        wide_arch, wide = replicate(arch, to_mp_params(params), 0, 0, mpmath.mpf(lam))
        g_wide = mlp.gradient(wide_arch, wide, d.x, d.y, dps=DPS)
        assert mlp.norm(g_wide) <= tolerance(DPS, gscale(mlp.gradient(arch, params, d.x, d.y, dps=DPS))
                                             + mlp.loss(arch, params, d.x, d.y, dps=DPS), lost_digits=3)


def test_i5_negative_control_wrong_shares_at_a_critical_point_are_not_critical():
    """Criticality of gamma_lambda(theta*) is not vacuous: shares (lam, 1 - lam + 1e-6) at the
    same exact critical point change the function and leave a gradient far above the bound."""
    arch = Architecture((1, 2, 1), "tanh")
    params = Params.from_vector(arch, np.linspace(-1.2, 0.9, arch.n_params), dtype=float)
    d, _ = exact_critical_point(arch, params, np.linspace(-1, 1, 9).reshape(9, 1), dps=DPS)
    with workdps(DPS):
        p, lam = to_mp_params(params), mpmath.mpf("0.3")
        bound = tolerance(DPS, gscale(mlp.gradient(arch, params, d.x, d.y, dps=DPS))
                          + mlp.loss(arch, params, d.x, d.y, dps=DPS), lost_digits=3)
        good = replicate(arch, p, 0, 0, lam)
        assert mlp.norm(mlp.gradient(*good, d.x, d.y, dps=DPS)) <= bound
        off = split(arch, p, 0, 0, [lam, 1 - lam + mpmath.mpf("1e-6")], validate=False)
        assert mlp.norm(mlp.gradient(*off, d.x, d.y, dps=DPS)) > 1e12 * bound


def test_i5_negative_control_wrong_shares_break_congruence():
    arch = Architecture((2, 3, 2), "tanh")
    rng = np.random.default_rng(6)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    d = Dataset(rng.normal(size=(4, 2)), rng.normal(size=(4, 2)))
    with workdps(DPS):
        p, lam = to_mp_params(params), mpmath.mpf("0.3")
        off = split(arch, p, 0, 1, [lam, 1 - lam + mpmath.mpf("1e-6")], validate=False)
        err, scale = congruence_error(arch, p, d, 0, 1, lam, wide_point=off)
    assert err > 1e6 * tolerance(DPS, scale, lost_digits=2)


# --- I6: theorem T3 gradient formulas ------------------------------------------------------------


@given(net=sf.networks(activations=ACTS, max_width=3), data=st.data())
def test_i6_inactive_unit_gradient_blocks(net, data):
    arch, params = net
    d = data.draw(sf.datasets(arch, max_n=5))
    layer = data.draw(st.integers(0, arch.n_hidden_layers - 1))
    w0 = data.draw(sf.incoming_vectors(arch, layer))
    with workdps(DPS):
        p = to_mp_params(params)
        wide_arch, wide = add_inactive_unit(arch, p, layer, to_mp_array(w0))
        gw, g = mlp.gradient(wide_arch, wide, d.x, d.y, dps=DPS), mlp.gradient(arch, p, d.x, d.y, dps=DPS)
        _, g_alpha = inactive_blocks(arch, p, d.x, d.y, layer, w0, dps=DPS)
        new = arch.widths[layer + 1]
        tol = tolerance(DPS, gscale(gw, g_alpha), lost_digits=2)
        assert max_abs(gw[outgoing_indices(wide_arch, layer, new)] - g_alpha) <= tol
        assert max_abs(gw[incoming_indices(wide_arch, layer, new)]) <= tol
        assert max_abs(gw[old_positions(arch, wide_arch, layer)] - g) <= tol


@given(net=sf.networks(activations=ACTS, max_width=3), data=st.data())
def test_i6_inactive_propagation_gradient_blocks(net, data):
    arch, params = net
    assume(arch.bias)
    d = data.draw(sf.datasets(arch, max_n=5))
    layer = data.draw(st.integers(0, arch.n_hidden_layers - 1))
    b0 = data.draw(sf.reals(2.0))
    v0 = np.array(data.draw(st.lists(sf.reals(2.0), min_size=arch.outgoing_size(layer),
                                     max_size=arch.outgoing_size(layer))))
    phi = arch.phi
    with workdps(DPS):
        p, b0m, v0m = to_mp_params(params), mpmath.mpf(b0), to_mp_array(v0)
        wide_arch, wide = add_inactive_propagation(arch, p, layer, b0m, v0m)
        gw = mlp.gradient(wide_arch, wide, d.x, d.y, dps=DPS)
        delta = mlp.signals(arch, p, d.x, d.y, dps=DPS)[layer + 1]
        h = hidden_values(arch, p, to_mp_array(d.x))[layer]
        s = delta @ v0m                                            # v0 . delta_i
        expected_w = phi.d1(b0m) * (s @ h)                         # phi'(b0) sum_i (v0.delta_i) h_i
        expected_b = phi.d1(b0m) * sum(s)                          # phi'(b0) v0 . sum_i delta_i
        # with the compensated next bias the other old gradients are unchanged, and the new
        # outgoing weight's gradient is phi(b0) times the next layer's bias gradient
        new = arch.widths[layer + 1]
        inc = incoming_indices(wide_arch, layer, new)
        tol = tolerance(DPS, gscale(gw, expected_w) * (1 + abs(v0).sum()), lost_digits=2)
        assert max_abs(gw[inc[:-1]] - expected_w) <= tol
        assert abs(gw[inc[-1]] - expected_b) <= tol
        assert max_abs(gw[outgoing_indices(wide_arch, layer, new)] - phi(b0m) * delta.sum(axis=0)) <= tol
        g = mlp.gradient(arch, p, d.x, d.y, dps=DPS)
        assert max_abs(gw[old_positions(arch, wide_arch, layer)] - g) <= tol


@given(point=sf.critical_points(dps=DPS, activations=("tanh", "sigmoid", "softplus", "relu"), bias=True),
       data=st.data())
def test_i6_criticality_in_the_cases_of_t3(point, data):
    """(b) w0 = 0, (c) w~0 = w~_j, (d) dead ReLU, and beta with v0 = 0: the wide point is critical."""
    arch, params, d = point
    layer, unit = data.draw(sf.hidden_units(arch))
    b0 = data.draw(sf.reals(2.0))
    with workdps(DPS):
        p = to_mp_params(params)
        scale = (1 + mlp.loss(arch, p, d.x, d.y, dps=DPS)) * (1 + abs(b0))
        w_j = p.to_vector()[incoming_indices(arch, layer, unit)]
        zero_w = to_mp_array([0] * arch.widths[layer] + [b0])
        candidates = [add_inactive_unit(arch, p, layer, zero_w), add_inactive_unit(arch, p, layer, w_j),
                      add_inactive_propagation(arch, p, layer, mpmath.mpf(b0),
                                               to_mp_array([0] * arch.outgoing_size(layer)))]
        if arch.activation == "relu":
            inputs = hidden_values(arch, params, d.to_float().x)[layer]
            dead = draw_dead_incoming(arch, layer, np.random.default_rng(0), inputs=inputs, margin=0.5)
            candidates.append(add_inactive_unit(arch, p, layer, to_mp_array(dead)))
        for wide_arch, wide in candidates:
            g = mlp.gradient(wide_arch, wide, d.x, d.y, dps=DPS)
            assert mlp.norm(g) <= tolerance(DPS, scale * gscale(wide.to_vector()), lost_digits=3)


def test_i6_negative_control_generic_inactive_unit_is_not_critical():
    """At a critical point with L > 0, a generic w~0 or v0 gives a non-zero gradient (T3)."""
    arch = Architecture((1, 2, 1), "tanh")
    rng = np.random.default_rng(8)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    d, residual = exact_critical_point(arch, params, rng.normal(size=(9, 1)), dps=DPS)
    with workdps(DPS):
        p = to_mp_params(params)
        tol = tolerance(DPS, gscale(p.to_vector()), lost_digits=3)
        assert residual <= tol
        for wide_arch, wide in (add_inactive_unit(arch, p, 0, to_mp_array([0.8, -0.3])),
                                add_inactive_propagation(arch, p, 0, mpmath.mpf("0.4"), to_mp_array([1.1]))):
            assert mlp.norm(mlp.gradient(wide_arch, wide, d.x, d.y, dps=DPS)) > 1e12 * tol


# --- I13 (gradient part): dead ReLU unit, any outgoing weight -------------------------------------


@given(net=sf.networks(activations=("relu",), bias=True, max_width=3), data=st.data())
def test_i13_dead_unit_gradient_is_narrow_gradient_and_zero(net, data):
    arch, params = net
    d = data.draw(sf.datasets(arch, min_n=2, max_n=5))
    layer = data.draw(st.integers(0, arch.n_hidden_layers - 1))
    v_new = data.draw(st.lists(sf.reals(3.0), min_size=arch.outgoing_size(layer), max_size=arch.outgoing_size(layer)))
    inputs = hidden_values(arch, params, d.x)[layer]
    dead = draw_dead_incoming(arch, layer, np.random.default_rng(1), inputs=inputs, margin=0.25)
    with workdps(DPS):
        p = to_mp_params(params)
        wide_arch, wide = _units.append_unit(arch, p, layer, to_mp_array(dead), to_mp_array(v_new))
        gw, g = mlp.gradient(wide_arch, wide, d.x, d.y, dps=DPS), mlp.gradient(arch, p, d.x, d.y, dps=DPS)
        new = arch.widths[layer + 1]
        assert all(v == 0 for v in gw[incoming_indices(wide_arch, layer, new) + outgoing_indices(wide_arch, layer, new)])
        assert max_abs(gw[old_positions(arch, wide_arch, layer)] - g) <= tolerance(DPS, gscale(g), lost_digits=2)


def test_i13_negative_control_live_unit_has_a_gradient():
    arch = Architecture((1, 2, 1), "relu")
    rng = np.random.default_rng(9)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    d = Dataset(rng.uniform(0.5, 1.5, size=(4, 1)), rng.normal(size=(4, 1)))
    with workdps(DPS):
        p = to_mp_params(params)
        wide_arch, wide = _units.append_unit(arch, p, 0, to_mp_array([1.0, 0.5]), to_mp_array([0.7]))
        gw = mlp.gradient(wide_arch, wide, d.x, d.y, dps=DPS)
        new = incoming_indices(wide_arch, 0, 2) + outgoing_indices(wide_arch, 0, 2)
        assert max_abs(gw[new]) > 1e-3
