"""T3d: when inactive units and inactive propagation stay critical at any depth, and when not.

For depth J > 3 the paper notes that embeddings (ii) and (iii) "no longer necessarily give rise
to critical points" (T3 in docs/theorems.md). At an exact critical point theta* (L > 0) of a J = 3, 4
(and 5) network, for every hidden layer l, the embedded point is critical exactly in the cases
the gradient formulas predict (docs/activations.md, "Depth"):

- alpha, w0 = 0: g_alpha = phi(b0) sum_i delta_i^(l+1) = 0 because layer l+1 has a bias
  (critical at every depth); without biases g_alpha = phi(0) sum_i delta_i, critical iff
  phi(0) = 0 (the activation's property);
- alpha, w~0 = w~_j (replication with lambda = 1): critical;
- alpha, dead w~0 (activations with a dead zone): critical for every v_new;
- alpha, generic w~0: not critical;
- beta, v0 = 0: critical; generic v0: not critical unless phi'(b0) = 0, which is the case for
  b0 = 0 exactly when phi'(0) = 0 (square, cube) and for b0 < 0 with a dead zone;
- beta, v0 with v0^T G = 0, G = sum_i delta_i h_i^T: critical; such a v0 != 0 exists only when
  H_{l+1} exceeds the rank of G (reported when it does not).
- no bias, w~0 = 0: critical when phi(0) = 0; otherwise g_alpha = phi(0) sum_i delta_i, which the
  range test below decides (for exp, phi(u + c) = e^c phi(u): scaling the outgoing weights of a
  unit of layer l+1 does what its missing bias would, so sum_i delta_i = 0 when layer l+1 is
  hidden).
"Generic" is not always generic. Two structures make every w~0 or v0 critical, and the check
predicts them from the narrow network alone (signals and layer inputs, not the wide gradient):
- piecewise-linear phi: a unit j of layer l whose data all sit on one side of its kink is
  linear there (slope s_j), and its outgoing and incoming gradients give s_j G w_j = 0 and
  s_j v_j^T G = 0; when such units' w_j span R^{H_l} or their v_j span R^{H_{l+1}} (e.g. one
  input and one such unit), G = 0 and every v0 is critical;
- polynomial phi of degree k: g_alpha(w~0) = sum_m c_m <M_m, w~0^{(x)m}> with the residual
  moments M_m = sum_i delta_i (x) h~_i^{(x)m}; when the narrow net already spans the degree-k
  polynomials of its layer inputs, every M_m = 0 and every inactive unit is critical (and
  G = M_1 = 0 makes every propagation critical too).
Both are cases of one exact test, used as the prediction for every "generic" case: the wide
gradient's new entries are J_new^T e with e in the left null space N of the narrow Jacobian J
(docs/invariants.md), so the point is critical for every such e iff the new unit's Jacobian columns
J_new lie in range(J) = N^perp (the narrow net already realises the perturbation to first
order), and for a random e otherwise almost surely not. The check computes the N-component of
J_new (Jacobians only, not the loss gradient) and predicts from it; the named structures above
are reported when they explain the outcome. A case predicted "not critical" must show a
gradient far above the zero band. Run for one activation with ``check --activation``.
"""

from __future__ import annotations

import mpmath
import numpy as np

from numerics import mlp
from numerics.precision import structural_zero_band, to_mp_array, to_mp_params, workdps
from proofs_check.landscape import eigen
from proofs_check.checks import _deep
from proofs_check.checks._inactive import new_indices, new_unit, shift_targets_if_tampered
from proofs_check.checks._symbolic import prove_claims
from proofs_check.checks.result import CheckConfig, CheckResult, Ledger, fmt
from proofs_check.instances.critical_points import _orthogonal_components
from proofs_check.landscape.structure import augmented_inputs
from theory.activation_properties import holds
from theory.embeddings import add_inactive_propagation, add_inactive_unit, draw_dead_incoming
from theory.network import pre_activations
from theory.params import Params

THEOREM = "T3d"
STATEMENT = ("At depth J = 3, 4, 5 an inactive unit / inactive propagation in any hidden layer is critical exactly "
             "in the predicted cases (w0 = 0 with biases, w~0 = w~_j, dead w~0, v0 = 0, v0 orthogonal, "
             "phi'(b0) = 0; no bias: iff phi(0) = 0) and not critical for generic w~0, v0.")
