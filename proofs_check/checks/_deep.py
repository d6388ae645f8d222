"""Shared pieces of the depth-J checks for any activation (T3d, Td): which activations and
depths they run, the instances, and the critical / not-critical evidence (docs/activations.md).

Depth is the paper's J (the number of layers counting the input): J = 3 is one hidden layer,
J = 4 two, J = 5 three. Tolerances: a gradient is zero when |g| <= rounding_band(dps, scale, 3)
(three digits lost to the sums of a backward pass), and clearly non-zero when |g| exceeds the
zero band ``numerics.precision.structural_zero_band(dps, scale)`` = 10^-(dps/2) scale, far above it; anything in
between fails both tests, so no verdict rests on a borderline number.
"""

from __future__ import annotations

import numpy as np

from numerics import mlp
from numerics.precision import structural_zero_band, to_mp_params, rounding_band, workdps
from proofs_check.landscape import eigen
from proofs_check.checks._instances import Instance, random_inputs, random_params
from proofs_check.checks.result import fmt
from proofs_check.instances.critical_points import exact_critical_point, min_kink_distance, min_samples
from theory.architecture import Architecture
from theory.errors import NotConverged
from theory.network import pre_activations

DEFAULT_ACTIVATIONS_QUICK = ("leaky_relu:0.1",)
DEFAULT_ACTIVATIONS_FULL = ("tanh", "relu", "leaky_relu:0.1", "square", "selu", "expr:x*tanh(log(1+exp(x)))")
WIDTHS_QUICK = {3: (2, 2, 2), 4: (2, 2, 2, 2)}
WIDTHS_FULL = {3: (2, 3, 2), 4: (2, 3, 3, 2), 5: (1, 3, 3, 3, 2)}
KINK_MARGIN = 1e-3
MAX_TRIES = 200


def activations(config) -> tuple[str, ...]:
    """The activation asked for (``check --activation``) or the default list."""
    if config.activation:
        return (config.activation,)
    return DEFAULT_ACTIVATIONS_QUICK if config.quick else DEFAULT_ACTIVATIONS_FULL


def depths(config) -> dict[int, tuple[int, ...]]:
    """Depth J -> widths of the instance at that depth (J = 5 only in full runs)."""
    return WIDTHS_QUICK if config.quick else WIDTHS_FULL


def instances(config, ledger, activation: str, prepare=None):
    """``(J, widths, instance)`` for each depth of :func:`depths`: the exact critical instance of
    ``activation`` at ``config.seed`` and ``config.dps`` (passed through ``prepare(instance,
    config)`` when given, e.g. a negative control), its seed recorded in ``ledger``
    (docs/theorems.md, T3d and Td)."""
    for J, widths in depths(config).items():
        inst = critical(widths, activation, seed=config.seed, dps=config.dps)
        if prepare is not None:
            inst = prepare(inst, config)
        ledger.seed(inst.seed)
        yield J, widths, inst


def critical(widths, activation: str, *, seed: int, dps: int, bias: bool = True) -> Instance:
    """First seed >= ``seed`` giving an exact critical point with L > 0 (docs/invariants.md), no datum
    within KINK_MARGIN of a kink, and (dead-zone activations) every unit alive on some datum."""
    arch = Architecture(tuple(widths), activation, bias)
    n = min_samples(arch) + 2
    for s in range(seed, seed + MAX_TRIES):
        rng = np.random.default_rng(s)
        params = random_params(arch, rng)
        x = random_inputs(arch, rng, n)
        if not alive_off_kinks(arch, params, x, dps):
            continue
        cp = exact_critical_point(arch, params, x, dps=dps, seed=s)
        return Instance(arch, params, cp.data, s, f"{activation} {list(widths)}{'' if bias else ' no bias'}")
    raise NotConverged(f"no critical instance for {list(widths)} {activation} in {MAX_TRIES} seeds")


def alive_off_kinks(arch, params, x, dps) -> bool:
    """For an activation with a kink: no pre-activation within KINK_MARGIN of it, every unit
    active (z > 0) on some datum, and in every layer some unit with data on both sides. (A piecewise-linear net whose units are all linear on the
    data is a linear model there: sum_i e_i x_i^T = 0 at its critical points, a degenerate case
    that would make every inactive propagation critical.)"""
    if not arch.phi.properties.has_kink:
        return True
    if min_kink_distance(arch, params, x, dps) <= KINK_MARGIN:
        return False

    zs = pre_activations(arch, params, np.asarray(x, dtype=float))[:-1]
    return all((z > 0).any(axis=0).all() and ((z > 0).any(axis=0) & (z < 0).any(axis=0)).any() for z in zs)


def gradient_bound(inst, g, dps):
    """rounding_band(dps, 1 + |y| + |g_narrow|, 3): the zero of a gradient at ``dps``."""
    with workdps(dps):
        return rounding_band(dps, 1 + eigen.max_abs(inst.y) + eigen.max_abs(g), lost_digits=3)


def nonzero_bound(inst, g, dps):
    """10^-(dps/2) (1 + |y| + |g|): a value above it is non-zero beyond doubt at ``dps``."""
    with workdps(dps):
        return structural_zero_band(dps, 1 + eigen.max_abs(inst.y) + eigen.max_abs(g))


def record_criticality(ledger, name, norm, zero, nonzero, predicted: bool) -> bool:
    """Require ``norm <= zero`` when ``predicted`` critical, else ``norm > nonzero``."""
    if predicted:
        return ledger.require(f"{name}: critical as predicted", norm <= zero, f"|grad| {fmt(norm)} <= {fmt(zero)}")
    return ledger.require(f"{name}: NOT critical as predicted", norm > nonzero, f"|grad| {fmt(norm)} > {fmt(nonzero)}")


def narrow_gradient(inst, dps):
    """(mpf parameters, gradient of the narrow loss) at ``dps``."""
    with workdps(dps):
        p = to_mp_params(inst.params)
    return p, mlp.gradient(inst.arch, p, inst.x, inst.y, dps=dps)
