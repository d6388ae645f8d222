"""I7, I12, I13 and I14 of docs/invariants.md: Hessian congruence, the smooth inactive block, the
dead ReLU unit and ReLU replication.

Hessians come from :mod:`numerics.mlp` (forward-over-reverse) at the example's dps; the predicted
blocks A_j, B_j, C(w~0) from :mod:`proofs_check.landscape.structure`.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
from hypothesis import assume, strategies as st

from numerics import mlp
from numerics.precision import to_mp_array, to_mp_params, rounding_band, workdps
from proofs_check.instances import strategies as sf
from proofs_check.instances.critical_points import min_kink_distance
from proofs_check.landscape.eigen import max_abs
from proofs_check.invariants.base import (Case, Example, Invariant, capped, has_dead_zone, is_piecewise_linear,
                                          is_smooth, require, total)
from proofs_check.invariants.function import dead_unit, dead_units, unit_embeddings
from proofs_check.invariants.gradient import critical_bound, critical_units
from proofs_check.landscape.structure import candidate_block_C, unit_blocks
from theory.network import hidden_values
from theory.params import Params, incoming_indices, outgoing_indices

HESSIAN_WIDTH = 3
"""Hessian invariants draw widths up to min(3, max_width) to keep D (and D^2 entries) small."""


def off_kinks(arch, params, x, dps) -> bool:
    """True unless ``arch`` is piecewise linear and a datum is within 1e-6 of a kink (the Hessian
    exists and is locally constant in the activation pattern; docs/invariants.md I19)."""
    return is_smooth(arch.activation) or min_kink_distance(arch, params, x, dps=dps) > 1e-6


# --- I7 ------------------------------------------------------------------------------------------


@st.composite
def hessian_units(draw, scale, activations=None, **options):
    """A unit embedding at widths <= 3, with no datum on a ReLU kink."""
    ex = draw(unit_embeddings(scale, activations=activations, max_width=HESSIAN_WIDTH, **options))
    assume(off_kinks(ex.arch, ex.params, ex.data.x, ex.dps))
    return ex


def congruence(arch, p, d, layer, unit, lam, subject, dps):
    """(max |T^T H_wide T - blockdiag(H, K)|, scale, wide point), K from ``subject.split_factor``."""
    wide = subject.replicate(arch, p, layer, unit, lam)
    H_wide = mlp.hessian(*wide, d.x, d.y, dps=dps)
    H = mlp.hessian(arch, p, d.x, d.y, dps=dps)
    blocks = unit_blocks(arch, p, d.x, d.y, layer, unit, dps=dps)
    T = subject.replication_map(arch, layer, unit, lam)
    lhs = T.T @ H_wide @ T
    D, a = arch.n_params, arch.incoming_size(layer)
    rhs = np.full(lhs.shape, mpmath.mpf(0), dtype=object)
    rhs[:D, :D] = H
    rhs[D:D + a, D:D + a] = subject.split_factor(lam) * blocks.A
    rhs[D:D + a, D + a:] = blocks.B.T
    rhs[D + a:, D:D + a] = blocks.B
    return max_abs(lhs - rhs), total(H_wide) * (1 + abs(lam)) ** 2, wide


def check_hessian_congruence(ex: Example, subject) -> None:
    """T_lambda^T H_wide(gamma_lambda theta) T_lambda = blockdiag(H(theta), K_lambda) (T4)."""
    with workdps(ex.dps):
        lam = mpmath.mpf(ex["lam"])
        err, scale, wide = congruence(ex.arch, to_mp_params(ex.params), ex.data, ex["layer"], ex["unit"], lam,
                                      subject, ex.dps)
        tol = rounding_band(ex.dps, scale, lost_digits=3)
    require(err <= tol, lambda: f"|T^T H_wide T - blockdiag(H, K)| = {mpmath.nstr(err, 5)} > {mpmath.nstr(tol, 5)}",
            wide)


def exact_det(T) -> Fraction:
    """Determinant of a matrix of rationals by exact Gaussian elimination."""
    rows = [[Fraction(v) for v in row] for row in T]
    n, det = len(rows), Fraction(1)
    for k in range(n):
        pivot = next((i for i in range(k, n) if rows[i][k] != 0), None)
        if pivot is None:
            return Fraction(0)
        if pivot != k:
            rows[k], rows[pivot] = rows[pivot], rows[k]
            det = -det
        det *= rows[k][k]
        for i in range(k + 1, n):
            factor = rows[i][k] / rows[k][k]
            if factor:
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[k])]
    return det


@st.composite
def rational_units(draw, scale):
    """An architecture, a hidden unit and a rational lambda in [-3, 3]."""
    arch = draw(sf.architectures(**scale.arch_options(max_width=HESSIAN_WIDTH)))
    layer, unit = draw(sf.hidden_units(arch))
    lam = draw(st.fractions(-3, 3, max_denominator=64))
    zero = Params.from_vector(arch, np.zeros(arch.n_params), dtype=float)
    return Example(arch, zero, None, {"layer": layer, "unit": unit, "lam": lam}, scale.dps)


def check_unimodular(ex: Example, subject) -> None:
    """|det T_lambda| = 1 exactly (rational arithmetic)."""
    det = exact_det(subject.replication_map(ex.arch, ex["layer"], ex["unit"], ex["lam"]))
    require(abs(det) == 1, f"det T_lambda = {det}, not +-1")


I7 = Invariant("I7", "T_lambda^T H_wide T_lambda = blockdiag(H, K_lambda) at any theta, and |det T_lambda| = 1",
               (Case("congruence", hessian_units, check_hessian_congruence),
                Case("unimodular", rational_units, check_unimodular)))


# --- I12 -----------------------------------------------------------------------------------------


def _smooth(scale):
    return scale.only(is_smooth)


def new_unit_indices(wide_arch, layer):
    """(incoming, outgoing) flat indices of the last unit of hidden layer ``layer``."""
    new = wide_arch.widths[layer + 1] - 1
    return incoming_indices(wide_arch, layer, new), outgoing_indices(wide_arch, layer, new)


def check_inactive_block(ex: Example, subject) -> None:
    """At alpha_{w~0}(theta), smooth phi: H_{w~w~} = 0 and H_{w~v} = C(w~0) (T5)."""
    arch, d, layer, w0 = ex.arch, ex.data, ex["layer"], ex["w0"]
    with workdps(ex.dps):
        p = to_mp_params(ex.params)
        wide = subject.add_inactive_unit(arch, p, layer, to_mp_array(w0))
        H = mlp.hessian(*wide, d.x, d.y, dps=ex.dps)
        iw, iv = new_unit_indices(wide[0], layer)
        C = candidate_block_C(arch, p, d.x, d.y, layer, w0, dps=ex.dps)
        tol = rounding_band(ex.dps, total(H), lost_digits=3)
        require(max_abs(H[np.ix_(iw, iw)]) <= tol, "H_{w~w~} != 0 at an inactive unit", wide)
        require(max_abs(H[np.ix_(iw, iv)] - C) <= tol, "H_{w~v} != C(w~0)", wide)


def negative_direction(H, iw, iv):
    """d on the new unit's coordinates with d^T H d < 0 when H_ww = 0 and C = H_wv != 0."""
    C = H[np.ix_(iw, iv)]
    a, b = np.unravel_index(np.argmax([abs(v) for v in C.reshape(-1)]), C.shape)
    d = np.full(H.shape[0], mpmath.mpf(0), dtype=object)
    d[iv[b]] = mpmath.mpf(1)
    d[iw[a]] = -mpmath.sign(C[a, b]) * (abs(H[iv[b], iv[b]]) + 1) / abs(C[a, b])
    return d, d @ H @ d


