"""Run the Figure-2 experiment: fit (or reuse) N_H0, plan chunks, execute, resume, shard.

``run_experiment`` returns per activation the trained base and the per-trial arrays of the
trials in this run's shard; writing results and figures is the caller's job
(:mod:`proofs_check.reports.fig2`). Results depend only on the :class:`ExperimentConfig`: not on
workers, chunk size, executor, interruptions or sharding.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from numerics.experiment.base import BaseNetwork
from numerics.experiment.config import ExperimentConfig, RunOptions
from numerics.experiment.executors import make_executor
from numerics.experiment.perturbation import rho_of
from numerics.experiment.store import PartialStore, missing_ranges
from numerics.experiment.trials import ChunkJob, column_widths, compute_chunk
from theory.errors import InvalidInput, SemiflatError

ABORT_ENV = "SEMIFLAT_ABORT_AFTER_CHUNKS"


class RunAborted(KeyboardInterrupt):
    """Raised by the test hook ``SEMIFLAT_ABORT_AFTER_CHUNKS=k`` after k chunk files (like Ctrl-C)."""


@dataclass(frozen=True, eq=False)
class ActivationRun:
    """One activation's outcome: the base network (None under retrain), widths, trial arrays."""

    activation: str
    base: BaseNetwork | None
    columns: tuple[int, ...]
    lo: int
    hi: int
    arrays: dict


@dataclass(frozen=True, eq=False)
class RunOutcome:
    """What one run produced: its configuration, one :class:`ActivationRun` per activation, the shard
    ``(index, count)`` it covered (None for the whole run) and wall-clock timings (docs/experiment.md).
    """

    config: ExperimentConfig
    runs: tuple[ActivationRun, ...]
    shard: tuple[int, int] | None
    timing: dict = field(default_factory=dict)

    def _repr_markdown_(self) -> str:
        # deferred: this module loads with every `semiflat` command; notebook display loads only when used
        from numerics.experiment.display import outcome_markdown

        return outcome_markdown(self)


def shard_range(trials: int, shard: tuple[int, int] | None) -> tuple[int, int]:
    """Trials [lo, hi) of shard a of b (contiguous, sizes differ by at most one)."""
    if shard is None:
        return 0, trials
    a, b = shard
    if not (b >= 1 and 0 <= a < b):
        raise InvalidInput(f"--shard {a}:{b}: expected a:b with 0 <= a < b (shard a of b, 0-based)")
    return a * trials // b, (a + 1) * trials // b


def run_experiment(config: ExperimentConfig, options: RunOptions, *, progress=None,
                   bases: dict[str, BaseNetwork] | None = None) -> RunOutcome:
    """Run (or resume) the experiment; ``progress(done, total, label)`` is called as chunks finish.

    A run that fails on bad input (a :class:`SemiflatError`) before any chunk is stored leaves
    no new files behind.

    Arguments:
        bases: optional pre-trained N_H0 per activation (skips training; perturb protocol).
    """
    out = Path(options.out)
    fresh_out = not out.exists()
    fresh_partial = not (out / ".partial").exists() or not options.resume
    try:
        return _run(config, options, progress, bases)
    except SemiflatError:
        partial = out / ".partial"
        if fresh_partial and partial.exists() and not any(partial.glob("chunk_*.npz")):
            shutil.rmtree(partial)
            if fresh_out and not any(out.iterdir()):
                out.rmdir()
        raise


def _run(config, options, progress, bases) -> RunOutcome:
    t_start = time.perf_counter()
    if not options.progress:
        progress = None
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    store = PartialStore(out / ".partial")
    store.start({"config": config.to_dict(), "shard": list(options.shard) if options.shard else None,
                 "bases": None if bases is None else {a: b.to_record() for a, b in bases.items()}},
                options.resume, options.force)
    lo, hi = shard_range(config.trials, options.shard)
    timing = {"fit_seconds": {}}

    plans = []
    for act in config.activations:
        base = None
        if config.protocol == "perturb":
            t0 = time.perf_counter()
            base = (bases or {}).get(act) or store.load_base(act)
            if base is None:
                # deferred: this module loads with every `semiflat` command; the trainer loads only when used
                from numerics.experiment.fitting import fit_base

                if progress:
                    progress(0, 0, f"training {act} N_H0")
                base = fit_base(config, act)
            store.save_base(base)
            timing["fit_seconds"][act] = time.perf_counter() - t0
            columns = column_widths(config, base.h0)
        else:
            columns = column_widths(config, 1 if config.h0 == "auto" else config.h0)
        if not columns:
            raise InvalidInput(f"{act}: no width H above H0 in the grid; raise --hmax or change --hgrid")
        todo = missing_ranges(store.done_ranges(act), lo, hi, max(1, options.chunk))
        plans.append((act, base, columns, todo))

    rho = None
    if config.rho_rule == "match":
        norms = {act: float(np.linalg.norm(base.theta)) for act, base, _, _ in plans}
        rho = rho_of(plans[0][1], config, norms)
    jobs = [ChunkJob(act, a, b, config.to_dict(), columns, base, rho)
            for act, base, columns, todo in plans for a, b in todo]
    total_trials = len(config.activations) * (hi - lo)
    done = total_trials - sum(j.hi - j.lo for j in jobs)
    abort_after = options.abort_after_chunks
    if abort_after is None and os.environ.get(ABORT_ENV):
        abort_after = int(os.environ[ABORT_ENV])
    t0 = time.perf_counter()
    written = 0
    if progress:
        progress(done, total_trials, "trials")
    if jobs:
        with make_executor(options.workers, options.scheduler, fresh=config.protocol == "retrain") as executor:
            for job, arrays in executor.run(compute_chunk, jobs):
                store.save_chunk(job.activation, job.lo, job.hi, arrays)
                written += 1
                done += job.hi - job.lo
                if progress:
                    progress(done, total_trials, "trials")
                if abort_after is not None and written >= abort_after:
                    raise RunAborted(f"aborted after {written} chunk(s) ({ABORT_ENV})")
    timing["phase2_seconds"] = time.perf_counter() - t0
    timing["chunks_computed"] = written
    timing["executor"] = "dask" if options.scheduler else ("serial" if options.workers == 1 else "processes")
    timing["workers"] = options.workers

    runs = tuple(
        ActivationRun(act, base, columns, lo, hi, store.load_trials(act, lo, hi))
        for act, base, columns, _ in plans
    )
    timing["total_seconds"] = time.perf_counter() - t_start
    return RunOutcome(config, runs, options.shard, timing)

