"""Invariants I7, I12 and the Hessian part of I13 (spec theory.md §5).

I7:  T_lambda^T H_wide(gamma_lambda theta) T_lambda = blockdiag(H(theta), K_lambda) at any theta,
     K_lambda = [[lambda (1 - lambda) A_j, B_j^T], [B_j, 0]], and |det T_lambda| = 1 (exact, Fraction elimination).
I12: at alpha_{w~0}(theta), smooth phi: H_{w~w~} = 0, H_{w~v} = C(w~0); at a critical point with
     C != 0 the Hessian has a negative eigenvalue (an explicit direction certifies it).
I13: a dead ReLU unit: new Hessian rows exactly 0, old block = narrow Hessian, and the loss is
     constant in v_new and in w~ inside the dead cone.
Hessians come from numerics.mlp (forward-over-reverse) at DPS digits; A_j, B_j, C from
proofs_check.structure (formulas of spec §1 evaluated on the narrow net's signals).
Small sizes (widths <= 3, n <= 5) keep the Hessians cheap.
"""

from fractions import Fraction

import mpmath
import numpy as np
from hypothesis import assume, example, given, settings, strategies as st

from numerics import mlp
from numerics.dataset import Dataset
from numerics.precision import to_mp_array, to_mp_params, tolerance, workdps
from proofs_check import strategies as sf
from proofs_check.critical_points import exact_critical_point, inactive_blocks, min_kink_distance
from proofs_check.structure import candidate_block_C, unit_blocks
from theory.architecture import Architecture
from theory.embeddings import add_inactive_unit, draw_dead_incoming, replicate, replication_map
from theory.embeddings import _units
from theory.network import hidden_values
from theory.params import Params, incoming_indices, outgoing_indices

DPS = 30
SMOOTH = ("tanh", "sigmoid", "softplus", "gelu")


def max_abs(values):
    values = list(np.asarray(values, dtype=object).reshape(-1))
    return max((abs(v) for v in values), default=mpmath.mpf(0))


def mscale(matrix):
    return 1 + sum(abs(v) for v in np.asarray(matrix, dtype=object).reshape(-1))


def congruence(arch, p, d, layer, unit, lam, K_factor=None):
    """(max |T^T H_wide T - blockdiag(H, K)|, scale); ``K_factor`` replaces lam (1 - lam)."""
    wide_arch, wide = replicate(arch, p, layer, unit, lam)
    H_wide = mlp.hessian(wide_arch, wide, d.x, d.y, dps=DPS)
    H = mlp.hessian(arch, p, d.x, d.y, dps=DPS)
    blocks = unit_blocks(arch, p, d.x, d.y, layer, unit, dps=DPS)
    T = replication_map(arch, layer, unit, lam)
    lhs = T.T @ H_wide @ T
    D, a = arch.n_params, arch.incoming_size(layer)
    rhs = np.full(lhs.shape, mpmath.mpf(0), dtype=object)
    rhs[:D, :D] = H
    factor = lam * (1 - lam) if K_factor is None else K_factor
    rhs[D:D + a, D:D + a] = factor * blocks.A
    rhs[D:D + a, D + a:] = blocks.B.T
    rhs[D + a:, D:D + a] = blocks.B
    return max_abs(lhs - rhs), mscale(H_wide) * (1 + abs(lam)) ** 2


@settings(max_examples=12)
@given(net=sf.networks(activations=SMOOTH + ("relu",), max_width=3, max_layers=3), lam=sf.lambdas(),
       data=st.data())
@example(net=(Architecture((1, 1, 1), "tanh", False), None), lam=0.0, data=None)
@example(net=(Architecture((2, 2, 3), "sigmoid"), None), lam=1.0, data=None)
@example(net=(Architecture((1, 2, 1, 2), "softplus"), None), lam=-2.5, data=None)
def test_i7_hessian_congruence_at_any_theta(net, lam, data):
    arch, params = net
    rng = np.random.default_rng(11)
    if params is None:
        params = Params.from_vector(arch, rng.normal(size=arch.n_params), dtype=float)
    if data is None:
        d, (layer, unit) = Dataset(rng.normal(size=(4, arch.input_dim)), rng.normal(size=(4, arch.output_dim))), (0, 0)
    else:
        d, (layer, unit) = data.draw(sf.datasets(arch, max_n=5)), data.draw(sf.hidden_units(arch))
    if arch.activation == "relu":  # T4 needs no data on kinks (spec §1 NK)
        assume(min_kink_distance(arch, params, d.x, dps=DPS) > 1e-6)
    with workdps(DPS):
        err, scale = congruence(arch, to_mp_params(params), d, layer, unit, mpmath.mpf(lam))
        assert err <= tolerance(DPS, scale, lost_digits=3)


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
        tol = tolerance(DPS, scale, lost_digits=3)
    assert good <= tol and bad > 1e10 * tol