CLAIMS = ("inactive_unit.gradient", "inactive_propagation.gradient")
TAMPERS = ("narrow-not-critical",)



def _structural(ledger, inst, wide, wp, layer, name, dps) -> bool:
    """Predicted critical for every residual: the new unit's Jacobian columns lie in range(J)."""
    idx = [i for part in new_indices(wide, layer, new_unit(inst.arch, layer)) for i in part]
    J = mlp.jacobian(inst.arch, inst.params, inst.x, dps=dps)
    with workdps(dps):
        cols = mlp.jacobian(wide, wp, inst.x, dps=dps)[:, idx]
        parts = _orthogonal_components(J, [cols[:, k] for k in range(cols.shape[1])])
        size = max(eigen.max_abs(part) for part in parts)
        band = structural_zero_band(dps, 1 + eigen.max_abs(cols))
    structural = size <= band
    ledger.note(f"{inst.label} layer {layer} {name}: |N-part of J_new|",
                f"{fmt(size)} {'<=' if structural else '>'} {fmt(band)}: "
                + ("in range(J), critical for every residual" if structural else "not in range(J)"))
    return structural


def _alpha(ledger, inst, layer, w0, name, predicted, dps, v_new=None):
    arch = inst.arch
    p, g = _deep.narrow_gradient(inst, dps)
    with workdps(dps):
        wide, wp = add_inactive_unit(arch, p, layer, to_mp_array(w0))
        if v_new is not None:
            vec = wp.to_vector().copy()
            vec[new_indices(wide, layer, new_unit(arch, layer))[1]] = to_mp_array(v_new)
            wp = Params.from_vector(wide, vec)
    if predicted is None:
        predicted = _structural(ledger, inst, wide, wp, layer, f"alpha {name}", dps)
    norm = mlp.norm(mlp.gradient(wide, wp, inst.x, inst.y, dps=dps))
    _deep.record_criticality(ledger, f"{inst.label} layer {layer} alpha {name}", norm,
                             _deep.gradient_bound(inst, g, dps), _deep.nonzero_bound(inst, g, dps), predicted)


def _beta(ledger, inst, layer, b0, v0, name, predicted, dps):
    arch = inst.arch
    p, g = _deep.narrow_gradient(inst, dps)
    with workdps(dps):
        wide, wp = add_inactive_propagation(arch, p, layer, mpmath.mpf(b0), to_mp_array(v0))
    if predicted is None:
        predicted = _structural(ledger, inst, wide, wp, layer, f"beta {name}", dps)
    norm = mlp.norm(mlp.gradient(wide, wp, inst.x, inst.y, dps=dps))
    _deep.record_criticality(ledger, f"{inst.label} layer {layer} beta {name}", norm,
                             _deep.gradient_bound(inst, g, dps), _deep.nonzero_bound(inst, g, dps), predicted)


def _orthogonal_v0(inst, layer, dps):
    """A unit v0 with v0^T sum_i delta_i^(l+1) h_i^T = 0, or (None, rank) when none exists."""
    with workdps(dps):
        p = to_mp_params(inst.params)
        h = augmented_inputs(inst.arch, p, inst.x, layer)[:, : inst.arch.widths[layer]]
    delta = mlp.signals(inst.arch, p, inst.x, inst.y, dps=dps)[layer + 1]
    with workdps(dps):
        G = delta.T @ h  # H_{l+1} x H_l
        vals, vecs = eigen.eigh(G @ G.T)
        tol = structural_zero_band(dps, 1 + eigen.max_abs(inst.y))  # on singular values sqrt(|eig|)
        rank = sum(1 for v in vals if mpmath.sqrt(abs(v)) > tol)
        if rank == G.shape[0]:
            return None, rank
        return np.array([vecs[i, 0] for i in range(G.shape[0])], dtype=object), rank


def _generic_active(inst, layer, rng):
    """A random w~0; for a kinked phi one whose kink lies inside the data (both signs of
    w~0 . h~_i occur, none within KINK_MARGIN), so the new unit is not linear on the data."""
    size = inst.arch.incoming_size(layer)
    with workdps(30):
        h = augmented_inputs(inst.arch, to_mp_params(inst.params), inst.x, layer)
    for _ in range(1000):
        w0 = rng.normal(size=size)
        u = [float(v) for v in h @ to_mp_array(w0)]
        if inst.arch.phi.smooth or (min(abs(v) for v in u) > _deep.KINK_MARGIN and max(u) > 0 > min(u)):
            return w0
    raise AssertionError("no w~0 with its kink inside the data in 1000 draws")


