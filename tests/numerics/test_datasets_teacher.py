"""numerics.teacher.teacher_data: the paper's data generator (docs/experiment.md P1)."""

import numpy as np
import pytest

from numerics.teacher import teacher_data
from theory.errors import InvalidInput
from theory.network import forward


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("teacher", ["fixed", "random"])
def test_noise_free_targets_are_the_teacher_network(activation, teacher):
    # Oracle: theory.network.forward on the stored 1-1-1 teacher parameters.
    gen = teacher_data(activation, n=10, noise=0.0, seed=4, teacher=teacher)
    expected = forward(gen.teacher_arch, gen.teacher_params, gen.dataset.x)
    np.testing.assert_array_equal(gen.dataset.y, np.asarray(expected, dtype=float))
    np.testing.assert_array_equal(gen.teacher(gen.dataset.x), np.asarray(expected, dtype=float))
    # negative control: with noise the targets are no longer the teacher's outputs
    noisy = teacher_data(activation, n=10, noise=0.1, seed=4, teacher=teacher)
    assert not np.array_equal(noisy.dataset.y, np.asarray(forward(noisy.teacher_arch, noisy.teacher_params,
                                                                   noisy.dataset.x), dtype=float))


def test_fixed_teacher_is_w1_b0_v1_c0_and_inputs_in_range():
    gen = teacher_data("tanh", n=200, noise=0.0, seed=1, x_low=-1.0, x_high=1.0)
    np.testing.assert_array_equal(gen.dataset.y[:, 0], np.tanh(gen.dataset.x[:, 0]))
    assert np.all((gen.dataset.x >= -1.0) & (gen.dataset.x <= 1.0))


def test_noise_is_the_standard_deviation():
    # Residuals against the teacher have sample sd close to `noise` (n = 20000, 4 standard errors).
    gen = teacher_data("tanh", n=20000, noise=0.1, seed=2)
    eps = gen.dataset.y[:, 0] - gen.teacher(gen.dataset.x[:, 0])
    assert abs(eps.std() - 0.1) < 4 * 0.1 / np.sqrt(2 * 20000)
    assert abs(eps.mean()) < 4 * 0.1 / np.sqrt(20000)
    # negative control: the same 4-standard-error test rejects a 5% wrong standard deviation
    assert abs(eps.std() - 0.105) > 4 * 0.105 / np.sqrt(2 * 20000)


def test_same_seed_same_data_and_teacher_choice_keeps_inputs_and_noise():
    a = teacher_data("relu", seed=7)
    b = teacher_data("relu", seed=7)
    np.testing.assert_array_equal(a.dataset.x, b.dataset.x)
    np.testing.assert_array_equal(a.dataset.y, b.dataset.y)
    r = teacher_data("relu", seed=7, teacher="random")
    np.testing.assert_array_equal(a.dataset.x, r.dataset.x)
    # same noise draws: equal up to the float64 rounding of y = f*(x) + eps (a few ulps of |y|)
    scale = np.finfo(float).eps * 8 * max(np.abs(a.dataset.y).max(), np.abs(r.dataset.y).max())
    np.testing.assert_allclose(a.dataset.y - a.teacher(a.dataset.x), r.dataset.y - r.teacher(r.dataset.x),
                               rtol=0, atol=scale)
    # negative control: another seed gives other inputs
    assert not np.array_equal(a.dataset.x, teacher_data("relu", seed=8).dataset.x)


def test_random_relu_teacher_has_its_kink_inside_the_input_range():
    for seed in range(30):
        gen = teacher_data("relu", seed=seed, teacher="random")
        w, b = float(gen.teacher_params.W[0][0, 0]), float(gen.teacher_params.b[0][0])
        assert -1.0 <= -b / w <= 1.0


@pytest.mark.parametrize("kwargs", [dict(n=0), dict(noise=-1.0), dict(seed=-3), dict(x_low=1.0, x_high=1.0),
                                    dict(teacher="other")])
def test_bad_arguments_raise_invalid_input(kwargs):
    with pytest.raises(InvalidInput):
        teacher_data("tanh", **kwargs)
