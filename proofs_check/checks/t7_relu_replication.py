"""T7 (ReLU unit replication; paper Thm 10), docs/theorems.md and invariant I14 (docs/invariants.md).

Under "no data on kinks", A_j = 0 and K_lambda = [[0, B_j^T], [B_j, 0]] for every lambda.
- J = 3, M = 1, all v_j != 0, theta* critical: B_j = 0 for every j, H = J^T J >= 0, and
  gamma_lambda(theta*) is a (non-strict) local minimum for every lambda, with inertia = narrow +
  (H_{l-1}+1+M) zeros; no random perturbation decreases L.
- M >= 2 with B_j != 0: a strict saddle for every lambda; along s(v_1, -u_1),
  [L - L*]/s^2 -> -sigma_max(B_j) exactly (A_j = 0).
- Depth J = 4, one output: at the last hidden layer B_j = 0 (K_lambda = 0, as for J = 3); at the
  first hidden layer (feeding >= 2 units) B_j != 0 and replication is a strict saddle.
Runs on every piecewise-linear positively homogeneous activation (``check --activation``:
relu, leaky_relu:A; identity runs the single-output part only, having no kink).
"""

from __future__ import annotations

import sys

import mpmath
import numpy as np

from numerics import mlp
from numerics.precision import to_mp_array, rounding_band, workdps, zero_eigenvalue_tolerance
from proofs_check.landscape import eigen
from proofs_check.checks import _activation, _deep
from proofs_check.checks._instances import critical_instance
from proofs_check.checks._perturb import min_loss_change
from proofs_check.checks._replication import pullback
from proofs_check.checks._symbolic import prove_claims
from proofs_check.checks.result import CheckConfig, CheckResult, Ledger, fmt
from proofs_check.instances.critical_points import min_kink_distance
from proofs_check.landscape.structure import unit_blocks
from theory.activations import get_activation
from theory.params import Params

THEOREM = "T7"
APPLIES = "T7"
DEFAULT_ACTIVATION = "relu"
STATEMENT = ("ReLU replication: with one output every critical point embeds as a (non-strict) minimum for every "
             "lambda; with several outputs and B_j != 0 it is a strict saddle for every lambda (decrease -s^2 sigma_max).")
CLAIMS = ("replication.hessian", "relu.replication_minimum", "relu.replication_saddle")
TAMPERS = ("multi-output",)
LAMBDAS_FULL = ("-0.5", "0", "0.5", "1.5")
LAMBDAS_QUICK = ("-0.5", "0.5")
STEP = mpmath.mpf("1e-3")


def _single_output(ledger, config, rng):
    dps = config.dps
    widths = (2, 3, 2) if config.tamper == "multi-output" else (1, 3, 1)
    inst = critical_instance(widths, _activation.chosen(config, sys.modules[__name__]), seed=config.seed, dps=dps)
    ledger.seed(inst.seed)
    tag = f"single-output claim on {list(widths)}"
    with workdps(dps):
        worst_B = max(eigen.max_abs(unit_blocks(inst.arch, inst.params, inst.x, inst.y, 0, j, dps).B)
                      for j in range(widths[1]))
        bound = rounding_band(dps, 1 + eigen.max_abs(inst.y), lost_digits=3)
    ledger.at_most(f"{tag}: max_j |B_j|", worst_B, bound)
    radius = min_kink_distance(inst.arch, inst.params, inst.x, dps) / 100
    for lam in LAMBDAS_QUICK if config.quick else LAMBDAS_FULL:
        pb = pullback(inst.arch, inst.params, inst.x, inst.y, 0, 0, lam, dps)
        with workdps(dps):
            tol = zero_eigenvalue_tolerance(dps, eigen.max_abs(pb.hess_wide))
            narrow = eigen.inertia(eigen.eigenvalues(pb.hess), tol)
            wide = eigen.inertia(eigen.eigenvalues(pb.hess_wide), tol)
        extra = inst.arch.incoming_size(0) + inst.arch.outgoing_size(0)
        ledger.equal(f"{tag} lambda {lam}: wide inertia = narrow {narrow} + {extra} zeros", wide,
                     narrow + eigen.Inertia(0, extra, 0))
        ledger.certify(f"{tag} lambda {lam}", pb.wide_arch, pb.wide_params, inst.x, inst.y, dps, "minimum")
        count = 20 if config.quick else 100
        change = min_loss_change(pb.wide_arch, pb.wide_params, inst.x, inst.y, radius=radius / 3, count=count,
                                 rng=rng, dps=dps)
        ledger.at_least(f"{tag} lambda {lam}: min loss change over {count} perturbations of radius {fmt(radius / 3)}",
                        change, -bound)


