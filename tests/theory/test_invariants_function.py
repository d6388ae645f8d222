"""Invariants I1-I4 of spec theory.md §5: function preservation, the ReLU dead variant,
parameter bookkeeping and constancy of the loss along the replication line.

Numerical properties work at DPS digits (mpmath, via numerics.mlp, an evaluator independent of
theory.network); the exact I1 uses sympy symbols for every parameter, input and embedding
argument. Each family ends with a negative control: a deliberately wrong map must fail.
"""

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, strategies as st

from numerics import mlp
from numerics.precision import to_mp_array, to_mp_params, tolerance, workdps
from proofs_check import strategies as sf
from proofs_check.strategies import EmbeddingStep
from theory.architecture import Architecture
from theory.embeddings import add_inactive_propagation, add_inactive_unit, draw_dead_incoming, replicate, split
from theory.embeddings import _units
from theory.network import forward as sym_forward, hidden_values
from theory.params import Params, incoming_indices, outgoing_indices

DPS = 30
SMOOTH_AND_RELU = ("tanh", "sigmoid", "relu")


def output_scale(params, x):
    """A bound on the magnitude of intermediate values: prod_l (1 + max row sum |[W|b]|) (1 + max|x|)."""
    scale = 1 + max(abs(float(v)) for v in np.asarray(x, dtype=object).reshape(-1))
    for l, w in enumerate(params.W):
        rows = np.abs(np.asarray(w, dtype=float)).sum(axis=1)
        if params.b is not None:
            rows = rows + np.abs(np.asarray(params.b[l], dtype=float))
        scale *= 1 + float(rows.max())
    return scale


def max_diff(a, b):
    return max(abs(u - v) for u, v in zip(np.asarray(a).reshape(-1), np.asarray(b).reshape(-1)))


def outputs_agree(arch, params, wide_arch, wide_params, x):
    with workdps(DPS):
        f = mlp.forward(arch, params, x, dps=DPS)
        g = mlp.forward(wide_arch, wide_params, x, dps=DPS)
        err = max_diff(f, g)
        tol = tolerance(DPS, output_scale(wide_params, x), lost_digits=2)
    return err, tol


def mp_network(arch, params):
    with workdps(DPS):
        return to_mp_params(params)


# --- I1: function preservation, single embeddings and chains of up to 10 -----------------------


@given(net=sf.networks(activations=SMOOTH_AND_RELU), steps=st.data())
def test_i1_every_chain_of_embeddings_preserves_the_function(net, steps):
    arch, params = net
    chain = steps.draw(sf.embedding_steps(arch, max_steps=10))
    x = steps.draw(sf.datasets(arch, max_n=4)).x
    with workdps(DPS):
        narrow = to_mp_params(params)
        wide_arch, wide = sf.apply_steps(arch, narrow, chain)
    assert wide_arch.n_params > arch.n_params
    err, tol = outputs_agree(arch, narrow, wide_arch, wide, x)
    assert err <= tol, f"|f(E(theta)) - f(theta)| = {mpmath.nstr(err, 5)} > {mpmath.nstr(tol, 5)} after {chain}"


PINNED = [
    (Architecture((1, 1, 1), "sigmoid", False), "replication", 0.0),
    (Architecture((1, 1, 1), "tanh", True), "replication", 1.0),
    (Architecture((2, 1, 1, 3), "relu", True), "inactive-propagation", 0.5),
    (Architecture((1, 2, 3), "sigmoid", True), "inactive-propagation", -3.0),
    (Architecture((3, 1, 2, 1, 3), "tanh", False), "inactive-unit", 2.0),
]


