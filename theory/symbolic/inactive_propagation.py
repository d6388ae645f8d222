"""General proofs for inactive propagation beta_{b0,v0} (docs/embeddings.md (iii); T1, T3 in docs/theorems.md; I6 in docs/invariants.md).

Setting (see :mod:`theory.symbolic.layer`): one sample, generic phi, Lambda, h~(rho), R(rho), and
the next layer's bias c made explicit: z = R(rho) + c [+ v' phi(w'.h + b')]. The map is the
library's (theory.embeddings.add_inactive_propagation, read through :mod:`theory.symbolic.maps`):
w' = 0, bias b0, v' = v0, c_wide = c - v0 phi(b0). Narrow parameters: (rho, c).

Sizes: the new unit's incoming weights are 0 at the point, so the only input-side vector is the
direction c_w (paired with h); the bias is its own coordinate. The reduced layer therefore has
one generic input entry plus the bias entry 1 (P = 2); the output side carries {v0, c_v, c_c}
(Q = 3; the point c is part of the generic rest). The pairing reduction (docs/symbolic.md) gives
every size. Negative control (``perturb=True``): the library's compensated bias shifted by epsilon.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from theory.activations import get_activation
from theory.symbolic import maps
from theory.symbolic.generic import derivative, symbols_vector
from theory.symbolic.layer import N_REST, Layer, activation_pieces, cases
from theory.symbolic.result import PAIRING, Derivation, reduced_method

SIZE = (2, 3)
B0 = sp.Symbol("b_0", real=True)
T = sp.Symbol("t", real=True)

GENERALITY = (
    "any activation phi, any loss composed with later layers Lambda(rho, z), any earlier layers "
    "h~(rho) and other units R(rho), any b0 and v0, at any theta (critical or not); per-sample "
    "identity summed over samples; every dim w~ and dim v"
)


class _Propagation:
    def __init__(self, P: int, Q: int, activation: str, piece: int, perturb: bool):
        self.layer = L = Layer(P, Q)
        self.phi = phi = activation_pieces(activation)[piece][1]
        self.c = symbols_vector("c", Q)
        self.wn, self.bn, self.vn = symbols_vector("wn", P - 1), sp.Symbol("bn", real=True), symbols_vector("vn", Q)
        self.cw = symbols_vector("cw", Q)
        self.v0 = symbols_vector("v0", Q)
        # a kinked activation is proved piece by piece: the map's phi(b0) must be the piece too
        concrete = activation if activation != "generic" and get_activation(activation).smooth else None
        w_pt, b_pt, v_pt, c_pt = maps.propagation_point(P, Q, B0, self.v0, self.c, phi, concrete, perturb)
        self.point = {**dict(zip(self.wn, w_pt)), self.bn: b_pt, **dict(zip(self.vn, v_pt)),
                      **dict(zip(self.cw, c_pt))}
        self.narrow = L.rho + self.c
        self.wide = L.rho + self.cw + self.wn + [self.bn] + self.vn
        self.z_wide = L.z([(self.vn, self.wn + [self.bn])], phi, extra=self.cw)
        self.z_narrow = [r + c for r, c in zip(L.rest, self.c)]
        self.loss_wide = L.sample_loss(self.z_wide)
        self.loss_narrow = L.sample_loss(self.z_narrow)
        # a symbolic direction: c_rho, c_c (old); c_w, c_b, c_v (new unit)
        self.dir = symbols_vector("d", len(self.wide))
        self.d_old = self.dir[:N_REST + Q]
        self.d_w, self.d_b, self.d_v = self.dir[N_REST + Q:N_REST + Q + P - 1], self.dir[N_REST + Q + P - 1], self.dir[N_REST + Q + P:]

    def line(self, old=True, new=True):
        """Substitution for point + t d (old and/or new parts of the direction)."""
        sub = {}
        for x, dx in zip(self.wide, self.dir):
            is_old = x in self.layer.rho or x in self.cw
            scale = T if (old if is_old else new) else 0
            base = self.point.get(x, x)
            sub[x] = base + scale * dx
        return sub

    def narrow_line(self):
        """Substitution moving the narrow parameters along ``x + T dx`` (the line in direction ``d_old``)."""
        return {x: x + T * dx for x, dx in zip(self.narrow, self.d_old)}


@lru_cache(maxsize=None)
def _propagation(P: int, Q: int, activation: str, piece: int, perturb: bool) -> _Propagation:
    return _Propagation(P, Q, activation, piece, perturb)


def _cases(d: Derivation, activation: str, perturb: bool):
    """``(piece, label, phi, propagation, layer, delta)`` for each reduced case of ``SIZE``, with
    ``delta`` the loss signal at the narrow output (docs/symbolic.md)."""
    for P, Q, k, label, phi in cases(d, (SIZE,), activation):
        s = _propagation(P, Q, activation, k, perturb)
        yield k, label, phi, s, s.layer, s.layer.delta_at(s.z_narrow)


def _map_latex() -> str:
    return (r"w' = 0,\quad b' = b_0,\quad v' = v_0,\quad c_{wide} = c - v_0\,\varphi(b_0)"
            r"\quad\text{(theory.embeddings.add\_inactive\_propagation)}")


def _derivation(statement, vectors, hypotheses=""):
    return Derivation(statement, GENERALITY, sizes="all", argument=PAIRING,
                      method=reduced_method(*SIZE, vectors), hypotheses=hypotheses)


def prove_function(activation: str, perturb: bool = False) -> Derivation:
    """T1: z(beta_{b0,v0} theta) = z(theta) for every b0, v0."""
    d = _derivation(
        "Inactive propagation (w_new = 0, bias b0, v_new = v0, next bias c - v0 phi(b0)) leaves the "
        "network function and the loss unchanged.", "output-side vectors {v0} (and the point c)",
    )
    for k, label, _, s, _, _ in _cases(d, activation, perturb):
        if k == 0:
            d.show("parameter map", _map_latex())
            d.show("z at the embedded point", sp.Matrix(s.z_wide).xreplace(s.point))
        diff = sp.Matrix([a.xreplace(s.point) - b for a, b in zip(s.z_wide, s.z_narrow)])
        d.require_zero(f"z difference, {label}", diff)
    return d


def prove_gradient(activation: str, perturb: bool = False) -> Derivation:
    """T3 / I6: dL/dw' = phi'(b0)(v0.delta) h, dL/db' = phi'(b0) v0.delta, dL/dv' = phi(b0) delta
    (= phi(b0) dL/dc, so 0 at any critical point), old gradient unchanged; contracted with a
    symbolic direction d = (d_rho, d_c, d_w, d_b, d_v)."""
    d = _derivation(
        "At beta_{b0,v0}(theta): dL/dw_new = phi'(b0) sum_i (v0.delta_i) h_i, dL/db_new = phi'(b0) v0.sum_i "
        "delta_i, dL/dv_new = phi(b0) sum_i delta_i = phi(b0) dL/dc (zero at any critical point), and "
        "every old partial derivative equals the narrow one.",
        "input-side {d_w}, output-side {v0, d_v, d_c}",
    )
    for k, label, phi, s, L, delta in _cases(d, activation, perturb):
        lhs = s.loss_wide.xreplace(s.line()).diff(T).subs(T, 0)
        v0d = (sp.Matrix(s.v0).T * delta)[0, 0]
        dwh = sum((a * b for a, b in zip(s.d_w, L.h[:-1])), sp.Integer(0))
        rhs = (s.loss_narrow.xreplace(s.narrow_line()).diff(T).subs(T, 0)
               + derivative(phi, 1, B0) * v0d * (dwh + s.d_b)
               + phi(B0) * (delta.T * sp.Matrix(s.d_v))[0, 0])
        if k == 0:
            d.show("parameter map", _map_latex())
        d.require_zero(f"d^T grad L_wide - T3 form, {label}", lhs - rhs)
    return d


def prove_hessian_block(activation: str, perturb: bool = False) -> Derivation:
    """Hessian at beta_{b0,v0}(theta), contracted with two symbolic directions:

    (old + v') direction (d_rho, d_c, 0, 0, d_v): the old block is the narrow Hessian,
    H_{v', old} = phi(b0) H_{c, old} and H_{v'v'} = phi(b0)^2 Lambda_zz;
    (new-unit) direction (0, 0, d_w, d_b, d_v): per sample, with e = d_w.h + d_b,
    H_{w~w~} = [phi''(b0)(v0.delta) + phi'(b0)^2 v0^T Lambda_zz v0] h~h~^T,
    H_{w~v'} = phi'(b0) h~ (delta + phi(b0) Lambda_zz v0)^T, H_{v'v'} = phi(b0)^2 Lambda_zz.
    The block H_{w~', old} is not part of the claim."""
    d = _derivation(
        "At beta_{b0,v0}(theta): the old block equals the narrow Hessian, H_{v_new, old} = phi(b0) H_{c, old}, "
        "H_{w~w~} = sum_i [phi''(b0)(v0.delta_i) + phi'(b0)^2 v0^T l_i'' v0] h~_i h~_i^T, "
        "H_{w~v} = phi'(b0) sum_i h~_i (delta_i + phi(b0) l_i'' v0)^T, H_{vv} = phi(b0)^2 sum_i l_i''; "
        "with v0 = 0 this is the inactive-unit block (H_ww = 0, H_wv = C).",
        "input-side {d_w}, output-side {v0, d_v, d_c}",
    )
    for k, label, phi, s, L, delta in _cases(d, activation, perturb):
        Lzz = L.loss_zz(s.z_narrow)
        v0, dv = sp.Matrix(s.v0), sp.Matrix(s.d_v)
        p0, p1, p2 = phi(B0), derivative(phi, 1, B0), derivative(phi, 2, B0)
        # old + v' direction
        old_v = {**s.line(old=True, new=False), **{x: s.point[x] + T * dx for x, dx in zip(s.vn, s.d_v)}}
        lhs = s.loss_wide.xreplace(old_v).diff(T).diff(T).subs(T, 0)
        grad_c = sp.Matrix([sp.diff(s.loss_narrow, c) for c in s.c]).xreplace(s.narrow_line())
        rhs = (s.loss_narrow.xreplace(s.narrow_line()).diff(T).diff(T).subs(T, 0)
               + 2 * p0 * (grad_c.diff(T).subs(T, 0).T * dv)[0, 0] + p0**2 * (dv.T * Lzz * dv)[0, 0])
        d.require_zero(f"(old, v') form, {label}", lhs - rhs)
        # new-unit direction
        lhs = s.loss_wide.xreplace(s.line(old=False, new=True)).diff(T).diff(T).subs(T, 0)
        e = sum((a * b for a, b in zip(s.d_w, L.h[:-1])), sp.Integer(0)) + s.d_b
        rhs = (e**2 * (p2 * (v0.T * delta)[0, 0] + p1**2 * (v0.T * Lzz * v0)[0, 0])
               + 2 * e * p1 * ((delta + p0 * Lzz * v0).T * dv)[0, 0] + p0**2 * (dv.T * Lzz * dv)[0, 0])
        if k == 0:
            d.show(r"\text{new-unit form along } (d_w, d_b, d_v)", lhs)
        d.require_zero(f"new-unit form, {label}", lhs - rhs)
    return d
