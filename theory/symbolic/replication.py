"""General proofs for unit replication gamma_lambda (docs/embeddings.md (i); T1, T2, T4, T4c in docs/theorems.md; I18 in docs/invariants.md).

Setting (see :mod:`theory.symbolic.layer`): one sample, generic phi, generic loss-and-later-layers
Lambda, generic earlier layers h~(rho), generic other units R(rho), generic extra parameters rho.
Unit j has incoming w~ (size P) and outgoing v (size Q). Replication gives two copies a, b:

    T_lambda:  v_a = s_a v + eta,  v_b = s_b v - eta,  w~_a = w~ + (1-lambda) zeta,  w~_b = w~ - lambda zeta

with shares (s_a, s_b) = (lambda, 1 - lambda); ``T_lambda(theta, 0, 0) = gamma_lambda(theta)``.
T_lambda is the library's (theory.embeddings.replication_map, through :mod:`theory.symbolic.maps`).
Identities are contracted with symbolic directions and proved on a reduced layer with a fully
generic input; the pairing reduction (docs/symbolic.md docs/embeddings.md) gives every dim w~ and dim v.
The negative control (``perturb=True``) tampers the library's map: shares (lambda, 1 - lambda + epsilon).
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from theory.symbolic import maps
from theory.symbolic.generic import derivative, symbols_vector
from theory.symbolic.layer import N_REST, Layer, activation_pieces, cases
from theory.symbolic.result import EPS, PAIRING, Derivation, reduced_method

LAM = sp.Symbol("lambda", real=True)

FUNCTION_SIZE = (1, 1)
GRADIENT_SIZE = (3, 3)
HESSIAN_SIZE = (3, 3)
DIRECTION_SIZE = (2, 2)

GENERALITY = (
    "any activation phi, any loss composed with later layers Lambda(rho, z), any earlier layers "
    "h~(rho) and other units R(rho), any lambda, at any theta (critical or not); per-sample "
    "identity summed over samples; every dim w~ and dim v"
)


class _Split:
    """The symbols, the library's map T_lambda and the losses for one reduced size (P, Q).

    The layer input is fully generic (``Layer(P, Q, free=True)``): by the pairing reduction
    (docs/symbolic.md) an identity proved here holds for every dim w~ and dim v once P and Q
    are at least the number of input- and output-side vectors the claim involves."""

    def __init__(self, P: int, Q: int, phi, perturb: bool):
        self.layer = L = Layer(P, Q, free=True)
        self.phi = phi
        self.perturb = perturb
        self.v, self.w = symbols_vector("v", Q), symbols_vector("w", P)
        self.zeta, self.eta = symbols_vector("zeta", P), symbols_vector("eta", Q)
        self.va, self.wa = symbols_vector("va", Q), symbols_vector("wa", P)
        self.vb, self.wb = symbols_vector("vb", Q), symbols_vector("wb", P)
        self.narrow = L.rho + self.v + self.w
        self.coords = self.narrow + self.zeta + self.eta
        self.wide = L.rho + self.va + self.wa + self.vb + self.wb
        zero_p, zero_q = [sp.Integer(0)] * P, [sp.Integer(0)] * Q
        self.point = dict(zip(self.wide, list(L.rho) + self.images(self.w, self.v, zero_p, zero_q)))
        self.z_wide = L.z([(self.va, self.wa), (self.vb, self.wb)], phi)
        self.z_narrow = L.z([(self.v, self.w)], phi)
        self.loss_wide = L.sample_loss(self.z_wide)
        self.loss_narrow = L.sample_loss(self.z_narrow)

    def images(self, w, v, zeta, eta) -> list:
        """The library's T_lambda applied to (w~, v, zeta, eta), as (v_a, w~_a, v_b, w~_b)."""
        va, wa, vb, wb = maps.replication_images(self.layer.P, self.layer.Q, LAM, w, v, zeta, eta, self.perturb)
        return list(va) + list(wa) + list(vb) + list(wb)

    def at_point(self, expr):
        """``expr`` evaluated at the split point (exact substitution by ``xreplace``)."""
        return expr.xreplace(self.point)

    def along(self, c, t, base=None):
        """Substitution for the line T_lambda(theta + t c_theta, t c_zeta, t c_eta) in the wide
        coordinates (``c`` over :attr:`coords`; ``base`` (zeta, eta) optional)."""
        L = self.layer
        P, Q = L.P, L.Q
        n = len(self.narrow)
        c_rho, c_v, c_w = c[:N_REST], c[N_REST:N_REST + Q], c[N_REST + Q:n]
        c_zeta, c_eta = c[n:n + P], c[n + P:]
        w = [x + t * d for x, d in zip(self.w, c_w)]
        v = [x + t * d for x, d in zip(self.v, c_v)]
        zeta = [t * d for d in c_zeta]
        eta = [t * d for d in c_eta]
        rho = {r: r + t * d for r, d in zip(L.rho, c_rho)}
        images = self.images(w, v, zeta, eta)
        return {**dict(zip(self.wide[N_REST:], images)), **rho}

    def K(self):
        """The matrices of the replication's Hessian block at the narrow point.

        Returns:
            ``(A, B, K)`` with K_lambda = [[lambda (1 - lambda) A_j, B_j^T], [B_j, 0]] (docs/theorems.md, T4).
        """
        L = self.layer
        A = L.A(self.v, self.w, self.phi, self.z_narrow)
        B = L.B(self.w, self.phi, self.z_narrow)
        top = (LAM * (1 - LAM) * A).row_join(B.T)
        bottom = B.row_join(sp.zeros(L.Q, L.Q))
        return A, B, top.col_join(bottom)