def exact_det(T) -> Fraction:
    """Determinant by Gaussian elimination in exact rationals."""
    rows = [[Fraction(v) for v in row] for row in T]
    n, det = len(rows), Fraction(1)
    for k in range(n):
        pivot = next((i for i in range(k, n) if rows[i][k] != 0), None)
        if pivot is None:
            return Fraction(0)
        if pivot != k:
            rows[k], rows[pivot] = rows[pivot], rows[k]
            det = -det
        det *= rows[k][k]
        for i in range(k + 1, n):
            factor = rows[i][k] / rows[k][k]
            if factor:
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[k])]
    return det


@given(net=sf.networks(max_width=3, max_layers=3), lam=st.fractions(-3, 3, max_denominator=64), data=st.data())
@example(net=(Architecture((1, 1, 1), "relu", False), None), lam=Fraction(0), data=None)
@example(net=(Architecture((1, 1, 1), "relu", False), None), lam=Fraction(1), data=None)
def test_i7_replication_map_is_unimodular_exactly(net, lam, data):
    arch, _ = net
    layer, unit = (0, 0) if data is None else data.draw(sf.hidden_units(arch))
    T = replication_map(arch, layer, unit, lam)
    assert abs(exact_det(T)) == 1


def test_i7_negative_control_determinant_detects_a_broken_map():
    arch = Architecture((1, 2, 1), "tanh")
    lam = Fraction(1, 3)
    T = replication_map(arch, 0, 0, lam)
    zeta = arch.n_params
    T[:, zeta] = [2 * v if v == -lam else v for v in T[:, zeta]]  # w~_new = w~ - 2 lam zeta: det -(1 + lam)
    assert abs(exact_det(T)) != 1


# --- I12: smooth inactive unit -------------------------------------------------------------------


def new_unit_indices(wide_arch, layer):
    new = wide_arch.widths[layer + 1] - 1
    return incoming_indices(wide_arch, layer, new), outgoing_indices(wide_arch, layer, new)


@settings(max_examples=12)
@given(net=sf.networks(activations=SMOOTH, max_width=3, max_layers=3), data=st.data())
def test_i12_inactive_unit_blocks_at_any_theta(net, data):
    arch, params = net
    d = data.draw(sf.datasets(arch, max_n=5))
    layer = data.draw(st.integers(0, arch.n_hidden_layers - 1))
    w0 = data.draw(sf.incoming_vectors(arch, layer))
    with workdps(DPS):
        p = to_mp_params(params)
        wide_arch, wide = add_inactive_unit(arch, p, layer, to_mp_array(w0))
        H = mlp.hessian(wide_arch, wide, d.x, d.y, dps=DPS)
        iw, iv = new_unit_indices(wide_arch, layer)
        C = candidate_block_C(arch, p, d.x, d.y, layer, w0, dps=DPS)
        C_mine, _ = inactive_blocks(arch, p, d.x, d.y, layer, w0, dps=DPS)
        tol = tolerance(DPS, mscale(H), lost_digits=3)
        assert max_abs(H[np.ix_(iw, iw)]) <= tol
        assert max_abs(H[np.ix_(iw, iv)] - C) <= tol
        assert max_abs(C - C_mine) <= tol


def negative_direction(H, iw, iv):
    """d on the new unit's coordinates with d^T H d < 0 when H_ww = 0 and C = H_wv != 0."""
    C = H[np.ix_(iw, iv)]
    a, b = np.unravel_index(np.argmax([abs(v) for v in C.reshape(-1)]), C.shape)
    d = np.full(H.shape[0], mpmath.mpf(0), dtype=object)
    hbb = H[iv[b], iv[b]]
    d[iv[b]] = mpmath.mpf(1)
    d[iw[a]] = -mpmath.sign(C[a, b]) * (abs(hbb) + 1) / abs(C[a, b])
    return d, d @ H @ d


def pinned_critical_point():
    """tanh [1, 2, 1] at an exact critical point with L > 0 (9 samples > D = 7)."""
    arch = Architecture((1, 2, 1), "tanh")
    params = Params.from_vector(arch, np.linspace(-1.2, 0.9, arch.n_params), dtype=float)
    return arch, params, exact_critical_point(arch, params, np.linspace(-1, 1, 9).reshape(9, 1), dps=DPS).data


@settings(max_examples=10)
@given(point=sf.critical_points(dps=DPS, activations=("tanh", "sigmoid", "softplus"), bias=True, max_width=2),
       b0=sf.reals(2.0))
