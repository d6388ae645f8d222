"""High-precision training of networks of any depth to a verified target.

Public API (``docs/training.md``):

- :func:`train` ``(data, activation, hidden, *, seed=0, target_sse=1e-29, dps=50,
  objective="zero-error", max_restarts=None, bias=True) -> TrainResult``
- :func:`train_many` ``(datasets, activation, hidden, *, seeds, ...) -> list[TrainResult]``
  (batched; result i depends only on ``datasets[i]`` and ``seeds[i]``)

``hidden`` is one width ``H`` (a network ``(d, H, M)``), a tuple of widths ``(H_1, ..., H_{K-1})``
(one per hidden layer: ``(d, H_1, ..., H_{K-1}, M)``), ``"auto"`` (the smallest single width
reaching the target) or a tuple whose last entry is ``"auto"`` (the other widths given, the
last layer's width searched).

Routes:

- smooth activations (any of theory.activations with ``smooth``), objective "zero-error":
  float64 batched LM search, mixed-precision Gauss-Newton polish, verification at ``dps``
  (:mod:`smooth`);
- objective "critical": LM, mixed-precision Newton on the gradient, verification of
  ``||grad L|| < 10^(-dps/2)`` (:mod:`critical`);
- ReLU, one hidden layer, one input and one output: exact decision and exact rational fit
  (:mod:`relu1d`); ReLU otherwise: best effort through the smooth pipeline (the ReLU Jacobian is
  piecewise constant in the pattern; verification is the same);
- ``"auto"``: :mod:`minimal_width`.

Covered: networks with biases.
"""

from __future__ import annotations


import mpmath
import numpy as np

from numerics.dataset import Dataset
from numerics.precision import workdps
from numerics.training import critical, minimal_width, relu1d, smooth, verify
from numerics.training.result import TrainResult
from numerics.training.widths import hidden_widths
from theory.activations import get_activation
from theory.architecture import Architecture
from theory.errors import InvalidInput
from theory.params import Params

OBJECTIVES = ("zero-error", "critical")

__all__ = ["OBJECTIVES", "TrainResult", "hidden_widths", "train", "train_many"]


def train(data: Dataset, activation: str, hidden, *, seed: int = 0, target_sse=1e-29, dps: int = 50,
          objective: str = "zero-error", max_restarts: int | None = None, bias: bool = True,
          progress=None) -> TrainResult:
    """Train a ``(d, hidden, M)`` network on ``data`` to a verified target.

    Arguments:
        data: inputs (n x d) and targets (n x M); floats, decimal strings or mpf.
        activation: a name of theory.activations.
        hidden: a positive width, a tuple of widths (one per hidden layer), ``"auto"`` for the
            smallest width reaching the target, or a tuple ending in ``"auto"`` (see module
            docstring).
        seed: root seed; restart r draws its initial point from ``default_rng([seed, r])``.
        target_sse: squared training error to reach (objective "zero-error").
        dps: digits of the verification (and of the stored parameters).
        objective: ``"zero-error"`` or ``"critical"`` (``||grad L|| < 10^(-dps/2)``).
        max_restarts: restart budget per width (default 384; 16 for "critical").
        bias: must be True (the trainer covers networks with biases).

    Returns:
        A :class:`TrainResult` whose evidence was recomputed at ``dps`` from the stored
        parameters; ``reached_target`` is True only then.
    """
    return train_many([data], activation, hidden, seeds=[seed], target_sse=target_sse, dps=dps,
                      objective=objective, max_restarts=max_restarts, bias=bias, progress=progress)[0]


def train_many(datasets: list[Dataset], activation: str, hidden, *, seeds: list[int], target_sse=1e-29,
               dps: int = 50, objective: str = "zero-error", max_restarts: int | None = None,
               bias: bool = True, progress=None) -> list[TrainResult]:
    """:func:`train` for many data sets at once (batched search; results independent of batching)."""
    _check(datasets, activation, hidden, seeds, target_sse, dps, objective, max_restarts, bias)
    seeds = [int(s) for s in seeds]
    widths = hidden_widths(hidden)
    auto = widths[-1] == "auto"
    if objective == "critical":
        if auto:
            raise InvalidInput("--hidden auto is for objective zero-error; give a width for --objective critical")
        return critical.train_critical_many(datasets, activation, widths, seeds, target_sse=target_sse,
                                            dps=dps, max_restarts=max_restarts)
    exact = [activation == "relu" and len(widths) == 1 and d.input_dim == 1 and d.output_dim == 1
             for d in datasets]
    results: list[TrainResult | None] = [None] * len(datasets)
    for i, d in enumerate(datasets):
        if exact[i]:
            results[i] = _train_relu_exact(d, widths[0], seeds[i], target_sse, dps)
    rest = [i for i in range(len(datasets)) if not exact[i]]
    if rest:
        kwargs = dict(target_sse=target_sse, dps=dps, max_restarts=max_restarts, progress=progress)
        subsets = [datasets[i] for i in rest]
        sub_seeds = [seeds[i] for i in rest]
        if auto:
            out = minimal_width.smooth_minimal_width_many(subsets, activation, sub_seeds,
                                                          smooth.train_smooth_many, prefix=widths[:-1], **kwargs)
        else:
            out = smooth.train_smooth_many(subsets, activation, widths, sub_seeds, **kwargs)
        for i, res in zip(rest, out):
            results[i] = res
    return results


