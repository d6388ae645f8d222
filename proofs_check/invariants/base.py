"""The pieces every invariant is made of: a scale, an example, a case and the invariant itself.

An :class:`Invariant` (docs/properties.md) is one statement of docs/invariants.md with one or
more :class:`Case` s. A case has a hypothesis strategy that draws an :class:`Example` at a given
:class:`Scale` and a ``check(example, subject)`` that raises :class:`Violation` when the statement
fails for the maps and formulas of ``subject`` (the real embeddings, or a deliberately broken
mutant, :mod:`proofs_check.invariants.subject`). The same functions serve the project's tests,
``pytest --pyargs proofs_check.invariants`` and ``semiflat properties``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable

import mpmath
import numpy as np

from numerics.dataset import Dataset
from theory.activations import PAPER_ACTIVATION_NAMES, get_activation
from theory.architecture import Architecture
from theory.params import Params

DPS = 30
"""Working precision of every invariant unless a scale says otherwise."""


class Violation(AssertionError):
    """An invariant failed. ``wide`` is the embedded ``(arch, params)`` the check built, if any."""

    def __init__(self, message: str, wide=None):
        super().__init__(message)
        self.wide = wide


def require(condition, message, wide=None) -> None:
    """Raise :class:`Violation` with ``message`` (a string or a callable giving one) unless
    ``condition`` holds."""
    if not condition:
        raise Violation(message() if callable(message) else message, wide)


def is_smooth(name: str) -> bool:
    """True when the activation ``name`` is C^2 (its registry entry says so)."""
    return get_activation(name).smooth


def has_dead_zone(name: str) -> bool:
    """True when ``name`` is exactly 0 on a half-line (ReLU): dead units exist (T6)."""
    return get_activation(name).properties.dead_zone


def has_kink(name: str) -> bool:
    """True when ``name`` has a kink at 0 (ReLU, leaky ReLU, ELU, ...): data can sit on it."""
    return get_activation(name).properties.has_kink


def is_piecewise_linear(name: str) -> bool:
    """True when ``name`` is piecewise linear (phi'' = 0 off its kinks): A_j = 0 (T7)."""
    return get_activation(name).properties.piecewise_linear


def is_positively_homogeneous(name: str) -> bool:
    """True when phi(c z) = c phi(z) for c > 0 (ReLU, leaky ReLU, identity)."""
    return get_activation(name).properties.positively_homogeneous


@dataclass(frozen=True)
class Scale:
    """How big the drawn examples are.

    Attributes:
        activations: activation names (any name :func:`theory.activations.get_activation` knows;
            default the six of :data:`theory.activations.PAPER_ACTIVATION_NAMES`).
        min_depth, max_depth: number of weight layers K = len(widths) - 1 (2 = one hidden layer).
        max_width: bound on every width (input, hidden and output).
        dps: working precision of the checks (tolerances derive from it).
    """

    activations: tuple[str, ...] = PAPER_ACTIVATION_NAMES
    min_depth: int = 2
    max_depth: int = 4
    max_width: int = 3
    dps: int = DPS

    def only(self, predicate) -> tuple[str, ...]:
        """The activations of this scale for which ``predicate(name)`` holds."""
        return tuple(a for a in self.activations if predicate(a))

    def arch_options(self, activations=None, max_depth=None, max_width=None, **extra) -> dict:
        """Keyword options for :func:`proofs_check.instances.strategies.architectures` within this scale."""
        depth = self.max_depth if max_depth is None else min(max_depth, self.max_depth)
        options = dict(min_layers=min(self.min_depth, depth), max_layers=depth,
                       max_width=self.max_width if max_width is None else min(max_width, self.max_width),
                       activations=self.activations if activations is None else activations)
        options.update(extra)
        return options


def capped(scale: Scale, width: int) -> Scale:
    """``scale`` with every width capped at ``width``."""
    return dataclasses.replace(scale, max_width=min(width, scale.max_width))


@dataclass(frozen=True, eq=False)
class Example:
    """One drawn instance: a network, data (may be ``None``) and the other drawn arguments.

    ``params`` are float64 or mpf; ``args`` is a dict of the extra draws (layer, unit, lambda,
    incoming vectors, ...) recorded in the provenance of a written counterexample."""

    arch: Architecture
    params: Params
    data: Dataset | None = None
    args: dict = field(default_factory=dict)
    dps: int = DPS

    def __getitem__(self, key):
        return self.args[key]

    def __repr__(self) -> str:
        vec = ", ".join(_short(v) for v in self.params.to_vector())
        parts = [f"{list(self.arch.widths)} {self.arch.activation} bias={self.arch.bias}", f"params=[{vec}]"]
        if self.data is not None:
            parts.append(f"n={self.data.n}")
        parts += [f"{k}={_short(v)}" for k, v in self.args.items()]
        return "Example(" + "; ".join(parts) + ")"


def _short(value) -> str:
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    if isinstance(value, (float, mpmath.mpf)):
        return mpmath.nstr(value, 6)
    return str(value)


@dataclass(frozen=True)
class Case:
    """One property of an invariant: ``strategy(scale)`` draws examples, ``check(example, subject)``
    raises :class:`Violation`. ``applies(scale)`` is false when no activation of the scale fits."""

    name: str
    strategy: Callable
    check: Callable
    applies: Callable = lambda scale: True


@dataclass(frozen=True)
class Invariant:
    """An invariant of docs/invariants.md: ``id`` ("I7"), a one-line ``statement`` and its cases.

    ``not_run`` (a reason) marks statements that are not a property of one drawn network (the
    Figure-2 experiment): they are listed with the reason and the command that checks them."""

    id: str
    statement: str
    cases: tuple[Case, ...] = ()
    not_run: str | None = None

    def applicable_cases(self, scale: Scale) -> tuple[Case, ...]:
        """The cases that can draw examples at ``scale``."""
        return tuple(c for c in self.cases if c.applies(scale))


# --- magnitudes for tolerances (tolerances themselves come from numerics.precision) ---------------


def total(*arrays):
    """1 + the sum of |entries| of the arrays: the magnitude gradients and Hessians are judged at."""
    return 1 + sum(abs(v) for a in arrays for v in np.asarray(a, dtype=object).reshape(-1))


def output_scale(params: Params, x) -> float:
    """A bound on the magnitude of intermediate values: prod_l (1 + max row sum |[W|b]|) (1 + max|x|)."""
    scale = 1 + max(abs(float(v)) for v in np.asarray(x, dtype=object).reshape(-1))
    for l, w in enumerate(params.W):
        rows = np.abs(np.asarray(w, dtype=float)).sum(axis=1)
        if params.b is not None:
            rows = rows + np.abs(np.asarray(params.b[l], dtype=float))
        scale *= 1 + float(rows.max())
    return scale


def same_params(p: Params, q: Params) -> bool:
    """Entry-by-entry equality of two parameter vectors (exact, any number type)."""
    a, b = p.to_vector(), q.to_vector()
    return len(a) == len(b) and all(u == v for u, v in zip(a, b))
