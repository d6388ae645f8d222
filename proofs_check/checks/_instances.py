"""Concrete networks for the checks, found by seeded, deterministic searches.

- :func:`critical_instance`: an exact critical point with non-zero loss (null-space method of
  docs/invariants.md, :func:`proofs_check.instances.critical_points.exact_critical_point`).
- :func:`strict_minimum`: an exact critical point that is a strict local minimum with non-zero
  loss. With e in the left null space of J, every target ``Y_t = f(X) - t e`` keeps theta
  critical and gives ``H(t) = J^T J + t sum_i e_i . d2 f_i``; for full-column-rank J a small
  enough t makes H(t) positive definite. The sign pattern of the FA matrix A_j scales with t, so
  the search over seeds picks the case wanted (A > 0, A < 0, indefinite).
- :func:`zero_error_instance`: targets Y = f(X; theta), so L = 0 exactly.

Each returns an :class:`Instance` whose ``seed`` is the seed that produced it (stored in the
check results).
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from numerics import mlp
from numerics.dataset import Dataset
from numerics.precision import descent_curvature_floor, to_mp_array, workdps
from proofs_check.landscape import eigen
from proofs_check.instances.critical_points import critical_residuals, exact_critical_point, min_kink_distance, min_samples
from proofs_check.instances.critical_search import least_norm_combination
from proofs_check.landscape.structure import unit_blocks
from theory.architecture import Architecture
from theory.errors import NotConverged
from theory.network import pre_activations
from theory.params import Params

MAX_TRIES = 200
MIN_CONDITION = mpmath.mpf("1e-12")
"""A strict minimum must have lambda_min > MIN_CONDITION * lambda_max (far above the zero threshold)."""


@dataclass(frozen=True, eq=False)
class Instance:
    """Network ``arch``/``params`` (float64 values, read exactly) on ``data`` (mpf targets)."""

    arch: Architecture
    params: Params
    data: Dataset
    seed: int
    label: str = ""

    @property
    def x(self):
        """The inputs of the instance's data set, shape ``(n, d)``."""
        return self.data.x

    @property
    def y(self):
        """The targets of the instance's data set, shape ``(n, M)``."""
        return self.data.y


def random_params(arch: Architecture, rng: np.random.Generator, scale: float = 1.0) -> Params:
    """Float64 parameters with i.i.d. N(0, scale^2) entries drawn from ``rng``."""
    return Params.from_vector(arch, rng.normal(0.0, scale, size=arch.n_params), dtype=float)


def random_inputs(arch: Architecture, rng: np.random.Generator, n: int) -> np.ndarray:
    """Float64 inputs of shape ``(n, d)`` with i.i.d. standard normal entries drawn from ``rng``."""
    return rng.normal(0.0, 1.0, size=(n, arch.input_dim))


def _kink_ok(arch, params, x, dps, margin) -> bool:
    return arch.phi.smooth or min_kink_distance(arch, params, x, dps) > margin


def critical_instance(widths, activation: str, *, seed: int, dps: int, n: int | None = None,
                      scale: float = 1.0, kink_margin: float = 1e-3) -> Instance:
    """First seed >= ``seed`` giving an exact critical point (ReLU: no datum within
    ``kink_margin`` of a kink, and every hidden unit active on some datum)."""
    arch = Architecture(tuple(widths), activation)
    n = n or min_samples(arch) + 2
    for s in range(seed, seed + MAX_TRIES):
        rng = np.random.default_rng(s)
        params = random_params(arch, rng)
        x = random_inputs(arch, rng, n)
        if not _kink_ok(arch, params, x, dps, kink_margin) or not _units_alive(arch, params, x):
            continue
        cp = exact_critical_point(arch, params, x, dps=dps, seed=s, scale=scale)
        return Instance(arch, params, cp.data, s, f"critical {list(widths)} {activation}")
    raise NotConverged(f"no critical instance for widths {list(widths)} {activation} in {MAX_TRIES} seeds")


def _units_alive(arch, params, x) -> bool:
    """Every ReLU hidden unit active on at least one and inactive... on at least one datum."""
    if not arch.phi.properties.dead_zone:
        return True

    zs = pre_activations(arch, params, np.asarray(x, dtype=float))[:-1]
    return all((z > 0).any(axis=0).all() for z in zs)


