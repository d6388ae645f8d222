"""The paper's training data: n inputs, a one-hidden-unit teacher N_1, Gaussian output noise.

The protocol of docs/experiment.md (defaults are choices, listed under its "Open points and choices"):

- inputs ``x_i ~ U[x_low, x_high]`` i.i.d. (default U[-1, 1]);
- teacher ``f*(x) = v* phi(w* x + b*) + c*`` with ``(w*, b*, v*, c*) = (1, 0, 1, 0)``
  (``teacher="fixed"``), or ``teacher="random"``: ``w*, v*, c* ~ N(0, 1)`` and, for smooth
  activations, ``b* ~ N(0, 1)``; for ReLU the kink ``-b*/w*`` is drawn uniformly inside the
  input range so the teacher is not linear on the data;
- ``y_i = f*(x_i) + eps_i`` with ``eps_i ~ N(0, noise^2)``: ``noise`` is the standard deviation
  (the paper's "N(0, 10^-2)" read as a variance gives the default 0.1).

Randomness: ``SeedSequence(seed)`` spawns three independent streams (inputs, teacher, noise), so
a data set depends on its seed only (never on batching), and switching the teacher does not
change the inputs or the noise draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numerics.dataset import Dataset
from theory.architecture import Architecture
from theory.errors import InvalidInput
from theory.params import Params

TEACHERS = ("fixed", "random")


@dataclass(frozen=True, eq=False)
class TeacherData:
    """A generated data set with the teacher that produced it.

    Attributes:
        dataset: float64 inputs ``x`` (n x 1) and noisy targets ``y`` (n x 1).
        teacher_arch: the 1-1-1 architecture of the teacher N_1.
        teacher_params: its parameters (float64).
        noise: standard deviation of the output noise.
        seed: the seed the data were drawn from.
    """

    dataset: Dataset
    teacher_arch: Architecture
    teacher_params: Params
    noise: float
    seed: int

    def teacher(self, x) -> np.ndarray:
        """The noise-free teacher ``f*(x)`` on float inputs (any shape), as a float array."""
        x = np.asarray(x, dtype=float)
        w, b = float(self.teacher_params.W[0][0, 0]), float(self.teacher_params.b[0][0])
        v, c = float(self.teacher_params.W[1][0, 0]), float(self.teacher_params.b[1][0])
        return v * np.asarray(self.teacher_arch.phi(w * x + b), dtype=float) + c


def _teacher_params(activation: str, teacher: str, rng, x_low: float, x_high: float):
    if teacher == "fixed":
        return 1.0, 0.0, 1.0, 0.0
    w, v, c = rng.normal(size=3)
    if activation == "relu":
        kink = rng.uniform(x_low, x_high)
        return float(w), float(-w * kink), float(v), float(c)
    return float(w), float(rng.normal()), float(v), float(c)


@dataclass(frozen=True)
class TeacherSpec:
    """How the paper's data are drawn, apart from the seed (docs/experiment.md, "Protocol", P1).

    The one statement of the generator's options and their defaults: :func:`teacher_data`, the
    experiment's :class:`numerics.experiment.config.ExperimentConfig` and ``semiflat train`` read
    them from here. Invalid values raise :class:`InvalidInput` at construction.

    Attributes:
        n: number of samples (paper: 10).
        noise: standard deviation of the Gaussian output noise (>= 0; the paper's variance 1e-2).
        x_low, x_high: the input range, x_low < x_high.
        teacher: ``"fixed"`` (w, b, v, c) = (1, 0, 1, 0) or ``"random"`` (see module docstring).

    >>> TeacherSpec().n, TeacherSpec().noise, (TeacherSpec().x_low, TeacherSpec().x_high)
    (10, 0.1, (-1.0, 1.0))
    """

    n: int = 10
    noise: float = 0.1
    x_low: float = -1.0
    x_high: float = 1.0
    teacher: str = "fixed"

    def __post_init__(self):
        n, noise, x_low, x_high = self.n, self.noise, self.x_low, self.x_high
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise InvalidInput(f"--n {n!r}: the number of samples must be a positive integer, e.g. 10")
        if not np.isfinite(noise) or noise < 0:
            raise InvalidInput(f"--noise {noise!r}: the noise standard deviation must be finite and >= 0")
        if not (np.isfinite(x_low) and np.isfinite(x_high) and x_low < x_high):
            raise InvalidInput(f"input range [{x_low}, {x_high}] is empty; pass x_low < x_high")
        if self.teacher not in TEACHERS:
            raise InvalidInput(f"teacher {self.teacher!r} is unknown; use one of {', '.join(TEACHERS)}")

    def draw(self, activation: str, seed: int) -> TeacherData:
        """The data set of ``seed`` under this specification (see :func:`teacher_data`)."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise InvalidInput(f"--seed {seed!r}: the seed must be a non-negative integer")
        arch = Architecture((1, 1, 1), activation)
        n = int(self.n)
        rng_x, rng_teacher, rng_noise = (np.random.default_rng(s)
                                         for s in np.random.SeedSequence(int(seed)).spawn(3))
        x = rng_x.uniform(self.x_low, self.x_high, size=n)
        w, b, v, c = _teacher_params(activation, self.teacher, rng_teacher, self.x_low, self.x_high)
        params = Params.build(arch, [[[w]], [[v]]], [[b], [c]], dtype=float)
        eps = rng_noise.normal(0.0, 1.0, size=n) * float(self.noise)
        partial = TeacherData(Dataset(x.reshape(-1, 1), x.reshape(-1, 1)), arch, params, float(self.noise), int(seed))
        y = partial.teacher(x) + eps
        return TeacherData(Dataset(x.reshape(-1, 1), y.reshape(-1, 1)), arch, params, float(self.noise), int(seed))


def teacher_data(activation: str, *, n: int = TeacherSpec.n, noise: float = TeacherSpec.noise, seed: int = 0,
                 x_low: float = TeacherSpec.x_low, x_high: float = TeacherSpec.x_high,
                 teacher: str = TeacherSpec.teacher) -> TeacherData:
    """Draw the paper's data set for one seed (docs/experiment.md, "Protocol").

    Arguments:
        activation: the teacher's activation (any name of theory.activations).
        n, noise, x_low, x_high, teacher: the fields of :class:`TeacherSpec` (defaults there).
        seed: non-negative integer; the only source of randomness.

    Returns:
        A :class:`TeacherData`; ``dataset.x`` and ``dataset.y`` are float64 arrays of shape (n, 1).
    """
    return TeacherSpec(n, noise, x_low, x_high, teacher).draw(activation, seed)
