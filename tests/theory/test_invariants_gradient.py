"""Invariants I5, I6 and the gradient part of I13 (docs/invariants.md).

I5: T_lambda^T grad L_wide(gamma_lambda theta) = (grad L(theta), 0, 0) at any theta.
I6: the gradient blocks of the new unit after alpha_{w~0} and beta_{b0, v0}, computed from the
    narrow network's signals (theorem T3), and criticality in the cases T3 (a)-(d).
I13: a dead ReLU unit has zero gradient for any outgoing weight.
The property bodies live in proofs_check.invariants.gradient (shared with `semiflat properties`);
here they run at the test scale with pinned examples and negative controls. All at DPS digits
with numerics.mlp; the predicted blocks are evaluated from the narrow net's hidden values and
signals (not from the wide gradient).
"""

import mpmath
import numpy as np
import pytest
from hypothesis import example, given

from numerics import mlp
from numerics.dataset import Dataset
from numerics.precision import to_mp_array, to_mp_params, rounding_band, workdps
from proofs_check.instances.critical_points import exact_critical_point
from proofs_check.invariants import SEMIFLAT, Example, Scale, Violation, get_mutant
from proofs_check.invariants import gradient as inv
from proofs_check.invariants.base import total as gscale
from proofs_check.landscape.eigen import max_abs
from theory.architecture import Architecture
from theory.embeddings import (add_inactive_propagation, add_inactive_unit, replicate,
                               replication_map, split)
from theory.embeddings import _units
from theory.params import Params, incoming_indices, outgoing_indices

DPS = 30
SCALE = Scale(activations=("tanh", "sigmoid", "relu", "softplus", "gelu"), max_width=3)


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


def pinned(arch, params=None, lam=0.0):
    rng = np.random.default_rng(5)
    if params is None:
        params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    d = Dataset(rng.normal(size=(3, arch.input_dim)), rng.normal(size=(3, arch.output_dim)))
    return Example(arch, params, d, {"layer": 0, "unit": 0, "lam": lam}, DPS)


@given(inv.unit_embeddings(SCALE))
@example(pinned(Architecture((1, 1, 1), "tanh", False),
                Params.from_vector(Architecture((1, 1, 1), "tanh", False), [0.7, -1.3], dtype=float)))
@example(pinned(Architecture((2, 1, 2, 3), "sigmoid"), lam=1.0))
def test_i5_gradient_congruence_at_any_theta(example):
    inv.check_gradient_congruence(example, SEMIFLAT)


@given(inv.critical_units(Scale(max_depth=3, max_width=3)))
def test_i5_replication_of_a_critical_point_is_critical(example):
    inv.check_replicated_critical_point(example, SEMIFLAT)


def test_i5_negative_control_wrong_shares_at_a_critical_point_are_not_critical():
    """Criticality of gamma_lambda(theta*) is not vacuous: shares (lam, 1 - lam + 1e-6) at the
    same exact critical point change the function and leave a gradient far above the bound."""
    arch = Architecture((1, 2, 1), "tanh")
    params = Params.from_vector(arch, np.linspace(-1.2, 0.9, arch.n_params), dtype=float)
    d, _ = exact_critical_point(arch, params, np.linspace(-1, 1, 9).reshape(9, 1), dps=DPS)
    with workdps(DPS):
        p, lam = to_mp_params(params), mpmath.mpf("0.3")
        bound = rounding_band(DPS, gscale(mlp.gradient(arch, params, d.x, d.y, dps=DPS))
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
    assert err > 1e6 * rounding_band(DPS, scale, lost_digits=2)


# --- I6: theorem T3 gradient formulas ------------------------------------------------------------


@given(inv.unit_embeddings(SCALE))
def test_i6_inactive_unit_gradient_blocks(example):
    inv.check_inactive_unit_gradient(example, SEMIFLAT)


@given(inv.unit_embeddings(SCALE, bias=True))
def test_i6_inactive_propagation_gradient_blocks(example):
    inv.check_inactive_propagation_gradient(example, SEMIFLAT)


@given(inv.critical_units(Scale(activations=("tanh", "sigmoid", "softplus", "relu"), max_depth=3), bias=True))
def test_i6_criticality_in_the_cases_of_t3(example):
    """(b) w0 = 0, (c) w~0 = w~_j, (d) dead ReLU, and beta with v0 = 0: the wide point is critical."""
    inv.check_t3_criticality(example, SEMIFLAT)


def test_i6_negative_control_the_nonzero_inactive_weight_mutant_fails_the_library_check():
    arch = Architecture((1, 2, 1), "tanh")
    rng = np.random.default_rng(8)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    d = Dataset(rng.normal(size=(4, 1)), rng.normal(size=(4, 1)))
    example = Example(arch, params, d, {"layer": 0, "unit": 0, "w0": [0.8, -0.3]}, DPS)
    inv.check_inactive_unit_gradient(example, SEMIFLAT)
    with pytest.raises(Violation, match="dL/d"):
        inv.check_inactive_unit_gradient(example, get_mutant("nonzero-inactive-weight"))


def test_i6_negative_control_generic_inactive_unit_is_not_critical():
    """At a critical point with L > 0, a generic w~0 or v0 gives a non-zero gradient (T3)."""
    arch = Architecture((1, 2, 1), "tanh")
    rng = np.random.default_rng(8)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    d, residual = exact_critical_point(arch, params, rng.normal(size=(9, 1)), dps=DPS)
    with workdps(DPS):
        p = to_mp_params(params)
        tol = rounding_band(DPS, gscale(p.to_vector()), lost_digits=3)
        assert residual <= tol
        for wide_arch, wide in (add_inactive_unit(arch, p, 0, to_mp_array([0.8, -0.3])),
                                add_inactive_propagation(arch, p, 0, mpmath.mpf("0.4"), to_mp_array([1.1]))):
            assert mlp.norm(mlp.gradient(wide_arch, wide, d.x, d.y, dps=DPS)) > 1e12 * tol


# --- I13 (gradient part): dead ReLU unit, any outgoing weight -------------------------------------


def test_i13_negative_control_live_unit_has_a_gradient():
    arch = Architecture((1, 2, 1), "relu")
    rng = np.random.default_rng(9)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    d = Dataset(rng.uniform(0.5, 1.5, size=(4, 1)), rng.normal(size=(4, 1)))
    with workdps(DPS):
        p = to_mp_params(params)
        wide_arch, wide = _units.insert_unit(arch, p, 0, to_mp_array([1.0, 0.5]), to_mp_array([0.7]))
        gw = mlp.gradient(wide_arch, wide, d.x, d.y, dps=DPS)
        new = incoming_indices(wide_arch, 0, 2) + outgoing_indices(wide_arch, 0, 2)
        assert max_abs(gw[new]) > 1e-3
