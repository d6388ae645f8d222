"""Activation functions, each defined once with its first two derivatives.

One definition serves three number worlds: sympy expressions, mpmath numbers and float64
numpy arrays (:mod:`theory.activation_worlds`); object arrays are mapped element by element,
so the same network code runs on sympy symbols and mpmath numbers alike. Each activation
states its properties once (:class:`theory.activation_properties.Properties`); what holds
for it follows from them (docs/activations.md).

Names (the string stored in ``Architecture.activation`` and in network files):
- built-ins :data:`ACTIVATION_NAMES`: tanh, relu, sigmoid, softplus, gelu (exact erf form
  ``z Phi(z)``), identity, silu, elu, selu, leaky_relu (slope 0.01), erf, softsign, square,
  cube, exp, sin;
- ``leaky_relu:A`` for a decimal slope 0 <= A < 1 (exact rational);
- ``poly:C0,C1,...,Ck``: the polynomial C0 + C1 z + ... + Ck z^k (decimal coefficients, degree
  1..8);
- ``expr:EXPRESSION``: a smooth expression in ``x`` (:mod:`theory.activation_expr`).

Kinks sit at z = 0; the derivatives there are those of the z <= 0 branch (ReLU: phi'(0) = 0),
and callers that need smoothness check that no pre-activation sits on the kink.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy

from theory import activation_rules as rules
from theory.activation_expr import ExpressionRule
from theory.activation_properties import Properties
from theory.activation_worlds import Numpy, world_of
from theory.errors import InvalidArchitecture


@dataclass(frozen=True, eq=False)
class Activation:
    """An activation phi with derivatives phi' and phi'' and its :class:`Properties`.

    Call ``act(z)``, ``act.d1(z)``, ``act.d2(z)`` (or ``act.derivative(z, order)``) on a float,
    a float64 array, an mpmath number, a sympy expression or an object array of any of these.
    Two activations are equal when their names are (the name determines the function).
    """

    name: str
    _rule: Callable
    properties: Properties

    def __eq__(self, other):
        return isinstance(other, Activation) and other.name == self.name

    def __hash__(self):
        return hash(("Activation", self.name))

    @property
    def smooth(self) -> bool:
        """C2 on the whole line (no kink)."""
        return self.properties.smooth

    @property
    def vanishes_at_zero(self) -> bool:
        """phi(0) = 0."""
        return self.properties.vanishes_at_zero

    def derivative(self, z, order: int = 0):
        """phi (order 0), phi' (1) or phi'' (2) at ``z``, in the number world of ``z``."""
        if order not in (0, 1, 2):
            raise ValueError(f"order must be 0, 1 or 2, got {order}")
        if isinstance(z, np.ndarray) and z.dtype == object:
            return _elementwise(lambda s: self.derivative(s, order), z)
        world = world_of(z)
        if world is None:
            return self._rule(np.asarray(z, dtype=float) if np.ndim(z) else float(z), Numpy, order)
        return self._rule(z, world, order)

    def __call__(self, z):
        return self.derivative(z, 0)

    def d1(self, z):
        """phi'(z)."""
        return self.derivative(z, 1)

    def d2(self, z):
        """phi''(z)."""
        return self.derivative(z, 2)

    def formula(self, z=None) -> sympy.Expr:
        """phi as a sympy expression in ``z`` (a real symbol ``z`` by default)."""
        return self(sympy.Symbol("z", real=True) if z is None else z)


def _elementwise(fn, arr: np.ndarray) -> np.ndarray:
    out = np.empty(arr.shape, dtype=object)
    for idx, value in np.ndenumerate(arr):
        out[idx] = fn(value)
    return out


def _smooth(vanishes: bool, stationary: bool = False) -> Properties:
    return Properties("C2", piecewise_linear=False, dead_zone=False, vanishes_at_zero=vanishes,
                      positively_homogeneous=False, stationary_at_zero=stationary)


DEFAULT_LEAKY_SLOPE = sympy.Rational(1, 100)