@lru_cache(maxsize=None)
def _split(P: int, Q: int, activation: str, piece: int, perturb: bool) -> _Split:
    return _Split(P, Q, activation_pieces(activation)[piece][1], perturb)


# How the two congruences are proved (shown in their reports): the forms along a symbolic direction c.
GRADIENT_METHOD = (r"c^\top T_\lambda^\top \nabla L_{wide} = \frac{d}{dt}"
                   r"L_{wide}(T_\lambda(\theta + t c_\theta, t c_\zeta, t c_\eta))\big|_0"
                   r"\ \text{for a symbolic direction } c")
HESSIAN_METHOD = (r"c^\top T_\lambda^\top H_{wide} T_\lambda c = \frac{d^2}{dt^2}"
                  r"L_{wide}(\gamma_\lambda\theta + tT_\lambda c)\big|_0"
                  r"\ \text{for a symbolic } c\text{; equal forms of symmetric matrices give equal entries}")


def _map_latex() -> str:
    rows = [
        r"v_a = \lambda v + \eta",
        r"v_b = (1-\lambda) v - \eta",
        r"\tilde w_a = \tilde w + (1-\lambda)\zeta",
        r"\tilde w_b = \tilde w - \lambda\zeta",
    ]
    return r"T_\lambda:\ " + r",\quad ".join(rows) + r"\quad\text{(theory.embeddings.replication\_map)}"


def _derivation(statement: str, P: int, Q: int, vectors: str, hypotheses: str = "") -> Derivation:
    return Derivation(statement, GENERALITY, sizes="all", argument=PAIRING,
                      method=reduced_method(P, Q, vectors), hypotheses=hypotheses)


def _second(expr, t):
    return expr.diff(t).diff(t).subs(t, 0)


def _first(expr, t):
    return expr.diff(t).subs(t, 0)


