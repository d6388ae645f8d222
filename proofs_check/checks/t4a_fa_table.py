"""T4a (Fukumizu-Amari sign table, single output), docs/theorems.md and invariants I8, I9 (docs/invariants.md).

M = 1, theta* a strict local minimum, v_j != 0: B_j = 0 and K_lambda = lambda(1-lambda) A_j (+) 0,
so inertia(H_wide) = (0, 0, D) + inertia(lambda(1-lambda) A_j) + (0, 1, 0):

    A_j    | lambda in (0,1)         | lambda outside [0,1]
    > 0    | minimum (flat along the line) | saddle, #neg = H_{l-1}+1
    < 0    | saddle, #neg = H_{l-1}+1      | minimum
    indef. | saddle                        | saddle

Evidence per cell: measured vs predicted inertia; for minima, no decrease over seeded random
perturbations; for saddles, the measured decrease along zeta; everywhere the directional law
d^2/ds^2 L(T_lambda(theta*, s zeta, 0)) = lambda(1-lambda) zeta^T A zeta (symmetric difference
at dps). lambda in {0, 1}: H_{l-1}+2 extra zeros, and the third order decides: along
(v_u, v_p, w~_u) = (t, -t, t alpha) the loss is L* + t^3 alpha^T A_j alpha / (2 v) + O(t^4), a saddle
(measured odd part vs the law; the point is certified a saddle). Instances: exact strict minima of 1-1-1
nets (null-space method, seeded search per A class; tanh, or ``check --activation`` for any
activation that is not piecewise linear) and, for tanh, a trained 1-1-1 minimum on 10 points.
A row that a proved identity of the activation excludes on 1-1-1 nets
(:func:`theory.symbolic.fa_classes.fa_classes`) is reported as excluded, with the proof, and not
searched; an activation for which every row is excluded makes T4a not applicable
(docs/activations.md, "Which rows of the T4a table can occur").
"""

from __future__ import annotations

import sys

import mpmath
import numpy as np

from numerics import mlp
from numerics.precision import (second_difference_step, second_difference_tolerance, to_mp_array, to_mp_params,
                                rounding_band, workdps, zero_eigenvalue_tolerance)
from proofs_check.landscape import eigen
from proofs_check.checks import _activation
from numerics.dataset import Dataset
from proofs_check.checks._instances import Instance, designed_minimum
from proofs_check.landscape.structure import unit_blocks
from theory.errors import NotConverged
from proofs_check.checks._replication import pullback
from proofs_check.checks._symbolic import prove_claims
from proofs_check.checks._training import trained_minimum
from proofs_check.checks.result import CheckConfig, CheckResult, Ledger, fmt
from theory.embeddings import replicate
from theory.params import Params, incoming_indices, outgoing_indices
from theory.symbolic.fa_classes import KINDS, fa_classes

THEOREM = "T4a"
APPLIES = "T4a"
DEFAULT_ACTIVATION = "tanh"
STATEMENT = ("Single output at a strict minimum: gamma_lambda(theta*) is a minimum iff lambda(1-lambda) A_j is "
             "positive semidefinite, else a strict saddle (A>0: minimum inside (0,1); A<0: outside; indefinite: never).")
CLAIMS = ("replication.fa_direction", "replication.fa_sign_table", "replication.fa_rows")
TAMPERS = ("narrow-saddle",)
WIDTHS = (1, 1, 1)
T_CUBIC, T_CUBIC_HALF = "1e-10", "5e-11"
"""Steps t and t/2 of the third-order test at lambda in {0, 1} (the remainder of the odd part is O(t^2))."""
CUBIC_EXTRA_DIGITS = 30
"""Digits beyond dps for the third-order losses: the odd part divides their difference by t^3 = 10^-30."""
LAM_FULL = ("0.25", "0.5", "0.75", "-0.5", "1.5")
LAM_QUICK = ("0.5", "1.5")
N_PERTURB = {True: 20, False: 100}


def extra_reason_not(activation: str) -> str:
    """"" unless no row of the table can occur for ``activation`` on 1-1-1 networks; then the proof
    (theory.symbolic.fa_classes; read by :func:`proofs_check.checks._activation.reason_not`)."""
    classes = fa_classes(activation)
    if any(classes.possible(kind) for kind in KINDS):
        return ""
    return f"{THEOREM}: no row of the table can occur on its 1-1-1 instances: {classes.reason_not('positive')}"


