"""Each activation's derivative formulas against sympy differentiation of its value formula,
and the float64 / mpmath worlds against each other."""

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import example, given, strategies as st

from theory.activations import ACTIVATION_NAMES, get_activation

z = sympy.Symbol("z", real=True)
SMOOTH = [n for n in ACTIVATION_NAMES if n != "relu"]


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
            assert abs(float(exact) - approx) <= 16 * np.finfo(float).eps * scale


@pytest.mark.parametrize("name", SMOOTH)
def test_mpmath_derivatives_match_mpmath_diff(name):
    """mpmath's own numerical differentiation (high precision) as an independent oracle."""
    act = get_activation(name)
    with mpmath.workdps(50):
        for point in ("-1.3", "0.2", "2.5"):
            x0 = mpmath.mpf(point)
            for order in (1, 2):
                numeric = mpmath.diff(lambda t: act(t), x0, order)
                assert abs(numeric - act.derivative(x0, order)) < mpmath.mpf(10) ** -35


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


def test_object_arrays_are_mapped_elementwise():
    act = get_activation("sigmoid")
    with mpmath.workdps(30):
        arr = np.array([mpmath.mpf("0.5"), mpmath.mpf("-1")], dtype=object)
        out = act(arr)
        assert out.dtype == object
        assert all(abs(o - 1 / (1 + mpmath.exp(-a))) < mpmath.mpf(10) ** -28 for o, a in zip(out, arr))
