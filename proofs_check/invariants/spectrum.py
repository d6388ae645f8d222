"""I8-I11 of docs/invariants.md: inertia, the directional law, the multi-output saddle, the k-way form.

Second derivatives along a direction are computed twice: from the Hessian of :mod:`numerics.mlp`
and by a central second difference of the loss along the line at doubled precision (independent
of the Hessian code). Inertia counts use a float64 eigensolver on
examples whose eigenvalues are far from zero (a numerical comparison, docs/properties.md).
"""

from __future__ import annotations

import mpmath
import numpy as np
from hypothesis import assume, strategies as st

from numerics import mlp
from numerics.precision import second_difference_step, to_mp_array, to_mp_params, rounding_band, workdps
from proofs_check.instances import strategies as sf
from proofs_check.landscape.eigen import inertia, top_singular
from proofs_check.invariants.base import Case, Example, Invariant, is_smooth, require, total
from proofs_check.invariants.gradient import critical_units
from proofs_check.invariants.hessian import HESSIAN_WIDTH, check_single_output_b_vanishes, off_kinks
from proofs_check.landscape.structure import unit_blocks
from theory.embeddings.replication import split_tangent
from theory.params import Params

SEPARATION = 1e-4
"""Inertia examples need every narrow and K_lambda eigenvalue either below 1e-13 s (a structural
zero) or above SEPARATION s, s = max |eigenvalue|; between, float64 cannot count (rejected)."""


@st.composite
def critical_hessian_units(draw, scale, activations=None, **options):
    """An exact critical point at widths <= 3, off ReLU kinks, with a unit and lambda."""
    ex = draw(critical_units(scale, activations=activations, max_width=HESSIAN_WIDTH, **options))
    assume(off_kinks(ex.arch, ex.params, ex.data.x, ex.dps))
    return ex


def k_block(blocks, lam, factor):
    """K_lambda = [[factor A_j, B_j^T], [B_j, 0]] as an mpf matrix."""
    a, m = blocks.A.shape[0], blocks.B.shape[0]
    K = np.full((a + m, a + m), mpmath.mpf(0), dtype=object)
    K[:a, :a] = factor * blocks.A
    K[:a, a:] = blocks.B.T
    K[a:, :a] = blocks.B
    return K


def check_inertia(ex: Example, subject) -> None:
    """At a critical theta*: inertia(H_wide(gamma_lambda theta*)) = inertia(H) + inertia(K_lambda)
    (Sylvester's law with the unimodular T_lambda, T4)."""
    arch, d, layer, unit = ex.arch, ex.data, ex["layer"], ex["unit"]
    with workdps(ex.dps):
        p, lam = to_mp_params(ex.params), mpmath.mpf(ex["lam"])
        H = mlp.hessian(arch, p, d.x, d.y, dps=ex.dps)
        K = k_block(unit_blocks(arch, p, d.x, d.y, layer, unit, dps=ex.dps), lam, subject.split_factor(lam))
        wide = subject.replicate(arch, p, layer, unit, lam)
        H_wide = mlp.hessian(*wide, d.x, d.y, dps=ex.dps)
    narrow = np.concatenate([np.linalg.eigvalsh(np.array(H, dtype=float)), np.linalg.eigvalsh(np.array(K, dtype=float))])
    s = max(1.0, float(abs(narrow).max()))
    small = abs(narrow) / s
    assume(np.all((small <= 1e-13) | (small >= SEPARATION)))
    expected = inertia(narrow, 1e-13 * s)
    found = inertia(np.linalg.eigvalsh(np.array(H_wide, dtype=float)), 1e-9 * s)
    require(found == expected, f"inertia of H_wide {found} != inertia of H (+) K_lambda {expected}", wide)


I8 = Invariant("I8", "at a critical point inertia(H_wide) = inertia(H) + inertia(K_lambda); one output: B_j = 0",
               (Case("inertia", critical_hessian_units, check_inertia),
                Case("single-output", lambda s: critical_hessian_units(s, bias=True, max_output=1),
                     check_single_output_b_vanishes)))


# --- I9 ------------------------------------------------------------------------------------------


