"""Per-unit blocks A_j, B_j, C(w~0) against the Hessian (T4 congruence, T5 block), detection and
reduction against the embeddings that built the network, and direction lifting (affine maps).

Oracles: numerics.mlp Hessians transformed with theory's T_lambda (an independent formula for the
blocks), the narrow parameters the embedding started from, and loss values along lifted lines.
"""

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from numerics import mlp
from numerics.precision import rounding_band, workdps
from proofs_check.landscape.structure import (
    candidate_block_C,
    detect,
    lift,
    plan,
    reduce,
    apply_step,
    unit_blocks,
)
from theory.architecture import Architecture
from theory.embeddings import add_inactive_propagation, add_inactive_unit, replicate, replication_map
from theory.params import Params, incoming_indices, outgoing_indices

DPS = 30


def random_net(widths, activation, seed, n=6):
    rng = np.random.default_rng(seed)
    arch = Architecture(widths, activation)
    with workdps(DPS):
        params = Params.from_vector(arch, [mpmath.mpf(v) for v in rng.normal(size=arch.n_params)])
    x = rng.uniform(-1, 1, size=(n, widths[0]))
    y = rng.normal(size=(n, widths[-1]))
    return arch, params, x, y


def max_abs(a):
    return max(abs(v) for v in np.asarray(a, dtype=object).reshape(-1))


@settings(max_examples=6, deadline=None)
@given(seed=hst.integers(0, 10 ** 6), lam=hst.sampled_from(["-0.7", "0.4", "2.2"]),
       widths=hst.sampled_from([(1, 2, 1), (2, 2, 3), (1, 2, 2, 1)]))
def test_blocks_equal_congruence_of_wide_hessian(seed, lam, widths):
    """T4 at any theta: T^T H_wide T = H_narrow (+) [[lambda(1-lambda)A, B^T], [B, 0]]."""
    arch, params, x, y = random_net(widths, "tanh", seed)
    lam = mpmath.mpf(lam)
    with workdps(DPS):
        wide_arch, wide = replicate(arch, params, 0, 1, lam)
        T = replication_map(arch, 0, 1, lam)
        H = mlp.hessian(wide_arch, wide, x, y, DPS)
        K = T.T.dot(H).dot(T)
        D, m = arch.n_params, arch.incoming_size(0)
        blocks = unit_blocks(arch, params, x, y, 0, 1, DPS)
        zz = K[D:D + m, D:D + m]
        ez = K[D + m:, D:D + m]
        scale = max(1, max_abs(H))
        assert max_abs(zz - lam * (1 - lam) * blocks.A) <= rounding_band(DPS, scale, 3)
        assert max_abs(ez - blocks.B) <= rounding_band(DPS, scale, 3)
        # Negative control: the wrong ratio in T breaks the zeta-block identity.
        Kw = replication_map(arch, 0, 1, lam + mpmath.mpf("0.3"))
        zz_wrong = Kw.T.dot(H).dot(Kw)[D:D + m, D:D + m]
        assert max_abs(zz_wrong - lam * (1 - lam) * blocks.A) > rounding_band(DPS, scale, 3) or max_abs(blocks.A) == 0


def test_candidate_block_equals_hessian_cross_block_of_inactive_unit():
    """T5 / I12: at alpha_{w~0}(theta), H_{w~ w~} = 0 and H_{w~ v} = C(w~0)."""
    arch, params, x, y = random_net((2, 3, 2), "tanh", 11)
    with workdps(DPS):
        w0 = [mpmath.mpf("0.3"), mpmath.mpf("-1.1"), mpmath.mpf("0.5")]
        wide_arch, wide = add_inactive_unit(arch, params, 0, w0)
        H = mlp.hessian(wide_arch, wide, x, y, DPS)
        wi, vi = incoming_indices(wide_arch, 0, 3), outgoing_indices(wide_arch, 0, 3)
        C = candidate_block_C(arch, params, x, y, 0, w0, DPS)
        tol = rounding_band(DPS, max(1, max_abs(H)), 3)
        assert max_abs(H[np.ix_(wi, wi)]) <= tol
        assert max_abs(H[np.ix_(wi, vi)] - C) <= tol
        other = candidate_block_C(arch, params, x, y, 0, [mpmath.mpf(0)] * 3, DPS)
        assert max_abs(H[np.ix_(wi, vi)] - other) > tol  # negative control: another w~0


