"""Seeded searches for local minima that only the tests use (the library builds its minima by
:func:`proofs_check.instances.critical_search.find_strict_minimum`).

- :func:`find_newton_minimum`: data x ~ U[-1, 1]^(n x d), y ~ N(0, 1) (rng seeded with s, so the
  narrow net cannot interpolate and L > 0); parameters N(0, 1); damped Newton on the loss in
  float64, then the library's Newton refinement of a critical point
  (:func:`numerics.training.polish.newton_gradient`, Hessian at the working precision) at
  dps + 10 digits until ||grad|| < 10^-(dps - 5); accepted when it is a strict minimum.
- :func:`find_relu_minimum` (one hidden layer, M = 1): the exact route of T7: with the activation
  pattern fixed, f is linear in (U_j = v_j w~_j, c), so the least-squares solution (solved exactly
  in mpmath) is a critical point and a local minimum when its own pattern is the assumed one.
  ReLU minima are never strict (scaling orbits, T8).

Both return (arch, params, Dataset, seed_used); the same seed gives the same point.
"""

from __future__ import annotations

import mpmath
import numpy as np

from numerics import batched
from numerics.dataset import Dataset
from numerics.precision import newton_target, to_mp_array, workdps
from numerics.training.polish import newton_gradient
from proofs_check.instances.critical_search import MAX_SEEDS, _is_minimum
from theory.architecture import Architecture
from theory.errors import NotConverged
from theory.params import Params


def _data(rng, arch, n):
    x = rng.uniform(-1.0, 1.0, size=(n, arch.input_dim))
    y = rng.normal(0.0, 1.0, size=(n, arch.output_dim))
    return x, y


def _float_newton(arch, theta, x, y, iters=200):
    mu = 1e-3
    L = batched.loss(arch, theta[None], x, y)[0]
    for _ in range(iters):
        g = batched.gradient(arch, theta[None], x, y)[0]
        if np.linalg.norm(g) < 1e-11:
            break
        H = batched.hessian(arch, theta[None], x, y)[0]
        try:
            step = np.linalg.solve(H + mu * np.eye(len(theta)), -g)
        except np.linalg.LinAlgError:
            mu *= 10
            continue
        trial = theta + step
        Lt = batched.loss(arch, trial[None], x, y)[0]
        if np.isfinite(Lt) and Lt <= L:
            theta, L, mu = trial, Lt, max(mu / 10, 1e-12)
        else:
            mu *= 10
            if mu > 1e8:
                break
    return theta


def _mp_newton(arch, theta, x, y, dps, steps=12):
    """The library's Newton refinement at dps + 10 digits down to ||grad|| < 10^-(dps - 5); the
    parameter vector (object, mpf) or None."""
    with workdps(dps + 10):
        target = newton_target(dps)
        found = newton_gradient(arch, theta, x, y, dps + 10, target, steps, hessian="working")
        return np.array(found.theta, dtype=object) if found.value < target else None


def find_newton_minimum(activation: str, widths, n: int, *, seed: int = 0, dps: int = 50,
                        want_A: str | None = None):
    """A strict local minimum with L > 0 by the seeded Newton search (module docstring)."""
    arch = Architecture(tuple(widths), activation)
    for s in range(seed, seed + MAX_SEEDS):
        rng = np.random.default_rng(s)
        x, y = _data(rng, arch, n)
        theta = _float_newton(arch, rng.normal(0.0, 1.0, size=arch.n_params), x, y)
        if not np.all(np.isfinite(theta)) or np.max(np.abs(theta)) > 50:
            continue
        vec = _mp_newton(arch, theta, x, y, dps)
        if vec is None:
            continue
        params = Params.from_vector(arch, vec)
        if _is_minimum(arch, params, x, y, dps, want_A):
            return arch, params, Dataset(x, y), s
    raise NotConverged(f"no {activation} minimum for widths {list(widths)} in seeds {seed}..{seed + MAX_SEEDS - 1}")


