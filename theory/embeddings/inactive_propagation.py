"""Inactive propagation beta_{b0, v0} (docs/embeddings.md (iii); the paper's exact definition is
uncertain, this is the reconstruction the spec gives).

The new unit receives nothing (incoming weights 0) and has bias b0, so it outputs the constant
phi(b0); that constant propagates through v_new = v0 and is cancelled in the next layer's bias:
``b[layer+1] <- b[layer+1] - v0 * phi(b0)``. The compensation matters when phi(b0) != 0 (e.g.
sigmoid at b0 = 0).
"""

from __future__ import annotations

import numpy as np

from theory.architecture import Architecture
from theory.embeddings import _units
from theory.embeddings._world import sample_of, to_world, to_world_array
from theory.errors import IncompatibleEmbedding
from theory.params import Params


def add_inactive_propagation(arch: Architecture, params: Params, layer: int, b0, v0) -> tuple[Architecture, Params]:
    """beta: append a unit with incoming weights 0, bias ``b0``, outgoing ``v0``; compensate
    the next layer's bias by ``-v0 * phi(b0)``."""
    arch.check_layer(layer)
    sample = sample_of(params)
    b0 = to_world(0 if b0 is None else b0, sample)
    v0 = to_world_array(v0, sample)
    if v0.shape[0] != arch.outgoing_size(layer):
        raise IncompatibleEmbedding(
            f"v0 has {v0.shape[0]} entries; hidden layer {layer} feeds {arch.outgoing_size(layer)} units"
        )
    zero = to_world(0, sample)
    if not arch.bias:
        if b0 != 0:
            raise IncompatibleEmbedding(
                "inactive propagation with a bias b0 needs bias=true; the network has no biases, so pass b0=0"
            )
        if not arch.phi.vanishes_at_zero:
            raise IncompatibleEmbedding(
                f"{arch.activation}(0) != 0, so the constant output must be cancelled by the next "
                "layer's bias, and the network has bias=false; use a network with biases"
            )
        w_in = np.array([zero] * arch.widths[layer], dtype=object)
        return _units.append_unit(arch, params, layer, w_in, v0)
    w_in = np.array([zero] * arch.widths[layer] + [b0], dtype=object)
    wide, p = _units.append_unit(arch, params, layer, w_in, v0)
    W, b = _units.editable(p)
    b[layer + 1] = b[layer + 1] - v0 * arch.phi(b0)
    return wide, _units.finish(wide, p, W, b)
