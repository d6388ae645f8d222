"""Unit replication gamma_lambda (docs/embeddings.md (i)) and its local coordinates T_lambda.

Replicating unit j of hidden layer ``layer`` with ratio lambda adds a copy "new" with the same
incoming vector w~_j and splits the outgoing vector: v_j <- lambda v_j, v_new = (1 - lambda) v_j.
The k-way split gives copies with shares lambda_a (sum 1): v_a = lambda_a v_j, w~_a = w~_j.

The maps (docs/embeddings.md, "Maps"): :func:`apply` (gamma_lambda), :func:`undo` (merge a pair),
:func:`tangent` (T_lambda on directions) and, for k copies, :func:`split` and
:func:`split_tangent`; all of them run through one formula (``_split``). T_lambda is the linear
map from local coordinates ``(theta_narrow, zeta, eta)`` to wide parameters (flat order of
:mod:`theory.params`):

    v_j = lambda v + eta,        v_new = (1 - lambda) v - eta,
    w~_j = w~ + (1 - lambda) zeta, w~_new = w~ - lambda zeta,

with every other parameter copied; :func:`replication_map` is its matrix (columns: tangents
of the unit vectors). ``T_lambda (theta, 0, 0) = gamma_lambda(theta)`` and
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


def apply(arch: Architecture, params: Params, layer: int, unit: int, lam, *, at: int | None = None
          ) -> tuple[Architecture, Params]:
    """gamma_lambda: split unit ``unit`` of hidden layer ``layer`` into two copies with shares
    ``lam`` (kept at index ``unit``) and ``1 - lam`` (the copy, inserted at index ``at``; default:
    after the last unit). Exported as :func:`theory.embeddings.replicate` (docs/embeddings.md (i)).

    ``lam`` may be any real (float, mpmath number, sympy expression, fraction); it enters the
    parameters' number world first (docs/contract.md, "Number worlds").

    >>> from fractions import Fraction
    >>> arch = Architecture((1, 1, 1), "identity")
    >>> wide_arch, wide = apply(arch, Params.from_vector(arch, [Fraction(2), 1, 3, 0]), 0, 0, Fraction(1, 3))
    >>> wide_arch.widths, [str(v) for v in wide.to_vector()]
    ((1, 2, 1), ['2', '2', '1', '1', '1', '2', '0'])
    """
    arch.check_unit(layer, unit)
    if lam is None:
        raise IncompatibleEmbedding("replication needs a ratio: pass --lambda X (any real, e.g. 0.5)")
    lam = to_world(lam, sample_of(params))
    return _split(arch, params, layer, unit, [lam, 1 - lam], at=at)


replicate = apply  # the name of docs/embeddings.md, the CLI and the strategies


def undo(arch: Architecture, params: Params, layer: int, unit: int, copy: int) -> tuple[Architecture, Params]:
    """Merge ``copy`` into ``unit`` (hidden layer ``layer``, indices of the wide network): the
    outgoing vectors add up, v_unit <- v_unit + v_copy, and ``copy`` is removed; ``unit`` keeps its
    incoming vector. The left inverse of :func:`apply` for every ratio: where w~_unit = w~_copy
    (the pair lies on a replication line) it is the narrow network of the closed-form inverse of
    T_lambda (docs/embeddings.md (i)).

    >>> from fractions import Fraction
    >>> arch = Architecture((1, 1, 1), "identity")
    >>> theta = Params.from_vector(arch, [Fraction(2), 1, 3, 0])
    >>> wide_arch, wide = apply(arch, theta, 0, 0, Fraction(1, 3))
    >>> [str(v) for v in undo(wide_arch, wide, 0, 0, 1)[1].to_vector()]
    ['2', '1', '3', '0']
    """
    arch.check_unit(layer, unit)
    arch.check_unit(layer, copy)
    if unit == copy:
        raise IncompatibleEmbedding(f"a replicated pair needs two units; got unit {unit} twice")
    W, b = _units.editable(params)
    W[layer + 1][:, unit] = W[layer + 1][:, unit] + W[layer + 1][:, copy]
    return _units.remove_unit(arch, _units.finish(arch, params, W, b), layer, copy)


def ratio(params: Params, layer: int, unit: int, copy: int):
    """lambda of a pair at its own stage: the least-squares solution of v_unit = lambda (v_unit +
    v_copy) (exact when the pair lies on a replication line, docs/embeddings.md (i))."""
    vu, vc = _units.outgoing(params, layer, unit), _units.outgoing(params, layer, copy)
    s = vu + vc
    return mpmath.fsum(a * b for a, b in zip(vu, s)) / mpmath.fsum(c * c for c in s)


def tangent(arch: Architecture, layer: int, unit: int, lam, direction=None, *, zeta=None, eta=None,
            at: int | None = None) -> np.ndarray:
    """T_lambda (direction, zeta, eta): a direction of the narrow network ``arch`` (flat, D
    entries; None for 0) carried to the wide one, plus the split directions the wide tangent
    space adds (docs/embeddings.md (i)):

        v_unit = lambda v + eta,          v_copy = (1 - lambda) v - eta,
        w~_unit = w~ + (1 - lambda) zeta,  w~_copy = w~ - lambda zeta,

    every other entry copied; the copy sits at index ``at`` (default: last) as in :func:`apply`.
    ``zeta`` has ``arch.incoming_size(layer)`` entries, ``eta`` ``arch.outgoing_size(layer)``.
    T_lambda is linear, so this is also the derivative of :func:`apply` at any point, and
    ``tangent(arch, l, j, lam, theta) = apply(arch, theta, l, j, lam)``. No number conversion:
    ``lam`` and the vectors stay in the caller's world (mpmath, sympy, balls, fractions).

    Returns:
        the wide flat vector (object array, ``arch.widened(layer).n_params`` entries).

    >>> from fractions import Fraction
    >>> arch = Architecture((1, 1, 1), "identity")
    >>> [str(v) for v in tangent(arch, 0, 0, Fraction(1, 4), zeta=[Fraction(1), 0], eta=[Fraction(1)])]
    ['3/4', '-1/4', '0', '0', '1', '-1', '0']
    """
    deltas = None if zeta is None else [_column(zeta) * (1 - lam), -(_column(zeta) * lam)]
    etas = None if eta is None else [_column(eta), -_column(eta)]
    return split_tangent(arch, layer, unit, [lam, 1 - lam], direction, deltas=deltas, etas=etas, at=at)


def split_tangent(arch: Architecture, layer: int, unit: int, shares, direction=None, *, deltas=None, etas=None,
                  at: int | None = None) -> np.ndarray:
    """The k-way split of a direction of the narrow network ``arch`` (flat; None for 0), plus
    per-copy moves: copy a (a = 0 is ``unit``, the others follow from index ``at`` on, default
    last) gets w~_a = w~ + deltas[a] and v_a = shares[a] v + etas[a] (docs/embeddings.md,
    "Repeated embedding"). The split is linear in theta, so this is its derivative at any point;
    the directions with sum_a etas[a] = 0 and sum_a shares[a] deltas[a] = 0 keep the merged unit
    fixed to first order (T4c). :func:`tangent` is the two-copy case in the coordinates (zeta, eta)
    of T_lambda. No number conversion.

    >>> from fractions import Fraction
    >>> arch = Architecture((1, 1, 1), "identity", bias=False)
    >>> half = Fraction(1, 2)
    >>> [str(v) for v in split_tangent(arch, 0, 0, [half, half], [Fraction(1), 4], etas=[[1], [-1]])]
    ['1', '1', '3', '1']
    """
    arch.check_unit(layer, unit)
    if direction is None:
        direction = np.full(arch.n_params, _units.zero_like(shares[0]), dtype=object)
    d = Params.from_vector(arch, np.asarray(direction, dtype=object).reshape(-1))
    deltas = None if deltas is None else [_column(v) for v in deltas]
    etas = None if etas is None else [_column(v) for v in etas]
    for name, moves in (("deltas", deltas), ("etas", etas)):
        if moves is not None and len(moves) != len(shares):
            raise IncompatibleEmbedding(f"{name} has {len(moves)} entries; the split has {len(shares)} copies")
    return _split(arch, d, layer, unit, list(shares), deltas, etas, at)[1].to_vector()


def _column(values) -> np.ndarray:
    return np.asarray(values, dtype=object).reshape(-1)


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


def _split(arch, params, layer, unit, shares, deltas=None, etas=None, at=None):
    """The one replication formula: copy a (a = 0 is ``unit`` itself, the others are inserted
    from index ``at`` on) gets w~_a = w~ + deltas[a] and v_a = shares[a] v + etas[a]."""
    w_in = _units.incoming(arch, params, layer, unit)
    v = _units.outgoing(params, layer, unit)

    def copy(a):
        w_a = w_in if deltas is None else w_in + deltas[a]
        v_a = v * shares[a] if etas is None else v * shares[a] + etas[a]
        return w_a, v_a

    W, b = _units.editable(params)
    w0, v0 = copy(0)
    _units.set_unit(arch, W, b, layer, unit, w_in=None if deltas is None else w0, v_out=v0)
    cur_arch, cur = arch, _units.finish(arch, params, W, b)
    for a in range(1, len(shares)):
        w_a, v_a = copy(a)
        pos = None if at is None else at + a - 1
        cur_arch, cur = _units.insert_unit(cur_arch, cur, layer, w_a, v_a, at=pos)
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
    """T_lambda as a ``D_wide x D_wide`` object matrix: the columns are :func:`tangent` of the
    unit vectors.

    Columns: the narrow flat vector (D entries), then zeta (incoming size), then eta (outgoing
    size). Rows: the wide flat vector."""
    arch.check_unit(layer, unit)
    n_in, n_out = split_coordinates(arch, layer)

    def unit_vector(n, i):
        e = np.zeros(n, dtype=object)
        e[i] = 1
        return e

    columns = [tangent(arch, layer, unit, lam, unit_vector(arch.n_params, i)) for i in range(arch.n_params)]
    columns += [tangent(arch, layer, unit, lam, zeta=unit_vector(n_in, k)) for k in range(n_in)]
    columns += [tangent(arch, layer, unit, lam, eta=unit_vector(n_out, k)) for k in range(n_out)]
    return np.array(columns, dtype=object).T


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
