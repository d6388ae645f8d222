"""Repeated embedding up to a target width, in one call (docs/embeddings.md "Repeated embedding")."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from theory.architecture import Architecture
from theory.embeddings.inactive_propagation import add_inactive_propagation
from theory.embeddings.inactive_unit import add_inactive_unit, draw_dead_incoming, draw_incoming
from theory.embeddings._world import sample_of
from theory.embeddings.replication import replicate
from theory.errors import IncompatibleEmbedding
from theory.params import Params

METHODS = ("replication", "inactive-unit", "inactive-propagation")


@dataclass(frozen=True)
class EmbeddingRequest:
    """What to add. Only the fields of the chosen method may be set (others stay ``None``).

    - replication: ``unit`` (default 0) and ``lam`` (required); repeated replication splits
      the same unit again, so copies get shares lam, lam (1 - lam), ..., as the maps compose.
    - inactive-unit: ``incoming`` (one vector used for every new unit), or ``seed`` for
      N(0, scale^2) draws, or ``dead_inputs`` / ``dead_box`` with ``dead_margin`` (ReLU).
    - inactive-propagation: ``b0`` (default 0) and ``v0`` (default zeros) or ``seed`` for N(0,1)
      draws of v0.
    """

    method: str
    layer: int = 0
    unit: int | None = None
    lam: object = None
    incoming: object = None
    seed: int | None = None
    scale: float = 1.0
    dead_inputs: object = None
    dead_box: object = None
    dead_margin: float | None = None
    b0: object = None
    v0: object = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.method not in METHODS:
            raise IncompatibleEmbedding(f"--method {self.method!r} is not known; use one of {', '.join(METHODS)}")
        allowed = {
            "replication": {"unit", "lam"},
            "inactive-unit": {"incoming", "seed", "dead_inputs", "dead_box", "dead_margin"},
            "inactive-propagation": {"b0", "v0", "seed"},
        }[self.method]
        flags = {"unit": "--unit", "lam": "--lambda", "incoming": "incoming weights", "seed": "--seed",
                 "dead_inputs": "--dead-data", "dead_box": "--dead-box", "dead_margin": "--dead-margin",
                 "b0": "--b0", "v0": "--v0"}
        for name, flag in flags.items():
            if getattr(self, name) is not None and name not in allowed:
                raise IncompatibleEmbedding(
                    f"{flag} does not apply to --method {self.method}; drop it "
                    f"(it is for {', '.join(m for m in METHODS if name in {'replication': {'unit', 'lam'}, 'inactive-unit': {'incoming', 'seed', 'dead_inputs', 'dead_box', 'dead_margin'}, 'inactive-propagation': {'b0', 'v0', 'seed'}}[m])})"
                )


def embed_once(arch: Architecture, params: Params, request: EmbeddingRequest, rng: np.random.Generator):
    """Apply one embedding step of ``request``."""
    layer = request.layer
    if request.method == "replication":
        unit = 0 if request.unit is None else request.unit
        return replicate(arch, params, layer, unit, request.lam)
    if request.method == "inactive-unit":
        arch.check_layer(layer)
        if request.incoming is not None:
            w_in = request.incoming
        elif request.dead_inputs is not None or request.dead_box is not None:
            margin = 1.0 if request.dead_margin is None else request.dead_margin
            w_in = draw_dead_incoming(arch, layer, rng, inputs=request.dead_inputs, box=request.dead_box,
                                      margin=margin, like=sample_of(params))
        else:
            if request.dead_margin is not None:
                raise IncompatibleEmbedding("--dead-margin needs --dead-data FILE or --dead-box LOW:HIGH to say where the unit is dead")
            w_in = draw_incoming(arch, layer, rng, request.scale)
        return add_inactive_unit(arch, params, layer, w_in)
    arch.check_layer(layer)
    if request.v0 is not None:
        v0 = request.v0
    elif request.seed is not None:
        v0 = rng.normal(0.0, 1.0, size=arch.outgoing_size(layer))
    else:
        v0 = [0] * arch.outgoing_size(layer)
    return add_inactive_propagation(arch, params, layer, request.b0, v0)


def embed_to_width(arch: Architecture, params: Params, request: EmbeddingRequest, width: int):
    """Apply ``request`` repeatedly until hidden layer ``request.layer`` has ``width`` units.

    Draws use ``numpy.random.default_rng(request.seed)`` in order, one unit after another, so
    the result depends only on the seed."""
    arch.check_layer(request.layer)
    current = arch.widths[request.layer + 1]
    if isinstance(width, bool) or not isinstance(width, int) or width <= current:
        raise IncompatibleEmbedding(
            f"--to {width}: hidden layer {request.layer} already has {current} units; "
            f"pass a target width larger than {current}"
        )
    rng = np.random.default_rng(request.seed)
    for _ in range(width - current):
        arch, params = embed_once(arch, params, request, rng)
    return arch, params
