"""What each undone embedding contributes to the classification (docs/theorems.md, T4-T7).

For a reduction step (network "before" = the wider one, "after" = the narrower one) at a critical
point with L > 0:
- dead ReLU unit (T6): L_before(theta, w~', v') = L_after(theta) for all v' and all w~' in the
  open dead cone, so the step preserves minima and adds H_{l-1}+1+H_{l+1} exact zero Hessian
  eigenvalues and a flat affine set of that dimension;
- unit with v = 0 (T5; for an active ReLU unit the contrast case of T6): the unit's block is
  [[0, C^T], [C, P]] with C = C(w~0); C != 0 makes it a strict saddle (interlacing);
- replicated pair on a line (T4): T_lambda^T H_before T_lambda = H_after (+) K_lambda with
  K_lambda = [[lambda(1-lambda) A_j, B_j^T], [B_j, 0]]. B_j != 0: saddle (T4b). B_j = 0: saddle if
  lambda(1-lambda) A_j has a negative eigenvalue (T4a), minimum-preserving with the flat eta-set
  (dimension H_{l+1}: equal incoming vectors, any split of v) if it is positive definite
  (Morse-Bott: every point of that set is critical because B_j = 0), undecided otherwise;
- zero incoming weights with v0 != 0 (T3 (iii)): not analysed beyond second order (undecided).
With L = 0 every step is function-preserving: it only contributes its proved flat set (T9).
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from numerics import mlp
from numerics.evaluation import Evaluations
from numerics.precision import workdps, zero_eigenvalue_tolerance
from proofs_check.landscape.eigen import Inertia, inertia, spectral_scale, symmetric_eigen, top_singular
from proofs_check.landscape.refined_eigen import bounded_inertia, refined_eigen
from proofs_check.landscape.structure import (
    UnitBlocks,
    _layer_data,
    candidate_blocks_at,
    incoming,
    outgoing,
    stage_ratio,
    unit_blocks_at,
    unit_direction,
)
from theory.architecture import Architecture
from theory.embeddings import inactive_propagation, replication


@dataclass(frozen=True, eq=False)
class StepFinding:
    """Outcome of one step: effect "flat" (minimum-preserving, proved flat set), "saddle" or
    "undecided"; descent candidates are (da, db) pairs in the before-network's coordinates."""

    effect: str
    theorem: str
    summary: str
    flat_dimension: int = 0
    inertia: Inertia | None = None
    descent: tuple = ()
    flat_directions: tuple = ()
    blocks: UnitBlocks | None = None
    reason: str = ""


def _fmt(v, digits=6) -> str:
    return mpmath.nstr(v, digits)


def pair_direction(arch, step, lam, zeta=None, eta=None):
    """T_lambda (0, zeta, eta) in the before-network (partner keeps lambda, ``step.unit`` is the copy):
    :func:`theory.embeddings.replication.tangent` of the narrow network."""
    narrow = _narrowed(arch, step.layer)
    return replication.tangent(narrow, step.layer, step.partner, lam, zeta=zeta, eta=eta, at=step.unit)


def _narrowed(arch, layer):
    widths = list(arch.widths)
    widths[layer + 1] -= 1
    return Architecture(tuple(widths), arch.activation, arch.bias)


def _spread(n, scale):
    """A fixed, non-axis direction of length ~ scale (deterministic flatness probes)."""
    v = np.array([mpmath.mpf(k + 1) / (n + 1) * (-1) ** k for k in range(n)], dtype=object)
    norm = mpmath.sqrt(mpmath.fsum(c * c for c in v))
    return v * (scale / norm)


