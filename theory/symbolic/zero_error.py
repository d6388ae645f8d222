"""General proofs at zero training error (T9 in docs/theorems.md, I15 in docs/invariants.md; docs/symbolic.md §3).

gauss_newton: the network output is a generic function F(theta) in R^M of generic parameters
(theta_0, theta_1, theta_2 stand for any parameters: a Hessian entry involves at most two), the
loss is l = 1/2 ||F - y||^2. At zero error (y = F(theta), substituted after differentiating) the
Hessian is J^T J (M = 1; every M by additivity over output components). The same holds for any
smooth loss whose f-gradient vanishes at the point, with the Hessian J^T (d2l/df2) J: proved with
a generic l by setting its first f-derivatives to 0 (M = 3; every M by the 2-jet reduction).

trace: one output component G(rho, z) of the later layers (any depth), one surplus unit with
v' = 0, squared loss at zero error, contracted along a symbolic direction on the reduced layer;
the trace adds over output components and over surplus units (count argument), giving
sum_k sum_i phi(w~_k . h~_i)^2 ||d f_i/d z||_F^2 (M sum_k sum_i phi^2 for three-layer nets).
Negative controls (``perturb=True``): a non-zero residual epsilon (gauss_newton), a non-zero
surplus output weight epsilon (trace).
"""

from __future__ import annotations

import sympy as sp

from theory.symbolic.generic import Jet, generic, hessian, symbols_vector
from theory.symbolic.layer import Layer, cases
from theory.symbolic.result import EPS, PAIRING, Derivation, reduced_method

GN_OUTPUTS = (1, 3)
"""M = 1 carries the squared loss to every M (additivity over output components); M = 3 carries
the general loss to every M (the 2-jet reduction, docs/symbolic.md)."""
N_THETA = 3
TRACE_SIZE = (2, 1)
SURPLUS = 2
T = sp.Symbol("t", real=True)


def prove_gauss_newton(activation: str, perturb: bool = False) -> Derivation:
    """At zero error: H = J^T J for squared loss; H = J^T l_ff J for any loss with l_f = 0."""
    d = Derivation(
        "At zero training error the Hessian of the squared loss is the Gauss-Newton matrix J^T J "
        "(J = df/dtheta); for any smooth loss whose f-gradient vanishes there, H = J^T (d2l/df2) J.",
        "any network function F(theta) (generic), any activation and depth; every number of outputs M "
        "and of parameters; per-sample identity summed over samples",
        sizes="all",
        argument="additivity over output components (squared loss) and the 2-jet reduction to M = 3 (general loss)",
        method="exact identity for a generic F of three generic parameters (a Hessian entry involves at most two), "
               "M in " + ", ".join(map(str, GN_OUTPUTS)),
        hypotheses="zero training error (squared loss), or l_f = 0 at the point (general loss)",
    )
    theta = symbols_vector("theta", N_THETA)
    for M in GN_OUTPUTS:
        if d.failures:
            break
        F = [generic(f"F{m}", N_THETA, f"f_{{{m}}}", tuple(rf"\theta_{k}" for k in range(N_THETA)), False)(*theta)
             for m in range(M)]
        y = symbols_vector("y", M)
        J = sp.Matrix(F).jacobian(theta)
        if M == 1:
            loss = sum(((f - yy) ** 2 for f, yy in zip(F, y)), sp.Integer(0)) / 2
            residual = EPS if perturb else 0
            H = hessian(loss, theta, at={yy: f - residual for yy, f in zip(y, F)})
            d.show("H at zero error (M = 1)", H)
            d.require_zero(f"H - J^T J, M={M}", H - J.T * J)
            continue
        # any smooth loss l(f): set its first derivatives to 0 (zero error = critical in f)
        lf = generic("l", M, r"\ell", tuple(f"f_{m}" for m in range(M)), False)
        H_gen = hessian(lf(*F), theta)
        first = {a: (EPS if perturb else 0) for a in H_gen.atoms(Jet)
                 if getattr(a, "_base", "") == "l" and a.order == 1}
        H_gen = H_gen.xreplace(first)
        fs = [sp.Dummy(f"f{m}") for m in range(M)]
        l_ff = sp.hessian(lf(*fs), fs).xreplace(dict(zip(fs, F)))
        d.require_zero(f"H - J^T l_ff J (general loss), M={M}", H_gen - J.T * l_ff * J)
    return d


