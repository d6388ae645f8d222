"""General proofs at zero training error (spec theory.md T9, I15).

gauss_newton: the network output is a generic function F(theta) in R^M of generic parameters
(theta_0, theta_1, theta_2 stand for any parameters: a Hessian entry involves at most two), the
loss is l = 1/2 ||F - y||^2. At zero error (y = F(theta), substituted after differentiating) the
Hessian is J^T J. The same holds for any smooth loss whose f-gradient vanishes at the point,
with the Hessian J^T (d2l/df2) J: proved with a generic l by setting its first f-derivatives to 0.

trace: a three-layer net, f(x) = R(rho) + sum_k v_k phi(w~_k . x~), with R(rho) generic (every
other unit and the output bias). Adding K surplus units with v_k = 0 at a zero-error point raises
tr H by M sum_k phi(w~_k . x~)^2 per sample (spec T9 states M = 1); summed over samples this is
M sum_k sum_i phi(w~_k . x~_i)^2.
Negative controls (``perturb=True``): a non-zero residual epsilon (gauss_newton), a non-zero
surplus output weight epsilon (trace).
"""

from __future__ import annotations

import sympy as sp

from theory.symbolic.generic import Jet, generic, hessian, symbols_vector
from theory.symbolic.layer import cases
from theory.symbolic.result import EPS, Derivation

GN_OUTPUTS = (1, 2, 3)
N_THETA = 3
TRACE_SIZES = ((1, 1), (2, 1), (2, 2), (3, 2))
SURPLUS = 2


def prove_gauss_newton(activation: str, perturb: bool = False) -> Derivation:
    """At zero error: H = J^T J for squared loss; H = J^T l_ff J for any loss with l_f = 0."""
    d = Derivation(
        "At zero training error the Hessian of the squared loss is the Gauss-Newton matrix J^T J "
        "(J = df/dtheta); for any smooth loss whose f-gradient vanishes there, H = J^T (d2l/df2) J.",
        "any network function F(theta) (generic), any activation; outputs M in "
        + ", ".join(map(str, GN_OUTPUTS)) + "; per-sample identity summed over samples",
    )
    theta = symbols_vector("theta", N_THETA)
    for M in GN_OUTPUTS:
        if d.failures:
            break
        F = [generic(f"F{m}", N_THETA, f"f_{{{m}}}", tuple(rf"\theta_{k}" for k in range(N_THETA)), False)(*theta)
             for m in range(M)]
        y = symbols_vector("y", M)
        loss = sum(((f - yy) ** 2 for f, yy in zip(F, y)), sp.Integer(0)) / 2
        residual = EPS if perturb else 0
        H = hessian(loss, theta, at={yy: f - residual for yy, f in zip(y, F)})
        J = sp.Matrix(F).jacobian(theta)
        if M == 1:
            d.show("H at zero error (M = 1)", H)
        d.require_zero(f"H - J^T J, M={M}", H - J.T * J)
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
    """T9: tr H_wide - tr H_narrow = M sum_k phi(w~_k . x~)^2 per sample at zero error."""
    d = Derivation(
        "Zero error, K inactive surplus units (v_k = 0, any incoming w~_k): the Hessian trace grows by "
        "M sum_k sum_i phi(w~_k . x~_i)^2 (M = 1: sum_k sum_i phi(w_k.x_i + b_k)^2, spec T9).",
        f"three-layer nets, any activation phi, any other units and output bias R(rho); K = {SURPLUS} surplus "
        "units; sizes (dim w~, M) in " + ", ".join(f"({p},{q})" for p, q in TRACE_SIZES),
    )
    rho = symbols_vector("rho", 2)
    for P, M, k, label, phi in cases(d, TRACE_SIZES, activation):
        x = symbols_vector("x", P - 1) + [sp.Integer(1)]
        R = [generic(f"R{m}", 2, f"R_{{{m}}}", (r"\rho_0", r"\rho_1"), False)(*rho) for m in range(M)]
        y = symbols_vector("y", M)
        ws = [symbols_vector(f"w{a}", P) for a in range(SURPLUS)]
        vs = [symbols_vector(f"v{a}", M) for a in range(SURPLUS)]
        f_narrow = R
        pre = [sum((wk * xk for wk, xk in zip(w, x)), sp.Integer(0)) for w in ws]
        f_wide = [R[m] + sum((vs[a][m] * phi(pre[a]) for a in range(SURPLUS)), sp.Integer(0)) for m in range(M)]
        zero_error = {yy: r for yy, r in zip(y, R)}
        inactive = {v: (EPS if perturb else 0) for a in range(SURPLUS) for v in vs[a]}
        wide = rho + [p for a in range(SURPLUS) for p in ws[a] + vs[a]]

        def half_sse(f):
            return sum(((fm - ym) ** 2 for fm, ym in zip(f, y)), sp.Integer(0)) / 2

        tr_wide = sum((half_sse(f_wide).diff(p).diff(p) for p in wide), sp.Integer(0))
        tr_wide = tr_wide.xreplace(inactive).xreplace(zero_error)
        tr_narrow = sum((half_sse(f_narrow).diff(p).diff(p) for p in rho), sp.Integer(0)).xreplace(zero_error)
        growth = M * sum((phi(u) ** 2 for u in pre), sp.Integer(0))
        if (P, M) == (2, 1) and k == 0:
            d.show("trace growth (one sample)", tr_wide - tr_narrow)
        d.require_zero(f"tr H_wide - tr H - M sum phi^2, P={P}, M={M}, {label}", tr_wide - tr_narrow - growth)
    return d