@example(point=pinned_critical_point(), b0=0.0)
def test_i12_null_embedding_of_a_critical_point_is_a_saddle_when_C_is_nonzero(point, b0):
    """w0 = 0 (T3 (b)): the wide point is critical, C = phi'(b0) [sum_i h_i delta_i^T; 0] and,
    when C != 0, d^T H d < 0 along an explicit direction (so lambda_min < 0)."""
    arch, params, d = point
    layer = 0
    w0 = [0.0] * arch.widths[layer] + [b0]
    with workdps(DPS):
        p = to_mp_params(params)
        wide_arch, wide = add_inactive_unit(arch, p, layer, to_mp_array(w0))
        g, H = mlp.gradient_and_hessian(wide_arch, wide, d.x, d.y, dps=DPS)
        tol = tolerance(DPS, mscale(H), lost_digits=3)
        assert max_abs(g) <= tol
        delta = mlp.signals(arch, p, d.x, d.y, dps=DPS)[layer + 1]
        h = hidden_values(arch, p, to_mp_array(d.x))[layer]
        iw, iv = new_unit_indices(wide_arch, layer)
        C = H[np.ix_(iw, iv)]
        assert max_abs(C[:-1] - arch.phi.d1(mpmath.mpf(b0)) * (h.T @ delta)) <= tol
        assert max_abs(C[-1]) <= tol  # the bias row: phi'(b0) sum_i delta_i = 0 at a critical point
        assume(max_abs(C) > 1e6 * tol)
        direction, q = negative_direction(H, iw, iv)
        assert q < -1
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
        iw, iv = new_unit_indices(wide_arch, 0)
        h = np.hstack([to_mp_array(d.x), np.full((5, 1), mpmath.mpf(1), dtype=object)])
        delta = mlp.signals(arch, p, d.x, d.y, dps=DPS)[1]
        wrong = (h.T * arch.phi(h @ to_mp_array(w0))) @ delta
        assert max_abs(H[np.ix_(iw, iv)] - wrong) > 1e10 * tolerance(DPS, mscale(H), lost_digits=3)


# --- I13: dead ReLU unit, Hessian and loss -----------------------------------------------------------


@settings(max_examples=12)
@given(net=sf.networks(activations=("relu",), bias=True, max_width=3, max_layers=3), data=st.data())
def test_i13_dead_unit_hessian_rows_vanish_and_loss_is_flat_on_the_cone(net, data):
    arch, params = net
    d = data.draw(sf.datasets(arch, min_n=2, max_n=5))
    layer = data.draw(st.integers(0, arch.n_hidden_layers - 1))
    m = arch.outgoing_size(layer)
    v_new = data.draw(st.lists(sf.reals(3.0), min_size=m, max_size=m))
    v_other = data.draw(st.lists(sf.reals(3.0), min_size=m, max_size=m))
    stretch = data.draw(st.floats(0.1, 10.0))
    inputs = hidden_values(arch, params, d.x)[layer]
    dead = draw_dead_incoming(arch, layer, np.random.default_rng(2), inputs=inputs, margin=0.25)
    with workdps(DPS):
        p = to_mp_params(params)
        wide_arch, wide = _units.append_unit(arch, p, layer, to_mp_array(dead), to_mp_array(v_new))
        H_wide = mlp.hessian(wide_arch, wide, d.x, d.y, dps=DPS)
        H = mlp.hessian(arch, p, d.x, d.y, dps=DPS)
        iw, iv = new_unit_indices(wide_arch, layer)
        assert all(v == 0 for v in H_wide[iw + iv].reshape(-1))
        old = [i for i in range(wide_arch.n_params) if i not in set(iw + iv)]
        assert max_abs(H_wide[np.ix_(old, old)] - H) <= tolerance(DPS, mscale(H), lost_digits=2)
        base = mlp.loss(arch, p, d.x, d.y, dps=DPS)
        # another point of the cone x R^m: stretched incoming vector, other outgoing weights
        moved_arch, moved = _units.append_unit(arch, p, layer, to_mp_array(dead) * mpmath.mpf(stretch),
                                               to_mp_array(v_other))
        assert mlp.loss(moved_arch, moved, d.x, d.y, dps=DPS) == base


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
        wide_arch, wide = _units.append_unit(arch, p, 0, live, to_mp_array([0.7]))
        H_wide = mlp.hessian(wide_arch, wide, d.x, d.y, dps=DPS)
        iw, iv = new_unit_indices(wide_arch, 0)
        assert max_abs(H_wide[iw + iv]) > 0.1
        other_arch, other = _units.append_unit(arch, p, 0, live, to_mp_array([-0.7]))
        assert abs(mlp.loss(wide_arch, wide, d.x, d.y, dps=DPS) - mlp.loss(other_arch, other, d.x, d.y, dps=DPS)) > 0.1
