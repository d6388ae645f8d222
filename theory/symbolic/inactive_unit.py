"""General proofs for inactive units alpha_{w~0} (spec theory.md §2 (ii), T1, T3, T5, T6, I6, I12, I13).

Setting (see :mod:`theory.symbolic.layer`): one sample, generic phi, Lambda, h~(rho), R(rho). The
new unit has incoming w~' (size P) and outgoing v' (size Q); the embedding sets v' = 0 and
w~' = w~0, arbitrary. The narrow next pre-activation is z = R(rho).
Negative control (``perturb=True``): a non-zero "inactive" weight v' = epsilon (1, ..., 1); for
the ReLU dead claim, a pre-activation on the active side (u > 0) instead of u < 0.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from theory.activations import get_activation
from theory.symbolic.generic import gradient, hessian, symbols_vector
from theory.symbolic.layer import Layer, activation_pieces, cases
from theory.symbolic.result import EPS, Derivation, sizes_text

SIZES = ((1, 1), (2, 1), (2, 2), (3, 2))

GENERALITY = (
    "any activation phi, any loss composed with later layers Lambda(rho, z), any earlier layers "
    "h~(rho) and other units R(rho), any w~0, at any theta (critical or not); per-sample identity "
    "summed over samples; sizes (dim w~, dim v) in {sizes}"
)


class _Inactive:
    def __init__(self, P: int, Q: int, phi, perturb: bool):
        self.layer = L = Layer(P, Q)
        self.phi = phi
        self.vn, self.wn = symbols_vector("vn", Q), symbols_vector("wn", P)
        self.w0 = symbols_vector("w0", P)
        v_value = EPS if perturb else sp.Integer(0)
        self.point = {**{v: v_value for v in self.vn}, **dict(zip(self.wn, self.w0))}
        self.wide = L.rho + self.wn + self.vn
        self.z_wide = L.z([(self.vn, self.wn)], phi)
        self.z_narrow = list(L.rest)
        self.loss_wide = L.sample_loss(self.z_wide)
        self.loss_narrow = L.sample_loss(self.z_narrow)
        self.u0 = L.pre(self.w0)


@lru_cache(maxsize=None)
def _inactive(P: int, Q: int, activation: str, piece: int, perturb: bool) -> _Inactive:
    return _Inactive(P, Q, activation_pieces(activation)[piece][1], perturb)


def prove_function(activation: str, perturb: bool = False) -> Derivation:
    """T1: with v' = 0 the next pre-activation, hence f and L, is unchanged for every w~0."""
    d = Derivation(
        "An inactive unit (v' = 0, any incoming w~0) leaves the network function and the loss unchanged.",
        GENERALITY.format(sizes=sizes_text(SIZES)),
    )
    for P, Q, k, label, _ in cases(d, SIZES, activation):
        s = _inactive(P, Q, activation, k, perturb)
        if (P, Q) == (2, 1) and k == 0:
            d.name(s.u0, "u_0")
            d.show("parameter map", r"v' = 0,\quad \tilde w' = \tilde w_0 \text{ (arbitrary)}")
            d.show("z at the embedded point", sp.Matrix(s.z_wide).xreplace(s.point))
        diff = sp.Matrix([a.xreplace(s.point) - b for a, b in zip(s.z_wide, s.z_narrow)])
        d.require_zero(f"z difference, P={P}, Q={Q}, {label}", diff)
    return d


def prove_gradient(activation: str, perturb: bool = False) -> Derivation:
    """T3 / I6: dL/dv' = delta phi(w~0 . h~), dL/dw~' = 0, every old gradient unchanged."""
    d = Derivation(
        "At alpha_{w~0}(theta): dL/dv_new = sum_i delta_i phi(w~0 . h~_i), dL/dw~_new = 0, and every "
        "other partial derivative equals the narrow one (any theta, not only critical).",
        GENERALITY.format(sizes=sizes_text(SIZES)),
    )
    for P, Q, k, label, phi in cases(d, SIZES, activation):
        s = _inactive(P, Q, activation, k, perturb)
        L = s.layer
        g = sp.Matrix(gradient(s.loss_wide, s.wide)).xreplace(s.point)
        g_old = sp.Matrix(gradient(s.loss_narrow, L.rho))
        delta = L.delta_at(s.z_narrow)
        n = len(L.rho)
        if (P, Q) == (2, 1) and k == 0:
            d.name(s.u0, "u_0")
            d.show(r"\partial L/\partial v' \text{ at the embedded point}", g[n + P:, :])
            d.show(r"\partial L/\partial \tilde w' \text{ at the embedded point}", g[n:n + P, :])
        d.require_zero(f"old gradient, P={P}, Q={Q}, {label}", g[:n, :] - g_old)
        d.require_zero(f"dL/dw_new, P={P}, Q={Q}, {label}", g[n:n + P, :])
        d.require_zero(f"dL/dv_new - delta phi(u0), P={P}, Q={Q}, {label}", g[n + P:, :] - delta * phi(s.u0))
    return d


