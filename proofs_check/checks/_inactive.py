"""Helpers for the inactive-unit checks (T3, T5, T6, T9): index bookkeeping of the new unit.

The narrow parameters' positions in the wide vector are :func:`theory.params.narrow_positions`;
the augmented layer inputs h~ are :func:`proofs_check.structure.augmented_inputs`."""

from __future__ import annotations

from theory.params import incoming_indices, outgoing_indices


def new_unit(arch, layer: int) -> int:
    """Index of the unit appended to hidden layer ``layer`` of the narrow ``arch``."""
    return arch.widths[layer + 1]


def new_indices(wide_arch, layer: int, unit: int) -> tuple[list[int], list[int]]:
    """(incoming, outgoing) flat indices of ``unit`` in the wide network."""
    return incoming_indices(wide_arch, layer, unit), outgoing_indices(wide_arch, layer, unit)
