"""Seeded, deterministic search for local minima with non-zero loss, solved to high precision.

``find_strict_minimum(activation, widths, n, seed=, dps=, want_A=)`` (smooth activations):
for s = seed, seed + 1, ...: data x ~ U[-1, 1]^(n x d), y ~ N(0, 1) (rng seeded with s, so the
narrow net cannot interpolate and L > 0); parameters N(0, 1); damped Newton in float64, then
Newton in mpmath at dps + 10 digits until ||grad|| <= 10^-(dps - 5). Accept when the Hessian is
positive definite (eigenvalues > tau of :mod:`proofs_check.eigen`) and the per-unit matrix A_j
of unit 0 in hidden layer 0 has the requested definiteness ("positive", "negative",
"indefinite" or None for any). Returns (arch, params, Dataset, seed_used); calling again with
``seed=seed_used`` returns the same point at the first attempt.

``activation="relu"`` (one hidden layer, M = 1) uses the exact route of T7 instead: with the
activation pattern fixed, f is linear in (U_j = v_j w~_j, c), so the least-squares solution
(solved exactly in mpmath) is a critical point and a local minimum when its own pattern is the
assumed one (fixed-point iteration). ReLU minima are never strict (scaling orbits, T8).
"""

from __future__ import annotations

import mpmath
import numpy as np

from numerics import batched, mlp
from numerics.dataset import Dataset
from numerics.precision import newton_target, strict_curvature_floor, to_mp_array, workdps
from proofs_check.critical_points import left_null_space
from proofs_check.eigen import definiteness, spectral_scale, symmetric_eigen
from proofs_check.structure import unit_blocks
from theory.architecture import Architecture
from theory.errors import NotConverged
from theory.params import Params

MAX_SEEDS = 400


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


def newton_polish(arch, theta, x, y, dps: int, *, target, steps: int):
    """Pure Newton on grad L in mpmath at ``dps`` (``workdps(dps)``; derivatives by
    :func:`numerics.mlp.gradient_and_hessian` at ``dps``) from ``theta`` (flat, any number type).

    Returns ``(vec, H)``: the first iterate with ||grad L|| <= ``target`` (object array of mpf)
    and the Hessian there, or None when ``steps`` steps do not get there or H is singular."""
    with workdps(dps):
        vec = to_mp_array(theta)
        for _ in range(steps):
            p = Params.from_vector(arch, vec)
            g, H = mlp.gradient_and_hessian(arch, p, x, y, dps)
            if mlp.norm(g) <= target:
                return vec, H
            try:
                delta = mpmath.lu_solve(mpmath.matrix(H.tolist()), mpmath.matrix(list(-g)))
            except ZeroDivisionError:
                return None
            vec = vec + np.array([delta[i] for i in range(len(vec))], dtype=object)
        return None


def _mp_newton(arch, theta, x, y, dps, steps=12):
    """:func:`newton_polish` at dps + 10 digits down to ||grad|| <= 10^-(dps - 5); the parameter
    vector (object, mpf) or None."""
    with workdps(dps + 10):
        found = newton_polish(arch, theta, x, y, dps + 10, target=newton_target(dps), steps=steps)
    return None if found is None else found[0]


def least_norm_combination(images, target):
    """Least-norm coefficients c with sum_a c_a images[a] = target (each image and the target:
    q numbers), c = G^T (G G^T)^-1 target for the q x k matrix G of the images; None when G G^T
    is singular. At the caller's precision. Used to prescribe A_j(e), which is linear in the
    residual e, over a basis of the left null space of J (docs/invariants.md)."""
    G = mpmath.matrix([[image[q] for image in images] for q in range(len(target))])
    try:
        c = G.T * mpmath.lu_solve(G * G.T, mpmath.matrix(list(target)))
    except ZeroDivisionError:
        return None
    return [c[a] for a in range(len(images))]