def predicted_verdict(kind: str, factor) -> str:
    """The verdict the Fukumizu-Amari table predicts (docs/theorems.md, T4a).

    Arguments:
        kind: the class of A_j ("positive", "negative" or "indefinite"; :func:`proofs_check.landscape.eigen.definiteness_of`).
        factor: lambda (1 - lambda).

    Returns:
        "minimum" when factor A_j is positive definite, else "saddle".
    """
    if kind == "positive":
        return "minimum" if factor > 0 else "saddle"
    if kind == "negative":
        return "minimum" if factor < 0 else "saddle"
    return "saddle"


def wide_point(pb, theta, zeta, eta):
    """Wide parameter vector T_lambda (theta, zeta, eta)."""
    return pb.T @ np.concatenate([theta, zeta, eta])


def _loss_at(pb, vec, x, y, dps):
    return mlp.loss(pb.wide_arch, Params.from_vector(pb.wide_arch, vec), x, y, dps=dps)


def _cell(ledger, inst, kind, lam, config, rng):
    dps = config.dps
    pb = pullback(inst.arch, inst.params, inst.x, inst.y, 0, 0, lam, dps)
    D = inst.arch.n_params
    p, m = pb.A.shape[0], pb.B.shape[0]
    with workdps(dps):
        lam_mp = pb.lam
        factor = lam_mp * (1 - lam_mp)
        scale = eigen.max_abs(pb.hess_wide)
        tol = zero_eigenvalue_tolerance(dps, scale)
        wide = eigen.inertia(eigen.eigenvalues(pb.hess_wide), tol)
        a_in = eigen.inertia(eigen.eigenvalues(pb.A * factor), tol)
        predicted = a_in + eigen.Inertia(0, m, D)  # premise: narrow Hessian positive definite
        verdict = predicted_verdict(kind, factor)
        tag = f"A {kind} (seed {inst.seed}) lambda {lam}"
        ledger.equal(f"{tag}: inertia (neg, zero, pos), predicted {verdict}", wide, predicted)
        ledger.at_most(f"{tag}: |B_j| (single output)", eigen.max_abs(pb.B), rounding_band(dps, 1 + scale, 3))
        theta = to_mp_array(inst.params.to_vector())
        L0 = mlp.loss(inst.arch, inst.params, inst.x, inst.y, dps=dps)
        a_vals, a_vecs = eigen.eigh(pb.A * factor)
        zeta = a_vecs[:, 0]
        s = second_difference_step(dps)
        zeros_eta = np.array([mpmath.mpf(0)] * m, dtype=object)
        lp = _loss_at(pb, wide_point(pb, theta, s * zeta, zeros_eta), inst.x, inst.y, dps)
        lm = _loss_at(pb, wide_point(pb, theta, -s * zeta, zeros_eta), inst.x, inst.y, dps)
        second = (lp + lm - 2 * L0) / (s * s)
        law = factor * (zeta @ pb.A @ zeta)
        ledger.at_most(f"{tag}: |d2L/ds2 - lambda(1-lambda) z^T A z| (law {fmt(law)})", abs(second - law),
                       second_difference_tolerance(dps, 1 + abs(law) + scale))
        _classify_agrees(ledger, tag, pb, inst, verdict, dps)
        if verdict == "minimum":
            pos = [v for v in eigen.eigenvalues(pb.hess_wide) if v > tol]
            radius = min(pos) / (10 * (1 + max(pos)))
            worst = mpmath.inf
            for _ in range(N_PERTURB[config.quick]):
                direction = to_mp_array(rng.normal(size=len(theta) + p + m))
                direction = direction / mlp.norm(direction)
                vec = wide_point(pb, theta, np.zeros(p, dtype=object) + 0, np.zeros(m, dtype=object) + 0)
                worst = min(worst, _loss_at(pb, vec + radius * direction, inst.x, inst.y, dps) - L0)
            ledger.at_least(f"{tag}: min loss change over {N_PERTURB[config.quick]} perturbations of radius "
                            f"{fmt(radius)}", worst, -rounding_band(dps, 1 + L0, 2))
        else:
            # Small enough that the quadratic term law s^2 / 2 dominates the cubic one.
            t = abs(law) / (100 * (1 + scale))
            drop = _loss_at(pb, wide_point(pb, theta, t * zeta, zeros_eta), inst.x, inst.y, dps) - L0
            ledger.require(f"{tag}: loss change along zeta, s = {fmt(t)} (predicted {fmt(law * t * t / 2)})",
                           drop < 0, f"{fmt(drop)} < 0")