def strict_minimum(widths, activation: str, *, seed: int, dps: int, want_A: str | None = None,
                   layer: int = 0, unit: int = 0, n: int | None = None, tries: int = 30) -> Instance:
    """First seed >= ``seed`` whose critical point, for some residual scale t in a fixed list,
    is a strict local minimum (Hessian positive definite, with a clear margin) and whose FA
    matrix A of ``unit`` is of class ``want_A`` (a word of :func:`proofs_check.landscape.eigen.definiteness_of`:
    "positive", "negative", "indefinite", ... or None = any; the zero band is relative to the
    largest entry of A)."""
    arch = Architecture(tuple(widths), activation)
    n = n or min_samples(arch) + 4
    s = seed
    while s < seed + tries:
        base = critical_instance(widths, activation, seed=s, dps=dps, n=n)
        s = base.seed + 1
        with workdps(dps):
            f = mlp.forward(arch, base.params, base.x, dps=dps)
            e = f - base.y
        blocks = unit_blocks(arch, base.params, base.x, base.y, layer, unit, dps)
        kind = eigen.definiteness(blocks.A, dps, scale=eigen.max_abs(blocks.A))
        if want_A is not None and kind != want_A:
            continue
        found = _shrink_to_minimum(arch, base.params, base.x, f, e, ("1", "0.3", "0.1", "0.03", "0.01", "1e-3", "1e-4"),
                                   1, dps)
        if found is not None:
            y, t = found
            label = f"strict minimum {list(widths)} {activation}, A {kind}, t={t}"
            return Instance(arch, base.params, Dataset(base.x, y), base.seed, label)
    raise NotConverged(f"no strict minimum with A {want_A} for {list(widths)} {activation} in {tries} seeds")


def _shrink_to_minimum(arch, params, x, f, e, factors, norm_e, dps):
    """(targets f - e t / norm_e, t) for the first t in ``factors`` (decimal strings) whose
    Hessian J^T J + (t / norm_e) sum_i e_i . d2 f_i is positive definite with lambda_min >
    MIN_CONDITION lambda_max, or None. theta stays exactly critical for every t (docs/invariants.md)."""
    for t in factors:
        with workdps(dps):
            y = f - e * (mpmath.mpf(t) / norm_e)
        H = mlp.hessian(arch, params, x, y, dps=dps)
        with workdps(dps):
            eigs = eigen.eigenvalues(H)
            if eigs[0] > eigs[-1] * MIN_CONDITION:
                return y, t
    return None


TARGETS = {"positive": (((2, 1), (1, 1)),), "negative": (((-2, -1), (-1, -1)),),
           "indefinite": (((1, 0), (0, -1)), ((1, 1), (1, 0)))}
"""Target matrices per class of A_j, tried in order. The second indefinite target has A_bb = 0:
for activations whose phi'' lies in span{1, phi, phi', u phi'} (erf, sin, exp, polynomials of
degree <= 2) A_bb = sum_i e_i phi''(u_i) vanishes at every critical point of a 1-1-1 net (e is
orthogonal to those Jacobian columns), so only that kind of A_j occurs (docs/activations.md)."""


