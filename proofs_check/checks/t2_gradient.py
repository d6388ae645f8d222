"""T2 (replication preserves criticality; gradient congruence), docs/theorems.md and invariant I5 (docs/invariants.md).

At any theta (critical or not), any lambda in R, depth J in {3, 4} and M in {1, 2, 3}:
T_lambda^T grad L_wide(gamma_lambda theta) = (grad L(theta), 0_zeta, 0_eta), so gamma_lambda
theta* is critical iff theta* is, and L is constant along the line. Numeric evidence: the
largest entry of the difference at ``dps`` digits, against ``rounding_band(dps, scale)``; the wide
gradient norm at exact critical points (null-space method).
"""

from __future__ import annotations

import mpmath
import numpy as np

from numerics import mlp
from numerics.precision import rounding_band, workdps
from proofs_check.landscape import eigen
from proofs_check.checks._instances import critical_instance
from proofs_check.checks._replication import CONGRUENCE_CASES, CONGRUENCE_LAMBDAS, congruence_instances, pullback
from proofs_check.checks._symbolic import prove_claims
from proofs_check.checks.result import CheckConfig, CheckResult, Ledger

THEOREM = "T2"
STATEMENT = ("For every theta and lambda, T_lambda^T grad L_wide(gamma_lambda theta) = (grad L(theta), 0, 0): "
             "replication maps critical points to critical lines of constant loss.")
CLAIMS = ("replication.gradient", "replication.library_map")
TAMPERS = ("map-lambda-mismatch",)

# (widths, activation, layer, unit)
CASES_QUICK = (CONGRUENCE_CASES[0], CONGRUENCE_CASES[3])
LAMBDAS_QUICK = ("-0.7", "0.4", "2.2")


def check(config: CheckConfig) -> CheckResult:
    """Run T2: T_lambda^T grad L_wide(gamma_lambda theta) = (grad L(theta), 0, 0) at arbitrary theta and
    lambda, and criticality is preserved at exact critical points (docs/theorems.md).

    The argument and result are the contract of every check (:mod:`proofs_check.checks`).
    """
    ledger = Ledger()
    dps = config.dps
    map_shift = "0.3" if config.tamper == "map-lambda-mismatch" else None
    cases = CASES_QUICK if config.quick else CONGRUENCE_CASES
    for widths, act, layer, unit, arch, x, y, params in congruence_instances(cases, config.seed, ledger):
        for lam in LAMBDAS_QUICK if config.quick else CONGRUENCE_LAMBDAS:
            map_lam = None if map_shift is None else str(mpmath.mpf(lam) + mpmath.mpf(map_shift))
            pb = pullback(arch, params, x, y, layer, unit, lam, dps, map_lam=map_lam, hessian=False)
            with workdps(dps):
                D = arch.n_params
                expected = np.concatenate([pb.grad, np.array([mpmath.mpf(0)] * (len(pb.pulled_grad) - D), dtype=object)])
                err = eigen.max_abs(pb.pulled_grad - expected)
                bound = rounding_band(dps, 1 + eigen.max_abs(pb.grad_wide), lost_digits=2)
            ledger.at_most(f"{act} {list(widths)} layer {layer} unit {unit} lambda {lam}: |T^T g_wide - (g,0,0)|",
                           err, bound)
    # Criticality is preserved: exact critical points stay critical for every lambda.
    inst = critical_instance((2, 3, 2), "tanh", seed=config.seed, dps=dps)
    ledger.seed(inst.seed)
    for lam in ("-0.5", "0.3", "1.7"):
        pb = pullback(inst.arch, inst.params, inst.x, inst.y, 0, 1, lam, dps, hessian=False)
        with workdps(dps):
            g0, g1 = mlp.norm(pb.grad), mlp.norm(pb.grad_wide)
            bound = rounding_band(dps, 1 + eigen.max_abs(inst.y), lost_digits=2)
            lw = mlp.loss(pb.wide_arch, pb.wide_params, inst.x, inst.y, dps=dps)
            l0 = mlp.loss(inst.arch, inst.params, inst.x, inst.y, dps=dps)
        ledger.at_most(f"critical [2, 3, 2] tanh lambda {lam}: |grad L_wide| (narrow {mpmath.nstr(g0, 3)})", g1, bound)
        ledger.at_most(f"critical [2, 3, 2] tanh lambda {lam}: |L_wide - L| (L = {mpmath.nstr(l0, 3)})",
                       abs(lw - l0), bound)
    return ledger.result(THEOREM, STATEMENT, prove_claims(CLAIMS))
