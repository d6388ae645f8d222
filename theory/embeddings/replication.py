"""Unit replication gamma_lambda (docs/embeddings.md (i)) and its local coordinates T_lambda.

Replicating unit j of hidden layer ``layer`` with ratio lambda appends a copy "new" with the same
incoming vector w~_j and splits the outgoing vector: v_j <- lambda v_j, v_new = (1 - lambda) v_j.
The k-way split gives copies with shares lambda_a (sum 1): v_a = lambda_a v_j, w~_a = w~_j.

``replication_map`` returns T_lambda, the linear map from local coordinates
``(theta_narrow, zeta, eta)`` to wide parameters (flat order of :mod:`theory.params`):

    v_j = lambda v + eta,        v_new = (1 - lambda) v - eta,
    w~_j = w~ + (1 - lambda) zeta, w~_new = w~ - lambda zeta,

with every other parameter copied. ``T_lambda (theta, 0, 0) = gamma_lambda(theta)`` and
``|det T_lambda| = 1``. Its inverse (``replication_map_inverse``) is, in closed form,
``v = v_j + v_new, eta = (1 - lambda) v_j - lambda v_new, w~ = lambda w~_j + (1 - lambda) w~_new,
zeta = w~_j - w~_new``.
"""

from __future__ import annotations

import numpy as np
import sympy
import mpmath

from theory.architecture import Architecture
from theory.embeddings import _units
from theory.embeddings._world import sample_of, to_world
from theory.errors import IncompatibleEmbedding
from theory.params import Params, incoming_indices, narrow_positions, outgoing_indices


def replicate(arch: Architecture, params: Params, layer: int, unit: int, lam) -> tuple[Architecture, Params]:
    """gamma_lambda: split unit ``unit`` of hidden layer ``layer`` into two copies with shares
    ``lam`` (kept at index ``unit``) and ``1 - lam`` (appended at the end of the layer).

    ``lam`` may be any real (float, mpmath number, sympy expression). Exact numbers stay exact:

    >>> from fractions import Fraction as F
    >>> arch = Architecture((1, 1, 1), "tanh")
    >>> params = Params.build(arch, [[[F(1, 2)]], [[F(3)]]], [[F(0)], [F(1, 4)]])
    >>> wide_arch, wide = replicate(arch, params, 0, 0, F(1, 3))
    >>> wide_arch.widths
    (1, 2, 1)
    >>> [str(x) for x in wide.to_vector()]  # [w_1, w_2, b_1, b_2, v_1, v_2, c]: v = 3 split 1 : 2
    ['1/2', '1/2', '0', '0', '1', '2', '1/4']
    """
    arch.check_unit(layer, unit)
    if lam is None:
        raise IncompatibleEmbedding("replication needs a ratio: pass --lambda X (any real, e.g. 0.5)")
    lam = to_world(lam, sample_of(params))
    return _split(arch, params, layer, unit, [lam, 1 - lam])


def split(arch: Architecture, params: Params, layer: int, unit: int, shares, validate: bool = True):
    """k-way split: unit ``unit`` keeps share ``shares[0]``; ``len(shares) - 1`` copies are appended
    with the remaining shares. ``shares`` must sum to 1 (docs/embeddings.md "Repeated embedding")."""
    arch.check_unit(layer, unit)
    shares = [to_world(s, sample_of(params)) for s in shares]
    if len(shares) < 2:
        raise IncompatibleEmbedding(
            f"a split needs at least 2 shares, got {len(shares)}; pass e.g. shares=[0.5, 0.5]"
        )
    if validate and not sums_to_one(shares):
        raise IncompatibleEmbedding(
            f"split shares {[str(s) for s in shares]} sum to {sum(shares)}, not 1; "
            "rescale them so they sum to exactly 1"
        )
    return _split(arch, params, layer, unit, shares)


def _split(arch, params, layer, unit, shares):
    w_in = _units.incoming(arch, params, layer, unit)
    v = _units.outgoing(params, layer, unit)
    W, b = _units.editable(params)
    _units.set_unit(arch, W, b, layer, unit, v_out=v * shares[0])
    cur_arch, cur = arch, _units.finish(arch, params, W, b)
    for share in shares[1:]:
        cur_arch, cur = _units.append_unit(cur_arch, cur, layer, w_in, v * share)
    return cur_arch, cur