_BUILTINS = (
    Activation("tanh", rules.tanh, _smooth(True)),
    Activation("relu", rules.LeakyReLU(0), rules.LeakyReLU(0).properties()),
    Activation("sigmoid", rules.sigmoid, _smooth(False)),
    Activation("softplus", rules.softplus, _smooth(False)),
    Activation("gelu", rules.gelu, _smooth(True)),
    Activation("identity", rules.identity,
               Properties("C2", piecewise_linear=True, dead_zone=False, vanishes_at_zero=True,
                          positively_homogeneous=True)),
    Activation("silu", rules.silu, _smooth(True)),
    Activation("elu", rules.elu, Properties("C1", piecewise_linear=False, dead_zone=False, vanishes_at_zero=True,
                                            positively_homogeneous=False)),
    Activation("selu", rules.selu, Properties("C0", piecewise_linear=False, dead_zone=False, vanishes_at_zero=True,
                                              positively_homogeneous=False)),
    Activation("leaky_relu", rules.LeakyReLU(DEFAULT_LEAKY_SLOPE), rules.LeakyReLU(DEFAULT_LEAKY_SLOPE).properties()),
    Activation("erf", rules.erf, _smooth(True)),
    Activation("softsign", rules.softsign, Properties("C1", piecewise_linear=False, dead_zone=False,
                                                      vanishes_at_zero=True, positively_homogeneous=False)),
    Activation("square", rules.Polynomial((0, 0, 1)), rules.Polynomial((0, 0, 1)).properties()),
    Activation("cube", rules.Polynomial((0, 0, 0, 1)), rules.Polynomial((0, 0, 0, 1)).properties()),
    Activation("exp", rules.exp, _smooth(False)),
    Activation("sin", rules.sin, _smooth(True)),
)

ACTIVATIONS: dict[str, Activation] = {a.name: a for a in _BUILTINS}

ACTIVATION_NAMES: tuple[str, ...] = tuple(ACTIVATIONS)
"""The built-in names (the parametrised families are :data:`FAMILIES`)."""

PAPER_ACTIVATION_NAMES: tuple[str, ...] = ("tanh", "relu", "sigmoid", "softplus", "gelu", "identity")
"""The six activations semiflat started with (the fixed instances of the theorem checks)."""

FAMILIES: tuple[str, ...] = ("leaky_relu:A", "poly:C0,C1,...", "expr:EXPRESSION")
"""Parametrised names: a leaky ReLU slope, polynomial coefficients, a user expression in x."""

EXAMPLES: tuple[str, ...] = ACTIVATION_NAMES + ("leaky_relu:0.1", "poly:0,1,0.5", "expr:x*tanh(log(1+exp(x)))")
"""Every built-in plus one member of each family (the README table, the per-activation tests)."""


def _leaky(spec: str, text: str) -> Activation:
    slope = rules.parse_rational(text, f"activation {spec!r}: slope", InvalidArchitecture)
    if not 0 <= slope < 1:
        raise InvalidArchitecture(f"activation {spec!r}: the leaky ReLU slope must satisfy 0 <= A < 1 "
                                  "(A = 0 is relu, A = 1 would be the identity), e.g. leaky_relu:0.1")
    rule = rules.LeakyReLU(slope)
    return Activation(f"leaky_relu:{text.strip()}", rule, rule.properties())


def _poly(spec: str, text: str) -> Activation:
    parts = text.split(",")
    if len(parts) < 2 or len(parts) > rules.MAX_POLY_DEGREE + 1:
        raise InvalidArchitecture(f"activation {spec!r}: give 2 to {rules.MAX_POLY_DEGREE + 1} comma-separated "
                                  "coefficients C0,C1,... of C0 + C1 z + ..., e.g. poly:0,1,0.5")
    coefficients = [rules.parse_rational(p, f"activation {spec!r}: coefficient {k}", InvalidArchitecture)
                    for k, p in enumerate(parts)]
    if all(c == 0 for c in coefficients[1:]):
        raise InvalidArchitecture(f"activation {spec!r} is constant; an activation must depend on z")
    rule = rules.Polynomial(coefficients)
    return Activation("poly:" + ",".join(p.strip() for p in parts), rule, rule.properties())


def _expr(spec: str, text: str) -> Activation:
    rule = ExpressionRule(text.strip())
    return Activation(f"expr:{text.strip()}", rule, rule.properties())


_FAMILY_BUILDERS = {"leaky_relu": _leaky, "poly": _poly, "expr": _expr}


@functools.lru_cache(maxsize=512)
def _build(spec: str) -> Activation:
    head, sep, tail = spec.partition(":")
    head = head.strip()
    if sep and head in _FAMILY_BUILDERS:
        return _FAMILY_BUILDERS[head](spec, tail)
    shown = spec if len(spec) <= 60 else spec[:57] + "..."
    raise InvalidArchitecture(
        f"activation {shown!r} is not known; use one of {', '.join(ACTIVATION_NAMES)}, "
        f"or {', '.join(FAMILIES)}"
    )


def get_activation(name: str) -> Activation:
    """Return the activation called ``name`` (a built-in or a family member, see the module doc).

    >>> get_activation("leaky_relu:0.1").properties.dead_zone
    False
    """
    if isinstance(name, Activation):
        return name
    if not isinstance(name, str):
        raise InvalidArchitecture(f"activation must be a name such as 'tanh', got {name!r}")
    name = name.strip()
    if name in ACTIVATIONS:  # looked up on every call, so the table is the one source
        return ACTIVATIONS[name]
    return _build(name)
