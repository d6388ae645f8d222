"""General proofs for inactive units alpha_{w~0} (docs/embeddings.md (ii); T1, T3, T5, T6 in docs/theorems.md; I6, I12, I13 in docs/invariants.md).

Setting (see :mod:`theory.symbolic.layer`): one sample, generic phi, Lambda, h~(rho), R(rho). The
new unit has incoming w~' and outgoing v'; the library's map (theory.embeddings.add_inactive_unit,
read through :mod:`theory.symbolic.maps`) sets v' = 0 and w~' = w~0, arbitrary. The narrow next
pre-activation is z = R(rho). Every identity is contracted with a symbolic direction
c = (c_rho, c_w, c_v) and proved on the reduced layer (layer input fully generic); the pairing
reduction (docs/symbolic.md) carries it to every dim w~ and dim v.
Negative control (``perturb=True``): a non-zero "inactive" weight v' = epsilon (1, ..., 1); for
the ReLU dead claim, a pre-activation on the active side (u > 0) instead of u < 0.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from theory.symbolic import maps
from theory.symbolic.applicability import claimed_activation
from theory.symbolic.generic import canonical, derivative, symbols_vector
from theory.symbolic.layer import N_REST, Layer, activation_pieces, cases
from theory.symbolic.result import PAIRING, Derivation, reduced_method

SIZE = (2, 1)
"""Reduced size: input-side vectors {w~0, c_w}, output-side {c_v} (v' = 0 at the point)."""

DEAD_SIZE = (2, 2)
"""Reduced size of the ReLU dead claim: {w~', c_w} and {v', c_v} (v' is arbitrary there)."""

GENERALITY = (
    "any activation phi, any loss composed with later layers Lambda(rho, z), any earlier layers "
    "h~(rho) and other units R(rho), any w~0, at any theta (critical or not); per-sample identity "
    "summed over samples; every dim w~ and dim v"
)

T = sp.Symbol("t", real=True)


class _Inactive:
    def __init__(self, P: int, Q: int, phi, perturb: bool):
        self.layer = L = Layer(P, Q, free=True)
        self.phi = phi
        self.vn, self.wn = symbols_vector("vn", Q), symbols_vector("wn", P)
        self.w0 = symbols_vector("w0", P)
        w_point, v_point = maps.inactive_point(P, Q, self.w0, perturb)
        self.point = {**dict(zip(self.vn, v_point)), **dict(zip(self.wn, w_point))}
        self.wide = L.rho + self.wn + self.vn
        self.z_wide = L.z([(self.vn, self.wn)], phi)
        self.z_narrow = list(L.rest)
        self.loss_wide = L.sample_loss(self.z_wide)
        self.loss_narrow = L.sample_loss(self.z_narrow)
        self.u0 = L.pre(self.w0)
        self.c = symbols_vector("c", len(self.wide))
        c_rho, c_w, c_v = self.c[:N_REST], self.c[N_REST:N_REST + P], self.c[N_REST + P:]
        self.c_rho, self.c_w, self.c_v = c_rho, c_w, c_v
        self.line = {**{x: self.point[x] + T * d for x, d in zip(self.wn + self.vn, c_w + c_v)},
                     **{r: r + T * d for r, d in zip(L.rho, c_rho)}}
        self.narrow_line = {r: r + T * d for r, d in zip(L.rho, c_rho)}


@lru_cache(maxsize=None)
def _inactive(P: int, Q: int, activation: str, piece: int, perturb: bool) -> _Inactive:
    return _Inactive(P, Q, activation_pieces(activation)[piece][1], perturb)


def _derivation(statement, P, Q, vectors, hypotheses=""):
    return Derivation(statement, GENERALITY, sizes="all", argument=PAIRING,
                      method=reduced_method(P, Q, vectors), hypotheses=hypotheses)


FUNCTION_SIZE = (1, 1)
"""The reduced size (P, Q) of the function claim: one input-side and one output-side vector."""


def prove_function(activation: str, perturb: bool = False) -> Derivation:
    """T1: with v' = 0 the next pre-activation, hence f and L, is unchanged for every w~0."""
    d = _derivation("An inactive unit (v' = 0, any incoming w~0) leaves the network function and the loss unchanged.",
                    *FUNCTION_SIZE, "input-side vectors {w~0}, output-side {v'}")
    for P, Q, k, label, _ in cases(d, (FUNCTION_SIZE,), activation):
        s = _inactive(P, Q, activation, k, perturb)
        if k == 0:
            d.name(s.u0, "u_0")
            d.show("parameter map", r"v' = 0,\quad \tilde w' = \tilde w_0 \text{ (arbitrary)}"
                   r"\quad\text{(theory.embeddings.add\_inactive\_unit)}")
            d.show("z at the embedded point", sp.Matrix(s.z_wide).xreplace(s.point))
        diff = sp.Matrix([a.xreplace(s.point) - b for a, b in zip(s.z_wide, s.z_narrow)])
        d.require_zero(f"z difference, {label}", diff)
    return d


def prove_gradient(activation: str, perturb: bool = False) -> Derivation:
    """T3 / I6: dL/dv' = delta phi(w~0 . h~), dL/dw~' = 0, every old gradient unchanged.

    Contracted: d/dt L_wide(point + t c) = d/dt L(rho + t c_rho) + phi(u0) delta . c_v."""
    d = _derivation(
        "At alpha_{w~0}(theta): dL/dv_new = sum_i delta_i phi(w~0 . h~_i), dL/dw~_new = 0, and every "
        "other partial derivative equals the narrow one (any theta, not only critical).",
        *SIZE, "input-side vectors {w~0, c_w}, output-side {c_v}",
    )
    for P, Q, k, label, phi in cases(d, (SIZE,), activation):
        s = _inactive(P, Q, activation, k, perturb)
        L = s.layer
        lhs = s.loss_wide.xreplace(s.line).diff(T).subs(T, 0)
        delta = L.delta_at(s.z_narrow)
        rhs = (s.loss_narrow.xreplace(s.narrow_line).diff(T).subs(T, 0)
               + phi(s.u0) * (delta.T * sp.Matrix(s.c_v))[0, 0])
        if k == 0:
            d.name(s.u0, "u_0")
            d.show(r"\frac{d}{dt} L_{wide}(\alpha(\theta) + tc)\big|_0", lhs)
        d.require_zero(f"c^T grad L_wide - (c_rho^T grad L + phi(u0) delta.c_v), {label}", lhs - rhs)
    return d


def _block_form(s: _Inactive, phi):
    """c^T H c predicted by T5: old form + 2 c_w^T C c_v + c_v^T H_vv c_v + 2 c_v^T H_{v,old} c_rho."""
    L = s.layer
    delta = L.delta_at(s.z_narrow)
    C = L.C(s.w0, phi, s.z_narrow)
    cw, cv = sp.Matrix(s.c_w), sp.Matrix(s.c_v)
    Hvv = phi(s.u0) ** 2 * L.loss_zz(s.z_narrow)
    # H_{v', old} c_rho: the rho-derivative of the gradient block phi(u0) delta
    g_v = (phi(s.u0) * delta).xreplace(s.narrow_line)
    mixed = (g_v.diff(T).subs(T, 0).T * cv)[0, 0]
    old = s.loss_narrow.xreplace(s.narrow_line).diff(T).diff(T).subs(T, 0)
    return C, Hvv, old + 2 * (cw.T * C * cv)[0, 0] + (cv.T * Hvv * cv)[0, 0] + 2 * mixed


def prove_hessian_block(activation: str, perturb: bool = False) -> Derivation:
    """T5 / I12: H_w'w' = 0, H_w'v' = C(w~0), H_w'rho = 0, H_v'v' = phi(u0)^2 Lambda_zz, old block
    unchanged (and H_{v',old} = d/d rho of phi(u0) delta), as one contracted identity."""
    d = _derivation(
        "At alpha_{w~0}(theta): H_{w~'w~'} = 0, H_{w~'v'} = C(w~0) = sum_i phi'(w~0.h~_i) h~_i delta_i^T, "
        "H_{w~' old} = 0, H_{v'v'} = sum_i phi(w~0.h~_i)^2 d2l_i/dz2, H_{v' old} = the old-parameter "
        "derivative of sum_i phi(w~0.h~_i) delta_i, and the old block equals the narrow Hessian.",
        *SIZE, "input-side vectors {w~0, c_w}, output-side {c_v}",
    )
    for P, Q, k, label, phi in cases(d, (SIZE,), activation):
        s = _inactive(P, Q, activation, k, perturb)
        lhs = s.loss_wide.xreplace(s.line).diff(T).diff(T).subs(T, 0)
        C, Hvv, rhs = _block_form(s, phi)
        if k == 0:
            d.name(s.u0, "u_0")
            d.show(r"C(\tilde w_0) \text{ (one sample)}", C)
            d.show(r"H_{v' v'}", Hvv)
        d.require_zero(f"c^T H_wide c - T5 block form, {label}", lhs - rhs)
    return d


def prove_saddle(activation: str, perturb: bool = False) -> Derivation:
    """T5 (saddle): along d = (0, a, -tau C^T a) the Hessian form is
    -2 tau |C^T a|^2 + tau^2 (C^T a)^T H_vv (C^T a); so at a critical alpha(theta*) with C != 0 the
    Hessian has a negative direction (0 < tau < 2|C^T a|^2 / max(0, (C^T a)^T H_vv C^T a)).

    Step 1 (per sample, pairing reduction): the direction-(0, c_w, c_v) form is
    2 c_w^T C c_v + c_v^T H_vv c_v (the old part is absent). Step 2 (any sizes, matrix algebra on
    the summed blocks, sympy matrix symbols of symbolic size): substituting c_v = -tau C^T a."""
    d = _derivation(
        "Smooth inactive unit is a saddle (T5): at alpha_{w~0}(theta) the new-unit form along "
        "(c_w, c_v) = (a, -tau C^T a) equals -2 tau |C^T a|^2 + tau^2 (C^T a)^T H_vv (C^T a); at a critical "
        "point with C != 0 it is negative for small tau > 0, so the point is a strict saddle.",
        *SIZE, "input-side {w~0, c_w}, output-side {c_v}; step 2 with matrix symbols of symbolic size",
        hypotheses="critical alpha_{w~0}(theta*) (T3: g_alpha(w~0) = 0); C(w~0) != 0 (named quantity: |C^T a|^2 > 0)",
    )
    for P, Q, k, label, phi in cases(d, (SIZE,), activation):
        s = _inactive(P, Q, activation, k, perturb)
        only_new = {**s.line, **{r: r for r in s.layer.rho}}
        lhs = s.loss_wide.xreplace(only_new).diff(T).diff(T).subs(T, 0)
        L = s.layer
        C = L.C(s.w0, phi, s.z_narrow)
        Hvv = phi(s.u0) ** 2 * L.loss_zz(s.z_narrow)
        cw, cv = sp.Matrix(s.c_w), sp.Matrix(s.c_v)
        d.require_zero(f"new-unit form - (2 c_w^T C c_v + c_v^T H_vv c_v), {label}",
                       lhs - 2 * (cw.T * C * cv)[0, 0] - (cv.T * Hvv * cv)[0, 0])
    n, m, tau = sp.Symbol("n", integer=True, positive=True), sp.Symbol("m", integer=True, positive=True), sp.Symbol("tau", real=True)
    Cm, Hm, a = sp.MatrixSymbol("C", n, m), sp.MatrixSymbol("H_vv", m, m), sp.MatrixSymbol("a", n, 1)
    b = -tau * Cm.T * a
    form = 2 * (a.T * Cm * b) + b.T * Hm * b
    claim = -2 * tau * (Cm.T * a).T * (Cm.T * a) + tau**2 * (Cm.T * a).T * Hm * (Cm.T * a)
    d.show("form along (a, -tau C^T a)", sp.latex(claim))
    gap = (form - claim).doit()
    # sympy's matrix-expression canonical form reduces an exact identity to ZeroMatrix
    d.require_zero("form - (-2 tau |C^T a|^2 + tau^2 (C^T a)^T H_vv C^T a), symbolic sizes",
                   sp.Integer(0) if getattr(gap, "is_ZeroMatrix", False) else gap[0, 0])
    return d


def prove_relu_dead_flat(activation: str, perturb: bool = False) -> Derivation:
    """T6 / I13: a ReLU unit with w~'.h~ < 0 on a sample contributes nothing there, for every v',
    and on the open set {w~' : w~'.h~_i < 0 for all i} the loss does not depend on (w~', v').

    Along a symbolic direction c the t-derivatives (orders 0, 1, 2) are taken with a generic
    phi, so they are polynomials in phi(u), phi'(u), phi''(u) at the unit's pre-activation u.
    The point is any point with this sample strictly inactive, u = tau < 0 (tau a sympy symbol
    with negative=True): the jets phi^(k)(u) are replaced by ReLU's jets at tau (an identity in
    every w~' then holds in particular where w~'.h~ = tau). ReLU is C^2 near tau < 0, so its jets
    there are the library's
    relu(s) = Piecewise((s, s > 0), (0, True)) differentiated and evaluated at s = tau; sympy
    decides every condition (tau > 0 is False) and each jet is 0. Each sample gives the same,
    so the sum over samples does too."""
    P, Q = DEAD_SIZE
    d = Derivation(
        "ReLU dead unit: if w~'.h~_i < 0 for every sample, then L(theta, w~', v') = L(theta) for every "
        "v' and every w~' in the open cone; all gradient entries and Hessian rows of the new unit are 0.",
        "relu; any loss composed with later layers, any earlier layers and other units; any v'; "
        "every dim w~ and dim v",
        sizes="all", argument=PAIRING,
        method=reduced_method(P, Q, "input-side {w~', c_w}, output-side {v', c_v}; ReLU jets decided by the sign of tau"),
        hypotheses="w~'.h~_i < 0 for every sample i (strictly dead)",
    )
    relu = claimed_activation(d, "inactive_unit.relu_dead_flat", activation)
    if relu is None:
        return d
    tau = sp.Symbol("tau", positive=True) if perturb else sp.Symbol("tau", negative=True)
    L = Layer(P, Q, free=True)
    phi = activation_pieces("generic")[0][1]
    vn, wn = symbols_vector("vn", Q), symbols_vector("wn", P)
    c = symbols_vector("c", N_REST + P + Q)
    line = {**{x: x + T * dx for x, dx in zip(wn + vn, c[N_REST:])},
            **{r: r + T * dr for r, dr in zip(L.rho, c[:N_REST])}}
    narrow_line = {r: r + T * dr for r, dr in zip(L.rho, c[:N_REST])}
    curve = L.sample_loss(L.z([(vn, wn)], phi)).xreplace(line)
    narrow = L.sample_loss(L.rest).xreplace(narrow_line)
    s_ = sp.Dummy("s")
    u = sp.expand(L.pre(wn))
    jets = {derivative(phi, k, u): sp.diff(relu(s_), s_, k).subs(s_, tau) if k else relu(tau) for k in range(3)}
    d.show("ReLU jets at the dead pre-activation", sp.latex(list(jets.values())))
    d.show("coordinates", r"\tilde w'\cdot\tilde h = \tau,\ \tau < 0")
    for order in (0, 1, 2):
        lhs = canonical(curve.subs(T, 0)).xreplace(jets)
        rhs = narrow.subs(T, 0)
        d.require_zero(f"d^{order}/dt^{order} (L_wide - L) along c on the dead region", lhs - rhs)
        curve, narrow = curve.diff(T), narrow.diff(T)  # one derivative at a time (diff(t, n) factors terms)
    return d