def analyse_step(before, after, step, data, tau, dps, zero_loss=False, evaluations=None) -> StepFinding:
    """Contribution of ``step`` (see the module docstring). ``before``/``after`` are (arch, params);
    ``evaluations`` (a :class:`numerics.evaluation.Evaluations` on ``data`` at ``dps``) supplies
    their evaluations, so that a caller walking many steps evaluates each stage once."""
    (arch_b, params_b), (arch_a, params_a) = before, after
    x, y = data
    evaluations = Evaluations(x, y, dps) if evaluations is None else evaluations
    l, u = step.layer, step.unit
    n_in, n_out = arch_b.incoming_size(l), arch_b.outgoing_size(l)
    with workdps(dps):
        if step.kind == "dead":
            hts, us = _layer_data(evaluations.at(arch_b, params_b))
            margin = -max(us[l][:, u])
            reach = max(mpmath.sqrt(mpmath.fsum(c * c for c in row)) for row in hts[l])
            flat = (unit_direction(arch_b, l, u, v_part=_spread(n_out, 1)),
                    unit_direction(arch_b, l, u, w_part=_spread(n_in, margin / (2 * reach))))
            return StepFinding(
                "flat", "T6", f"layer {l} unit {u} dead on the data (margin {_fmt(margin)}): "
                f"loss constant on the cone x R^{n_out}, {n_in + n_out} flat directions",
                n_in + n_out, Inertia(0, n_in + n_out, 0), flat_directions=flat)
        if step.kind == "zero-outgoing":
            w0 = incoming(arch_b, params_b, l, u)
            if zero_loss:
                return StepFinding("flat", "T9", f"layer {l} unit {u} has v = 0 at zero loss: "
                                   f"w~ free, {n_in} flat directions", n_in,
                                   flat_directions=(unit_direction(arch_b, l, u, w_part=_spread(n_in, 1)),))
            C = candidate_blocks_at(evaluations.at(arch_b, params_b), l, w0)[0]
            sigma, left, right = top_singular(C)
            name = "T5" if not arch_b.phi.properties.dead_zone else "T5/T6 (active ReLU unit with v = 0)"
            text = f"layer {l} unit {u} has v = 0; sigma_max(C(w~0)) = {_fmt(sigma)}"
            if sigma > tau:
                da = unit_direction(arch_b, l, u, w_part=left)
                db = unit_direction(arch_b, l, u, v_part=-right)
                return StepFinding("saddle", name, text + " > tau: strict saddle", descent=((da, db),))
            return StepFinding("undecided", name, text, reason=(
                f"inactive unit (layer {l}, unit {u}) with C(w~0) = 0: its second-order block "
                "vanishes and higher-order terms are not analysed"))
        if step.kind == "replicated":
            lam = stage_ratio(params_b, step)
            v = outgoing(params_a, l, step.partner)
            eta_flat = _spread(n_out, mpmath.sqrt(mpmath.fsum(c * c for c in v)) / 10 or 1)
            flat = (pair_direction(arch_b, step, lam, eta=eta_flat),)
            if zero_loss:
                return StepFinding("flat", "T9", f"replicated pair layer {l} ({step.partner}, {u}): "
                                   f"any split of v, {n_out} flat directions", n_out, flat_directions=flat)
            blocks = unit_blocks_at(evaluations.at(arch_a, params_a), l, step.partner)
            sigma, left, right = top_singular(blocks.B)
            text = (f"replicated pair layer {l} units ({step.partner}, {u}), lambda = {_fmt(lam, 10)}: "
                    f"A_j {blocks.definiteness_A}, sigma_max(B_j) = {_fmt(sigma)}")
            relu = _convex_per_pattern(arch_b)  # T7 regime: A_j = 0, convex in U_j
            if sigma > tau:
                da = pair_direction(arch_b, step, lam, zeta=right)
                db = pair_direction(arch_b, step, lam, eta=-left)
                return StepFinding("saddle", "T7 (T4b with A_j = 0)" if relu else "T4b",
                                   text + ": B_j != 0, K_lambda indefinite", descent=((da, db),), blocks=blocks)
            if n_out >= 2:
                # B_j = 0 is forced only when v_j B_j = 0 pins it (one outgoing weight, v_j != 0);
                # with H_{l+1} >= 2 a B_j below tau may be a tiny non-zero block: a saddle by T4b.
                return StepFinding("undecided", "T4b", text, blocks=blocks, reason=(
                    f"replicated pair (layer {l}, units {step.partner}, {u}): sigma_max(B_j) = {_fmt(sigma, 3)} <= "
                    f"tau = {_fmt(tau, 3)}, but with H_{{l+1}} = {n_out} >= 2 outgoing weights B_j = 0 is not "
                    "structurally forced; a tiny non-zero B_j makes a saddle (T4b): not decided numerically "
                    "(try --certify or a higher --dps)"))
            if relu and arch_b.n_hidden_layers == 1:
                # Under NK A_j = 0, so K_lambda = 0; with B_j = 0 the pair realises the same U_j = v_j w~_j^T
                # and T7 (convexity in U within the pattern) decides the wide network as a whole.
                return StepFinding("flat", "T7", text + f": K_lambda = 0 ({n_in + n_out} zeros), flat along "
                                   "the split of v", n_out, Inertia(0, n_in + n_out, 0),
                                   flat_directions=flat, blocks=blocks)
            c = lam * (1 - lam)
            eig = symmetric_eigen(blocks.A, dps)
            scaled = [c * m for m in eig.values]
            k_in = inertia(scaled, tau)
            text += f"; lambda(1-lambda) A_j eigenvalues {', '.join(_fmt(m) for m in scaled)}"
            name = "T4a" if n_out == 1 else "T4 (B_j = 0)"
            if k_in.negative:
                k = min(range(len(scaled)), key=lambda i: scaled[i])
                da = pair_direction(arch_b, step, lam, zeta=eig.vector(k))
                zero = np.full(arch_b.n_params, mpmath.mpf(0), dtype=object)
                return StepFinding("saddle", name, text + ": K_lambda has a negative eigenvalue",
                                   descent=((da, zero),), blocks=blocks)
            if k_in.zero == 0:
                return StepFinding("flat", name, text + f": K_lambda = (+{n_in}) (+) 0_{n_out}, flat along "
                                   "the split of v (every point of it is critical)", n_out,
                                   Inertia(0, n_out, n_in), flat_directions=flat, blocks=blocks)
            return StepFinding("undecided", name, text, blocks=blocks, reason=(
                f"replicated pair (layer {l}, units {step.partner}, {u}): lambda(1-lambda) A_j is singular "
                f"(lambda = {_fmt(lam)}); the zero-eigenvalue directions in zeta need higher-order terms"))
        # zero incoming weights, v0 != 0 (inactive propagation)
        b0 = params_b.b[l][u] if arch_b.bias else mpmath.mpf(0)
        v0 = outgoing(params_b, l, u)
        if zero_loss and arch_b.bias:
            d = inactive_propagation.tangent(arch_a, l, np.full(arch_a.n_params, mpmath.mpf(0), dtype=object),
                                             b0=b0, v0=_spread(n_out, 1), at=u)
            return StepFinding("flat", "T9", f"layer {l} unit {u}: zero incoming weights, "
                               f"v0 with compensated bias, {n_out} flat directions", n_out, flat_directions=(d,))
        return StepFinding("undecided", "T3 (iii)", f"layer {l} unit {u}: zero incoming weights, "
                           f"b0 = {_fmt(b0)}, |v0| = {_fmt(max(abs(c) for c in v0))}", reason=(
                               f"inactive propagation unit (layer {l}, unit {u}) with v0 != 0: its constant-"
                               "loss set is curved and its higher-order terms are not analysed"))


