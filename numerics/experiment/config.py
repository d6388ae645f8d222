"""Options of the Figure-2 experiment (docs/experiment.md), one frozen dataclass.

Every option that changes a number in ``results.json`` lives in :class:`ExperimentConfig`;
options that only change *how* the work is run (workers, chunk size, executor, output folder,
resume) do not, so results are byte-identical across them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from theory.activations import ACTIVATION_NAMES
from theory.errors import InvalidInput

from numerics.experiment.surplus import SURPLUS_RULES
from numerics.teacher import TeacherSpec

PROTOCOLS = ("perturb", "retrain")
RHO_RULES = ("norm", "match", "absolute", "relative")
DEFAULT_MARGIN = {"data": 0.0, "domain": 1.0, "gaussian": 0.0}
EXPERIMENT_ACTIVATIONS = tuple(a for a in ACTIVATION_NAMES if a != "identity")

# A fixed code per activation keys each trial's random stream: rng([seed, code, trial]).
ACTIVATION_CODES = {name: i for i, name in enumerate(ACTIVATION_NAMES)}


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything that determines the numbers of a Figure-2 run.

    Attributes (defaults are the choices of docs/experiment.md, documented in the report):
        trials: number of trials T (paper: 1000).
        hmax: largest width H.
        hgrid: widths H > H0 to evaluate; ``None`` means every integer H0+1..hmax.
        activations: activations to run, each with its own data set and trained N_H0.
        protocol: ``perturb`` (trials are perturbation draws of one trained network) or
            ``retrain`` (every trial draws a new data set and trains anew).
        h0: fixed narrow width (data sets where it is infeasible are redrawn and counted), or
            ``"auto"`` (the minimal width of each data set).
        surplus: surplus incoming weights for ReLU (:mod:`.surplus`): ``data`` (default:
            N(0, surplus_scale^2) conditioned on being inactive on the training inputs, Thm 9),
            ``domain`` (dead on [x_low, x_high] with ``margin``: ratio 1 by construction),
            ``gaussian`` (unconditioned: not dead).
        surplus_smooth: the rule for smooth activations (default ``gaussian``: the same
            distribution as ReLU's, unconditioned; ``data``/``domain`` give them ReLU's draws).
        margin: the margin m of the dead rules, w x + b <= -m (default: 0 for ``data``, 1 for
            ``domain``).
        surplus_scale: standard deviation of the surplus weights before conditioning.
        rho_rule: ``norm`` (rho = rho_scale * ||theta_H0||_2 of each network), ``match`` (one
            rho for all activations: rho_scale times the mean of their ||theta_H0||, perturb
            protocol), ``absolute`` (rho = rho_scale) or ``relative`` (coordinate k gets
            rho_scale * |theta_k|).
        rho_scale: the 0.01 of the paper.
        monte_carlo: 0 for deterministic quadrature; N > 0 for a fixed test sample of N points.
        panels: composite Gauss-Legendre panels for smooth activations (5 nodes each).
        seed: root seed of the perturbation and surplus draws.
        data_seed: first data seed tried (redraws use data_seed+1, ...).
        n, noise, x_low, x_high, teacher: data generation, the fields of
            :class:`numerics.teacher.TeacherSpec` (defaults and checks there; see :attr:`teacher_spec`).
        train_seed: seed handed to the trainer.
        prior_sd: sigma_P of the PAC-Bayes prior N(0, sigma_P^2 I) (T10 in docs/theorems.md).
        delta: PAC-Bayes confidence parameter.
        max_data_redraws: data seeds tried before giving up.
        sensitivity_trials: trials per variant of the sensitivity study (0: none; perturb only).
    """

    trials: int = 1000
    hmax: int = 30
    hgrid: tuple[int, ...] | None = None
    activations: tuple[str, ...] = ("tanh", "relu")
    protocol: str = "perturb"
    h0: int | str = 5
    surplus: str = "data"
    surplus_smooth: str = "gaussian"
    margin: float | None = None
    surplus_scale: float = 1.0
    rho_rule: str = "norm"
    rho_scale: float = 0.01
    monte_carlo: int = 0
    panels: int = 200
    seed: int = 0
    data_seed: int = 0
    n: int = TeacherSpec.n
    noise: float = TeacherSpec.noise
    x_low: float = TeacherSpec.x_low
    x_high: float = TeacherSpec.x_high
    teacher: str = TeacherSpec.teacher
    train_seed: int = 0
    prior_sd: float = 1.0
    delta: float = 0.05
    max_data_redraws: int = 200
    sensitivity_trials: int = 200

    def __post_init__(self):
        _positive("trials", self.trials)
        _positive("hmax", self.hmax)
        if self.protocol not in PROTOCOLS:
            raise InvalidInput(f"--protocol {self.protocol!r}: expected one of {', '.join(PROTOCOLS)}")
        for name in ("surplus", "surplus_smooth"):
            if getattr(self, name) not in SURPLUS_RULES:
                raise InvalidInput(f"--{name.replace('_', '-')} {getattr(self, name)!r}: expected one of "
                                   f"{', '.join(SURPLUS_RULES)}")
        if self.margin is None:
            object.__setattr__(self, "margin", DEFAULT_MARGIN[self.surplus])
        if self.rho_rule == "match" and self.protocol == "retrain":
            raise InvalidInput("--rho-match needs --protocol perturb (one network per activation); under "
                               "retrain give one absolute rho with --rho-rule absolute --rho-scale R")
        if self.rho_rule not in RHO_RULES:
            raise InvalidInput(f"--rho-rule {self.rho_rule!r}: expected one of {', '.join(RHO_RULES)}")
        if not self.activations:
            raise InvalidInput("--activations is empty; give e.g. tanh,relu")
        for a in self.activations:
            if a not in EXPERIMENT_ACTIVATIONS:
                raise InvalidInput(
                    f"--activations contains {a!r}; expected names from {', '.join(EXPERIMENT_ACTIVATIONS)}"
                )
        if len(set(self.activations)) != len(self.activations):
            raise InvalidInput(f"--activations {','.join(self.activations)} names an activation twice")
        if self.h0 != "auto":
            _positive("h0", self.h0)
            if self.h0 >= self.hmax:
                raise InvalidInput(f"--h0 {self.h0} must be below --hmax {self.hmax}; raise --hmax")
        if self.hgrid is not None:
            grid = tuple(sorted(set(int(h) for h in self.hgrid)))
            if not grid or grid[0] < 1 or grid[-1] > self.hmax:
                raise InvalidInput(f"--hgrid {list(self.hgrid)}: widths must lie in 1..hmax={self.hmax}")
            object.__setattr__(self, "hgrid", grid)
        if not (isinstance(self.margin, (int, float)) and 0 <= self.margin < float("inf")):
            raise InvalidInput(f"--margin {self.margin}: must be a finite number >= 0")
        if not self.surplus_scale > 0:
            raise InvalidInput(f"--surplus-scale {self.surplus_scale}: must be positive")
        if not self.rho_scale > 0:
            raise InvalidInput(f"--rho-scale {self.rho_scale}: must be positive")
        if self.monte_carlo < 0:
            raise InvalidInput(f"--monte-carlo {self.monte_carlo}: must be a positive sample size")
        _positive("panels", self.panels)
        if isinstance(self.sensitivity_trials, bool) or not isinstance(self.sensitivity_trials, int) \
                or self.sensitivity_trials < 0:
            raise InvalidInput(f"--sensitivity-trials {self.sensitivity_trials!r}: expected an integer >= 0")
        self.teacher_spec  # noqa: B018 (constructing it checks the data-generation fields)

    @property
    def teacher_spec(self) -> TeacherSpec:
        """The data-generation fields as the generator's :class:`~numerics.teacher.TeacherSpec`."""
        return TeacherSpec(self.n, self.noise, self.x_low, self.x_high, self.teacher)

    def widths_for(self, h0: int) -> tuple[int, ...]:
        """The evaluated widths H > h0 (the grid, restricted to H > h0)."""
        if self.hgrid is None:
            return tuple(range(h0 + 1, self.hmax + 1))
        return tuple(h for h in self.hgrid if h > h0)

    def surplus_rule(self, activation: str) -> str:
        """The surplus rule that applies to ``activation``."""
        return self.surplus if activation == "relu" else self.surplus_smooth

    def relu_by_construction(self) -> bool:
        """True when ReLU's flat ratio holds by construction: surplus units dead on the whole domain."""
        return self.surplus == "domain"

    def to_dict(self) -> dict:
        """The options as a JSON-ready dict (tuples become lists)."""
        d = asdict(self)
        d["activations"] = list(self.activations)
        d["hgrid"] = None if self.hgrid is None else list(self.hgrid)
        return d

    @staticmethod
    def from_dict(d: dict) -> "ExperimentConfig":
        """Inverse of :meth:`to_dict` (lists become tuples again)."""
        d = dict(d)
        d["activations"] = tuple(d["activations"])
        if d.get("hgrid") is not None:
            d["hgrid"] = tuple(d["hgrid"])
        return ExperimentConfig(**d)

    def with_changes(self, **changes) -> "ExperimentConfig":
        """A copy with the given fields replaced (``dataclasses.replace``)."""
        return replace(self, **changes)


QUICK = dict(trials=100, hmax=15)
"""``--quick``: fewer trials and a shorter H range (same protocol)."""


def _positive(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(f"--{name.replace('_', '-')} {value!r}: expected a positive integer")


@dataclass(frozen=True)
class RunOptions:
    """How to run (never changes a number): workers, chunk size, executor, shard, output."""

    workers: int = 1
    chunk: int = 50
    scheduler: str | None = None
    shard: tuple[int, int] | None = None
    out: str = "fig2"
    resume: bool = False
    force: bool = False
    progress: bool = True
    abort_after_chunks: int | None = field(default=None)
