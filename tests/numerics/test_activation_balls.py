"""The ball world of every activation (the sympy -> arb route of numerics.ball_functions applied to
each activation's one definition) against mpmath at 60 digits, with a negative control."""

import mpmath
import pytest
from flint import arb

from numerics import ball_functions as bf
from theory.activations import EXAMPLES, get_activation

POINTS = ("-1.3", "0.2", "2.5")


def _mp_ball(value, radius):
    return arb(mpmath.nstr(value, 70), mpmath.nstr(radius, 5))


@pytest.mark.parametrize("name", EXAMPLES)
def test_ball_enclosures_contain_the_mpmath_values(name):
    act, ball = get_activation(name), bf.ball_activation(name)
    with bf.ball_precision(250), mpmath.workdps(60):
        radius = mpmath.mpf(10) ** -55 * 10
        for z in POINTS:
            enclosures = ball(arb(z))
            for order, enclosure in enumerate(enclosures):
                exact = act.derivative(mpmath.mpf(z), order)
                assert enclosure.overlaps(_mp_ball(exact, radius * (1 + abs(exact))))
                assert enclosure.rad() < 1e-50 * (1 + abs(float(exact)))  # tight, not a vacuous ball
                # negative control: a value moved by 10^-40 lies outside the enclosure
                assert not enclosure.overlaps(_mp_ball(exact + mpmath.mpf(10) ** -40, radius))


@pytest.mark.parametrize("name", ["leaky_relu:0.1", "selu", "softsign"])
def test_ball_on_a_kink_is_undecided(name):
    with bf.ball_precision(200):
        with pytest.raises(bf.SignUndecided):
            bf.ball_activation(name)(arb(0, 1e-10))


def _same(a, b) -> bool:
    """The same ball: equal midpoints and equal radii (exact comparisons of binary numbers)."""
    return bool(a.mid() == b.mid() and a.rad() == b.rad())


@pytest.mark.parametrize("name", sorted(bf.BALL_ACTIVATIONS) + ["silu", "expr:x**3/3 + x"])
def test_fewer_derivatives_are_the_leading_entries(name):
    """``upto`` = 0 or 1 returns exactly the first entries of the full triple (the residuals of
    training ask for phi alone); the triple itself is checked against mpmath above."""
    ball = bf.ball_activation(name)
    with bf.ball_precision(200):
        for z in ("-1.3", "0.2", "2.5"):
            full = ball(arb(z))
            for upto in (0, 1):
                part = ball(arb(z), upto)
                assert len(part) == upto + 1
                assert all(_same(a, b) for a, b in zip(part, full))
        # negative control: the comparison tells a derivative from the value
        assert not _same(ball(arb("2.5"))[1], ball(arb("2.5"))[0])
