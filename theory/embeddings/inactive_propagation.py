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


def apply(arch: Architecture, params: Params, layer: int, b0, v0, *, at: int | None = None, phi=None
          ) -> tuple[Architecture, Params]:
    """beta_{b0, v0}: insert a unit with incoming weights 0, bias ``b0`` and outgoing ``v0`` at index
    ``at`` of hidden layer ``layer`` (default: after the last unit), and compensate the next
    layer's bias by ``-v0 phi(b0)`` (:func:`compensation`). Exported as
    :func:`theory.embeddings.add_inactive_propagation` (docs/embeddings.md (iii)).

    ``phi`` evaluates the activation (default ``arch.phi``): balls or a generic symbolic phi
    pass their own. ``b0`` and ``v0`` enter the parameters' number world first.

    >>> from sympy import Rational
    >>> arch = Architecture((1, 1, 1), "identity")
    >>> theta = Params.from_vector(arch, [Rational(2), 1, 3, 0])
    >>> wide_arch, wide = apply(arch, theta, 0, Rational(1, 2), [4])
    >>> [str(v) for v in wide.to_vector()]
    ['2', '0', '1', '1/2', '3', '4', '-2']
    """
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
        return _units.insert_unit(arch, params, layer, w_in, v0, at)
    w_in = np.array([zero] * arch.widths[layer] + [b0], dtype=object)
    wide, p = _units.insert_unit(arch, params, layer, w_in, v0, at)
    W, b = _units.editable(p)
    b[layer + 1] = b[layer + 1] - compensation(v0, b0, phi or arch.phi)
    return wide, _units.finish(wide, p, W, b)


add_inactive_propagation = apply  # the name of docs/embeddings.md, the CLI and the strategies


def compensation(v0, b0, phi) -> np.ndarray:
    """The bias compensation ``v0 phi(b0)``: the constant a unit with zero incoming weights and
    bias ``b0`` sends through ``v0``; :func:`apply` subtracts it from the next layer's bias and
    :func:`undo` adds it back (docs/embeddings.md (iii))."""
    return np.asarray(v0, dtype=object) * phi(b0)


def undo(arch: Architecture, params: Params, layer: int, unit: int, *, phi=None) -> tuple[Architecture, Params]:
    """Fold unit ``unit`` (hidden layer ``layer``) into the next layer's bias and remove it: the
    narrow network of a unit with zero incoming weights, bias b0 and outgoing v0,
    ``b[layer+1] <- b[layer+1] + v0 phi(b0)`` (without biases the unit must output phi(0) = 0).
    The left inverse of :func:`apply` (docs/embeddings.md (iii)).

    >>> from sympy import Rational
    >>> arch = Architecture((1, 1, 1), "identity")
    >>> theta = Params.from_vector(arch, [Rational(2), 1, 3, 0])
    >>> wide_arch, wide = apply(arch, theta, 0, Rational(1, 2), [4])
    >>> [str(v) for v in undo(wide_arch, wide, 0, 1)[1].to_vector()]
    ['2', '1', '3', '0']
    """
    arch.check_unit(layer, unit)
    W, b = _units.editable(params)
    if b is not None:
        b[layer + 1] = b[layer + 1] + compensation(W[layer + 1][:, unit], b[layer][unit], phi or arch.phi)
    return _units.remove_unit(arch, _units.finish(arch, params, W, b), layer, unit)


def tangent(arch: Architecture, layer: int, direction, *, b0=None, v0=None, at: int | None = None, phi=None
            ) -> np.ndarray:
    """The derivative of :func:`apply` at bias ``b0``: a direction of the narrow network ``arch``
    (flat) carried to the wide one (the new unit's entries 0), plus a direction ``v0`` of the new
    unit's outgoing vector with its compensated next bias, ``-v0 phi(b0)`` (the flat directions of
    T9). beta is affine in (theta, v0) for a fixed b0, so the point does not matter otherwise. No
    number conversion: the zeros are those of the direction's world.

    >>> from sympy import Rational
    >>> arch = Architecture((1, 1, 1), "identity")
    >>> [str(v) for v in tangent(arch, 0, [Rational(0)] * 4, b0=Rational(1, 2), v0=[1])]
    ['0', '0', '0', '0', '0', '1', '-1/2']
    """
    arch.check_layer(layer)
    direction = np.asarray(direction, dtype=object).reshape(-1)
    zero = _units.zero_like(direction[0]) if direction.size else 0
    d = Params.from_vector(arch, direction)
    v_out = [zero] * arch.outgoing_size(layer) if v0 is None else np.asarray(v0, dtype=object).reshape(-1)
    wide, p = _units.insert_unit(arch, d, layer, [zero] * arch.incoming_size(layer), v_out, at)
    if v0 is not None and arch.bias:
        W, b = _units.editable(p)
        b[layer + 1] = b[layer + 1] - compensation(v_out, b0, phi or arch.phi)
        p = _units.finish(wide, p, W, b)
    return p.to_vector()
