"""Invariants I7, I12 and the Hessian part of I13 (docs/invariants.md).

I7:  T_lambda^T H_wide(gamma_lambda theta) T_lambda = blockdiag(H(theta), K_lambda) at any theta,
     K_lambda = [[lambda (1 - lambda) A_j, B_j^T], [B_j, 0]], and |det T_lambda| = 1 (exact, Fraction elimination).
I12: at alpha_{w~0}(theta), smooth phi: H_{w~w~} = 0, H_{w~v} = C(w~0); at a critical point with
     C != 0 the Hessian has a negative eigenvalue (an explicit direction certifies it).
I13: a dead ReLU unit: new Hessian rows exactly 0, old block = narrow Hessian, and the loss is
     constant in v_new and in w~ inside the dead cone.
Hessians come from numerics.mlp (forward-over-reverse) at DPS digits; A_j, B_j, C from
proofs_check.landscape.structure (formulas of docs/network.md evaluated on the narrow net's signals).
The property bodies live in proofs_check.invariants.hessian (shared with `semiflat properties`);
here they run at the test scale with pinned examples and negative controls. Small sizes
(widths <= 3, n <= 5) keep the Hessians cheap.
"""

from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import assume, example, given, settings

from numerics import mlp
from numerics.dataset import Dataset
from numerics.precision import to_mp_array, to_mp_params, rounding_band, workdps
from proofs_check.instances.critical_points import exact_critical_point
from proofs_check.invariants import SEMIFLAT, Example, Scale, Violation, get_mutant
from proofs_check.invariants import hessian as inv
from proofs_check.invariants.base import total as mscale
from proofs_check.landscape.eigen import max_abs
from proofs_check.landscape.structure import candidate_block_C, candidate_blocks
from theory.architecture import Architecture
from theory.embeddings import add_inactive_unit, replication_map
from theory.embeddings import _units
from theory.params import Params

DPS = 30
SMOOTH = ("tanh", "sigmoid", "softplus", "gelu")


def pinned(arch, lam):
    rng = np.random.default_rng(11)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    d = Dataset(rng.normal(size=(4, arch.input_dim)), rng.normal(size=(4, arch.output_dim)))
    return Example(arch, params, d, {"layer": 0, "unit": 0, "lam": lam}, DPS)


@settings(max_examples=12)
@given(inv.hessian_units(Scale(activations=SMOOTH + ("relu",), max_depth=3)))
@example(pinned(Architecture((1, 1, 1), "tanh", False), 0.0))
@example(pinned(Architecture((2, 2, 3), "sigmoid"), 1.0))
@example(pinned(Architecture((1, 2, 1, 2), "softplus"), -2.5))
def test_i7_hessian_congruence_at_any_theta(example):
    inv.check_hessian_congruence(example, SEMIFLAT)


def congruence(arch, p, d, layer, unit, lam, K_factor=None):
    """(max |T^T H_wide T - blockdiag(H, K)|, scale); ``K_factor`` replaces lam (1 - lam)."""
    subject = SEMIFLAT if K_factor is None else SEMIFLAT.mutate("k", "K factor", split_factor=lambda _: K_factor)
    return inv.congruence(arch, p, d, layer, unit, lam, subject, DPS)[:2]


def test_i7_negative_control_wrong_split_block():
    """K with lambda^2 A_j instead of lambda (1 - lambda) A_j must fail (A_j != 0 for tanh)."""
    arch = Architecture((1, 2, 1), "tanh")
    rng = np.random.default_rng(12)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    d = Dataset(rng.normal(size=(5, 1)), rng.normal(size=(5, 1)))
    with workdps(DPS):
        p, lam = to_mp_params(params), mpmath.mpf("0.3")
        good, scale = congruence(arch, p, d, 0, 1, lam)
        bad, _ = congruence(arch, p, d, 0, 1, lam, K_factor=lam ** 2)
        tol = rounding_band(DPS, scale, lost_digits=3)
    assert good <= tol and bad > 1e10 * tol


def rational(arch, lam):
    return Example(arch, Params.from_vector(arch, np.zeros(arch.n_params), dtype=float), None,
                   {"layer": 0, "unit": 0, "lam": lam}, DPS)


@given(inv.rational_units(Scale(max_depth=3)))
@example(rational(Architecture((1, 1, 1), "relu", False), Fraction(0)))
@example(rational(Architecture((1, 1, 1), "relu", False), Fraction(1)))
def test_i7_replication_map_is_unimodular_exactly(example):
    inv.check_unimodular(example, SEMIFLAT)


def test_i7_negative_control_determinant_detects_a_broken_map():
    arch = Architecture((1, 2, 1), "tanh")
    lam = Fraction(1, 3)
    T = replication_map(arch, 0, 0, lam)
    zeta = arch.n_params
    T[:, zeta] = [2 * v if v == -lam else v for v in T[:, zeta]]  # w~_new = w~ - 2 lam zeta: det -(1 + lam)
    assert abs(inv.exact_det(T)) != 1
    with pytest.raises(Violation, match="det T_lambda"):
        inv.check_unimodular(rational(arch, lam), get_mutant("stretched-map"))


# --- I12: smooth inactive unit -------------------------------------------------------------------


