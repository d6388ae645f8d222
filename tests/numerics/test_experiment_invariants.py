"""Phase-2 invariants of the Figure-2 experiment (docs/invariants.md, I15-I17 style), with negative controls.

- ReLU surplus units dead on the domain: G(N_H) == G(N_H0) exactly (bitwise) in every trial
  whose perturbation keeps them dead (checked trial by trial from the perturbed weights);
  not dead (``gaussian``) -> the ratio departs from 1.
- tanh: the measured excess E G_H - E G_H0 agrees with the second-order prediction
  rho^2 sum_k E_x tanh(w_k x + b_k)^2 within Monte Carlo error; a prediction built from the
  wrong surplus weights does not.
- Nested evaluation equals an explicit embedding by theory.embeddings.add_inactive_unit,
  evaluated with theory.network.forward (independent code path).
- Trials do not depend on the batch they are computed in.
"""

import numpy as np
import pytest

from numerics.experiment import generalization as gen
from numerics.experiment.config import ExperimentConfig
from numerics.experiment.evaluate import evaluate_trials
from numerics.experiment.examples import paper_like_data, random_base, relu_interpolant
from numerics.experiment.perturbation import draw_batch, rho_of
from theory.architecture import Architecture
from theory.embeddings import add_inactive_unit
from theory.network import forward
from theory.params import Params

# float64 sums of a few hundred O(1) terms computed in a different order by the library and by
# the test: a few ulp relative (measured worst case 0.9 eps); 64 eps leaves margin.
REL = 64 * np.finfo(float).eps


def _relu_base():
    x, y = paper_like_data("relu", 6, 3)
    return relu_interpolant(x, y)


def _tanh_teacher_base():
    """N_H0 = the teacher tanh(x) plus four units with v = 0 (zero generalization error)."""
    x, y = paper_like_data("tanh", 10, 2)
    r = random_base("tanh", 5, seed=4)
    return type(r)("tanh", np.array([1.0, 2.0, -1.5, 0.7, 3.0]), np.array([0.0, 0.3, -0.2, 0.5, -0.4]),
                   np.array([1.0, 0.0, 0.0, 0.0, 0.0]), 0.0, x, y, r.teacher)


def test_dead_relu_surplus_leaves_G_exactly_unchanged():
    base = _relu_base()
    cfg = ExperimentConfig(trials=300, hmax=12, surplus="domain", rho_scale=0.02)
    r = evaluate_trials(base, cfg, range(300))
    batch = draw_batch(base, cfg, range(300), 12)
    ws, bs = batch.w[:, base.h0:], batch.b[:, base.h0:]
    top = np.maximum(ws * cfg.x_low, ws * cfg.x_high) + bs  # max over the domain of w x + b
    dead = np.cumsum(top >= 0, axis=1) == 0  # units h0..h0+k-1 all dead
    widths = list(range(base.h0 + 1, 13))
    for j, h in enumerate(widths):
        still_dead = dead[:, h - base.h0 - 1]
        assert still_dead.mean() > 0.5
        assert np.array_equal(r["G"][still_dead, j + 1], r["G"][still_dead, 0])
    revived = ~dead[:, -1]
    if revived.any():  # a revived unit with v != 0 changes G
        assert np.all(r["G"][revived, -1] != r["G"][revived, 0])


def test_gaussian_relu_surplus_breaks_flatness():
    """Negative control: surplus ReLU units that are not dead change G in most trials."""
    x, y = paper_like_data("relu", 10, 2)
    base = type(_relu_base())("relu", np.array([1.0, 2.0, -1.5, 0.7, 3.0]), np.array([0.0, 0.3, -0.2, 0.5, -0.4]),
                              np.array([1.0, 0.0, 0.0, 0.0, 0.0]), 0.0, x, y, _relu_base().teacher)
    cfg = ExperimentConfig(trials=400, hmax=12, surplus="gaussian", rho_scale=0.005)
    r = evaluate_trials(base, cfg, range(400))
    ratio = r["G"][:, -1] / r["G"][:, 0]
    assert np.mean(ratio != 1.0) > 0.9
    diff = r["G"][:, -1] - r["G"][:, 0]
    assert diff.mean() > 4 * diff.std(ddof=1) / np.sqrt(diff.size)
    # and the second-order prediction (closed-form E_x relu^2) accounts for it
    pred = r["excess2"][:, -1].mean()
    assert abs(diff.mean() - pred) < 4 * diff.std(ddof=1) / np.sqrt(diff.size) + 0.05 * pred
    dead = evaluate_trials(base, cfg.with_changes(surplus="domain"), range(400))
    assert np.all(dead["excess2"] == 0.0)


