"""numerics.newton.iterate, the one Newton loop, against an exact root.

The system F(x, y) = (x^2 - 2 y^2, y^2 + y - 2) has the root (sqrt 2, 1) (y^2 + y - 2 = (y + 2)(y - 1)),
computed independently by mpmath.sqrt at the working precision. Newton's theorem predicts
quadratic convergence there: e_{k+1} <= C e_k^2 with C about ||J^-1|| max|F''| / 2 < 2 (J^-1 at the
root has row sums below 0.9, second derivatives at most 4); the test allows C = 4. Negative controls:
a Jacobian twice too large halves every step (linear convergence with ratio 1/2, so the budget runs
out far from the root), and a singular Jacobian stops the loop before any step.
"""

from fractions import Fraction

import mpmath
import numpy as np
import pytest
from flint import arb, arb_mat

from numerics import newton
from numerics.ball_functions import ball_precision, bits_for
from numerics.precision import newton_target, workdps
from numerics.training.polish import _lu_solve

DPS = 60


def residual(x, y):
    return [x * x - 2 * y * y, y * y + y - 2]


def jacobian(x, y):
    return [[2 * x, -4 * y], [0 * x, 2 * y + 1]]


def _mp_run(start, jac=jacobian, max_steps=12):
    """Newton in mpmath at DPS digits; returns the result and every iterate."""
    history = [start]

    def solve(F, J):
        try:
            return mpmath.lu_solve(mpmath.matrix(J), mpmath.matrix([-f for f in F]))
        except ZeroDivisionError:
            return None

    def update(state, delta):
        moved = (state[0] + delta[0], state[1] + delta[1])
        history.append(moved)
        return moved, True

    target = newton_target(DPS)
    found = newton.iterate(start, evaluate=lambda s: (residual(*s), jac(*s)), solve=solve, update=update,
                           stop=lambda s: max(abs(f) for f in residual(*s)) < target, max_steps=max_steps)
    return found, history


def _errors(history):
    root = (mpmath.sqrt(2), mpmath.mpf(1))
    return [max(abs(s[0] - root[0]), abs(s[1] - root[1])) for s in history]


def test_quadratic_convergence_to_the_exact_root_in_mpmath():
    with workdps(DPS):
        found, history = _mp_run((mpmath.mpf("1.6"), mpmath.mpf("1.3")))
        errors = _errors(history)
        assert found.converged and found.reason == newton.CONVERGED
        assert found.steps == len(history) - 1 <= 8
        assert errors[-1] < newton_target(DPS)  # the root itself, not only a small residual
        # balls stay balls, mpf stays mpf: no float enters the working precision
        assert all(isinstance(v, mpmath.mpf) for s in history for v in s)
        quadratic = [(a, b) for a, b in zip(errors, errors[1:]) if a < mpmath.mpf("0.1") and b > 10 ** -(DPS - 8)]
        assert len(quadratic) >= 2  # the asymptotic regime is actually observed
        for a, b in quadratic:
            assert b <= 4 * a * a, (a, b)


def test_ball_world_reaches_the_same_root():
    """The same loop on python-flint balls (midpoint solve, as the certifier does): the iterates stay
    balls and agree with mpmath's sqrt(2) to the working precision."""
    target = arb(newton_target(DPS))
    with ball_precision(bits_for(DPS)):
        def solve(F, J):
            return arb_mat([[J[0][0], J[0][1]], [J[1][0], J[1][1]]]).mid().solve(arb_mat([[f.mid()] for f in F]))

        def update(state, step):
            return (state[0] - step[0, 0], state[1] - step[1, 0]), True

        found = newton.iterate((arb("1.6"), arb("1.3")), evaluate=lambda s: (residual(*s), jacobian(*s)),
                               solve=solve, update=update, stop=lambda s: max(abs(f) for f in residual(*s)) < target,
                               max_steps=12)
        x, y = found.state
    assert found.converged and isinstance(x, arb) and isinstance(y, arb)
    with workdps(DPS + 10):
        assert abs(mpmath.mpf(x.mid().str(DPS + 10, radius=False)) - mpmath.sqrt(2)) < newton_target(DPS)
        assert abs(mpmath.mpf(y.mid().str(DPS + 10, radius=False)) - 1) < newton_target(DPS)


def test_negative_control_wrong_jacobian_does_not_converge():
    def doubled(x, y):
        return [[2 * v for v in row] for row in jacobian(x, y)]

    with workdps(DPS):
        found, history = _mp_run((mpmath.mpf("1.6"), mpmath.mpf("1.3")), jac=doubled)
        errors = _errors(history)
        assert not found.converged and found.reason == newton.BUDGET and found.steps == 12
        assert errors[-1] > mpmath.mpf(10) ** -8  # nowhere near the target
        # half steps: e_{k+1} / e_k -> 1/2, linear: the quadratic bound of the test above fails
        assert abs(errors[-1] / errors[-2] - mpmath.mpf("0.5")) < mpmath.mpf("0.01")
        assert all(b > 4 * a * a for a, b in zip(errors[-4:], errors[-3:]))


def test_negative_control_singular_jacobian_stops_before_a_step():
    with workdps(DPS):
        start = (mpmath.mpf("1.6"), mpmath.mpf("-0.5"))  # det J = 2 x (2 y + 1) = 0
        found, history = _mp_run(start)
    assert found.reason == newton.SINGULAR and found.steps == 0 and found.state == start and len(history) == 1


@pytest.mark.parametrize("gain, reason", [(True, newton.CONVERGED), (False, newton.STALLED)])
def test_update_may_end_the_loop(gain, reason):
    """``update`` returning go_on False ends the loop after that step; the result says whether the
    stop rule holds at the state it returned (exact arithmetic on integers)."""
    found = newton.iterate(10, evaluate=lambda s: (s - 3, 1), solve=lambda F, J: -F // J,
                           update=lambda s, d: ((s + d) if gain else s, False), stop=lambda s: s == 3, max_steps=5)
    assert (found.state, found.steps, found.reason) == ((3 if gain else 10), 1, reason)


def test_working_precision_solve_is_the_exact_solve_and_refuses_singular_hessians():
    """polish's mpmath solve against Fractions: -H^-1 g exactly for a regular H; None (stop as
    singular) for a rank-deficient H and for one with a zero column, which mpmath's LU cannot pivot."""
    g = np.array([mpmath.mpf(1), mpmath.mpf(-2)], dtype=object)
    with workdps(40):
        H = np.array([[mpmath.mpf(2), mpmath.mpf(1)], [mpmath.mpf(1), mpmath.mpf(3)]], dtype=object)
        delta = _lu_solve(g, H)
        exact = (Fraction(-1), Fraction(1))  # -H^-1 g, with H^-1 = [[3, -1], [-1, 2]] / 5
        assert all(abs(d - mpmath.mpf(e.numerator) / e.denominator) <= newton_target(40) for d, e in zip(delta, exact))
        for singular in ([[0, 2], [0, 3]], [[1, 2], [2, 4]]):
            assert _lu_solve(g, np.array([[mpmath.mpf(v) for v in row] for row in singular], dtype=object)) is None
