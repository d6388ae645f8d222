"""Helpers for the inactive-unit checks (T3, T5, T6, T9): index bookkeeping of the new unit."""

from __future__ import annotations

import numpy as np

from theory.params import incoming_indices, outgoing_indices


def new_unit(arch, layer: int) -> int:
    """Index of the unit appended to hidden layer ``layer`` of the narrow ``arch``."""
    return arch.widths[layer + 1]


def new_indices(wide_arch, layer: int, unit: int) -> tuple[list[int], list[int]]:
    """(incoming, outgoing) flat indices of ``unit`` in the wide network."""
    return incoming_indices(wide_arch, layer, unit), outgoing_indices(wide_arch, layer, unit)


def old_indices(wide_arch, layer: int, unit: int) -> list[int]:
    """Flat indices of every other parameter, in the narrow network's flat order (deleting one
    unit's row, bias and column keeps the row-major order of the rest)."""
    w_in, v_out = new_indices(wide_arch, layer, unit)
    drop = set(w_in) | set(v_out)
    return [i for i in range(wide_arch.n_params) if i not in drop]


def augmented_inputs(arch, params, x, layer):
    """h~ of hidden layer ``layer``: n x (widths[layer] + 1) (call inside workdps, mpf params)."""
    import mpmath

    from theory.network import hidden_values

    h = hidden_values(arch, params, np.asarray(x, dtype=object))[layer]
    if arch.bias:
        ones = np.empty((h.shape[0], 1), dtype=object)
        ones[:, 0] = mpmath.mpf(1)
        h = np.hstack([h, ones])
    return h
