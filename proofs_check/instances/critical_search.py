"""Seeded, deterministic construction of strict local minima with non-zero loss, at high precision.

``find_strict_minimum(activation, widths, n, seed=, dps=, want_A=)`` (smooth activations):
for s = seed, seed + 1, ...: theta ~ N(0, 1) and x ~ U[-1, 1]^(n x d) (rng seeded with s); the
residual e is chosen in the left null space of the Jacobian, so grad L = J^T e = 0 exactly, with
the per-unit matrix A_j of unit 0 in hidden layer 0 of the requested definiteness ("positive",
"negative", "indefinite" or None for any); e is shrunk until the Hessian is positive definite
(eigenvalues > tau of :mod:`proofs_check.landscape.eigen`). Returns (arch, params, Dataset, seed_used);
calling again with ``seed=seed_used`` returns the same point at the first attempt.
"""

from __future__ import annotations

import mpmath
import numpy as np

from numerics import mlp
from numerics.dataset import Dataset
from numerics.precision import strict_curvature_floor, to_mp_array, workdps
from proofs_check.instances.critical_points import left_null_space
from proofs_check.landscape.eigen import definiteness, spectral_scale, symmetric_eigen
from proofs_check.landscape.structure import unit_blocks
from theory.architecture import Architecture
from theory.errors import NotConverged
from theory.params import Params

MAX_SEEDS = 400


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
                        want_A: str | None = "positive", uncorrelated_inputs: bool = False):
    """A strict local minimum with L > 0 by the null-space construction with a prescribed A_j
    (module docstring). ``uncorrelated_inputs`` also imposes sum_i x_i e_i^T = 0 (the premise that
    makes the null embedding degenerate, T5). Raises NotConverged after ``MAX_SEEDS`` seeds."""
    arch = Architecture(tuple(widths), activation)
    for s in range(seed, seed + MAX_SEEDS):
        found = _construct(arch, n, s, dps, want_A, uncorrelated_inputs)
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
