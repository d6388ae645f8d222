"""Ball engine (numerics.balls): enclosures contain mpmath values computed at higher precision."""

import mpmath
import numpy as np
import pytest
import sympy
from flint import arb, fmpq

from numerics import ball_functions as bf
from numerics import mlp
from numerics.balls import box, evaluate, to_ball
from numerics.precision import rounding_band
from theory.activations import ACTIVATION_NAMES
from theory.architecture import Architecture
from theory.errors import InvalidInput
from theory.params import Params

ORACLE_DPS = 90


def _problem(act, widths, seed, n=5):
    rng = np.random.default_rng(seed)
    arch = Architecture(widths, act)
    theta = [f"{v:.7f}" for v in rng.normal(size=arch.n_params)]
    x = [[f"{v:.3f}" for v in row] for row in rng.normal(size=(n, widths[0]))]
    y = [[f"{v:.3f}" for v in row] for row in rng.normal(size=(n, widths[-1]))]
    return arch, theta, x, y


def _oracle(arch, theta, x, y):
    p = Params.from_vector(arch, theta)
    g, H = mlp.gradient_and_hessian(arch, p, x, y, ORACLE_DPS)
    return mlp.loss(arch, p, x, y, ORACLE_DPS), g, H


def _holds(b, value):
    """b contains value up to the oracle's own error (10^-ORACLE_DPS relative)."""
    return b.overlaps(to_ball(value, rounding_band(ORACLE_DPS, max(1, abs(value)), 2)))


@pytest.mark.parametrize("act", ACTIVATION_NAMES)
@pytest.mark.parametrize("widths", [(1, 3, 1), (2, 3, 2, 2)])
def test_point_balls_contain_the_mpmath_values(act, widths):
    arch, theta, x, y = _problem(act, widths, seed=len(act) + len(widths))
    L, g, H = _oracle(arch, theta, x, y)
    with bf.ball_precision(256):
        e = evaluate(arch, theta, x, y)
    assert _holds(e.loss, L)
    assert all(_holds(e.gradient[k], g[k]) for k in range(arch.n_params))
    D = arch.n_params
    assert all(_holds(e.hessian[a, b], H[a, b]) for a in range(D) for b in range(D))
    # the enclosures are tight: 256 bits (77 digits) leave at least 60 correct digits relative to
    # the Hessian's scale (exp of a deep net reaches entries far above 1)
    scale = 1 + max(abs(H[a, b]) for a in range(D) for b in range(D))
    assert max(e.hessian[a, b].rad() for a in range(D) for b in range(D)) < arb("1e-60") * arb(mpmath.nstr(scale, 20))


@pytest.mark.parametrize("act", ["tanh", "gelu", "relu"])
def test_box_enclosure_contains_every_sampled_point(act):
    arch, theta, x, y = _problem(act, (1, 3, 1), seed=7)
    rad = "1e-6"
    with bf.ball_precision(200):
        e = evaluate(arch, box(theta, rad), x, y)
    rng = np.random.default_rng(1)
    for _ in range(3):
        with mpmath.workdps(ORACLE_DPS):
            point = [mpmath.mpf(t) + mpmath.mpf(rad) * mpmath.mpf(float(s)) for t, s in
                     zip(theta, rng.uniform(-1, 1, size=arch.n_params))]
        L, g, H = _oracle(arch, point, x, y)
        assert _holds(e.loss, L)
        assert all(_holds(e.gradient[k], g[k]) for k in range(arch.n_params))
        assert all(_holds(e.hessian[a, a], H[a, a]) for a in range(arch.n_params))


def test_radius_shrinks_with_precision():
    arch, theta, x, y = _problem("tanh", (1, 4, 1), seed=3)
    radii = []
    for bits in (80, 160, 320):
        with bf.ball_precision(bits):
            radii.append(max(b.rad() for b in evaluate(arch, theta, x, y, hessian=False).gradient))
    assert radii[1] < radii[0] * arb(2) ** -70
    assert radii[2] < radii[1] * arb(2) ** -150