def prove_trace(activation: str, perturb: bool = False) -> Derivation:
    """T9 for any depth J, any layer, any number K of surplus units: at zero error
    tr H_wide - tr H = sum_k sum_i phi(w~_k . h~_i)^2 ||d f_i / d z^(l+1)||_F^2
    (J = 3: d f / d z = I_M, so M sum_k sum_i phi(w~_k . x~_i)^2).

    Proof: one output component G(rho, z) of the later layers (a generic function: any depth),
    one surplus unit (v' = 0, incoming w~0), squared loss, zero error; along a symbolic direction
    c = (c_rho, c_w, c_v) the form is (d/dt G(rho + t c_rho, R(rho + t c_rho)) + phi(u0) G_z . c_v)^2:
    so the old diagonal entries are unchanged, the w~' entries are 0 and the v'_q entry is
    phi(u0)^2 (dG/dz_q)^2. Summing the diagonal over q and over output components gives the
    formula for one unit; with K units each surplus unit's diagonal is computed with the others
    at v = 0, where they add nothing to z (count argument), so the growth adds over units. A
    three-layer net with K = 2 surplus units is also computed directly as a cross-check."""
    P, Q = TRACE_SIZE
    d = Derivation(
        "Zero error, any depth J, K inactive surplus units (v_k = 0, any incoming w~_k) in any hidden "
        "layer l: the Hessian trace grows by sum_k sum_i phi(w~_k . h~_i)^2 ||d f_i/d z^(l+1)||_F^2; for "
        "J = 3 this is M sum_k sum_i phi(w~_k . x~_i)^2 (M = 1: sum_k sum_i phi(w_k.x_i + b_k)^2, docs/theorems.md, T9).",
        "any activation phi, any later layers G(rho, z) and earlier layers h~(rho), any other units R(rho); "
        "every depth, layer, number of surplus units, dim w~, dim v and M",
        sizes="all",
        argument=PAIRING + ", additivity over output components and the unit count argument",
        method=reduced_method(P, Q, "one surplus unit, input-side {w~0, c_w}, output-side {c_v}; "
                              f"J = 3 with K = {SURPLUS} directly at (2, 1)"),
        hypotheses="zero training error, squared loss",
    )
    L = Layer(P, Q, free=True)
    y = sp.Symbol("y", real=True)
    G = generic("G", 2 + Q, "G", (r"\rho_0", r"\rho_1") + tuple(f"z_{q}" for q in range(Q)), False)
    w0, vn, wn = symbols_vector("w0", P), symbols_vector("vn", Q), symbols_vector("wn", P)
    c = symbols_vector("c", 2 + P + Q)
    c_rho, c_w, c_v = c[:2], c[2:2 + P], c[2 + P:]
    for _, _, k, label, phi in cases(d, (TRACE_SIZE,), activation):
        v_point = [EPS if perturb else sp.Integer(0)] * Q
        line = {**{r: r + T * dr for r, dr in zip(L.rho, c_rho)},
                **{x: x0 + T * dx for x, x0, dx in zip(wn, w0, c_w)},
                **{x: x0 + T * dx for x, x0, dx in zip(vn, v_point, c_v)}}
        f_wide = G(*L.rho, *L.z([(vn, wn)], phi))
        f_narrow = G(*L.rho, *L.rest)
        form = (((f_wide - y) ** 2) / 2).xreplace(line).diff(T).diff(T).subs(T, 0).xreplace({y: f_narrow})
        zs = [sp.Dummy(f"z{q}") for q in range(Q)]
        Gz = [sp.diff(G(*L.rho, *zs), z).xreplace(dict(zip(zs, L.rest))) for z in zs]
        old_rate = f_narrow.xreplace({r: r + T * dr for r, dr in zip(L.rho, c_rho)}).diff(T).subs(T, 0)
        u0 = L.pre(w0)
        claim = (old_rate + phi(u0) * sum((g * cq for g, cq in zip(Gz, c_v)), sp.Integer(0))) ** 2
        if k == 0:
            d.show(r"c^\top H_{wide} c \text{ at zero error (one output component, one surplus unit)}", claim)
        d.require_zero(f"c^T H_wide c - (J_old c_rho + phi(u0) G_z c_v)^2, {label}", form - claim)
    _trace_three_layer(d, activation, perturb)
    return d


def _trace_three_layer(d: Derivation, activation: str, perturb: bool) -> None:
    """Cross-check: a three-layer net, K = 2 surplus units, M = 1, trace computed entry by entry."""
    rho = symbols_vector("rho", 2)
    for P, M, k, label, phi in cases(d, ((2, 1),), activation):
        x = symbols_vector("x", P - 1) + [sp.Integer(1)]
        R = [generic(f"R{m}", 2, f"R_{{{m}}}", (r"\rho_0", r"\rho_1"), False)(*rho) for m in range(M)]
        y = symbols_vector("y", M)
        ws = [symbols_vector(f"w{a}", P) for a in range(SURPLUS)]
        vs = [symbols_vector(f"v{a}", M) for a in range(SURPLUS)]
        pre = [sum((wk * xk for wk, xk in zip(w, x)), sp.Integer(0)) for w in ws]
        f_wide = [R[m] + sum((vs[a][m] * phi(pre[a]) for a in range(SURPLUS)), sp.Integer(0)) for m in range(M)]
        zero_error = {yy: r for yy, r in zip(y, R)}
        inactive = {v: (EPS if perturb else 0) for a in range(SURPLUS) for v in vs[a]}
        wide = rho + [p for a in range(SURPLUS) for p in ws[a] + vs[a]]

        def half_sse(f):
            """Half the squared error sum_m (f_m - y_m)^2 / 2 of outputs ``f`` against the targets ``y``."""
            return sum(((fm - ym) ** 2 for fm, ym in zip(f, y)), sp.Integer(0)) / 2

        tr_wide = sum((half_sse(f_wide).diff(p).diff(p) for p in wide), sp.Integer(0))
        tr_wide = tr_wide.xreplace(inactive).xreplace(zero_error)
        tr_narrow = sum((half_sse(R).diff(p).diff(p) for p in rho), sp.Integer(0)).xreplace(zero_error)
        growth = M * sum((phi(u) ** 2 for u in pre), sp.Integer(0))
        if k == 0:
            d.show("trace growth, three-layer net, K = 2 (one sample)", tr_wide - tr_narrow)
        d.require_zero(f"tr H_wide - tr H - M sum phi^2, J = 3, K = {SURPLUS}, {label}", tr_wide - tr_narrow - growth)