def check_null_embedding_saddle(ex: Example, subject) -> None:
    """w0 = 0 at a critical point (T3 (b)): critical, C = phi'(b0) [sum_i h_i delta_i^T; 0], and
    when C != 0 an explicit direction has d^T H d < 0 (so lambda_min < 0, T5)."""
    arch, d, layer, b0 = ex.arch, ex.data, 0, ex["b0"]
    w0 = [0.0] * arch.widths[layer] + [b0]
    with workdps(ex.dps):
        p = to_mp_params(ex.params)
        wide = subject.add_inactive_unit(arch, p, layer, to_mp_array(w0))
        g, H = mlp.gradient_and_hessian(*wide, d.x, d.y, dps=ex.dps)
        tol = rounding_band(ex.dps, total(H), lost_digits=3)
        require(max_abs(g) <= tol, "alpha_{(0, b0)}(theta*) is not critical", wide)
        delta = mlp.signals(arch, p, d.x, d.y, dps=ex.dps)[layer + 1]
        h = hidden_values(arch, p, to_mp_array(d.x))[layer]
        iw, iv = new_unit_indices(wide[0], layer)
        C = H[np.ix_(iw, iv)]
        require(max_abs(C[:-1] - arch.phi.d1(mpmath.mpf(b0)) * (h.T @ delta)) <= tol,
                "C != phi'(b0) sum_i h_i delta_i^T", wide)
        require(max_abs(C[-1]) <= tol, "the bias row of C is not 0 at a critical point", wide)
        if max_abs(C) > 1e6 * tol:
            direction, q = negative_direction(H, iw, iv)
            require(q < -1, "the explicit direction does not decrease the quadratic form", wide)


