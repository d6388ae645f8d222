"""Phase 1: the data set and the trained N_H0 for one activation (docs/experiment.md, "Protocol").

Uses ``numerics.teacher.teacher_data`` and ``numerics.training.train`` (zero training error:
squared error < 1e-29 verified at 50 digits, exactly 0 for ReLU). With a fixed ``h0`` the data
seed is redrawn deterministically (data_seed, data_seed + 1, ...) until the trainer reaches the
target at width h0 (for ReLU also: h0 is the exact minimal width); every skipped seed is
recorded with its reason. With ``h0 = "auto"`` the trainer's minimal width is used.
"""

from __future__ import annotations

import importlib

from numerics.experiment.base import BaseNetwork, base_from_params
from numerics.experiment.config import ExperimentConfig
from theory.errors import InvalidInput, NotConverged


def _training_api():
    try:
        datasets = importlib.import_module("numerics.teacher")
        training = importlib.import_module("numerics.training")
        training.train, training.train_many, datasets.teacher_data  # noqa: B018 (presence check)
    except (ModuleNotFoundError, AttributeError) as exc:
        raise InvalidInput(
            f"training is not built yet in this build ({exc}); the experiment needs "
            "numerics.training.train and numerics.teacher.teacher_data"
        ) from None
    return datasets, training


def fit_base(config: ExperimentConfig, activation: str, data_seed: int | None = None,
             max_redraws: int | None = None) -> BaseNetwork:
    """Draw data and train N_H0 to zero error, redrawing infeasible data seeds (counted).

    Raises:
        NotConverged: when ``max_redraws`` consecutive data seeds all fail.
    """
    first = config.data_seed if data_seed is None else data_seed
    return fit_bases(config, activation, [first], max_redraws)[0]


def fit_bases(config: ExperimentConfig, activation: str, first_seeds, max_redraws: int | None = None) -> list[BaseNetwork]:
    """:func:`fit_base` for many first data seeds at once, through the batched trainer.

    Round r trains, in one ``train_many`` call, data seed first + r of every entry that is not
    fitted yet; an entry's outcome depends only on its own seeds (the trainer's results do not
    depend on the batch), so this equals calling :func:`fit_base` per entry.
    """
    _, training = _training_api()
    firsts = [int(f) for f in first_seeds]
    limit = config.max_data_redraws if max_redraws is None else max_redraws
    skipped = [[] for _ in firsts]
    out: list[BaseNetwork | None] = [None] * len(firsts)
    todo = list(range(len(firsts)))
    for attempt in range(limit):
        if not todo:
            break
        tds = {i: config.teacher_spec.draw(activation, firsts[i] + attempt) for i in todo}
        results = _train_each(training, [tds[i].dataset for i in todo], activation, config)
        left = []
        for i, res in zip(todo, results):
            seed = firsts[i] + attempt
            reason = res if isinstance(res, str) else _reject_reason(res, config.h0)
            if reason:
                skipped[i].append({"data_seed": seed, "reason": reason})
                left.append(i)
                continue
            info = {
                "hidden": int(res.hidden), "seed": res.seed, "restarts_used": getattr(res, "restarts_used", None),
                "certificate": getattr(res, "certificate", None), "min_width": getattr(res, "min_width", None),
                "reached_target": bool(res.reached_target),
            }
            td = tds[i]
            ds = td.dataset.to_float()
            out[i] = base_from_params(
                res.arch, res.params, ds.x[:, 0], ds.y[:, 0], td.teacher_arch, td.teacher_params,
                sse=str(res.sse), data_seed=seed, skipped=tuple(skipped[i]), info=info,
            )
        todo = left
    if todo:
        i = todo[0]
        raise NotConverged(
            f"{activation}: no data seed in {firsts[i]}..{firsts[i] + limit - 1} gave a network of width "
            f"{config.h0} with squared training error below 1e-29; try --h0 auto or another --data-seed"
        )
    return out


def _train_each(training, data, activation, config):
    """One batched training call; a batch that raises NotConverged is retried one by one."""
    try:
        return training.train_many(data, activation, config.h0, seeds=[config.train_seed] * len(data))
    except NotConverged:
        pass
    out = []
    for d in data:
        try:
            out.append(training.train(d, activation, config.h0, seed=config.train_seed))
        except NotConverged as exc:
            out.append(f"training did not converge: {' '.join(str(exc).split())[:160]}")
    return out


def _reject_reason(res, hidden) -> str | None:
    if not res.reached_target:
        cert = getattr(res, "certificate", None)
        if cert:
            return f"width {res.hidden} infeasible: {' '.join(str(cert).split())[:200]}"
        return f"width {res.hidden}: target squared error not reached (best {float(res.sse):.3g})"
    if hidden != "auto":
        min_width = getattr(res, "min_width", None)
        if min_width is not None and int(min_width) < int(hidden):
            return f"minimal width {min_width} < H0 = {hidden} (H0 would not be minimal)"
    return None