@dataclass(frozen=True, eq=False)
class NarrowFinding:
    """What the second-order test says about the narrowest network of a reduction: the effect, the rule
    or theorem that decided it, the Hessian inertia with its zero tolerance ``tau``, the eigenvalues,
    a descent direction when it is a saddle, a one-line summary and why it is undecided if it is
    (docs/classification.md).
    """

    effect: str  # "strict-minimum", "minimum", "saddle", "undecided"
    theorem: str
    inertia: Inertia
    tau: object
    eigenvalues: tuple
    direction: np.ndarray | None
    summary: str
    reason: str = ""


def _scaling_tangents(arch, params):
    """ReLU positive homogeneity (T8): (w~_j, v_j) -> (w~_j / c, c v_j) keeps L; tangents (-w~_j, v_j)."""
    out = []
    for l in range(arch.n_hidden_layers):
        for j in range(arch.widths[l + 1]):
            t = unit_direction(arch, l, j, -incoming(arch, params, l, j), outgoing(params, l, j))
            if any(c != 0 for c in t):
                out.append(t)
    return out


def analyse_narrow(arch, params, data, dps, evaluations=None) -> NarrowFinding:
    """Classify the fully reduced network from its own Hessian (second order), completed for
    ReLU by T7 (one hidden layer: L is a convex quadratic in U_j = v_j w~_j^T within the
    activation pattern, so all B_j = 0 means a minimum) or T8 (the Hessian kernel is exactly
    spanned by the scaling-orbit tangents: Morse-Bott on a group orbit)."""
    x, y = data
    ev = (Evaluations(x, y, dps) if evaluations is None else evaluations).at(arch, params)
    H = ev.hessian
    with workdps(dps):
        gnorm = ev.gradient_norm
        eig = refined_eigen(H, dps)
        tau = zero_eigenvalue_tolerance(dps, spectral_scale(eig.values), gnorm)
        counts = bounded_inertia(eig, tau)
        text = f"narrow {list(arch.widths)} Hessian inertia (-{counts.negative}, 0:{counts.zero}, +{counts.positive})"
        if counts.negative:
            return NarrowFinding("saddle", "Sylvester (narrow Hessian indefinite)", counts, tau, eig.values,
                                 eig.vector(0), text)
        if counts.zero == 0:
            return NarrowFinding("strict-minimum", "second-order sufficient condition", counts, tau,
                                 eig.values, None, text + ": positive definite")
        if _convex_per_pattern(arch) and arch.n_hidden_layers == 1 and arch.output_dim == 1:
            # M = 1: v_j B_j = dL/dw~_j = 0 forces B_j = 0 (B_j is 1 x (d+1)); for M >= 2 a tiny
            # B_j is not forced to vanish, so T7's convexity argument is not available numerically.
            norms = []
            for j in range(arch.widths[1]):
                B = unit_blocks_at(ev, 0, j).B
                norms.append(max(abs(c) for c in B.reshape(-1)))
            if max(norms) <= tau:
                return NarrowFinding("minimum", "T7", counts, tau, eig.values, None, text + (
                    f"; max_j |B_j| = {_fmt(max(norms))} <= tau: L is a convex quadratic in U_j = v_j w~_j^T "
                    "within the activation pattern and theta minimises it"))
        if arch.phi.properties.positively_homogeneous:
            tangents = _scaling_tangents(arch, params)
            residual = max((mlp.norm(H.dot(t)) / mlp.norm(t) for t in tangents), default=mpmath.mpf(0))
            if len(tangents) == counts.zero and residual <= tau and _independent(tangents, dps):
                return NarrowFinding("minimum", "T8", counts, tau, eig.values, None, text + (
                    f"; the {counts.zero} zero eigenvalues are the ReLU scaling orbits (|H t| <= "
                    f"{_fmt(residual)}): Morse-Bott on the orbit"))
        return NarrowFinding("undecided", "second order", counts, tau, eig.values, None, text, reason=(
            f"the narrow Hessian has {counts.zero} zero eigenvalue(s) (|mu| <= {_fmt(tau, 3)}) that no "
            "structure explains; higher-order terms are not analysed"))


def _independent(vectors, dps) -> bool:
    G = np.array([[mpmath.fsum(a * b for a, b in zip(u, v)) for v in vectors] for u in vectors], dtype=object)
    eig = symmetric_eigen(G, dps)
    return min(eig.values) > zero_eigenvalue_tolerance(dps, spectral_scale(eig.values))


def _convex_per_pattern(arch) -> bool:
    """phi piecewise linear and positively homogeneous (relu, leaky_relu:A, identity): within an
    activation pattern L is a convex quadratic in U_j = v_j w~_j^T (docs/theorems.md, T7; docs/activations.md)."""
    p = arch.phi.properties
    return p.piecewise_linear and p.positively_homogeneous
