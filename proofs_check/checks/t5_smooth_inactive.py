"""T5 (smooth activation, inactive unit: strict saddle when C != 0), docs/theorems.md and invariant I12 (docs/invariants.md).

At alpha_{w~0}(theta) the new unit's Hessian block is [[0, C], [C^T, P]] with
C(w~0) = sum_i phi'(w~0 . h~_i) h~_i delta_i^T (H_{w~w~} = 0 because v_new = 0). At a critical
point with C != 0 this block is indefinite, so the embedded point is a strict saddle even if
theta* is a strict minimum. Null embedding w0 = 0 (always critical): C = phi'(b0) [sum_i x_i e_i^T; 0],
a saddle iff the residuals are correlated with the inputs. Evidence: the block identities at
dps, the closed form of C, and narrow vs wide negative eigenvalue counts at strict minima
(designed by the null-space method, and a trained 1-1-1 tanh minimum on 10 points).
"""

from __future__ import annotations

import mpmath
import numpy as np

from numerics import mlp
from numerics.precision import to_mp_array, to_mp_params, rounding_band, workdps, zero_eigenvalue_tolerance
from proofs_check.landscape import eigen
from proofs_check.checks._inactive import new_indices, new_unit
from proofs_check.checks._instances import designed_minimum, zero_error_instance
from proofs_check.checks._symbolic import prove_claims
from proofs_check.checks._training import trained_minimum
from proofs_check.checks.result import CheckConfig, CheckResult, Ledger, fmt
from proofs_check.landscape.structure import candidate_block_C
from theory.embeddings import add_inactive_unit

THEOREM = "T5"
STATEMENT = ("Smooth activation: an inactive unit added at a critical point with C(w~0) != 0 (e.g. w0 = 0 with "
             "residuals correlated with the inputs) gives a strict saddle, even from a strict minimum.")
CLAIMS = ("inactive_unit.hessian_block", "inactive_unit.saddle")
TAMPERS = ("zero-error",)


def _instances(config):
    if config.tamper == "zero-error":
        return [zero_error_instance((1, 2, 1), "tanh", seed=config.seed, dps=config.dps)]
    out = [designed_minimum((1, 1, 1), "tanh", seed=config.seed, dps=config.dps, want_A="positive")]
    if not config.quick:
        out.append(designed_minimum((1, 1, 1), "tanh", seed=config.seed, dps=config.dps, want_A="indefinite"))
        out.append(trained_minimum("tanh", (1, 1, 1), seed=config.seed, dps=config.dps))
    return out


def check(config: CheckConfig) -> CheckResult:
    """Run T5: for a smooth activation the inactive unit's Hessian block [[0, C], [C^T, P]] makes the
    embedded point a strict saddle when C != 0 (docs/theorems.md).

    The argument and result are the contract of every check (:mod:`proofs_check.checks`).
    """
    ledger = Ledger()
    dps = config.dps
    rng = np.random.default_rng(config.seed)
    for inst in _instances(config):
        ledger.seed(inst.seed)
        arch, layer = inst.arch, 0
        L0 = mlp.loss(arch, inst.params, inst.x, inst.y, dps=dps)
        tag = f"{inst.label} (L = {fmt(L0)})"
        b0 = float(rng.normal())
        for name, w0 in (("w0 = 0", np.array([0.0, b0])), ("generic w~0", rng.normal(size=2))):
            with workdps(dps):
                p = to_mp_params(inst.params)
                wide, wp = add_inactive_unit(arch, p, layer, to_mp_array(w0))
            # w0 = 0: critical by T3 (b), a saddle by T5 where C != 0; generic w~0 at L > 0: not critical (T3)
            ledger.certify(f"{tag}, {name}", wide, wp, inst.x, inst.y, dps,
                           "saddle" if name == "w0 = 0" else "not-critical")
            Hw = mlp.hessian(wide, wp, inst.x, inst.y, dps=dps)
            H = mlp.hessian(arch, p, inst.x, inst.y, dps=dps)
            C = candidate_block_C(arch, p, inst.x, inst.y, layer, w0, dps)
            w_in, v_out = new_indices(wide, layer, new_unit(arch, layer))
            with workdps(dps):
                scale = eigen.max_abs(Hw)
                bound = rounding_band(dps, 1 + scale, lost_digits=3)
                ledger.at_most(f"{tag}, {name}: |H_w~w~|", eigen.max_abs(Hw[np.ix_(w_in, w_in)]), bound)
                ledger.at_most(f"{tag}, {name}: |H_w~v - C(w~0)|", eigen.max_abs(Hw[np.ix_(w_in, v_out)] - C), bound)
                if name != "w0 = 0":
                    continue
                e = mlp.residuals(arch, p, inst.x, inst.y, dps=dps)
                xs = to_mp_array(inst.x)
                closed = np.vstack([xs.T @ e, e.sum(axis=0).reshape(1, -1)]) * arch.phi.d1(mpmath.mpf(b0))
                ledger.at_most(f"{tag}, w0 = 0: |C - phi'(b0) [sum x e^T; sum e^T]|", eigen.max_abs(C - closed), bound)
                tol = zero_eigenvalue_tolerance(dps, scale)
                narrow = eigen.inertia(eigen.eigenvalues(H), tol)
                eigs = eigen.eigenvalues(Hw)
                wide_in = eigen.inertia(eigs, tol)
                corr = eigen.max_abs(xs.T @ e)
                ledger.note(f"{tag}, w0 = 0: |sum_i x_i e_i|, narrow inertia", f"{fmt(corr)}, {narrow}")
                ledger.require(f"{tag}, w0 = 0: strict saddle (lambda_min < 0, wide neg {wide_in.negative} > narrow neg "
                               f"{narrow.negative})", eigs[0] < -tol and wide_in.negative > narrow.negative, f"{fmt(eigs[0])} < -{fmt(tol)}")
    return ledger.result(THEOREM, STATEMENT, prove_claims(CLAIMS))
