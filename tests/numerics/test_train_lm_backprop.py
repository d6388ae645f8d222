"""Float64 batched derivatives with per-row data (x of shape B x n x d), as the trainer uses them,
against numerics.mlp (mpmath, exact backpropagation) as the independent oracle; and the
batch-independence the trainer's search promises."""

import numpy as np
import pytest

from numerics import batched, mlp
from numerics.training import lm_float
from theory.architecture import Architecture
from theory.params import Params

EPS = np.finfo(float).eps


def _problem(d, H, M, seed, activation):
    rng = np.random.default_rng(seed)
    arch = Architecture((d, H, M), activation)
    theta = rng.normal(size=arch.n_params)
    x = rng.uniform(-1, 1, (6, d))
    y = rng.normal(size=(6, M))
    return arch, theta, x, y


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "softplus", "gelu"])
@pytest.mark.parametrize("d,H,M", [(1, 3, 1), (2, 3, 2)])
def test_jacobian_gradient_hessian_match_mlp(activation, d, H, M):
    arch, theta, x, y = _problem(d, H, M, 7, activation)
    params = Params.from_vector(arch, theta.astype(object))
    r, J = batched.residuals_and_jacobian(arch, theta[None], x[None], y[None])
    g, Hs = batched.gradient_and_hessian(arch, theta[None], x[None], y[None])
    J_mp = np.array(mlp.jacobian(arch, params, x.astype(object), dps=30), dtype=float)
    g_mp = np.array(mlp.gradient(arch, params, x.astype(object), y.astype(object), dps=30), dtype=float)
    H_mp = np.array(mlp.hessian(arch, params, x.astype(object), y.astype(object), dps=30), dtype=float)
    r_mp = np.array(mlp.residuals(arch, params, x.astype(object), y.astype(object), dps=30), dtype=float)
    # residuals and Jacobian entries: a few float64 operations each (64 ulp of the scale); the
    # gradient and Hessian add the contributions of n = 6 samples and M outputs on top: x10
    scale = 64 * EPS
    np.testing.assert_allclose(r[0], r_mp.reshape(-1), rtol=0, atol=scale * (1 + np.abs(r_mp).max()))
    np.testing.assert_allclose(J[0], J_mp, rtol=0, atol=scale * (1 + np.abs(J_mp).max()))
    np.testing.assert_allclose(g[0], g_mp, rtol=0, atol=scale * (1 + np.abs(g_mp).max()) * 10)
    np.testing.assert_allclose(Hs[0], H_mp, rtol=0, atol=scale * (1 + np.abs(H_mp).max()) * 10)


def test_negative_control_wrong_activation_hessian_differs():
    arch, theta, x, y = _problem(1, 3, 1, 3, "tanh")
    params = Params.from_vector(arch, theta.astype(object))
    _, Hs = batched.gradient_and_hessian(Architecture((1, 3, 1), "sigmoid"), theta[None], x[None], y[None])
    H_mp = np.array(mlp.hessian(arch, params, x.astype(object), y.astype(object), dps=30), dtype=float)
    assert np.abs(Hs[0] - H_mp).max() > 1e-3


def test_lm_rows_do_not_depend_on_the_batch():
    rng = np.random.default_rng(0)
    arch = Architecture((1, 5, 1), "tanh")
    B = 37
    theta0 = rng.normal(size=(B, arch.n_params)) * 3
    X = rng.uniform(-1, 1, (B, 10, 1))
    Y = rng.normal(size=(B, 10, 1)) * 0.5
    full = lm_float.levenberg_marquardt(arch, theta0, X, Y, lm_float.LMConfig(max_iter=60))
    for rows in ([5], [5, 0, 36], list(range(11, 30))):
        part = lm_float.levenberg_marquardt(arch, theta0[rows], X[rows], Y[rows],
                                            lm_float.LMConfig(max_iter=60))
        np.testing.assert_array_equal(part.theta, full.theta[rows])
        np.testing.assert_array_equal(part.sse, full.sse[rows])
    # negative control: the comparison is sensitive to the row's own data (one target moved)
    Y5 = Y[[5]].copy()
    Y5[0, 0, 0] += 0.1
    moved = lm_float.levenberg_marquardt(arch, theta0[[5]], X[[5]], Y5, lm_float.LMConfig(max_iter=60))
    assert not np.array_equal(moved.theta, full.theta[[5]])


