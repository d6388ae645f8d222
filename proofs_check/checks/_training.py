"""A trained strict local minimum: seeded data, :func:`numerics.training.train` with
``objective="critical"`` (or, if that package is missing, float64 Levenberg-Marquardt from several
initialisations), then Newton polishing in mpmath at ``dps`` until the gradient is at the
10^-dps level (train verifies 10^-(dps/2); the checks separate zeros at that level, so we go on).
"""

from __future__ import annotations

import mpmath
import numpy as np

from numerics import batched, mlp
from numerics.dataset import Dataset
from numerics.precision import tolerance, to_mp_array, workdps
from proofs_check.checks import _linalg
from proofs_check.checks._instances import Instance
from theory.architecture import Architecture
from theory.errors import NotConverged
from theory.params import Params


def seeded_data(seed: int, n: int = 10) -> Dataset:
    """x ~ U[-1, 1], y = sin(3x) + N(0, 0.1^2): a target a 1-1-1 net cannot interpolate."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1.0, 1.0, size=n))
    return Dataset(x.reshape(-1, 1), (np.sin(3 * x) + 0.1 * rng.normal(size=n)).reshape(-1, 1))


def _lm(arch, vec, x, y, iterations=300):
    mu = 1e-2
    loss = batched.loss(arch, vec[None], x, y)[0]
    for _ in range(iterations):
        J = batched.jacobian(arch, vec[None], x)[0]
        r = (batched.forward(arch, vec[None], x)[0] - y).reshape(-1)
        step = -np.linalg.solve(J.T @ J + mu * np.eye(len(vec)), J.T @ r)
        trial = vec + step
        new = batched.loss(arch, trial[None], x, y)[0]
        if np.isfinite(new) and new < loss:
            vec, loss, mu = trial, new, max(mu / 10, 1e-12)
        else:
            mu *= 10
            if mu > 1e8:
                break
    return vec, loss


def trained_minimum(activation: str, widths=(1, 1, 1), *, seed: int, dps: int, n: int = 10,
                    restarts: int = 8) -> Instance:
    """Best of ``restarts`` LM runs on :func:`seeded_data`, Newton-polished at ``dps``; raises
    NotConverged unless it is an exact critical point with a positive definite Hessian."""
    arch = Architecture(tuple(widths), activation)
    data = seeded_data(seed, n)
    x, y = data.x, data.y
    try:
        from numerics.training import train
    except ImportError:
        train = None
    if train is not None and arch.n_layers == 2:
        start, source = train(data, activation, widths[1], seed=seed, dps=dps, objective="critical").params.to_vector(), "train"
    else:
        rng = np.random.default_rng(seed)
        start = min((_lm(arch, rng.normal(size=arch.n_params), x, y) for _ in range(restarts)), key=lambda t: t[1])[0]
        source = "own LM"
    with workdps(dps):
        vec = to_mp_array(start)
        ys = to_mp_array(y)
        for _ in range(60):
            p = Params.from_vector(arch, vec)
            g, H = mlp.gradient_and_hessian(arch, p, x, ys, dps=dps)
            if mlp.norm(g) <= tolerance(dps, 1, lost_digits=2):
                break
            step = mpmath.lu_solve(mpmath.matrix(H.tolist()), mpmath.matrix(list(-g)))
            vec = vec + np.array([step[i] for i in range(len(vec))], dtype=object)
        else:
            raise NotConverged(f"Newton polishing did not converge for seed {seed}")
        eigs = _linalg.eigvalsh(H)
        if not eigs[0] > _linalg.zero_tolerance(dps, eigs[-1]):
            raise NotConverged(f"trained point for seed {seed} is not a strict minimum (lambda_min {eigs[0]})")
    return Instance(arch, Params.from_vector(arch, vec), Dataset(x, ys), seed,
                    f"trained ({source}) {list(widths)} {activation}, n={n}")