def find_relu_minimum(widths, n: int, *, seed: int = 0, dps: int = 50, tries: int = 200):
    """ReLU 1-hidden-layer local minimum with L > 0 for d = M = 1 (module docstring, T7).

    Each unit j gets a kink gap k_j (between the k-th and (k+1)-th sorted inputs) and a
    direction; with that pattern the least-squares problem in (U_j = v_j w~_j, c) is solved
    exactly, and the solution is kept when every fitted kink -b_j / w_j lies strictly inside its
    gap (so the pattern is the assumed one and no datum is on a kink). The residuals are then
    orthogonal to every column x~_i 1[i in S_j], i.e. all B_j = 0 exactly, which makes theta a
    local minimum (T7). Returns (arch, params, Dataset, seed_used)."""
    arch = Architecture(tuple(widths), "relu")
    if arch.n_hidden_layers != 1 or arch.output_dim != 1 or arch.input_dim != 1 or not arch.bias:
        raise NotConverged(f"find_relu_minimum handles widths [1, H, 1] with biases, got {list(widths)}")
    H = arch.widths[1]
    for s in range(seed, seed + MAX_SEEDS):
        rng = np.random.default_rng(s)
        x, y = _data(rng, arch, n)
        for _ in range(tries):
            gaps = rng.integers(1, n - 2, size=H)  # at least 2 data on either side
            signs = rng.choice([-1, 1], size=H)
            if not _relu_least_squares(arch, x, y, gaps, signs, exact=False):
                continue  # float64 screen; the exact solve below decides
            with workdps(dps + 10):
                found = _relu_least_squares(arch, x, y, gaps, signs)
            if found is not None:
                return arch, found, Dataset(x, y), s
    raise NotConverged(f"no ReLU least-squares minimum for widths {list(widths)} in seeds "
                       f"{seed}..{seed + MAX_SEEDS - 1}")


def _relu_least_squares(arch, x, y, gaps, signs, exact=True):
    n, H = x.shape[0], len(gaps)
    order = np.argsort(x[:, 0])
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(n)
    active = [(rank > k) if sg > 0 else (rank <= k) for k, sg in zip(gaps, signs)]
    if len({tuple(a) for a in active}) < H:
        return None
    if not exact:
        F = np.array([[v for j in range(H) for v in ((x[i, 0], 1.0) if active[j][i] else (0.0, 0.0))] + [1.0]
                      for i in range(n)])
        sol, _, rnk, _ = np.linalg.lstsq(F, y[:, 0], rcond=None)
        xs = np.sort(x[:, 0])
        return rnk == F.shape[1] and all(
            sol[2 * j] != 0 and xs[k] < -sol[2 * j + 1] / sol[2 * j] < xs[k + 1] for j, k in enumerate(gaps))
    X = to_mp_array(x[:, 0])
    one = mpmath.mpf(1)
    F = mpmath.matrix([[v for j in range(H) for v in ((X[i], one) if active[j][i] else (0, 0))] + [one]
                       for i in range(n)])
    try:
        sol = mpmath.qr_solve(F, mpmath.matrix([mpmath.mpf(v) for v in y[:, 0]]))[0]
    except (ZeroDivisionError, ValueError):
        return None
    xs = sorted(X)
    W, b, v = [], [], []
    for j, (k, sg) in enumerate(zip(gaps, signs)):
        a, c0 = sol[2 * j], sol[2 * j + 1]
        if a == 0:
            return None
        kink = -c0 / a
        if not xs[k] < kink < xs[k + 1]:
            return None
        norm = mpmath.sqrt(a * a + c0 * c0)
        vj = norm * (1 if a > 0 else -1) * sg
        W.append(a / vj)
        b.append(c0 / vj)
        v.append(vj)
    return Params.build(arch, [np.array(W, dtype=object).reshape(H, 1), np.array([v], dtype=object)],
                        [np.array(b, dtype=object), np.array([sol[2 * H]], dtype=object)])
