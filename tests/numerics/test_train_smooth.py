"""Training smooth networks to a verified target (numerics.training.train / train_many).

Oracles: the squared error recomputed independently at 60 digits with theory.network.loss on
mpmath numbers read from the decimal strings a network file stores; numerics.mlp.gradient for
critical points; batch-independence (same seed, other batch -> identical parameters)."""

import mpmath
import numpy as np
import pytest

from numerics import mlp
from numerics.teacher import teacher_data
from numerics.precision import to_decimal_string, rounding_band
from numerics.training import train, train_many, verify
from theory.network import loss
from theory.params import Params


def _sse_60(arch, params, data, dps):
    """2 L at 60 digits from the stored decimal strings (what a network file holds)."""
    with mpmath.workdps(70):
        strings = [to_decimal_string(v, dps) for v in params.to_vector()]
    with mpmath.workdps(60):
        p = Params.from_vector(arch, np.array([mpmath.mpf(s) for s in strings], dtype=object))
        x = np.array([[mpmath.mpf(float(v))] for v in data.x[:, 0]], dtype=object)
        y = np.array([[mpmath.mpf(float(v))] for v in data.y[:, 0]], dtype=object)
        return 2 * loss(arch, p, x, y)


@pytest.mark.parametrize("activation,seed", [("tanh", 101), ("tanh", 202), ("sigmoid", 5)])
def test_reaches_target_verified_independently_at_60_digits(activation, seed):
    data = teacher_data(activation, seed=seed).dataset
    res = train(data, activation, 5, seed=seed)
    assert res.reached_target
    sse = _sse_60(res.arch, res.params, data, res.dps)
    assert sse < mpmath.mpf("1e-29")
    # the reported SSE is the same number (agreement to the verification precision)
    with mpmath.workdps(60):
        assert abs(sse - res.sse) <= rounding_band(res.dps, max(1, abs(sse)))


def test_corrupted_parameter_fails_verification():
    data = teacher_data("tanh", seed=101).dataset
    res = train(data, "tanh", 5, seed=101)
    vec = res.params.to_vector().copy()
    vec[3] = vec[3] + mpmath.mpf("1e-12")
    bad = Params.from_vector(res.arch, vec)
    assert verify.verified_sse(res.arch, bad, data, 50) > mpmath.mpf("1e-29")


def test_same_seed_same_result_whatever_the_batch():
    datasets = [teacher_data("tanh", seed=s).dataset for s in (11, 12, 13)]
    together = train_many(datasets, "tanh", 5, seeds=[11, 12, 13])
    alone = train(datasets[1], "tanh", 5, seed=12)
    strings = lambda r: [to_decimal_string(v, 50) for v in r.params.to_vector()]
    assert strings(together[1]) == strings(alone)
    # negative control: another root seed gives other parameters
    other = train(datasets[1], "tanh", 5, seed=99)
    assert strings(other) != strings(alone)


def test_too_narrow_network_does_not_reach_target_and_says_so():
    data = teacher_data("tanh", seed=3).dataset
    res = train(data, "tanh", 1, seed=3, max_restarts=4)
    assert not res.reached_target
    assert _sse_60(res.arch, res.params, data, 50) >= mpmath.mpf("1e-29")
    assert "not reached" in res.message and res.budget == 4


def test_critical_point_gradient_below_half_dps_with_nonzero_loss():
    data = teacher_data("tanh", seed=0).dataset
    res = train(data, "tanh", 1, seed=0, objective="critical", dps=40)
    assert res.reached_target
    g = mlp.gradient(res.arch, res.params, data.x.astype(object), data.y.astype(object), dps=60)
    with mpmath.workdps(60):
        gnorm = mpmath.sqrt(mpmath.fsum(v * v for v in g))
        # the critical objective at dps 40 promises ||grad L|| < 10^(-dps/2) (training/critical.py)
        assert gnorm < rounding_band(40, 1, lost_digits=40 // 2)
        assert _sse_60(res.arch, res.params, data, 40) > mpmath.mpf("1e-3")
    # negative control: moving one weight breaks criticality
    vec = res.params.to_vector().copy()
    vec[0] = vec[0] + mpmath.mpf("1e-8")
    g2 = mlp.gradient(res.arch, Params.from_vector(res.arch, vec), data.x.astype(object),
                      data.y.astype(object), dps=60)
    with mpmath.workdps(60):
        assert mpmath.sqrt(mpmath.fsum(v * v for v in g2)) > rounding_band(40, 1, lost_digits=40 // 2)


def test_hidden_auto_smooth_returns_a_width_that_reached_and_smaller_ones_that_did_not():
    data = teacher_data("tanh", seed=101).dataset
    res = train(data, "tanh", "auto", seed=101, max_restarts=16)
    assert res.reached_target
    assert [w for w, _, ok in res.widths_tried if ok] == [res.hidden]
    assert all(not ok for w, _, ok in res.widths_tried if w < res.hidden)
    assert _sse_60(res.arch, res.params, data, 50) < mpmath.mpf("1e-29")
