"""General proofs for inactive propagation beta_{b0,v0} (spec theory.md §2 (iii), T1, T3, I6).

Setting (see :mod:`theory.symbolic.layer`): one sample, generic phi, Lambda, h~(rho), R(rho), and
the next layer's bias c (size Q) made explicit: z = R(rho) + c [+ v' phi(w'.h + b')]. The new unit
receives nothing (w' = 0, bias b0), sends v' = v0, and the next bias compensates:
c_wide = c - v0 phi(b0). Narrow parameters: (rho, c).
Negative control (``perturb=True``): a wrong compensation c_wide = c - v0 phi(b0) + epsilon.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from theory.symbolic.generic import derivative, gradient, hessian, symbols_vector
from theory.symbolic.layer import Layer, activation_pieces, cases
from theory.symbolic.result import EPS, Derivation, sizes_text

SIZES = ((1, 1), (2, 1), (2, 2), (3, 2))
B0 = sp.Symbol("b_0", real=True)

GENERALITY = (
    "any activation phi, any loss composed with later layers Lambda(rho, z), any earlier layers "
    "h~(rho) and other units R(rho), any b0 and v0, at any theta (critical or not); per-sample "
    "identity summed over samples; sizes (dim w~, dim v) in {sizes}"
)


class _Propagation:
    def __init__(self, P: int, Q: int, phi, perturb: bool):
        self.layer = L = Layer(P, Q)
        self.phi = phi
        self.c = symbols_vector("c", Q)
        self.wn, self.bn, self.vn = symbols_vector("wn", P - 1), sp.Symbol("bn", real=True), symbols_vector("vn", Q)
        self.cw = symbols_vector("cw", Q)
        self.v0 = symbols_vector("v0", Q)
        shift = EPS if perturb else 0
        self.point = {
            **{w: 0 for w in self.wn},
            self.bn: B0,
            **dict(zip(self.vn, self.v0)),
            **{cw: c - v0 * phi(B0) + shift for cw, c, v0 in zip(self.cw, self.c, self.v0)},
        }
        self.narrow = L.rho + self.c
        self.wide = L.rho + self.cw + self.wn + [self.bn] + self.vn
        self.z_wide = L.z([(self.vn, self.wn + [self.bn])], phi, extra=self.cw)
        self.z_narrow = [r + c for r, c in zip(L.rest, self.c)]
        self.loss_wide = L.sample_loss(self.z_wide)
        self.loss_narrow = L.sample_loss(self.z_narrow)


@lru_cache(maxsize=None)
def _propagation(P: int, Q: int, activation: str, piece: int, perturb: bool) -> _Propagation:
    return _Propagation(P, Q, activation_pieces(activation)[piece][1], perturb)


def _map_latex() -> str:
    return r"w' = 0,\quad b' = b_0,\quad v' = v_0,\quad c_{wide} = c - v_0\,\varphi(b_0)"


def prove_function(activation: str, perturb: bool = False) -> Derivation:
    """T1: z(beta_{b0,v0} theta) = z(theta) for every b0, v0."""
    d = Derivation(
        "Inactive propagation (w_new = 0, bias b0, v_new = v0, next bias c - v0 phi(b0)) leaves the "
        "network function and the loss unchanged.",
        GENERALITY.format(sizes=sizes_text(SIZES)),
    )
    for P, Q, k, label, _ in cases(d, SIZES, activation):
        s = _propagation(P, Q, activation, k, perturb)
        if (P, Q) == (2, 1) and k == 0:
            d.show("parameter map", _map_latex())
            d.show("z at the embedded point", sp.Matrix(s.z_wide).xreplace(s.point))
        diff = sp.Matrix([a.xreplace(s.point) - b for a, b in zip(s.z_wide, s.z_narrow)])
        d.require_zero(f"z difference, P={P}, Q={Q}, {label}", diff)
    return d


def prove_gradient(activation: str, perturb: bool = False) -> Derivation:
    """T3 / I6: dL/dw' = phi'(b0)(v0.delta) h, dL/db' = phi'(b0) v0.delta, dL/dv' = phi(b0) delta
    (= phi(b0) dL/dc, so 0 at any critical point), old gradient unchanged."""
    d = Derivation(
        "At beta_{b0,v0}(theta): dL/dw_new = phi'(b0) sum_i (v0.delta_i) h_i, dL/db_new = phi'(b0) v0.sum_i "
        "delta_i, dL/dv_new = phi(b0) sum_i delta_i = phi(b0) dL/dc (zero at any critical point), and "
        "every old partial derivative equals the narrow one.",
        GENERALITY.format(sizes=sizes_text(SIZES)),
    )
    for P, Q, k, label, phi in cases(d, SIZES, activation):
        s = _propagation(P, Q, activation, k, perturb)
        L = s.layer
        g = sp.Matrix(gradient(s.loss_wide, s.wide)).xreplace(s.point)
        g_narrow = sp.Matrix(gradient(s.loss_narrow, s.narrow))
        delta = L.delta_at(s.z_narrow)
        v0d = (sp.Matrix(s.v0).T * delta)[0, 0]
        h = sp.Matrix(L.h[:-1]) if P > 1 else sp.zeros(0, 1)
        n = len(s.narrow)
        gw, gb, gv = g[n:n + P - 1, :], g[n + P - 1, 0], g[n + P:, :]
        if (P, Q) == (2, 1) and k == 0:
            d.show(r"\partial L/\partial w' ", gw)
            d.show(r"\partial L/\partial b' ", gb)
            d.show(r"\partial L/\partial v' ", gv)
        d.require_zero(f"old gradient, P={P}, Q={Q}, {label}", g[:n, :] - g_narrow)
        d.require_zero(f"dL/dw_new, P={P}, Q={Q}, {label}", gw - derivative(phi, 1, B0) * v0d * h)
        d.require_zero(f"dL/db_new, P={P}, Q={Q}, {label}", gb - derivative(phi, 1, B0) * v0d)
        d.require_zero(f"dL/dv_new - phi(b0) dL/dc, P={P}, Q={Q}, {label}", gv - phi(B0) * g_narrow[len(L.rho):, :])
    return d


def prove_hessian_block(activation: str, perturb: bool = False) -> Derivation:
    """Hessian at beta_{b0,v0}(theta): the old block is unchanged, the new unit's rows against the
    old parameters are H_{v',old} = phi(b0) H_{c,old}, and its own block is, per sample,
    H_{w~w~} = [phi''(b0)(v0.delta) + phi'(b0)^2 v0^T Lambda_zz v0] h~h~^T,
    H_{w~v'} = phi'(b0) h~ (delta + phi(b0) Lambda_zz v0)^T, H_{v'v'} = phi(b0)^2 Lambda_zz."""
    d = Derivation(
        "At beta_{b0,v0}(theta): the old block equals the narrow Hessian, H_{v_new, old} = phi(b0) H_{c, old}, "
        "H_{w~w~} = sum_i [phi''(b0)(v0.delta_i) + phi'(b0)^2 v0^T l_i'' v0] h~_i h~_i^T, "
        "H_{w~v} = phi'(b0) sum_i h~_i (delta_i + phi(b0) l_i'' v0)^T, H_{vv} = phi(b0)^2 sum_i l_i''; "
        "with v0 = 0 this is the inactive-unit block (H_ww = 0, H_wv = C).",
        GENERALITY.format(sizes=sizes_text(SIZES[:3])),
    )
    for P, Q, k, label, phi in cases(d, SIZES[:3], activation):
        s = _propagation(P, Q, activation, k, perturb)
        L = s.layer
        n = len(s.narrow)
        H = hessian(s.loss_wide, s.wide, at=s.point)
        H_narrow = hessian(s.loss_narrow, s.narrow)
        delta = L.delta_at(s.z_narrow)
        Lzz = L.loss_zz(s.z_narrow)
        v0 = sp.Matrix(s.v0)
        hh = sp.Matrix(L.h)
        p0, p1, p2 = phi(B0), derivative(phi, 1, B0), derivative(phi, 2, B0)
        Hww_claim = (p2 * (v0.T * delta)[0, 0] + p1**2 * (v0.T * Lzz * v0)[0, 0]) * hh * hh.T
        Hwv_claim = p1 * hh * (delta + p0 * Lzz * v0).T
        Hvv_claim = p0**2 * Lzz
        nc = len(L.rho)
        if (P, Q) == (2, 1) and k == 0:
            d.show(r"H_{\tilde w' \tilde w'}", H[n:n + P, n:n + P])
            d.show(r"H_{\tilde w' v'}", H[n:n + P, n + P:])
        d.require_zero(f"old block, P={P}, Q={Q}, {label}", H[:n, :n] - H_narrow)
        d.require_zero(f"H_v,old - phi(b0) H_c,old, P={P}, Q={Q}, {label}",
                       H[n + P:, :n] - p0 * H_narrow[nc:, :])
        d.require_zero(f"H_ww, P={P}, Q={Q}, {label}", H[n:n + P, n:n + P] - Hww_claim)
        d.require_zero(f"H_wv, P={P}, Q={Q}, {label}", H[n:n + P, n + P:] - Hwv_claim)
        d.require_zero(f"H_vv, P={P}, Q={Q}, {label}", H[n + P:, n + P:] - Hvv_claim)
    return d
