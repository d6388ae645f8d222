"""Zero training error for smooth activations: batched float64 search, polish, verify.

Pipeline (``docs/training.md``), for networks of any depth and any smooth activation:

1. *search*: Levenberg-Marquardt in float64 (:mod:`lm_float`) over every unsolved problem and
   its restarts of the current round at once. Restart ``r`` of a problem with root seed ``s``
   draws its initial point from ``numpy.random.default_rng([s, r])``: results never depend on
   the batch, the number of problems or the worker count.
2. *polish*: mixed-precision Gauss-Newton (:mod:`polish`) on the candidates of the round (float
   SSE below ``CANDIDATE_SSE``), in restart order, until one verifies.
3. *verify*: the SSE recomputed at ``dps`` from the stored parameters (:mod:`verify`) must be
   below ``target_sse``; the first restart (lowest index) that verifies is the result.

Initialisation (measured best of the scales tried; ``docs/training.md``): every hidden unit
places its transition inside the data it sees. First hidden layer, per unit: input weights
``w ~ N(0, (W_SCALE / R_k)^2)`` per input coordinate k (R_k = half the data range), the unit's
centre ``-b / w`` uniform over the data's bounding box. Later hidden layers, per unit: a random
direction ``u ~ N(0, I)`` in the layer's input space, the projections ``p_i = u . h_i`` of the
layer's inputs on the training data (the network drawn so far, evaluated in float64), slope
``s ~ N(0, DEEP_SCALE^2) / R_p`` (R_p = half the range of p), ``w = s u`` and centre uniform
over the range of p. Output layer: weights ``v ~ N(0, 1)``, bias ``c = mean(y) + N(0, 0.1^2)``.
Restart rounds give unsolved problems 1, 1, 2, 4, ..., 128, 128 fresh restarts (at most
:data:`DEFAULT_RESTARTS` = 384 in all).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from numerics.dataset import Dataset
from numerics.precision import to_decimal_string, workdps
from numerics.training import lm_float, polish, verify
from numerics.training.result import TrainResult
from numerics.training.widths import architecture, describe
from theory.architecture import Architecture
from theory.params import flatten

DEFAULT_RESTARTS = 384
CANDIDATE_SSE = 1e-12
SEARCH = lm_float.LMConfig(stall_after=100, stall_window=40, stall_gain=1e-4)
"""The search's LM settings: the defaults plus the stall rule (``docs/training.md``)."""
W_SCALE = 6.0
DEEP_SCALE = 1.0


def polish_settings(target_sse, dps: int) -> tuple[float, int]:
    """Where polishing stops (``target * 1e-20``) and the digits it works at: enough for the
    residual at that level (``-log10(target)/2 + 15``, at least 25), never more than ``dps``."""
    target = min(float(target_sse), 1.0)
    digits = int(np.ceil(-np.log10(target) / 2)) + 15 if target > 0 else dps
    return target * 1e-20, int(min(dps, max(25, digits)))


def restart_rounds(max_restarts: int) -> list[tuple[int, int]]:
    """Restart index ranges ``[start, stop)`` of the rounds: sizes 1, 1, 2, 4, ..., capped at 128."""
    rounds, start, size = [], 0, 1
    while start < max_restarts:
        stop = min(start + size, max_restarts)
        rounds.append((start, stop))
        size = 1 if start == 0 else min(2 * size, 128)
        start = stop
    return rounds


