"""Replication in local coordinates (docs/embeddings.md (i); T2, T4 in docs/theorems.md): the wide derivatives pulled back by T_lambda.

For a narrow network (arch, params) on data (x, y), unit ``unit`` of hidden layer ``layer`` and a
ratio lambda, :func:`pullback` returns the narrow and wide gradients and Hessians at theta and
gamma_lambda(theta), the map T_lambda (mpf), the per-unit matrices A_j, B_j and the pulled-back
quantities T^T grad_wide and T^T H_wide T, all at ``dps``.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from numerics import mlp
from numerics.evaluation import evaluate
from numerics.precision import to_mp_array, to_mp_params, workdps
from proofs_check.checks._instances import random_inputs, random_params
from proofs_check.landscape.structure import unit_blocks_at
from theory.architecture import Architecture
from theory.embeddings import replicate, replication_map

# The arbitrary-theta congruence cases shared by T2 (gradient) and T4 (Hessian):
# (widths, activation, layer, unit), covering J = 3 and 4, M = 1..3 and three activations.
CONGRUENCE_CASES = (((2, 3, 1), "tanh", 0, 1), ((1, 3, 2), "sigmoid", 0, 0), ((2, 2, 3), "tanh", 0, 1),
                    ((1, 3, 2, 2), "tanh", 1, 0), ((2, 2, 3, 1), "softplus", 0, 1))
CONGRUENCE_LAMBDAS = ("-0.7", "0", "0.4", "1", "2.2")



def congruence_instances(cases, seed: int, ledger):
    """For each ``(widths, activation, layer, unit)`` of ``cases`` (k-th with seed ``seed + k``,
    recorded in ``ledger``): ``(widths, activation, layer, unit, arch, x, y, params)`` with six
    random inputs, normal targets and random parameters: an arbitrary, non-critical theta
    (docs/theorems.md, T2 and T4)."""
    for k, (widths, act, layer, unit) in enumerate(cases):
        ledger.seed(seed + k)
        rng = np.random.default_rng(seed + k)
        arch = Architecture(widths, act)
        x = random_inputs(arch, rng, 6)
        y = rng.normal(size=(6, arch.output_dim))
        yield widths, act, layer, unit, arch, x, y, random_params(arch, rng)

@dataclass(frozen=True, eq=False)
class Pullback:
    """Replication at one lambda, pulled back to local coordinates (docs/theorems.md, T2 and T4).

    Holds the wide architecture and parameters, T_lambda, the narrow and wide gradients and Hessians,
    their pullbacks T^T grad L_wide and T^T H_wide T, and the unit's matrices A_j, B_j.
    """
    lam: object
    wide_arch: object
    wide_params: object
    T: np.ndarray
    grad: np.ndarray
    hess: np.ndarray
    grad_wide: np.ndarray
    hess_wide: np.ndarray
    pulled_grad: np.ndarray
    pulled_hess: np.ndarray
    A: np.ndarray
    B: np.ndarray


def as_lambda(lam) -> mpmath.mpf:
    """Ratios are given as decimal strings so they are exact at every precision."""
    return mpmath.mpf(lam) if isinstance(lam, str) else mpmath.mpf(lam)


def pullback(arch, params, x, y, layer, unit, lam, dps, map_lam=None, hessian: bool = True) -> Pullback:
    """Everything T2/T4 compare. ``map_lam`` builds T with another ratio (negative control);
    ``hessian=False`` skips the second derivatives (their fields are then None)."""
    with workdps(dps):
        lam = as_lambda(lam)
        mp_params = to_mp_params(params)
        wide_arch, wide_params = replicate(arch, mp_params, layer, unit, lam)
        T = to_mp_array(replication_map(arch, layer, unit, lam if map_lam is None else as_lambda(map_lam)))
    if not hessian:
        g = mlp.gradient(arch, mp_params, x, y, dps=dps)
        gw = mlp.gradient(wide_arch, wide_params, x, y, dps=dps)
        with workdps(dps):
            pulled_grad = T.T @ gw
        return Pullback(lam, wide_arch, wide_params, T, g, None, gw, None, pulled_grad, None, None, None)
    narrow, wide = evaluate(arch, mp_params, x, y, dps), evaluate(wide_arch, wide_params, x, y, dps)
    g, H, gw, Hw = narrow.gradient, narrow.hessian, wide.gradient, wide.hessian
    blocks = unit_blocks_at(narrow, layer, unit)
    with workdps(dps):
        pulled_grad = T.T @ gw
        pulled_hess = T.T @ Hw @ T
    return Pullback(lam, wide_arch, wide_params, T, g, H, gw, Hw, pulled_grad, pulled_hess, blocks.A, blocks.B)
