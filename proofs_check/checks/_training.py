"""A trained strict local minimum: seeded data, :func:`numerics.training.train` with
``objective="critical"``, then Newton polishing in mpmath at ``dps`` (the Hessian at ``dps``:
:func:`numerics.training.polish.newton_gradient`) until the gradient is at the 10^-dps level
(train verifies 10^-(dps/2); the checks separate zeros at that level, so we go on).
"""

from __future__ import annotations

import numpy as np

from numerics import mlp
from numerics.dataset import Dataset
from numerics.precision import newton_target, to_mp_array, workdps, zero_eigenvalue_tolerance
from numerics.training import train
from numerics.training.polish import newton_gradient
from proofs_check.landscape import eigen
from proofs_check.checks._instances import Instance
from theory.architecture import Architecture
from theory.errors import InvalidInput, NotConverged
from theory.params import Params


def seeded_data(seed: int, n: int = 10) -> Dataset:
    """x ~ U[-1, 1], y = sin(3x) + N(0, 0.1^2): a target a 1-1-1 net cannot interpolate."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1.0, 1.0, size=n))
    return Dataset(x.reshape(-1, 1), (np.sin(3 * x) + 0.1 * rng.normal(size=n)).reshape(-1, 1))


def trained_minimum(activation: str, widths=(1, 1, 1), *, seed: int, dps: int, n: int = 10) -> Instance:
    """:func:`numerics.training.train` (objective "critical") on :func:`seeded_data`, Newton-polished
    at ``dps``; raises NotConverged unless it is an exact critical point with a positive definite
    Hessian."""
    arch = Architecture(tuple(widths), activation)
    if arch.n_layers != 2 or arch.input_dim != 1 or arch.output_dim != 1:
        raise InvalidInput(f"widths {list(widths)}: trained_minimum trains (1, H, 1) networks; pass such widths")
    data = seeded_data(seed, n)
    x, y = data.x, data.y
    start = train(data, activation, widths[1], seed=seed, dps=dps, objective="critical").params.to_vector()
    with workdps(dps):
        ys = to_mp_array(y)
        target = newton_target(dps)
        found = newton_gradient(arch, start, x, ys, dps, target, 60, hessian="working")
        if not found.value < target:
            raise NotConverged(f"Newton polishing did not converge for seed {seed}")
        vec = np.array(found.theta, dtype=object)
        H = mlp.hessian(arch, Params.from_vector(arch, vec), x, ys, dps)
        eigs = eigen.eigenvalues(H)
        if not eigs[0] > zero_eigenvalue_tolerance(dps, eigs[-1]):
            raise NotConverged(f"trained point for seed {seed} is not a strict minimum (lambda_min {eigs[0]})")
    return Instance(arch, Params.from_vector(arch, vec), Dataset(x, ys), seed,
                    f"trained (train) {list(widths)} {activation}, n={n}")
