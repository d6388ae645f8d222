"""Invariants I1-I4 of docs/invariants.md: function preservation, the ReLU dead variant,
parameter bookkeeping and constancy of the loss along the replication line.

The property bodies live in :mod:`proofs_check.invariants.function` (one definition, shared with
``semiflat properties``); here they run at the test scale, with pinned edge cases, the exact sympy
version of I1 and negative controls: a deliberately wrong map must fail.
"""

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given

from numerics.precision import to_mp_array, to_mp_params, rounding_band, workdps
from proofs_check.invariants import SEMIFLAT, Example, Scale, Violation, get_mutant
from proofs_check.invariants import function as inv
from proofs_check.instances.strategies import EmbeddingStep
from theory.architecture import Architecture
from theory.embeddings import add_inactive_propagation, add_inactive_unit, replicate, split
from theory.embeddings import _units
from theory.network import forward as sym_forward
from theory.params import Params

DPS = 30
SMOOTH_AND_RELU = Scale(activations=("tanh", "sigmoid", "relu"), max_width=4)


def outputs_agree(arch, params, wide_arch, wide_params, x):
    with workdps(DPS):
        return inv.function_gap(arch, params, wide_arch, wide_params, x, DPS)


# --- I1: function preservation, single embeddings and chains of up to 10 -----------------------


@given(inv.chains(SMOOTH_AND_RELU))
def test_i1_every_chain_of_embeddings_preserves_the_function(example):
    inv.check_chain(example, SEMIFLAT)


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
    from numerics.dataset import Dataset

    rng = np.random.default_rng(7)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    data = Dataset(rng.normal(size=(3, arch.input_dim)), np.zeros((3, arch.output_dim)))
    for layer in range(arch.n_hidden_layers):
        for unit in range(arch.widths[layer + 1]):
            step = EmbeddingStep(method, layer, unit, lam, lam, (0.3, -1.2, 0.7))
            inv.check_chain(Example(arch, params, data, {"chain": [step]}, DPS), SEMIFLAT)


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


def test_i1_negative_control_the_wrong_share_mutant_fails_the_library_check():
    from numerics.dataset import Dataset

    arch = Architecture((2, 3, 2), "tanh")
    rng = np.random.default_rng(1)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    example = Example(arch, params, Dataset(rng.normal(size=(4, 2)), np.zeros((4, 2))),
                      {"chain": [EmbeddingStep("replication", 0, 1, 0.3, 0.0, (0.0,))]}, DPS)
    inv.check_chain(example, SEMIFLAT)
    with pytest.raises(Violation, match=r"\|f\(E\(theta\)\) - f\(theta\)\|"):
        inv.check_chain(example, get_mutant("wrong-split-share"))


def test_i1_negative_control_nonzero_inactive_weight_breaks_the_function():
    arch = Architecture((1, 2, 1), "sigmoid")
    rng = np.random.default_rng(2)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    x = rng.normal(size=(4, 1))
    with workdps(DPS):
        narrow = to_mp_params(params)
        wide_arch, wide = _units.insert_unit(arch, narrow, 0, to_mp_array([0.4, -0.2]), to_mp_array(["1e-6"]))
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


@given(inv.dead_units(Scale(activations=("relu",), max_width=4)))
def test_i2_dead_relu_unit_leaves_f_unchanged_for_any_outgoing_weight(example):
    inv.check_dead_function(example, SEMIFLAT)


def test_i2_negative_control_live_unit_with_outgoing_weight_changes_f():
    arch = Architecture((2, 2, 1), "relu")
    rng = np.random.default_rng(3)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    x = rng.normal(size=(5, 2))
    w = np.array([0.5, -0.3])
    live = np.concatenate([w, [1 - float(np.min(x @ w))]])  # w.x + b >= 1 on every datum
    with workdps(DPS):
        narrow = to_mp_params(params)
        wide_arch, wide = _units.insert_unit(arch, narrow, 0, to_mp_array(live), to_mp_array([0.7]))
        err, tol = outputs_agree(arch, narrow, wide_arch, wide, x)
    assert err > 0.5  # = 0.7 * relu(w~ . x~) >= 0.7 on every datum


# --- I3: bookkeeping -----------------------------------------------------------------------------


@given(inv.unit_embeddings(SMOOTH_AND_RELU))
def test_i3_bookkeeping_of_the_three_embeddings(example):
    inv.check_bookkeeping(example, SEMIFLAT)


def test_i3_negative_control_unvalidated_shares_break_the_sum():
    arch = Architecture((1, 2, 2), "tanh")
    params = Params.from_vector(arch, np.arange(1, arch.n_params + 1, dtype=float) / 7, dtype=float)
    with workdps(DPS):
        p = to_mp_params(params)
        wide_arch, wide = split(arch, p, 0, 1, [mpmath.mpf("0.25"), mpmath.mpf("0.75") + mpmath.mpf("1e-9")],
                                validate=False)
        _, v_j = inv.unit_vectors(arch, p, 0, 1)
        _, v_a = inv.unit_vectors(wide_arch, wide, 0, 1)
        _, v_b = inv.unit_vectors(wide_arch, wide, 0, 2)
        assert max(abs(v) for v in v_a + v_b - v_j) > 1e6 * rounding_band(DPS, 4)


# --- I4: the loss is constant along the replication line, at any theta ---------------------------


@given(inv.lines(Scale(activations=("tanh", "sigmoid", "relu", "softplus", "gelu"), max_width=4)))
def test_i4_loss_constant_along_the_line(example):
    inv.check_line(example, SEMIFLAT)


def test_i4_negative_control_off_line_point_changes_the_loss():
    from numerics import mlp

    arch = Architecture((1, 3, 1), "sigmoid")
    rng = np.random.default_rng(4)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    x, y = rng.normal(size=(5, 1)), rng.normal(size=(5, 1))
    with workdps(DPS):
        p = to_mp_params(params)
        base = mlp.loss(arch, p, x, y, dps=DPS)
        wide_arch, wide = split(arch, p, 0, 0, [mpmath.mpf(2), mpmath.mpf(-1) + mpmath.mpf("1e-6")], validate=False)
        moved = abs(mlp.loss(wide_arch, wide, x, y, dps=DPS) - base)
    assert moved > 1e6 * rounding_band(DPS, (1 + base) * inv.output_scale(params, x) ** 2, lost_digits=2)