@settings(max_examples=12)
@given(inv.hessian_units(Scale(activations=SMOOTH, max_depth=3)))
def test_i12_inactive_unit_blocks_at_any_theta(example):
    inv.check_inactive_block(example, SEMIFLAT)
    with workdps(DPS):  # the two evaluators of C agree (structure and critical_points)
        p, d, w0 = to_mp_params(example.params), example.data, example["w0"]
        C = candidate_block_C(example.arch, p, d.x, d.y, example["layer"], w0, dps=DPS)
        C_mine, _ = candidate_blocks(example.arch, p, d.x, d.y, example["layer"], w0, dps=DPS)
        assert max_abs(C - C_mine) <= rounding_band(DPS, mscale(C), lost_digits=3)


def pinned_critical_point():
    """tanh [1, 2, 1] at an exact critical point with L > 0 (9 samples > D = 7)."""
    arch = Architecture((1, 2, 1), "tanh")
    params = Params.from_vector(arch, np.linspace(-1.2, 0.9, arch.n_params), dtype=float)
    data = exact_critical_point(arch, params, np.linspace(-1, 1, 9).reshape(9, 1), dps=DPS).data
    return Example(arch, params, data, {"layer": 0, "unit": 0, "lam": 0.0, "b0": 0.0}, DPS)


@settings(max_examples=10)
@given(inv.critical_units(Scale(activations=("tanh", "sigmoid", "softplus"), max_depth=3, max_width=2), bias=True))
@example(pinned_critical_point())
def test_i12_null_embedding_of_a_critical_point_is_a_saddle_when_C_is_nonzero(example):
    """w0 = 0 (T3 (b)): the wide point is critical, C = phi'(b0) [sum_i h_i delta_i^T; 0] and,
    when C != 0, d^T H d < 0 along an explicit direction (so lambda_min < 0)."""
    inv.check_null_embedding_saddle(example, SEMIFLAT)
    arch, d = example.arch, example.data
    w0 = [0.0] * arch.widths[0] + [example["b0"]]
    with workdps(DPS):
        wide_arch, wide = add_inactive_unit(arch, to_mp_params(example.params), 0, to_mp_array(w0))
        H = mlp.hessian(wide_arch, wide, d.x, d.y, dps=DPS)
        iw, iv = inv.new_unit_indices(wide_arch, 0)
        assume(max_abs(H[np.ix_(iw, iv)]) > 1e6 * rounding_band(DPS, mscale(H), lost_digits=3))
        direction, q = inv.negative_direction(H, iw, iv)
        rayleigh = float(q / (direction @ direction))
    # independent float64 eigensolver: lambda_min <= the Rayleigh quotient of the certificate, up
    # to the float64 rounding of H (eps |H|) and eigvalsh's backward error (a small multiple of
    # n eps |H|, Golub & Van Loan §8.1): 8 n eps |H|
    eigs = np.linalg.eigvalsh(np.array(H, dtype=float))
    slack = 8 * len(eigs) * np.finfo(float).eps * abs(eigs).max()
    assert eigs[0] < 0 and eigs[0] <= rayleigh + slack


def test_i12_negative_control_wrong_C_formula():
    """Using phi instead of phi' in C must not reproduce H_{w~v}."""
    arch = Architecture((1, 2, 1), "tanh")
    rng = np.random.default_rng(13)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    d = Dataset(rng.normal(size=(5, 1)), rng.normal(size=(5, 1)))
    w0 = np.array([0.6, -0.4])
    with workdps(DPS):
        p = to_mp_params(params)
        wide_arch, wide = add_inactive_unit(arch, p, 0, to_mp_array(w0))
        H = mlp.hessian(wide_arch, wide, d.x, d.y, dps=DPS)
        iw, iv = inv.new_unit_indices(wide_arch, 0)
        h = np.hstack([to_mp_array(d.x), np.full((5, 1), mpmath.mpf(1), dtype=object)])
        delta = mlp.signals(arch, p, d.x, d.y, dps=DPS)[1]
        wrong = (h.T * arch.phi(h @ to_mp_array(w0))) @ delta
        assert max_abs(H[np.ix_(iw, iv)] - wrong) > 1e10 * rounding_band(DPS, mscale(H), lost_digits=3)


# --- I13: dead ReLU unit, Hessian and loss -----------------------------------------------------------


@settings(max_examples=12)
@given(inv.dead_cones(Scale(activations=("relu",), max_depth=3)))
def test_i13_dead_unit_gradient_hessian_and_flat_cone(example):
    inv.check_dead_unit(example, SEMIFLAT)


def test_i13_negative_control_live_unit_curves_the_loss():
    """A unit active on the data with a non-zero outgoing weight: new Hessian rows are not 0 and
    changing v_new changes the loss."""
    arch = Architecture((1, 2, 1), "relu")
    rng = np.random.default_rng(14)
    params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    d = Dataset(rng.uniform(0.5, 1.5, size=(4, 1)), rng.normal(size=(4, 1)))
    with workdps(DPS):
        p = to_mp_params(params)
        live = to_mp_array([1.0, 0.5])
        wide_arch, wide = _units.insert_unit(arch, p, 0, live, to_mp_array([0.7]))
        H_wide = mlp.hessian(wide_arch, wide, d.x, d.y, dps=DPS)
        iw, iv = inv.new_unit_indices(wide_arch, 0)
        assert max_abs(H_wide[iw + iv]) > 0.1
        other_arch, other = _units.insert_unit(arch, p, 0, live, to_mp_array([-0.7]))
        assert abs(mlp.loss(wide_arch, wide, d.x, d.y, dps=DPS) - mlp.loss(other_arch, other, d.x, d.y, dps=DPS)) > 0.1
