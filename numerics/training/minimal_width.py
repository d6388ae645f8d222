"""``hidden="auto"``: the smallest width that reaches the target.

- 1-input, 1-output ReLU: exact (:func:`relu1d.minimal_width`), a proof in both directions.
- Smooth activations (and ReLU with several inputs or outputs): H = 1, 2, ... up to
  ``n * M + 1`` (where generic data are always interpolable by one hidden layer); the first H
  at which the pipeline of :mod:`smooth` succeeds within the restart budget (default 384
  restarts per width) is returned. This is an upper bound on the true minimal width; the
  budget is reported with it. For several hidden layers the widths before the last are given
  (``prefix``) and the last layer's width is searched the same way. See ``docs/training.md``.
"""

from __future__ import annotations

from dataclasses import replace

from numerics.dataset import Dataset
from numerics.training.result import TrainResult


def smooth_minimal_width_many(datasets: list[Dataset], activation: str, seeds: list[int], train_fixed,
                              prefix: tuple[int, ...] = (), **kwargs) -> list[TrainResult]:
    """Per data set, the first last-layer width whose training reaches the target (``train_fixed``
    trains a list of data sets at the hidden widths ``prefix + (width,)``). Data sets are widened
    together; result i depends only on ``datasets[i]`` and ``seeds[i]``."""
    results: list[TrainResult | None] = [None] * len(datasets)
    tried: list[list] = [[] for _ in datasets]
    max_width = max(d.n * d.output_dim for d in datasets) + 1
    last: list[TrainResult | None] = [None] * len(datasets)
    for width in range(1, max_width + 1):
        todo = [i for i in range(len(datasets)) if results[i] is None and width <= datasets[i].n * datasets[i].output_dim + 1]
        if not todo:
            break
        out = train_fixed([datasets[i] for i in todo], activation, tuple(prefix) + (width,),
                          [seeds[i] for i in todo], **kwargs)
        for i, res in zip(todo, out):
            tried[i].append((width, res.restarts_used, res.reached_target))
            last[i] = res
            if res.reached_target:
                results[i] = res
    final = []
    for i in range(len(datasets)):
        res = results[i] if results[i] is not None else last[i]
        budget = res.budget
        note = (f"; smallest width reaching the target within {budget} restarts per width: {res.hidden}"
                if res.reached_target else
                f"; no width up to {tried[i][-1][0]} reached the target within {budget} restarts per width")
        final.append(replace(res, widths_tried=tuple(tried[i]), message=res.message + note))
    return final
