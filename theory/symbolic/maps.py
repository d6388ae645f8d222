"""The library's embedding maps applied to the proofs' symbols (one definition of each map).

Every proof takes its parameter map from :mod:`theory.embeddings` instead of writing its own:
the unit of a proof lives in a one-hidden-unit architecture ``(P, 1, Q)`` (``bias=False``, so
the augmented incoming vector is the whole W row and the layer input is generic, as the pairing
reduction of docs/symbolic.md needs), the library's map is applied to symbols, and the images of
the unit's blocks are read back through the library's own index functions
(:func:`theory.params.incoming_indices`, :func:`theory.params.outgoing_indices`).

Negative controls tamper with the library's output (never with the proof): ``perturb=True``
adds the non-zero symbol epsilon to one entry of the map (docs/symbolic.md, "negative
controls").
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import sympy as sp

from theory.architecture import Architecture
from theory.embeddings import (
    add_inactive_unit,
    inactive_propagation,
    replication_map,
    split,
)
from theory.params import Params, incoming_indices, outgoing_indices
from theory.symbolic.result import EPS


def unit_arch(P: int, Q: int, bias: bool = False) -> Architecture:
    """The one-hidden-unit architecture whose unit has incoming size P and outgoing size Q."""
    return Architecture((P - 1 if bias else P, 1, Q), "identity", bias)


def _params(arch: Architecture, w, v, c=None) -> Params:
    """Params of ``unit_arch`` holding w~ = ``w``, v = ``v`` (and next bias ``c``)."""
    vec = np.zeros(arch.n_params, dtype=object)
    for i, value in zip(incoming_indices(arch, 0, 0), w):
        vec[i] = value
    for i, value in zip(outgoing_indices(arch, 0, 0), v):
        vec[i] = value
    if c is not None:
        vec[arch.n_params - len(c):] = c
    return Params.from_vector(arch, vec)


def _unit(arch: Architecture, vec, unit: int):
    """(w~, v) of ``unit`` read from a flat vector of ``arch``."""
    return ([vec[i] for i in incoming_indices(arch, 0, unit)],
            [vec[i] for i in outgoing_indices(arch, 0, unit)])


@lru_cache(maxsize=None)
def replication_matrix(P: int, Q: int, lam, perturb: bool = False) -> sp.Matrix:
    """The library's T_lambda (theory.embeddings.replication_map) for ``unit_arch(P, Q)``.

    Columns (w~, v, zeta, eta); rows the wide flat vector. ``perturb`` adds epsilon to the
    share of v in the copy's outgoing weights (a tampered map)."""
    arch = unit_arch(P, Q)
    T = np.array(replication_map(arch, 0, 0, lam), dtype=object)
    if perturb:
        wide = arch.widened(0)
        for row, col in zip(outgoing_indices(wide, 0, 1), outgoing_indices(arch, 0, 0)):
            T[row, col] = T[row, col] + EPS
    return sp.Matrix(T)


def replication_images(P: int, Q: int, lam, w, v, zeta, eta, perturb: bool = False):
    """``(v_a, w~_a, v_b, w~_b)`` = the library's T_lambda applied to (w~, v, zeta, eta).

    Unit a is the replicated unit (share lambda), b the appended copy."""
    T = replication_matrix(P, Q, lam, perturb)
    images = list(T * sp.Matrix(list(w) + list(v) + list(zeta) + list(eta)))
    wide = unit_arch(P, Q).widened(0)
    wa, va = _unit(wide, images, 0)
    wb, vb = _unit(wide, images, 1)
    return va, wa, vb, wb


def split_point(P: int, Q: int, shares, w, v):
    """``[(v_a, w~_a) for each copy]`` = the library's k-way split (theory.embeddings.split)."""
    arch = unit_arch(P, Q)
    wide_arch, wide = split(arch, _params(arch, w, v), 0, 0, list(shares), validate=False)
    vec = list(wide.to_vector())
    out = []
    for a in range(len(shares)):
        wa, va = _unit(wide_arch, vec, a)
        out.append((va, wa))
    return out


def inactive_point(P: int, Q: int, w0, perturb: bool = False):
    """``(w~', v')`` of the unit the library's inactive-unit map (add_inactive_unit) appends.

    The narrow network of the proof is the generic rest only, so the library is applied to a
    one-unit network and the appended unit (index 1) is read back. ``perturb`` makes the
    "inactive" outgoing weight epsilon."""
    arch = unit_arch(P, Q)
    zero = [sp.Integer(0)] * Q
    wide_arch, wide = add_inactive_unit(arch, _params(arch, [sp.Integer(0)] * P, zero),
                                        0, np.array(list(w0), dtype=object))
    wn, vn = _unit(wide_arch, list(wide.to_vector()), 1)
    if perturb:
        vn = [x + EPS for x in vn]
    return wn, vn


def propagation_point(P: int, Q: int, b0, v0, c, phi, activation: str | None = None,
                      perturb: bool = False):
    """``(w', b', v', c_wide)`` of the library's inactive propagation (add_inactive_propagation).

    The library's network has incoming size P (P - 1 weights and the bias). With ``activation``
    a concrete library name, the library's own activation computes phi(b0); otherwise ``phi``
    (generic or one ReLU piece) is handed to the library's map as its activation (the ``phi``
    argument of :func:`theory.embeddings.inactive_propagation.apply`). ``perturb`` shifts the
    compensated bias by epsilon (a tampered compensation)."""
    name = activation or "identity"
    arch = Architecture((P - 1, 1, Q), name, True)
    params = _params(arch, [sp.Integer(0)] * P, [sp.Integer(0)] * Q, c)
    wide_arch, wide = inactive_propagation.apply(arch, params, 0, b0, np.array(list(v0), dtype=object),
                                                 phi=None if activation else phi)
    vec = [sp.sympify(x) for x in wide.to_vector()]
    wt, vn = _unit(wide_arch, vec, 1)
    cw = vec[wide_arch.n_params - Q:]
    if perturb:
        cw = [x + EPS for x in cw]
    return wt[:-1], wt[-1], vn, cw