@pytest.mark.parametrize("arch,method,lam", PINNED, ids=lambda v: str(getattr(v, "widths", v)))
def test_i1_pinned_edge_cases(arch, method, lam):
    """Width-1 layers, bias=False, M=3, lambda in {0, 1}: every hidden layer, every unit."""
    rng = np.random.default_rng(7)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    x = rng.normal(size=(3, arch.input_dim))
    with workdps(DPS):
        narrow = to_mp_params(params)
        for layer in range(arch.n_hidden_layers):
            for unit in range(arch.widths[layer + 1]):
                step = EmbeddingStep(method, layer, unit, lam, lam, (0.3, -1.2, 0.7))
                wide_arch, wide = step.apply(arch, narrow)
                err, tol = outputs_agree(arch, narrow, wide_arch, wide, x)
                assert err <= tol


def test_i1_negative_control_wrong_shares_break_the_function():
    """Shares (lambda, 1 - lambda + eps) are not an embedding: the output moves by eps v_j phi(u)."""
    arch = Architecture((2, 3, 2), "tanh")
    rng = np.random.default_rng(1)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    x = rng.normal(size=(4, 2))
    with workdps(DPS):
        narrow = to_mp_params(params)
        lam, eps = mpmath.mpf("0.3"), mpmath.mpf("1e-8")
        wide_arch, wide = split(arch, narrow, 0, 1, [lam, 1 - lam + eps], validate=False)
        err, tol = outputs_agree(arch, narrow, wide_arch, wide, x)
    assert err > 1e6 * tol


def test_i1_negative_control_nonzero_inactive_weight_breaks_the_function():
    arch = Architecture((1, 2, 1), "sigmoid")
    rng = np.random.default_rng(2)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    x = rng.normal(size=(4, 1))
    with workdps(DPS):
        narrow = to_mp_params(params)
        wide_arch, wide = _units.append_unit(arch, narrow, 0, to_mp_array([0.4, -0.2]), to_mp_array(["1e-6"]))
        err, tol = outputs_agree(arch, narrow, wide_arch, wide, x)
    assert err > 1e6 * tol


# --- I1 exact: sympy symbols, the difference simplifies to 0 ------------------------------------


def symbolic_params(arch, prefix="t"):
    return Params.from_vector(arch, sympy.symbols(f"{prefix}0:{arch.n_params}"))


def exact_difference(arch, params, wide_arch, wide, x):
    f = sym_forward(arch, params, x)
    g = sym_forward(wide_arch, wide, x)
    return [sympy.expand(a - b, deep=True) for a, b in zip(g.reshape(-1), f.reshape(-1))]


@pytest.mark.parametrize("widths,activation", [((2, 2, 1), "tanh"), ((1, 2, 2, 2), "sigmoid"),
                                               ((1, 1, 2), "relu")])
def test_i1_exact_sympy_every_embedding(widths, activation):
    arch = Architecture(widths, activation)
    params = symbolic_params(arch)
    x = np.array([sympy.symbols(f"x0:{arch.input_dim}")], dtype=object)
    lam, b0 = sympy.symbols("lam b0")
    for layer in range(arch.n_hidden_layers):
        w0 = sympy.symbols(f"w0_0:{arch.incoming_size(layer)}")
        v0 = sympy.symbols(f"v0_0:{arch.outgoing_size(layer)}")
        for wide_arch, wide in (replicate(arch, params, layer, 0, lam),
                                add_inactive_unit(arch, params, layer, w0),
                                add_inactive_propagation(arch, params, layer, b0, v0)):
            assert exact_difference(arch, params, wide_arch, wide, x) == [0] * arch.output_dim


def test_i1_exact_sympy_composition_of_three_embeddings():
    """gamma_lam then alpha_{w~0} then beta_{b0, v0} (sigmoid, so the compensation matters)."""
    arch = Architecture((1, 2, 1), "sigmoid")
    params = symbolic_params(arch)
    x = np.array([[sympy.Symbol("x")]], dtype=object)
    lam, b0, v0, w0, c0 = sympy.symbols("lam b0 v0 w0 c0")
    a1, p1 = replicate(arch, params, 0, 1, lam)
    a2, p2 = add_inactive_unit(a1, p1, 0, [w0, c0])
    a3, p3 = add_inactive_propagation(a2, p2, 0, b0, [v0])
    assert a3.widths == (1, 5, 1)
    assert exact_difference(arch, params, a3, p3, x) == [0]


