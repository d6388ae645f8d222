"""classify on the issue's "done when" cases, each with an independent oracle and a negative control.

Oracles: float64 Hessian eigenvalues from numerics.batched (an independent evaluation path),
theory.network.loss on mpmath numbers (not numerics.mlp), the per-unit matrix A_j for the
second-order law of T4a, and random perturbations that must never decrease a proved minimum.
Seeds are fresh (not the ones used while developing).
"""

import mpmath
import numpy as np
import pytest

from numerics import batched
from numerics.precision import rounding_band, workdps
from proofs_check.landscape.classify import Verdict, classify
from proofs_check.instances.critical_search import find_strict_minimum
from proofs_check.landscape.structure import unit_blocks
from support.critical import find_newton_minimum, find_relu_minimum
from theory.embeddings import add_inactive_propagation, add_inactive_unit, draw_dead_incoming, replicate
from theory.network import loss as theory_loss
from theory.network import residuals as theory_residuals
from theory.params import Params, incoming_indices

DPS = 40


def float_inertia(arch, params, data):
    """Independent float64 inertia (numerics.batched Hessian + numpy eigvalsh).

    Zero band: a float64 Hessian carries rounding of about eps |H| per entry and eigvalsh adds a
    backward error of a small multiple of n eps |H|, so exact zeros come out below ~n eps |H|
    (measured: <= 1e-16 |H| here); 1024 n eps |H| (~4e-12 |H| for n = 17) sits far below the
    smallest genuine eigenvalue of these instances (~2e-8 |H|)."""
    vec = np.array([float(v) for v in params.to_vector()])
    H = batched.hessian(arch, vec[None], data.to_float().x, data.to_float().y)[0]
    ev = np.linalg.eigvalsh(H)
    tol = 1024 * len(ev) * np.finfo(float).eps * np.max(np.abs(ev))
    return int(np.sum(ev < -tol)), int(np.sum(np.abs(ev) <= tol)), int(np.sum(ev > tol))


def never_decreases(arch, params, data, size, count=20, seed=0):
    """min over random perturbations of L(theta + size r) - L(theta), evaluated with theory.network."""
    rng = np.random.default_rng(seed)
    with workdps(DPS):
        x, y = data.to_mp().x, data.to_mp().y
        theta = params.to_vector()
        base = theory_loss(arch, params, x, y)
        worst = min(theory_loss(arch, Params.from_vector(arch, theta + size * np.array(
            [mpmath.mpf(v) for v in rng.normal(size=len(theta))], dtype=object)), x, y) - base
            for _ in range(count))
    return worst


@pytest.fixture(scope="module")
def tanh_minimum():
    return find_strict_minimum("tanh", (1, 1, 1), 10, seed=2024, dps=DPS, want_A="positive")


