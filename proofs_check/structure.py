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

from numerics import mlp
from numerics.precision import structural_zero_band, to_mp_array, to_mp_params, workdps
from proofs_check.eigen import definiteness, max_abs
from theory.architecture import Architecture
from theory.embeddings._units import incoming, outgoing
from theory.network import as_inputs, hidden_values, pre_activations
from theory.params import Params, incoming_indices, outgoing_indices


@dataclass(frozen=True, eq=False)
class UnitBlocks:
    """A_j ((H_{l-1}+1)^2, symmetric), B_j (H_{l+1} x (H_{l-1}+1)) and the definiteness of A_j."""

    A: np.ndarray
    B: np.ndarray
    definiteness_A: str


@dataclass(frozen=True)
class ReplicatedPair:
    layer: int
    j: int
    k: int
    lam: object  # mpf, or None when v_j, v_k are not parallel to v_j + v_k


@dataclass(frozen=True)
class DeadUnit:
    layer: int
    unit: int
    margin: object  # -max_i u_ij > 0


@dataclass(frozen=True)
class KinkIncident:
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
        return not (self.replicated or self.zero_outgoing or self.zero_incoming or self.dead)

    def describe(self) -> list[str]:
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


def _layer_data(arch, params, x):
    """(augmented layer inputs h~ per hidden layer, pre-activations u per hidden layer); call in workdps."""
    p = to_mp_params(params)
    xs = to_mp_array(as_inputs(arch, np.asarray(x, dtype=object)))
    hs = hidden_values(arch, p, xs)
    zs = pre_activations(arch, p, xs)
    return [_augmented(arch, hs[l]) for l in range(arch.n_hidden_layers)], zs[:-1], p


def augmented_inputs(arch, params, x, layer) -> np.ndarray:
    """h~ of hidden layer ``layer``: the layer's inputs with a column of ones when ``arch.bias``,
    n x (H_{l-1} + bias), mpf (call inside ``workdps``; params and x of any number type)."""
    xs = to_mp_array(as_inputs(arch, np.asarray(x, dtype=object)))
    return _augmented(arch, hidden_values(arch, to_mp_params(params), xs)[layer])


def unit_blocks(arch, params, x, y, layer, unit, dps=50) -> UnitBlocks:
    """A_j and B_j of unit ``unit`` in hidden layer ``layer`` (docs/network.md), at ``dps`` digits."""
    arch.check_unit(layer, unit)
    delta = mlp.signals(arch, params, x, y, dps)[layer + 1]
    with workdps(dps):
        hts, us, p = _layer_data(arch, params, x)
        ht, u = hts[layer], us[layer][:, unit]
        v = np.array(p.W[layer + 1][:, unit], dtype=object)
        phi = arch.phi
        m = ht.shape[1]
        A = np.full((m, m), mpmath.mpf(0), dtype=object)
        B = np.full((delta.shape[1], m), mpmath.mpf(0), dtype=object)
        for i in range(ht.shape[0]):
            coef = mpmath.fsum(v[r] * delta[i, r] for r in range(len(v))) * phi.d2(u[i])
            A = A + coef * np.outer(ht[i], ht[i])
            B = B + phi.d1(u[i]) * np.outer(delta[i], ht[i])
    return UnitBlocks(A, B, definiteness(A, dps))


def candidate_blocks(arch, params, x, y, layer, w0, dps=50) -> tuple[np.ndarray, np.ndarray]:
    """(C(w~0), g_alpha(w~0)) of a candidate unit with incoming vector ``w0`` (docs/network.md, T3, T5):

        C(w~0) = sum_i phi'(w~0 . h~_i) h~_i delta_i^T        ((H_{l-1}+1) x H_{l+1})
        g_alpha(w~0) = sum_i delta_i phi(w~0 . h~_i)          (H_{l+1},)

    with the narrow network's signals delta = delta^(l+1) and augmented inputs h~ of layer
    ``layer``. C is the Hessian block between w~_new and v_new, g_alpha the gradient of v_new at
    alpha_{w~0}(theta). mpf at ``dps``."""
    arch.check_layer(layer)
    delta = mlp.signals(arch, params, x, y, dps)[layer + 1]
    with workdps(dps):
        ht = augmented_inputs(arch, params, x, layer)
        u = ht @ to_mp_array(np.asarray(w0, dtype=object).reshape(-1))
        C = (ht.T * arch.phi.d1(u)) @ delta
        g = delta.T @ arch.phi(u)
    return C, g


def candidate_block_C(arch, params, x, y, layer, w0, dps=50) -> np.ndarray:
    """C(w~0) of :func:`candidate_blocks`, (H_{l-1}+1) x H_{l+1} (docs/network.md, T5)."""
    return candidate_blocks(arch, params, x, y, layer, w0, dps)[0]