def test_i1_exact_negative_control_shares_off_by_eps():
    arch = Architecture((1, 2, 1), "tanh")
    params = symbolic_params(arch)
    x = np.array([[sympy.Symbol("x")]], dtype=object)
    lam, eps = sympy.symbols("lam eps")
    wide_arch, wide = split(arch, params, 0, 0, [lam, 1 - lam + eps], validate=False)
    (diff,) = exact_difference(arch, params, wide_arch, wide, x)
    v, u = params.W[1][0, 0], params.W[0][0, 0] * x[0, 0] + params.b[0][0]
    assert sympy.simplify(diff - eps * v * sympy.tanh(u)) == 0 and diff != 0


# --- I2: ReLU dead unit, any outgoing weight -----------------------------------------------------


@given(net=sf.networks(activations=("relu",), bias=True), data=st.data())
def test_i2_dead_relu_unit_leaves_f_unchanged_for_any_outgoing_weight(net, data):
    arch, params = net
    x = data.draw(sf.datasets(arch, min_n=2, max_n=6)).x
    layer = data.draw(st.integers(0, arch.n_hidden_layers - 1))
    v_new = data.draw(st.lists(sf.reals(5.0), min_size=arch.outgoing_size(layer), max_size=arch.outgoing_size(layer)))
    inputs = hidden_values(arch, params, x)[layer]
    w0 = draw_dead_incoming(arch, layer, np.random.default_rng(0), inputs=inputs, margin=0.5)
    with workdps(DPS):
        narrow = to_mp_params(params)
        wide_arch, wide = _units.append_unit(arch, narrow, layer, to_mp_array(w0), to_mp_array(v_new))
        err, tol = outputs_agree(arch, narrow, wide_arch, wide, x)
    assert err <= tol


def test_i2_negative_control_live_unit_with_outgoing_weight_changes_f():
    arch = Architecture((2, 2, 1), "relu")
    rng = np.random.default_rng(3)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    x = rng.normal(size=(5, 2))
    w = np.array([0.5, -0.3])
    live = np.concatenate([w, [1 - float(np.min(x @ w))]])  # w.x + b >= 1 on every datum
    with workdps(DPS):
        narrow = to_mp_params(params)
        wide_arch, wide = _units.append_unit(arch, narrow, 0, to_mp_array(live), to_mp_array([0.7]))
        err, tol = outputs_agree(arch, narrow, wide_arch, wide, x)
    assert err > 0.5  # = 0.7 * relu(w~ . x~) >= 0.7 on every datum


# --- I3: bookkeeping -----------------------------------------------------------------------------


def unit_vectors(arch, params, layer, unit):
    vec = params.to_vector()
    return vec[incoming_indices(arch, layer, unit)], vec[outgoing_indices(arch, layer, unit)]