def _check(datasets, activation, hidden, seeds, target_sse, dps, objective, max_restarts, bias):
    act = get_activation(activation)
    if not bias:
        raise InvalidInput("bias=False: the trainer covers networks with biases only; pass bias=True")
    hidden_widths(hidden)
    if objective not in OBJECTIVES:
        raise InvalidInput(f"--objective {objective!r} is unknown; use one of {', '.join(OBJECTIVES)}")
    if objective == "critical" and not act.smooth:
        raise InvalidInput(f"--objective critical needs a smooth activation (Newton on the gradient); "
                           f"{activation} is not smooth")
    if isinstance(dps, bool) or not isinstance(dps, (int, np.integer)) or dps < 15:
        raise InvalidInput(f"--dps {dps!r}: give an integer of at least 15 digits, e.g. 50")
    try:
        target = float(target_sse)
    except (TypeError, ValueError):
        raise InvalidInput(f"--target-loss {target_sse!r} is not a number; give e.g. 1e-29") from None
    if not (np.isfinite(target) and target > 0):
        raise InvalidInput(f"--target-loss {target_sse!r}: give a positive finite number, e.g. 1e-29")
    if max_restarts is not None and (isinstance(max_restarts, bool) or int(max_restarts) < 1):
        raise InvalidInput(f"--max-restarts {max_restarts!r}: give a positive integer")
    if len(seeds) != len(datasets):
        raise InvalidInput(f"got {len(seeds)} seeds for {len(datasets)} data sets; give one seed per data set")
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
            raise InvalidInput(f"seed {s!r}: seeds must be non-negative integers")


def _fraction_params(arch: Architecture, vector) -> Params:
    return Params.from_vector(arch, np.array(list(vector), dtype=object))


def _train_relu_exact(data: Dataset, hidden, seed: int, target_sse, dps: int) -> TrainResult:
    x = np.asarray(data.x, dtype=object).reshape(-1)
    y = np.asarray(data.y, dtype=object).reshape(-1)
    interp = relu1d.Interpolation(x, y)
    min_w, best = relu1d.minimal_width(x, y, interp)
    width = min_w if hidden == "auto" else int(hidden)
    res = best if (hidden == "auto" or width == best.hidden) else relu1d.fit(x, y, width, interp=interp)
    arch = Architecture((1, max(width, 1), 1), "relu")
    stages = ("kink-dp", "pattern-search", "exact-rational-solve", f"verify-dps{dps}")
    if not res.feasible:
        cert = res.certificate + (f" (the minimal width is {min_w})" if min_w else "")
        zero = verify.stored_params(arch, np.zeros(arch.n_params), dps)
        sse = verify.verified_sse(arch, zero, data, dps)
        return TrainResult(arch=arch, params=zero, sse=sse, gradient_norm=None, reached_target=False,
                           hidden=arch.widths[1], seed=seed, restarts_used=0, stages=stages[:1],
                           certificate=cert, min_width=min_w or None, message=cert, budget=None,
                           target_sse=target_sse, dps=dps)
    vector = res.vector()
    exact = _fraction_params(arch, vector)
    with workdps(dps):
        mp_vector = [mpmath.mpf(v.numerator) / v.denominator for v in vector]
    params = verify.stored_params(arch, mp_vector, dps)
    sse = verify.verified_sse(arch, params, data, dps)
    exact_values = relu1d.network_values(vector, x)
    exact_zero = all(v == relu1d.to_fraction(t) for v, t in zip(exact_values, y))
    reached = bool(exact_zero and sse < target_sse)
    message = (f"exact fit with {width} ReLU units: training error {'exactly 0' if exact_zero else 'NOT 0'} "
               f"in rationals; SSE of the stored decimal parameters {mpmath.nstr(sse, 3)} at {dps} digits; "
               f"minimal width {min_w} (exact)")
    return TrainResult(arch=arch, params=params, sse=sse, gradient_norm=None, reached_target=reached,
                       hidden=width, seed=seed, restarts_used=0, stages=stages, certificate=None,
                       min_width=min_w, message=message, budget=None, target_sse=target_sse, dps=dps,
                       exact_params=exact)
