"""Helpers for the inactive-unit checks (T3, T5, T6, T9): index bookkeeping of the new unit.

The narrow parameters' positions in the wide vector are :func:`theory.params.narrow_positions`;
the augmented layer inputs h~ are :func:`proofs_check.landscape.structure.augmented_inputs`."""

from __future__ import annotations

import mpmath

from numerics.precision import workdps
from theory.params import incoming_indices, outgoing_indices


def new_unit(arch, layer: int) -> int:
    """Index of the unit appended to hidden layer ``layer`` of the narrow ``arch``."""
    return arch.widths[layer + 1]


def new_indices(wide_arch, layer: int, unit: int) -> tuple[list[int], list[int]]:
    """(incoming, outgoing) flat indices of ``unit`` in the wide network."""
    return incoming_indices(wide_arch, layer, unit), outgoing_indices(wide_arch, layer, unit)


def shift_targets_if_tampered(inst, config):
    """The T3 / T3d negative control "narrow-not-critical": with that tamper, every target moves by
    0.1, so the narrow point is no longer critical and the predicted criticality must fail; without
    it, ``inst`` unchanged."""
    if config.tamper != "narrow-not-critical":
        return inst
    with workdps(config.dps):
        y = inst.y + mpmath.mpf("0.1")
    return type(inst)(inst.arch, inst.params, type(inst.data)(inst.x, y), inst.seed, inst.label + " (shifted targets)")