I12 = Invariant("I12", "smooth inactive unit: H_{w~w~} = 0, H_{w~v} = C(w~0); a saddle when critical with C != 0",
                (Case("blocks", lambda s: hessian_units(s, activations=_smooth(s)), check_inactive_block,
                      lambda s: bool(_smooth(s))),
                 Case("saddle", lambda s: critical_units(s, activations=_smooth(s), bias=True, max_width=2),
                      check_null_embedding_saddle, lambda s: bool(_smooth(s)))))


# --- I13 -----------------------------------------------------------------------------------------


def _relu(scale):
    return scale.only(has_dead_zone)


def _piecewise_linear(scale):
    return scale.only(is_piecewise_linear)


@st.composite
def dead_cones(draw, scale):
    """A dead-unit example (widths <= 3, margin 1/4) with a second outgoing vector and a stretch."""
    ex = draw(dead_units(capped(scale, HESSIAN_WIDTH), margin=0.25, max_n=5, bound=3.0))
    m = len(ex["v_new"])
    args = dict(ex.args, v_other=draw(sf.real_lists(m, 3.0)),
                stretch=draw(st.floats(0.1, 10.0)))
    return Example(ex.arch, ex.params, ex.data, args, ex.dps)


def check_dead_unit(ex: Example, subject) -> None:
    """A dead ReLU unit: gradient (grad L, 0), zero new Hessian rows, old block = H, and the loss is
    unchanged on the dead cone times every outgoing weight (T6)."""
    arch, d, layer = ex.arch, ex.data, ex["layer"]
    with workdps(ex.dps):
        p = to_mp_params(ex.params)
        wide = dead_unit(ex, subject, p, rng_seed=2)
        gw, H_wide = mlp.gradient_and_hessian(*wide, d.x, d.y, dps=ex.dps)
        g, H = mlp.gradient_and_hessian(arch, p, d.x, d.y, dps=ex.dps)
        iw, iv = new_unit_indices(wide[0], layer)
        require(all(v == 0 for v in gw[iw + iv]), "the dead unit's gradient is not exactly 0", wide)
        old = [i for i in range(wide[0].n_params) if i not in set(iw + iv)]
        require(max_abs(gw[old] - g) <= rounding_band(ex.dps, total(g), lost_digits=2), "an old gradient changed", wide)
        require(all(v == 0 for v in H_wide[iw + iv].reshape(-1)), "a new Hessian row is not exactly 0", wide)
        require(max_abs(H_wide[np.ix_(old, old)] - H) <= rounding_band(ex.dps, total(H), lost_digits=2),
                "the old Hessian block changed", wide)
        base = mlp.loss(arch, p, d.x, d.y, dps=ex.dps)
        moved = dead_unit(ex, subject, p, rng_seed=2, v_new=ex["v_other"], stretch=mpmath.mpf(ex["stretch"]))
        require(mlp.loss(*moved, d.x, d.y, dps=ex.dps) == base, "the loss moved on the dead cone", moved)


