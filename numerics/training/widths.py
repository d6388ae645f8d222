"""Hidden widths of a trained network: one per hidden layer, the last possibly searched ("auto")."""

from __future__ import annotations

import numpy as np

from theory.architecture import Architecture
from theory.errors import InvalidInput


def hidden_widths(hidden) -> tuple:
    """``hidden`` as a tuple of hidden widths, the last possibly ``"auto"``.

    >>> hidden_widths(5), hidden_widths("auto"), hidden_widths([4, 4]), hidden_widths((3, "auto"))
    ((5,), ('auto',), (4, 4), (3, 'auto'))

    Raises:
        InvalidInput: for anything else (a width below 1, "auto" before the last layer, ...).
    """
    entries = tuple(hidden) if isinstance(hidden, (tuple, list)) else (hidden,)
    ok = len(entries) >= 1
    for k, w in enumerate(entries):
        if isinstance(w, str) and w == "auto" and k == len(entries) - 1:
            continue
        if isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 1:
            ok = False
    if not ok:
        raise InvalidInput(f"--hidden {hidden!r}: give a positive number of hidden units, one per hidden layer "
                           "(e.g. 5 or 4,4), or 'auto' for the last layer's width (e.g. auto or 4,auto)")
    return tuple(w if isinstance(w, str) else int(w) for w in entries)


def architecture(input_dim: int, hidden, output_dim: int, activation: str) -> Architecture:
    """The architecture ``(d, H_1, ..., H_{K-1}, M)`` for fixed ``hidden`` widths (an int or a tuple)."""
    return Architecture((int(input_dim),) + tuple(w for w in hidden_widths(hidden)) + (int(output_dim),), activation)


def describe(arch: Architecture) -> str:
    """``"5 hidden units"`` for one hidden layer, ``"hidden widths [4, 4]"`` for several."""
    hidden = list(arch.widths[1:-1])
    return f"{hidden[0]} hidden units" if len(hidden) == 1 else f"hidden widths {hidden}"
