"""`semiflat bench`: performance tables, each figure a ratio against a baseline run alongside."""

from __future__ import annotations

import importlib

NAME = "bench"
HELP = "performance tables: ours vs a named baseline measured in the same run"
EXAMPLE = "semiflat bench --quick --only training"

# Each section module defines ``TITLE`` and ``bench(quick: bool) -> list[BenchTable]``.
SECTIONS = {
    "evaluation": "proofs_check.bench_evaluation",
    "training": "proofs_check.bench_training",
    "experiment": "proofs_check.bench_experiment",
    "certify": "proofs_check.bench_certify",
}


def configure(parser):
    """Add the options of ``semiflat bench`` (``--quick``, ``--only SECTION``) to ``parser``."""
    parser.add_argument("--quick", action="store_true", help="small sizes (a minute or less in all)")
    parser.add_argument(
        "--only", choices=sorted(SECTIONS), action="append",
        help="run only this section (repeatable); default: all sections",
    )


def run(args) -> int:
    """Print the tables of each selected section (each section module's ``bench(quick)``); exit code 0."""
    names = args.only or list(SECTIONS)
    for name in names:
        try:
            module = importlib.import_module(SECTIONS[name])
        except ModuleNotFoundError:
            print(f"[{name}] section not available in this build\n", flush=True)
            continue
        for table in module.bench(args.quick):
            print(table.render(), end="\n\n", flush=True)
    return 0
