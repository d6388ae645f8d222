"""Network parameters: per-layer weight matrices and bias vectors, and the one flat order.

The flat order (used by gradients, Hessian rows and columns, sympy symbol vectors and
``to_vector``/``from_vector``) is layer by layer; within layer ``l`` first ``W[l]`` in row-major
order (unit by unit), then ``b[l]``:

    [W[0] row-major, b[0], W[1] row-major, b[1], ..., W[K-1], b[K-1]]

For a three-layer net with d = M = 1 this is ``[w_1..w_H, b_1..b_H, v_1..v_H, c]``, the order of
docs/network.md. Arrays may hold floats, mpmath numbers or sympy expressions (object dtype).

>>> import sympy
>>> w1, w2, b1, b2, v1, v2, c = sympy.symbols("w1 w2 b1 b2 v1 v2 c")
>>> p = Params.build(Architecture((1, 2, 1), "tanh"), [[[w1], [w2]], [[v1, v2]]], [[b1, b2], [c]])
>>> p.to_vector().tolist()
[w1, w2, b1, b2, v1, v2, c]
>>> Params.from_vector(Architecture((1, 2, 1), "tanh"), p.to_vector()).W[1].tolist()
[[v1, v2]]
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np

from theory.architecture import Architecture
from theory.errors import IncompatibleEmbedding, InvalidParameters


def _as_array(a, dtype) -> np.ndarray:
    arr = np.array(a, dtype=dtype)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class Params:
    """Weights ``W[l]`` (shape ``widths[l+1] x widths[l]``) and biases ``b[l]`` (or ``None``)."""

    W: tuple[np.ndarray, ...]
    b: tuple[np.ndarray, ...] | None

    @staticmethod
    def build(arch: Architecture, W, b=None, dtype=object) -> "Params":
        """Validated constructor: copies the arrays (as ``dtype``) and checks every shape."""
        if len(W) != arch.n_layers:
            raise InvalidParameters(
                f"got {len(W)} weight matrices for widths {list(arch.widths)}; expected {arch.n_layers}"
            )
        Ws = tuple(_as_array(w, dtype) for w in W)
        for l, w in enumerate(Ws):
            if w.shape != arch.layer_shape(l):
                raise InvalidParameters(
                    f"W[{l}] has shape {list(w.shape)}; widths {list(arch.widths)} need "
                    f"{list(arch.layer_shape(l))} (rows = units of layer {l + 1}, columns = layer {l})"
                )
        if arch.bias:
            if b is None or len(b) != arch.n_layers:
                raise InvalidParameters(
                    f"the architecture has biases: give {arch.n_layers} bias vectors "
                    f"(got {'none' if b is None else len(b)})"
                )
            bs = tuple(_as_array(v, dtype) for v in b)
            for l, v in enumerate(bs):
                if v.shape != (arch.widths[l + 1],):
                    raise InvalidParameters(
                        f"b[{l}] has length {v.shape[0] if v.ndim == 1 else list(v.shape)}; "
                        f"layer {l + 1} has {arch.widths[l + 1]} units"
                    )
        else:
            if b is not None and any(np.size(v) for v in b):
                raise InvalidParameters(
                    "the architecture has bias=false but bias vectors were given; drop them or set bias=true"
                )
            bs = None
        return Params(Ws, bs)

    # --- flat vector -----------------------------------------------------------------------

    def to_vector(self) -> np.ndarray:
        """All parameters in the documented flat order (dtype preserved); :func:`flatten`."""
        return flatten(self.W, self.b)

    @staticmethod
    def from_vector(arch: Architecture, vector, dtype=object) -> "Params":
        """Inverse of :meth:`to_vector` (:func:`unflatten`, then the checks of :meth:`build`)."""
        vec = np.asarray(vector, dtype=dtype).reshape(-1)
        if vec.shape[0] != arch.n_params:
            raise InvalidParameters(
                f"parameter vector has {vec.shape[0]} entries; widths {list(arch.widths)} "
                f"(bias {arch.bias}) need {arch.n_params}"
            )
        W, b = unflatten(arch, vec)
        return Params.build(arch, W, b, dtype=dtype)

    # --- element maps ----------------------------------------------------------------------

    def map(self, fn: Callable, dtype=object) -> "Params":
        """Apply ``fn`` to every number (e.g. ``mpmath.mpf`` or ``float``)."""
        conv = np.frompyfunc(fn, 1, 1)

        def each(a):
            """Apply ``fn`` to every entry of one array ``a`` (empty arrays pass through), as ``dtype``."""
            return _as_array(conv(a) if a.size else a, dtype)

        return Params(
            tuple(each(w) for w in self.W),
            None if self.b is None else tuple(each(v) for v in self.b),
        )

    def to_float(self) -> "Params":
        """These parameters with every entry converted by ``float`` (a float64 copy; digits beyond
        double precision are lost, so use it for plotting and float64 code only).
        """
        return self.map(float, dtype=float)

    def bias_or_zero(self, l: int) -> np.ndarray:
        """``b[l]``, or a zero vector for bias-free networks."""
        if self.b is None:
            return np.zeros(self.W[l].shape[0], dtype=self.W[l].dtype)
        return self.b[l]


def unflatten(arch: Architecture, vectors) -> tuple[list[np.ndarray], list[np.ndarray] | None]:
    """Split flat vectors into per-layer blocks: the one reading of the flat order.

    Arguments:
        arch: the architecture.
        vectors: array of shape ``(..., D)`` (any leading axes, any dtype), D = ``arch.n_params``.

    Returns:
        ``(W, b)``: ``W[l]`` of shape ``(..., widths[l+1], widths[l])`` and ``b[l]`` of shape
        ``(..., widths[l+1])`` (views of ``vectors`` where numpy allows); ``b`` is None for a
        bias-free architecture. See ``docs/network.md`` (the one flat order).

    >>> W, b = unflatten(Architecture((1, 2, 1), "tanh"), np.arange(7))
    >>> [w.tolist() for w in W], [v.tolist() for v in b]
    ([[[0], [1]], [[4, 5]]], [[2, 3], [6]])
    """
    vectors = np.asarray(vectors)
    lead = vectors.shape[:-1]
    layout, total = _layout(arch)
    if vectors.shape[-1] != total:
        raise InvalidParameters(
            f"parameter vectors have {vectors.shape[-1]} entries; widths {list(arch.widths)} "
            f"(bias {arch.bias}) need {total}"
        )
    W = [vectors[..., w0:w1].reshape(lead + shape) for w0, w1, shape, _, _ in layout]
    if not arch.bias:
        return W, None
    return W, [vectors[..., b0:b1] for _, _, _, b0, b1 in layout]


@functools.lru_cache(maxsize=256)
def _layout(arch: Architecture):
    """Per layer ``(W start, W stop, W shape, b start, b stop)`` and the total length D."""
    out, pos = [], 0
    for l in range(arch.n_layers):
        rows, cols = arch.layer_shape(l)
        w0, pos = pos, pos + rows * cols
        b0, pos = (pos, pos + rows) if arch.bias else (pos, pos)
        out.append((w0, w0 + rows * cols, (rows, cols), b0, pos))
    return tuple(out), pos


def flatten(W, b=None) -> np.ndarray:
    """Inverse of :func:`unflatten`: blocks ``W[l]`` (..., r, c) and ``b[l]`` (..., r) (or
    ``b=None``) joined into ``(..., D)`` in the flat order of ``docs/network.md``.

    >>> flatten([np.array([[0], [1]]), np.array([[4, 5]])], [np.array([2, 3]), np.array([6])]).tolist()
    [0, 1, 2, 3, 4, 5, 6]
    """
    parts = []
    for l, w in enumerate(W):
        w = np.asarray(w)
        parts.append(w.reshape(w.shape[:-2] + (-1,)))
        if b is not None:
            parts.append(np.asarray(b[l]))
    return np.concatenate(parts, axis=-1)


@functools.lru_cache(maxsize=256)
def positions(arch: Architecture) -> tuple[tuple[np.ndarray, np.ndarray | None], ...]:
    """Per layer, the flat positions of ``W[l]`` (an int array r x c) and of ``b[l]`` (length r,
    or None): :func:`unflatten` applied to ``0..D-1`` (read-only, cached per architecture)."""
    W, b = unflatten(arch, np.arange(arch.n_params))
    out = []
    for l, w in enumerate(W):
        w = w.copy()
        w.setflags(write=False)
        v = None
        if b is not None:
            v = b[l].copy()
            v.setflags(write=False)
        out.append((w, v))
    return tuple(out)


def flat_index(arch: Architecture, kind: str, layer: int, row: int, col: int = 0) -> int:
    """Position in the flat vector of ``W[layer][row, col]`` (kind ``"W"``) or ``b[layer][row]``.

    >>> arch = Architecture((1, 2, 1), "tanh")  # [w_1, w_2, b_1, b_2, v_1, v_2, c]
    >>> flat_index(arch, "W", 0, 1), flat_index(arch, "b", 0, 0)
    (1, 2)
    >>> flat_index(arch, "W", 1, 0, 1), flat_index(arch, "b", 1, 0)
    (5, 6)
    """
    w, b = positions(arch)[layer]
    if kind == "W":
        return int(w[row, col])
    if kind == "b" and b is not None:
        return int(b[row])
    raise ValueError(f"unknown parameter kind {kind!r} (bias {arch.bias})")


def incoming_indices(arch: Architecture, layer: int, unit: int) -> list[int]:
    """Flat indices of unit ``unit``'s augmented incoming vector w~ (W row, then bias)."""
    cols = arch.widths[layer]
    idx = [flat_index(arch, "W", layer, unit, c) for c in range(cols)]
    if arch.bias:
        idx.append(flat_index(arch, "b", layer, unit))
    return idx