MAX_MOMENT_DEGREE = 4
"""Residual moments are formed up to this degree (P^k entries per output)."""


def _polynomial(act):
    """The coefficients (c_0..c_k) of phi if it is a polynomial of degree <= MAX_MOMENT_DEGREE, else None."""
    import sympy

    z = sympy.Symbol("z", real=True)
    formula = act.formula(z)
    if act.properties.has_kink or not formula.is_polynomial(z):
        return None
    coefficients = sympy.Poly(formula, z).all_coeffs()[::-1]
    return coefficients if len(coefficients) - 1 <= MAX_MOMENT_DEGREE else None


def _moments(inst, layer, degree, dps):
    """max |M_m| for m = 1..degree, M_m = sum_i delta_i^(l+1) (x) h~_i^{(x)m} (narrow signals)."""
    with workdps(dps):
        p = to_mp_params(inst.params)
        h = augmented_inputs(inst.arch, p, inst.x, layer)
    delta = mlp.signals(inst.arch, p, inst.x, inst.y, dps=dps)[layer + 1]
    out = []
    with workdps(dps):
        power = np.ones((len(h), 1), dtype=object) * mpmath.mpf(1)
        for _ in range(degree):
            power = np.einsum("ia,ib->iab", power, h).reshape(len(h), -1)
            out.append(eigen.max_abs(delta.T @ power))
    return out


def _structure(inst, layer, dps):
    """(alpha_reason, beta_reason): why every generic w~0 / v0 would be critical, or None."""
    arch = inst.arch
    p, g = _deep.narrow_gradient(inst, dps)
    zero = _deep.gradient_bound(inst, g, dps)
    coefficients = _polynomial(arch.phi)
    if coefficients is not None:
        moments = _moments(inst, layer, len(coefficients) - 1, dps)
        needed = [m for m in range(1, len(coefficients)) if coefficients[m] != 0]
        alpha = (f"phi is a polynomial and the residual moments M_m vanish (max {fmt(max(moments[m - 1] for m in needed))}"
                 f" <= {fmt(zero)}): the net spans its polynomial class") if all(moments[m - 1] <= zero for m in needed) else None
        beta = f"G = M_1 = 0 (|M_1| = {fmt(moments[0])})" if moments[0] <= zero else None
        return alpha, beta
    if arch.phi.properties.piecewise_linear:
        z = pre_activations(arch, inst.params, np.asarray(inst.x, dtype=float))[layer]
        linear = [j for j in range(z.shape[1]) if (z[:, j] > 0).all() or (z[:, j] < 0).all()]
        W = np.asarray(inst.params.W[layer], dtype=float)[linear]
        V = np.asarray(inst.params.W[layer + 1], dtype=float)[:, linear]
        if linear and np.linalg.matrix_rank(W) == arch.widths[layer]:
            return None, (f"units {linear} of layer {layer} are linear on every datum and their w_j span "
                          f"R^{arch.widths[layer]}: G w_j = 0 forces G = 0")
        if linear and np.linalg.matrix_rank(V) == arch.widths[layer + 2]:
            return None, (f"units {linear} of layer {layer} are linear on every datum and their v_j span "
                          f"R^{arch.widths[layer + 2]}: v_j^T G = 0 forces G = 0")
    return None, None