def prove_hessian_block(activation: str, perturb: bool = False) -> Derivation:
    """T5 / I12: H_w'w' = 0, H_w'v' = C(w~0), H_w'rho = 0, H_v'v' = phi(u0)^2 Lambda_zz, old block unchanged."""
    d = Derivation(
        "At alpha_{w~0}(theta): H_{w~'w~'} = 0, H_{w~'v'} = C(w~0) = sum_i phi'(w~0.h~_i) h~_i delta_i^T, "
        "H_{w~' old} = 0, H_{v'v'} = sum_i phi(w~0.h~_i)^2 d2l_i/dz2, and the old block equals the narrow Hessian.",
        GENERALITY.format(sizes=sizes_text(SIZES[:3])),
    )
    for P, Q, k, label, phi in cases(d, SIZES[:3], activation):
        s = _inactive(P, Q, activation, k, perturb)
        L = s.layer
        n = len(L.rho)
        H = hessian(s.loss_wide, s.wide, at=s.point)
        H_old = hessian(s.loss_narrow, L.rho)
        C = L.C(s.w0, phi, s.z_narrow)
        Hww, Hwv, Hvv = H[n:n + P, n:n + P], H[n:n + P, n + P:], H[n + P:, n + P:]
        if (P, Q) == (2, 1) and k == 0:
            d.name(s.u0, "u_0")
            d.show(r"C(\tilde w_0) \text{ (one sample)}", C)
            d.show(r"H_{\tilde w' v'}", Hwv)
            d.show(r"H_{v' v'}", Hvv)
        d.require_zero(f"old block, P={P}, Q={Q}, {label}", H[:n, :n] - H_old)
        d.require_zero(f"H_ww, P={P}, Q={Q}, {label}", Hww)
        d.require_zero(f"H_w,old, P={P}, Q={Q}, {label}", H[n:n + P, :n])
        d.require_zero(f"H_wv - C, P={P}, Q={Q}, {label}", Hwv - C)
        d.require_zero(f"H_vv - phi^2 Lambda_zz, P={P}, Q={Q}, {label}", Hvv - phi(s.u0) ** 2 * L.loss_zz(s.z_narrow))
    return d


def prove_relu_dead_flat(activation: str, perturb: bool = False) -> Derivation:
    """T6 / I13: a ReLU unit with w~'.h~ < 0 on a sample contributes nothing there, for every v',
    and on the open set {w~' : w~'.h~_i < 0 for all i} the loss does not depend on (w~', v').

    Piecewise argument: relu(u) = Piecewise((u, u > 0), (0, True)). Derivatives are taken in the
    original coordinates; then the bias coordinate is written b' = t - sum_k w'_k h_k with t < 0
    (a sympy symbol with negative=True), i.e. the point is any point with this sample strictly
    inactive. Every Piecewise condition becomes t > 0, which is False, so each branch collapses
    to its 'inactive' value. Each sample gives the same, so the sum over samples does too."""
    d = Derivation(
        "ReLU dead unit: if w~'.h~_i < 0 for every sample, then L(theta, w~', v') = L(theta) for every "
        "v' and every w~' in the open cone; all gradient entries and Hessian rows of the new unit are 0.",
        "relu; any loss composed with later layers, any earlier layers and other units; any v'; "
        "sizes (dim w~, dim v) in " + sizes_text(SIZES[:3]),
    )
    if activation not in ("generic", "relu"):
        d.not_applicable = f"the claim is about ReLU; --activation {activation} is not ReLU (the dead region is a ReLU property)"
        return d
    relu = get_activation("relu")
    tsym = sp.Symbol("t", positive=True) if perturb else sp.Symbol("t", negative=True)
    for P, Q in SIZES[:3]:
        if d.failures:
            break
        L = Layer(P, Q)
        vn, wn = symbols_vector("vn", Q), symbols_vector("wn", P)
        wide = L.rho + wn + vn
        loss_wide = L.sample_loss(L.z([(vn, wn)], relu))
        loss_narrow = L.sample_loss(L.rest)
        dead = {wn[-1]: tsym - sum((wn[k] * L.h[k] for k in range(P - 1)), sp.Integer(0))}
        g = sp.Matrix(gradient(loss_wide, wide)).xreplace(dead)
        H = hessian(loss_wide, wide, at=dead)
        n = len(L.rho)
        if (P, Q) == (2, 1):
            d.show("unit output before the sign information", sp.Matrix(L.z([(vn, wn)], relu)) - sp.Matrix(L.rest))
            d.show("coordinates", r"\tilde w'\cdot\tilde h = t,\ t < 0 \ (b' = t - w'\cdot h)")
            d.show("unit output on the dead region", (sp.Matrix(L.z([(vn, wn)], relu)) - sp.Matrix(L.rest)).xreplace(dead))
        d.require_zero(f"L_wide - L, P={P}, Q={Q}", loss_wide.xreplace(dead) - loss_narrow)
        d.require_zero(f"new-unit gradient, P={P}, Q={Q}", g[n:, :])
        d.require_zero(f"new-unit Hessian rows, P={P}, Q={Q}", H[n:, :])
        d.require_zero(f"old gradient, P={P}, Q={Q}", g[:n, :] - sp.Matrix(gradient(loss_narrow, L.rho)))
        d.require_zero(f"old Hessian block, P={P}, Q={Q}", H[:n, :n] - hessian(loss_narrow, L.rho))
    return d
