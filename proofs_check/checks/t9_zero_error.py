"""T9 (zero training error), docs/theorems.md and invariant I15 (docs/invariants.md).

At L(theta°) = 0 every inactive-unit embedding is a global minimum with H = J^T J, and
tr H_H - tr H_H0 = sum_k sum_i phi(w~_k . x~_i)^2 (tanh > 0; ReLU dead: 0). The largest
eigenvalue is unchanged for dead ReLU units and non-decreasing for tanh. rank J is unchanged
for dead ReLU units always, and for tanh when J(theta°) already has full row rank n (sharpened:
with D_H0 < n a tanh surplus unit adds one to the rank). Evidence: all of these at ``dps`` on
networks whose targets are their own outputs (L = 0 exactly). Ranks are numerical ranks
(eigenvalues of J J^T above 10^-(dps/2) relative): tanh Jacobians on 10 points in [-1, 1] are
so ill-conditioned that a 1-5-1 net already has numerical rank 9 < n.
"""

from __future__ import annotations

import mpmath
import numpy as np

from numerics import mlp
from numerics.evaluation import evaluate
from numerics.precision import to_mp_array, to_mp_params, rounding_band, workdps, zero_eigenvalue_tolerance
from proofs_check.landscape import eigen
from proofs_check.checks._instances import critical_instance, zero_error_instance
from proofs_check.checks._symbolic import prove_claims
from proofs_check.checks.result import CheckConfig, CheckResult, Ledger, fmt
from proofs_check.landscape.structure import augmented_inputs
from theory.embeddings import add_inactive_unit, draw_dead_incoming

THEOREM = "T9"
STATEMENT = ("At zero training error inactive units give global minima with H = J^T J and trace growth "
             "sum_k sum_i phi(w~_k . x~_i)^2: positive for tanh, zero for dead ReLU units (flatter minima).")
CLAIMS = ("zero_error.gauss_newton", "zero_error.trace")
TAMPERS = ("nonzero-error",)
SURPLUS = 2


def _rank(J, dps):
    G = J @ J.T
    eigs = eigen.eigenvalues(G)
    return sum(1 for v in eigs if v > zero_eigenvalue_tolerance(dps, max(abs(v) for v in eigs)))


def _embed(inst, rng, dps):
    arch, p, ws = inst.arch, to_mp_params(inst.params), []
    x = np.asarray([[float(v) for v in row] for row in inst.x])
    for _ in range(SURPLUS):
        if arch.activation == "relu":
            w0 = draw_dead_incoming(arch, 0, rng, inputs=x, margin=0.5)
        else:
            w0 = rng.normal(size=arch.incoming_size(0))
        with workdps(dps):
            ws.append(to_mp_array(w0))
            arch, p = add_inactive_unit(arch, p, 0, ws[-1])
    return arch, p, ws


def _case(ledger, inst, rng, dps, full_row_rank_expected):
    tag = f"{inst.label}"
    narrow = evaluate(inst.arch, inst.params, inst.x, inst.y, dps)
    H0 = narrow.hessian
    J0 = mlp.jacobian(inst.arch, inst.params, inst.x, dps=dps)
    wide, wp, ws = _embed(inst, rng, dps)
    at = evaluate(wide, wp, inst.x, inst.y, dps)
    gw, Hw, Lw = at.gradient, at.hessian, at.loss
    Jw = mlp.jacobian(wide, wp, inst.x, dps=dps)
    with workdps(dps):
        scale = 1 + eigen.max_abs(Hw)
        bound = rounding_band(dps, scale, lost_digits=3)
        ledger.at_most(f"{tag}: L_wide", Lw, bound)
    ledger.certify(tag, wide, wp, inst.x, inst.y, dps, "global-minimum")
    with workdps(dps):
        ledger.at_most(f"{tag}: |grad L_wide|", mlp.norm(gw), bound)
        ledger.at_most(f"{tag}: |H_wide - J^T J|", eigen.max_abs(Hw - Jw.T @ Jw), bound)
        h = augmented_inputs(inst.arch, to_mp_params(inst.params), inst.x, 0)
        predicted = mpmath.fsum(v * v for w in ws for v in inst.arch.phi(h @ w))
        trace_diff = mpmath.fsum(Hw[i, i] for i in range(len(Hw))) - mpmath.fsum(H0[i, i] for i in range(len(H0)))
        ledger.at_most(f"{tag}: |tr H_H - tr H_H0 - sum phi(w~_k . x~_i)^2| (predicted {fmt(predicted)})",
                       abs(trace_diff - predicted), bound)
        if inst.arch.activation == "relu":
            ledger.at_most(f"{tag}: trace growth (dead ReLU units)", abs(trace_diff), bound)
        else:
            ledger.require(f"{tag}: trace growth > 0 (tanh)", trace_diff > bound, f"{fmt(trace_diff)} > 0")
        top0, topw = eigen.eigenvalues(H0)[-1], eigen.eigenvalues(Hw)[-1]
        if inst.arch.activation == "relu":
            ledger.at_most(f"{tag}: |lambda_max change| (dead ReLU: unchanged)", abs(topw - top0), bound)
        else:
            ledger.at_least(f"{tag}: lambda_max change (tanh: non-decreasing)", topw - top0, -bound)
        r0, rw = _rank(J0, dps), _rank(Jw, dps)
        n = len(inst.x)
        if inst.arch.activation == "relu":
            ledger.equal(f"{tag}: numerical rank J wide vs narrow (n = {n}, dead units: unchanged)", rw, r0)
        elif full_row_rank_expected:
            ledger.require(f"{tag}: numerical rank J wide in [narrow, narrow + {SURPLUS}] (n = {n})",
                           r0 <= rw <= min(n, r0 + SURPLUS), f"{r0} <= {rw} <= {min(n, r0 + SURPLUS)}")
            if r0 == n:
                ledger.equal(f"{tag}: full row rank stays", rw, r0)
        else:
            ledger.require(f"{tag}: numerical rank J grows (D_H0 = {inst.arch.n_params} < n = {n}, tanh)",
                           r0 < rw <= min(n, r0 + SURPLUS), f"{r0} < {rw} <= {min(n, r0 + SURPLUS)}")


def check(config: CheckConfig) -> CheckResult:
    """Run T9: at zero training error every inactive-unit embedding is a global minimum with
    H = J^T J, with the predicted trace, top-eigenvalue and rank changes (docs/theorems.md).

    The argument and result are the contract of every check (:mod:`proofs_check.checks`).
    """
    ledger = Ledger()
    dps = config.dps
    rng = np.random.default_rng(config.seed)
    cases = [((1, 5, 1), "tanh", True), ((1, 5, 1), "relu", True)]
    if not config.quick:
        cases.append(((1, 2, 1), "tanh", False))
    for widths, act, full in cases:
        if config.tamper == "nonzero-error":
            inst = critical_instance(widths, act, seed=config.seed, dps=dps, n=10 if widths[1] == 2 else 20)
        else:
            inst = zero_error_instance(widths, act, seed=config.seed, dps=dps, n=10)
        ledger.seed(inst.seed)
        _case(ledger, inst, rng, dps, full)
    return ledger.result(THEOREM, STATEMENT, prove_claims(CLAIMS))