def _layer_cases(ledger, inst, layer, rng, dps):
    arch, props = inst.arch, inst.arch.phi.properties
    size, out = arch.incoming_size(layer), arch.outgoing_size(layer)
    b0 = float(rng.uniform(0.3, 1.0))  # off the kink, phi'(b0) != 0 for every built-in
    _alpha(ledger, inst, layer, np.concatenate([np.zeros(size - 1), [b0]]), "(b) w0 = 0", True, dps)
    j = int(rng.integers(arch.widths[layer + 1]))
    w_j = np.concatenate([inst.params.W[layer][j], [inst.params.b[layer][j]]])
    _alpha(ledger, inst, layer, w_j, f"(c) w~0 = w~_{j}", True, dps)
    alpha_reason, beta_reason = _structure(inst, layer, dps)
    for reason in filter(None, (alpha_reason, beta_reason)):
        ledger.note(f"{inst.label} layer {layer}: structure", reason)
    _alpha(ledger, inst, layer, _generic_active(inst, layer, rng), "generic w~0", None, dps)
    if holds(props, "T3-dead"):
        with workdps(dps):
            h = augmented_inputs(arch, to_mp_params(inst.params), inst.x, layer)[:, : arch.widths[layer]]
        dead = draw_dead_incoming(arch, layer, rng, inputs=np.asarray(h, dtype=float), margin=0.5)
        _alpha(ledger, inst, layer, dead, "(d) dead w~0, random v_new", True, dps, v_new=rng.normal(size=out))
    _beta(ledger, inst, layer, b0, np.zeros(out), "v0 = 0", True, dps)
    _beta(ledger, inst, layer, b0, rng.normal(size=out), "generic v0, b0 > 0", None, dps)
    if props.smooth:  # for a kinked phi, b0 = 0 puts the new unit on its kink (no gradient there)
        _beta(ledger, inst, layer, 0.0, rng.normal(size=out), "generic v0, b0 = 0 (critical iff phi'(0) = 0)",
              True if holds(props, "T3-b0") else None, dps)
    if holds(props, "T3-dead"):
        _beta(ledger, inst, layer, -0.7, rng.normal(size=out), "generic v0, b0 < 0 (dead zone)", True, dps)
    v0, rank = _orthogonal_v0(inst, layer, dps)
    if v0 is None:
        ledger.note(f"{inst.label} layer {layer} beta v0 orthogonal",
                    f"none exists: rank sum_i delta_i h_i^T = {rank} = H_(l+1); generic v0 is never critical")
    else:
        _beta(ledger, inst, layer, b0, v0, f"v0 orthogonal (rank {rank} < {out})", True, dps)


def _no_bias(ledger, widths, act, config, rng):
    """Bias-free nets: w~0 = w0 = 0 gives g_alpha = phi(0) sum_i delta_i; critical when phi(0) = 0,
    otherwise as the range test predicts (exp: phi(u + c) = e^c phi(u), so scaling a unit's
    outgoing weights acts as the bias layer l+1 lacks, and sum_i delta_i = 0 all the same)."""
    inst = shift_targets_if_tampered(_deep.critical(widths, act, seed=config.seed, dps=config.dps, bias=False), config)
    ledger.seed(inst.seed)
    p, _ = _deep.narrow_gradient(inst, config.dps)
    for layer in range(inst.arch.n_hidden_layers):
        delta = mlp.signals(inst.arch, p, inst.x, inst.y, dps=config.dps)[layer + 1]
        with workdps(config.dps):
            total = eigen.max_abs(delta.sum(axis=0))
        ledger.note(f"{inst.label} layer {layer}: |sum_i delta_i| (no bias to make it 0)", fmt(total))
        _alpha(ledger, inst, layer, np.zeros(inst.arch.incoming_size(layer)), "w~0 = 0 without bias (critical if "
               "phi(0) = 0)", True if holds(inst.arch.phi.properties, "T3-nobias") else None, config.dps)


def check(config: CheckConfig) -> CheckResult:
    """Run T3d: at depth J >= 4, inactive units and inactive propagation stay critical exactly in the
    cases the gradient formulas predict, for every hidden layer (docs/theorems.md).

    The argument and result are the contract of every check (:mod:`proofs_check.checks`).
    """
    ledger = Ledger()
    dps = config.dps
    rng = np.random.default_rng(config.seed)
    for act in _deep.activations(config):
        for J, widths, inst in _deep.instances(config, ledger, act, prepare=shift_targets_if_tampered):
            ledger.note(f"{inst.label} (J = {J})", f"L = {fmt(mlp.loss(inst.arch, inst.params, inst.x, inst.y, dps=dps))}, "
                        f"{inst.arch.phi.properties.describe()}")
            for layer in range(inst.arch.n_hidden_layers):
                _layer_cases(ledger, inst, layer, rng, dps)
        _no_bias(ledger, _deep.depths(config)[4], act, config, rng)
    return ledger.result(THEOREM, STATEMENT, prove_claims(CLAIMS))