def test_a_singular_row_does_not_change_the_other_rows():
    """An exactly singular damped system falls back to least squares for that row only; every
    other row is solved as it would be alone (np.linalg.solve of that row is the oracle)."""
    rng = np.random.default_rng(4)
    A = rng.normal(size=(3, 10, 16))
    G = np.matmul(A, A.transpose(0, 2, 1)) + 1e-3 * np.eye(10)
    G[1] = 0.0
    rhs = rng.normal(size=(3, 10))
    out = lm_float._solve(G, rhs)
    for i in (0, 2):
        np.testing.assert_array_equal(out[i], np.linalg.solve(G[i], rhs[i]))
    np.testing.assert_array_equal(out[1], np.linalg.lstsq(G[1], rhs[1], rcond=None)[0])
    # negative control: least squares on a regular row is not bit-identical to the LU solve
    # (a whole-batch fallback would have changed rows 0 and 2)
    assert any(not np.array_equal(np.linalg.lstsq(G[i], rhs[i], rcond=None)[0], out[i]) for i in (0, 2))


def test_lm_rows_do_not_depend_on_the_batch_in_the_tall_case():
    """D < n M (the D x D system) with rows that hit exactly singular systems on the way."""
    rng = np.random.default_rng(1)
    arch = Architecture((1, 2, 1), "tanh")
    B = 50
    theta0 = rng.normal(size=(B, arch.n_params)) * 2
    X = rng.uniform(-2, 2, (B, 10, 1))
    Y = rng.normal(size=(B, 10, 1))
    full = lm_float.levenberg_marquardt(arch, theta0, X, Y)
    for rows in ([0], [1, 3], list(range(40, 50))):
        part = lm_float.levenberg_marquardt(arch, theta0[rows], X[rows], Y[rows])
        np.testing.assert_array_equal(part.theta, full.theta[rows])
        np.testing.assert_array_equal(part.iterations, full.iterations[rows])


@pytest.mark.parametrize("widths,activation", [((1, 3, 3, 1), "tanh"), ((2, 4, 4, 2), "softplus"),
                                               ((2, 3, 2, 3, 1), "gelu")])
def test_per_row_data_of_deep_nets_match_mlp_row_by_row(widths, activation):
    """B problems with their own data in one call: each row equals the mpmath oracle on its data."""
    rng = np.random.default_rng(11)
    arch = Architecture(widths, activation)
    B, n = 3, 5
    theta = rng.normal(size=(B, arch.n_params))
    X = rng.uniform(-1, 1, (B, n, widths[0]))
    Y = rng.normal(size=(B, n, widths[-1]))
    r, J = batched.residuals_and_jacobian(arch, theta, X, Y)
    g, Hs = batched.gradient_and_hessian(arch, theta, X, Y)
    scale = 64 * EPS
    for b in range(B):
        params = Params.from_vector(arch, theta[b].astype(object))
        x, y = X[b].astype(object), Y[b].astype(object)
        r_mp = np.array(mlp.residuals(arch, params, x, y, dps=30), dtype=float).reshape(-1)
        J_mp = np.array(mlp.jacobian(arch, params, x, dps=30), dtype=float)
        g_mp = np.array(mlp.gradient(arch, params, x, y, dps=30), dtype=float)
        H_mp = np.array(mlp.hessian(arch, params, x, y, dps=30), dtype=float)
        np.testing.assert_allclose(r[b], r_mp, rtol=0, atol=scale * (1 + np.abs(r_mp).max()))
        np.testing.assert_allclose(J[b], J_mp, rtol=0, atol=scale * (1 + np.abs(J_mp).max()))
        np.testing.assert_allclose(g[b], g_mp, rtol=0, atol=scale * (1 + np.abs(g_mp).max()) * 10)
        np.testing.assert_allclose(Hs[b], H_mp, rtol=0, atol=scale * (1 + np.abs(H_mp).max()) * 10)
    # negative control: row 0's parameters on row 1's data are not row 0's result
    r01 = batched.residuals(arch, theta[:1], X[1:2], Y[1:2])
    assert np.abs(r01[0] - r[0]).max() > 1e-3


def test_shared_data_equals_the_same_data_given_per_row():
    rng = np.random.default_rng(5)
    arch = Architecture((1, 3, 3, 1), "tanh")
    theta = rng.normal(size=(4, arch.n_params))
    x, y = rng.uniform(-1, 1, (6, 1)), rng.normal(size=(6, 1))
    shared = batched.gradient_and_hessian(arch, theta, x, y)
    per_row = batched.gradient_and_hessian(arch, theta, np.repeat(x[None], 4, 0), np.repeat(y[None], 4, 0))
    for a, b in zip(shared, per_row):
        np.testing.assert_array_equal(a, b)
