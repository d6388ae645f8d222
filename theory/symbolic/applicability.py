"""Which activation-specific claims apply to which activation, read from its properties.

The four claims first written for ReLU (the dead unit's flat set, positive homogeneity, the
one-output replication minimum and the two-output replication saddle) are statements of the
theory that need a property, not ReLU itself (theory.activation_properties.STATEMENTS,
docs/activations.md "Which statements hold"). Each claim names the statement it proves
(:data:`CLAIM_STATEMENTS`); it is proved for every activation where that statement holds and
reported "not applicable", with the statement's reason, everywhere else. ``generic`` stands for
ReLU in these claims (an undefined smooth phi has none of the properties they need).
"""

from __future__ import annotations

from theory.activation_properties import STATEMENTS, holds
from theory.activations import get_activation

CLAIM_STATEMENTS = {
    "inactive_unit.relu_dead_flat": "T6",
    "relu.homogeneity": "T8",
    "relu.replication_minimum": "T7",
    "relu.replication_saddle": "T7",
}
"""Claim id -> the statement key (theory.activation_properties.STATEMENTS) it proves."""

NEEDS_KINK = ("relu.replication_saddle",)
"""Claims whose instance needs a kink as well: the explicit saddle family has B != 0 only when
the unit's two linear pieces differ (a linear unit on one input has B = 0 at that point)."""


def claim_activation(activation: str) -> str:
    """The activation a property claim is proved for: ``relu`` for ``generic``, else itself."""
    return "relu" if activation == "generic" else activation


def reason_not(claim_id: str, activation: str) -> str:
    """"" when ``claim_id`` applies to ``activation``, else the one-line reason it does not.

    >>> reason_not("relu.homogeneity", "leaky_relu:0.1")
    ''
    >>> reason_not("relu.homogeneity", "tanh").startswith("T8 does not hold for tanh")
    True
    """
    key = CLAIM_STATEMENTS[claim_id]
    name = claim_activation(activation)
    props = get_activation(name).properties
    if not holds(props, key):
        why = next(s.reason_not for s in STATEMENTS if s.key == key)
        return f"{key} does not hold for {name}: {why}"
    if claim_id in NEEDS_KINK and not props.has_kink:
        return (f"{name} has no kink: phi is linear, so the family's unit has B = sum_i e_i x~_i^T = 0 at its "
                "critical points (one input) and the claim's saddle does not arise")
    return ""


def applies(claim_id: str, activation: str) -> bool:
    """Whether the claim is proved (not reported not applicable) for ``activation``; every claim
    outside :data:`CLAIM_STATEMENTS` applies to every activation."""
    return claim_id not in CLAIM_STATEMENTS or not reason_not(claim_id, activation)
