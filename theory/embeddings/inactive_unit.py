"""Inactive units alpha_{w~0} (docs/embeddings.md (ii)).

A new unit with outgoing weights 0 and incoming vector w~0 (any value) leaves the function
unchanged. The incoming vector can be given, drawn from a seeded Gaussian, or drawn "dead"
(ReLU): strictly inactive, ``w~0 . h~ <= -margin``, on given layer inputs or on an input box.
"""

from __future__ import annotations

import numpy as np

from theory.architecture import Architecture
from theory.embeddings import _units
from theory.embeddings._world import sample_of, to_world, to_world_array
from theory.errors import IncompatibleEmbedding
from theory.params import Params


def add_inactive_unit(arch: Architecture, params: Params, layer: int, incoming) -> tuple[Architecture, Params]:
    """alpha: append a unit with incoming vector ``incoming`` (W row, then bias) and v = 0."""
    arch.check_layer(layer)
    w_in = to_world_array(incoming, sample_of(params))
    size = arch.incoming_size(layer)
    if w_in.shape[0] != size:
        raise IncompatibleEmbedding(
            f"incoming vector has {w_in.shape[0]} entries; hidden layer {layer} needs {size} "
            f"({arch.widths[layer]} weights{' + 1 bias' if arch.bias else ''})"
        )
    v_out = np.array([to_world(0, sample_of(params))] * arch.outgoing_size(layer), dtype=object)
    return _units.append_unit(arch, params, layer, w_in, v_out)


def draw_incoming(arch: Architecture, layer: int, rng: np.random.Generator, scale: float = 1.0) -> np.ndarray:
    """Incoming vector with i.i.d. N(0, scale^2) entries (docs/experiment.md, P3 for smooth activations)."""
    arch.check_layer(layer)
    return rng.normal(0.0, scale, size=arch.incoming_size(layer))


def draw_dead_incoming(
    arch: Architecture,
    layer: int,
    rng: np.random.Generator,
    *,
    inputs=None,
    box=None,
    margin: float = 1.0,
    like=0.0,
) -> np.ndarray:
    """A ReLU unit strictly inactive with margin: ``w . h + b <= -margin`` for every row h of
    ``inputs`` (the layer's inputs, ``n x widths[layer]``), or for every h in ``box``
    (``(low, high)`` per coordinate; hidden layer 0 only unless the box bounds that layer).

    The weights are N(0, 1); the bias is set to ``-(max over the set of w . h) - margin``
    (docs/experiment.md, P3: ``b = -(|w| R_x + m)`` for the box [-R_x, R_x]). The draws, the inputs, the box and
    the margin enter the number world of ``like`` (a parameter value) before any arithmetic, so
    the bias of an mpmath network is computed at the working precision."""
    arch.check_layer(layer)
    if not arch.phi.properties.dead_zone:
        raise IncompatibleEmbedding(
            f"a dead unit needs an activation with a dead zone such as ReLU (its output is exactly 0 when "
            f"inactive); the network uses {arch.activation}, which has none: draw the incoming weights "
            "from a distribution or give them instead"
        )
    if not arch.bias:
        raise IncompatibleEmbedding(
            "a dead unit is made inactive through its bias; the network has bias=false, "
            "so give the incoming weights explicitly"
        )
    if not margin > 0:
        raise IncompatibleEmbedding(f"--dead-margin must be positive, got {margin}")
    if (inputs is None) == (box is None):
        raise IncompatibleEmbedding("give exactly one of inputs (the data) or box (an input box) for a dead unit")
    width = arch.widths[layer]
    w = to_world_array(rng.normal(0.0, 1.0, size=width), like)
    margin = to_world(margin, like)
    if inputs is not None:
        h = np.asarray(inputs, dtype=object).reshape(-1, width)
        top = max(sum((to_world(h[i, k], like) * w[k] for k in range(width)), to_world(0, like))
                  for i in range(h.shape[0]))
    else:
        low, high = (to_world_array(np.broadcast_to(np.asarray(v, dtype=object), (width,)), like) for v in box)
        top = sum((max(w[k] * low[k], w[k] * high[k]) for k in range(width)), to_world(0, like))
    return np.concatenate([w, np.array([-top - margin], dtype=object)])
