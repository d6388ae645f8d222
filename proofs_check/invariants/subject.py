"""What the invariants test: the embeddings and their predicted formulas, real or deliberately broken.

:data:`SEMIFLAT` bundles the project's maps (:mod:`theory.embeddings`) and the one predicted
formula that is not itself a map, the split factor lambda (1 - lambda) of K_lambda (theorem T4).
Each entry of :data:`MUTANTS` replaces one piece with a plausible mistake; ``semiflat properties
--mutant NAME`` runs the suite against it, and the project's tests assert that every mutant is
caught by at least one invariant (docs/properties.md "Mutants").
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import mpmath
import numpy as np
import sympy

from theory.embeddings import (add_inactive_propagation, add_inactive_unit, draw_dead_incoming, replicate,
                               replication_map, replication_map_inverse, split)
from theory.embeddings import _units
from theory.errors import InvalidInput


@dataclass(frozen=True)
class Subject:
    """The maps under test. Every field has the signature of the :mod:`theory.embeddings` function
    it stands for; ``split_factor(lam)`` is the predicted coefficient of A_j in K_lambda."""

    name: str
    description: str
    replicate: Callable = replicate
    split: Callable = split
    add_inactive_unit: Callable = add_inactive_unit
    add_inactive_propagation: Callable = add_inactive_propagation
    dead_incoming: Callable = draw_dead_incoming
    replication_map: Callable = replication_map
    replication_map_inverse: Callable = replication_map_inverse
    split_factor: Callable = lambda lam: lam * (1 - lam)

    def mutate(self, name: str, description: str, **changes) -> "Subject":
        """A copy with some maps replaced (a mutant)."""
        return dataclasses.replace(self, name=name, description=description, **changes)


SEMIFLAT = Subject("semiflat", "the embeddings of theory.embeddings and the formulas of docs/theorems.md")


def number_like(sample, numerator: int, denominator: int = 1):
    """numerator / denominator in the number world of ``sample`` (mpf, sympy, Fraction or float)."""
    if isinstance(sample, mpmath.mpf):
        return mpmath.mpf(numerator) / denominator
    if isinstance(sample, sympy.Basic):
        return sympy.Rational(numerator, denominator)
    if isinstance(sample, (Fraction, int)) and not isinstance(sample, bool):
        return Fraction(numerator, denominator)
    return numerator / denominator


def _first(values):
    return np.asarray(values, dtype=object).reshape(-1)[0]


# --- the mutants ----------------------------------------------------------------------------------


def _wrong_share(arch, params, layer, unit, lam):
    """Shares (lambda, 1 - lambda + 1/8): they sum to 9/8."""
    return split(arch, params, layer, unit, [lam, 1 - lam + number_like(lam, 1, 8)], validate=False)


def _nonzero_inactive_weight(arch, params, layer, incoming):
    """An 'inactive' unit whose outgoing weights are 1/8 instead of 0."""
    incoming = np.asarray(incoming, dtype=object).reshape(-1)
    eighth = number_like(_first(incoming), 1, 8)
    return _units.insert_unit(arch, params, layer, incoming, [eighth] * arch.outgoing_size(layer))


def _uncompensated(arch, params, layer, b0, v0):
    """Inactive propagation without the next layer's bias correction -v0 phi(b0)."""
    zero = b0 * 0
    w_in = [zero] * arch.widths[layer] + ([b0] if arch.bias else [])
    return _units.insert_unit(arch, params, layer, np.array(w_in, dtype=object), np.asarray(v0, dtype=object))


def _live_dead_unit(arch, layer, rng, *, inputs=None, box=None, margin=1.0):
    """A 'dead' ReLU unit whose bias has the wrong sign: w . h + b >= margin on every datum."""
    w = draw_dead_incoming(arch, layer, rng, inputs=inputs, box=box, margin=margin)
    h = np.asarray(inputs, dtype=float).reshape(-1, arch.widths[layer])
    w[-1] = -float(np.min(h @ w[:-1])) + margin
    return w


def _neighbour_copy(arch, params, layer, unit, lam):
    """Replication that copies the incoming vector of the next unit (j + 1 mod width)."""
    wide, p = replicate(arch, params, layer, unit, lam)
    neighbour = (unit + 1) % arch.widths[layer + 1]
    W, b = _units.editable(p)
    _units.set_unit(wide, W, b, layer, arch.widths[layer + 1],
                    w_in=_units.incoming(arch, params, layer, neighbour))
    return wide, _units.finish(wide, p, W, b)


def _stretched_map(arch, layer, unit, lam):
    """T_lambda with w~_new = w~ - 2 lambda zeta (determinant -(1 + lambda) per pair, not -1)."""
    T = replication_map(arch, layer, unit, lam)
    zeta0 = arch.n_params
    for k in range(arch.incoming_size(layer)):
        column = T[:, zeta0 + k]
        T[:, zeta0 + k] = [2 * v if (v != 0 and v == -lam) else v for v in column]
    return T


MUTANTS: tuple[Subject, ...] = (
    SEMIFLAT.mutate("wrong-split-share", "replication with shares (lambda, 1 - lambda + 1/8)",
                    replicate=_wrong_share),
    SEMIFLAT.mutate("nonzero-inactive-weight", "an inactive unit with outgoing weights 1/8 instead of 0",
                    add_inactive_unit=_nonzero_inactive_weight),
    SEMIFLAT.mutate("lambda-squared", "the split block K_lambda with lambda^2 A_j for lambda (1 - lambda) A_j",
                    split_factor=lambda lam: lam * lam),
    SEMIFLAT.mutate("missing-bias-compensation", "inactive propagation without b^(l+1) <- b^(l+1) - v0 phi(b0)",
                    add_inactive_propagation=_uncompensated),
    SEMIFLAT.mutate("live-dead-unit", "a 'dead' ReLU unit that is active on every datum (bias sign flipped)",
                    dead_incoming=_live_dead_unit),
    SEMIFLAT.mutate("neighbour-copy", "replication copying the incoming vector of the neighbouring unit",
                    replicate=_neighbour_copy),
    SEMIFLAT.mutate("stretched-map", "T_lambda with w~_new = w~ - 2 lambda zeta (not unimodular)",
                    replication_map=_stretched_map),
)

MUTANT_NAMES: tuple[str, ...] = tuple(m.name for m in MUTANTS)


def get_mutant(name: str) -> Subject:
    """The mutant called ``name`` (one of :data:`MUTANT_NAMES`)."""
    for mutant in MUTANTS:
        if mutant.name == name:
            return mutant
    raise InvalidInput(f"mutant {name!r} is not known; use one of {', '.join(MUTANT_NAMES)}")
