"""Which rows of the T4a table can occur (theory.symbolic.fa_classes) against a numeric oracle.

Oracle: at random 1-1-1 networks, every residual e of the left null space of J makes the point
exactly critical (proofs_check.instances.critical_points), and A_j(e) (proofs_check.landscape.
structure.unit_blocks) is linear in e. The image of that map, computed numerically with no use of
the activation's identities, and the sign of det A_j = a00 a11 - a01^2 on the image say which
classes occur. The symbolic decision must say "possible" exactly where the oracle realizes the class.
Negative controls: a false identity is refused by the proof, and, if forced in, contradicts the oracle."""

from pathlib import Path

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics.precision import workdps, zero_eigenvalue_tolerance
from proofs_check.checks import registry
from proofs_check.checks.result import CheckConfig
from proofs_check.checks._instances import random_inputs, random_params
from proofs_check.instances.critical_points import critical_residuals
from proofs_check.landscape import eigen
from proofs_check.landscape.structure import unit_blocks
from theory.activations import ACTIVATION_NAMES, EXAMPLES, get_activation
from theory.architecture import Architecture
from theory.symbolic import fa_classes as fa

DPS = 40
N_DATA = 12
PER_SIDE = 4  # with fewer data on a curved piece, G = sum e phi'' (u, 1)(u, 1)^T may be forced singular
EXTRA = ("leaky_relu:0.1", "poly:0,1,0.5", "poly:1,2,0,3", "poly:0,0,0,0,1", "expr:x*tanh(log(1+exp(x)))",
         "expr:atan(x)", "expr:x*exp(x)", "expr:softplus(x)-softplus(-x)")
"""Beyond the built-ins: polynomials, a user expression, atan (u^2 phi'' + phi'' = -2 u phi': only the
indefinite row), x e^x (no row), and the identity in disguise softplus(x) - softplus(-x), whose phi''
= sigmoid'(x) - sigmoid'(-x) is 0 but evaluates to rounding noise (adversarial: noise must not
count as curvature on either side)."""
DET_FORM = [[0, 0, mpmath.mpf(1) / 2], [0, -1, 0], [mpmath.mpf(1) / 2, 0, 0]]  # on (a00, a01, a11)


def _images(activation, seed):
    arch = Architecture((1, 1, 1), activation)
    rng = np.random.default_rng(seed)
    for _ in range(100):  # PER_SIDE data on each side of z = 0: the pieces of a kinked activation differ
        params, x = random_params(arch, rng), random_inputs(arch, rng, N_DATA)
        u = params.W[0][0, 0] * x[:, 0] + params.b[0][0]
        if min(sum(u < 0), sum(u > 0)) >= PER_SIDE:
            break
    else:
        raise AssertionError(f"seed {seed}: no draw with {PER_SIDE} data on each side of 0")
    k = N_DATA - arch.n_params
    f, residuals = critical_residuals(arch, params, x, [100 * seed + a for a in range(k)], dps=DPS)
    out = []
    for e in residuals:
        with workdps(DPS):
            A = unit_blocks(arch, params, x, f - e, 0, 0, DPS).A
        out.append([A[0, 0], A[0, 1], A[1, 1]])
    return params, x, f, residuals, out


def _bound(activation, params, x, residuals):
    """|v| max_e sum_i |e_i| (|phi| + |phi'| + |phi''|)(u_i) (1 + |x_i|)^2: a bound of A_j's entries and
    of the rounding of phi'' when it is computed as a difference of terms of phi's size (an identity
    in disguise), the scale against which an entry counts as zero."""
    phi = get_activation(activation)
    size = lambda u: abs(phi(u)) + abs(phi.d1(u)) + abs(phi.d2(u))
    with workdps(DPS):
        w, b, v = (mpmath.mpf(params.W[0][0, 0]), mpmath.mpf(params.b[0][0]), mpmath.mpf(params.W[1][0, 0]))
        curv = [size(w * mpmath.mpf(xi) + b) * (1 + abs(mpmath.mpf(xi))) ** 2 for xi in x[:, 0]]
        return abs(v) * max(mpmath.fsum(abs(ei) * c for ei, c in zip(e[:, 0], curv)) for e in residuals)


def realized(activation, seed):
    """(definite occurs, indefinite occurs) on the image of e -> A_j(e) at one random point."""
    params, x, _, residuals, images = _images(activation, seed)
    with workdps(DPS):
        M = mpmath.matrix(images)
        scale = max(abs(v) for row in images for v in row)
        if scale <= zero_eigenvalue_tolerance(DPS, _bound(activation, params, x, residuals)):
            return False, False  # A_j = 0 for every residual
        _, S, V = mpmath.svd_r(M / scale)
        rank = sum(1 for s in S if s > zero_eigenvalue_tolerance(DPS, 1))
        if rank == 0:
            return False, False
        B = mpmath.matrix([[V[r, c] for c in range(3)] for r in range(rank)]).T  # orthonormal basis
        form = B.T * mpmath.matrix(DET_FORM) * B
        values = eigen.eigenvalues(np.array(form.tolist(), dtype=object))
        band = zero_eigenvalue_tolerance(DPS, 1)
        return bool(max(values) > band), bool(min(values) < -band)


