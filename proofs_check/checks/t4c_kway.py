"""T4c (k-way split quadratic form), docs/theorems.md and invariant I11 (docs/invariants.md).

Unit j split into copies a = 0..k with shares lambda_a (sum 1): v_a = lambda_a v_j, w~_a = w~_j.
For directions with sum_a eta_a = 0 and sum_a lambda_a delta_a = 0 (merged parameters fixed),
at any theta:  d^T H_wide d = 2 sum_a eta_a^T B_j delta_a + sum_a lambda_a delta_a^T A_j delta_a.
At a strict minimum with M = 1 and A_j > 0 the split point is a minimum iff every lambda_a >= 0;
one negative share lambda_a gives the negative value lambda_a / (1 - lambda_a) z^T A z.
Evidence: the identity at dps over random admissible directions (several k, shares, M), the
negative value, and the wide inertia with all-positive vs one negative share.
"""

from __future__ import annotations

import sys

import mpmath
import numpy as np

from numerics import mlp
from numerics.precision import to_mp_array, to_mp_params, rounding_band, workdps, zero_eigenvalue_tolerance
from proofs_check.landscape import eigen
from proofs_check.checks import _activation
from proofs_check.checks._instances import critical_instance, designed_minimum
from proofs_check.checks._symbolic import prove_claims
from proofs_check.checks.result import CheckConfig, CheckResult, Ledger, fmt
from proofs_check.landscape.structure import unit_blocks
from theory.embeddings import split
from theory.embeddings.replication import split_tangent
from theory.symbolic.fa_classes import fa_classes

THEOREM = "T4c"
APPLIES = "T4"
DEFAULT_ACTIVATION = "tanh"
STATEMENT = ("For a k-way split with merged parameters fixed, d^T H d = 2 sum_a eta_a^T B delta_a + "
             "sum_a lambda_a delta_a^T A delta_a; with M = 1 and A > 0 it is a minimum iff all shares are >= 0.")
CLAIMS = ("replication.kway",)
TAMPERS = ("constraint-violated",)
SHARES_FULL = (("0.5", "0.3", "0.2"), ("1.4", "-0.6", "0.2"), ("0.1", "0.2", "0.3", "0.4"), ("2", "-0.5", "-0.5"))
SHARES_QUICK = SHARES_FULL[:2]


def admissible_direction(arch, layer, unit, shares, rng, tamper=None):
    """A wide direction d with sum eta_a = 0 and sum lambda_a delta_a = 0 (the library's
    split_tangent of the narrow ``arch``); returns (d, etas, deltas)."""
    p, m, k = arch.incoming_size(layer), arch.outgoing_size(layer), len(shares)
    etas = to_mp_array(rng.normal(size=(k, m)))
    etas = etas - etas.sum(axis=0) / k
    deltas = to_mp_array(rng.normal(size=(k, p)))
    if tamper != "constraint-violated":
        c = (shares @ deltas) / (shares @ shares)
        deltas = deltas - np.outer(shares, c)
    d = split_tangent(arch, layer, unit, list(shares), np.full(arch.n_params, mpmath.mpf(0), dtype=object),
                      deltas=list(deltas), etas=list(etas))
    return d, etas, deltas


