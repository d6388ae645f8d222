"""One chunk of work: the per-trial arrays for trials [lo, hi) of one activation.

``perturb``: every trial perturbs the same trained N_H0 (the ``base``).
``retrain``: trial t draws its own data set (data seeds data_seed*100000 + 1000 t + attempt,
attempt = 0, 1, ... until the trainer succeeds at the requested H0) and trains anew; widths
H <= H0_t are reported as missing (NaN).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numerics.experiment.base import BaseNetwork
from numerics.experiment.config import ExperimentConfig
from numerics.experiment.evaluate import evaluate_trials

from numerics.experiment.evaluate import FIELDS as PER_WIDTH

NARROW = (("G0", "G"), ("risk0", "risk"), ("norm2_0", "norm2"), ("sharp0", "sharp"), ("trace0", "trace"))
"""Per-trial values of N_H0 (column 0 of the evaluated widths) and their per-width source."""
PER_TRIAL = tuple(k for k, _ in NARROW) + ("h0", "data_seed", "skipped")
RETRAIN_ATTEMPTS = 1000


@dataclass(frozen=True, eq=False)
class ChunkJob:
    """Trials [lo, hi) of ``activation``; ``base`` is None under the retrain protocol."""

    activation: str
    lo: int
    hi: int
    config: dict
    columns: tuple[int, ...]
    base: BaseNetwork | None = None
    rho: float | None = None


def column_widths(config: ExperimentConfig, h0_floor: int) -> tuple[int, ...]:
    """The widths H reported as columns (every H > h0_floor of the grid)."""
    return config.widths_for(h0_floor)


def compute_chunk(job: ChunkJob) -> dict[str, np.ndarray]:
    """Per-trial arrays for one chunk (module-level so process pools and Dask can ship it)."""
    config = ExperimentConfig.from_dict(job.config)
    trials = range(job.lo, job.hi)
    if job.base is not None:
        return _assemble([(job.base, evaluate_trials(job.base, config, trials, job.rho), job.base.data_seed, 0)], job.columns)
    # deferred: this module loads with every `semiflat` command; the trainer loads only when used
    from numerics.experiment import fitting

    firsts = [config.data_seed * 100000 + 1000 * t for t in trials]
    bases = fitting.fit_bases(config, job.activation, firsts, max_redraws=RETRAIN_ATTEMPTS)
    pieces = []
    for t, base in zip(trials, bases):
        pieces.append((base, evaluate_trials(base, config, [t], job.rho), base.data_seed, len(base.skipped)))
    return _assemble(pieces, job.columns)


def _assemble(pieces, columns) -> dict[str, np.ndarray]:
    out = {k: [] for k in PER_TRIAL + PER_WIDTH}
    for base, arr, data_seed, skipped in pieces:
        B = arr["G"].shape[0]
        widths = (base.h0,) + tuple(h for h in columns if h > base.h0)
        pos = [widths.index(h) if h in widths else -1 for h in columns]
        for key, src in NARROW:
            out[key].append(arr[src][:, 0])
        out["h0"].append(np.full(B, base.h0))
        out["data_seed"].append(np.full(B, data_seed))
        out["skipped"].append(np.full(B, skipped))
        for key in PER_WIDTH:
            full = np.full((B, len(columns)), np.nan)
            for j, p in enumerate(pos):
                if p > 0:
                    full[:, j] = arr[key][:, p]
            out[key].append(full)
    return {k: np.concatenate(v, axis=0) for k, v in out.items()}
