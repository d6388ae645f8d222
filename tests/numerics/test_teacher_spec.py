"""numerics.teacher.TeacherSpec: the one statement of the data generator's options, as the
experiment configuration reads it (docs/experiment.md P1)."""

import numpy as np
import pytest

from numerics.experiment.config import ExperimentConfig
from numerics.teacher import TeacherSpec
from theory.errors import InvalidInput

BAD = [dict(n=0), dict(n=2.5), dict(noise=-1.0), dict(noise=float("nan")), dict(x_low=1.0, x_high=1.0),
       dict(x_low=0.5, x_high=-0.5), dict(teacher="other")]


def test_experiment_data_follow_its_own_input_range_and_teacher():
    # Oracle: with noise 0 and the fixed teacher (1, 0, 1, 0), y = tanh(x) exactly, and every x lies in
    # the configured range [2, 3] (which the default range [-1, 1] does not meet).
    config = ExperimentConfig(x_low=2.0, x_high=3.0, noise=0.0, n=50)
    gen = config.teacher_spec.draw("tanh", 6)
    x = gen.dataset.x[:, 0]
    assert x.shape == (50,) and np.all((x >= 2.0) & (x <= 3.0))
    np.testing.assert_array_equal(gen.dataset.y[:, 0], np.tanh(x))
    # negative control: the default configuration draws from [-1, 1], disjoint from [2, 3]
    default = ExperimentConfig().teacher_spec.draw("tanh", 6).dataset.x
    assert np.all(np.abs(default) <= 1.0)


@pytest.mark.parametrize("kwargs", BAD)
def test_config_rejects_what_the_generator_rejects(kwargs):
    # The configuration fails at construction, with the generator's own check, before any run starts.
    with pytest.raises(InvalidInput):
        TeacherSpec(**kwargs)
    with pytest.raises(InvalidInput):
        ExperimentConfig(**kwargs)


def test_valid_data_options_are_accepted_by_both():
    # negative control of the rejection test: boundary values that are valid pass both
    for kwargs in (dict(n=1), dict(noise=0.0), dict(x_low=-1e-9, x_high=1e-9), dict(teacher="random")):
        assert ExperimentConfig(**kwargs).teacher_spec == TeacherSpec(**kwargs)
