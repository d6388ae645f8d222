"""General proofs for unit replication gamma_lambda (spec theory.md §2 (i), T1, T2, T4, T4c, I18).

Setting (see :mod:`theory.symbolic.layer`): one sample, generic phi, generic loss-and-later-layers
Lambda, generic earlier layers h~(rho), generic other units R(rho), generic extra parameters rho.
Unit j has incoming w~ (size P) and outgoing v (size Q). Replication gives two copies a, b:

    T_lambda:  v_a = s_a v + eta,  v_b = s_b v - eta,  w~_a = w~ + (1-lambda) zeta,  w~_b = w~ - lambda zeta

with shares (s_a, s_b) = (lambda, 1 - lambda); ``T_lambda(theta, 0, 0) = gamma_lambda(theta)``.
The negative control (``perturb=True``) uses the wrong shares (lambda, 1 - lambda + epsilon).
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from theory.architecture import Architecture
from theory.embeddings import replication_map, replication_map_inverse
from theory.symbolic.generic import derivative, symbols_vector
from theory.symbolic.layer import Layer, activation_pieces, cases
from theory.symbolic.result import EPS, Derivation, sizes_text

LAM = sp.Symbol("lambda", real=True)

FUNCTION_SIZES = ((1, 1), (2, 1), (2, 2), (3, 2))
GRADIENT_SIZES = ((1, 1), (2, 1), (2, 2), (3, 2))
HESSIAN_SIZES = ((1, 1), (2, 1), (2, 2), (3, 2))
DIRECTION_SIZES = ((2, 1), (2, 2), (3, 2))
KWAY_SIZES = ((1, 1), (2, 1), (2, 2))

GENERALITY = (
    "any activation phi, any loss composed with later layers Lambda(rho, z), any earlier layers "
    "h~(rho) and other units R(rho), any lambda, at any theta (critical or not); per-sample "
    "identity summed over samples; sizes (dim w~, dim v) in {sizes}"
)


class _Split:
    """The symbols and the map T_lambda for one size (P, Q) and one activation."""

    def __init__(self, P: int, Q: int, phi, perturb: bool):
        self.layer = L = Layer(P, Q)
        self.phi = phi
        self.v, self.w = symbols_vector("v", Q), symbols_vector("w", P)
        self.zeta, self.eta = symbols_vector("zeta", P), symbols_vector("eta", Q)
        self.va, self.wa = symbols_vector("va", Q), symbols_vector("wa", P)
        self.vb, self.wb = symbols_vector("vb", Q), symbols_vector("wb", P)
        shares = (LAM, 1 - LAM + (EPS if perturb else 0))
        self.shares = shares
        self.narrow = L.rho + self.v + self.w
        self.coords = self.narrow + self.zeta + self.eta
        self.wide = L.rho + self.va + self.wa + self.vb + self.wb
        images = (
            list(L.rho)
            + [shares[0] * v + e for v, e in zip(self.v, self.eta)]
            + [w + (1 - LAM) * z for w, z in zip(self.w, self.zeta)]
            + [shares[1] * v - e for v, e in zip(self.v, self.eta)]
            + [w - LAM * z for w, z in zip(self.w, self.zeta)]
        )
        self.T_images = images
        self.T = sp.Matrix(images).jacobian(self.coords)  # constant: T_lambda is linear
        at_zero = {s: 0 for s in self.zeta + self.eta}
        self.point = {s: img.xreplace(at_zero) for s, img in zip(self.wide, images)}
        self.z_wide = L.z([(self.va, self.wa), (self.vb, self.wb)], phi)
        self.z_narrow = L.z([(self.v, self.w)], phi)
        self.loss_wide = L.sample_loss(self.z_wide)
        self.loss_narrow = L.sample_loss(self.z_narrow)

    def at_point(self, expr):
        return expr.xreplace(self.point)

    def K(self):
        L = self.layer
        A = L.A(self.v, self.w, self.phi, self.z_narrow)
        B = L.B(self.w, self.phi, self.z_narrow)
        top = (LAM * (1 - LAM) * A).row_join(B.T)
        bottom = B.row_join(sp.zeros(L.Q, L.Q))
        return A, B, top.col_join(bottom)


@lru_cache(maxsize=None)
def _split(P: int, Q: int, activation: str, piece: int, perturb: bool) -> _Split:
    return _Split(P, Q, activation_pieces(activation)[piece][1], perturb)


def _map_latex(s: _Split) -> str:
    rows = [
        rf"v_a = \left({sp.latex(s.shares[0])}\right)v + \eta",
        rf"v_b = \left({sp.latex(s.shares[1])}\right)v - \eta",
        r"\tilde w_a = \tilde w + (1-\lambda)\zeta",
        r"\tilde w_b = \tilde w - \lambda\zeta",
    ]
    return r"T_\lambda:\ " + r",\quad ".join(rows)


def prove_function(activation: str, perturb: bool = False) -> Derivation:
    """T1: z(gamma_lambda theta) = z(theta), hence f and L are unchanged, at every theta."""
    d = Derivation(
        "Unit replication preserves the network function: the next pre-activation, hence f(x) "
        "and L, are unchanged at gamma_lambda(theta) for every theta and lambda.",
        GENERALITY.format(sizes=sizes_text(FUNCTION_SIZES)),
    )
    for P, Q, k, label, _ in cases(d, FUNCTION_SIZES, activation):
        s = _split(P, Q, activation, k, perturb)
        diff = sp.Matrix([s.at_point(a) - b for a, b in zip(s.z_wide, s.z_narrow)])
        if (P, Q) == (2, 1) and k == 0:
            d.name(s.layer.pre(s.w), "u")
            d.show("parameter map", _map_latex(s))
            d.show("z at the embedded point", sp.Matrix([s.at_point(a) for a in s.z_wide]))
        d.require_zero(f"z difference, P={P}, Q={Q}, {label}", diff)
    return d


def _library_map_checks(d: Derivation) -> None:
    """The library's T_lambda (theory.embeddings.replication_map) with a symbolic lambda: its
    closed-form inverse is exact and |det T_lambda| = 1 (spec §2, I18)."""
    for widths in ((1, 2, 1), (2, 2, 2)):
        arch = Architecture(widths, "identity")
        T = sp.Matrix(replication_map(arch, 0, 0, LAM))
        S = sp.Matrix(replication_map_inverse(arch, 0, 0, LAM))
        d.require_zero(f"library T_lambda^-1 T_lambda - I, widths {list(widths)}", S * T - sp.eye(T.shape[0]))
        d.require_zero(f"library det(T_lambda)^2 - 1, widths {list(widths)}", sp.cancel(T.det(method="bareiss") ** 2 - 1))


def prove_gradient(activation: str, perturb: bool = False) -> Derivation:
    """T2 / I5: T_lambda^T grad L_wide(gamma_lambda theta) = (grad L(theta), 0_zeta, 0_eta)."""
    d = Derivation(
        "Gradient congruence: T_lambda^T grad L_wide(gamma_lambda theta) = (grad L(theta), 0, 0) at "
        "every theta; so gamma_lambda(theta) is critical iff theta is.",
        GENERALITY.format(sizes=sizes_text(GRADIENT_SIZES)),
    )
    _library_map_checks(d)
    for P, Q, k, label, _ in cases(d, GRADIENT_SIZES, activation):
        s = _split(P, Q, activation, k, perturb)
        g_wide = sp.Matrix([s.at_point(sp.diff(s.loss_wide, x)) for x in s.wide])
        g_narrow = sp.Matrix([sp.diff(s.loss_narrow, x) for x in s.narrow])
        target = g_narrow.col_join(sp.zeros(P + Q, 1))
        lhs = s.T.T * g_wide
        if (P, Q) == (2, 1) and k == 0:
            d.name(s.layer.pre(s.w), "u")
            d.show("T_lambda (columns rho, v, w~, zeta, eta; rows rho, v_a, w~_a, v_b, w~_b)", s.T)
            d.show(r"\partial L_{wide}/\partial \tilde w_a \text{ at } \gamma_\lambda\theta",
                   sp.Matrix(g_wide[2 + Q: 2 + Q + P]))
            d.show(r"\partial L/\partial \tilde w \text{ (narrow)}", sp.Matrix(g_narrow[2 + Q:]))
        d.require_zero(f"T^T grad L_wide - (grad L, 0, 0), P={P}, Q={Q}, {label}", lhs - target)
    return d


def prove_hessian(activation: str, perturb: bool = False) -> Derivation:
    """T4 / I7: T^T H_wide T = blockdiag(H, K_lambda), K = [[lambda(1-lambda)A, B^T], [B, 0]].

    Both sides are symmetric, so they are equal iff their quadratic forms agree on a symbolic
    direction c = (c_theta, c_zeta, c_eta): c^T T^T H_wide T c is the second derivative of
    L_wide along the line gamma_lambda(theta) + t T c, and c^T blockdiag(H, K) c is the second
    derivative of L along theta + t c_theta plus c_(zeta,eta)^T K c_(zeta,eta). The coefficient
    of c_i c_j is the (i, j) entry, so one scalar identity proves every entry."""
    d = Derivation(
        "Hessian congruence: T_lambda^T H_wide(gamma_lambda theta) T_lambda = blockdiag(H(theta), "
        "K_lambda) with K_lambda = [[lambda(1-lambda) A, B^T], [B, 0]], A = (v.delta) phi''(u) h~h~^T, "
        "B = delta phi'(u) h~^T, at every theta.",
        GENERALITY.format(sizes=sizes_text(HESSIAN_SIZES)),
    )
    t = sp.Symbol("t", real=True)
    for P, Q, k, label, _ in cases(d, HESSIAN_SIZES, activation):
        s = _split(P, Q, activation, k, perturb)
        c = symbols_vector("c", len(s.coords))
        direction = s.T * sp.Matrix(c)
        line = {x: s.point[x] + t * direction[i] for i, x in enumerate(s.wide)}
        lhs = s.loss_wide.xreplace(line).diff(t).diff(t).subs(t, 0)
        n = len(s.narrow)
        narrow_line = {x: x + t * c[i] for i, x in enumerate(s.narrow)}
        quad_narrow = s.loss_narrow.xreplace(narrow_line).diff(t).diff(t).subs(t, 0)
        A, B, K = s.K()
        cs = sp.Matrix(c[n:])
        rhs = quad_narrow + (cs.T * K * cs)[0, 0]
        if (P, Q) == (2, 1) and k == 0:
            d.name(s.layer.pre(s.w), "u")
            d.show(r"A \text{ (one sample)}", A)
            d.show(r"B \text{ (one sample)}", B)
            d.show(r"K_\lambda", K)
            d.show("method", r"c^\top T_\lambda^\top H_{wide} T_\lambda c = \frac{d^2}{dt^2}"
                   r"L_{wide}(\gamma_\lambda\theta + tT_\lambda c)\big|_0"
                   r"\ \text{for a symbolic } c\text{; equal forms of symmetric matrices give equal entries}")
        d.require_zero(f"c^T (T^T H_wide T - blockdiag(H, K)) c, P={P}, Q={Q}, {label}", lhs - rhs)
    return d


def prove_fa_direction(activation: str, perturb: bool = False) -> Derivation:
    """I9 / I18: along the split direction the loss bends by lambda(1-lambda) zeta^T A zeta."""
    d = Derivation(
        "Split direction: d^2/ds^2 L(T_lambda(theta, s zeta, 0)) at s=0 equals lambda(1-lambda) "
        "zeta^T A zeta; the pair's output F(t) has F(0) = v phi(u), F'(0) = 0 and "
        "F''(0) = 2 eta phi'(u)(zeta.h~) + lambda(1-lambda) v phi''(u)(zeta.h~)^2 (I18).",
        GENERALITY.format(sizes=sizes_text(DIRECTION_SIZES)),
    )
    t = sp.Symbol("t", real=True)
    for P, Q, k, label, phi in cases(d, DIRECTION_SIZES, activation):
        s = _split(P, Q, activation, k, perturb)
        L = s.layer
        line = {x: img.xreplace({**{e: t * e for e in s.eta}, **{z: t * z for z in s.zeta}})
                for x, img in zip(s.wide, s.T_images)}
        F = sp.Matrix([zq - r for zq, r in zip(s.z_wide, L.rest)]).xreplace(line)
        u, zh = L.pre(s.w), L.pre(s.zeta)
        F0 = F.subs(t, 0)
        F1 = F.diff(t).subs(t, 0)
        F2 = F.diff(t).diff(t).subs(t, 0)
        v, eta = sp.Matrix(s.v), sp.Matrix(s.eta)
        F2_claim = 2 * eta * derivative(phi, 1, u) * zh + LAM * (1 - LAM) * v * derivative(phi, 2, u) * zh**2
        d.require_zero(f"F(0) - v phi(u), P={P}, Q={Q}, {label}", F0 - v * phi(u))
        d.require_zero(f"F'(0), P={P}, Q={Q}, {label}", F1)
        d.require_zero(f"F''(0) - I18 form, P={P}, Q={Q}, {label}", F2 - F2_claim)
        # second derivative of the loss along (zeta, eta = 0)
        only_zeta = {x: img.xreplace({**{e: 0 for e in s.eta}, **{z: t * z for z in s.zeta}})
                     for x, img in zip(s.wide, s.T_images)}
        curve = s.loss_wide.xreplace(only_zeta)
        second = curve.diff(t).diff(t).subs(t, 0)
        A, _, _ = s.K()
        zeta = sp.Matrix(s.zeta)
        claim = LAM * (1 - LAM) * (zeta.T * A * zeta)[0, 0]
        if (P, Q) == (2, 1) and k == 0:
            d.name(s.layer.pre(s.w), "u")
            d.show(r"F''(0)", F2)
            d.show(r"\frac{d^2}{ds^2} L(T_\lambda(\theta, s\zeta, 0))\big|_{s=0}", second)
        d.require_zero(f"d2L/ds2 - lambda(1-lambda) zeta^T A zeta, P={P}, Q={Q}, {label}", second - claim)
    return d


def prove_kway(activation: str, perturb: bool = False) -> Derivation:
    """T4c / I11: three copies with shares lambda_a (sum 1), directions with sum eta_a = 0 and
    sum lambda_a delta_a = 0: d^T H_wide d = 2 sum eta_a^T B delta_a + sum lambda_a delta_a^T A delta_a."""
    d = Derivation(
        "k-way split (three copies, shares lambda_0 + lambda_1 + lambda_2 = 1): for directions with "
        "sum_a eta_a = 0 and sum_a lambda_a delta_a = 0, the Hessian form is "
        "2 sum_a eta_a^T B delta_a + sum_a lambda_a delta_a^T A delta_a.",
        GENERALITY.format(sizes=sizes_text(KWAY_SIZES)).replace("any lambda", "any shares"),
    )
    t = sp.Symbol("t", real=True)
    l0, l1 = sp.symbols("lambda_0 lambda_1", real=True)
    for P, Q, k, label, phi in cases(d, KWAY_SIZES, activation):
        L = Layer(P, Q)
        v, w = symbols_vector("v", Q), symbols_vector("w", P)
        shares = [l0, l1, 1 - l0 - l1 + (EPS if perturb else 0)]
        etas = [symbols_vector(f"eta{a}", Q) for a in range(2)]
        etas.append([-a - b for a, b in zip(*etas)])
        # sum_a lambda_a delta_a = 0, solved without division (all solutions when lambda_2 != 0)
        l2 = 1 - l0 - l1
        gam = [symbols_vector(f"gamma{a}", P) for a in range(2)]
        dels = [[l2 * g for g in gam[0]], [l2 * g for g in gam[1]]]
        dels.append([-(l0 * a + l1 * b) for a, b in zip(*gam)])
        units = [
            ([shares[a] * vq + t * eq for vq, eq in zip(v, etas[a])], [wk + t * dk for wk, dk in zip(w, dels[a])])
            for a in range(3)
        ]
        second = L.sample_loss(L.z(units, phi)).diff(t).diff(t).subs(t, 0)
        z0 = L.z([(v, w)], phi)
        A, B = L.A(v, w, phi, z0), L.B(w, phi, z0)
        form = sum(
            (2 * (sp.Matrix(etas[a]).T * B * sp.Matrix(dels[a]))[0, 0]
             + [l0, l1, l2][a] * (sp.Matrix(dels[a]).T * A * sp.Matrix(dels[a]))[0, 0]
             for a in range(3)),
            sp.Integer(0),
        )
        if (P, Q) == (1, 1) and k == 0:
            d.show("copies", r"v_a = \lambda_a v + t\,\eta_a,\ \tilde w_a = \tilde w + t\,\delta_a,\ "
                   r"\eta_2 = -\eta_0-\eta_1,\ \delta_{0,1} = \lambda_2\gamma_{0,1},\ \delta_2 = -(\lambda_0\gamma_0+\lambda_1\gamma_1)")
            d.show(r"A \text{ (one sample)}", A)
            d.show(r"B \text{ (one sample)}", B)
        d.require_zero(f"d^T H d - (2 sum eta^T B delta + sum lambda delta^T A delta), P={P}, Q={Q}, {label}",
                       second - form)
    return d