def _multi_output(ledger, config):
    dps = config.dps
    inst = _deep.critical((2, 3, 2), _activation.chosen(config, sys.modules[__name__]), seed=config.seed, dps=dps)
    ledger.seed(inst.seed)
    L0 = mlp.loss(inst.arch, inst.params, inst.x, inst.y, dps=dps)
    K_first = None
    for lam in LAMBDAS_QUICK if config.quick else LAMBDAS_FULL:
        pb = pullback(inst.arch, inst.params, inst.x, inst.y, 0, 0, lam, dps)
        tag = f"[2, 3, 2] lambda {lam}"
        with workdps(dps):
            D = inst.arch.n_params
            K = pb.pulled_hess[D:, D:]
            K_first = K if K_first is None else K_first
            scale = eigen.max_abs(pb.hess_wide)
            bound = rounding_band(dps, 1 + scale, lost_digits=3)
            tol = zero_eigenvalue_tolerance(dps, scale)
            eigs = eigen.eigenvalues(pb.hess_wide)
            sigma, u, v = eigen.top_singular(pb.B)
            theta = to_mp_array(inst.params.to_vector())
            s = STEP * sigma / (1 + scale)
            r = []
            for step in (s, s / 2):
                vec = pb.T @ np.concatenate([theta, step * v, -step * u])
                r.append((mlp.loss(pb.wide_arch, Params.from_vector(pb.wide_arch, vec), inst.x, inst.y, dps=dps) - L0)
                         / (step * step))
            rel = abs(r[1] - (-sigma)) / sigma
        ledger.at_most(f"{tag}: |A_j| (ReLU)", eigen.max_abs(pb.A), bound)
        ledger.at_most(f"{tag}: |K_lambda - K_first| (independent of lambda)", eigen.max_abs(K - K_first), bound)
        ledger.require(f"{tag}: lambda_min(H_wide) < 0 with sigma_max(B) = {fmt(sigma)}", eigs[0] < -tol,
                       f"{fmt(eigs[0])} < -{fmt(tol)}")
        ledger.at_most(f"{tag}: quotient at s/2 = {fmt(s / 2)}: {fmt(r[1])} vs -sigma_max, relative error", rel, STEP)


def check(config: CheckConfig) -> CheckResult:
    """Run T7: ReLU replication gives A_j = 0; for J = 3, M = 1 a non-strict minimum for every lambda
    (B_j = 0), and a strict saddle for every lambda when B_j != 0 (docs/theorems.md).

    The argument and result are the contract of every check (:mod:`proofs_check.checks`).
    """
    ledger = Ledger()
    rng = np.random.default_rng(config.seed)
    act = _activation.chosen(config, sys.modules[__name__])
    _single_output(ledger, config, rng)
    if get_activation(act).properties.has_kink:
        _multi_output(ledger, config)
        _deep_layers(ledger, config)
    else:
        ledger.note("several outputs, depth 4", f"not run: {act} has no kink, so it is linear and a critical point "
                    "with the units of full rank has B_j = 0 (no saddle to find)")
    return ledger.result(THEOREM, STATEMENT, prove_claims(CLAIMS, activation=act))


DEEP_WIDTHS = {True: ((2, 2, 2, 1),), False: ((2, 2, 2, 1), (2, 3, 3, 1))}
"""Depth J = 4 instances with one output (quick, full)."""


def _deep_layers(ledger, config):
    """T7 at depth 4 with one output. The layer feeding the output has H_{l+1} = M = 1, so
    v_j B_j = dL/dw~_j = 0 forces B_j = 0 and K_lambda = 0 (wide inertia = narrow + zeros, as for
    J = 3). The first hidden layer feeds H_2 >= 2 units: B_j is not forced to vanish, and where it
    does not, replication is a strict saddle for every lambda even with one output (T4b, A = 0),
    so the J = 3 minimum statement does not carry over to depth; where it does vanish (the
    layer's signals lie in range(J), seen on [2, 3, 3, 1]), the inertia is narrow + zeros. Each
    case is asserted from sigma_max(B_j): zero to dps digits, or beyond the zero-eigenvalue band;
    a value in between fails both. The [2, 2, 2, 1] instance must show the saddle."""
    dps = config.dps
    lam = "0.5"
    for widths in DEEP_WIDTHS[config.quick]:
        inst = _deep.critical(widths, _activation.chosen(config, sys.modules[__name__]), seed=config.seed, dps=dps)
        ledger.seed(inst.seed)
        for layer in (len(widths) - 3, 0):
            tag = f"depth 4 {list(widths)} layer {layer} (feeds {widths[layer + 2]}) lambda {lam}"
            pb = pullback(inst.arch, inst.params, inst.x, inst.y, layer, 0, lam, dps)
            with workdps(dps):
                scale = eigen.max_abs(pb.hess_wide)
                tol = zero_eigenvalue_tolerance(dps, scale)
                bound = rounding_band(dps, 1 + scale + eigen.max_abs(inst.y), lost_digits=3)
                sigma = eigen.top_singular(pb.B)[0]
                eigs = eigen.eigenvalues(pb.hess_wide)
                narrow = eigen.inertia(eigen.eigenvalues(pb.hess), tol)
                wide = eigen.inertia(eigs, tol)
            ledger.at_most(f"{tag}: |A_j| (piecewise linear)", eigen.max_abs(pb.A), bound)
            must_saddle = layer == 0 and widths == DEEP_WIDTHS[True][0]
            if sigma > tol or must_saddle:
                ledger.require(f"{tag}: sigma_max(B_j) > 0, a strict saddle (narrow neg {narrow.negative}, "
                               f"wide neg {wide.negative})",
                               sigma > tol and eigs[0] < -tol and wide.negative > narrow.negative,
                               f"sigma {fmt(sigma)} > {fmt(tol)}, lambda_min {fmt(eigs[0])} < -{fmt(tol)}")
            else:
                extra = inst.arch.incoming_size(layer) + inst.arch.outgoing_size(layer)
                ledger.at_most(f"{tag}: sigma_max(B_j) = 0" + (" (one output)" if layer else " at this instance"),
                               sigma, bound)
                ledger.equal(f"{tag}: wide inertia = narrow {narrow} + {extra} zeros", wide,
                             narrow + eigen.Inertia(0, extra, 0))
