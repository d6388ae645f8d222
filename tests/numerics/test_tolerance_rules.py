"""The tolerance rules of numerics.precision (docs/precision.md): one home, and the properties they claim.

Oracles: the closed formulas of docs/precision.md evaluated independently (powers of ten at a
higher precision), the error of a central second difference of exp (exact second derivative
known), and the library's own source text (no tolerance-like literal outside precision.py but the
listed ones).
"""

import ast
import io
import pathlib
import re
import tokenize

import mpmath
import pytest
from hypothesis import given, settings, strategies as st

from numerics import precision as P
from theory.params import Params

ROOT = pathlib.Path(__file__).resolve().parents[2]
LIBRARY = ("theory", "numerics", "proofs_check")
SCI = re.compile(r"^\d*\.?\d*[eE]-\d+$")

# (file, literal) -> why it is not a tolerance rule. A literal is a number written as 1e-k (in code
# or as a decimal string), or a power 10 ** -k. Grouped by reason; every entry must still occur.
PAPER_TARGET = "the paper's squared training error 1e-29: a user-facing default (--target-loss), not a rule"
FLOAT64_STAGE = ("float64 search heuristic (damping clip, stopping rule, division guard); every point such a "
                 "stage returns is re-verified at dps")
STEP = "a step or size of a move (a finite step, a perturbation, a residual scale), not a threshold"
SCHEDULE = "a schedule of trial steps or radii 10^-k (descent search, derivative checker, proof radii), not a threshold"
DRAW = "bound of a hypothesis draw or an example-selection margin (which examples are drawn, not what is decided)"
FLOAT64_ORACLE = "float64 oracle of a property test: thresholds of float64 eigenvalues, a precision independent of dps"
DISPLAY = "display: plotting floors, a rank shown in a figure, a rate shown in a progress line"
BENCH = "semiflat bench: a published figure used as a target, or a unit prefix of its tables (seconds)"
REFINEMENT_GOAL = ("the goal 10^-dps of an iterative eigenvector refinement; the error of what it returns is "
                   "proved afterwards (docs/classification.md)")
PROPOSAL = ("the rank and rational-reading thresholds of a numeric proposal of identities that sympy then proves or "
            "refuses exactly (theory may not import numerics.precision; a threshold only adds or drops candidates)")
ALLOWED = {
    ("theory/symbolic/fa_classes.py", "10 ** -"): PROPOSAL,
    **{(f, "1e-29"): PAPER_TARGET for f in (
        "numerics/training/__init__.py", "numerics/training/critical.py", "numerics/training/result.py",
        "numerics/training/smooth.py", "proofs_check/bench/training.py", "proofs_check/commands/train.py")},
    **{k: FLOAT64_STAGE for k in (
        ("numerics/training/lm_float.py", "1e-15"), ("numerics/training/lm_float.py", "1e-24"),
        ("numerics/training/lm_float.py", "1e-2"), ("numerics/training/lm_float.py", "1e-300"),
        ("numerics/training/lm_float.py", "1e-4"), ("numerics/training/smooth.py", "1e-4"),
        ("numerics/training/smooth.py", "1e-12"), ("numerics/training/smooth.py", "1e-20"),
        ("numerics/experiment/pac_bayes.py", "1e-12"),
        ("proofs_check/instances/adversarial.py", "1e-300"),
        ("proofs_check/bench/training.py", "1e-10"), ("proofs_check/bench/training.py", "1e-15"),
        ("numerics/training/lm_float.py", "1e-4"), ("numerics/training/smooth.py", "1e-4"))},
    **{k: STEP for k in (
        ("proofs_check/checks/_deep.py", "1e-3"), ("proofs_check/checks/_instances.py", "1e-3"),
        ("proofs_check/checks/_instances.py", "1e-4"), ("proofs_check/checks/t4b_multi_output.py", "1e-3"),
        ("proofs_check/checks/t7_relu_replication.py", "1e-3"), ("proofs_check/checks/t8_relu_homogeneity.py", "1e-4"),
        ("proofs_check/instances/snap.py", "1e-6"), ("proofs_check/checks/t4a_fa_table.py", "1e-10"),
        ("proofs_check/checks/t4a_fa_table.py", "5e-11"))},
    **{k: SCHEDULE for k in (("proofs_check/landscape/descent.py", "10 ** -"), ("numerics/derivative_check.py", "10 ** -"),
                             ("proofs_check/certified/certify.py", "10 ** -"))},
    **{k: DRAW for k in (
        ("proofs_check/checks/_instances.py", "1e-12"), ("proofs_check/invariants/hessian.py", "1e-6"),
        ("proofs_check/invariants/hessian.py", "1e-3"), ("proofs_check/invariants/spectrum.py", "1e-4"),
        ("proofs_check/invariants/spectrum.py", "1e-6"), ("proofs_check/invariants/zero_error.py", "1e-4"),
        ("proofs_check/instances/strategies.py", "1e-6"))},
    **{k: FLOAT64_ORACLE for k in (("proofs_check/invariants/spectrum.py", "1e-13"),
                                   ("proofs_check/invariants/spectrum.py", "1e-9"))},
    **{k: DISPLAY for k in (("proofs_check/reports/spectrum_figure.py", "1e-8"), ("proofs_check/reports/spectrum_figure.py", "1e-300"),
                            ("proofs_check/commands/progress.py", "1e-9"))},
    **{k: BENCH for k in (("proofs_check/bench/evaluation.py", "6.3e-6"), ("proofs_check/bench/table.py", "1e-3"),
                          ("proofs_check/bench/table.py", "1e-6"))},
    ("proofs_check/landscape/refined_eigen.py", "10 ** -"): REFINEMENT_GOAL,
    ("numerics/experiment/results.py", "1e-4"): ("PREDICTION_QUADRATURE: the documented quadrature error of the "
                                                 "experiment's exact prediction (docs/experiment.md), a float64 statistic"),
    ("theory/activation_expr.py", "1e-20"): ("theory/ may not import numerics: a sympy probe at 30 digits above 1e-20 "
                                             "refutes 'identically zero'; zero itself is decided by simplify (exact)"),
}