I13 = Invariant("I13", "dead ReLU unit: gradient (grad L, 0), new Hessian rows 0, loss flat on the cone",
                (Case("dead-unit", dead_cones, check_dead_unit, lambda s: bool(_relu(s))),))


# --- I14 -----------------------------------------------------------------------------------------


@st.composite
def relu_units(draw, scale):
    """A ReLU unit embedding (widths <= 3, no datum near a kink) with a second lambda."""
    ex = draw(hessian_units(scale, activations=_piecewise_linear(scale)))
    return Example(ex.arch, ex.params, ex.data, dict(ex.args, lam2=draw(sf.lambdas())), ex.dps)


def check_relu_replication(ex: Example, subject) -> None:
    """Piecewise-linear phi (ReLU) off kinks: A_j = 0 exactly, and T^T H_wide T = blockdiag(H, [[0, B^T], [B, 0]]) for two
    ratios (K independent of lambda, T7)."""
    arch, d, layer, unit = ex.arch, ex.data, ex["layer"], ex["unit"]
    with workdps(ex.dps):
        p = to_mp_params(ex.params)
        blocks = unit_blocks(arch, p, d.x, d.y, layer, unit, dps=ex.dps)
        require(all(v == 0 for v in blocks.A.reshape(-1)), "A_j != 0 for ReLU off the kinks")
        for lam in (ex["lam"], ex["lam2"]):
            lam = mpmath.mpf(lam)
            err, scale, wide = congruence(arch, p, d, layer, unit, lam, subject, ex.dps)
            require(err <= rounding_band(ex.dps, scale, lost_digits=3),
                    lambda: f"T^T H_wide T != blockdiag(H, [[0, B^T], [B, 0]]) at lambda = {lam}", wide)


@st.composite
def relu_single_output_points(draw, scale):
    """An exact ReLU critical point with one output and no datum near a kink."""
    ex = draw(critical_units(scale, activations=_piecewise_linear(scale), bias=True, max_output=1,
                             max_width=HESSIAN_WIDTH))
    assume(off_kinks(ex.arch, ex.params, ex.data.x, ex.dps))
    return ex


I14 = Invariant("I14", "ReLU replication: A_j = 0, K_lambda = [[0, B^T], [B, 0]] for every lambda; one output: B_j = 0",
                (Case("congruence", relu_units, check_relu_replication, lambda s: bool(_piecewise_linear(s))),
                 Case("single-output", relu_single_output_points, lambda ex, subject: check_single_output_b_vanishes(ex, subject),
                      lambda s: bool(_piecewise_linear(s)))))


def check_single_output_b_vanishes(ex: Example, subject) -> None:
    """One output, critical theta*: B_j = 0 for every unit j of the last hidden layer with v_j != 0
    (dL/dw~_j = B_j^T v_j = 0 and B_j is a single row; T4a, T7)."""
    arch, d = ex.arch, ex.data
    layer = arch.n_hidden_layers - 1
    with workdps(ex.dps):
        p = to_mp_params(ex.params)
        bound = critical_bound(arch, p, d, ex.dps)
        for unit in range(arch.widths[layer + 1]):
            v = abs(p.W[layer + 1][0, unit])
            if v < 1e-3:  # B_j = grad / v_j: judged only where v_j is clearly non-zero
                continue
            B = unit_blocks(arch, p, d.x, d.y, layer, unit, dps=ex.dps).B
            require(max_abs(B) <= bound / v, lambda: f"B_j = {mpmath.nstr(max_abs(B), 5)} != 0 at unit {unit}")