def line_curvature(arch, params, d, direction, dps):
    """d^2/ds^2 L(params + s direction) at s = 0 by a central second difference with step
    h = second_difference_step(2 dps) = 10^(-dps/2), each loss evaluated at 2 dps digits: the rounding error (10^(-2 dps) / h^2)
    and the truncation error (h^2 L^(4) / 12) are both of order 10^-dps (call inside ``workdps``)."""
    with workdps(2 * dps):
        base = params.to_vector()
        h = second_difference_step(2 * dps)

        def along(s):
            return mlp.loss(arch, Params.from_vector(arch, base + s * direction), d.x, d.y, dps=2 * dps)

        return (along(h) - 2 * along(0) + along(-h)) / (h * h)


def split_direction(arch, wide_arch, layer, unit, lam, zeta, eta, subject):
    """T_lambda (0, zeta, eta): the wide direction of the split coordinates."""
    coords = np.concatenate([[mpmath.mpf(0)] * arch.n_params, zeta, eta])
    return subject.replication_map(arch, layer, unit, lam) @ coords


@st.composite
def smooth_split_directions(draw, scale):
    """A smooth critical example with a direction zeta of the split coordinates."""
    acts = scale.only(is_smooth)
    ex = draw(critical_hessian_units(scale, activations=acts))
    a = ex.arch.incoming_size(ex["layer"])
    zeta = draw(sf.real_lists(a, 1.0))
    return Example(ex.arch, ex.params, ex.data, dict(ex.args, zeta=zeta), ex.dps)


def check_directional_law(ex: Example, subject) -> None:
    """d^2/ds^2 L(T_lambda(theta*, s zeta, 0)) at 0 = lambda (1 - lambda) zeta^T A_j zeta (T4a)."""
    arch, d, layer, unit = ex.arch, ex.data, ex["layer"], ex["unit"]
    with workdps(ex.dps):
        p, lam = to_mp_params(ex.params), mpmath.mpf(ex["lam"])
        zeta = to_mp_array(ex["zeta"])
        A = unit_blocks(arch, p, d.x, d.y, layer, unit, dps=ex.dps).A
        predicted = subject.split_factor(lam) * (zeta @ A @ zeta)
        wide = subject.replicate(arch, p, layer, unit, lam)
        direction = split_direction(arch, wide[0], layer, unit, lam, zeta,
                                    [mpmath.mpf(0)] * arch.outgoing_size(layer), subject)
        found = line_curvature(*wide, d, direction, ex.dps)
        tol = rounding_band(ex.dps, total(A) * (1 + abs(lam)) ** 2 * total(direction) ** 2, lost_digits=5)
    require(abs(found - predicted) <= tol,
            lambda: f"L'' along zeta = {mpmath.nstr(found, 8)} != lambda (1 - lambda) zeta^T A zeta = "
                    f"{mpmath.nstr(predicted, 8)}", wide)


I9 = Invariant("I9", "d^2/ds^2 L(T_lambda(theta*, s zeta, 0)) = lambda (1 - lambda) zeta^T A_j zeta (sign table of T4a)",
               (Case("directional-law", smooth_split_directions, check_directional_law,
                     lambda s: bool(s.only(is_smooth))),))


# --- I10 -----------------------------------------------------------------------------------------


def check_multi_output_saddle(ex: Example, subject) -> None:
    """B_j != 0 at a critical point: along (zeta, eta) = (v_1 / t, -t u_1) the wide loss bends by
    -2 sigma_max(B_j) + lambda (1 - lambda) v_1^T A_j v_1 / t^2 < 0 (a negative eigenvalue for every
    lambda; T4b), with t chosen so the A_j term is at most sigma_max / 2."""
    arch, d, layer, unit = ex.arch, ex.data, ex["layer"], ex["unit"]
    with workdps(ex.dps):
        p, lam = to_mp_params(ex.params), mpmath.mpf(ex["lam"])
        blocks = unit_blocks(arch, p, d.x, d.y, layer, unit, dps=ex.dps)
        sigma, u, v = top_singular(blocks.B)
        assume(sigma > 1e-6 * total(blocks.B))
        a_term = subject.split_factor(lam) * (v @ blocks.A @ v)
        t = mpmath.sqrt(1 + 2 * abs(a_term) / sigma)
        predicted = -2 * sigma + a_term / t ** 2
        wide = subject.replicate(arch, p, layer, unit, lam)
        direction = split_direction(arch, wide[0], layer, unit, lam, v / t, -t * u, subject)
        H_wide = mlp.hessian(*wide, d.x, d.y, dps=ex.dps)
        quadratic = direction @ H_wide @ direction
        found = line_curvature(*wide, d, direction, ex.dps)
        tol = rounding_band(ex.dps, total(H_wide) * total(direction) ** 2, lost_digits=5)
        # the predicted curvature is below -1.5 sigma; where rounding of H_wide at this precision
        # is not far below that (fast-growing activations at depth), the example cannot decide
        assume(sigma > 10 * tol)
    require(quadratic < 0, "d^T H_wide d >= 0 along the top singular pair of B_j", wide)
    require(abs(quadratic - predicted) <= tol and abs(found - predicted) <= tol,
            lambda: f"curvature {mpmath.nstr(found, 8)} (Hessian {mpmath.nstr(quadratic, 8)}) != predicted "
                    f"{mpmath.nstr(predicted, 8)}", wide)


