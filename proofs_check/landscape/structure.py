"""Structure of a network as an embedding of a narrower one: detection, per-unit blocks, reduction.

Detected (docs/embeddings.md; every comparison uses ``numerics.precision.structural_zero_band(dps, scale)``):
- replicated pairs (layer, j, k, lambda): equal incoming vectors w~_j = w~_k; lambda is defined
  when v_j = lambda (v_j + v_k) (the pair lies on a replication line Gamma, docs/embeddings.md (i)), else None;
- zero-outgoing units (v = 0: the inactive-unit set of docs/embeddings.md (ii));
- zero-incoming units (W row = 0: inactive propagation, docs/embeddings.md (iii));
- ReLU dead units: max_i u_ij <= -margin < 0 (strictly inactive on the data, T6), with the margin;
- ReLU kink incidents: |u_ij| <= tolerance (a datum on a kink, docs/network.md "NK" and I19).

Per-unit matrices (docs/network.md), for unit j of hidden layer ``layer`` with signals delta^(l+1) of the
next layer (n x H_{l+1}) and augmented layer inputs h~ (n x (H_{l-1}+1)):
    A_j = sum_i (v_j . delta_i) phi''(u_ij) h~_i h~_i^T,   B_j = sum_i delta_i phi'(u_ij) h~_i^T,
    C(w~0) = sum_i phi'(w~0 . h~_i) h~_i delta_i^T,   g_alpha(w~0) = sum_i delta_i phi(w~0 . h~_i).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mpmath
import numpy as np

from numerics.evaluation import Evaluation, evaluate
from numerics.precision import structural_zero_band, to_mp_array, to_mp_params, workdps
from proofs_check.landscape.eigen import definiteness, max_abs
from theory.architecture import Architecture
from theory.embeddings import inactive_propagation, inactive_unit, replication
from theory.embeddings._units import incoming, outgoing
from theory.network import as_inputs, hidden_values
from theory.params import Params, incoming_indices, outgoing_indices


@dataclass(frozen=True, eq=False)
class UnitBlocks:
    """A_j ((H_{l-1}+1)^2, symmetric), B_j (H_{l+1} x (H_{l-1}+1)) and the definiteness of A_j."""

    A: np.ndarray
    B: np.ndarray
    definiteness_A: str


@dataclass(frozen=True)
class ReplicatedPair:
    """Units ``j`` and ``k`` of hidden layer ``layer`` with equal incoming vectors; ``lam`` is the split
    ratio when the pair lies on a replication line (docs/embeddings.md (i)), else None.
    """

    layer: int
    j: int
    k: int
    lam: object  # mpf, or None when v_j, v_k are not parallel to v_j + v_k


@dataclass(frozen=True)
class DeadUnit:
    """A ReLU unit inactive on every datum: ``margin = -max_i u_ij > 0`` (theorem T6, docs/theorems.md)."""

    layer: int
    unit: int
    margin: object  # -max_i u_ij > 0


@dataclass(frozen=True)
class KinkIncident:
    """Datum ``datum`` lies on the kink of ReLU unit (``layer``, ``unit``): ``|u_ij|`` within the kink tolerance."""

    layer: int
    unit: int
    datum: int
    value: object  # u_ij, |u_ij| <= kink tolerance


@dataclass(frozen=True, eq=False)
class Structure:
    """Everything :func:`detect` found; units are (layer, unit) pairs, 0-based."""

    replicated: tuple = ()
    zero_outgoing: tuple = ()
    zero_incoming: tuple = ()
    dead: tuple = ()
    kinks: tuple = ()
    kink_tolerance: object = None

    @property
    def is_empty(self) -> bool:
        """Whether nothing reducible was found (kinks alone do not make a reduction)."""
        return not (self.replicated or self.zero_outgoing or self.zero_incoming or self.dead)

    def describe(self) -> list[str]:
        """One human-readable line per finding, numbers rounded for display only."""
        out = [f"replicated pair layer {p.layer} units ({p.j}, {p.k}) lambda "
               f"{'none (not on a line)' if p.lam is None else mpmath.nstr(p.lam, 8)}" for p in self.replicated]
        out += [f"zero outgoing weights: layer {l} unit {u}" for l, u in self.zero_outgoing]
        out += [f"zero incoming weights: layer {l} unit {u}" for l, u in self.zero_incoming]
        out += [f"ReLU dead on the data: layer {d.layer} unit {d.unit} margin {mpmath.nstr(d.margin, 6)}"
                for d in self.dead]
        out += [f"datum {k.datum} on the kink of layer {k.layer} unit {k.unit} (u = {mpmath.nstr(k.value, 3)})"
                for k in self.kinks]
        return out


@dataclass(frozen=True)
class ReductionStep:
    """One undone embedding. ``unit``/``partner`` are indices in the network *before* this step;
    ``original`` the indices in the input network."""

    kind: str  # "dead", "zero-outgoing", "replicated", "zero-incoming"
    layer: int
    unit: int
    partner: int | None = None
    lam: object = None
    original: tuple = field(default_factory=tuple)


def _augmented(arch, h):
    if not arch.bias:
        return h
    ones = np.empty((h.shape[0], 1), dtype=object)
    ones[:, 0] = mpmath.mpf(1)
    return np.hstack([h, ones])


def _layer_data(ev: Evaluation):
    """(augmented layer inputs h~ per hidden layer, pre-activations u per hidden layer) of ``ev``."""
    arch = ev.arch
    with workdps(ev.dps):
        hts = [_augmented(arch, ev.layer_inputs[l]) for l in range(arch.n_hidden_layers)]
    return hts, list(ev.pre_activations[:-1])


def augmented_inputs(arch, params, x, layer) -> np.ndarray:
    """h~ of hidden layer ``layer``: the layer's inputs with a column of ones when ``arch.bias``,
    n x (H_{l-1} + bias), mpf (call inside ``workdps``; params and x of any number type)."""
    xs = to_mp_array(as_inputs(arch, np.asarray(x, dtype=object)))
    return _augmented(arch, hidden_values(arch, to_mp_params(params), xs)[layer])


def unit_blocks(arch, params, x, y, layer, unit, dps=50) -> UnitBlocks:
    """A_j and B_j of unit ``unit`` in hidden layer ``layer`` (docs/network.md), at ``dps`` digits
    (:func:`unit_blocks_at` of a fresh evaluation)."""
    arch.check_unit(layer, unit)
    return unit_blocks_at(evaluate(arch, params, x, y, dps), layer, unit)


def unit_blocks_at(ev: Evaluation, layer: int, unit: int) -> UnitBlocks:
    """A_j and B_j of unit ``unit`` in hidden layer ``layer`` (module docstring) from the signals,
    inputs and pre-activations of one :class:`numerics.evaluation.Evaluation`, at ``ev.dps``."""
    arch = ev.arch
    arch.check_unit(layer, unit)
    delta = ev.signals[layer + 1]
    hts, us = _layer_data(ev)
    with workdps(ev.dps):
        ht, u = hts[layer], us[layer][:, unit]
        v = np.array(ev.params.W[layer + 1][:, unit], dtype=object)
        phi = arch.phi
        m = ht.shape[1]
        A = np.full((m, m), mpmath.mpf(0), dtype=object)
        B = np.full((delta.shape[1], m), mpmath.mpf(0), dtype=object)
        for i in range(ht.shape[0]):
            coef = mpmath.fsum(v[r] * delta[i, r] for r in range(len(v))) * phi.d2(u[i])
            A = A + coef * np.outer(ht[i], ht[i])
            B = B + phi.d1(u[i]) * np.outer(delta[i], ht[i])
    return UnitBlocks(A, B, definiteness(A, ev.dps))


def candidate_blocks(arch, params, x, y, layer, w0, dps=50) -> tuple[np.ndarray, np.ndarray]:
    """(C(w~0), g_alpha(w~0)) of a candidate unit with incoming vector ``w0`` (docs/network.md, T3, T5):

        C(w~0) = sum_i phi'(w~0 . h~_i) h~_i delta_i^T        ((H_{l-1}+1) x H_{l+1})
        g_alpha(w~0) = sum_i delta_i phi(w~0 . h~_i)          (H_{l+1},)

    with the narrow network's signals delta = delta^(l+1) and augmented inputs h~ of layer
    ``layer``. C is the Hessian block between w~_new and v_new, g_alpha the gradient of v_new at
    alpha_{w~0}(theta). mpf at ``dps`` (:func:`candidate_blocks_at` of a fresh evaluation)."""
    arch.check_layer(layer)
    return candidate_blocks_at(evaluate(arch, params, x, y, dps), layer, w0)


def candidate_blocks_at(ev: Evaluation, layer: int, w0) -> tuple[np.ndarray, np.ndarray]:
    """(C(w~0), g_alpha(w~0)) of :func:`candidate_blocks` from one evaluation of the network."""
    ev.arch.check_layer(layer)
    delta = ev.signals[layer + 1]
    ht = _layer_data(ev)[0][layer]
    with workdps(ev.dps):
        u = ht @ to_mp_array(np.asarray(w0, dtype=object).reshape(-1))
        C = (ht.T * ev.arch.phi.d1(u)) @ delta
        g = delta.T @ ev.arch.phi(u)
    return C, g


def candidate_block_C(arch, params, x, y, layer, w0, dps=50) -> np.ndarray:
    """C(w~0) of :func:`candidate_blocks`, (H_{l-1}+1) x H_{l+1} (docs/network.md, T5)."""
    return candidate_blocks(arch, params, x, y, layer, w0, dps)[0]


def detect(arch: Architecture, params: Params, x, *, dps=50) -> Structure:
    """Find the embedding structure of ``params`` (module docstring) on inputs ``x`` (n x d)."""
    return detect_at(evaluate(arch, params, x, None, dps))


def detect_at(ev: Evaluation) -> Structure:
    """:func:`detect` from one evaluation of the network (its parameters and pre-activations)."""
    arch, p, dps, us = ev.arch, ev.params, ev.dps, list(ev.pre_activations[:-1])
    with workdps(dps):
        ptol = structural_zero_band(dps, max(1, max_abs(p.to_vector())))
        kink_tol = structural_zero_band(dps, max([1] + [max_abs(u) for u in us]))
        rep, zout, zin, dead, kinks = [], [], [], [], []
        for l in range(arch.n_hidden_layers):
            H = arch.widths[l + 1]
            vin = [incoming(arch, p, l, j) for j in range(H)]
            vout = [outgoing(p, l, j) for j in range(H)]
            dead_here = set()
            if arch.phi.properties.has_kink:  # relu, leaky_relu, elu, selu, softsign: kink at 0
                for j in range(H):
                    col = us[l][:, j]
                    for i, u in enumerate(col):
                        if abs(u) <= kink_tol:
                            kinks.append(KinkIncident(l, j, i, u))
                    top = max(col)
                    if arch.phi.properties.dead_zone and top < -kink_tol:
                        dead.append(DeadUnit(l, j, -top))
                        dead_here.add(j)
            for j in range(H):
                if max_abs(vout[j]) <= ptol:
                    zout.append((l, j))
                if max_abs(vin[j][: arch.widths[l]]) <= ptol:
                    zin.append((l, j))
            for j in range(H):
                for k in range(j + 1, H):
                    if max_abs(vin[j] - vin[k]) <= ptol:
                        rep.append(ReplicatedPair(l, j, k, _pair_ratio(vout[j], vout[k], ptol)))
    return Structure(tuple(rep), tuple(zout), tuple(zin), tuple(dead), tuple(kinks), kink_tol)


def _pair_ratio(vj, vk, ptol):
    """lambda with v_j = lambda (v_j + v_k), or None (not parallel, or v_j + v_k = 0)."""
    s = vj + vk
    ss = mpmath.fsum(c * c for c in s)
    if mpmath.sqrt(ss) <= ptol:
        return None
    lam = mpmath.fsum(a * b for a, b in zip(vj, s)) / ss
    return lam if max_abs(vj - lam * s) <= ptol else None


def plan(arch: Architecture, structure: Structure) -> list[ReductionStep]:
    """The order in which embeddings are undone: dead units (T6), zero-outgoing units (T5),
    replicated pairs on a line (T4), zero-incoming units with v != 0 (T3 (iii)). A unit is used
    once; every layer keeps at least one unit. Indices in the steps are current ones."""
    alive = [list(range(arch.widths[l + 1])) for l in range(arch.n_hidden_layers)]
    used = set()
    steps = []

    def take(kind, layer, unit, partner=None, lam=None):
        if (layer, unit) in used or len(alive[layer]) <= 1:
            return
        cur = alive[layer].index(unit)
        cur_partner = None if partner is None else alive[layer].index(partner)
        steps.append(ReductionStep(kind, layer, cur, cur_partner, lam,
                                   (unit,) if partner is None else (partner, unit)))
        alive[layer].remove(unit)
        used.add((layer, unit))

    for d in structure.dead:
        take("dead", d.layer, d.unit)
    for layer, unit in structure.zero_outgoing:
        take("zero-outgoing", layer, unit)
    for pair in structure.replicated:
        if pair.lam is not None and (pair.layer, pair.j) not in used:
            take("replicated", pair.layer, pair.k, partner=pair.j, lam=pair.lam)
    if arch.bias or arch.phi.vanishes_at_zero:  # else the constant phi(0) cannot be folded anywhere
        for layer, unit in structure.zero_incoming:
            take("zero-incoming", layer, unit)
    return steps


def apply_step(arch: Architecture, params: Params, step: ReductionStep) -> tuple[Architecture, Params]:
    """Undo one embedding with its kind's ``undo`` (theory.embeddings): remove ``step.unit``,
    merging its outgoing vector into the partner for replication and folding v0 phi(b0) into the
    next bias for inactive propagation."""
    l, u = step.layer, step.unit
    if step.kind == "replicated":
        return replication.undo(arch, params, l, step.partner, u)
    if step.kind == "zero-incoming":
        return inactive_propagation.undo(arch, params, l, u)
    return inactive_unit.undo(arch, params, l, u)


def reduce(arch: Architecture, params: Params, structure: Structure):
    """Undo every detected embedding. Returns (narrow_arch, narrow_params, steps); the narrow
    network computes the same function on the data (exactly, for the maps of docs/embeddings.md)."""
    steps = plan(arch, structure)
    cur_arch, cur = arch, params
    for step in steps:
        cur_arch, cur = apply_step(cur_arch, cur, step)
    return cur_arch, cur, tuple(steps)


# --- directions across a reduction step ------------------------------------------------------

def stage_ratio(params: Params, step: ReductionStep):
    """lambda of a replication step at its own stage: v_p = lambda (v_p + v_u)."""
    return replication.ratio(params, step.layer, step.partner, step.unit)


def lift(arch_before: Architecture, params_before: Params, step: ReductionStep, direction, *,
         point: bool = False, number=None, phi=None, lam=None) -> np.ndarray:
    """The derivative of the embedding that ``step`` undoes, applied to a direction of the
    narrow network: returns the direction (flat, object) in the network before the step
    (the kind's ``tangent`` in theory.embeddings).

    The embedding is affine in the narrow parameters (docs/embeddings.md), so L_before(theta_before +
    t lift(d)) = L_after(theta_after + t d) for every t: descent and flatness transfer exactly.

    With ``point=True`` ``direction`` is a narrow parameter vector and the result is the embedded
    point itself (the inverse of :func:`apply_step`, the kind's ``apply``): a replicated pair gets
    equal incoming vectors and the split (lambda, 1 - lambda) of the merged outgoing vector, with
    lambda the stage ratio of ``params_before``; a dead unit keeps its own weights, a zero-outgoing
    unit its incoming vector with v = 0 exactly, a zero-incoming unit W row = 0, its bias b0 and v0,
    the next bias reduced by v0 phi(b0). ``lam`` overrides the stage ratio. ``number`` converts the
    constants into the direction's number world (e.g. balls, docs/certified.md "Lift") and ``phi``
    evaluates the activation there (zero-incoming steps)."""
    conv = number or (lambda v: v)
    l, u = step.layer, step.unit
    narrow_arch, _ = apply_step(arch_before, params_before, step)
    direction = np.asarray(direction, dtype=object).reshape(-1)
    if step.kind == "replicated":
        lam = conv(stage_ratio(params_before, step) if lam is None else lam)
        return replication.tangent(narrow_arch, l, step.partner, lam, direction, at=u)
    if not point:
        return inactive_unit.tangent(narrow_arch, l, direction, at=u)
    narrow = Params.from_vector(narrow_arch, direction)
    w_in = [conv(v) for v in incoming(arch_before, params_before, l, u)]
    v0 = [conv(v) for v in outgoing(params_before, l, u)]
    if step.kind == "zero-incoming":
        b0 = w_in[-1] if arch_before.bias else conv(mpmath.mpf(0))
        wide = inactive_propagation.apply(narrow_arch, narrow, l, b0, v0, at=u, phi=phi)[1]
    else:
        wide = inactive_unit.apply(narrow_arch, narrow, l, w_in,
                                   outgoing=v0 if step.kind == "dead" else None, at=u)[1]
    return wide.to_vector()


def unit_direction(arch: Architecture, layer: int, unit: int, w_part=None, v_part=None) -> np.ndarray:
    """A flat direction that moves only unit ``unit``'s incoming (w~) and/or outgoing (v) vector."""
    d = np.full(arch.n_params, mpmath.mpf(0), dtype=object)
    if w_part is not None:
        for i, val in zip(incoming_indices(arch, layer, unit), w_part):
            d[i] = val
    if v_part is not None:
        for i, val in zip(outgoing_indices(arch, layer, unit), v_part):
            d[i] = val
    return d
