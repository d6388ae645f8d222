"""I15 and I16 of docs/invariants.md: embeddings of a zero-error point, and expected sharpness of a
dead ReLU surplus unit under common random perturbations.
"""

from __future__ import annotations

import mpmath
import numpy as np
from hypothesis import strategies as st

from numerics import mlp
from numerics.dataset import Dataset
from numerics.precision import to_mp_array, to_mp_params, rounding_band, workdps
from proofs_check.instances import strategies as sf
from proofs_check.landscape.eigen import max_abs
from proofs_check.invariants.base import Case, Example, Invariant, capped, has_dead_zone, require, total
from proofs_check.invariants.function import dead_unit, dead_units
from proofs_check.invariants.hessian import HESSIAN_WIDTH
from theory.network import hidden_values
from theory.params import Params, narrow_positions


@st.composite
def zero_error_points(draw, scale):
    """theta, inputs X and targets Y = f(X; theta) at the example's dps, with the arguments of the
    three embeddings (a unit, lambda, w~0, b0, v0)."""
    arch, params = draw(sf.networks(**scale.arch_options(max_width=HESSIAN_WIDTH)))
    x = draw(sf.datasets(arch, max_n=5)).x
    with workdps(scale.dps):
        y = mlp.forward(arch, to_mp_params(params), x, dps=scale.dps)
    layer, unit = draw(sf.hidden_units(arch))
    m = arch.outgoing_size(layer)
    args = {"layer": layer, "unit": unit, "lam": draw(sf.lambdas()), "w0": draw(sf.incoming_vectors(arch, layer)),
            "b0": draw(sf.reals(2.0)) if arch.bias else 0.0, "v0": draw(sf.real_lists(m, 2.0))}
    return Example(arch, params, Dataset(x, y), args, scale.dps)


def check_zero_error(ex: Example, subject) -> None:
    """At L(theta) = 0: every embedding keeps L = 0 and grad L = 0, Hess = J^T J; an inactive unit
    in the last hidden layer raises tr Hess by M sum_i phi(w~0 . h~_i)^2 and keeps lambda_max from
    decreasing (Cauchy interlacing: Hess is a principal block of Hess_wide; T9)."""
    arch, d, layer = ex.arch, ex.data, ex["layer"]
    with workdps(ex.dps):
        p = to_mp_params(ex.params)
        embedded = [("replication", subject.replicate(arch, p, layer, ex["unit"], mpmath.mpf(ex["lam"]))),
                    ("inactive unit", subject.add_inactive_unit(arch, p, layer, to_mp_array(ex["w0"])))]
        if arch.bias or arch.phi.vanishes_at_zero:
            embedded.append(("inactive propagation", subject.add_inactive_propagation(
                arch, p, layer, mpmath.mpf(ex["b0"]), to_mp_array(ex["v0"]))))
        H = mlp.hessian(arch, p, d.x, d.y, dps=ex.dps)
        for what, wide in embedded:
            scale = total(wide[1].to_vector()) ** 2 * total(d.y)
            loss = mlp.loss(*wide, d.x, d.y, dps=ex.dps)
            require(loss <= rounding_band(ex.dps, scale, lost_digits=2),
                    lambda: f"{what}: L = {mpmath.nstr(loss, 5)} at a zero-error point", wide)
            g, H_wide = mlp.gradient_and_hessian(*wide, d.x, d.y, dps=ex.dps)
            require(max_abs(g) <= rounding_band(ex.dps, scale, lost_digits=2), f"{what}: grad L != 0 at zero error", wide)
            J = mlp.jacobian(*wide, d.x, dps=ex.dps)
            require(max_abs(H_wide - J.T @ J) <= rounding_band(ex.dps, total(H_wide) * scale, lost_digits=2),
                    f"{what}: Hess != J^T J at zero error", wide)
        if layer == arch.n_hidden_layers - 1:
            wide = embedded[1][1]
            h = hidden_values(arch, p, to_mp_array(d.x))[layer]
            ht = np.hstack([h, np.full((d.n, 1), mpmath.mpf(1), dtype=object)]) if arch.bias else h
            phis = arch.phi(ht @ to_mp_array(ex["w0"]))
            predicted = arch.output_dim * sum(v * v for v in phis)
            H_wide = mlp.hessian(*wide, d.x, d.y, dps=ex.dps)
            growth = sum(H_wide[i, i] for i in range(wide[0].n_params)) - sum(H[i, i] for i in range(arch.n_params))
            require(abs(growth - predicted) <= rounding_band(ex.dps, total(H_wide), lost_digits=2),
                    lambda: f"tr Hess grew by {mpmath.nstr(growth, 8)}, not M sum phi^2 = {mpmath.nstr(predicted, 8)}",
                    wide)
            top, top_wide = (np.linalg.eigvalsh(np.array(M, dtype=float))[-1] for M in (H, H_wide))
            slack = 8 * wide[0].n_params * np.finfo(float).eps * max(1.0, abs(top_wide))
            require(top_wide >= top - slack, "lambda_max decreased after an inactive unit at zero error", wide)


