"""numerics.mlp derivatives against independent oracles.

- Central finite differences at FD_DPS = 60 digits with step h = 1e-25. Error budget: rounding
  10^-(FD_DPS) |L| / h (the loss carries FD_DPS correct digits; we lose -log10 h = 25 of them)
  plus truncation h^2 |L'''| / 6 ~ 1e-50: rounding_band(FD_DPS, scale, lost_digits=26), far below
  the 1e-20 relative the spec asks for (asserted too).
- numerics.batched (float64, vectorised) to F64_TOL = 64 eps relative to the scale of the
  loss and its derivatives (measured worst case 1.5 eps over 150 hypothesis examples).
- sympy.diff of theory.network.loss on symbols (tiny networks), evaluated at high precision.
- Identities: J^T r = gradient, Hessian symmetric.
Negative controls: an activation whose derivative is perturbed by 1e-3 (monkeypatched into the
registry) must fail the finite-difference comparison; parameters rounded to single precision
must fail the float64 comparison.
"""

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import assume, example, given, settings, strategies as st

import theory.activations as activations
from numerics import batched, mlp
from numerics.dataset import Dataset
from numerics.derivative_check import central_differences
from numerics.precision import rounding_band, workdps
from proofs_check.instances import strategies as sf
from proofs_check.instances.critical_points import min_kink_distance
from theory.architecture import Architecture
from theory.network import loss as sym_loss
from theory.params import Params

FD_DPS = 60
STEP_DIGITS = 25
H_STEP = mpmath.mpf(10) ** -STEP_DIGITS
LOST = STEP_DIGITS + 1
DPS = 30
# float64 forward/backprop of these small nets (<= 3 layers of width <= 3, <= 4 samples): every
# entry is a sum of O(10) rounded products, a few ulp of the scale; 64 ulp leaves margin.
F64_TOL = 64 * np.finfo(float).eps


def max_abs(values):
    return max((abs(v) for v in np.asarray(values, dtype=object).reshape(-1)), default=mpmath.mpf(0))


def mscale(values):
    return 1 + max_abs(values)


def fd_gradient(arch, params, d):
    """Central differences of the mpmath loss (the shipped checker, numerics.derivative_check)."""
    return central_differences(lambda v: mlp.loss(arch, Params.from_vector(arch, v), d.x, d.y, dps=FD_DPS),
                               params.to_vector(), FD_DPS, STEP_DIGITS)


def fd_hessian(arch, params, d):
    """Central differences of the exact mpmath gradient: rows are coordinates (H is symmetric)."""
    return central_differences(lambda v: mlp.gradient(arch, Params.from_vector(arch, v), d.x, d.y, dps=FD_DPS),
                               params.to_vector(), FD_DPS, STEP_DIGITS)


def no_kinks(arch, params, d):
    if arch.activation == "relu":
        # central differences of step h must not cross a kink: keep every datum 10^5 h away
        assume(min_kink_distance(arch, params, d.x, dps=DPS) > 10 ** 5 * H_STEP)


NETS = sf.networks(max_width=3, max_layers=3)


@given(net=NETS, data=st.data())
@example(net=(Architecture((1, 1, 1), "gelu", False), Params.from_vector(Architecture((1, 1, 1), "gelu", False),
                                                                          [0.9, -1.4], dtype=float)), data=None)
def test_gradient_matches_central_differences_at_60_digits(net, data):
    arch, params = net
    d = data.draw(sf.datasets(arch, max_n=4)) if data is not None else Dataset([[0.5], [-1.0]], [[0.2], [0.1]])
    no_kinks(arch, params, d)
    g = mlp.gradient(arch, params, d.x, d.y, dps=FD_DPS)
    fd = fd_gradient(arch, params, d)
    with workdps(FD_DPS):
        scale = 1 + mlp.loss(arch, params, d.x, d.y, dps=FD_DPS) + max_abs(g)
        err = max_abs(g - fd)
        assert err <= rounding_band(FD_DPS, scale, lost_digits=LOST)
        assert err <= mpmath.mpf("1e-20") * scale