def test_detect_and_reduce_recover_the_narrow_network():
    arch, params, x, y = random_net((1, 2, 1), "tanh", 5)
    with workdps(DPS):
        a1, p1 = replicate(arch, params, 0, 0, mpmath.mpf("0.25"))
        a2, p2 = add_inactive_unit(a1, p1, 0, [mpmath.mpf("0.7"), mpmath.mpf("0.2")])
        a3, p3 = add_inactive_propagation(a2, p2, 0, mpmath.mpf("0.4"), [mpmath.mpf("1.3")])
    s = detect(a3, p3, x, dps=DPS)
    assert [(p.layer, p.j, p.k) for p in s.replicated] == [(0, 0, 2)]
    assert abs(s.replicated[0].lam - mpmath.mpf("0.25")) <= rounding_band(DPS, 1, 3)
    assert s.zero_outgoing == ((0, 3),) and s.zero_incoming == ((0, 4),)
    narrow_arch, narrow, steps = reduce(a3, p3, s)
    assert narrow_arch == arch and [st.kind for st in steps] == ["zero-outgoing", "replicated", "zero-incoming"]
    with workdps(DPS):
        assert max_abs(narrow.to_vector() - params.to_vector()) <= rounding_band(DPS, 1, 3)
        assert abs(mlp.loss(a3, p3, x, y, DPS) - mlp.loss(arch, params, x, y, DPS)) <= rounding_band(DPS, 1, 3)
    # Negative control: a copy whose incoming weight differs by 1e-10 is not a replicated pair.
    with workdps(DPS):
        W = [np.array(w, dtype=object) for w in p1.W]
        W[0][2, 0] += mpmath.mpf("1e-10")
        broken = Params.build(a1, W, p1.b)
    assert detect(a1, broken, x, dps=DPS).replicated == ()


def test_relu_dead_margin_and_kinks_match_float_preactivations():
    arch, params, x, y = random_net((1, 3, 1), "relu", 8, n=8)
    with workdps(DPS):
        b = [np.array(v, dtype=object) for v in params.b]
        W = [np.array(w, dtype=object) for w in params.W]
        W[0][0, 0], b[0][0] = mpmath.mpf(1), mpmath.mpf(-2)       # dead: u = x - 2 < -1 on [-1, 1]
        b[0][1] = -W[0][1, 0] * mpmath.mpf(x[2, 0])                # datum 2 on unit 1's kink
        p = Params.build(arch, W, b)
    s = detect(arch, p, x, dps=DPS)
    u = x[:, 0] * 1.0 - 2.0
    assert [(d.layer, d.unit) for d in s.dead] == [(0, 0)]
    # u = x - 2 in float64 (one rounding) vs the mpmath margin rounded to float: 2 ulp of |u|
    assert abs(float(s.dead[0].margin) - (-u.max())) <= 2 * np.finfo(float).eps * np.abs(u).max()
    assert [(k.layer, k.unit, k.datum) for k in s.kinks] == [(0, 1, 2)]
    # negative control: the same unit with its kink moved 10^-3 away from datum 2 is not reported
    with workdps(DPS):
        b[0][1] = b[0][1] + mpmath.mpf("1e-3") * abs(W[0][1, 0])
        off = Params.build(arch, W, b)
    assert all(k.unit != 1 for k in detect(arch, off, x, dps=DPS).kinks)


@pytest.mark.parametrize("kind", ["replicated", "dead"])
def test_lifted_direction_moves_loss_like_the_narrow_direction(kind):
    """The embeddings are affine: L_wide(theta_w + t lift(d)) = L_narrow(theta + t d)."""
    activation = "tanh" if kind == "replicated" else "relu"
    arch, params, x, y = random_net((1, 2, 1), activation, 24)
    with workdps(DPS):
        if kind == "replicated":
            wide_arch, wide = replicate(arch, params, 0, 1, mpmath.mpf("1.7"))
        else:
            wide_arch, wide = add_inactive_unit(arch, params, 0, [mpmath.mpf("0.5"), mpmath.mpf(-3)])
    steps = plan(wide_arch, detect(wide_arch, wide, x, dps=DPS))
    assert len(steps) == 1 and steps[0].kind == kind
    narrow_arch, narrow = apply_step(wide_arch, wide, steps[0])
    rng = np.random.default_rng(3)
    with workdps(DPS):
        d = np.array([mpmath.mpf(v) for v in rng.normal(size=narrow_arch.n_params)], dtype=object)
        lifted = lift(wide_arch, wide, steps[0], d)
        t = mpmath.mpf("0.05")
        lhs = mlp.loss(wide_arch, Params.from_vector(wide_arch, wide.to_vector() + t * lifted), x, y, DPS)
        rhs = mlp.loss(narrow_arch, Params.from_vector(narrow_arch, narrow.to_vector() + t * d), x, y, DPS)
        assert abs(lhs - rhs) <= rounding_band(DPS, max(1, rhs), 3)
        # Negative control: the naive lift (zeros for the removed unit, partner unchanged) differs.
        if kind == "replicated":
            naive = np.insert(d, [incoming_indices(narrow_arch, 0, 1)[-1] + 1], [0, 0])
            naive = Params.from_vector(wide_arch, np.array(list(naive[:-2]) + [0] + list(naive[-2:]), dtype=object))
            moved = mlp.loss(wide_arch, Params.from_vector(wide_arch, wide.to_vector() + t * naive.to_vector()),
                             x, y, DPS)
            assert abs(moved - rhs) > rounding_band(DPS, max(1, rhs), 3)