I10 = Invariant("I10", "B_j != 0 at a critical point: a negative direction for every lambda, of the predicted curvature",
                (Case("saddle", critical_hessian_units, check_multi_output_saddle),))


# --- I11 -----------------------------------------------------------------------------------------


@st.composite
def kway_splits(draw, scale):
    """A network, data, a unit, k + 1 shares summing to 1 and admissible directions."""
    arch, params = draw(sf.networks(**scale.arch_options(max_width=HESSIAN_WIDTH)))
    data = draw(sf.datasets(arch, max_n=5))
    assume(off_kinks(arch, params, data.x, scale.dps))
    layer, unit = draw(sf.hidden_units(arch))
    k = draw(st.integers(2, 3))
    shares = [draw(sf.reals(2.0)) for _ in range(k)]
    assume(abs(1 - sum(shares)) > 0.05)
    a, m = arch.incoming_size(layer), arch.outgoing_size(layer)
    deltas = [draw(sf.real_lists(a, 1.0)) for _ in range(k)]
    etas = [draw(sf.real_lists(m, 1.0)) for _ in range(k)]
    return Example(arch, params, data, {"layer": layer, "unit": unit, "shares": shares, "deltas": deltas,
                                        "etas": etas}, scale.dps)


def check_kway_form(ex: Example, subject) -> None:
    """Split into copies with shares lambda_a (sum 1); for sum_a eta_a = 0 and sum_a lambda_a
    delta_a = 0: d^T H_wide d = 2 sum_a eta_a^T B_j delta_a + sum_a lambda_a delta_a^T A_j delta_a (T4c)."""
    arch, d, layer, unit = ex.arch, ex.data, ex["layer"], ex["unit"]
    with workdps(ex.dps):
        p = to_mp_params(ex.params)
        shares = [mpmath.mpf(s) for s in ex["shares"]]
        shares.append(1 - sum(shares))
        deltas = [to_mp_array(v) for v in ex["deltas"]]
        deltas.append(-sum(lam * v for lam, v in zip(shares, deltas)) / shares[-1])
        etas = [to_mp_array(v) for v in ex["etas"]]
        etas.append(-sum(etas))
        wide = subject.split(arch, p, layer, unit, shares)
        direction = split_tangent(arch, layer, unit, shares, np.full(arch.n_params, mpmath.mpf(0), dtype=object),
                                  deltas=deltas, etas=etas)
        H_wide = mlp.hessian(*wide, d.x, d.y, dps=ex.dps)
        blocks = unit_blocks(arch, p, d.x, d.y, layer, unit, dps=ex.dps)
        predicted = sum(2 * (eta @ blocks.B @ delta) + lam * (delta @ blocks.A @ delta)
                        for lam, delta, eta in zip(shares, deltas, etas))
        found = direction @ H_wide @ direction
        tol = rounding_band(ex.dps, total(H_wide) * total(direction) ** 2, lost_digits=3)
    require(abs(found - predicted) <= tol,
            lambda: f"d^T H_wide d = {mpmath.nstr(found, 8)} != the k-way form {mpmath.nstr(predicted, 8)}", wide)


I11 = Invariant("I11", "k-way split: d^T H d = 2 sum eta_a^T B delta_a + sum lambda_a delta_a^T A delta_a",
                (Case("form", kway_splits, check_kway_form),))