def _classify_agrees(ledger, tag, pb, inst, verdict, dps):
    """Cross-check with the shared classifier (proofs_check.landscape.classify), when it is available."""
    try:
        # deferred: guarded; the except branch below handles its absence
        from proofs_check.landscape.classify import classify
    except ImportError:
        return
    report = classify(pb.wide_arch, pb.wide_params, Dataset(inst.x, inst.y), dps=dps)
    got = getattr(report.verdict, "value", str(report.verdict))
    ok = got == "saddle" if verdict == "saddle" else got.endswith("minimum")
    ledger.require(f"{tag}: proofs_check.landscape.classify verdict", ok, f"{got} ~ {verdict}")
    ledger.certify(tag, pb.wide_arch, pb.wide_params, inst.x, inst.y, dps, verdict)


class Excluded(str):
    """A row of the table that a proved identity of the activation excludes (its text: the proof)."""


def instances(config: CheckConfig):
    """The T4a test points: ``(kind, Instance)`` pairs, one designed strict minimum per class of A_j
    ("positive", "negative", "indefinite"), plus a trained minimum in full runs; under the ``narrow-saddle``
    tamper the "positive" point is a saddle instead (a negative control). A row excluded by a proved
    identity comes as ``(kind, Excluded(proof))``, one not found in the search as ``(kind, message)``.
    """
    dps = config.dps
    module = sys.modules[__name__]
    act = _activation.chosen(config, module)
    classes = fa_classes(act)
    out = []
    for kind in KINDS:
        if not classes.possible(kind):
            inst = Excluded(classes.reason_not(kind))
        elif config.tamper == "narrow-saddle" and kind == "positive":
            inst = _saddle_with_A(kind, config)
        else:  # a message when not found (another activation): the row is reported untested
            inst = _activation.found_or_reason(config, module, lambda **budget: designed_minimum(
                WIDTHS, act, seed=config.seed, dps=dps, want_A=kind, **budget))
        out.append((kind, inst))
    if not config.quick and _activation.is_default(config, module):
        trained = trained_minimum(act, WIDTHS, seed=config.seed, dps=dps)

        A = unit_blocks(trained.arch, trained.params, trained.x, trained.y, 0, 0, dps).A
        kind = eigen.definiteness(A, dps, scale=eigen.max_abs(A))
        out.append((kind, trained))
    return out


def _saddle_with_A(kind, config):
    """Negative control: the designed instance with its residual scaled up until the narrow
    Hessian is indefinite (A_j keeps its class: it is linear in the residual). A 1-2-1 net: for
    1-1-1 nets with A > 0 the narrow Hessian J^T J + A (+) 0 is positive definite for every scale."""
    base = designed_minimum((1, 2, 1), _activation.chosen(config, sys.modules[__name__]), seed=config.seed,
                            dps=config.dps, want_A=kind)
    with workdps(config.dps):
        f = mlp.forward(base.arch, base.params, base.x, dps=config.dps)
        e = f - base.y
    for factor in (10 ** k for k in range(1, 16)):
        with workdps(config.dps):
            y = f - e * factor
        H = mlp.hessian(base.arch, base.params, base.x, y, dps=config.dps)
        with workdps(config.dps):
            if eigen.eigenvalues(H)[0] < 0:
                return Instance(base.arch, base.params, Dataset(base.x, y), base.seed, f"{base.label} x{factor} (saddle)")
    raise NotConverged("no saddle found by scaling the residual")


def third_order_term(inst, lam: str, dps: int, t: str = "1e-10"):
    """T4a at lambda in {0, 1} (docs/theorems.md): the odd part (L(t) - L(-t)) / (2 t^3),
    the law alpha^T A_j alpha / (2 v), and min(L(t), L(-t)) - L*.

    The copy ``u`` with v_u = 0 moves along (v_u, v_p, w~_u) = (t, -t, t alpha), alpha the first
    eigenvector of A_j. The odd part removes the quartic term t^4 |phi' alpha . h~|^2 / 2; the rest
    is O(t^2). mpmath at dps + CUBIC_EXTRA_DIGITS."""
    digits = dps + CUBIC_EXTRA_DIGITS
    with workdps(digits):
        params = to_mp_params(inst.params)
        A = mpmath.matrix(unit_blocks(inst.arch, params, inst.x, inst.y, 0, 0, digits).A.tolist())
        _, Q = mpmath.eigsy(A)
        alpha = [Q[i, 0] for i in range(A.rows)]
        law = mpmath.fsum(alpha[i] * A[i, j] * alpha[j] for i in range(A.rows) for j in range(A.rows)) \
            / (2 * params.W[1][0, 0])
        wide, p = replicate(inst.arch, params, 0, 0, mpmath.mpf(lam))
        u, keep = (1, 0) if mpmath.mpf(lam) == 1 else (0, 1)  # the copy with v = 0, its partner
        base = mlp.loss(wide, p, inst.x, inst.y, dps=digits)
        t = mpmath.mpf(t)
        losses = []
        for s in (t, -t):
            vec = p.to_vector().copy()
            vec[outgoing_indices(wide, 0, u)[0]] += s
            vec[outgoing_indices(wide, 0, keep)[0]] -= s
            for i, k in enumerate(incoming_indices(wide, 0, u)):
                vec[k] += s * alpha[i]
            losses.append(mlp.loss(wide, Params.from_vector(wide, vec), inst.x, inst.y, dps=digits))
        return (losses[0] - losses[1]) / (2 * t ** 3), law, min(losses) - base


