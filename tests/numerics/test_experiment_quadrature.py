"""Generalization-error quadrature against independent oracles (docs/experiment.md, P5).

Oracles: exact rational integration of piecewise-linear differences (fractions), mpmath.quad
at 30 digits, the closed-form antiderivative of relu^2, and Monte Carlo within its standard error.
Negative control: Simpson's rule *without* the kinks as breakpoints is not exact.
"""

from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from numerics.experiment import generalization as gen

EPS = np.finfo(float).eps
# A quadrature here is a weighted float64 sum of <= ~10^4 positive terms evaluated to a few ulp
# each; numpy's pairwise summation keeps the relative error at a few ulp as well (measured worst
# case 3.2 eps over the thorough hypothesis profile): 64 eps relative. Exact values near 0 are
# compared absolutely, to a few ulp of the O(1) integrand.
REL = 64 * EPS


def _relu_net(rng, H):
    return rng.normal(size=(1, H)), rng.normal(size=(1, H)), rng.normal(size=(1, H)), rng.normal(size=1)


def _exact_relu_G(w, b, v, c, tw, tb, tv, tc, lo=-1.0, hi=1.0):
    """Exact rational value of mean_x (f - f*)^2 for ReLU f and teacher: for a linear piece with
    end values p, q on [l, r], int (.)^2 = (r - l)(p^2 + p q + q^2)/3."""
    F = Fraction
    units = [(F(a), F(bb), F(vv)) for a, bb, vv in zip(w, b, v)] + [(F(a), F(bb), -F(vv)) for a, bb, vv in zip(tw, tb, tv)]
    const = F(c) - F(tc)
    cuts = sorted({F(lo), F(hi)} | {-bb / a for a, bb, _ in units if a != 0 and F(lo) < -bb / a < F(hi)})

    def d(x):
        return const + sum(vv * max(a * x + bb, F(0)) for a, bb, vv in units)

    total = sum((r - l) * (d(l) ** 2 + d(l) * d(r) + d(r) ** 2) / 3 for l, r in zip(cuts[:-1], cuts[1:]))
    return total / (F(hi) - F(lo))


@settings(max_examples=25)
@given(seed=st.integers(0, 10_000), H=st.integers(1, 12))
def test_relu_piecewise_simpson_is_exact(seed, H):
    rng = np.random.default_rng(seed)
    w, b, v, c = _relu_net(rng, H)
    teacher = (np.array([1.0]), np.array([0.2]), np.array([-0.7]), 0.1)
    kinks = np.concatenate([-b / w, -teacher[1] / teacher[0]], axis=None).reshape(1, -1)
    nodes, weights = gen.simpson_nodes(kinks, -1.0, 1.0)
    f = gen.nested_outputs("relu", w, b, v, c, nodes, [H])
    ft = teacher[3] + np.sum(teacher[2][:, None] * np.maximum(np.outer(teacher[0], nodes[0]) + teacher[1][:, None], 0), axis=0)
    G = gen.mean_squared(f - ft[None, None, :], weights)[0, 0]
    exact = float(_exact_relu_G(w[0], b[0], v[0], c[0], *teacher))
    assert G == pytest.approx(exact, rel=REL, abs=4 * EPS)


