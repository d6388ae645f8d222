"""Each activation's derivative formulas against sympy differentiation of its value formula,
and the float64 / mpmath worlds against each other."""

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import example, given, strategies as st

from numerics.precision import rounding_band
from theory.activations import EXAMPLES, get_activation

z = sympy.Symbol("z", real=True)
ACTIVATION_NAMES = EXAMPLES + ("expr:sin(x)*exp(-x*x/2)", "leaky_relu:0")
# expr: derivatives come from sympy.diff itself, so the formula test below would be circular;
# they meet mpmath.diff and float64 instead. relu's kink is tested separately.
SMOOTH = [n for n in ACTIVATION_NAMES if n != "relu" and not n.startswith("expr:")]
DIFFERENTIABLE = [n for n in ACTIVATION_NAMES if n != "relu"]
EPS = np.finfo(float).eps
# float64 evaluation of phi, phi', phi'' is a handful of correctly rounded elementary operations
# (exp/tanh/erf each within 1-2 ulp, a few products and sums): 16 ulp of max(1, |value|) bounds it.
F64_TOL = 16 * EPS


@pytest.mark.parametrize("name", SMOOTH)
@pytest.mark.parametrize("order", [1, 2])
def test_derivative_formula_is_the_derivative(name, order):
    act = get_activation(name)
    difference = sympy.diff(act(z), z, order) - act.derivative(z, order)
    assert sympy.simplify(difference.rewrite(sympy.exp)) == 0


def test_negative_control_a_wrong_derivative_is_caught():
    act = get_activation("tanh")
    wrong = act.d1(z) * (1 + z / 1000)
    assert sympy.simplify((sympy.diff(act(z), z) - wrong).rewrite(sympy.exp)) != 0


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
@given(value=st.floats(-8, 8, allow_nan=False))
@example(value=0.0)
@example(value=-1e-300)
def test_float64_agrees_with_mpmath(name, value):
    act = get_activation(name)
    with mpmath.workdps(40):
        for order in (0, 1, 2):
            exact = act.derivative(mpmath.mpf(value), order)
            approx = act.derivative(np.array([value]), order)[0]
            scale = max(1.0, abs(float(exact)))
            assert abs(float(exact) - approx) <= F64_TOL * scale


@pytest.mark.parametrize("name", [n for n in DIFFERENTIABLE if n not in ("identity", "leaky_relu:0")])
def test_negative_control_single_precision_argument_fails_the_float64_bound(name):
    """The 16-ulp bound is sharp: an mpmath oracle fed the argument rounded to single precision
    (a relative input error of about 3e-8) is rejected at some point, so the agreement above
    is not vacuous."""
    act = get_activation(name)
    points = np.linspace(-3, 3, 13) + 0.1
    with mpmath.workdps(40):
        worst = 0.0
        for v in points:
            for order in (0, 1, 2):
                exact = float(act.derivative(mpmath.mpf(float(np.float32(v))), order))
                approx = float(act.derivative(np.array([v]), order)[0])
                worst = max(worst, abs(exact - approx) / max(1.0, abs(exact)))
    assert worst > 100 * F64_TOL


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_mpmath_derivatives_match_mpmath_diff(name):
    """mpmath's own numerical differentiation (high precision) as an independent oracle.

    mpmath.diff evaluates phi at x +- k h with h = 2^-(prec + 10) at a working precision of
    (prec + 20)(order + 1) bits, so the difference quotient keeps the full dps digits and the
    O(h^2) truncation is far below them (measured error <= 3e-51 at dps 50); rounding_band(50, 1,
    lost_digits=2) = 1e-48 for these O(1) derivatives."""
    act = get_activation(name)
    dps, lost = 50, 2
    with mpmath.workdps(dps):
        tol = rounding_band(dps, 1, lost_digits=lost)
        for point in ("-1.3", "0.2", "2.5"):
            x0 = mpmath.mpf(point)
            for order in (1, 2):
                numeric = mpmath.diff(lambda t: act(t), x0, order)
                assert abs(numeric - act.derivative(x0, order)) < tol
                # negative control: a derivative off by 10^-40 is caught
                assert abs(numeric - (act.derivative(x0, order) + mpmath.mpf(10) ** -40)) > tol


def test_relu_piecewise_convention():
    act = get_activation("relu")
    for v in (-2.0, -1e-9, 1e-9, 3.0):
        assert act(v) == max(v, 0.0)
        assert act.d1(v) == (1.0 if v > 0 else 0.0)
        assert act.d2(v) == 0.0
    # the kink: derivative taken as 0 (documented convention)
    assert act.d1(0.0) == 0.0 and act.d1(mpmath.mpf(0)) == 0
    c = sympy.Symbol("c", positive=True)
    for zs in (sympy.Symbol("zp", positive=True), sympy.Symbol("zn", negative=True)):
        assert sympy.simplify(act(c * zs) - c * act(zs)) == 0
    # negative control: homogeneity needs c > 0 (relu(-c z) = 0 != -c relu(z) for z > 0)
    zp = sympy.Symbol("zp", positive=True)
    assert sympy.simplify(act(-c * zp) - (-c) * act(zp)) != 0


def test_object_arrays_are_mapped_elementwise():
    act = get_activation("sigmoid")
    with mpmath.workdps(30):
        arr = np.array([mpmath.mpf("0.5"), mpmath.mpf("-1")], dtype=object)
        out = act(arr)
        assert out.dtype == object  # mpmath numbers stay mpmath numbers (no float64 round trip)
        tol = rounding_band(30, 1, lost_digits=2)  # sigmoid in (0, 1): a few roundings at 30 digits
        assert all(abs(o - 1 / (1 + mpmath.exp(-a))) < tol for o, a in zip(out, arr))
        # negative control: the float64 value of the same sigmoid is ~1e-17 off, far above tol
        assert any(abs(mpmath.mpf(float(o)) - o) > tol for o in out)
