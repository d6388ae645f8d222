"""What an activation is (its properties) and, from that alone, which statements hold for it.

Every activation states its properties once (:class:`Properties`); :data:`STATEMENTS` lists
the statements of the theory (spec sections T1-T10 as written up in docs/theorems.md) with the
property each one needs. The checks, ``classify`` and the README table all read
:func:`applicability`, so what the report says and what the checks do cannot drift apart
(docs/activations.md, "Which statements hold").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

SMOOTHNESS = ("C0", "C1", "C2")
"""Continuity classes used: C0 = a kink in phi' (ReLU), C1 = a jump in phi'' only (ELU),
C2 = twice continuously differentiable everywhere (here always analytic)."""


@dataclass(frozen=True)
class Properties:
    """The properties the theory branches on.

    Attributes:
        smoothness: "C2" (twice continuously differentiable on R), "C1" (phi'' jumps at the
            kink z = 0) or "C0" (phi' jumps at z = 0).
        piecewise_linear: phi is affine on each side of z = 0 (phi'' = 0 off the kink).
        dead_zone: phi = phi' = 0 on the open half-line z < 0 (a unit can be dead on data).
        vanishes_at_zero: phi(0) = 0.
        positively_homogeneous: phi(c z) = c phi(z) for every c > 0.
        stationary_at_zero: phi is differentiable at 0 with phi'(0) = 0 (square, cube).
    """

    smoothness: str
    piecewise_linear: bool
    dead_zone: bool
    vanishes_at_zero: bool
    positively_homogeneous: bool
    stationary_at_zero: bool = False

    def __post_init__(self):
        if self.smoothness not in SMOOTHNESS:
            raise ValueError(f"smoothness must be one of {SMOOTHNESS}, got {self.smoothness!r}")

    @property
    def smooth(self) -> bool:
        """C2 on the whole real line (no kink anywhere)."""
        return self.smoothness == "C2"

    @property
    def has_kink(self) -> bool:
        """Not C2 at z = 0: Hessian statements need no pre-activation on the kink (spec NK)."""
        return not self.smooth

    def describe(self) -> str:
        words = [{"C2": "smooth (C2)", "C1": "C1, phi'' jumps at 0", "C0": "kink at 0"}[self.smoothness]]
        if self.piecewise_linear:
            words.append("piecewise linear")
        words.append("dead zone z < 0" if self.dead_zone else "no dead zone")
        words.append("phi(0) = 0" if self.vanishes_at_zero else "phi(0) != 0")
        words.append("positively homogeneous" if self.positively_homogeneous else "not homogeneous")
        if self.stationary_at_zero:
            words.append("phi'(0) = 0")
        return ", ".join(words)


@dataclass(frozen=True)
class Statement:
    """A statement of the theory and the property test that decides whether it holds."""

    key: str
    text: str
    holds: Callable[[Properties], bool]
    reason_not: str


STATEMENTS: tuple[Statement, ...] = (
    Statement("T1", "embeddings preserve the network function", lambda p: True, ""),
    Statement("T2", "replication preserves criticality (gradient congruence)", lambda p: True, ""),
    Statement("T3", "inactive unit with w0 = 0 is critical (next layer has biases)", lambda p: True, ""),
    Statement("T3-nobias", "bias-free net: inactive unit with w~0 = 0 is critical", lambda p: p.vanishes_at_zero,
              "phi(0) != 0: g_alpha = phi(0) sum_i delta_i does not vanish without a bias"),
    Statement("T3-dead", "dead inactive unit is critical for every v_new", lambda p: p.dead_zone,
              "no dead zone: phi(w~0 . h~) != 0 on the data, so g_alpha = 0 is a condition, not free"),
    Statement("T3-b0", "inactive propagation with b0 = 0 is critical for every v0",
              lambda p: p.stationary_at_zero, "phi'(0) != 0 (or a kink at 0)"),
    Statement("T4", "Hessian congruence T^T H T = H_narrow + K_lambda", lambda p: True, ""),
    Statement("T4a", "Fukumizu-Amari table (A_j decides minimum vs saddle)", lambda p: not p.piecewise_linear,
              "phi'' = 0 off the kink, so A_j = 0 and K_lambda = [[0, B^T], [B, 0]] (see T7)"),
    Statement("T5", "inactive unit with C(w~0) != 0 at a critical point is a strict saddle", lambda p: True, ""),
    Statement("T6", "semi-flat minimum: a dead unit embeds a minimum as a minimum (Thm 9)", lambda p: p.dead_zone,
              "no dead zone: an inactive unit sees phi' != 0 on the data, so C != 0 and T5 gives a saddle"),
    Statement("T7", "M = 1 replication: every critical point is a minimum (Thm 10)",
              lambda p: p.piecewise_linear and p.positively_homogeneous,
              "needs phi piecewise linear and positively homogeneous (convex in U = v w~ per pattern)"),
    Statement("T8", "extra flat directions (c v, w~ / c) of positive homogeneity", lambda p: p.positively_homogeneous,
              "phi(c z) != c phi(z): only the replication line is flat"),
    Statement("T9", "zero error: inactive units give semi-flat global minima", lambda p: True, ""),
    Statement("T9-flat", "zero error: surplus units add no curvature (trace unchanged)", lambda p: p.dead_zone,
              "tr H grows by sum_i phi(w~_k . x~_i)^2 > 0 per surplus unit"),
)
"""The statements whose applicability depends on the activation (docs/activations.md)."""

STATEMENT_KEYS = tuple(s.key for s in STATEMENTS)


def applicability(props: Properties) -> tuple[tuple[str, bool, str], ...]:
    """``(key, holds, why-not)`` for every statement in :data:`STATEMENTS`.

    >>> p = Properties("C0", True, False, True, True)   # leaky ReLU
    >>> dict((k, h) for k, h, _ in applicability(p))["T6"]
    False
    """
    return tuple((s.key, bool(s.holds(props)), "" if s.holds(props) else s.reason_not) for s in STATEMENTS)


def holds(props: Properties, key: str) -> bool:
    """Whether statement ``key`` holds for an activation with ``props``."""
    for s in STATEMENTS:
        if s.key == key:
            return bool(s.holds(props))
    raise KeyError(f"unknown statement {key!r}; use one of {', '.join(STATEMENT_KEYS)}")


def render_table(activations) -> str:
    """The Markdown table of properties and statements for ``activations`` (Activation objects).

    The README's table is this function's output (a test compares them)."""
    keys = [s.key for s in STATEMENTS]
    head = ["activation", "smooth", "pw. linear", "dead zone", "phi(0)=0", "pos. homog."] + keys
    yes = {True: "yes", False: "-"}
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for act in activations:
        p = act.properties
        cells = [f"`{act.name}`", p.smoothness, yes[p.piecewise_linear], yes[p.dead_zone], yes[p.vanishes_at_zero],
                 yes[p.positively_homogeneous]] + [yes[h] for _, h, _ in applicability(p)]
        lines.append("| " + " | ".join(cells) + " |")
    legend = "; ".join(f"{s.key}: {s.text}" for s in STATEMENTS)
    return "\n".join(lines) + "\n\nColumns: " + legend + "."