def _along_direction(d: Derivation, size, activation: str, perturb: bool):
    """For each reduced case of ``size``: ``(P, Q, k, label, split, c, t, wide, narrow)`` with a
    symbolic direction ``c = (c_theta, c_zeta, c_eta)``, ``wide`` = L_wide along
    T_lambda(theta + t c_theta, t c_zeta, t c_eta) and ``narrow`` = L along theta + t c_theta
    (docs/symbolic.md); the congruences compare their t-derivatives at 0."""
    t = sp.Symbol("t", real=True)
    for P, Q, k, label, _ in cases(d, (size,), activation):
        s = _split(P, Q, activation, k, perturb)
        c = symbols_vector("c", len(s.coords))
        narrow_line = {x: x + t * c[i] for i, x in enumerate(s.narrow)}
        yield P, Q, k, label, s, c, t, s.loss_wide.xreplace(s.along(c, t)), s.loss_narrow.xreplace(narrow_line)


def prove_function(activation: str, perturb: bool = False) -> Derivation:
    """T1: z(gamma_lambda theta) = z(theta), hence f and L are unchanged, at every theta."""
    P, Q = FUNCTION_SIZE
    d = _derivation(
        "Unit replication preserves the network function: the next pre-activation, hence f(x) "
        "and L, are unchanged at gamma_lambda(theta) = T_lambda(theta, 0, 0) for every theta and lambda.",
        P, Q, "input-side vectors {w~}, output-side {v}",
    )
    for P, Q, k, label, _ in cases(d, (FUNCTION_SIZE,), activation):
        s = _split(P, Q, activation, k, perturb)
        diff = sp.Matrix([s.at_point(a) - b for a, b in zip(s.z_wide, s.z_narrow)])
        if k == 0:
            d.name(s.layer.pre(s.w), "u")
            d.show("parameter map", _map_latex())
            d.show("z at the embedded point", sp.Matrix([s.at_point(a) for a in s.z_wide]))
        d.require_zero(f"z difference, reduced (P, Q) = ({P}, {Q}), {label}", diff)
    return d


def prove_gradient(activation: str, perturb: bool = False) -> Derivation:
    """T2 / I5: T_lambda^T grad L_wide(gamma_lambda theta) = (grad L(theta), 0_zeta, 0_eta).

    Contracted with a symbolic direction c: d/dt L_wide(T_lambda(theta + t c_theta, t c_zeta,
    t c_eta)) at 0 equals d/dt L(theta + t c_theta) at 0; the coefficient of each c_i is one
    entry of the vector identity."""
    P, Q = GRADIENT_SIZE
    d = _derivation(
        "Gradient congruence: T_lambda^T grad L_wide(gamma_lambda theta) = (grad L(theta), 0, 0) at "
        "every theta; so gamma_lambda(theta) is critical iff theta is.",
        P, Q, "input-side vectors {w~, c_w, c_zeta}, output-side {v, c_v, c_eta}",
    )
    for P, Q, k, label, s, c, t, wide, narrow in _along_direction(d, GRADIENT_SIZE, activation, perturb):
        lhs = _first(wide, t)
        rhs = _first(narrow, t)
        if k == 0:
            d.name(s.layer.pre(s.w), "u")
            d.show("parameter map", _map_latex())
            d.show("method", GRADIENT_METHOD)
        d.require_zero(f"c^T (T^T grad L_wide - (grad L, 0, 0)), reduced (P, Q) = ({P}, {Q}), {label}", lhs - rhs)
    return d