def sums_to_one(shares) -> bool:
    """Exact for sympy and integers/fractions, to working precision for floats and mpmath.

    A rounded sum of k shares errs by up to about k ulp of the largest partial sum, so the
    allowed deviation is relative to ``max(1, sum |share|)`` (shares 102.3, -90.7, -10.7 that
    are 1 to rounding are accepted).

    >>> from fractions import Fraction as F
    >>> sums_to_one([F(1, 3), F(1, 6), F(1, 2)]), sums_to_one([F(1, 3), F(1, 3)])
    (True, False)
    >>> bool(sums_to_one([0.1, 0.2, 0.7]))  # 1 to rounding (float shares give a numpy bool)
    True
    """
    total = sum(shares)
    if isinstance(total, sympy.Basic):
        return sympy.simplify(total - 1) == 0
    if isinstance(total, mpmath.mpf):
        size = max(mpmath.mpf(1), sum(abs(s) for s in shares))
        return abs(total - 1) <= len(shares) * mpmath.mpf(2) ** (-mpmath.mp.prec + 4) * size
    if isinstance(total, float):
        size = max(1.0, sum(abs(s) for s in shares))
        return abs(total - 1) <= len(shares) * 8 * np.finfo(float).eps * size
    return total == 1


def _blocks(arch: Architecture, layer: int, unit: int):
    wide = arch.widened(layer)
    new = arch.widths[layer + 1]  # index of the appended unit
    return (
        wide,
        incoming_indices(arch, layer, unit),
        outgoing_indices(arch, layer, unit),
        incoming_indices(wide, layer, unit),
        outgoing_indices(wide, layer, unit),
        incoming_indices(wide, layer, new),
        outgoing_indices(wide, layer, new),
    )


def replication_map(arch: Architecture, layer: int, unit: int, lam) -> np.ndarray:
    """T_lambda as a ``D_wide x D_wide`` object matrix.

    Columns: the narrow flat vector (D entries), then zeta (incoming size), then eta (outgoing
    size). Rows: the wide flat vector."""
    arch.check_unit(layer, unit)
    wide, w_n, v_n, w_j, v_j, w_new, v_new = _blocks(arch, layer, unit)
    D, Dw = arch.n_params, wide.n_params
    T = np.zeros((Dw, Dw), dtype=object)
    pos = narrow_positions(arch, wide, layer)
    for i in range(D):
        T[pos[i], i] = 1
    zeta0, eta0 = D, D + len(w_n)
    for k, (src, dj, dn) in enumerate(zip(w_n, w_j, w_new)):
        T[dj, src] = 1
        T[dn, src] = 1
        T[dj, zeta0 + k] = 1 - lam
        T[dn, zeta0 + k] = -lam
    for k, (src, dj, dn) in enumerate(zip(v_n, v_j, v_new)):
        T[dj, src] = lam
        T[dn, src] = 1 - lam
        T[dj, eta0 + k] = 1
        T[dn, eta0 + k] = -1
    return T


def replication_map_inverse(arch: Architecture, layer: int, unit: int, lam) -> np.ndarray:
    """Closed-form inverse of :func:`replication_map` (docs/invariants.md, I18)."""
    arch.check_unit(layer, unit)
    wide, w_n, v_n, w_j, v_j, w_new, v_new = _blocks(arch, layer, unit)
    D, Dw = arch.n_params, wide.n_params
    S = np.zeros((Dw, Dw), dtype=object)
    pos = narrow_positions(arch, wide, layer)
    for i in range(D):
        S[i, pos[i]] = 1
    zeta0, eta0 = D, D + len(w_n)
    for k, (dst, dj, dn) in enumerate(zip(w_n, w_j, w_new)):
        S[dst, dj] = lam
        S[dst, dn] = 1 - lam
        S[zeta0 + k, dj] = 1
        S[zeta0 + k, dn] = -1
    for k, (dst, dj, dn) in enumerate(zip(v_n, v_j, v_new)):
        S[dst, dj] = 1
        S[dst, dn] = 1
        S[eta0 + k, dj] = 1 - lam
        S[eta0 + k, dn] = -lam
    return S


def split_coordinates(arch: Architecture, layer: int) -> tuple[int, int]:
    """Sizes of (zeta, eta): the incoming and outgoing vector lengths of hidden layer ``layer``."""
    return arch.incoming_size(layer), arch.outgoing_size(layer)
