"""`semiflat bench` section "experiment": Figure 2 phase 2 and end-to-end run time.

- Phase 2 (embed, perturb, G for every H): our vectorised nested evaluation (one cumulative
  sum over units gives every N_H) vs a per-trial, per-width loop that builds each N_H with
  theory.embeddings.add_inactive_unit and evaluates it with theory.network.forward on the same
  quadrature nodes (the straightforward code), both measured in this run.
- Retrain phase 1: N_H0 per trial through the batched trainer vs one train() call per data set.
- End to end: `semiflat experiment fig2` (training, phase 2, files, figures) in a subprocess,
  against the targets (default size < 120 s, --quick < 20 s, --protocol retrain at full size
  (1000 trials per activation, H up to 30) < 90 s on 2 cores).
"""

from __future__ import annotations

import sys
import tempfile

import numpy as np

from numerics.experiment import fitting
from numerics.experiment import generalization as gen
from numerics.experiment.config import ExperimentConfig
from numerics.experiment.evaluate import evaluate_trials
from numerics.experiment.examples import paper_like_data, random_base, relu_interpolant
from numerics.experiment.perturbation import draw_batch
from proofs_check.bench.table import BenchRow, RowTable, measured, peak_memory, run_child
from theory.architecture import Architecture
from theory.embeddings import add_inactive_unit
from theory.network import forward
from theory.params import Params

TITLE = "experiment"


def _loop_baseline(base, config, trials):
    """G for every trial and width, one network at a time (the straightforward code)."""
    hmax = config.hmax
    batch = draw_batch(base, config, trials, hmax)
    nodes, weights = gen.gauss_legendre_nodes(config.x_low, config.x_high, config.panels)
    target = base.teacher_output(nodes)
    out = []
    for i in range(len(trials)):
        arch = Architecture((1, base.h0, 1), base.activation)
        params = Params.build(arch, [base.w.reshape(-1, 1), base.v.reshape(1, -1)], [base.b, [base.c]], dtype=float)
        for h in range(base.h0, hmax + 1):
            if h > base.h0:
                arch, params = add_inactive_unit(arch, params, 0, [batch.w0[i, h - 1], batch.b0[i, h - 1]])
            pert = Params.build(arch, [batch.w[i, :h].reshape(-1, 1), batch.v[i, :h].reshape(1, -1)],
                                [batch.b[i, :h], [batch.c[i]]], dtype=float)
            f = forward(arch, pert, nodes.reshape(-1, 1))[:, 0]
            out.append(float(np.sum((f - target) ** 2 * weights)))
    return out


TODAY: dict[str, float] = {}
"""Per-trial figures README publishes for these rows (seconds): targets that must not get worse (none yet)."""

GOALS = {"--quick --workers 2": 20.0, "--workers 2": 120.0, "--protocol retrain --workers 2 --no-figures": 90.0}
"""Wall-time targets of the end-to-end runs on a 2-core machine (seconds)."""


def _target(key: str, quick: bool) -> dict:
    return {} if quick or key not in TODAY else {"target": TODAY[key], "target_kind": "today"}


def _phase2_rows(quick):
    rows = []
    cfg = ExperimentConfig(trials=1000, hmax=30)
    x, y = paper_like_data("relu", 6, 3)
    bases = {"tanh": random_base("tanh", 5, seed=1), "relu": relu_interpolant(x, y)}
    T = 200 if quick else 1000
    nb = 5 if quick else 20
    for act, base in bases.items():
        with peak_memory() as mem:
            ours = measured(lambda: evaluate_trials(base, cfg, range(T)))[0] / T
            loop = measured(lambda: _loop_baseline(base, cfg, range(nb)))[0] / nb
        rows.append(BenchRow(f"{act}: G for H = {base.h0}..30 per trial ({T} trials)", ours, "s per trial",
                             f"per-trial, per-H loop (theory.network.forward, {nb} trials)", loop,
                             peak_mib=mem["mib"], **_target(f"phase2 {act}", quick)))
    return rows


def _end_to_end(args, target):
    with tempfile.TemporaryDirectory() as d:
        dt, code, err, peak = run_child([sys.executable, "-m", "proofs_check", "experiment", "fig2", "--out", d,
                                         "--no-progress", *args])
    key = " ".join(args)
    detail = "finished" if code == 0 else f"FAILED (exit {code}): {err.strip()[-80:]}"
    return BenchRow(f"semiflat experiment fig2 {key}", dt, "s", "the target wall time (no slower twin runs)", target,
                    target=target, target_kind="goal", detail=detail, peak_mib=peak)


def _retrain_fits(quick: bool) -> RowTable:
    """Phase 1 under --protocol retrain: N_H0 for many trials through the batched trainer vs one by one."""
    cfg = ExperimentConfig(protocol="retrain")
    T = 10 if quick else 40
    rows = []
    for act in ("tanh", "relu"):
        firsts = [1000 * t for t in range(T)]
        with peak_memory() as mem:
            ours, batched = measured(lambda: fitting.fit_bases(cfg, act, firsts, max_redraws=1000))
            loop, single = measured(lambda: [fitting.fit_bases(cfg, act, [f], max_redraws=1000)[0] for f in firsts])
        same = all(np.array_equal(a.theta, b.theta) for a, b in zip(batched, single))
        rows.append(BenchRow(f"{act}: N_H0 for {T} retrain trials", ours / T, "s per trial",
                             "one train() call per data set", loop / T,
                             detail=(f"{sum(len(b.skipped) for b in batched)} data seeds redrawn; "
                                     + ("results identical" if same else "RESULTS DIFFER")),
                             peak_mib=mem["mib"], **_target(f"retrain {act}", quick)))
    return RowTable(
        "experiment: retrain protocol, phase 1 (data set + zero-error N_H0 per trial)", tuple(rows),
        ("ours: numerics.experiment.fitting.fit_bases, one numerics.training.train_many call per redraw round;",
         "ReLU fits are exact per data set inside the trainer (no batch gain expected); results must be identical"),
    )


def bench(quick: bool) -> list[RowTable]:
    """Benchmark tables for the Figure-2 experiment: phase 2 vs a per-trial baseline, the retrain fits,
    and end-to-end ``semiflat experiment fig2`` runs against their target wall times (fewer and
    smaller when ``quick``).
    """
    tables = [RowTable(
        "experiment: Figure 2 phase 2 (embed, perturb, generalization error for every H)",
        tuple(_phase2_rows(quick)),
        ("ours: one vectorised pass over trials and a cumulative sum over units (every N_H at once);",
         "tanh: 200 Gauss-Legendre panels x 5 nodes; relu: exact piecewise Simpson between all kinks;",
         "baseline times on a subset of the trials, per trial"),
    )]
    tables.append(_retrain_fits(quick))
    runs = [["--quick", "--workers", "2"]]
    if not quick:
        runs.append(["--workers", "2"])
        runs.append(["--protocol", "retrain", "--workers", "2", "--no-figures"])
    tables.append(RowTable(
        "experiment: end to end (training, phase 2, results, figures, report)",
        tuple(_end_to_end(a, GOALS[" ".join(a)]) for a in runs),
        ("wall time of the command in a subprocess; baseline = the target on a 2-core machine (ratio < 1 meets it);",
         "peak MiB: the largest process of the run (the command or one of its workers), from wait4"),
    ))
    return tables
