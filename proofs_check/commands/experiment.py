"""`semiflat experiment fig2`: the paper's generalization experiment (docs/experiment.md)."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from numerics import limits
from numerics.io.atomic import staged_folder
from numerics.experiment.config import (
    ExperimentConfig,
    PROTOCOLS,
    QUICK,
    RHO_RULES,
    RunOptions,
    SURPLUS_RULES,
)
from numerics.experiment.runner import run_experiment
from numerics.experiment.store import OutputLock, PartialStore
from proofs_check.commands import options as opt
from proofs_check.commands.options import check_output_folder
from proofs_check.commands.progress import ProgressBar
from theory.errors import InvalidInput

NAME = "experiment"
HELP = "the paper's Figure-2 experiment: embed, perturb, generalization error ratios vs H"
EXAMPLE = "semiflat experiment fig2 --out fig2/ --workers 2   (add --quick for a 100-trial run)"


def _ints(text: str) -> tuple[int, ...]:
    # deferred: import cycle (proofs_check.commands.cli imports every command module)
    from proofs_check.commands.cli import UsageError

    parts = [t for t in text.split(",") if t.strip()]
    if len(parts) > limits.MAX_HMAX:
        raise UsageError(f"--hgrid has {len(parts)} entries; at most {limits.MAX_HMAX}")
    try:
        return tuple(opt.integer(1, limits.MAX_HMAX)(t) for t in parts)
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"--hgrid {text[:60]!r}: {exc}; expected comma-separated widths, e.g. 5,6,8,10") from None


def _shard(text: str) -> tuple[int, int]:
    # deferred: import cycle (proofs_check.commands.cli imports every command module)
    from proofs_check.commands.cli import UsageError

    parts = text.split(":")
    try:
        if len(parts) != 2:
            raise argparse.ArgumentTypeError("two numbers needed")
        a, b = (opt.integer(0, limits.MAX_TRIALS)(t) for t in parts)
    except argparse.ArgumentTypeError:
        raise UsageError(f"--shard {text[:60]!r}: expected a:b (shard a of b, 0-based), e.g. 0:4") from None
    if not (b >= 1 and 0 <= a < b):
        raise UsageError(f"--shard {text}: expected a:b with 0 <= a < b (shard a of b, 0-based)")
    return a, b


def configure(parser):
    """Add the options of ``semiflat experiment fig2`` to ``parser``."""
    d = ExperimentConfig()
    parser.add_argument("which", choices=["fig2"], help="the experiment to run (fig2: the paper's Figure 2)")
    parser.add_argument("--trials", type=opt.integer(1, limits.MAX_TRIALS), default=None, help=f"number of trials (default {d.trials}; --quick 100)")
    parser.add_argument("--hmax", type=opt.integer(2, limits.MAX_HMAX), default=None, help=f"largest width H (default {d.hmax}; --quick 15)")
    parser.add_argument("--hgrid", type=str, default=None, help="widths H to evaluate, e.g. 6,8,10,15 (default: every H0+1..hmax; sets --hmax to its largest entry unless given)")
    parser.add_argument("--activations", type=str, default=",".join(d.activations), help="comma-separated (default tanh,relu; also sigmoid, softplus, gelu)")
    parser.add_argument("--protocol", choices=PROTOCOLS, default=d.protocol, help="perturb (default): one trained network, trials are perturbations; retrain: new data set and training per trial")
    parser.add_argument("--h0", type=str, default=str(d.h0), help="narrow width (default 5; infeasible data sets are redrawn and counted) or 'auto' (minimal width)")
    parser.add_argument("--surplus", choices=SURPLUS_RULES, default=d.surplus, help="ReLU surplus incoming weights, all drawn from N(0, surplus_scale^2): data (default; conditioned on inactive on the training inputs, Thm 9), domain (dead on [x_low, x_high] with the margin: ReLU ratio equals 1 by construction), gaussian (unconditioned, not dead)")
    parser.add_argument("--surplus-smooth", choices=SURPLUS_RULES, default=d.surplus_smooth, help="the same rules for tanh and the other smooth activations (default gaussian)")
    parser.add_argument("--margin", type=opt.real(0, what="a margin >= 0"), default=None, help="margin m of the dead rules, w x + b <= -m (default 0 for data, 1 for domain)")
    parser.add_argument("--surplus-scale", type=opt.real(0, open_low=True, what="a positive scale"), default=d.surplus_scale, help=f"sd of the surplus weights before conditioning (default {d.surplus_scale})")
    parser.add_argument("--rho-rule", choices=RHO_RULES, default=d.rho_rule, help="norm (default): rho = rho_scale*||theta_H0|| per network; match: one rho for all networks (rho_scale * mean of their norms); absolute: rho = rho_scale; relative: rho_scale*|theta_k| per coordinate")
    parser.add_argument("--rho-match", action="store_true", help="the same absolute rho for both networks (= --rho-rule match)")
    parser.add_argument("--rho-scale", type=opt.real(0, open_low=True, what="a positive scale"), default=d.rho_scale, help=f"default {d.rho_scale}")
    q = parser.add_mutually_exclusive_group()
    q.add_argument("--quadrature", action="store_true", help="deterministic quadrature for G (default; exact for ReLU)")
    q.add_argument("--monte-carlo", type=opt.integer(1, limits.MAX_MONTE_CARLO), default=0, metavar="N", help="estimate G on a fixed uniform test sample of N points instead")
    parser.add_argument("--sensitivity-trials", type=opt.integer(0, limits.MAX_TRIALS), default=d.sensitivity_trials, help=f"trials per variant of the sensitivity study, fig2c.png (default {d.sensitivity_trials}; 0: none; perturb protocol only)")
    parser.add_argument("--seed", type=opt.seed, default=d.seed, help="root seed of surplus and perturbation draws (default 0)")
    parser.add_argument("--data-seed", type=opt.seed, default=d.data_seed, help="first data seed (default 0)")
    parser.add_argument("--workers", type=opt.workers, default=1, help="worker processes (results do not depend on it)")
    parser.add_argument("--chunk", type=opt.integer(1, limits.MAX_CHUNK), default=50, help="trials per resumable chunk (results do not depend on it)")
    parser.add_argument("--shard", type=str, default=None, help="a:b: run only shard a of b (0-based); combine with 'semiflat merge'")
    parser.add_argument("--scheduler", type=str, default=None, metavar="ADDRESS", help="run chunks on a Dask cluster (extra 'distributed')")
    parser.add_argument("--out", type=str, default="fig2", help="output folder (default ./fig2)")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted run in --out (same options)")
    parser.add_argument("--force", action="store_true", help="discard an interrupted run's progress in --out and start over")
    parser.add_argument("--quick", action="store_true", help="100 trials, H up to 15 (explicit --trials/--hmax win)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the paper's claim is not reproduced")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    parser.add_argument("--no-figures", action="store_true", help="skip fig2a.png and fig2b.png (e.g. on cluster nodes)")


def config_from_args(args):
    """The :class:`~numerics.experiment.config.ExperimentConfig` the parsed options describe (``--quick``
    defaults filled in); raises ``UsageError`` for an ``--h0`` that is neither a positive integer nor ``auto``.
    """
    h0 = args.h0.strip()
    if h0 != "auto":
        # deferred: import cycle (proofs_check.commands.cli imports every command module)
        from proofs_check.commands.cli import UsageError

        try:
            h0 = opt.integer(1, limits.MAX_HMAX)(h0)
        except argparse.ArgumentTypeError:
            raise UsageError(f"--h0 {args.h0[:60]!r}: expected a positive integer or 'auto'") from None
    d = ExperimentConfig()
    trials = args.trials if args.trials is not None else (QUICK["trials"] if args.quick else d.trials)
    grid = _ints(args.hgrid) if args.hgrid else None
    hmax = args.hmax if args.hmax is not None else (
        max(grid) if grid else (QUICK["hmax"] if args.quick else d.hmax))
    return ExperimentConfig(
        trials=trials, hmax=hmax, hgrid=grid,
        activations=tuple(a.strip() for a in args.activations.split(",") if a.strip()),
        protocol=args.protocol, h0=h0, surplus=args.surplus, surplus_smooth=args.surplus_smooth,
        margin=args.margin, surplus_scale=args.surplus_scale,
        rho_rule="match" if args.rho_match else args.rho_rule, rho_scale=args.rho_scale, monte_carlo=args.monte_carlo,
        seed=args.seed, data_seed=args.data_seed, sensitivity_trials=args.sensitivity_trials,
    )


def make_folder(path) -> list:
    """Create ``path`` and its missing parents; return the folders created (innermost last)."""
    made, p = [], Path(path)
    while not p.exists() and p != p.parent:
        made.append(p)
        p = p.parent
    created = []
    try:
        for folder in reversed(made):
            folder.mkdir()
            created.append(folder)
    except OSError as exc:
        remove_if_empty(created)
        raise InvalidInput(f"--out {path}: cannot create folder {folder} ({exc.strerror or exc}); "
                           "pick another path") from None
    return created


def remove_if_empty(folders) -> None:
    """Remove the folders a failed run created, innermost first, when nothing was left in them."""
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:
            return


def run(args) -> int:
    """Run (or resume, or run one shard of) the Figure-2 experiment under a lock on ``--out`` and write its
    results and figures; exit code 0, or 1 with ``--strict`` when the verdict is NOT reproduced (docs/experiment.md).
    """
    config = config_from_args(args)
    shard = _shard(args.shard) if args.shard is not None else None
    if shard is not None and config.trials < shard[1]:
        # deferred: import cycle (proofs_check.commands.cli imports every command module)
        from proofs_check.commands.cli import UsageError

        raise UsageError(f"--shard {args.shard}: {shard[1]} shards of {config.trials} trial(s) leave some shard "
                         f"empty; use at most {config.trials} shards")
    if args.scheduler is not None:
        _check_scheduler(args.scheduler)
    _check_memory(config)
    if args.resume and args.force:
        # deferred: import cycle (proofs_check.commands.cli imports every command module)
        from proofs_check.commands.cli import UsageError

        raise UsageError("--resume continues the interrupted run and --force discards it; give only one")
    check_output_folder(args.out)
    options = RunOptions(workers=args.workers, chunk=args.chunk, scheduler=args.scheduler,
                         shard=shard, out=args.out, resume=args.resume, force=args.force)
    made = make_folder(args.out)
    lock = OutputLock(args.out)
    finished = False
    try:
        lock.acquire()
        code = _locked_run(args, config, options)
        finished = True
        return code
    finally:
        lock.release()
        if not finished:
            remove_if_empty(made)


def _check_memory(config) -> None:
    """Refuse runs whose results or per-trial arrays would not fit (estimates, before any work)."""
    widths = len(config.hgrid) if config.hgrid else config.hmax
    rows = config.trials * widths * len(config.activations)
    limits.check_memory(f"{rows} result rows (--trials x widths x activations)", rows, 400,
                        "use fewer --trials, a smaller --hmax or a sparser --hgrid")
    nodes = config.monte_carlo or 5 * config.panels
    limits.check_memory(f"one trial's outputs on {nodes} points", 4 * config.hmax * nodes, 8,
                        "use a smaller --monte-carlo or --hmax")


def _check_scheduler(address: str) -> None:
    """A Dask scheduler address: [scheme://]host:port (checked before any training starts)."""
    # deferred: import cycle (proofs_check.commands.cli imports every command module)
    from proofs_check.commands.cli import UsageError

    if len(address) > 300 or not re.fullmatch(r"([a-z][a-z0-9+.-]*://)?[A-Za-z0-9._\[\]:-]*[A-Za-z0-9.\]]:[0-9]{1,5}/?",
                                              address, re.ASCII):
        raise UsageError(f"--scheduler {address[:60]!r}: expected a Dask scheduler address such as "
                         "tcp://127.0.0.1:8786")


def _locked_run(args, config, options) -> int:
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from proofs_check.reports.fig2 import document, verdict, write_outputs

    bar = ProgressBar(enabled=None if not args.no_progress else False)
    try:
        outcome = run_experiment(config, options, progress=bar)
    finally:
        bar.close()
    doc = document(outcome)
    partial = os.path.join(args.out, ".partial")
    with staged_folder(args.out, os.path.join(partial, "publish")) as staging:
        paths = [os.path.join(args.out, p.name)
                 for p in write_outputs(doc, staging, outcome.timing, figures=not args.no_figures)]
    PartialStore(partial).discard()  # finished: nothing left to resume
    print(f"wrote {', '.join(str(p) for p in paths)}")
    if outcome.shard is not None:
        print(f"shard {outcome.shard[0]}:{outcome.shard[1]} done; combine all shards with 'semiflat merge DIR... --out DIR'")
        return 0
    v = verdict(doc)
    for c in doc["claims"].values():
        mark = ("pass" if c["passed"] else "FAIL") if c.get("kind", "tested") == "tested" else "by construction"
        print(f"  [{mark}] {c['statement']}")
    print(f"paper's claim {v} (details: {args.out}/report.md)")
    return 1 if (args.strict and v.startswith("NOT")) else 0
