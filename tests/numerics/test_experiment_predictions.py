"""The predictions of the Figure-2 engine against independent oracles (docs/experiment.md "Predictions").

Oracles: mpmath quadrature of the Gaussian integrals; Monte Carlo with its derived standard
error (binomial for probabilities); Taylor's theorem (the second-order bound) with a negative
control (a bound with half the Lipschitz constant is violated); the measured excess of the
engine itself, whose expectation the exact prediction (P) is.
"""

import math

import mpmath
import numpy as np
import pytest

from numerics.experiment import prediction as P
from numerics.experiment.config import ExperimentConfig
from numerics.experiment.evaluate import evaluate_trials
from numerics.experiment.examples import paper_like_data, random_base, relu_interpolant
from numerics.experiment.perturbation import draw_batch
from numerics.experiment.surplus import draw_surplus, is_inactive_on

CASES = [(0.3, 0.2), (-0.5, 0.1), (-1.2, 0.3), (2.0, 0.5), (0.0, 1.0)]


def _mp_gauss(f, mu, s):
    with mpmath.workdps(30):
        g = lambda z: f(mpmath.mpf(mu) + mpmath.mpf(s) * z) * mpmath.npdf(z)  # noqa: E731
        return float(mpmath.quad(g, [-mpmath.inf, -float(mu) / s if s else 0, mpmath.inf]))


@pytest.mark.parametrize("mu,s", CASES)
def test_gaussian_square_matches_mpmath(mu, s):
    relu = _mp_gauss(lambda z: max(z, 0) ** 2, mu, s)
    tanh = _mp_gauss(lambda z: mpmath.tanh(z) ** 2, mu, s)
    assert float(P.relu_gaussian_square(mu, s)) == pytest.approx(relu, rel=1e-12, abs=1e-300)
    # 12 Gauss-Hermite nodes serve the noise levels of the experiment (s <= 0.5); s = 1 needs more
    nodes = P.HERMITE_NODES if s <= 0.5 else 4 * P.HERMITE_NODES
    assert float(P.gaussian_square("tanh", mu, s, nodes)) == pytest.approx(tanh, rel=1e-6)


def test_relu_tail_is_accurate_far_from_the_kink():
    """A dead unit 8 sd away: the closed form keeps ~10 digits (value ~1e-17), no cancellation to 0."""
    exact = _mp_gauss(lambda z: max(z, 0) ** 2, -0.8, 0.1)
    assert 0 < exact < 1e-15
    assert float(P.relu_gaussian_square(-0.8, 0.1)) == pytest.approx(exact, rel=1e-8)


def test_second_order_bound_is_a_bound_and_tight():
    rng = np.random.default_rng(3)
    w, b = rng.normal(size=400), rng.normal(size=400)
    sw, sb = np.abs(rng.normal(size=400)) * 0.4, np.abs(rng.normal(size=400)) * 0.4
    for act in ("tanh", "relu"):
        exact = P.surplus_excess(act, w, b, sw, sb, -1, 1)
        second = P.second_order_excess(act, w, b, -1, 1)
        bound = P.second_order_bound(act, sw, sb, -1, 1)
        assert np.all(np.abs(exact - second) <= bound * (1 + 1e-9))
    # negative control: half the Lipschitz constant is not a bound (tanh at mu = 0: E tanh^2(sZ) ~ s^2)
    small = np.full(1, 0.05)
    gap = P.surplus_excess("tanh", np.zeros(1), np.zeros(1), np.zeros(1), small, -1, 1)
    assert gap[0] > 0.5 * P.second_order_bound("tanh", np.zeros(1), small, -1, 1)[0]


def test_active_probability_against_monte_carlo():
    rng = np.random.default_rng(5)
    N = 400_000
    for w, b, sw, sb in ((1.3, -1.6, 0.5, 0.05), (-0.4, -0.9, 0.3, 0.3), (2.0, -2.5, 0.4, 0.1)):
        wp, bp = w + sw * rng.normal(size=N), b + sb * rng.normal(size=N)
        hits = (np.maximum(-wp, wp) + bp > 0).mean()
        p = float(P.active_probability(w, b, sw, sb, -1, 1))
        se = math.sqrt(p * (1 - p) / N)
        assert abs(hits - p) <= 4 * se
        # negative control: ignoring the noise on w misses the probability
        wrong = float(P.active_probability(w, b, 0.0, sb, -1, 1))
        assert abs(hits - wrong) > 4 * se


