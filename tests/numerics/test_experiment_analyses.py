"""Flatness, PAC-Bayes and sensitivity tables of the Figure-2 engine (docs/experiment.md).

Oracles: central finite differences for the Gauss-Newton diagonal; the isotropic closed-form
KL for the diagonal KL; the network function for the ReLU rescaling (positive homogeneity);
the main engine's own summary for the default sensitivity variant; the ReLU claim fails under
the Gaussian variant (negative control) and is labelled by construction under domain-dead.
"""

import numpy as np
import pytest

from numerics.experiment import pac_bayes
from numerics.experiment.analyses import analyses, relu_scales_for_norm
from numerics.experiment.config import ExperimentConfig
from numerics.experiment.examples import paper_like_data, random_base, relu_interpolant
from numerics.experiment.prediction import kl_gaussian
from numerics.experiment.results import summarize
from numerics.experiment.evaluate import evaluate_trials
from numerics.experiment.sensitivity import VARIANTS, sensitivity
from numerics.experiment.trials import NARROW


def _bases():
    x, y = paper_like_data("relu", 6, 3)
    return {"tanh": random_base("tanh", 5, seed=1), "relu": relu_interpolant(x, y)}


@pytest.mark.parametrize("act", ["tanh", "relu"])
def test_gauss_newton_diagonal_matches_finite_differences(act):
    base = random_base(act, 5, seed=2)  # kinks off the data points (the interpolant has them on)
    theta = base.theta
    H = base.h0
    x = base.x

    def f(t):
        return t[-1] + np.sum(t[2 * H:3 * H, None] * np.maximum(0, np.outer(t[:H], x) + t[H:2 * H, None])
                              if act == "relu" else t[2 * H:3 * H, None] * np.tanh(np.outer(t[:H], x) + t[H:2 * H, None]), axis=0)

    h = 1e-6
    jac = np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(len(theta))])
    fd = 2.0 / len(x) * np.sum(jac**2, axis=1)
    got = pac_bayes.gauss_newton_diagonal(act, base.w, base.b, base.v, x)
    assert np.allclose(got, fd, rtol=1e-6, atol=1e-8)
    assert not np.allclose(got[:H], fd[:H] * 2)  # negative control: the check distinguishes a factor 2


def test_diagonal_kl_reduces_to_the_isotropic_closed_form():
    theta = np.random.default_rng(0).normal(size=16)
    for rho, p in ((0.1, 1.0), (0.3, 3.0)):
        assert pac_bayes.kl_diagonal(theta, np.full(16, rho**2), p) == pytest.approx(
            float(kl_gaussian(16, rho, p, float(theta @ theta))), rel=1e-12)


def test_relu_rescaling_keeps_the_function_and_reaches_the_norm():
    base = _bases()["relu"]
    target = 2.5 * float(np.linalg.norm(base.theta))
    xs = np.linspace(-1, 1, 101)
    for a in relu_scales_for_norm(base.w, base.b, base.v, base.c, target):
        t = np.concatenate([a * base.w, a * base.b, base.v / a, [base.c]])
        assert np.linalg.norm(t) == pytest.approx(target, rel=1e-12)
        out = base.c + np.sum((base.v / a)[:, None] * np.maximum(0, np.outer(a * base.w, xs) + (a * base.b)[:, None]), axis=0)
        assert np.allclose(out, base.output(xs), rtol=1e-12, atol=1e-12)


def test_sensitivity_default_variant_equals_the_engine_and_controls_fail():
    bases = _bases()
    cfg = ExperimentConfig(trials=40, hmax=9, panels=20, sensitivity_trials=40)
    sens = sensitivity(cfg, bases)
    by_label = {v["label"]: v for v in sens["variants"]}
    assert len(by_label) == len(VARIANTS)
    # the default variant (data-dead, m = 0, tanh gaussian -> here tanh also data-dead) for relu = the run
    arr = evaluate_trials(bases["relu"], cfg, range(40))
    arrays = {k: v[:, 1:] for k, v in arr.items()}
    arrays.update({k: arr[src][:, 0] for k, src in NARROW})
    arrays["h0"] = np.full(40, bases["relu"].h0)
    direct = summarize(cfg, cfg.widths_for(bases["relu"].h0), arrays, None)
    got = by_label["data-dead, m = 0 (default)"]["activations"]["relu"]["summary"]
    assert [r["mean_ratio"] for r in got] == [r["mean_ratio"] for r in direct]
    assert not by_label["gaussian (not dead)"]["activations"]["relu"]["relu_flat"]  # the engine can fail
    dd = by_label["domain-dead, m = 1"]["activations"]["relu"]
    assert dd["relu_flat"] and dd["relu_claim_kind"] == "true by construction under this protocol"
    matched = by_label["gaussian, rho matched"]["activations"]
    assert matched["tanh"]["rho"] == matched["relu"]["rho"]


def test_analyses_report_vacuity_and_equal_norms():
    bases = _bases()
    bases["tanh"] = random_base("tanh", 5, seed=1, weight_scale=8.0)  # a norm the ReLU rescaling can reach
    cfg = ExperimentConfig(trials=4, hmax=10, panels=20)
    an = analyses(cfg, bases)
    flat = an["flatness_equal_norm"]
    assert flat["relu"]["rows"][0]["norm"] == pytest.approx(flat["tanh"]["rows"][0]["norm"], rel=1e-9)
    # ReLU surplus units inactive on the data add nothing to the trace; tanh's add (2/n) sum tanh^2 > 0
    r = flat["relu"]["rows"]
    assert r[-1]["trace"] == pytest.approx(r[0]["trace"], rel=1e-12)
    assert flat["tanh"]["rows"][-1]["trace"] > flat["tanh"]["rows"][0]["trace"]
    for rows in an["pac_bayes"].values():
        for row in rows:
            for kind in ("isotropic", "optimised"):
                assert row[kind]["vacuous"] == (row[kind]["bound"] > 1.0)


def test_clipped_risk_counts_an_overflow_as_loss_1_and_refuses_a_nan_output():
    """exp units with huge incoming weights: one unit alone overflows to +inf (true |f - y| > 1,
    clipped loss 1 exactly, no NaN); two units of opposite outgoing weights give inf - inf, which
    has no value, so the risk is refused instead of being averaged as NaN (negative control: the
    same draws with finite outputs give a finite risk below 1)."""
    x, y = np.array([1.0, 2.0]), np.array([0.0, 0.0])
    z = np.zeros((3, 4))
    one = np.array([800.0, 0.0, 1.0, 0.0])  # H = 1: w, b, v, c; exp(800 x) overflows
    risk, se = pac_bayes._clipped_risk("exp", one, np.zeros(4), x, y, z)
    assert (risk, se) == (1.0, 0.0)
    two = np.array([800.0, 800.0, 0.0, 0.0, 1.0, -1.0, 0.0])  # H = 2: +inf - inf
    with pytest.raises(FloatingPointError, match="not a number"):
        pac_bayes._clipped_risk("exp", two, np.zeros(7), x, y, np.zeros((3, 7)))
    finite = np.array([0.1, 0.1, 0.0, 0.0, 1.0, -1.0, 0.0])
    risk, _ = pac_bayes._clipped_risk("exp", finite, np.zeros(7), x, y, np.zeros((3, 7)))
    assert risk == 0.0  # the two units cancel exactly: f = 0 = y
