"""Second-order theorems for replication (T4a, T4b, T7 in docs/theorems.md; docs/symbolic.md).

Definiteness is an inequality, so each claim proves the algebraic identity that reduces it to
the sign of a named quantity, and the report says which:

- ``replication.fa_sign_table`` (T4a, one output, M = 1): per sample v B = (dL/dw~)^T, so at a
  critical theta with v != 0, B = 0; the split form is then lambda(1-lambda) zeta^T A zeta for
  every eta (identity: v (form) = v lambda(1-lambda) zeta^T A zeta + 2 eta (dL/dw~ . zeta));
  lambda(1-lambda) = 1/4 - (lambda - 1/2)^2 is > 0 exactly on (0, 1) (sympy's inequality
  solver). Named quantities: the sign of lambda(1-lambda) and the definiteness of A.
- ``replication.saddle_direction`` (T4b): at every theta the first s-derivative of
  L(T_lambda(theta, s zeta, s eta)) vanishes and half the second is
  1/2 lambda(1-lambda) zeta^T A zeta + eta^T B zeta; along (zeta, eta) = (v1, -tau u1), with
  (u1, v1) a unit top singular pair of B (u1^T B v1 = sigma_max(B)), this is
  1/2 lambda(1-lambda) v1^T A v1 - tau sigma_max(B). tau = 1 is the exact limit
  [L - L*]/s^2 -> -sigma_max(B) + 1/2 lambda(1-lambda) v1^T A v1; the form is affine in tau with
  slope -sigma_max(B), so K_lambda is indefinite for every lambda iff sigma_max(B) > 0.
- ``relu.replication_minimum`` (T7, ReLU, M = 1): on each linear piece A = 0 and v B = dL/dw~,
  so at every critical point with v_j != 0, B_j = 0 and K_lambda = 0 for every lambda.
- ``relu.replication_saddle`` (T7, M >= 2): an explicit family of exactly critical ReLU points
  (one hidden unit, d = 1, M = 2, three samples, residual scale kappa > 0) with B = diag(0, -kappa);
  along the library's T_lambda the loss bends by -kappa s^2 for every lambda (strict saddle).
  Both T7 claims run for every activation where T7 holds (theory.symbolic.applicability): for
  leaky_relu:A the family's residuals are re-derived from phi and sigma_max(B) = (1 - A) kappa.
Negative controls: the library's map tampered (shares lambda, 1 - lambda + epsilon); for the
ReLU family, the tampered map as well.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from theory import network
from theory.architecture import Architecture
from theory.embeddings import replication_map
from theory.params import Params, outgoing_indices
from theory.symbolic.applicability import claim_activation, claimed_activation, reason_not
from theory.symbolic.generic import symbols_vector
from theory.symbolic.layer import cases
from theory.symbolic.replication import LAM, _derivation, _split
from theory.symbolic.result import EPS, PAIRING, Derivation, reduced_method

S = sp.Symbol("s", real=True)
T = sp.Symbol("t", real=True)

ONE_OUTPUT_SIZE = (2, 1)
"""(dim w~, dim v) of the reduced layer of the one-output claims (T4a, T7 with M = 1)."""
SADDLE_SIZE = (2, 2)
"""(dim w~, dim v) of the reduced layer of the saddle-direction claim (T4b)."""


def _split_curve(s, zeta, eta):
    """The loss along T_lambda(theta, S zeta, S eta) (the library's map)."""
    images = s.images(s.w, s.v, [S * z for z in zeta], [S * e for e in eta])
    return s.loss_wide.xreplace(dict(zip(s.wide[2:], images)))


def _grad_w_dot(s, zeta):
    """dL/dw~ . zeta (narrow, one sample)."""
    line = {w: w + T * z for w, z in zip(s.w, zeta)}
    return s.loss_narrow.xreplace(line).diff(T).subs(T, 0)


def prove_fa_sign_table(activation: str, perturb: bool = False) -> Derivation:
    """T4a: with one output the split block at a critical point is lambda(1-lambda) A (+) 0."""
    d = _derivation(
        "Fukumizu-Amari sign table (M = 1): v B = (dL/dw~)^T, so at a critical theta* with v != 0, B = 0 "
        "and K_lambda = lambda(1-lambda) A (+) 0; lambda(1-lambda) > 0 exactly on (0, 1), < 0 outside "
        "[0, 1], 0 at the end points. With H(theta*) > 0 (Sylvester's law of inertia on the congruence of "
        "replication.hessian): A > 0 gives a positive semi-definite wide Hessian whose one zero direction is "
        "the constant-loss line for lambda in (0, 1), and dim w~ negative directions outside [0, 1]; A < 0 "
        "the reverse; A indefinite a negative direction for every lambda not in {0, 1}.",
        *ONE_OUTPUT_SIZE, "input-side {w~, zeta}, output-side one output (v, eta scalars); "
        "sympy's univariate inequality solver for lambda(1-lambda) > 0",
        hypotheses="one output of the split unit (dim v = 1, e.g. M = 1, J = 3); critical theta*, v != 0. "
                   "Named quantities: sign of lambda(1-lambda), definiteness of A",
    )
    for P, Q, k, label, _ in cases(d, (ONE_OUTPUT_SIZE,), activation):
        s = _split(P, Q, activation, k, perturb)
        A, B, _ = s.K()
        zeta = s.zeta
        v, eta = s.v[0], s.eta[0]
        d.require_zero(f"v B zeta - dL/dw~ . zeta, {label}", v * (B * sp.Matrix(zeta))[0, 0] - _grad_w_dot(s, zeta))
        second = _split_curve(s, zeta, [eta]).diff(S).diff(S).subs(S, 0)
        zAz = (sp.Matrix(zeta).T * A * sp.Matrix(zeta))[0, 0]
        d.require_zero(f"v (split form) - v lambda(1-lambda) zeta^T A zeta - 2 eta dL/dw~.zeta, {label}",
                       v * second - v * LAM * (1 - LAM) * zAz - 2 * eta * _grad_w_dot(s, zeta))
        if k == 0:
            d.name(s.layer.pre(s.w), "u")
            d.show(r"v\,\frac{d^2}{ds^2} L(T_\lambda(\theta, s\zeta, s\eta))\big|_0", v * second)
    d.require_zero("lambda(1-lambda) - (1/4 - (lambda - 1/2)^2)", LAM * (1 - LAM) - (sp.Rational(1, 4) - (LAM - sp.Rational(1, 2)) ** 2))
    positive = sp.solve_univariate_inequality(LAM * (1 - LAM) > 0, LAM, relational=False)
    negative = sp.solve_univariate_inequality(LAM * (1 - LAM) < 0, LAM, relational=False)
    d.show("sign of lambda(1-lambda)", rf"> 0 \text{{ on }} {sp.latex(positive)},\ < 0 \text{{ on }} {sp.latex(negative)}")
    d.require_zero("{lambda(1-lambda) > 0} = (0, 1)", sp.Integer(0) if positive == sp.Interval.open(0, 1) else sp.Integer(1))
    d.require_zero("{lambda(1-lambda) < 0} = R minus [0, 1]", sp.Integer(0) if negative == sp.Union(
        sp.Interval.open(-sp.oo, 0), sp.Interval.open(1, sp.oo)) else sp.Integer(1))
    return d


def prove_saddle_direction(activation: str, perturb: bool = False) -> Derivation:
    """T4b: the exact limit -sigma_max(B) + 1/2 lambda(1-lambda) v1^T A v1 along s(v1, -u1)."""
    d = _derivation(
        "Replication saddle direction (T4b): at every theta, d/ds L(T_lambda(theta, s zeta, s eta)) = 0 at "
        "s = 0 and 1/2 d^2/ds^2 = 1/2 lambda(1-lambda) zeta^T A zeta + eta^T B zeta. Along s(v1, -u1), "
        "(u1, v1) a unit top singular pair of B: [L - L*]/s^2 -> -sigma_max(B) + 1/2 lambda(1-lambda) "
        "v1^T A v1; along (v1, -tau u1) the form is affine in tau with slope -sigma_max(B), so K_lambda "
        "is indefinite and gamma_lambda(theta*) a strict saddle for every lambda when B != 0.",
        *SADDLE_SIZE, "input-side {w~, zeta}, output-side {v, eta}; the singular pair enters "
        "through u1^T B v1 = sigma_max(B)",
        hypotheses="critical theta* for the saddle conclusion (the identities hold at every theta); "
                   "named quantity: sigma_max(B) > 0, i.e. B != 0",
    )
    tau = sp.Symbol("tau", real=True)
    for P, Q, k, label, _ in cases(d, (SADDLE_SIZE,), activation):
        s = _split(P, Q, activation, k, perturb)
        A, B, _ = s.K()
        zeta, eta = sp.Matrix(s.zeta), sp.Matrix(s.eta)
        curve = _split_curve(s, s.zeta, [-tau * e for e in s.eta])
        first = curve.diff(S)
        d.require_zero(f"d/ds L(T(theta, s zeta, -s tau eta)) at 0, {label}", first.subs(S, 0))
        half_second = first.diff(S).subs(S, 0) / 2
        claim = LAM * (1 - LAM) * (zeta.T * A * zeta)[0, 0] / 2 - tau * (eta.T * B * zeta)[0, 0]
        d.require_zero(f"1/2 d2/ds2 - (1/2 lambda(1-lambda) zeta^T A zeta - tau eta^T B zeta), {label}",
                       half_second - claim)
        if k == 0:
            d.name(s.layer.pre(s.w), "u")
            d.show(r"\frac{1}{2}\frac{d^2}{ds^2} L(T_\lambda(\theta, s\zeta, -s\tau\eta))\big|_0", half_second)
    sig, a = sp.symbols("sigma_max a", real=True)
    d.show("limit along s(v1, -u1), tau = 1, u1^T B v1 = sigma_max(B)",
           r"\lim_{s\to 0}\frac{L(T_\lambda(\theta^*, s v_1, -s u_1)) - L^*}{s^2} = -\sigma_{\max}(B)"
           r" + \tfrac12\lambda(1-\lambda)\, v_1^\top A v_1")
    form = LAM * (1 - LAM) * a - 2 * tau * sig
    d.require_zero("K-form along (v1, -tau u1): d/dtau = -2 sigma_max", form.diff(tau) + 2 * sig)
    return d


def prove_relu_replication_minimum(activation: str, perturb: bool = False) -> Derivation:
    """T7, M = 1: on each ReLU piece A = 0 and v B = dL/dw~, so B = 0 at every critical point."""
    d = Derivation(
        "ReLU replication with one output (T7, M = 1): with no datum on a kink, A = 0 on every linear "
        "piece and v B = (dL/dw~)^T, so at every critical point B_j = 0 for every unit with v_j != 0; "
        "then K_lambda = 0 for every lambda and the wide Hessian is congruent to H(theta*) (+) 0.",
        "relu on each linear piece (no datum on a kink); any loss composed with later layers, any earlier "
        "layers and other units; every dim w~",
        sizes="all", argument=PAIRING,
        method=reduced_method(*ONE_OUTPUT_SIZE, "input-side {w~, zeta}, one output; both ReLU pieces"),
        hypotheses="ReLU, no datum on a kink (NK); one output of the split unit; critical theta*, v_j != 0",
    )
    d.not_applicable = reason_not("relu.replication_minimum", activation)
    if d.not_applicable:
        return d
    act = claim_activation(activation)
    for P, Q, k, label, _ in cases(d, (ONE_OUTPUT_SIZE,), act):
        s = _split(P, Q, act, k, perturb)
        A, B, _ = s.K()
        d.require_zero(f"A on the piece, {label}", A)
        v, eta = s.v[0], s.eta[0]
        d.require_zero(f"v B zeta - dL/dw~ . zeta, {label}", v * (B * sp.Matrix(s.zeta))[0, 0] - _grad_w_dot(s, s.zeta))
        second = _split_curve(s, s.zeta, [eta]).diff(S).diff(S).subs(S, 0)
        d.require_zero(f"v (split form) - 2 eta dL/dw~.zeta, {label}", v * second - 2 * eta * _grad_w_dot(s, s.zeta))
    return d


FAMILY_X = (-1, 1, 2)
"""Inputs of the M = 2 family; the unit (w, b) = (1, 0) is inactive on x = -1, active on 1 and 2."""


def prove_relu_replication_saddle(activation: str, perturb: bool = False) -> Derivation:
    """T7, M >= 2: an explicit family of exactly critical ReLU (or leaky ReLU) points where
    replication is a saddle for every lambda (the loss bends by -sigma s^2 along the library's
    T_lambda, sigma = sigma_max(B))."""
    d = Derivation(
        "ReLU replication with two outputs (T7, M >= 2): the family d = 1, one hidden unit (w, b) = (1, 0), "
        "v = (1, 0), any output bias c, inputs x = (-1, 1, 2), residuals e_i = (0, kappa r_i) with "
        "r = (1, 1, 1) x phi(x) (for ReLU r = (1, -2, 1); targets y = f(x) - e), kappa > 0, is exactly critical "
        "with B = [[0, 0], [0, -sigma]], sigma = kappa a (a - b) > 0 for phi = a t (t > 0), b t (t < 0), a != b "
        "(ReLU: sigma = kappa); along T_lambda(theta*, s zeta, s eta) with zeta = (0, 1), eta = (0, 1) the loss "
        "is L* - sigma s^2 + O(s^3) for every lambda: a strict saddle for every lambda.",
        "relu, or any piecewise-linear positively homogeneous activation with a kink (the family has no datum on "
        "a kink); the library's network, loss and replication_map",
        sizes=["widths [1, 1, 2], n = 3"], method="exact derivatives of the library's symbolic loss (sympy)",
        hypotheses="kappa > 0; lambda any real",
    )
    act = claimed_activation(d, "relu.replication_saddle", activation)
    if act is None:
        return d
    kappa = sp.Symbol("kappa", positive=True)
    c = symbols_vector("c", 2)
    arch = Architecture((1, 1, 2), act.name)
    # flat order: W0 (w), b0 (b), W1 (v column), b1 (c)
    theta = [sp.Integer(1), sp.Integer(0), sp.Integer(1), sp.Integer(0)] + c
    x = np.array([[sp.Integer(xi)] for xi in FAMILY_X], dtype=object)
    params = Params.from_vector(arch, np.array(theta, dtype=object))
    f = network.forward(arch, params, x)
    # second-output residuals orthogonal to 1 and to the unit's outputs phi(x_i): r = 1 x phi(x)
    r = _cross([1, 1, 1], [act(sp.Integer(xi)) for xi in FAMILY_X])
    e = [(0, kappa * ri) for ri in r]
    # phi = a t (t > 0), -b' t (t < 0) with a = phi(1), b = -phi(-1): B = diag(0, -kappa a (a - b))
    a, b = act(sp.Integer(1)), -act(sp.Integer(-1))
    sigma = kappa * a * (a - b)
    d.show("residual pattern r = (1, 1, 1) x phi(x)", sp.latex(sp.Matrix(r).T))
    d.require_zero("sigma_max(B) / kappa = a (a - b) > 0", sp.Integer(0) if sp.simplify(a * (a - b)).is_positive else sp.Integer(1))
    y = np.array([[f[i, m] - e[i][m] for m in range(2)] for i in range(3)], dtype=object)
    sym = symbols_vector("p", arch.n_params)
    loss = network.loss(arch, Params.from_vector(arch, np.array(sym, dtype=object)), x, y)
    grad = [sp.diff(loss, p).xreplace(dict(zip(sym, theta))) for p in sym]
    d.require_zero("gradient at theta*", sp.Matrix(grad))
    T = _family_map(arch, perturb)
    direction = list(theta) + [S * 0, S] + [S * 0, S]  # zeta = (0, 1) on (w, b); eta = (0, 1)
    wide_vec = sp.Matrix(T) * sp.Matrix(direction)
    wide_arch = arch.widened(0)
    wide_loss = network.loss(wide_arch, Params.from_vector(wide_arch, np.array(list(wide_vec), dtype=object)), x, y)
    L0 = network.loss(arch, params, x, y)
    d.require_zero("L(T(theta*, 0, 0)) - L*", wide_loss.subs(S, 0) - L0)
    d1 = wide_loss.diff(S)
    d.require_zero("d/ds L along the direction at 0", d1.subs(S, 0))
    half = d1.diff(S).subs(S, 0) / 2
    d.show("1/2 d^2/ds^2 L(T_lambda(theta*, s zeta, s eta)) at 0", sp.latex(sp.simplify(half)))
    d.require_zero("1/2 d2/ds2 + sigma_max(B) (for every lambda)", sp.simplify(half + sigma))
    return d


def _cross(p, q):
    return [p[1] * q[2] - p[2] * q[1], p[2] * q[0] - p[0] * q[2], p[0] * q[1] - p[1] * q[0]]


def _family_map(arch: Architecture, perturb: bool):
    """The library's T_lambda for the family (tampered like every replication control)."""
    T = np.array(replication_map(arch, 0, 0, LAM), dtype=object)
    if perturb:
        wide = arch.widened(0)
        for row, col in zip(outgoing_indices(wide, 0, 1), outgoing_indices(arch, 0, 0)):
            T[row, col] = T[row, col] + EPS
    return T