def designed_minimum(widths, activation: str, *, seed: int, dps: int, want_A: str,
                     layer: int = 0, unit: int = 0, n: int | None = None, tries: int = MAX_TRIES) -> Instance:
    """A strict local minimum whose FA matrix A_j is proportional to a chosen matrix.

    A_j is linear in the residual e, and e may be any vector of the left null space N of J
    (docs/invariants.md). With a basis e_1..e_k of N (k = nM - D) we solve sum_a c_a A(e_a) = target
    for the least-norm c (needs k >= dim Sym), so A(e) = target exactly; then the residual
    scale t is decreased until the Hessian J^T J + t S(e) is positive definite. Random critical
    points of tanh nets almost always have indefinite A, so this replaces a blind search for the
    definite rows of the Fukumizu-Amari table. Only d = 1 targets (2 x 2) are tabulated; data on a
    kink and points whose A_j is nearly degenerate are skipped (:func:`_clearly`)."""
    arch = Architecture(tuple(widths), activation)
    if arch.incoming_size(layer) != 2:
        raise ValueError("designed_minimum tabulates 2 x 2 targets only (d = 1 with bias)")
    n = n or min_samples(arch) + 6
    for s in range(seed, seed + tries):
        rng = np.random.default_rng(s)
        params = random_params(arch, rng)
        x = random_inputs(arch, rng, n)
        if not _kink_ok(arch, params, x, dps, 1e-3):
            continue
        k = n * arch.output_dim - arch.n_params
        f, basis = critical_residuals(arch, params, x, [1000 * s + a for a in range(k)], dps=dps)
        images = []
        for e in basis:
            with workdps(dps):
                y = f - e
            A = unit_blocks(arch, params, x, y, layer, unit, dps).A
            images.append([A[0, 0], A[0, 1], A[1, 1]])
        for tgt in TARGETS[want_A]:
            with workdps(dps):
                c = least_norm_combination(images, [tgt[0][0], tgt[0][1], tgt[1][1]])
                if c is None:
                    continue
                e = sum((basis[a] * c[a] for a in range(len(basis))), np.zeros_like(f) * 0)
                norm_e = mlp.norm(e)
            found = _shrink_to_minimum(arch, params, x, f, e, ("1", "0.3", "0.1", "0.03", "0.01", "0.003", "0.001"),
                                       norm_e, dps)
            if found is not None and _clearly(want_A, arch, params, x, found[0], layer, unit, dps):
                y, t = found
                label = f"designed strict minimum {list(widths)} {activation}, A {want_A}, |e| = {t}"
                return Instance(arch, params, Dataset(x, y), s, label)
    raise NotConverged(f"no designed minimum with A {want_A} above {mpmath.nstr(descent_curvature_floor(dps, 1), 3)} "
                       f"max|H| (the descent floor at dps {dps}) for {list(widths)} {activation} in {tries} seeds")


def _clearly(want_A, arch, params, x, y, layer, unit, dps) -> bool:
    """A_j of class ``want_A`` with every eigenvalue above ``descent_curvature_floor(dps, max|H|)``,
    so the table's prediction is decided by A_j, not by rounding, and can be shown at ``dps``: the
    wide Hessian's extra eigenvalues are lambda(1-lambda) times those of A_j, and the saddles they
    predict must be certifiable by a loss decrease (docs/precision.md "search margins"). The
    least-norm residual scales A_j by 1/|e|, which ranges over many orders between seeds (for tanh
    10^-10 to 10^-3 of max|H|): a point whose A_j sits just above the zero band (for other
    activations even |A_j| ~ 10^-50) is skipped, not used."""
    A = unit_blocks(arch, params, x, y, layer, unit, dps).A
    H = mlp.hessian(arch, params, x, y, dps=dps)
    with workdps(dps):
        floor = descent_curvature_floor(dps, eigen.max_abs(H))
        return (eigen.definiteness(A, dps, scale=eigen.max_abs(A)) == want_A
                and min(abs(v) for v in eigen.eigenvalues(A)) > floor)


def zero_error_instance(widths, activation: str, *, seed: int, dps: int, n: int = 10,
                        kink_margin: float = 1e-3) -> Instance:
    """Targets equal to the network's own outputs: L = 0 exactly (T9, docs/theorems.md).

    Piecewise-linear activations: parameters and inputs lie on the grid 2^-8 Z, so every output
    is a short dyadic rational, exact in every number world and in the decimal files; the zero
    of the residual then holds for the data as written (docs/certified.md "ReLU cells")."""
    arch = Architecture(tuple(widths), activation)
    grid = 256.0 if arch.phi.properties.piecewise_linear else None
    for s in range(seed, seed + MAX_TRIES):
        rng = np.random.default_rng(s)
        params = random_params(arch, rng)
        x = rng.uniform(-1.0, 1.0, size=(n, arch.input_dim))
        if grid:
            params = Params.from_vector(arch, np.round(params.to_vector() * grid) / grid, dtype=float)
            x = np.round(x * grid) / grid
        if not _kink_ok(arch, params, x, dps, kink_margin) or not _units_alive(arch, params, x):
            continue
        y = mlp.forward(arch, params, x, dps=dps)
        return Instance(arch, params, Dataset(x, y), s, f"zero error {list(widths)} {activation}")
    raise NotConverged(f"no zero-error instance for {list(widths)} {activation}")


def mp_vector(params: Params) -> np.ndarray:
    """The parameters' flat vector (``Params.to_vector`` order) as an mpmath object array."""
    return to_mp_array(params.to_vector())