def check(config: CheckConfig) -> CheckResult:
    """Run T4c: the k-way split quadratic form at any theta, and, at a strict minimum with M = 1 and
    A_j > 0, a minimum iff every share lambda_a >= 0 (docs/theorems.md).

    The argument and result are the contract of every check (:mod:`proofs_check.checks`).
    """
    ledger = Ledger()
    dps = config.dps
    rng = np.random.default_rng(config.seed)
    act = _activation.chosen(config, sys.modules[__name__])
    for widths in ((2, 3, 2),) if config.quick else ((2, 3, 2), (1, 2, 1), (2, 2, 3)):
        inst = critical_instance(widths, act, seed=config.seed, dps=dps)
        ledger.seed(inst.seed)
        blocks = unit_blocks(inst.arch, inst.params, inst.x, inst.y, 0, 0, dps)
        for share_text in SHARES_QUICK if config.quick else SHARES_FULL:
            with workdps(dps):
                shares = to_mp_array(share_text)
                wide, p = split(inst.arch, to_mp_params(inst.params), 0, 0, list(shares))
            H = mlp.hessian(wide, p, inst.x, inst.y, dps=dps)
            with workdps(dps):
                units = range(len(shares))
                worst = mpmath.mpf(0)
                for _ in range(3):
                    d, etas, deltas = admissible_direction(inst.arch, 0, 0, shares, rng, config.tamper)
                    form = d @ H @ d
                    predicted = (2 * sum(etas[a] @ blocks.B @ deltas[a] for a in range(len(units)))
                                 + sum(shares[a] * (deltas[a] @ blocks.A @ deltas[a]) for a in range(len(units))))
                    worst = max(worst, abs(form - predicted))
                bound = rounding_band(dps, 1 + eigen.max_abs(H), lost_digits=3) * len(d)
            ledger.at_most(f"{list(widths)} shares {'/'.join(share_text)}: |d^T H d - (2 sum eta B delta + sum lam delta A delta)|",
                           worst, bound)
    # Minimum iff all shares >= 0 (M = 1, A > 0, strict minimum).
    result = lambda notes="": ledger.result(THEOREM, STATEMENT, prove_claims(CLAIMS, activation=config.activation
                                                                         or "generic"), notes)
    excluded = fa_classes(act).reason_not("positive")
    if excluded:
        return result(f"the minimum-iff-shares part needs A_j > 0, which cannot occur: {excluded}")
    inst = _activation.found_or_reason(config, sys.modules[__name__], lambda **budget: designed_minimum(
        (1, 1, 1), act, seed=config.seed, dps=dps, want_A="positive", **budget))
    if isinstance(inst, str):
        ledger.note("minimum iff every share >= 0: not tested", inst)
        return result(f"minimum-iff-shares part not tested: {inst}")
    ledger.seed(inst.seed)
    A = unit_blocks(inst.arch, inst.params, inst.x, inst.y, 0, 0, dps).A
    for share_text in (("0.5", "0.3", "0.2"), ("1.4", "-0.6", "0.2")):
        with workdps(dps):
            shares = to_mp_array(share_text)
            wide, p = split(inst.arch, to_mp_params(inst.params), 0, 0, list(shares))
        H = mlp.hessian(wide, p, inst.x, inst.y, dps=dps)
        with workdps(dps):
            eigs = eigen.eigenvalues(H)
            neg = eigen.inertia(eigs, zero_eigenvalue_tolerance(dps, eigen.max_abs(H))).negative
            negative = [a for a in range(len(shares)) if shares[a] < 0]
        ledger.certify(f"A > 0, shares {'/'.join(share_text)}", wide, p, inst.x, inst.y, dps,
                       "saddle" if negative else "minimum")
        if not negative:
            ledger.equal(f"A > 0, shares {'/'.join(share_text)} all >= 0: negative eigenvalues", neg, 0)
            continue
        a = negative[0]
        with workdps(dps):
            z = eigen.eigh(A)[1][:, 0]
            lam_a = shares[a]
            deltas = np.array([z * (-lam_a / (1 - lam_a))] * len(shares), dtype=object)
            deltas[a] = z
            d = split_tangent(inst.arch, 0, 0, list(shares), np.full(inst.arch.n_params, mpmath.mpf(0), dtype=object),
                              deltas=list(deltas))
            form = d @ H @ d
            predicted = lam_a / (1 - lam_a) * (z @ A @ z)
            bound = rounding_band(dps, 1 + eigen.max_abs(H), lost_digits=3) * len(d)
        ledger.require(f"A > 0, shares {'/'.join(share_text)}: negative eigenvalues", neg >= 1, f"{neg} >= 1")
        ledger.at_most(f"A > 0, shares {'/'.join(share_text)}: |form - lambda_a/(1-lambda_a) z^T A z| (value {fmt(predicted)})",
                       abs(form - predicted), bound)
    return result()