def test_simpson_without_kinks_is_not_exact():
    """Negative control: drop the breakpoints and Simpson's rule misses the kinks."""
    rng = np.random.default_rng(3)
    w, b, v, c = _relu_net(rng, 6)
    teacher = (np.array([1.0]), np.array([0.0]), np.array([1.0]), 0.0)
    exact = float(_exact_relu_G(w[0], b[0], v[0], c[0], *teacher))
    nodes, weights = gen.simpson_nodes(np.zeros((1, 0)), -1.0, 1.0)
    f = gen.nested_outputs("relu", w, b, v, c, nodes, [6])
    ft = np.maximum(nodes[0], 0)
    G = gen.mean_squared(f - ft[None, None, :], weights)[0, 0]
    assert abs(G - exact) > 1e-6 * exact


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "softplus"])
def test_gauss_legendre_matches_mpmath(activation):
    rng = np.random.default_rng(11)
    H = 5
    w, b, v = 4 * rng.normal(size=(1, H)), rng.normal(size=(1, H)), rng.normal(size=(1, H))
    c = np.array([0.3])
    nodes, weights = gen.gauss_legendre_nodes(-1.0, 1.0, 200)
    f = gen.nested_outputs(activation, w, b, v, c, nodes, [H])
    G = gen.mean_squared(f - np.tanh(nodes)[None, None, :], weights)[0, 0]
    phi = {"tanh": mpmath.tanh, "sigmoid": lambda z: 1 / (1 + mpmath.exp(-z)),
           "softplus": lambda z: mpmath.log1p(mpmath.exp(z))}[activation]
    with mpmath.workdps(30):
        fn = lambda x: (c[0] + sum(v[0, j] * phi(w[0, j] * x + b[0, j]) for j in range(H)) - mpmath.tanh(x)) ** 2
        oracle = mpmath.quad(fn, mpmath.linspace(-1, 1, 9)) / 2
    assert G == pytest.approx(float(oracle), rel=REL)


def test_monte_carlo_agrees_with_quadrature_within_its_error():
    rng = np.random.default_rng(5)
    w, b, v, c = 3 * rng.normal(size=(1, 5)), rng.normal(size=(1, 5)), rng.normal(size=(1, 5)), np.array([0.0])
    gl, glw = gen.gauss_legendre_nodes(-1.0, 1.0, 200)
    G = gen.mean_squared(gen.nested_outputs("tanh", w, b, v, c, gl, [5]) - np.tanh(gl), glw)[0, 0]
    mc, mcw = gen.monte_carlo_nodes(-1.0, 1.0, 200_000, seed=1)
    sq = ((gen.nested_outputs("tanh", w, b, v, c, mc, [5]) - np.tanh(mc)) ** 2)[0, 0]
    se = sq.std() / np.sqrt(sq.size)
    assert abs(sq.mean() - G) < 4 * se
    assert gen.mean_squared(gen.nested_outputs("tanh", w, b, v, c, mc, [5]) - np.tanh(mc), mcw)[0, 0] == pytest.approx(sq.mean(), rel=REL)


@settings(max_examples=30)
@given(w=st.floats(-5, 5), b=st.floats(-5, 5))
def test_relu_square_mean_closed_form(w, b):
    with mpmath.workdps(30):
        pts = [-1, 1] + ([-b / w] if w != 0 and -1 < -b / w < 1 else [])
        oracle = mpmath.quad(lambda x: max(w * x + b, 0) ** 2, sorted(pts)) / 2
    assert gen.relu_square_mean(w, b, -1.0, 1.0) == pytest.approx(float(oracle), rel=REL, abs=32 * EPS)


def test_negative_control_relu_square_mean_sees_the_kink():
    """The closed form is not the unclamped mean of (w x + b)^2 once the kink is inside [-1, 1]."""
    w, b = 1.5, 0.3  # kink at -0.2
    unclamped = w * w / 3 + b * b  # mean over [-1, 1] of (w x + b)^2
    with mpmath.workdps(30):
        oracle = mpmath.quad(lambda x: max(w * x + b, 0) ** 2, [-1, -b / w, 1]) / 2
    assert gen.relu_square_mean(w, b, -1.0, 1.0) == pytest.approx(float(oracle), rel=REL)
    assert abs(gen.relu_square_mean(w, b, -1.0, 1.0) - unclamped) > 1e3 * REL * unclamped


def test_quadrature_error_estimate_is_tiny_for_smooth_nets():
    """Doubling 200 panels changes G by far less than the statistics resolve (< 1e-10 relative)."""
    rng = np.random.default_rng(2)
    w, b, v, c = 5 * rng.normal(size=(4, 8)), rng.normal(size=(4, 8)), rng.normal(size=(4, 8)), np.zeros(4)
    est = gen.quadrature_error_estimate("tanh", w, b, v, c, np.tanh, -1.0, 1.0, 200, [5, 8])
    assert est < 1e-10
    assert gen.quadrature_error_estimate("tanh", w, b, v, c, np.tanh, -1.0, 1.0, 2, [5, 8]) > 1e-8  # negative control