def find_strict_minimum(activation: str, widths, n: int, *, seed: int = 0, dps: int = 50,
                        want_A: str | None = "positive", method: str = "construct",
                        uncorrelated_inputs: bool = False):
    """A strict local minimum with L > 0 (module docstring). ``method="construct"`` (default)
    is the null-space construction with a prescribed A_j; ``"newton"`` the seeded Newton search.
    ``uncorrelated_inputs`` (construct only) also imposes sum_i x_i e_i^T = 0 (the premise that
    makes the null embedding degenerate, T5). Raises NotConverged after ``MAX_SEEDS`` seeds."""
    arch = Architecture(tuple(widths), activation)
    if activation == "relu":
        return find_relu_minimum(widths, n, seed=seed, dps=dps)
    search = _construct if method == "construct" else _newton_search
    for s in range(seed, seed + MAX_SEEDS):
        found = search(arch, n, s, dps, want_A, uncorrelated_inputs)
        if found is not None:
            return arch, found[0], found[1], s
    raise NotConverged(f"no {activation} minimum with A {want_A} for widths {list(widths)} in seeds "
                       f"{seed}..{seed + MAX_SEEDS - 1}; try another seed or n")


def _is_minimum(arch, params, x, y, dps, want_A):
    with workdps(dps):
        H = mlp.hessian(arch, params, x, y, dps)
        eig = symmetric_eigen(H, dps)
        if eig.values[0] <= strict_curvature_floor(dps, spectral_scale(eig.values)):
            return False
        if want_A is not None:
            A = unit_blocks(arch, params, x, y, 0, 0, dps).A
            if definiteness(A, dps) != want_A:
                return False
    return True


def _newton_search(arch, n, s, dps, want_A, _uncorrelated):
    rng = np.random.default_rng(s)
    x, y = _data(rng, arch, n)
    theta = _float_newton(arch, rng.normal(0.0, 1.0, size=arch.n_params), x, y)
    if not np.all(np.isfinite(theta)) or np.max(np.abs(theta)) > 50:
        return None
    vec = _mp_newton(arch, theta, x, y, dps)
    if vec is None:
        return None
    params = Params.from_vector(arch, vec)
    return (params, Dataset(x, y)) if _is_minimum(arch, params, x, y, dps, want_A) else None


_TARGETS = {"positive": 1, "negative": -1}


def _construct(arch, n, s, dps, want_A, uncorrelated):
    """theta, x random; residual e in the left null space of the Jacobian (so grad L = J^T e = 0
    exactly), chosen so that A_0(e) (linear in e) hits the target definiteness; then e is
    shrunk until the Hessian J^T J + sum_i e_i nabla^2 f_i is positive definite."""
    rng = np.random.default_rng(s)
    x = rng.uniform(-1.0, 1.0, size=(n, arch.input_dim))
    theta = rng.normal(0.0, 1.0, size=arch.n_params)
    params = Params.from_vector(arch, theta)
    with workdps(dps + 10):
        J = mlp.jacobian(arch, params, x, dps + 10)
        cols = [J[:, k] for k in range(J.shape[1])]
        if uncorrelated:
            for c in range(arch.input_dim):
                for m in range(arch.output_dim):
                    col = np.full(J.shape[0], mpmath.mpf(0), dtype=object)
                    col[m::arch.output_dim] = to_mp_array(x[:, c])
                    cols.append(col)
        N, r = J.shape[0], len(cols)
        if N <= r:
            return None
        basis = left_null_space(np.array(cols, dtype=object).T)
        f = mlp.forward(arch, params, x, dps + 10).reshape(-1)
        m = arch.incoming_size(0)
        iu = [(i, j) for i in range(m) for j in range(i, m)]
        G = []
        for e in basis:
            A = unit_blocks(arch, params, x, (f - e).reshape(n, -1), 0, 0, dps + 10).A
            G.append([A[i, j] for i, j in iu])
        alpha = to_mp_array(rng.normal(0.0, 1.0, size=len(basis)))
        if want_A is not None:
            diag = [(k + 1) * _TARGETS.get(want_A, (-1) ** k) for k in range(m)]
            alpha = least_norm_combination(G, [diag[i] if i == j else 0 for i, j in iu])
            if alpha is None:
                return None
            alpha = np.array(alpha, dtype=object)
        e = sum((a * b for a, b in zip(alpha, basis)), np.full(N, mpmath.mpf(0), dtype=object))
        e = e * (mpmath.sqrt(n) / 2 / mlp.norm(e))
        for _ in range(12):
            y = (f - e).reshape(n, -1)
            if _is_minimum(arch, params, x, y, dps, want_A):
                return params, Dataset(x, y)
            e = e / 2
    return None


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