def prove_hessian(activation: str, perturb: bool = False) -> Derivation:
    """T4 / I7: T^T H_wide T = blockdiag(H, K_lambda), K = [[lambda(1-lambda)A, B^T], [B, 0]].

    Both sides are symmetric, so they are equal iff their quadratic forms agree on a symbolic
    direction c = (c_theta, c_zeta, c_eta): c^T T^T H_wide T c is the second derivative of
    L_wide along the line T_lambda(theta + t c_theta, t c_zeta, t c_eta), and
    c^T blockdiag(H, K) c is the second derivative of L along theta + t c_theta plus
    c_(zeta,eta)^T K c_(zeta,eta). The coefficient of c_i c_j is the (i, j) entry."""
    P, Q = HESSIAN_SIZE
    d = _derivation(
        "Hessian congruence: T_lambda^T H_wide(gamma_lambda theta) T_lambda = blockdiag(H(theta), "
        "K_lambda) with K_lambda = [[lambda(1-lambda) A, B^T], [B, 0]], A = (v.delta) phi''(u) h~h~^T, "
        "B = delta phi'(u) h~^T, at every theta.",
        P, Q, "input-side vectors {w~, c_w, c_zeta}, output-side {v, c_v, c_eta}",
    )
    for P, Q, k, label, s, c, t, wide, narrow in _along_direction(d, HESSIAN_SIZE, activation, perturb):
        lhs = _second(wide, t)
        n = len(s.narrow)
        quad_narrow = _second(narrow, t)
        A, B, K = s.K()
        cs = sp.Matrix(c[n:])
        rhs = quad_narrow + (cs.T * K * cs)[0, 0]
        if k == 0:
            d.name(s.layer.pre(s.w), "u")
            d.show(r"A \text{ (one sample)}", A)
            d.show(r"B \text{ (one sample)}", B)
            d.show(r"K_\lambda", K)
            d.show("method", HESSIAN_METHOD)
        d.require_zero(f"c^T (T^T H_wide T - blockdiag(H, K)) c, reduced (P, Q) = ({P}, {Q}), {label}", lhs - rhs)
    return d


def prove_fa_direction(activation: str, perturb: bool = False) -> Derivation:
    """I9 / I18: along the split direction the loss bends by lambda(1-lambda) zeta^T A zeta."""
    P, Q = DIRECTION_SIZE
    d = _derivation(
        "Split direction: d^2/ds^2 L(T_lambda(theta, s zeta, 0)) at s=0 equals lambda(1-lambda) "
        "zeta^T A zeta; the pair's output F(t) has F(0) = v phi(u), F'(0) = 0 and "
        "F''(0) = 2 eta phi'(u)(zeta.h~) + lambda(1-lambda) v phi''(u)(zeta.h~)^2 (I18).",
        P, Q, "input-side vectors {w~, zeta}, output-side {v, eta}",
    )
    t = sp.Symbol("t", real=True)
    for P, Q, k, label, phi in cases(d, (DIRECTION_SIZE,), activation):
        s = _split(P, Q, activation, k, perturb)
        L = s.layer
        line = dict(zip(s.wide[N_REST:], s.images(s.w, s.v, [t * z for z in s.zeta], [t * e for e in s.eta])))
        F = sp.Matrix([zq - r for zq, r in zip(s.z_wide, L.rest)]).xreplace(line)
        u, zh = L.pre(s.w), L.pre(s.zeta)
        F0 = F.subs(t, 0)
        F1 = F.diff(t).subs(t, 0)
        F2 = F.diff(t).diff(t).subs(t, 0)
        v, eta = sp.Matrix(s.v), sp.Matrix(s.eta)
        F2_claim = 2 * eta * derivative(phi, 1, u) * zh + LAM * (1 - LAM) * v * derivative(phi, 2, u) * zh**2
        d.require_zero(f"F(0) - v phi(u), {label}", F0 - v * phi(u))
        d.require_zero(f"F'(0), {label}", F1)
        d.require_zero(f"F''(0) - I18 form, {label}", F2 - F2_claim)
        only_zeta = dict(zip(s.wide[N_REST:], s.images(s.w, s.v, [t * z for z in s.zeta], [sp.Integer(0)] * Q)))
        second = _second(s.loss_wide.xreplace(only_zeta), t)
        A, _, _ = s.K()
        zeta = sp.Matrix(s.zeta)
        claim = LAM * (1 - LAM) * (zeta.T * A * zeta)[0, 0]
        if k == 0:
            d.name(s.layer.pre(s.w), "u")
            d.show(r"F''(0)", F2)
            d.show(r"\frac{d^2}{ds^2} L(T_\lambda(\theta, s\zeta, 0))\big|_{s=0}", second)
        d.require_zero(f"d2L/ds2 - lambda(1-lambda) zeta^T A zeta, {label}", second - claim)
    return d


