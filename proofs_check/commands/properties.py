"""`semiflat properties`: the invariants I1-I19 as a property-based run (docs/properties.md).

Each invariant of :data:`proofs_check.invariants.INVARIANTS` runs with hypothesis at the chosen
scale; the table lists invariant, statement, examples, result and time. A failure's shrunk
counterexample is written under ``--out`` as a network file (semiflat.network/1, with the data
stored in it), a data file (CSV) and, where the check built one, the embedded network, so that
``semiflat info``, ``classify`` and ``derive`` can look at it; the example is also saved in
hypothesis's example database under ``--out`` so that a rerun tries it first.

Exit codes: 0 every invariant passed (with ``--mutant``: the mutant was caught); 1 an invariant
failed or found no valid example (with ``--mutant``: the mutant was not caught); 2 bad input.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np

from numerics.io.atomic import write_atomic
from proofs_check.commands.progress import ProgressBar
from theory.activations import ACTIVATION_NAMES, PAPER_ACTIVATION_NAMES, get_activation
from theory.errors import InvalidInput

NAME = "properties"
HELP = ("run the invariants I1-I19 with hypothesis at a chosen scale; a table of results, and shrunk "
        "counterexamples written as network and data files; --mutant runs them against a broken embedding")
EXAMPLE = "semiflat properties --activation softplus --depth 4 --examples 200 --out props/"

DEPTHS = (2, 5)
"""Allowed depths (weight layers K = len(widths) - 1): 2 is the paper's three-layer network."""
MAX_WIDTH = 4
MAX_EXAMPLES = 100_000
DEFAULT_OUT = "semiflat-properties"


def configure(parser):
    """Add the options of ``semiflat properties`` to ``parser``."""
    parser.add_argument("--activation", nargs="+", default=None, metavar="NAME",
                        help="activations to draw from: registry names (tanh relu leaky_relu:0.1 expr:x*tanh(x) ...) "
                             "or 'all' for every built-in; default: tanh relu sigmoid softplus gelu identity")
    parser.add_argument("--depth", default="2..4", metavar="K|K1..K2",
                        help="number of weight layers, one value or a range within 2..5 (default 2..4)")
    parser.add_argument("--max-width", type=int, default=3, metavar="W", help="largest width, 1..4 (default 3)")
    parser.add_argument("--examples", type=int, default=None, metavar="N",
                        help="examples per invariant, shared among its cases (default: the profile's)")
    parser.add_argument("--seed", type=int, default=None, metavar="S",
                        help="hypothesis seed (default: drawn and printed; the same seed gives the same examples)")
    parser.add_argument("--only", default=None, metavar="IDS", help="comma-separated invariant ids, e.g. I1,I5,I7")
    parser.add_argument("--profile", choices=("dev", "ci", "thorough"), default="dev",
                        help="hypothesis profile (examples: dev 15, ci 30, thorough 300)")
    parser.add_argument("--mutant", default=None, metavar="NAME",
                        help="run against a deliberately broken embedding (see --list-mutants)")
    parser.add_argument("--list-mutants", action="store_true", help="print the mutants and exit")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help=f"where counterexamples, the example database and run.json go (default {DEFAULT_OUT}/, "
                             "written only when something fails unless given)")
    parser.add_argument("--shrink-seconds", type=float, default=10.0, metavar="S",
                        help="CPU-time budget for shrinking each failing case, seconds (default 10)")
    parser.add_argument("--workers", type=int, default=1, metavar="W",
                        help="processes running invariants side by side (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")


