"""Exact 1-D ReLU interpolation (numerics.training.relu1d).

Oracles: (1) an independent unit-based formulation decided by exact linear programming (sympy):
every unit's kink in a closed gap (or outside the data), facing left or right, with the sign of
its slope fixed, makes the fit conditions linear; (2) exact evaluation of the fitted network in
sympy rationals through theory.network.forward.
"""

import itertools
import random
from fractions import Fraction as F

import numpy as np
import pytest
import sympy
from sympy.solvers.simplex import InfeasibleLPError, lpmin

from numerics.teacher import teacher_data
from numerics.training import relu1d
from theory.architecture import Architecture
from theory.network import forward
from theory.params import Params


def _lp_feasible(x, y, hidden):
    """Can ``hidden`` ReLU units interpolate (x, y)? Exhaustive over unit placements, exact LP."""
    n = len(x)
    xs, ys = [sympy.Rational(v) for v in x], [sympy.Rational(v) for v in y]
    opts = [(kind, g, s) for s in (1, -1) for kind, gaps in (("R", range(-1, n - 1)), ("L", range(0, n)))
            for g in gaps]
    ps, qs, c = sympy.symbols(f"p0:{hidden}"), sympy.symbols(f"q0:{hidden}"), sympy.Symbol("c")
    unknowns = list(ps) + list(qs) + [c]
    for combo in itertools.combinations_with_replacement(range(len(opts)), hidden):
        vals, cons = [c] * n, []
        for j, o in enumerate(combo):
            kind, g, s = opts[o]
            p, q = ps[j], qs[j]
            for i in range(n):
                if (i >= g + 1) if kind == "R" else (i <= g):
                    vals[i] = vals[i] + p * xs[i] + q
            cons.append(s * p >= 0)  # unit value p*x + q on its active side, kink t = -q/p
            if g >= 0:
                cons.append(s * (p * xs[g] + q) <= 0)
            if g + 1 <= n - 1:
                cons.append(s * (p * xs[g + 1] + q) >= 0)
        sols = sympy.linsolve([vals[i] - ys[i] for i in range(n)], unknowns)
        if sols == sympy.EmptySet:
            continue
        (sol,) = tuple(sols)
        ineq = [ci.subs(dict(zip(unknowns, sol))) for ci in cons]
        if any(i == sympy.false for i in ineq):
            continue
        ineq = [i for i in ineq if i != sympy.true]
        if not ineq:
            return True
        try:
            lpmin(0, ineq)
            return True
        except InfeasibleLPError:
            continue
    return False


def _exact_outputs(vector, x):
    """theory.network.forward on sympy rationals (relu is a Piecewise there): exact."""
    H = (len(vector) - 1) // 3
    arch = Architecture((1, H, 1), "relu")
    params = Params.from_vector(arch, np.array([sympy.Rational(v.numerator, v.denominator) for v in vector],
                                               dtype=object))
    xs = np.array([[sympy.Rational(F(v).numerator, F(v).denominator)] for v in x], dtype=object)
    return list(forward(arch, params, xs)[:, 0])


def _random_cases(count, seed, n=4):
    rng = random.Random(seed)
    for _ in range(count):
        x = sorted(rng.sample(range(-6, 7), n))
        yield [F(v) for v in x], [F(rng.randint(-3, 3)) for _ in range(n)]


PINNED = [
    ([F(-6), F(-2), F(0), F(6)], [F(1), F(0), F(0), F(3)]),   # needs 2 kinks
    ([F(-2), F(-1), F(1), F(3)], [F(-2), F(1), F(-2), F(-1)]),  # zig-zag
    ([F(0), F(1), F(2), F(3)], [F(0), F(1), F(2), F(3)]),     # collinear: 0 kinks
    ([F(-1), F(0), F(1), F(2)], [F(0), F(0), F(1), F(2)]),    # a ReLU itself: 1 kink, 1 unit
    ([F(0), F(1), F(2), F(3), F(4)], [F(0), F(1), F(2), F(4), F(6)]),  # 1 pinned kink, outer slopes 1, 2
]


def test_boundary_case_one_kink_but_outer_slopes_nonzero_needs_two_units():
    x, y = PINNED[-1]
    assert relu1d.Interpolation(x, y).min_kinks() == 1
    refused = relu1d.fit(x, y, 1)
    assert not refused.feasible and "at least 2" in refused.certificate
    assert relu1d.minimal_width(x, y)[0] == 2


@pytest.mark.parametrize("x,y,hidden", [(x, y, 1) for x, y in PINNED + list(_random_cases(3, seed=11))]
                         + [(x, y, 2) for x, y in PINNED[:2] + list(_random_cases(1, seed=11))])