@pytest.mark.parametrize("activation", ACTIVATION_NAMES + EXTRA)
def test_symbolic_classes_equal_the_classes_the_null_space_realizes(activation):
    classes = fa.fa_classes(activation)
    for seed in (3, 4):
        assert realized(activation, seed) == (classes.definite, classes.indefinite), seed


@pytest.mark.parametrize("activation", ("tanh", "erf", "cube", "exp"))
def test_A_is_congruent_to_v_G_as_the_decision_assumes(activation):
    """A_j = v M^-1 G M^-T with G_k = sum e_i u_i^k phi''(u_i), M = [[w, b], [0, 1]] (residual
    e = f - y), computed here from its definition with mpmath."""
    params, x, f, residuals, images = _images(activation, 5)
    phi = get_activation(activation)
    w, b, v = params.W[0][0, 0], params.b[0][0], params.W[1][0, 0]
    with workdps(DPS):
        w, b, v = mpmath.mpf(w), mpmath.mpf(b), mpmath.mpf(v)
        Minv = mpmath.matrix([[1 / w, -b / w], [0, 1]])
        for e, (a00, a01, a11) in zip(residuals, images):
            us = [w * mpmath.mpf(xi) + b for xi in x[:, 0]]
            G = [mpmath.fsum(ei * u ** k * phi.d2(u) for ei, u in zip(e[:, 0], us)) for k in range(3)]
            want = Minv * mpmath.matrix([[G[2], G[1]], [G[1], G[0]]]) * Minv.T * v
            gap = max(abs(want[0, 0] - a00), abs(want[0, 1] - a01), abs(want[1, 1] - a11))
            assert gap <= zero_eigenvalue_tolerance(DPS, 1 + max(abs(a00), abs(a01), abs(a11)))


def test_a_false_identity_is_refused_and_would_contradict_the_oracle():
    tanh = get_activation("tanh")
    false = (fa.CONSTRAINTS, {1: -2})  # phi'' = -2 phi: tanh'' = -2 tanh tanh' is not linear in the constraints
    assert not fa.proved_identity(tanh, *false)
    assert fa.proved_identity(tanh, fa.CONSTRAINTS, {}) is False  # phi'' = 0
    tampered = fa.decide([false])
    assert tampered[0] is False and realized("tanh", 3)[0] is True  # forcing it in excludes what occurs


def test_a_near_identity_is_not_taken_for_one():
    """x^2 + tanh(x)/10^60: at the search's 80 digits phi'' = 2 holds to 10^-60; the proof refuses it,
    so no row is excluded (square itself excludes every row)."""
    near = fa.fa_classes("expr:x**2 + tanh(x)/10**60")
    assert (near.definite, near.indefinite) == (True, True) and near.identities == ()
    square = fa.fa_classes("square")
    assert (square.definite, square.indefinite) == (False, False) and len(square.identities) == 3


@pytest.mark.parametrize("activation", ("square", "cube", "exp", "poly:0,1,0.5"))
def test_t4a_is_not_applicable_where_no_row_can_occur_and_says_why(activation):
    why = registry.not_applicable("T4a", activation)
    assert "no row of the table can occur" in why and "proved by sympy" in why
    assert all(realized(activation, s) == (False, False) for s in (3, 4))
    assert registry.not_applicable("T4a", "tanh") == registry.not_applicable("T4a", "erf") == ""


def test_t4a_reports_excluded_rows_as_excluded_not_as_passed():
    result = registry.CHECKS["T4a"].check(CheckConfig(quick=True, dps=24, activation="erf"))
    evidence = dict(result.evidence)
    assert result.passed
    for kind in ("positive", "negative"):
        assert "proved by sympy" in evidence[f"row A {kind}: cannot occur on 1-1-1 networks (proved)"]
    assert any(name.startswith("A indefinite") for name in evidence)


def test_readme_rows_table_is_the_rendered_one_and_what_the_check_does():
    text = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    start, end = "<!-- t4a-rows:start -->\n", "\n<!-- t4a-rows:end -->"
    assert text.split(start)[1].split(end)[0] == fa.render_rows_table(EXAMPLES)
    for name in EXAMPLES:
        classes = fa.fa_classes(name)
        none_can = not (classes.definite or classes.indefinite)
        pw_linear = get_activation(name).properties.piecewise_linear
        assert bool(registry.not_applicable("T4a", name)) == (none_can or pw_linear), name


COEFFICIENT = st.sampled_from(["0", "1", "-1", "2", "-2", "3", "0.5", "-1.5"])


@settings(max_examples=12, deadline=None)
@given(st.lists(COEFFICIENT, min_size=2, max_size=6), st.sampled_from(["1", "-1", "2", "0.5"]))
def test_polynomial_activations_decision_equals_the_oracle(lower, top):
    """Random polynomials of degree 2 to 6: below degree 4 no row can occur; at degree 4 the
    quotient of the u^k phi'' by the constraint functions is at most one-dimensional, so at most
    one of the definite and the indefinite rows can occur (which one depends on the coefficients;
    none for u^4); from degree 5 on both may. The proof must say what the null space realizes."""
    name = "poly:" + ",".join(lower + [top])
    classes = fa.fa_classes(name)
    assert realized(name, 3) == (classes.definite, classes.indefinite), name
    if len(lower) <= 3:
        assert not (classes.definite or classes.indefinite), name
    if len(lower) == 4:
        assert not (classes.definite and classes.indefinite), name
    if lower == ["0"] * 4:
        assert not (classes.definite or classes.indefinite), name