@settings(max_examples=8)
@given(net=sf.networks(max_width=2, max_layers=3), data=st.data())
def test_hessian_matches_central_differences_of_the_gradient(net, data):
    arch, params = net
    d = data.draw(sf.datasets(arch, max_n=3))
    no_kinks(arch, params, d)
    H = mlp.hessian(arch, params, d.x, d.y, dps=FD_DPS)
    fd = fd_hessian(arch, params, d)
    with workdps(FD_DPS):
        scale = 1 + mlp.loss(arch, params, d.x, d.y, dps=FD_DPS) + max_abs(H)
        err = max_abs(H - fd)
        assert err <= rounding_band(FD_DPS, scale, lost_digits=LOST) and err <= mpmath.mpf("1e-20") * scale


@given(net=NETS, data=st.data())
def test_batched_float64_agrees_with_mpmath(net, data):
    arch, params = net
    d = data.draw(sf.datasets(arch, max_n=4))
    no_kinks(arch, params, d)
    vec = params.to_vector().astype(float)[None, :]
    g_mp, H_mp = mlp.gradient_and_hessian(arch, params, d.x, d.y, dps=DPS)
    J_mp = mlp.jacobian(arch, params, d.x, dps=DPS)
    for mp_value, f64 in ((mlp.forward(arch, params, d.x, dps=DPS), batched.forward(arch, vec, d.x)[0]),
                          (g_mp, batched.gradient(arch, vec, d.x, d.y)[0]),
                          (H_mp, batched.hessian(arch, vec, d.x, d.y)[0]),
                          (J_mp, batched.jacobian(arch, vec, d.x)[0])):
        mp_float = np.array([float(v) for v in np.asarray(mp_value).reshape(-1)])
        # float64 sums of terms as large as the loss and its derivatives: relative to that scale
        scale = 1 + float(mlp.loss(arch, params, d.x, d.y, dps=DPS)) + np.abs(mp_float).max()
        assert np.abs(mp_float - np.asarray(f64).reshape(-1)).max() <= F64_TOL * scale


def test_negative_control_single_precision_parameters_fail_the_float64_comparison():
    """The F64_TOL comparison is sharp: float64 derivatives at the parameters rounded to float32
    (relative change ~3e-8) are told apart from the mpmath ones at the exact parameters."""
    arch = Architecture((2, 3, 1), "tanh")
    params = Params.from_vector(arch, np.linspace(-1.3, 0.9, arch.n_params) + 0.01, dtype=float)
    d = Dataset([[0.4, -0.2], [-0.9, 0.3], [1.2, 0.8]], [[0.3], [-0.2], [0.5]])
    g_mp = np.array([float(v) for v in mlp.gradient(arch, params, d.x, d.y, dps=DPS)])
    vec32 = params.to_vector().astype(np.float32).astype(float)[None, :]
    g32 = batched.gradient(arch, vec32, d.x, d.y)[0]
    scale = 1 + float(mlp.loss(arch, params, d.x, d.y, dps=DPS)) + np.abs(g_mp).max()
    assert np.abs(g_mp - g32).max() > 1e3 * F64_TOL * scale
    # and at the exact parameters the same comparison passes
    g64 = batched.gradient(arch, params.to_vector().astype(float)[None, :], d.x, d.y)[0]
    assert np.abs(g_mp - g64).max() <= F64_TOL * scale


@pytest.mark.parametrize("widths,activation,bias", [((1, 2, 1), "tanh", True), ((2, 1, 2), "sigmoid", False),
                                                    ((1, 2, 1), "softplus", True)])