def _literals(path: pathlib.Path):
    """(line, literal) of every 1e-k number or decimal string and every 10 ** -k in a source file."""
    src = path.read_text()
    found = []
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type == tokenize.NUMBER and SCI.match(tok.string):
            found.append((tok.start[0], tok.string))
        elif tok.type == tokenize.STRING:
            try:
                value = ast.literal_eval(tok.string)
            except (ValueError, SyntaxError):
                continue
            if isinstance(value, str) and SCI.match(value.strip()):
                found.append((tok.start[0], value.strip()))
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            base = node.left
            ten = (isinstance(base, ast.Constant) and base.value == 10) or (
                isinstance(base, ast.Call) and len(base.args) == 1 and isinstance(base.args[0], ast.Constant)
                and base.args[0].value in (10, "10"))
            if ten and isinstance(node.right, ast.UnaryOp) and isinstance(node.right.op, ast.USub):
                found.append((node.lineno, "10 ** -"))
    return found


def _library_literals():
    out = []
    for pkg in LIBRARY:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            out += [(rel, line, text) for line, text in _literals(path)]
    return out


def test_no_tolerance_literal_outside_precision_but_the_listed_ones():
    found = _library_literals()
    stray = [f"{f}:{line}: {text}" for f, line, text in found
             if f != "numerics/precision.py" and (f, text) not in ALLOWED]
    assert not stray, "tolerance-like literals outside numerics/precision.py (use a rule there):\n" + "\n".join(stray)
    # the allow-list holds nothing stale: every entry still names a literal that exists
    present = {(f, text) for f, _, text in found}
    assert set(ALLOWED) <= present, sorted(set(ALLOWED) - present)


def test_literal_search_catches_each_form(tmp_path):
    # negative control: the search must see every form it claims to forbid
    src = tmp_path / "bad.py"
    src.write_text('import mpmath\nA = 1e-6\nB = mpmath.mpf("1e-12")\nC = mpmath.mpf(10) ** (-5)\nD = 10 ** -3\n'
                   'E = 0.5  # not scientific\n"""a docstring says 1e-3"""\n')
    assert [t for _, t in _literals(src)] == ["1e-6", "1e-12", "10 ** -", "10 ** -"]