def outgoing_indices(arch: Architecture, layer: int, unit: int) -> list[int]:
    """Flat indices of unit ``unit``'s outgoing vector v (column ``unit`` of ``W[layer+1]``)."""
    rows = arch.widths[layer + 2]
    return [flat_index(arch, "W", layer + 1, r, unit) for r in range(rows)]


def narrow_positions(arch: Architecture, wide_arch: Architecture, layer: int | None = None) -> list[int]:
    """Flat positions, in ``wide_arch``'s vector, of every parameter of the narrow ``arch``.

    The embeddings of docs/embeddings.md append new units at the end of a hidden layer, so the
    narrow ``W[l]`` is the top-left block of the wide one and ``b[l]`` a prefix of the wide bias.
    Entry ``i`` of the result is the wide flat index of narrow flat index ``i``; the other wide
    indices belong to the new units. ``layer`` (optional) asserts that only that hidden layer
    was widened.

    >>> narrow_positions(Architecture((1, 1, 1), "tanh"), Architecture((1, 2, 1), "tanh"), 0)
    [0, 2, 4, 6]

    Raises:
        IncompatibleEmbedding: if ``wide_arch`` does not contain ``arch`` that way.
    """
    same = (wide_arch.activation == arch.activation and wide_arch.bias == arch.bias
            and len(wide_arch.widths) == len(arch.widths)
            and wide_arch.widths[0] == arch.widths[0] and wide_arch.widths[-1] == arch.widths[-1]
            and all(w >= n for w, n in zip(wide_arch.widths, arch.widths)))
    if same and layer is not None:
        arch.check_layer(layer)
        same = all(w == n for h, (w, n) in enumerate(zip(wide_arch.widths, arch.widths)) if h != layer + 1)
    if not same:
        where = "" if layer is None else f" by widening hidden layer {layer} only"
        raise IncompatibleEmbedding(
            f"wide_arch {list(wide_arch.widths)} ({wide_arch.activation}, bias {wide_arch.bias}) does not "
            f"contain arch {list(arch.widths)} ({arch.activation}, bias {arch.bias}){where}: pass the "
            f"architecture returned by the embedding together with the one it was applied to")
    positions = []
    for l in range(arch.n_layers):
        rows, cols = arch.layer_shape(l)
        positions += [flat_index(wide_arch, "W", l, r, c) for r in range(rows) for c in range(cols)]
        if arch.bias:
            positions += [flat_index(wide_arch, "b", l, r) for r in range(rows)]
    return positions