def test_gradient_and_hessian_match_sympy_differentiation(widths, activation, bias):
    arch = Architecture(widths, activation, bias)
    rng = np.random.default_rng(21)
    values = rng.normal(size=arch.n_params)
    params = Params.from_vector(arch, values, dtype=float)
    x, y = rng.normal(size=(3, arch.input_dim)), rng.normal(size=(3, arch.output_dim))
    # one symbolic sample (theta, x, y); L is a sum over samples, so derivatives add up
    symbols = sympy.symbols(f"t0:{arch.n_params}")
    xs, ys = sympy.symbols(f"x0:{arch.input_dim}"), sympy.symbols(f"y0:{arch.output_dim}")
    L = sym_loss(arch, Params.from_vector(arch, symbols), np.array([xs], dtype=object), np.array([ys], dtype=object))
    grad = [sympy.diff(L, s) for s in symbols]
    hess = [[sympy.diff(gi, s) for s in symbols] for gi in grad]
    evaluate = sympy.lambdify(list(symbols) + list(xs) + list(ys), [grad, hess], modules="mpmath")
    g, H = mlp.gradient_and_hessian(arch, params, x, y, dps=DPS)
    with workdps(DPS):
        theta = [mpmath.mpf(v) for v in values]
        parts = [evaluate(*theta, *map(mpmath.mpf, xi), *map(mpmath.mpf, yi)) for xi, yi in zip(x, y)]
        g_sym = [mpmath.fsum(p[0][k] for p in parts) for k in range(arch.n_params)]
        H_sym = [[mpmath.fsum(p[1][i][j] for p in parts) for j in range(arch.n_params)] for i in range(arch.n_params)]
        tol = rounding_band(DPS, 1 + mlp.loss(arch, params, x, y, dps=DPS) + max_abs(H), lost_digits=2)
        assert max(abs(g[k] - g_sym[k]) for k in range(arch.n_params)) <= tol
        assert max(abs(H[i, j] - H_sym[i][j]) for i in range(arch.n_params) for j in range(arch.n_params)) <= tol


@given(net=NETS, data=st.data())
def test_jacobian_transpose_residual_is_the_gradient_and_hessian_is_symmetric(net, data):
    arch, params = net
    d = data.draw(sf.datasets(arch, max_n=4))
    with workdps(DPS):
        J = mlp.jacobian(arch, params, d.x, dps=DPS)
        r = mlp.residuals(arch, params, d.x, d.y, dps=DPS).reshape(-1)
        g, H = mlp.gradient_and_hessian(arch, params, d.x, d.y, dps=DPS)
        tol = rounding_band(DPS, 1 + mlp.loss(arch, params, d.x, d.y, dps=DPS) + max_abs(H) + max_abs(J) ** 2,
                        lost_digits=2)
        assert max_abs(J.T @ r - g) <= tol
        assert max_abs(H - H.T) <= tol


def test_negative_control_wrong_activation_derivative_fails_finite_differences(monkeypatch):
    arch = Architecture((1, 2, 1), "tanh")
    params = Params.from_vector(arch, np.linspace(-1.3, 0.8, arch.n_params), dtype=float)
    d = Dataset([[0.4], [-0.9], [1.2]], [[0.3], [-0.2], [0.5]])
    true = activations.ACTIVATIONS["tanh"]

    def perturbed(z, world, order):
        value = true._rule(z, world, order)
        return value * (1 + mpmath.mpf("1e-3")) if order == 1 else value

    monkeypatch.setitem(activations.ACTIVATIONS, "tanh",
                        activations.Activation("tanh", perturbed, true.properties))
    g = mlp.gradient(arch, params, d.x, d.y, dps=FD_DPS)
    fd = fd_gradient(arch, params, d)  # the loss itself does not use phi'
    with workdps(FD_DPS):
        scale = 1 + mlp.loss(arch, params, d.x, d.y, dps=FD_DPS) + max_abs(g)
        assert max_abs(g - fd) > 1e10 * rounding_band(FD_DPS, scale, lost_digits=LOST)
