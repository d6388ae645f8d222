"""T4 (Hessian congruence for replication), docs/theorems.md and invariants I7, I8 (docs/invariants.md).

At any theta, lambda in R, depth J in {3, 4}, M in {1, 2, 3}:
T_lambda^T H_wide(gamma_lambda theta) T_lambda = blockdiag(H(theta), K_lambda) with
K_lambda = [[lambda (1 - lambda) A_j, B_j^T], [B_j, 0]] and |det T_lambda| = 1. Corollary
(Sylvester): at a critical theta*, inertia(H_wide) = inertia(H) + inertia(K_lambda).
Evidence: largest entry of the congruence difference at ``dps`` against ``rounding_band(dps)``,
det T, and the three inertia triples at exact critical points.
"""

from __future__ import annotations

from numerics.precision import rounding_band, workdps, zero_eigenvalue_tolerance
from proofs_check.landscape import eigen
from proofs_check.checks._instances import critical_instance
from proofs_check.checks._replication import CONGRUENCE_CASES, CONGRUENCE_LAMBDAS, congruence_instances, pullback
from proofs_check.checks._symbolic import prove_claims
from proofs_check.checks.result import CheckConfig, CheckResult, Ledger

THEOREM = "T4"
STATEMENT = ("For every theta and lambda, T^T H_wide T = blockdiag(H, K_lambda) with "
             "K_lambda = [[lambda(1-lambda) A_j, B_j^T], [B_j, 0]]; |det T| = 1; at critical points the "
             "inertia adds (Sylvester).")
CLAIMS = ("replication.hessian", "replication.library_map")
TAMPERS = ("K-lambda-squared",)

CASES_QUICK = (CONGRUENCE_CASES[2], CONGRUENCE_CASES[3])
LAMBDAS_QUICK = ("-0.7", "0.4")
CRITICAL_FULL = (((2, 3, 1), "tanh", 0, 0), ((2, 3, 2), "tanh", 0, 1), ((1, 2, 2, 2), "sigmoid", 1, 1))
CRITICAL_QUICK = CRITICAL_FULL[1:2]


def expected_block(pb, tamper):
    """blockdiag(H, K_lambda); the negative control builds K with lambda^2 in place of lambda(1-lambda)."""
    factor = pb.lam * pb.lam if tamper == "K-lambda-squared" else None
    return eigen.blockdiag(pb.hess, eigen.split_block(pb.A, pb.B, pb.lam, factor))


def check(config: CheckConfig) -> CheckResult:
    """Run T4: T_lambda^T H_wide T_lambda = blockdiag(H, K_lambda), |det T_lambda| = 1, and the inertia
    adds up as Sylvester's law says (docs/theorems.md).

    The argument and result are the contract of every check (:mod:`proofs_check.checks`).
    """
    ledger = Ledger()
    dps = config.dps
    cases = CASES_QUICK if config.quick else CONGRUENCE_CASES
    for widths, act, layer, unit, arch, x, y, params in congruence_instances(cases, config.seed, ledger):
        for lam in LAMBDAS_QUICK if config.quick else CONGRUENCE_LAMBDAS:
            pb = pullback(arch, params, x, y, layer, unit, lam, dps)
            with workdps(dps):
                err = eigen.max_abs(pb.pulled_hess - expected_block(pb, config.tamper))
                bound = rounding_band(dps, 1 + eigen.max_abs(pb.hess_wide), lost_digits=3)
                det = eigen.determinant(pb.T)
            tag = f"{act} {list(widths)} layer {layer} lambda {lam}"
            ledger.at_most(f"{tag}: |T^T H_wide T - blockdiag(H, K)|", err, bound)
            ledger.at_most(f"{tag}: ||det T| - 1|", abs(abs(det) - 1), bound)
    for widths, act, layer, unit in CRITICAL_QUICK if config.quick else CRITICAL_FULL:
        inst = critical_instance(widths, act, seed=config.seed, dps=dps)
        ledger.seed(inst.seed)
        for lam in ("-0.5", "0.5", "1.5"):
            pb = pullback(inst.arch, inst.params, inst.x, inst.y, layer, unit, lam, dps)
            with workdps(dps):
                tol = zero_eigenvalue_tolerance(dps, eigen.max_abs(pb.hess_wide))
                wide = eigen.inertia(eigen.eigenvalues(pb.hess_wide), tol)
                narrow = eigen.inertia(eigen.eigenvalues(pb.hess), tol)
                K = expected_block(pb, config.tamper)[len(pb.hess):, len(pb.hess):]
                split = eigen.inertia(eigen.eigenvalues(K), tol)
            predicted = narrow + split
            ledger.equal(f"critical {list(widths)} {act} lambda {lam}: inertia (neg, zero, pos) wide vs "
                         f"narrow {narrow} + K {split}", wide, predicted)
    return ledger.result(THEOREM, STATEMENT, prove_claims(CLAIMS))