def check(config: CheckConfig) -> CheckResult:
    """Run T4a: the Fukumizu-Amari sign table (minimum or saddle from the sign class of A_j and
    lambda), with classify and certify verdicts at the embedded points (docs/theorems.md).

    The argument and result are the contract of every check (:mod:`proofs_check.checks`).
    """
    ledger = Ledger()
    rng = np.random.default_rng(config.seed)
    untested, excluded = [], []
    for kind, inst in instances(config):
        if isinstance(inst, Excluded):
            excluded.append(kind)
            ledger.note(f"row A {kind}: cannot occur on 1-1-1 networks (proved)", inst)
            continue
        if isinstance(inst, str):
            untested.append(kind)
            ledger.note(f"row A {kind}: not tested", inst)
            continue
        ledger.seed(inst.seed)
        L_star = mlp.loss(inst.arch, inst.params, inst.x, inst.y, dps=config.dps)
        ledger.note(f"instance A {kind}", f"{inst.label}, L = {fmt(L_star)}")
        for lam in LAM_QUICK if config.quick else LAM_FULL:
            _cell(ledger, inst, kind, lam, config, rng)
        if kind == "positive" and not config.quick:
            for lam in ("0", "1"):
                pb = pullback(inst.arch, inst.params, inst.x, inst.y, 0, 0, lam, config.dps)
                with workdps(config.dps):
                    tol = zero_eigenvalue_tolerance(config.dps, eigen.max_abs(pb.hess_wide))
                    zeros = eigen.inertia(eigen.eigenvalues(pb.hess_wide), tol).zero
                ledger.equal(f"A positive lambda {lam}: extra zero eigenvalues (H_(l-1)+2)", zeros, inst.arch.widths[0] + 2)
                odd, law, drop = third_order_term(inst, lam, config.dps, T_CUBIC)
                half = third_order_term(inst, lam, config.dps, T_CUBIC_HALF)[0]
                # odd(t) = law + c t^2 + O(t^4): the step halving measures c t^2 (Richardson), and each
                # loss at dps + CUBIC_EXTRA_DIGITS digits carries a rounding band that the division by t^3 magnifies
                bound = 2 * abs(odd - half) + rounding_band(config.dps + CUBIC_EXTRA_DIGITS,
                                                             (1 + abs(L_star)) / mpmath.mpf(T_CUBIC_HALF) ** 3)
                ledger.at_most(f"A positive lambda {lam}: |(L(t) - L(-t)) / 2t^3 - eta a^T A a / (2 v)| at t = {T_CUBIC} "
                               f"(law {fmt(law)}; third order decides; bound from t/2)", abs(odd - law), bound)
                ledger.require(f"A positive lambda {lam}: min(L(t), L(-t)) - L* < 0 (not a minimum)", drop < 0, f"{fmt(drop)} < 0")
                ledger.certify(f"A positive lambda {lam}", pb.wide_arch, pb.wide_params, inst.x, inst.y, config.dps, "saddle")
    ledger.require("at least one row of the table tested", len(untested) + len(excluded) < len(KINDS),
                   f"untested rows: {untested or 'none'}; excluded rows: {excluded or 'none'}")
    notes = "; ".join(filter(None, (
        f"rows not tested (no designed strict minimum found): {', '.join(untested)}" if untested else "",
        f"rows excluded by a proved identity of the activation: {', '.join(excluded)}" if excluded else "")))
    return ledger.result(THEOREM, STATEMENT, prove_claims(CLAIMS, activation=config.activation or "generic"), notes)