def test_negative_control_a_wrong_curvature_is_caught(monkeypatch):
    """A broken phi'' (sign flipped) gives Hessian balls that exclude the true values."""
    arch, theta, x, y = _problem("tanh", (1, 3, 1), seed=5)
    L, g, H = _oracle(arch, theta, x, y)

    def broken(z):
        t, d1, d2 = bf._tanh(z)
        return t, d1, -d2

    monkeypatch.setitem(bf.BALL_ACTIVATIONS, "tanh", broken)
    with bf.ball_precision(200):
        e = evaluate(arch, theta, x, y)
    D = arch.n_params
    assert all(_holds(e.gradient[k], g[k]) for k in range(D))  # first order is untouched
    assert not all(_holds(e.hessian[a, b], H[a, b]) for a in range(D) for b in range(D))


def test_data_enter_as_balls_around_their_decimals():
    with bf.ball_precision(100):
        assert to_ball("0.5").rad() == 0 and to_ball("0.5") == arb(1) / 2
        tenth = to_ball("0.1")
    with bf.ball_precision(400):  # 1/10 itself as a (much thinner) ball
        assert tenth.rad() > 0 and tenth.contains(fmpq(1, 10))
    # an mpf is an exact dyadic number: radius 0 when the ball precision holds its mantissa,
    # and the nearest mpf to 1/10 does not contain 1/10 (negative control)
    with mpmath.workprec(200):
        near = mpmath.mpf("0.1")
    with bf.ball_precision(300):
        b = to_ball(near)
        assert b.rad() == 0 and not b.contains(fmpq(1, 10))


def test_relu_refuses_a_datum_on_a_kink():
    arch = Architecture((1, 1, 1), "relu")
    theta = ["1", "-0.5", "1", "0"]  # w x + b = 0 at x = 0.5
    with bf.ball_precision(100):
        with pytest.raises(bf.SignUndecided, match="datum 1, layer 0 unit 0"):
            evaluate(arch, theta, [["1"], ["0.5"]], [["0"], ["0"]])
        # a box whose pre-activations stay off the kink is fine
        e = evaluate(arch, box(theta, "1e-3"), [["1"], ["0.25"]], [["0"], ["0"]])
    assert e.loss.contains(arb("0.125"))


@pytest.mark.parametrize("act", sorted(bf.BALL_ACTIVATIONS))
def test_sympy_route_agrees_with_the_table(act):
    """The generic sympy -> arb evaluation of each activation's own definition (theory.activations)
    encloses the same values as its hand-written ball function."""
    generic = bf._from_definition(act)
    with bf.ball_precision(150):
        for z in ("-1.3", "0.2", "2.5"):
            for a, b in zip(bf.BALL_ACTIVATIONS[act](arb(z)), generic(arb(z))):
                assert a.overlaps(b)


def test_sympy_evaluator_whitelist_and_piecewise():
    z = sympy.Symbol("z", real=True)
    f = bf.sympy_ball_function(z * sympy.tanh(z) + sympy.Rational(1, 3) * sympy.exp(-z ** 2), z)
    with bf.ball_precision(150), mpmath.workdps(60):
        value = f(arb("0.7"))
        exact = mpmath.mpf("0.7") * mpmath.tanh(mpmath.mpf("0.7")) + mpmath.exp(-mpmath.mpf("0.49")) / 3
        assert value.overlaps(to_ball(exact, mpmath.mpf(10) ** -55))
        leaky = bf.sympy_ball_function(sympy.Piecewise((z, z > 0), (z / 10, True)), z)
        assert leaky(arb(-2)).contains(arb("-0.2"))
        with pytest.raises(bf.SignUndecided):
            leaky(arb(0, "1e-3"))
    with pytest.raises(InvalidInput, match="no ball evaluation"):
        bf.sympy_ball_function(sympy.gamma(z), z)