def test_data_rule_is_the_conditioned_gaussian():
    """The data rule keeps exactly the N(0, 1) pairs inactive on the data: compare with an
    independent filter of plain Gaussian pairs (two-sample, 4 s.e. on the mean of w and of b)."""
    x = np.linspace(-0.9, 0.7, 10)
    rng = np.random.default_rng(0)
    w, b = draw_surplus(rng, 20000, "data", margin=0.0, scale=1.0, x_low=-1, x_high=1, x_train=x)
    assert np.all(is_inactive_on(w, b, x))
    ref_w, ref_b = np.random.default_rng(1).normal(size=(2, 80000))
    keep = is_inactive_on(ref_w, ref_b, x)
    for a, r in ((w, ref_w[keep]), (b, ref_b[keep])):
        se = math.hypot(a.std() / math.sqrt(a.size), r.std() / math.sqrt(r.size))
        assert abs(a.mean() - r.mean()) <= 4 * se
    assert not np.all(is_inactive_on(ref_w, ref_b, x))  # the condition is not vacuous


def _measured_vs_predicted(base, cfg, trials):
    r = evaluate_trials(base, cfg, range(trials))
    d = r["G"][:, -1] - r["G"][:, 0]
    se = d.std(ddof=1) / math.sqrt(trials)
    return d.mean(), se, r["pred"][:, -1].mean(), r["excess2"][:, -1].mean(), r


def test_relu_measured_excess_is_the_predicted_one():
    x, y = paper_like_data("relu", 6, 3)
    base = relu_interpolant(x, y)
    cfg = ExperimentConfig(trials=3000, hmax=15, surplus="gaussian", rho_scale=0.02)
    mean, se, pred, second, r = _measured_vs_predicted(base, cfg, 3000)
    assert pred > 6 * se and abs(mean - pred) <= 4 * se  # a real excess, and the prediction accounts for it
    # the fraction of trials with G(N_H) != G(N_H0) is the predicted one (binomial s.e.)
    changed = (r["G"][:, -1] != r["G"][:, 0]).mean()
    p = r["pchange"][:, -1].mean()
    assert abs(changed - p) <= 4 * math.sqrt(p * (1 - p) / 3000) + 1e-3


def test_exact_prediction_beats_second_order_at_large_noise():
    """(P) per unit is E_x E_eps (eps_v phi(w' x + b'))^2 / s_v^2: a Monte Carlo over x and the noise
    (derived s.e.) agrees with it, and rejects the second-order term at noise 0.3."""
    rng = np.random.default_rng(8)
    N = 1_000_000
    for act, (w, b) in (("tanh", (0.8, 0.4)), ("relu", (1.0, -0.9))):
        sd = 0.3
        x = rng.uniform(-1, 1, N)
        z = (w + sd * rng.normal(size=N)) * x + b + sd * rng.normal(size=N)
        vals = np.tanh(z) ** 2 if act == "tanh" else np.maximum(z, 0) ** 2
        mc, se = vals.mean(), vals.std() / math.sqrt(N)
        exact = float(P.surplus_excess(act, w, b, sd, sd, -1, 1))
        second = float(P.second_order_excess(act, w, b, -1, 1))
        assert abs(mc - exact) <= 4 * se
        assert abs(mc - second) > 10 * se
        assert abs(exact - second) <= float(P.second_order_bound(act, sd, sd, -1, 1))


def test_rho_override_scales_the_noise():
    base = random_base("tanh", 5, seed=1)
    cfg = ExperimentConfig(trials=4, hmax=8)
    a = draw_batch(base, cfg, range(4), 8, rho=0.5)
    b = draw_batch(base, cfg, range(4), 8, rho=1.0)
    assert np.allclose(2 * (a.w - a.w0), b.w - b.w0) and np.all(a.sd_v == 0.5)