def test_feasibility_agrees_with_exhaustive_lp(x, y, hidden):
    res = relu1d.fit(x, y, hidden)
    assert res.feasible == _lp_feasible(x, y, hidden)


@pytest.mark.slow
@pytest.mark.parametrize("x,y", list(_random_cases(25, seed=5)) + list(_random_cases(8, seed=6, n=5)))
def test_feasibility_agrees_with_exhaustive_lp_many(x, y):
    for hidden in (1, 2):
        assert relu1d.fit(x, y, hidden).feasible == _lp_feasible(x, y, hidden)


def _brute_min_kinks(x, y, grid_per_gap=3):
    """Upper bound on the min number of kinks: knots from a grid (data points and points inside
    each gap), least-squares CPWL spline solved exactly; the first k with zero residual."""
    xs = [F(v) for v in x]
    cands = xs[1:-1] + [xs[i] + (xs[i + 1] - xs[i]) * F(j, grid_per_gap + 1)
                        for i in range(len(xs) - 1) for j in range(1, grid_per_gap + 1)]
    for k in range(len(xs)):
        for knots in itertools.combinations(cands, k):
            A = sympy.Matrix([[1, xv] + [max(xv - t, 0) for t in knots] for xv in xs])
            sol = sympy.linsolve((A, sympy.Matrix(y)))
            if sol != sympy.EmptySet:
                return k
    return len(xs)


@pytest.mark.parametrize("seed", range(3))
def test_min_kinks_is_at_most_a_grid_search_and_realised_exactly(seed):
    rng = random.Random(seed)
    x = sorted(rng.sample(range(-8, 9), 5))
    y = [rng.randint(-3, 3) for _ in range(5)]
    K = relu1d.Interpolation([F(v) for v in x], [F(v) for v in y]).min_kinks()
    assert K <= _brute_min_kinks(x, [F(v) for v in y])
    # K kinks suffice: the K+1-unit construction interpolates exactly (sympy rationals)
    res = relu1d.fit([F(v) for v in x], [F(v) for v in y], K + 1)
    assert res.feasible and _exact_outputs(res.vector(), x) == [sympy.Rational(v) for v in y]
    # and K - 1 kinks do not: K - 1 units are refused (certificate) and the exhaustive LP agrees
    if K >= 2:
        low = relu1d.fit([F(v) for v in x], [F(v) for v in y], K - 1)
        assert not low.feasible and f"at least {K} kinks" in low.certificate
        if K - 1 <= 2:
            assert not _lp_feasible([F(v) for v in x], [F(v) for v in y], K - 1)


@pytest.mark.parametrize("seed", [0, 3, 9])
def test_paper_data_minimal_width_fit_is_exact_and_one_less_is_refused(seed):
    data = teacher_data("relu", seed=seed).dataset
    width, res = relu1d.minimal_width(data.x, data.y)
    assert res.feasible and res.hidden == width
    targets = [sympy.Rational(F(float(v)).numerator, F(float(v)).denominator) for v in data.y[:, 0]]
    assert _exact_outputs(res.vector(), data.x[:, 0]) == targets
    below = relu1d.fit(data.x, data.y, width - 1)
    assert not below.feasible and below.certificate


def test_certificate_for_six_kinks_with_five_units_and_corruption_breaks_exactness():
    # negative controls: a zig-zag through 8 points needs 6 kinks -> 5 units refused
    x = [F(i) for i in range(8)]
    y = [F((-1) ** i) for i in range(8)]
    K = relu1d.Interpolation(x, y).min_kinks()
    assert K == 6
    refused = relu1d.fit(x, y, 5)
    assert not refused.feasible and "at least 6 kinks" in refused.certificate
    ok = relu1d.fit(x, y, 7)
    vec = ok.vector()
    assert _exact_outputs(vec, x) == [sympy.Rational(v) for v in y]
    vec[len(vec) // 2] += F(1, 10 ** 30)
    assert _exact_outputs(vec, x) != [sympy.Rational(v) for v in y]


def test_to_fraction_is_exact_for_every_number_type():
    import mpmath
    with mpmath.workdps(40):
        for v in ("-0.2426432947943613", "1e-30", "-3.5", "7"):
            m = mpmath.mpf(v)
            f = relu1d.to_fraction(m)
            assert mpmath.mpf(f.numerator) / f.denominator == m and (f < 0) == (m < 0)
    assert relu1d.to_fraction(-0.1) == F(-0.1) and relu1d.to_fraction("-0.1") == F(-1, 10)


def test_duplicate_inputs_with_different_targets_are_infeasible_at_any_width():
    res = relu1d.fit([F(0), F(0), F(1)], [F(0), F(1), F(2)], 8)
    assert not res.feasible and "share the input" in res.certificate
