"""Float64 batched one-hidden-layer derivatives used by the trainer, against numerics.mlp (mpmath,
exact backpropagation) as the independent oracle; and the batch-independence they promise."""

import numpy as np
import pytest

from numerics import mlp
from numerics.training import lm_float, shallow
from theory.architecture import Architecture
from theory.params import Params

EPS = np.finfo(float).eps


def _problem(d, H, M, seed, activation):
    rng = np.random.default_rng(seed)
    shape = shallow.Shape(d, H, M)
    theta = rng.normal(size=shape.n_params)
    x = rng.uniform(-1, 1, (6, d))
    y = rng.normal(size=(6, M))
    arch = Architecture((d, H, M), activation)
    return shape, arch, theta, x, y


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "softplus", "gelu"])
@pytest.mark.parametrize("d,H,M", [(1, 3, 1), (2, 3, 2)])
def test_jacobian_gradient_hessian_match_mlp(activation, d, H, M):
    shape, arch, theta, x, y = _problem(d, H, M, 7, activation)
    params = Params.from_vector(arch, theta.astype(object))
    r, J = shallow.residuals_and_jacobian(shape, activation, theta[None], x[None], y[None])
    g, Hs = shallow.gradient_and_hessian(shape, activation, theta[None], x[None], y[None])
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
    shape, arch, theta, x, y = _problem(1, 3, 1, 3, "tanh")
    params = Params.from_vector(arch, theta.astype(object))
    _, Hs = shallow.gradient_and_hessian(shape, "sigmoid", theta[None], x[None], y[None])
    H_mp = np.array(mlp.hessian(arch, params, x.astype(object), y.astype(object), dps=30), dtype=float)
    assert np.abs(Hs[0] - H_mp).max() > 1e-3


def test_lm_rows_do_not_depend_on_the_batch():
    rng = np.random.default_rng(0)
    shape = shallow.Shape(1, 5, 1)
    B = 37
    theta0 = rng.normal(size=(B, shape.n_params)) * 3
    X = rng.uniform(-1, 1, (B, 10, 1))
    Y = rng.normal(size=(B, 10, 1)) * 0.5
    full = lm_float.levenberg_marquardt(shape, "tanh", theta0, X, Y, lm_float.LMConfig(max_iter=60))
    for rows in ([5], [5, 0, 36], list(range(11, 30))):
        part = lm_float.levenberg_marquardt(shape, "tanh", theta0[rows], X[rows], Y[rows],
                                            lm_float.LMConfig(max_iter=60))
        np.testing.assert_array_equal(part.theta, full.theta[rows])
        np.testing.assert_array_equal(part.sse, full.sse[rows])
    # negative control: the comparison is sensitive to the row's own data (one target moved)
    Y5 = Y[[5]].copy()
    Y5[0, 0, 0] += 0.1
    moved = lm_float.levenberg_marquardt(shape, "tanh", theta0[[5]], X[[5]], Y5, lm_float.LMConfig(max_iter=60))
    assert not np.array_equal(moved.theta, full.theta[[5]])