def detect(arch: Architecture, params: Params, x, *, dps=50) -> Structure:
    """Find the embedding structure of ``params`` (module docstring) on inputs ``x`` (n x d)."""
    with workdps(dps):
        hts, us, p = _layer_data(arch, params, x)
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
    """Undo one embedding: remove ``step.unit`` (merging its outgoing vector into the partner for
    replication, folding v0 phi(b0) into the next bias for inactive propagation)."""
    l, u = step.layer, step.unit
    W = [np.array(w, dtype=object) for w in params.W]
    b = None if params.b is None else [np.array(v, dtype=object) for v in params.b]
    if step.kind == "replicated":
        W[l + 1][:, step.partner] = W[l + 1][:, step.partner] + W[l + 1][:, u]
    if step.kind == "zero-incoming" and b is not None:
        b[l + 1] = b[l + 1] + W[l + 1][:, u] * arch.phi(b[l][u])
    W[l] = np.delete(W[l], u, axis=0)
    W[l + 1] = np.delete(W[l + 1], u, axis=1)
    if b is not None:
        b[l] = np.delete(b[l], u)
    widths = list(arch.widths)
    widths[l + 1] -= 1
    narrow = Architecture(tuple(widths), arch.activation, arch.bias)
    return narrow, Params.build(narrow, W, b)


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
    vp, vu = outgoing(params, step.layer, step.partner), outgoing(params, step.layer, step.unit)
    s = vp + vu
    return mpmath.fsum(a * b for a, b in zip(vp, s)) / mpmath.fsum(c * c for c in s)


def lift(arch_before: Architecture, params_before: Params, step: ReductionStep, direction, *,
         point: bool = False, number=None, phi=None, lam=None) -> np.ndarray:
    """The derivative of the embedding that ``step`` undoes, applied to a direction of the
    narrow network: returns the direction (flat, object) in the network before the step.

    The embedding is affine in the narrow parameters (docs/embeddings.md), so L_before(theta_before +
    t lift(d)) = L_after(theta_after + t d) for every t: descent and flatness transfer exactly.

    With ``point=True`` ``direction`` is a narrow parameter vector and the result is the embedded
    point itself (the inverse of :func:`apply_step`): a replicated pair gets equal incoming vectors
    and the split (lambda, 1 - lambda) of the merged outgoing vector, with lambda the stage ratio of
    ``params_before``; a dead unit keeps its own weights, a zero-outgoing unit its incoming vector
    with v = 0 exactly, a zero-incoming unit W row = 0, its bias b0 and v0, the next bias reduced
    by v0 phi(b0). ``lam`` overrides the stage ratio. ``number`` converts the constants into the direction's number world (e.g. balls,
    docs/certified.md "Lift") and ``phi`` evaluates the activation there (zero-incoming steps)."""
    conv = number or (lambda v: v)
    l, u = step.layer, step.unit
    narrow_arch, _ = apply_step(arch_before, params_before, step)
    d = Params.from_vector(narrow_arch, direction)
    W = [np.array(w, dtype=object) for w in d.W]
    b = None if d.b is None else [np.array(v, dtype=object) for v in d.b]
    zero = conv(mpmath.mpf(0))
    row = np.array([zero] * arch_before.widths[l], dtype=object)
    col = np.array([zero] * arch_before.widths[l + 2], dtype=object)
    bias = zero
    if step.kind == "replicated":
        lam = conv(stage_ratio(params_before, step) if lam is None else lam)
        p = step.partner
        row = np.array(W[l][p, :], dtype=object)
        bias = b[l][p] if b is not None else zero
        col = (1 - lam) * W[l + 1][:, p]
        W[l + 1][:, p] = lam * W[l + 1][:, p]
    elif point:
        w_in = [conv(v) for v in params_before.W[l][u, :]]
        b0 = conv(params_before.b[l][u]) if b is not None else zero
        v0 = [conv(v) for v in params_before.W[l + 1][:, u]]
        if step.kind in ("dead", "zero-outgoing"):
            row, bias = np.array(w_in, dtype=object), b0
            if step.kind == "dead":
                col = np.array(v0, dtype=object)
        elif step.kind == "zero-incoming":
            bias, col = b0, np.array(v0, dtype=object)
            if b is not None:
                b[l + 1] = b[l + 1] - col * (phi or arch_before.phi)(b0)
    W[l] = np.insert(W[l], u, row, axis=0)
    W[l + 1] = np.insert(W[l + 1], u, col, axis=1)
    if b is not None:
        b[l] = np.insert(b[l], u, bias)
    return Params.build(arch_before, W, b).to_vector()


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