def _half_range(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lo, hi = values.min(0), values.max(0)
    return lo, hi, np.where(hi > lo, (hi - lo) / 2, 1.0)


def initial_point(arch: Architecture, data_x: np.ndarray, data_y: np.ndarray, seed: int, restart: int) -> np.ndarray:
    """The initial parameter vector of one restart (see module docstring), flat order.

    Arguments:
        arch: the architecture (any depth).
        data_x, data_y: float64 data, n x d and n x M.
        seed, restart: the draws come from ``default_rng([seed, restart])`` only.
    """
    rng = np.random.default_rng([int(seed), int(restart)])
    W, b = [], []
    h = np.asarray(data_x, dtype=float)
    for l in range(arch.n_layers - 1):
        rows, cols = arch.layer_shape(l)
        if l == 0:
            lo, hi, half = _half_range(h)
            w = rng.normal(0.0, W_SCALE, (rows, cols)) / half
            centre = rng.uniform(lo, hi, (rows, cols))
            bias = -(w * centre).sum(1)
        else:
            u = rng.normal(0.0, 1.0, (rows, cols))
            lo, hi, half = _half_range(h @ u.T)
            slope = rng.normal(0.0, DEEP_SCALE, rows) / half
            w = slope[:, None] * u
            bias = -slope * rng.uniform(lo, hi)
        W.append(w)
        b.append(bias)
        if l < arch.n_layers - 2:  # the next hidden layer draws from this layer's outputs
            h = np.asarray(arch.phi(h @ w.T + bias), dtype=float)
    M, H = arch.layer_shape(arch.n_layers - 1)
    W.append(rng.normal(0.0, 1.0, (M, H)))
    b.append(np.asarray(data_y, dtype=float).mean(0) + rng.normal(0.0, 0.1, M))
    return flatten(W, b)


def _float_data(data: Dataset):
    f = data.to_float()
    return np.asarray(f.x, dtype=float), np.asarray(f.y, dtype=float)


def train_smooth_many(datasets: list[Dataset], activation: str, hidden, seeds: list[int], *,
                      target_sse=1e-29, dps: int = 50, max_restarts: int | None = None,
                      lm_config: lm_float.LMConfig = SEARCH, progress=None,
                      init=None) -> list[TrainResult]:
    """Train every data set to ``target_sse`` (see module docstring); ``hidden`` is one width or a
    tuple of widths (one per hidden layer). Result ``i`` depends only on ``datasets[i]`` and
    ``seeds[i]``. ``init`` replaces :func:`initial_point` (same signature; benchmarks compare
    initialisations with it)."""
    init = initial_point if init is None else init
    budget = DEFAULT_RESTARTS if max_restarts is None else int(max_restarts)
    floats = [_float_data(d) for d in datasets]
    archs = [architecture(x.shape[1], hidden, y.shape[1], activation) for x, y in floats]
    results: list[TrainResult | None] = [None] * len(datasets)
    best: list[tuple[float, np.ndarray | None, int]] = [(np.inf, None, 0)] * len(datasets)
    iterations = [0] * len(datasets)
    stop_sse, polish_dps = polish_settings(target_sse, dps)
    for start, stop in restart_rounds(budget):
        todo = [i for i in range(len(datasets)) if results[i] is None]
        if not todo:
            break
        # group problems of equal size so they stack into one batch
        groups: dict[tuple, list[int]] = {}
        for i in todo:
            groups.setdefault((floats[i][0].shape, floats[i][1].shape), []).append(i)
        for (xs, ys), members in groups.items():
            arch = archs[members[0]]
            owner = [i for i in members for _ in range(start, stop)]
            restart = [r for _ in members for r in range(start, stop)]
            theta0 = np.stack([init(arch, *floats[i], seeds[i], r) for i, r in zip(owner, restart)])
            X = np.stack([floats[i][0] for i in owner])
            Y = np.stack([floats[i][1] for i in owner])
            lm = lm_float.levenberg_marquardt(arch, theta0, X, Y, lm_config)
            for row, (i, r) in enumerate(zip(owner, restart)):
                iterations[i] += int(lm.iterations[row])
                if results[i] is not None:
                    continue
                err = float(lm.sse[row])
                if err < best[i][0]:
                    best[i] = (err, lm.theta[row], r)
                if err >= CANDIDATE_SSE:
                    continue
                res = _polish_and_verify(datasets[i], arch, lm.theta[row], seeds[i], r,
                                         stop, budget, target_sse, dps, stop_sse, polish_dps)
                if res is not None:
                    results[i] = res
        if progress is not None:
            progress(sum(r is not None for r in results), len(datasets))
    for i, res in enumerate(results):
        if res is None:
            res = _failure(datasets[i], archs[i], best[i], seeds[i], budget, target_sse, dps)
        results[i] = replace(res, lm_iterations=iterations[i])
    return results


def _polish_and_verify(data, arch, theta, seed, restart, used, budget, target_sse, dps, stop_sse, polish_dps):
    pol = polish.gauss_newton(arch, theta, data.x, data.y, polish_dps, stop_sse)
    params = verify.stored_params(arch, pol.theta, dps)
    sse = verify.verified_sse(arch, params, data, dps)
    if not sse < target_sse:
        return None
    with workdps(dps):
        text = to_decimal_string(sse, 3)
    return TrainResult(
        arch=arch, params=params, sse=sse, gradient_norm=None, reached_target=True, hidden=arch.widths[-2],
        seed=int(seed), restarts_used=int(used), stages=("lm-float64", f"gauss-newton-mixed({pol.steps})", f"verify-dps{dps}"),
        certificate=None, min_width=None, budget=budget, target_sse=target_sse, dps=dps,
        message=f"reached SSE {text} < {target_sse:g} (restart {restart}, verified at {dps} digits)",
    )


def _failure(data, arch, best, seed, budget, target_sse, dps):
    err, theta, restart = best
    if theta is None:
        theta = np.zeros(arch.n_params)
    params = verify.stored_params(arch, theta, dps)
    sse = verify.verified_sse(arch, params, data, dps)
    with workdps(dps):
        text = to_decimal_string(sse, 3)
    return TrainResult(
        arch=arch, params=params, sse=sse, gradient_norm=None, reached_target=False, hidden=arch.widths[-2],
        seed=int(seed), restarts_used=budget, stages=("lm-float64", f"verify-dps{dps}"),
        certificate=None, min_width=None, budget=budget, target_sse=target_sse, dps=dps,
        message=(f"target SSE < {target_sse:g} not reached with {describe(arch)} after {budget} "
                 f"restarts; best SSE {text} (restart {restart})"),
    )
