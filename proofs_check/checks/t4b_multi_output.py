"""T4b (replication is a strict saddle for every lambda when B_j != 0), docs/theorems.md, invariant I10 (docs/invariants.md).

At a critical theta* with B_j != 0 (multi-output, or a deep layer feeding >= 2 units),
K_lambda = [[lambda(1-lambda) A_j, B_j^T], [B_j, 0]] is indefinite for every lambda, so
gamma_lambda(theta*) is a strict saddle even when theta* is a strict minimum. Along
(zeta, eta) = s (v_1, -u_1) (top right / left singular vectors of B_j):

    [L(T_lambda(theta*, s zeta, s eta)) - L*] / s^2 -> -sigma_max(B_j) + lambda(1-lambda) zeta^T A_j zeta / 2

(the plain statement's -sigma_max(B_j) is the case A_j = 0 (ReLU) or lambda in {0, 1}; for smooth
activations the A_j term must be kept). Evidence: narrow vs wide negative counts, lambda_min,
and the quotient at s and s/2 with its Richardson extrapolation against the prediction.
"""

from __future__ import annotations

import sys

import mpmath
import numpy as np

from numerics import mlp
from numerics.precision import to_mp_array, workdps, zero_eigenvalue_tolerance
from proofs_check.landscape import eigen
from proofs_check.checks import _activation, _deep
from proofs_check.checks._instances import designed_minimum, strict_minimum
from proofs_check.checks._replication import pullback
from proofs_check.checks._symbolic import prove_claims
from proofs_check.checks.result import CheckConfig, CheckResult, Ledger, fmt
from theory.activations import get_activation
from theory.errors import NotConverged
from theory.params import Params
from theory.symbolic.fa_classes import fa_classes

THEOREM = "T4b"
APPLIES = "T4"
DEFAULT_ACTIVATION = "tanh"
STATEMENT = ("If B_j != 0 at a critical point (several outputs), gamma_lambda(theta*) is a strict saddle for every "
             "lambda, with decrease -s^2 sigma_max(B_j) (+ s^2 lambda(1-lambda) zeta^T A zeta / 2) along the split.")
CLAIMS = ("replication.hessian", "replication.saddle_direction")
TAMPERS = ("single-output",)
CASES_FULL = (((2, 2, 2), "tanh", 0, 0), ((2, 2, 2, 1), "tanh", 0, 1))
CASES_QUICK = CASES_FULL[:1]
LAM_FULL = ("-0.5", "0", "0.3", "0.5", "1", "1.7")
LAM_QUICK = ("0", "0.5", "1.7")
STEP = mpmath.mpf("1e-3")
"""Relative step: s = STEP |prediction| / (1 + max|H|), so the O(s) error is about STEP relative."""


def _quotient(pb, theta, zeta, eta, s, inst, L0, dps):
    vec = pb.T @ np.concatenate([theta, s * zeta, s * eta])
    return (mlp.loss(pb.wide_arch, Params.from_vector(pb.wide_arch, vec), inst.x, inst.y, dps=dps) - L0) / (s * s)


def check(config: CheckConfig) -> CheckResult:
    """Run T4b: with B_j != 0 the replication point is a strict saddle for every lambda, with the
    predicted descent rate along (v_1, -u_1) (docs/theorems.md).

    The argument and result are the contract of every check (:mod:`proofs_check.checks`).
    """
    ledger = Ledger()
    dps = config.dps
    # with --activation the depth-4 case runs in quick mode too (depth 3 and 4 for every activation)
    cases = CASES_QUICK if config.quick and not config.activation else CASES_FULL
    for widths, act, layer, unit in cases:
        act = config.activation or act
        if config.tamper == "single-output":
            widths, layer, unit = (1, 1, 1), 0, 0
            if not fa_classes(act).possible("positive"):  # no designed A > 0 (docs/activations.md)
                inst = _deep.critical(widths, act, seed=config.seed, dps=dps)
            else:
                inst = designed_minimum(widths, act, seed=config.seed, dps=dps, want_A="positive")
        else:
            try:
                if get_activation(act).properties.positively_homogeneous:
                    raise NotConverged("positively homogeneous: (c v, w~ / c) is flat, no strict minimum exists")
                inst = strict_minimum(widths, act, seed=config.seed, dps=dps, layer=layer, unit=unit,
                                      **_activation.search_budget(config, sys.modules[__name__], other=4))
            except NotConverged as exc:
                # any critical point: the congruence still adds the negative directions of
                # K_lambda to the narrow ones (a piecewise-linear net with units on both pieces)
                inst = _deep.critical(widths, act, seed=config.seed, dps=dps)
                ledger.note(f"{list(widths)}: no strict minimum used", f"{exc}; a critical point instead")
        ledger.seed(inst.seed)
        L0 = mlp.loss(inst.arch, inst.params, inst.x, inst.y, dps=dps)
        ledger.note(f"instance {list(widths)} layer {layer} unit {unit}", f"{inst.label}, L = {fmt(L0)}")
        for lam in LAM_QUICK if config.quick else LAM_FULL:
            pb = pullback(inst.arch, inst.params, inst.x, inst.y, layer, unit, lam, dps)
            tag = f"{list(widths)} lambda {lam}"
            with workdps(dps):
                scale = eigen.max_abs(pb.hess_wide)
                tol = zero_eigenvalue_tolerance(dps, scale)
                narrow = eigen.inertia(eigen.eigenvalues(pb.hess), tol)
                wide_eigs = eigen.eigenvalues(pb.hess_wide)
                wide = eigen.inertia(wide_eigs, tol)
                sigma, u, v = eigen.top_singular(pb.B)
                ledger.require(f"{tag}: sigma_max(B_j) > 0", sigma > tol, f"{fmt(sigma)} > {fmt(tol)}")
                ledger.require(f"{tag}: lambda_min(H_wide) < 0 (narrow neg {narrow.negative}, wide neg {wide.negative})",
                               wide_eigs[0] < -tol and wide.negative > narrow.negative, f"{fmt(wide_eigs[0])} < -{fmt(tol)}")
                if sigma > tol:  # else B_j = 0 (negative control): no descent direction to follow
                    theta = to_mp_array(inst.params.to_vector())
                    zeta, eta = v, -u
                    predicted = -sigma + pb.lam * (1 - pb.lam) * (zeta @ pb.A @ zeta) / 2
                    s = STEP * abs(predicted) / (1 + scale)
                    r1 = _quotient(pb, theta, zeta, eta, s, inst, L0, dps)
                    r2 = _quotient(pb, theta, zeta, eta, s / 2, inst, L0, dps)
                    extrapolated = 2 * r2 - r1
                    rel = [abs(r - predicted) / abs(predicted) for r in (r1, r2, extrapolated)]
            ledger.certify(tag, pb.wide_arch, pb.wide_params, inst.x, inst.y, dps, "saddle")
            if sigma > tol:
                ledger.require(
                    f"{tag}: quotient at s={fmt(s)}, s/2, extrapolated vs predicted {fmt(predicted)} "
                    f"(-sigma {fmt(-sigma)})",
                    rel[1] <= STEP and rel[2] <= STEP * STEP,
                    f"{fmt(r1)}, {fmt(r2)}, {fmt(extrapolated)}; rel. errors {fmt(rel[0])}, {fmt(rel[1])}, "
                    f"{fmt(rel[2])} (bounds {fmt(STEP)} at s/2, {fmt(STEP * STEP)} extrapolated)")
    return ledger.result(THEOREM, STATEMENT, prove_claims(CLAIMS, activation=config.activation or "generic"))