def test_tanh_excess_matches_second_order_prediction():
    """Small rho: E G_H - E G_H0 = rho^2 sum_k E_x tanh^2 (1 + O(rho^2)) within 4 s.e."""
    base = _tanh_teacher_base()
    cfg = ExperimentConfig(trials=600, hmax=15, rho_scale=0.003, panels=50)
    r = evaluate_trials(base, cfg, range(600))
    diff = r["G"][:, -1] - r["G"][:, 0]
    se = diff.std(ddof=1) / np.sqrt(diff.size)
    pred = r["excess2"][:, -1].mean()
    assert abs(diff.mean() - pred) < 4 * se + 0.02 * pred
    assert pred > 10 * se  # the comparison is not vacuous
    # the prediction itself: rho^2 * sum_k E_x tanh(w_k x + b_k)^2 from the drawn surplus weights
    batch = draw_batch(base, cfg, range(600), 15)
    nodes, wts = gen.gauss_legendre_nodes(-1, 1, 50)
    e = (np.tanh(batch.w0[:, 5:, None] * nodes + batch.b0[:, 5:, None]) ** 2 * wts).sum(-1)
    assert pred == pytest.approx(rho_of(base, cfg) ** 2 * e.sum(1).mean(), rel=REL)
    # negative control: a prediction from wrongly scaled surplus weights (scale 3) is rejected
    wrong = rho_of(base, cfg) ** 2 * (np.tanh(3 * batch.w0[:, 5:, None] * nodes + 3 * batch.b0[:, 5:, None]) ** 2 * wts).sum(-1).sum(1).mean()
    assert abs(diff.mean() - wrong) > 4 * se + 0.02 * wrong


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_nested_widths_equal_explicit_embedding(activation):
    base = random_base(activation, 5, seed=8) if activation == "tanh" else _relu_base()
    cfg = ExperimentConfig(trials=3, hmax=9, monte_carlo=257)
    r = evaluate_trials(base, cfg, range(3))
    batch = draw_batch(base, cfg, range(3), 9)
    nodes, _ = gen.monte_carlo_nodes(-1, 1, 257, cfg.seed)
    for i in range(3):
        arch = Architecture((1, base.h0, 1), activation)
        params = Params.build(arch, [base.w.reshape(-1, 1), base.v.reshape(1, -1)], [base.b, [base.c]], dtype=float)
        for h in range(base.h0 + 1, 10):
            arch, params = add_inactive_unit(arch, params, 0, [batch.w0[i, h - 1], batch.b0[i, h - 1]])
            eps = np.concatenate([batch.w[i, :h] - batch.w0[i, :h], batch.b[i, :h] - batch.b0[i, :h]])
            vec = params.to_vector().astype(float)
            pert = np.concatenate([vec[:h] + eps[:h], vec[h:2 * h] + eps[h:],
                                   batch.v[i, :h], [batch.c[i]]])
            f = forward(arch, Params.from_vector(arch, pert, dtype=float), nodes.reshape(-1, 1))[:, 0]
            G = np.mean((f - base.teacher_output(nodes)) ** 2)
            assert r["G"][i, h - base.h0] == pytest.approx(G, rel=REL)
        # negative control: the embedding without the incoming-weight perturbation is another point
        unperturbed = np.concatenate([vec[:2 * h], batch.v[i, :h], [batch.c[i]]])
        f0 = forward(arch, Params.from_vector(arch, unperturbed, dtype=float), nodes.reshape(-1, 1))[:, 0]
        assert r["G"][i, -1] != pytest.approx(np.mean((f0 - base.teacher_output(nodes)) ** 2), rel=1e3 * REL)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_trials_do_not_depend_on_batching(activation):
    base = random_base(activation, 5, seed=1) if activation == "tanh" else _relu_base()
    cfg = ExperimentConfig(trials=40, hmax=10)
    whole = evaluate_trials(base, cfg, range(40))
    parts = [evaluate_trials(base, cfg, range(a, b)) for a, b in ((0, 1), (1, 13), (13, 40))]
    for k in whole:
        assert whole[k].tobytes() == np.concatenate([p[k] for p in parts]).tobytes()


def test_empirical_risk_term_matches_T10():
    """Spec T10: E_Q R_hat(N_H) - E_Q R_hat(N_H0) ~ rho^2 (1/n) sum_i sum_k tanh(w_k x_i + b_k)^2 for
    the training data; ReLU dead units leave the empirical term exactly unchanged."""
    base = _tanh_teacher_base()
    cfg = ExperimentConfig(trials=600, hmax=12, rho_scale=0.003, panels=20)
    r = evaluate_trials(base, cfg, range(600))
    assert np.all(r["risk"] < 1)  # clipping inactive, so the risk is the plain mean squared error
    diff = r["risk"][:, -1] - r["risk"][:, 0]
    se = diff.std(ddof=1) / np.sqrt(diff.size)
    batch = draw_batch(base, cfg, range(600), 12)
    z = batch.w0[:, 5:, None] * base.x[None, None, :] + batch.b0[:, 5:, None]
    pred = rho_of(base, cfg) ** 2 * np.mean(np.sum(np.tanh(z) ** 2, axis=1), axis=1).mean()
    assert abs(diff.mean() - pred) < 4 * se + 0.02 * pred and pred > 10 * se
    relu = evaluate_trials(_relu_base(), ExperimentConfig(trials=50, hmax=12, rho_scale=0.003, surplus="domain"), range(50))
    assert np.array_equal(relu["risk"][:, -1], relu["risk"][:, 0])
