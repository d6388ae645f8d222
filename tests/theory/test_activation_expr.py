"""The restricted expression parser: what it builds (against sympy constructed by hand), what it
refuses (hostile and runaway input, each with a message naming the offending token), and the
lambdified worlds against high-precision finite differences."""

import mpmath
import numpy as np
import pytest
import sympy

from theory.activation_expr import MAX_DEPTH, MAX_LENGTH, X, ExpressionError, parse
from theory.activations import get_activation


@pytest.mark.parametrize("text, expected", [
    ("x*tanh(log(1+exp(x)))", X * sympy.tanh(sympy.log(1 + sympy.exp(X)))),
    ("-x**2", -(X ** 2)),
    ("2**-x", 2 ** (-X)),
    ("x**3**2", X ** 9),
    ("1e-3*x + .5", sympy.Rational(1, 1000) * X + sympy.Rational(1, 2)),
    ("sigmoid(x)*x", X / (1 + sympy.exp(-X))),
    ("softplus(x) - pi", sympy.log(1 + sympy.exp(X)) - sympy.pi),
    ("  x / (1 + x*x)  ", X / (1 + X * X)),
    ("erf(x/sqrt(2))", sympy.erf(X / sympy.sqrt(2))),
])
def test_parser_builds_the_sympy_expression(text, expected):
    assert sympy.simplify(parse(text) - expected) == 0


@pytest.mark.parametrize("text, needle", [
    ("__import__('os')", "'__import__' at position 0"),
    ("__import__(\"os\").system(\"ls\")", "'__import__'"),
    ("x.real", "'.' at position 1"),
    ("(x).__class__", "'.' at position 3"),
    ("lambda: x", "'lambda'"),
    ("exec(x)", "'exec'"),
    ("eval('x')", "'eval'"),
    ("x if x else 0", "'if'"),
    ("[x for x in ()]", "'\\['"),
    ("x; x", "';'"),
    ("x**99999999", "too large"),
    ("9**9**9", "too large"),
    ("(10**64)**64", "exceeds 10\\^300"),
    ("1e99999*x", "out of range"),
    ("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), "deeper"),
    ("-" * (MAX_DEPTH + 1) + "x", "deeper"),
    ("x+" * (MAX_LENGTH // 2) + "x", "characters long"),
    ("abs(x)", "must be smooth"),
    ("max(x, 0)", "must be smooth"),
    ("x^2", "use \\*\\* for powers"),
    ("sin(x, 2)", "','"),
    ("sin x", "expected '\\('"),
    ("1/0", "division by zero"),
    ("0**-1", "undefined"),
    ("3", "does not depend on x"),
    ("y*x", "'y'"),
    ("exp(", "found the end"),
    ("x)", "unexpected '\\)'"),
])
def test_parser_refuses_with_a_message_naming_the_token(text, needle):
    with pytest.raises(ExpressionError, match=needle):
        parse(text)


def test_negative_control_the_refusal_is_not_a_blanket_one():
    """Near-misses of the hostile strings are accepted: the parser refuses tokens, not shapes."""
    assert parse("exp(x)") == sympy.exp(X)
    assert parse("x**64") == X ** 64
    assert parse("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH) == X


def test_expression_worlds_agree_with_finite_differences():
    act = get_activation("expr:x*tanh(log(1+exp(x)))")
    with mpmath.workdps(50):
        tol = mpmath.mpf(10) ** -45
        for point in ("-1.7", "0.3", "2.2"):
            x0 = mpmath.mpf(point)
            for order in (1, 2):
                numeric = mpmath.diff(lambda t: act(t), x0, order)
                assert abs(numeric - act.derivative(x0, order)) < tol
                assert abs(numeric - act.derivative(x0, order) * (1 + mpmath.mpf(10) ** -30)) > tol  # control
            assert abs(float(act(x0)) - float(act(np.array([float(point)]))[0])) < 1e-14


def test_mpmath_world_refuses_non_real_values():
    act = get_activation("expr:sqrt(x)")
    with mpmath.workdps(30):
        assert abs(act(mpmath.mpf(4)) - 2) < mpmath.mpf(10) ** -25
        with pytest.raises(ExpressionError, match="not real"):
            act(mpmath.mpf(-1))
        with pytest.raises(ExpressionError, match="cannot be evaluated"):
            get_activation("expr:1/x")(mpmath.mpf(0))


def test_expression_constants_follow_the_working_precision():
    """Constants are exact rationals and pi: nothing is frozen at float64 or at parse time."""
    act = get_activation("expr:0.1*x + pi")
    with mpmath.workdps(60):
        value = act(mpmath.mpf(1))
        assert abs(value - (mpmath.mpf(1) / 10 + mpmath.pi)) < mpmath.mpf(10) ** -58
        assert abs(value - (mpmath.mpf(0.1) + mpmath.pi)) > mpmath.mpf(10) ** -20  # the float 0.1 is visibly off
