"""Reading and writing one hidden unit's incoming and outgoing vectors (shared by the embeddings)."""

from __future__ import annotations

import numpy as np

from theory.architecture import Architecture
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


def append_unit(arch: Architecture, params: Params, layer: int, w_in, v_out) -> tuple[Architecture, Params]:
    """Append a unit at the end of hidden layer ``layer`` with the given w~ and v."""
    w_in = np.asarray(w_in, dtype=object).reshape(-1)
    v_out = np.asarray(v_out, dtype=object).reshape(-1)
    wide = arch.widened(layer)
    W, b = editable(params)
    cols = arch.widths[layer]
    W[layer] = np.vstack([W[layer], w_in[:cols].reshape(1, cols)])
    W[layer + 1] = np.hstack([W[layer + 1], v_out.reshape(-1, 1)])
    if arch.bias:
        b[layer] = np.concatenate([b[layer], w_in[cols:cols + 1]])
    return wide, finish(wide, params, W, b)


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