def parse_depth(text: str) -> tuple[int, int]:
    """'3' -> (3, 3); '2..4' -> (2, 4); both ends within :data:`DEPTHS`."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:\.\.\s*(\d+)\s*)?", str(text))
    low, high = (int(match.group(1)), int(match.group(2) or match.group(1))) if match else (None, None)
    if low is None or not DEPTHS[0] <= low <= high <= DEPTHS[1]:
        raise InvalidInput(f"--depth {text!r} is not a depth or range within {DEPTHS[0]}..{DEPTHS[1]}; "
                           "pass e.g. --depth 3 or --depth 2..4")
    return low, high


def build_scale(args):
    """The :class:`proofs_check.invariants.Scale` of the command line (validated)."""
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from proofs_check.invariants import Scale

    names = tuple(args.activation) if args.activation else PAPER_ACTIVATION_NAMES
    if "all" in names:
        names = ACTIVATION_NAMES + tuple(n for n in names if n != "all" and n not in ACTIVATION_NAMES)
    for name in names:
        get_activation(name)  # raises with the list of known names
    low, high = parse_depth(args.depth)
    if not 1 <= args.max_width <= MAX_WIDTH:
        raise InvalidInput(f"--max-width {args.max_width} is out of range; pass 1..{MAX_WIDTH}")
    return Scale(activations=names, min_depth=low, max_depth=high, max_width=args.max_width)


def selected(only):
    """The invariants named by ``--only`` (all when None)."""
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from proofs_check.invariants import INVARIANTS, get_invariant

    if not only:
        return INVARIANTS
    ids = [s for s in only.split(",") if s.strip()]
    if not ids:
        raise InvalidInput(f"--only {only!r} names no invariant; pass e.g. --only I1,I5")
    picked = {get_invariant(i).id for i in ids}
    return tuple(inv for inv in INVARIANTS if inv.id in picked)


def plain(value):
    """A drawn argument as plain JSON (steps as dicts, rationals and mpf as strings)."""
    if dataclasses.is_dataclass(value):
        return {k: plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, (Fraction, mpmath.mpf)):
        return str(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


def write_counterexample(out: Path, case, subject, seed: int) -> dict:
    """Write the shrunk example of a failed case; returns the written paths by role."""
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from numerics.io.network_file import save_data, save_network

    ex = case.counterexample
    stem = f"{case.invariant}-{case.case}" + ("" if subject.name == "semiflat" else f"-{subject.name}")
    out.mkdir(parents=True, exist_ok=True)
    provenance = {"command": "semiflat properties", "invariant": case.invariant, "case": case.case,
                  "subject": subject.name, "seed": seed, "violation": case.message, "arguments": plain(ex.args)}
    files = {"network": str(out / f"{stem}-network.json")}
    save_network(files["network"], ex.arch, ex.params, ex.dps, provenance, ex.data)
    if ex.data is not None:
        files["data"] = str(out / f"{stem}-data.csv")
        save_data(files["data"], ex.data, ex.dps)
    if case.wide is not None:
        files["wide"] = str(out / f"{stem}-wide.json")
        save_network(files["wide"], *case.wide, ex.dps, dict(provenance, role="embedded by the subject"), ex.data)
    return files


def result_json(result, files_by_case) -> dict:
    """One invariant's entry of the ``--json`` output and of run.json."""
    return {
        "id": result.invariant.id, "statement": result.invariant.statement, "status": result.status,
        "examples": result.examples, "seconds": round(result.seconds, 3), "note": result.note,
        "cases": [{"case": c.case, "status": c.status, "examples": c.examples, "shrink_steps": c.shrink_steps,
                   "seconds": round(c.seconds, 3), "message": c.message,
                   "counterexample": None if c.counterexample is None else repr(c.counterexample),
                   "files": files_by_case.get((c.invariant, c.case), {})} for c in result.cases],
    }


def table(results) -> str:
    """The text table: invariant, statement, examples, result, time."""
    rows = [("invariant", "statement", "examples", "result", "time")]
    for r in results:
        statement = r.invariant.statement if len(r.invariant.statement) <= 60 else r.invariant.statement[:57] + "..."
        status = r.status.upper() if r.status == "failed" else r.status
        rows.append((r.invariant.id, statement, str(r.examples), status, f"{r.seconds:.1f}s"))
    widths = [max(len(row[k]) for row in rows) for k in range(5)]
    return "\n".join("  ".join(cell.ljust(w) if k < 4 else cell.rjust(w) for k, (cell, w) in enumerate(zip(row, widths)))
                     for row in rows)


def cpu_seconds() -> float:
    """CPU time of this process plus its finished worker processes (user + system)."""
    # deferred: POSIX only
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _run_one(invariant_id, options):
    """Worker: run one invariant; returns picklable parts (invariants hold functions)."""
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from proofs_check.invariants import SEMIFLAT, get_invariant, get_mutant, run_invariant

    scale, subject_name, examples, seed, profile, database, shrink_seconds = options
    subject = SEMIFLAT if subject_name == SEMIFLAT.name else get_mutant(subject_name)
    r = run_invariant(get_invariant(invariant_id), scale, subject, examples, seed, profile, database,
                      None, shrink_seconds)
    return invariant_id, r.cases, r.status, r.seconds, r.note


def run_parallel(invariants, options, workers: int, bar):
    """Run invariants in ``workers`` processes; results in the order of ``invariants``."""
    # deferred: `semiflat --help` imports this module; these load multiprocessing and hypothesis
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from proofs_check.invariants import InvariantResult

    by_id = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_run_one, inv.id, options) for inv in invariants]
        for done, future in enumerate(as_completed(futures), 1):
            inv_id, cases, status, seconds, note = future.result()
            by_id[inv_id] = (cases, status, seconds, note)
            bar(done, len(invariants), "invariants")
    return [InvariantResult(inv, *by_id[inv.id]) for inv in invariants]


