"""Reading and writing one hidden unit's incoming and outgoing vectors (shared by the embeddings)."""

from __future__ import annotations

import numpy as np

from theory.architecture import Architecture
from theory.errors import IncompatibleEmbedding
from theory.params import Params


def editable(params: Params) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
    """Writable object-array copies of ``W`` and ``b``."""
    W = [np.array(w, dtype=object) for w in params.W]
    b = None if params.b is None else [np.array(v, dtype=object) for v in params.b]
    return W, b


def incoming(arch: Architecture, params: Params, layer: int, unit: int) -> np.ndarray:
    """Augmented incoming vector w~ = (W[layer][unit, :], b[layer][unit])."""
    row = list(params.W[layer][unit, :])
    if arch.bias:
        row.append(params.b[layer][unit])
    return np.array(row, dtype=object)


def outgoing(params: Params, layer: int, unit: int) -> np.ndarray:
    """Outgoing vector v = W[layer+1][:, unit]."""
    return np.array(params.W[layer + 1][:, unit], dtype=object)


def set_unit(arch, W, b, layer, unit, w_in=None, v_out=None) -> None:
    """Overwrite unit ``unit``'s incoming and/or outgoing vector in editable arrays."""
    if w_in is not None:
        cols = arch.widths[layer]
        W[layer][unit, :] = w_in[:cols]
        if arch.bias:
            b[layer][unit] = w_in[cols]
    if v_out is not None:
        W[layer + 1][:, unit] = v_out


def insert_unit(arch: Architecture, params: Params, layer: int, w_in, v_out, at: int | None = None
                ) -> tuple[Architecture, Params]:
    """Insert a unit with augmented incoming vector ``w_in`` (W row, then bias) and outgoing
    vector ``v_out`` at index ``at`` of hidden layer ``layer`` (default: after the last unit).

    Units at ``at`` and after move one index up; every other parameter is copied."""
    w_in = np.asarray(w_in, dtype=object).reshape(-1)
    v_out = np.asarray(v_out, dtype=object).reshape(-1)
    width = arch.widths[layer + 1]
    at = width if at is None else at
    if isinstance(at, bool) or not isinstance(at, (int, np.integer)) or not 0 <= at <= width:
        raise IncompatibleEmbedding(f"unit position {at!r}: hidden layer {layer} has {width} units, "
                                    f"so a new unit goes at an index from 0 to {width}")
    wide = arch.widened(layer)
    W, b = editable(params)
    cols = arch.widths[layer]
    W[layer] = np.insert(W[layer], at, w_in[:cols], axis=0)
    W[layer + 1] = np.insert(W[layer + 1], at, v_out, axis=1)
    if arch.bias:
        b[layer] = np.insert(b[layer], at, w_in[cols])
    return wide, finish(wide, params, W, b)


def remove_unit(arch: Architecture, params: Params, layer: int, unit: int) -> tuple[Architecture, Params]:
    """Delete unit ``unit`` of hidden layer ``layer`` (its W row, bias and outgoing column);
    units after it move one index down."""
    arch.check_unit(layer, unit)
    if arch.widths[layer + 1] < 2:
        raise IncompatibleEmbedding(f"hidden layer {layer} has one unit; an embedding cannot be undone "
                                    "down to an empty layer")
    W, b = editable(params)
    W[layer] = np.delete(W[layer], unit, axis=0)
    W[layer + 1] = np.delete(W[layer + 1], unit, axis=1)
    if b is not None:
        b[layer] = np.delete(b[layer], unit)
    widths = list(arch.widths)
    widths[layer + 1] -= 1
    narrow = Architecture(tuple(widths), arch.activation, arch.bias)
    return narrow, finish(narrow, params, W, b)


def zero_like(sample):
    """The number 0 in the world of ``sample`` (mpmath, sympy, float, balls, ...): ``0 * sample``."""
    return sample * 0


def finish(arch: Architecture, like: Params, W, b) -> Params:
    """Freeze edited arrays, keeping float dtype when every entry is still a plain float."""
    dtype = like.W[0].dtype
    if dtype != object:
        try:
            return Params.build(arch, [np.asarray(w, dtype=dtype) for w in W],
                                None if b is None else [np.asarray(v, dtype=dtype) for v in b],
                                dtype=dtype)
        except TypeError:
            pass
    return Params.build(arch, W, b, dtype=object)