def test_tanh_narrow_is_strict_minimum(tanh_minimum):
    arch, params, data, _ = tanh_minimum
    report = classify(arch, params, data, dps=DPS)
    assert report.verdict is Verdict.STRICT_MINIMUM
    assert (report.inertia.negative, report.inertia.zero, report.inertia.positive) == float_inertia(arch, params, data)
    assert report.gradient_norm <= rounding_band(DPS, 1, DPS // 2)
    assert never_decreases(arch, params, data, mpmath.mpf("1e-3")) > 0


def test_replication_inside_unit_interval_is_minimum_flat_along_line(tanh_minimum):
    arch, params, data, _ = tanh_minimum
    with workdps(DPS):
        wide_arch, wide = replicate(arch, params, 0, 0, mpmath.mpf("0.5"))
    report = classify(wide_arch, wide, data, dps=DPS)
    assert report.verdict is Verdict.SEMI_FLAT_MINIMUM
    assert report.theorem.startswith("T4a")
    assert report.flat_dimension == 1
    # Sylvester (T4a): narrow (0, 0, 4) + lambda(1-lambda)A > 0 (2 positive) + the line (1 zero).
    assert (report.inertia.negative, report.inertia.zero, report.inertia.positive) == (0, 1, 6)
    assert float_inertia(wide_arch, wide, data)[0] == 0
    # L is constant along the replication line (another lambda gives the same loss at dps).
    with workdps(DPS):
        x, y = data.to_mp().x, data.to_mp().y
        other = replicate(arch, params, 0, 0, mpmath.mpf("0.3"))[1]
        assert abs(theory_loss(wide_arch, other, x, y) - report.loss) <= rounding_band(DPS, report.loss, 2)
    assert never_decreases(wide_arch, wide, data, mpmath.mpf("1e-3")) >= -rounding_band(DPS, report.loss, 2)


def test_replication_outside_unit_interval_is_certified_saddle(tanh_minimum):
    arch, params, data, _ = tanh_minimum
    lam = mpmath.mpf("1.5")
    with workdps(DPS):
        wide_arch, wide = replicate(arch, params, 0, 0, lam)
    report = classify(wide_arch, wide, data, dps=DPS)
    assert report.verdict is Verdict.SADDLE and report.theorem == "T4a"
    assert report.inertia.negative == arch.incoming_size(0) == float_inertia(wide_arch, wide, data)[0]
    assert report.descent_decrease < 0
    # Second-order law of T4a: L(T(theta, s zeta, 0)) - L = 1/2 s^2 lambda(1-lambda) zeta^T A zeta + O(s^3).
    d = report.descent_direction
    zeta = np.array([d[i] - d[k] for i, k in zip(incoming_indices(wide_arch, 0, 0),
                                                  incoming_indices(wide_arch, 0, 1))], dtype=object)
    A = unit_blocks(arch, params, data.x, data.y, 0, 0, DPS).A
    with workdps(DPS):
        x, y = data.to_mp().x, data.to_mp().y
        curvature = lam * (1 - lam) * mpmath.fsum(zeta[i] * A[i, j] * zeta[j] for i in range(2) for j in range(2))
        theta = wide.to_vector()
        errors = []
        for k in range(3):  # the relative error of the law shrinks like O(s)
            s = report.descent_step / 10 ** k
            change = theory_loss(wide_arch, Params.from_vector(wide_arch, theta + s * d), x, y) - report.loss
            if k == 0:
                assert abs(change - report.descent_decrease) <= rounding_band(DPS, report.loss, 2)
            errors.append(abs(change - s * s * curvature / 2) / abs(s * s * curvature / 2))
        assert errors[0] <= mpmath.mpf(1) / 10
        assert errors[2] <= errors[0] / 20
    # Negative control: the same pair with lambda inside (0, 1) gives no descent.
    with workdps(DPS):
        inside = replicate(arch, params, 0, 0, 1 - lam + 1)[1]  # lambda = 0.5
    assert classify(wide_arch, inside, data, dps=DPS).descent_direction is None


@pytest.fixture(scope="module")
def relu_minimum():
    return find_relu_minimum((1, 2, 1), 10, seed=4242, dps=DPS)


def test_relu_dead_unit_gives_semi_flat_minimum(relu_minimum):
    arch, params, data, _ = relu_minimum
    rng = np.random.default_rng(77)
    incoming = draw_dead_incoming(arch, 0, rng, inputs=data.to_float().x, margin=0.25)
    with workdps(DPS):
        wide_arch, wide = add_inactive_unit(arch, params, 0, [mpmath.mpf(v) for v in incoming])
        W = [np.array(w, dtype=object) for w in wide.W]
        W[1][0, -1] = mpmath.mpf("0.7")  # any outgoing weight: the unit is dead on the data
        wide = Params.build(wide_arch, W, wide.b)
    report = classify(wide_arch, wide, data, dps=DPS)
    d, M = arch.input_dim, arch.output_dim
    assert report.verdict is Verdict.SEMI_FLAT_MINIMUM
    assert "T6" in report.theorem
    assert report.flat_dimension == d + 1 + M
    assert report.dead_units == ((0, 2),)
    # Independent: loss exactly unchanged for other outgoing weights and incoming weights in the cone.
    with workdps(DPS):
        x, y = data.to_mp().x, data.to_mp().y
        base = theory_loss(wide_arch, wide, x, y)
        assert abs(base - report.loss) <= rounding_band(DPS, base)
        for v_new, shift in (("-3", "0"), ("11", "-0.1"), ("0", "-2")):
            W2 = [np.array(w, dtype=object) for w in wide.W]
            b2 = [np.array(v, dtype=object) for v in wide.b]
            W2[1][0, -1] = mpmath.mpf(v_new)
            b2[0][-1] = b2[0][-1] + mpmath.mpf(shift)
            assert theory_loss(wide_arch, Params.build(wide_arch, W2, b2), x, y) == base
    assert never_decreases(wide_arch, wide, data, mpmath.mpf("1e-4")) >= -rounding_band(DPS, report.loss, 2)


def test_relu_unit_active_on_one_datum_is_not_semi_flat(relu_minimum):
    """Negative control (T6 contrast): v = 0 but active on the datum with the largest x."""
    arch, params, data, _ = relu_minimum
    xs = sorted(float(v) for v in data.to_float().x[:, 0])
    with workdps(DPS):
        cut = mpmath.mpf(xs[-1] + xs[-2]) / 2
        wide_arch, wide = add_inactive_unit(arch, params, 0, [mpmath.mpf(1), -cut])
    report = classify(wide_arch, wide, data, dps=DPS)
    # T3: the gradient of v_new is g_alpha = sum_i e_i relu(u_i) = e_k u_k != 0 (k = the datum).
    assert report.verdict is Verdict.NOT_CRITICAL
    assert report.flat_dimension != arch.input_dim + 1 + arch.output_dim
    with workdps(DPS):
        x, y = data.to_mp().x, data.to_mp().y
        k = max(range(len(x)), key=lambda i: x[i, 0])
        e_k = theory_residuals(arch, params, x, y)[k, 0]
        g_alpha = e_k * (x[k, 0] - cut)
        assert abs(report.gradient_norm - abs(g_alpha)) <= rounding_band(DPS, abs(g_alpha), 2)
    assert report.descent_decrease < 0


def test_relu_datum_on_kink_is_undecided(relu_minimum):
    arch, params, data, _ = relu_minimum
    with workdps(DPS):
        x = data.to_mp().x
        b = [np.array(v, dtype=object) for v in params.b]
        b[0][1] = -params.W[0][1, 0] * x[3, 0]  # unit 1's kink exactly at datum 3
        moved = Params.build(arch, params.W, b)
    report = classify(arch, moved, data, dps=DPS)
    assert report.verdict is Verdict.UNDECIDED
    assert "kink" in report.reason and "datum 3" in report.reason


def test_null_embedding_of_tanh_minimum_is_saddle_when_residuals_correlate(tanh_minimum):
    arch, params, data, _ = tanh_minimum
    with workdps(DPS):
        wide_arch, wide = add_inactive_propagation(arch, params, 0, mpmath.mpf(0), [mpmath.mpf(0)])
        e = [r for r in (np.array(batched.forward(arch, np.array([[float(v) for v in params.to_vector()]]),
                                                  data.to_float().x)[0]) - data.to_float().y)[:, 0]]
    assert abs(np.dot(e, data.to_float().x[:, 0])) > 1e-6  # premise of T5: sum_i x_i e_i != 0
    report = classify(wide_arch, wide, data, dps=DPS)
    assert report.verdict is Verdict.SADDLE and report.theorem == "T5"
    assert report.descent_decrease < 0
    assert abs(report.descent_decrease - report.descent_predicted) <= abs(report.descent_predicted) / 10
    assert float_inertia(wide_arch, wide, data)[0] >= 1


def test_null_embedding_with_uncorrelated_residuals_is_not_a_certified_saddle():
    """Negative control of T5: sum_i x_i e_i = 0 makes C(0) = 0; no second-order saddle."""
    arch, params, data, _ = find_strict_minimum("tanh", (1, 1, 1), 10, seed=2025, dps=DPS,
                                                want_A=None, uncorrelated_inputs=True)
    with workdps(DPS):
        wide_arch, wide = add_inactive_unit(arch, params, 0, [mpmath.mpf(0), mpmath.mpf(0)])
    report = classify(wide_arch, wide, data, dps=DPS)
    assert report.verdict is Verdict.UNDECIDED
    assert "C(w~0) = 0" in report.reason


def test_perturbed_minimum_is_not_critical(tanh_minimum):
    arch, params, data, _ = tanh_minimum
    with workdps(DPS):
        moved = Params.from_vector(arch, params.to_vector() + mpmath.mpf("1e-8"))
    report = classify(arch, moved, data, dps=DPS)
    assert report.verdict is Verdict.NOT_CRITICAL
    g2 = report.gradient_norm ** 2
    assert report.descent_decrease < 0
    assert abs(report.descent_decrease + report.descent_step * g2) <= report.descent_step * g2 / 10


def test_multi_output_replication_is_saddle_by_b_block():
    arch, params, data, _ = find_strict_minimum("tanh", (2, 2, 2), 24, seed=31, dps=DPS, want_A="positive")
    B = unit_blocks(arch, params, data.x, data.y, 0, 1, DPS).B
    assert max(abs(v) for v in B.reshape(-1)) > 1e-6  # premise of T4b
    with workdps(DPS):
        wide_arch, wide = replicate(arch, params, 0, 1, mpmath.mpf("0.5"))
    report = classify(wide_arch, wide, data, dps=DPS)
    assert report.verdict is Verdict.SADDLE and report.theorem == "T4b"
    assert report.descent_decrease < 0
    assert float_inertia(wide_arch, wide, data)[0] >= 1


def test_zero_loss_inactive_unit_is_global_minimum_with_affine_flat_set():
    rng = np.random.default_rng(99)
    from theory.architecture import Architecture
    from numerics import mlp
    from numerics.dataset import Dataset

    arch = Architecture((1, 2, 1), "tanh")
    params = Params.from_vector(arch, rng.normal(size=arch.n_params))
    x = rng.uniform(-1, 1, size=(6, 1))
    y = mlp.forward(arch, params, x, DPS + 10)
    data = Dataset(x, y)
    with workdps(DPS):
        wide_arch, wide = add_inactive_unit(arch, params, 0, [mpmath.mpf("0.8"), mpmath.mpf("-0.3")])
    report = classify(wide_arch, wide, data, dps=DPS)
    assert report.verdict is Verdict.GLOBAL_MINIMUM
    assert report.flat_dimension == arch.incoming_size(0)
    # Negative control: a non-zero outgoing weight on that unit changes the function: loss > 0.
    with workdps(DPS):
        W = [np.array(w, dtype=object) for w in wide.W]
        W[1][0, -1] = mpmath.mpf("0.1")
        broken = Params.build(wide_arch, W, wide.b)
    assert classify(wide_arch, broken, data, dps=DPS).verdict is not Verdict.GLOBAL_MINIMUM


def test_relu_replication_single_output_is_minimum_for_every_lambda(relu_minimum):
    """T7: with M = 1 all B_j = 0, so gamma_lambda(theta*) is a minimum for every lambda, with
    narrow inertia + (d + 1 + M) zeros (A_j = 0 under NK)."""
    arch, params, data, _ = relu_minimum
    narrow = classify(arch, params, data, dps=DPS)
    assert narrow.verdict is Verdict.MINIMUM and narrow.theorem == "T7"
    for lam in ("0.5", "-0.5"):
        with workdps(DPS):
            wide_arch, wide = replicate(arch, params, 0, 0, mpmath.mpf(lam))
        report = classify(wide_arch, wide, data, dps=DPS)
        assert report.verdict is Verdict.SEMI_FLAT_MINIMUM and report.flat_dimension == 1
        assert report.inertia.zero == narrow.inertia.zero + arch.incoming_size(0) + arch.outgoing_size(0)
        assert never_decreases(wide_arch, wide, data, mpmath.mpf("1e-4"), count=10) >= -rounding_band(DPS, report.loss, 2)


def test_relu_replication_multi_output_is_saddle():
    """T7 / T4b: a ReLU critical point with M = 2 (null-space construction) has B_j != 0 for a
    generic unit, so its replication is a saddle whatever lambda is."""
    from proofs_check.instances.critical_points import exact_critical_point
    from theory.architecture import Architecture

    rng = np.random.default_rng(606)
    arch = Architecture((2, 2, 2), "relu")
    with workdps(DPS):
        params = Params.from_vector(arch, [mpmath.mpf(v) for v in rng.normal(size=arch.n_params)])
    x = rng.uniform(-1, 1, size=(12, 2))
    data = exact_critical_point(arch, params, x, dps=DPS, seed=1).data
    B = unit_blocks(arch, params, data.x, data.y, 0, 0, DPS).B
    assert max(abs(v) for v in B.reshape(-1)) > 1e-6
    with workdps(DPS):
        wide_arch, wide = replicate(arch, params, 0, 0, mpmath.mpf("0.5"))
    report = classify(wide_arch, wide, data, dps=DPS)
    assert report.verdict is Verdict.SADDLE and "T4b" in report.theorem
    assert report.descent_decrease < 0


def test_newton_search_minimum_agrees_with_float_hessian_and_perturbations():
    """The seeded Newton route (random data, no construction) yields a point that classify calls a
    strict minimum; float64 eigenvalues and random perturbations agree independently."""
    arch, params, data, seed_used = find_newton_minimum("tanh", (1, 1, 1), 10, seed=7100, dps=DPS,
                                                        want_A=None)
    report = classify(arch, params, data, dps=DPS)
    assert report.verdict is Verdict.STRICT_MINIMUM and report.loss > 0
    assert float_inertia(arch, params, data) == (0, 0, arch.n_params)
    assert never_decreases(arch, params, data, mpmath.mpf("1e-3"), count=10) > 0
    # Reproducible: the reported seed gives the same point at the first attempt.
    again = find_newton_minimum("tanh", (1, 1, 1), 10, seed=seed_used, dps=DPS, want_A=None)
    assert again[3] == seed_used
    with workdps(DPS):
        assert max(abs(a - b) for a, b in zip(again[1].to_vector(), params.to_vector())) == 0


def test_three_way_split_flat_dimension_counts_the_share_plane(tanh_minimum):
    """T4c: shares (0.2, 0.3, 0.5) > 0 give a minimum flat on the 2-dimensional share plane; a
    negative share gives a saddle (the form lambda_a/(1-lambda_a) z^T A z < 0)."""
    from theory.embeddings import split

    arch, params, data, _ = tanh_minimum
    with workdps(DPS):
        wa, wp = split(arch, params, 0, 0, [mpmath.mpf("0.2"), mpmath.mpf("0.3"), mpmath.mpf("0.5")])
        wa2, wp2 = split(arch, params, 0, 0, [mpmath.mpf("-0.2"), mpmath.mpf("0.7"), mpmath.mpf("0.5")])
    good = classify(wa, wp, data, dps=DPS)
    assert good.verdict is Verdict.SEMI_FLAT_MINIMUM and good.flat_dimension == 2 and good.inertia.zero == 2
    bad = classify(wa2, wp2, data, dps=DPS)
    assert bad.verdict is Verdict.SADDLE and bad.descent_decrease < 0
    assert float_inertia(wa2, wp2, data)[0] >= 1