@given(net=sf.networks(activations=SMOOTH_AND_RELU), data=st.data())
def test_i3_bookkeeping_of_the_three_embeddings(net, data):
    arch, params = net
    layer, unit = data.draw(sf.hidden_units(arch))
    lam = data.draw(sf.lambdas())
    w0 = data.draw(sf.incoming_vectors(arch, layer))
    v0 = data.draw(st.lists(sf.reals(2.0), min_size=arch.outgoing_size(layer), max_size=arch.outgoing_size(layer)))
    b0 = data.draw(sf.reals(2.0)) if arch.bias else 0.0
    extra = arch.incoming_size(layer) + arch.outgoing_size(layer)
    new = arch.widths[layer + 1]
    with workdps(DPS):
        p = to_mp_params(params)
        tol = tolerance(DPS, 4 + abs(lam))
        w_j, v_j = unit_vectors(arch, p, layer, unit)

        wide_arch, wide = replicate(arch, p, layer, unit, mpmath.mpf(lam))
        assert wide_arch.n_params == arch.n_params + extra
        w_a, v_a = unit_vectors(wide_arch, wide, layer, unit)
        w_b, v_b = unit_vectors(wide_arch, wide, layer, new)
        assert max_diff(v_a + v_b, v_j) <= tol and max_diff(w_b, w_j) == 0 and max_diff(w_a, w_j) == 0

        wide_arch, wide = add_inactive_unit(arch, p, layer, to_mp_array(w0))
        w_b, v_b = unit_vectors(wide_arch, wide, layer, new)
        assert wide_arch.n_params == arch.n_params + extra
        assert all(v == 0 for v in v_b) and max_diff(w_b, to_mp_array(w0)) == 0

        if arch.bias or arch.phi.vanishes_at_zero:
            wide_arch, wide = add_inactive_propagation(arch, p, layer, mpmath.mpf(b0), to_mp_array(v0))
            w_b, v_b = unit_vectors(wide_arch, wide, layer, new)
            assert all(v == 0 for v in w_b[:arch.widths[layer]])
            if arch.bias:
                restored = wide.b[layer + 1] + v_b * arch.phi(w_b[-1])
                assert max_diff(restored, p.b[layer + 1]) <= tol * output_scale(params, [1])


def test_i3_negative_control_unvalidated_shares_break_the_sum():
    arch = Architecture((1, 2, 2), "tanh")
    params = Params.from_vector(arch, np.arange(1, arch.n_params + 1, dtype=float) / 7, dtype=float)
    with workdps(DPS):
        p = to_mp_params(params)
        wide_arch, wide = split(arch, p, 0, 1, [mpmath.mpf("0.25"), mpmath.mpf("0.75") + mpmath.mpf("1e-9")],
                                validate=False)
        _, v_j = unit_vectors(arch, p, 0, 1)
        _, v_a = unit_vectors(wide_arch, wide, 0, 1)
        _, v_b = unit_vectors(wide_arch, wide, 0, 2)
        assert max_diff(v_a + v_b, v_j) > 1e6 * tolerance(DPS, 4)


# --- I4: the loss is constant along the replication line, at any theta ---------------------------


@given(net=sf.networks(activations=SMOOTH_AND_RELU + ("softplus", "gelu")), data=st.data())
def test_i4_loss_constant_along_the_line(net, data):
    arch, params = net
    d = data.draw(sf.datasets(arch, max_n=6))
    layer, unit = data.draw(sf.hidden_units(arch))
    lams = [data.draw(sf.lambdas()) for _ in range(2)]
    with workdps(DPS):
        p = to_mp_params(params)
        base = mlp.loss(arch, p, d.x, d.y, dps=DPS)
        tol = tolerance(DPS, (1 + base) * output_scale(params, d.x) ** 2, lost_digits=2)
        for lam in lams:
            wide_arch, wide = replicate(arch, p, layer, unit, mpmath.mpf(lam))
            assert abs(mlp.loss(wide_arch, wide, d.x, d.y, dps=DPS) - base) <= tol


def test_i4_negative_control_off_line_point_changes_the_loss():
    arch = Architecture((1, 3, 1), "sigmoid")
    rng = np.random.default_rng(4)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    x, y = rng.normal(size=(5, 1)), rng.normal(size=(5, 1))
    with workdps(DPS):
        p = to_mp_params(params)
        base = mlp.loss(arch, p, x, y, dps=DPS)
        wide_arch, wide = split(arch, p, 0, 0, [mpmath.mpf(2), mpmath.mpf(-1) + mpmath.mpf("1e-6")], validate=False)
        moved = abs(mlp.loss(wide_arch, wide, x, y, dps=DPS) - base)
    assert moved > 1e6 * tolerance(DPS, (1 + base) * output_scale(params, x) ** 2, lost_digits=2)