I15 = Invariant("I15", "zero error: embeddings keep L = 0, grad = 0, Hess = J^T J; tr Hess grows by M sum phi^2",
                (Case("zero-error", zero_error_points, check_zero_error),))


# --- I16 -----------------------------------------------------------------------------------------


def _relu(scale):
    return scale.only(has_dead_zone)


@st.composite
def sharpness_draws(draw, scale):
    """A dead unit in hidden layer 0, a radius rho and a seed for the perturbations."""
    ex = draw(dead_units(capped(scale, HESSIAN_WIDTH), margin=0.5, max_n=5))
    m = ex.arch.outgoing_size(0)
    args = dict(ex.args, layer=0, v_new=draw(sf.real_lists(m, 5.0)),
                rho=draw(st.floats(1e-4, 1.0)), seed=draw(st.integers(0, 2 ** 31 - 1)))
    return Example(ex.arch, ex.params, ex.data, args, ex.dps)


SAMPLES = 4
"""Perturbations per I16 example."""


def check_dead_sharpness(ex: Example, subject) -> None:
    """A ReLU unit dead with margin m on the inputs stays dead under perturbations of size
    rho <= m / (1 + max |x~|_1), so with common random perturbations the Monte Carlo estimate of
    E L(theta + eps) is the same for the wide and the narrow network, sample by sample (T10)."""
    arch, d = ex.arch, ex.data
    xt = np.asarray(d.to_float().x, dtype=float)
    reach = 1 + float(np.max(np.abs(xt).sum(axis=1))) + (1 if arch.bias else 0)
    rho = min(ex["rho"], ex["margin"] / reach)
    rng = np.random.default_rng(ex["seed"])
    with workdps(ex.dps):
        p = to_mp_params(ex.params)
        wide = dead_unit(ex, subject, p)
        positions = narrow_positions(arch, wide[0], 0)
        for _ in range(SAMPLES):
            eps = to_mp_array(rng.uniform(-1, 1, size=wide[0].n_params)) * mpmath.mpf(rho)
            wide_point = Params.from_vector(wide[0], wide[1].to_vector() + eps)
            narrow_point = Params.from_vector(arch, p.to_vector() + eps[positions])
            a = mlp.loss(wide[0], wide_point, d.x, d.y, dps=ex.dps)
            b = mlp.loss(arch, narrow_point, d.x, d.y, dps=ex.dps)
            require(a == b, lambda: f"L_wide(theta + eps) = {mpmath.nstr(a, 10)} != L(theta + eps) = {mpmath.nstr(b, 10)}",
                    wide)


I16 = Invariant("I16", "dead ReLU surplus: E L(theta + eps) estimates agree sample by sample (common random numbers)",
                (Case("dead-sharpness", sharpness_draws, check_dead_sharpness, lambda s: bool(_relu(s))),))