def test_one_home_for_the_rules():
    # the names the older modules used for their own rules are gone from the library
    for old in ("def zero_tolerance", "def critical_tolerance"):
        hits = [p for pkg in LIBRARY for p in (ROOT / pkg).rglob("*.py") if old in p.read_text()]
        assert not hits, (old, hits)
    assert not (ROOT / "proofs_check" / "checks" / "_linalg.py").exists()
    # one linear-algebra vocabulary: each helper is defined once, in proofs_check/landscape/eigen.py
    for name in ("max_abs", "top_singular", "inertia", "definiteness"):
        pattern = re.compile(rf"^def _?{name}(?:_pair)?\(", re.M)
        homes = [p.relative_to(ROOT).as_posix() for pkg in LIBRARY for p in (ROOT / pkg).rglob("*.py")
                 if pattern.search(p.read_text())]
        assert homes == ["proofs_check/landscape/eigen.py"], (name, homes)


def _ten(k):
    with mpmath.workdps(200):
        return mpmath.mpf(10) ** (-k)


def _close(a, b, digits=60):
    return abs(a - b) <= abs(b) * mpmath.mpf(10) ** (-digits)


DPS = st.integers(min_value=6, max_value=120)
SCALE = st.sampled_from(["1", "0.003", "7.5", "1e12", "2e-30"])


@settings(max_examples=60, deadline=None)
@given(dps=DPS, scale=SCALE, lost=st.integers(0, 5))
def test_rounding_band_is_ten_to_minus_digits_times_scale(dps, scale, lost):
    s = mpmath.mpf(scale)
    with P.workdps(dps):
        assert _close(P.rounding_band(dps, s, lost), _ten(dps - lost) * s, dps)
        assert _close(P.rounding_band(dps, -s, lost), P.rounding_band(dps, s, lost), dps)  # |scale|
        # one more digit: ten times smaller; relative: linear in the scale
        assert _close(P.rounding_band(dps + 1, s, lost) * 10, P.rounding_band(dps, s, lost), dps)
        assert _close(P.rounding_band(dps, 3 * s, lost), 3 * P.rounding_band(dps, s, lost), dps)