def _copy_jets(L: Layer, share, v, w, eta, delta, phi):
    """g'(0), g''(0) of one copy's output g(t) = (share v + t eta) phi((w~ + t delta).h~)."""
    u, dh = L.pre(w), L.pre(delta)
    p0, p1, p2 = phi(u), derivative(phi, 1, u), derivative(phi, 2, u)
    g1 = [e * p0 + share * vq * p1 * dh for e, vq in zip(eta, v)]
    g2 = [2 * e * p1 * dh + share * vq * p2 * dh**2 for e, vq in zip(eta, v)]
    return g1, g2


def prove_kway(activation: str, perturb: bool = False) -> Derivation:
    """T4c / I11 for any number m >= 2 of copies, by the block count argument (docs/symbolic.md).

    Copy a has v_a = s_a v + t eta_a, w~_a = w~ + t delta_a, shares s_a from the library's split.
    The Hessian form along d is the sum of m diagonal blocks and m(m-1) cross blocks; a block
    involves the parameters of at most two copies, the others enter only through z and are part
    of the generic rest R. Proved here, with the library's split giving the point:
      (diag)  d2/dt2 Lambda(R + g_a(t)) = Lambda_z . g_a'' + g_a'^T Lambda_zz g_a';
      (cross) d2/dt_a dt_b Lambda(R + g_a(t_a) + g_b(t_b)) = g_a'^T Lambda_zz g_b';
      (jets)  g_a' = eta_a phi(u) + s_a v phi'(u)(delta_a.h~), g_a'' = 2 eta_a phi'(u)(delta_a.h~)
              + s_a v phi''(u)(delta_a.h~)^2.
    Summing: d^T H d = Lambda_z . sum_a g_a'' + (sum_a g_a')^T Lambda_zz (sum_a g_a'), and
    sum_a g_a' = phi(u) sum_a eta_a + v phi'(u) sum_a s_a (delta_a.h~) = 0 under the two
    constraints, for every m. The m = 3 instance is also computed directly as a cross-check."""
    d = Derivation(
        "k-way split into any number m >= 2 of copies with shares lambda_a (sum 1): for directions "
        "with sum_a eta_a = 0 and sum_a lambda_a delta_a = 0, the Hessian form is "
        "2 sum_a eta_a^T B delta_a + sum_a lambda_a delta_a^T A delta_a.",
        GENERALITY.replace("any lambda", "any shares"), sizes="all",
        argument=PAIRING + " and the block count argument (any number of copies)",
        method=reduced_method(3, 3, "diagonal block at (2, 2), cross block at (3, 3), m = 3 directly at (3, 3)"),
    )
    t, ta, tb = sp.symbols("t t_a t_b", real=True)
    sa, sb = sp.symbols("s_a s_b", real=True)
    for _, _, k, label, phi in cases(d, ((3, 3),), activation):
        # diagonal block: one copy, share s_a, the other copies inside the generic rest
        L = Layer(2, 2, free=True)
        v, w = symbols_vector("v", 2), symbols_vector("w", 2)
        eta, delta = symbols_vector("eta", 2), symbols_vector("delta", 2)
        g1, g2 = _copy_jets(L, sa, v, w, eta, delta, phi)
        copy = ([sa * vq + t * e for vq, e in zip(v, eta)], [x + t * dx for x, dx in zip(w, delta)])
        z0 = L.z([(copy[0], copy[1])], phi)
        lam = L.sample_loss(z0)
        at0 = {t: 0}
        zpoint = [zq.subs(t, 0) for zq in z0]
        delta_z = L.delta_at(zpoint)
        Lzz = L.loss_zz(zpoint)
        G1, G2 = sp.Matrix(g1), sp.Matrix(g2)
        diag = _second(lam, t) - (delta_z.T * G2)[0, 0] - (G1.T * Lzz * G1)[0, 0]
        d.require_zero(f"diagonal block, {label}", diag)
        d.require_zero(f"copy jets g', g'', {label}",
                       sp.Matrix([sp.Matrix(z0).diff(t).subs(at0) - G1, sp.Matrix(z0).diff(t, 2).subs(at0) - G2]))
        # cross block: two copies
        L3 = Layer(3, 3, free=True)
        v3, w3 = symbols_vector("v", 3), symbols_vector("w", 3)
        ea, eb = symbols_vector("eta_a", 3), symbols_vector("eta_b", 3)
        da, db = symbols_vector("delta_a", 3), symbols_vector("delta_b", 3)
        units = [([sa * vq + ta * e for vq, e in zip(v3, ea)], [x + ta * dx for x, dx in zip(w3, da)]),
                 ([sb * vq + tb * e for vq, e in zip(v3, eb)], [x + tb * dx for x, dx in zip(w3, db)])]
        z2 = L3.z(units, phi)
        lam2 = L3.sample_loss(z2)
        zp = [zq.subs({ta: 0, tb: 0}) for zq in z2]
        ga, _ = _copy_jets(L3, sa, v3, w3, ea, da, phi)
        gb, _ = _copy_jets(L3, sb, v3, w3, eb, db, phi)
        cross = lam2.diff(ta).diff(tb).subs({ta: 0, tb: 0}) - (sp.Matrix(ga).T * L3.loss_zz(zp) * sp.Matrix(gb))[0, 0]
        d.require_zero(f"cross block, {label}", cross)
        # m = 3 directly, shares and point from the library's split
        l0, l1 = sp.symbols("lambda_0 lambda_1", real=True)
        l2 = 1 - l0 - l1
        shares = [l0, l1, l2 + (EPS if perturb else 0)]
        base = maps.split_point(3, 3, shares, w3, v3)
        etas = [symbols_vector(f"eta{a}", 3) for a in range(2)]
        etas.append([-a - b for a, b in zip(*etas)])
        gam = [symbols_vector(f"gamma{a}", 3) for a in range(2)]
        dels = [[l2 * g for g in gam[0]], [l2 * g for g in gam[1]]]
        dels.append([-(l0 * a + l1 * b) for a, b in zip(*gam)])
        units3 = [([vq + t * e for vq, e in zip(base[a][0], etas[a])], [x + t * dx for x, dx in zip(base[a][1], dels[a])])
                  for a in range(3)]
        second = _second(L3.sample_loss(L3.z(units3, phi)), t)
        z_n = L3.z([(v3, w3)], phi)
        A, B = L3.A(v3, w3, phi, z_n), L3.B(w3, phi, z_n)
        form = sum((2 * (sp.Matrix(etas[a]).T * B * sp.Matrix(dels[a]))[0, 0]
                    + [l0, l1, l2][a] * (sp.Matrix(dels[a]).T * A * sp.Matrix(dels[a]))[0, 0]
                    for a in range(3)), sp.Integer(0))
        if k == 0:
            d.show("copies", r"v_a = \lambda_a v + t\,\eta_a,\ \tilde w_a = \tilde w + t\,\delta_a"
                   r"\quad\text{(point: theory.embeddings.split)}")
            d.show("count argument", r"d^\top H d = \sum_a D_a + \sum_{a\ne b} X_{ab} = "
                   r"\Lambda_z\cdot\sum_a g_a'' + \Big(\sum_a g_a'\Big)^\top\Lambda_{zz}\Big(\sum_a g_a'\Big),\quad "
                   r"\sum_a g_a' = \varphi(u)\sum_a\eta_a + v\,\varphi'(u)\sum_a\lambda_a\,\delta_a\cdot\tilde h = 0")
        d.require_zero(f"m = 3 directly: d^T H d - (2 sum eta^T B delta + sum lambda delta^T A delta), {label}",
                       second - form)
    return d