def run(args) -> int:
    """Run the selected invariants (or one mutant against them) and print the table; exit codes as in the
    module docstring (docs/properties.md).
    """
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    import hypothesis

    from proofs_check.invariants import MUTANTS, SEMIFLAT, get_mutant, run_invariant
    from proofs_check.invariants.profiles import PROFILES
    from proofs_check.invariants.runner import draw_seed

    if args.list_mutants:
        for m in MUTANTS:
            print(f"{m.name:<28}{m.description}")
        return 0
    scale = build_scale(args)
    invariants = selected(args.only)
    subject = SEMIFLAT if args.mutant is None else get_mutant(args.mutant)
    examples = PROFILES[args.profile]["max_examples"] if args.examples is None else args.examples
    if not 1 <= examples <= MAX_EXAMPLES:
        raise InvalidInput(f"--examples {examples} is out of range; pass 1..{MAX_EXAMPLES}")
    if args.seed is not None and not 0 <= args.seed < 2 ** 32:
        raise InvalidInput(f"--seed {args.seed} is out of range; pass 0..{2 ** 32 - 1}")
    seed = draw_seed() if args.seed is None else args.seed
    out = Path(args.out if args.out is not None else DEFAULT_OUT)
    database = out if args.out is not None else None

    bar = ProgressBar(enabled=None if not args.json else False)
    start, cpu_start = time.perf_counter(), cpu_seconds()
    if not 0 < args.shrink_seconds <= 3600:
        raise InvalidInput(f"--shrink-seconds {args.shrink_seconds} is out of range; pass a number in (0, 3600]")
    if not 1 <= args.workers <= 64:
        raise InvalidInput(f"--workers {args.workers} is out of range; pass 1..64")
    options = (scale, subject.name, examples, seed, args.profile, None if database is None else str(database),
               args.shrink_seconds)
    if args.workers == 1:
        results = [run_invariant(inv, scale, subject, examples, seed, args.profile, database,
                                 lambda d, t, label: bar(d, t, label), args.shrink_seconds) for inv in invariants]
    else:
        results = run_parallel(invariants, options, args.workers, bar)
    bar.close()
    elapsed, cpu = time.perf_counter() - start, cpu_seconds() - cpu_start

    files_by_case = {}
    for r in results:
        for c in r.failures:
            if c.counterexample is not None:
                files_by_case[(c.invariant, c.case)] = write_counterexample(out, c, subject, seed)
    failed = [r for r in results if r.status == "failed"]
    untested = [r for r in results if r.status == "unsatisfied"]
    caught = bool(failed)
    record = {
        "command": "semiflat properties", "subject": subject.name, "subject_description": subject.description,
        "seed": seed, "profile": args.profile, "examples_per_invariant": examples, "workers": args.workers,
        "shrink_seconds": args.shrink_seconds,
        "hypothesis": {"version": hypothesis.__version__, "settings": {k: str(v) for k, v in PROFILES[args.profile].items()},
                       "per_case": {"max_examples": "ceil(examples_per_invariant / applicable cases)",
                                    "seed": seed, "deadline": None, "suppress_health_check": "all",
                                    "shrink_cpu_seconds": args.shrink_seconds},
                       "database": None if database is None else str(out / "examples")},
        "scale": {"activations": list(scale.activations), "depth": [scale.min_depth, scale.max_depth],
                  "max_width": scale.max_width, "dps": scale.dps},
        "seconds": round(elapsed, 2), "cpu_seconds": round(cpu, 2),
        "invariants": [result_json(r, files_by_case) for r in results],
    }
    if args.mutant is not None:
        record["caught_by"] = [r.invariant.id for r in failed]
    if args.out is not None:
        out.mkdir(parents=True, exist_ok=True)
        write_atomic(out / "run.json", json.dumps(record, indent=2) + "\n")
    if args.json:
        print(json.dumps(record, indent=2))
    else:
        print(f"semiflat properties: subject {subject.name}, seed {seed}, profile {args.profile}, "
              f"{examples} examples per invariant, activations {', '.join(scale.activations)}, "
              f"depth {scale.min_depth}..{scale.max_depth}, widths <= {scale.max_width}, dps {scale.dps}")
        print(table(results))
        for r in results:
            if r.note:
                print(f"{r.invariant.id} {r.status}: {r.note}")
        for r in failed:
            for c in r.failures:
                print(f"\n{c.invariant} {c.case} failed after {c.examples} example(s), shrunk in {c.shrink_steps} "
                      f"step(s): {c.message}\n  counterexample: {c.counterexample!r}")
                files = files_by_case.get((c.invariant, c.case), {})
                for role, path in files.items():
                    print(f"  {role}: {path}")
                if "network" in files:
                    print(f"  look at it: semiflat info {files['network']}   "
                          f"semiflat classify {files.get('wide', files['network'])}   "
                          f"semiflat derive --activation {c.counterexample.arch.activation}")
        total = sum(r.examples for r in results)
        if args.mutant is not None:
            verdict = (f"mutant {subject.name} caught by {', '.join(r.invariant.id for r in failed)}" if caught
                       else f"mutant {subject.name} NOT caught")
        else:
            verdict = f"{len(failed)} invariant(s) failed" if failed else "every invariant passed"
        print(f"\n{verdict}; {total} examples in {elapsed:.1f}s ({cpu:.1f}s CPU; seed {seed}; rerun with --seed {seed})")
        if untested:
            print(f"no valid example for: {', '.join(r.invariant.id for r in untested)}")
    if args.mutant is not None:
        return 0 if caught else 1
    return 1 if failed or untested else 0
