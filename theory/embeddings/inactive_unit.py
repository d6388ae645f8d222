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


def apply(arch: Architecture, params: Params, layer: int, incoming, *, outgoing=None, at: int | None = None
          ) -> tuple[Architecture, Params]:
    """alpha_{w~0}: insert a unit with incoming vector ``incoming`` (W row, then bias) and v = 0 at
    index ``at`` of hidden layer ``layer`` (default: after the last unit); every other parameter is
    copied. Exported as :func:`theory.embeddings.add_inactive_unit` (docs/embeddings.md (ii)).

    ``outgoing`` (default 0) gives the new unit's v: a non-zero v is the dead-unit embedding of a
    ReLU unit, function-preserving only where the unit is inactive (docs/embeddings.md (ii), T6).
    The vectors enter the parameters' number world first.

    >>> from fractions import Fraction
    >>> arch = Architecture((1, 1, 1), "identity")
    >>> wide_arch, wide = apply(arch, Params.from_vector(arch, [Fraction(2), 1, 3, 0]), 0, [Fraction(5), -1])
    >>> wide_arch.widths, [str(v) for v in wide.to_vector()]
    ((1, 2, 1), ['2', '5', '1', '-1', '3', '0', '0'])
    """
    arch.check_layer(layer)
    sample = sample_of(params)
    w_in = to_world_array(incoming, sample)
    size = arch.incoming_size(layer)
    if w_in.shape[0] != size:
        raise IncompatibleEmbedding(
            f"incoming vector has {w_in.shape[0]} entries; hidden layer {layer} needs {size} "
            f"({arch.widths[layer]} weights{' + 1 bias' if arch.bias else ''})"
        )
    if outgoing is None:
        v_out = np.array([to_world(0, sample)] * arch.outgoing_size(layer), dtype=object)
    else:
        v_out = to_world_array(outgoing, sample)
        if v_out.shape[0] != arch.outgoing_size(layer):
            raise IncompatibleEmbedding(f"outgoing vector has {v_out.shape[0]} entries; hidden layer {layer} "
                                        f"feeds {arch.outgoing_size(layer)} units")
    return _units.insert_unit(arch, params, layer, w_in, v_out, at)


add_inactive_unit = apply  # the name of docs/embeddings.md, the CLI and the strategies


def undo(arch: Architecture, params: Params, layer: int, unit: int) -> tuple[Architecture, Params]:
    """Remove unit ``unit`` of hidden layer ``layer``: the narrow network of an inactive unit
    (v = 0) or of a unit dead on the data (the loss is unchanged there, T6). The left inverse of
    :func:`apply` (docs/embeddings.md (ii)).

    >>> from fractions import Fraction
    >>> arch = Architecture((1, 1, 1), "identity")
    >>> wide_arch, wide = apply(arch, Params.from_vector(arch, [Fraction(2), 1, 3, 0]), 0, [5, -1], at=0)
    >>> [str(v) for v in undo(wide_arch, wide, 0, 0)[1].to_vector()]
    ['2', '1', '3', '0']
    """
    return _units.remove_unit(arch, params, layer, unit)


def tangent(arch: Architecture, layer: int, direction, *, incoming=None, outgoing=None, at: int | None = None
            ) -> np.ndarray:
    """The derivative of :func:`apply`: a direction of the narrow network ``arch`` (flat) carried
    to the wide one, with the new unit's incoming (``incoming``) and outgoing (``outgoing``)
    directions (default 0), the directions the wide tangent space adds (docs/embeddings.md (ii)).
    alpha is linear in (theta, w~0), so the result does not depend on the point. No number
    conversion: the zeros are those of the direction's world (mpmath, sympy, balls, fractions).

    >>> from fractions import Fraction
    >>> arch = Architecture((1, 1, 1), "identity")
    >>> [str(v) for v in tangent(arch, 0, [Fraction(1), 2, 3, 4], outgoing=[Fraction(1, 2)])]
    ['1', '0', '2', '0', '3', '1/2', '4']
    """
    arch.check_layer(layer)
    direction = np.asarray(direction, dtype=object).reshape(-1)
    zero = _units.zero_like(direction[0]) if direction.size else 0
    w_in = [zero] * arch.incoming_size(layer) if incoming is None else incoming
    v_out = [zero] * arch.outgoing_size(layer) if outgoing is None else outgoing
    d = Params.from_vector(arch, direction)
    return _units.insert_unit(arch, d, layer, w_in, v_out, at)[1].to_vector()


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