@settings(max_examples=60, deadline=None)
@given(dps=DPS, scale=SCALE)
def test_structural_band_sits_half_way_between_rounding_and_the_scale(dps, scale):
    s = mpmath.mpf(scale)
    with P.workdps(dps):
        band = P.structural_zero_band(dps, s)
        assert P.half_digits(dps) == -(-dps // 2)  # ceil(dps / 2)
        assert _close(band, _ten(P.half_digits(dps)) * s, dps)
        # far above the rounding of an exact zero, far below the scale, by about dps/2 digits each
        assert band >= P.rounding_band(dps, s) * _ten(-(dps // 2)) * mpmath.mpf("0.999")
        assert band <= s * _ten(dps // 2) * mpmath.mpf("1.001")
        assert P.structural_zero_band(dps + 2, s) < band  # more digits, narrower band


@settings(max_examples=60, deadline=None)
@given(dps=DPS, scale=SCALE, g=st.sampled_from(["0", "1e-40", "1e-10", "0.5", "3"]))
def test_zero_eigenvalue_tolerance(dps, scale, g):
    s, gn = mpmath.mpf(scale), mpmath.mpf(g)
    with P.workdps(dps):
        tau = P.zero_eigenvalue_tolerance(dps, s, gn)
        assert tau >= P.structural_zero_band(dps, s) and tau >= mpmath.sqrt(s * gn) * mpmath.mpf("0.999")
        assert P.zero_eigenvalue_tolerance(dps, s, 0) == P.structural_zero_band(dps, s)
        assert P.zero_eigenvalue_tolerance(dps, s, 2 * gn + s) >= tau  # monotone in |g|
        # homogeneous of degree 1: scaling the loss by c scales eigenvalues, gradient and tau alike
        assert _close(P.zero_eigenvalue_tolerance(dps, 4 * s, 4 * gn), 4 * tau, dps)


@settings(max_examples=60, deadline=None)
@given(dps=DPS, scale=SCALE, margin=st.integers(0, 6))
def test_criticality_tolerance_of_train_is_the_classifiers_at_its_smallest(dps, scale, margin):
    s = mpmath.mpf(scale)
    with P.workdps(dps):
        train_rule = P.criticality_tolerance(dps)  # train --objective critical: no Hessian, scale 1
        classify_rule = P.criticality_tolerance(dps, s)  # classify: the Hessian's spectral scale
        assert classify_rule >= train_rule  # every point train accepts, classify calls critical
        assert _close(classify_rule, P.structural_zero_band(dps, max(1, s)), dps)
        assert _close(P.criticality_tolerance(dps, s, margin) * 10 ** margin, classify_rule, dps)
        # the polish targets stop well inside the rule they serve
        assert P.criticality_tolerance(dps, margin_digits=5) < train_rule
        if dps >= 12:
            assert P.newton_target(dps) <= train_rule
        # the search margin keeps a searched minimum's curvature six digits clear of the zero band
        assert _close(P.strict_curvature_floor(dps, s), P.zero_eigenvalue_tolerance(dps, s) * 10 ** 6, dps)


@settings(max_examples=40, deadline=None)
@given(dps=DPS, scale=SCALE)
def test_loss_bands_are_relative_to_the_null_loss_but_never_below_their_value_at_one(dps, scale):
    s = mpmath.mpf(scale)
    with P.workdps(dps):
        zero, near = P.zero_loss_band(dps, s), P.near_interpolation_band(dps, s)
        assert _close(zero, _ten(dps) * max(1, s), dps)
        assert _close(near, _ten(dps // 2) * max(1, s), dps)
        assert zero >= P.zero_loss_band(dps) and near >= P.near_interpolation_band(dps)
        # "L = 0 to the working precision" is inside "near-interpolating", by dps/2 digits
        assert zero * _ten(-(dps - dps // 2)) * mpmath.mpf("0.999") <= near
        # linear in max(1, s): the certifier applies the rule at s = 1 to the ball max(1, s)
        assert _close(P.zero_loss_band(dps, 1) * max(1, s), zero, dps)


@pytest.mark.parametrize("dps", [20, 31, 50])
def test_second_difference_rule_bounds_the_error_of_a_known_second_derivative(dps):
    # oracle: d^2/dt^2 exp(c t) at t0 is c^2 exp(c t0), computed exactly; the difference at dps digits
    c, t0 = mpmath.mpf(2), mpmath.mpf("0.25")

    def second_difference(h):
        with P.workdps(dps):
            f = lambda t: mpmath.exp(c * t)  # noqa: E731
            return (f(t0 + h) - 2 * f(t0) + f(t0 - h)) / (h * h)

    with mpmath.workdps(2 * dps):
        exact = c * c * mpmath.exp(c * t0)
    with P.workdps(dps):
        bound = P.second_difference_tolerance(dps, exact)
        assert abs(second_difference(P.second_difference_step(dps)) - exact) <= bound
        # negative controls: a step at half the digits drowns in rounding, a large one in truncation
        assert abs(second_difference(_ten(dps // 2 + 8)) - exact) > bound
        assert abs(second_difference(mpmath.mpf("0.01")) - exact) > bound


@pytest.mark.parametrize("dps", [31, 40])
def test_a_point_train_calls_critical_is_critical_for_classify(dps):
    # the two commands decide criticality by one rule: train's verified |grad L| (an upper bound in
    # balls) below criticality_tolerance(dps) passes classify's test at the Hessian's scale
    from numerics.teacher import teacher_data
    from numerics.training import train
    from proofs_check.landscape.classify import Verdict, classify

    data = teacher_data("tanh", seed=0).dataset
    res = train(data, "tanh", 1, seed=0, objective="critical", dps=dps)
    assert res.reached_target and res.gradient_norm < P.criticality_tolerance(dps)
    report = classify(res.arch, res.params, data, dps=dps)
    assert report.verdict is not Verdict.NOT_CRITICAL
    with P.workdps(dps):  # train reports an upper bound (balls) of the |grad L| classify computes
        assert report.gradient_norm <= res.gradient_norm + P.rounding_band(dps, 1)  # rounding of terms of size 1
    # negative control: a weight moved by 10^-8 leaves both rules' band at once
    with P.workdps(dps):
        vec = P.to_mp_array(res.params.to_vector())
        vec[0] += mpmath.mpf("1e-8")
    moved = Params.from_vector(res.arch, vec)
    assert classify(res.arch, moved, data, dps=dps).verdict is Verdict.NOT_CRITICAL
