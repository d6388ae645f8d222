"""Each activation's stated properties against numbers computed from its values, and the
applicability table against what those properties mean."""

import mpmath
import pytest
import sympy

from theory.activation_properties import STATEMENT_KEYS, Properties, applicability, holds, render_table
from theory.activations import EXAMPLES, get_activation

NAMES = EXAMPLES + ("leaky_relu:0", "poly:1,2", "poly:0,3", "expr:x**2*exp(x)", "expr:2*x")
DPS = 40
POINTS = ("-2.3", "-0.6", "0.45", "1.7")
SCALES = ("0.5", "3")


def _close(a, b, tol):
    return abs(a - b) <= tol * (1 + abs(a) + abs(b))


def measured(name) -> Properties:
    """The properties read off values at 40 digits (an oracle independent of the stated table)."""
    act = get_activation(name)
    with mpmath.workdps(DPS):
        tol = mpmath.mpf(10) ** (-DPS + 5)
        pts = [mpmath.mpf(p) for p in POINTS]
        h = mpmath.mpf(10) ** -20
        jump1 = abs(act.d1(h) - act.d1(-h))
        jump2 = abs(act.d2(h) - act.d2(-h))
        smoothness = "C0" if jump1 > mpmath.mpf(10) ** -10 else ("C1" if jump2 > mpmath.mpf(10) ** -10 else "C2")
        linear = all(abs(act.d2(p)) <= tol for p in pts)
        dead = all(abs(act(-mpmath.mpf(p))) <= tol and abs(act.d1(-mpmath.mpf(p))) <= tol for p in ("0.4", "3"))
        vanishes = abs(act(mpmath.mpf(0))) <= tol
        homogeneous = all(_close(act(mpmath.mpf(c) * p), mpmath.mpf(c) * act(p), tol) for c in SCALES for p in pts)
        stationary = smoothness == "C2" and abs(act.d1(mpmath.mpf(0))) <= tol
    return Properties(smoothness, linear, dead, vanishes, homogeneous, stationary)


@pytest.mark.parametrize("name", NAMES)
def test_stated_properties_match_the_values(name):
    assert get_activation(name).properties == measured(name)


def test_negative_control_a_wrong_statement_is_caught():
    stated = get_activation("leaky_relu:0.1").properties
    wrong = Properties(stated.smoothness, stated.piecewise_linear, True, stated.vanishes_at_zero,
                       stated.positively_homogeneous)
    assert wrong != measured("leaky_relu:0.1")


def test_statements_follow_the_properties():
    leaky, relu = get_activation("leaky_relu:0.1").properties, get_activation("relu").properties
    # leaky ReLU has no dead zone, so Thm 9's semi-flat minima (T6) and the flat trace (T9-flat) do not arise
    assert not holds(leaky, "T6") and holds(relu, "T6")
    assert not holds(leaky, "T9-flat") and holds(relu, "T9-flat")
    # both are piecewise linear and homogeneous: T7 and T8 hold, the FA table (A_j != 0) does not
    assert holds(leaky, "T7") and holds(leaky, "T8") and not holds(leaky, "T4a")
    tanh, sigmoid, square = (get_activation(n).properties for n in ("tanh", "sigmoid", "square"))
    assert holds(tanh, "T3-nobias") and not holds(sigmoid, "T3-nobias")  # phi(0) = 0 or not
    assert holds(square, "T3-b0") and not holds(tanh, "T3-b0")  # phi'(0) = 0 or not
    for key, ok, why in applicability(sigmoid):
        assert ok or why, f"{key} fails without a reason"


def test_every_statement_key_is_known():
    with pytest.raises(KeyError):
        holds(get_activation("tanh").properties, "T99")
    assert len(set(STATEMENT_KEYS)) == len(STATEMENT_KEYS)


def test_table_has_one_row_per_activation_and_a_column_per_statement():
    acts = [get_activation(n) for n in EXAMPLES]
    table = render_table(acts).split("\n\n")[0].splitlines()
    assert len(table) == 2 + len(acts)
    header = [c.strip() for c in table[0].strip("|").split("|")]
    assert header[-len(STATEMENT_KEYS):] == list(STATEMENT_KEYS)
    row = dict(zip(header, [c.strip() for c in table[2 + EXAMPLES.index("leaky_relu:0.1")].strip("|").split("|")]))
    assert row["dead zone"] == "-" and row["T6"] == "-" and row["T8"] == "yes"


def test_architecture_keeps_activation_names_hashable_and_canonical():
    from theory.architecture import Architecture

    a = Architecture((1, 2, 1), " leaky_relu: 0.1 ")
    b = Architecture((1, 2, 1), "leaky_relu:0.1")
    assert a == b and hash(a) == hash(b) and a.activation == "leaky_relu:0.1"
    assert a.phi is get_activation("leaky_relu:0.1")
    z = sympy.Symbol("z", real=True)
    assert sympy.simplify(Architecture((1, 2, 1), "expr:x*tanh(x)").phi(z) - z * sympy.tanh(z)) == 0


@pytest.mark.parametrize("spec, needle", [
    ("leaky_relu:1", "0 <= A < 1"), ("leaky_relu:-0.1", "0 <= A < 1"), ("leaky_relu:abc", "not a decimal"),
    ("poly:1", "2 to 9"), ("poly:1,0,0", "constant"), ("poly:" + ",".join(["1"] * 10), "2 to 9"),
    ("swish", "not known"), ("expr:", "needs an expression"),
])
def test_bad_family_members_are_refused_with_a_reason(spec, needle):
    from theory.errors import InvalidArchitecture

    with pytest.raises(InvalidArchitecture, match=needle):
        get_activation(spec)
