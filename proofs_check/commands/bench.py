"""`semiflat bench`: performance tables, each figure a ratio against a baseline run alongside.

Text (default) or, with ``--json``, one JSON object on stdout (``docs/formats.md`` "Benchmark
output"); both are made from the same :class:`proofs_check.bench.table.BenchRow` objects.
"""

from __future__ import annotations

import importlib
import json
import time
from datetime import datetime, timezone

from proofs_check.bench.table import MEMORY_LIMIT_MIB, RowTable, machine, memory_method

NAME = "bench"
HELP = "performance tables: ours vs a named baseline measured in the same run"
EXAMPLE = "semiflat bench --quick --only training"

# Each section module defines ``TITLE`` and ``bench(quick: bool) -> list[RowTable]`` (a plain
# BenchTable of formatted cells is printed too, and listed under "unstructured" in the JSON).
SECTIONS = {
    "evaluation": "proofs_check.bench.evaluation",
    "training": "proofs_check.bench.training",
    "experiment": "proofs_check.bench.experiment",
    "certify": "proofs_check.bench.certify",
    "classify": "proofs_check.bench.classify",
}

FORMAT = "semiflat.bench/1"


def configure(parser):
    """Add the options of ``semiflat bench`` (``--quick``, ``--only SECTION``, ``--json``) to ``parser``."""
    parser.add_argument("--quick", action="store_true", help="small sizes (a minute or less in all)")
    parser.add_argument(
        "--only", choices=sorted(SECTIONS), action="append",
        help="run only this section (repeatable); default: all sections",
    )
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object (every row, the machine, the command) instead of tables")


def run(args) -> int:
    """Print the tables of each selected section (each section module's ``bench(quick)``), or with
    ``--json`` one JSON object of all their rows; exit code 0."""
    names = list(dict.fromkeys(args.only or SECTIONS))
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    tables, missing = [], []
    for name in names:
        try:
            module = importlib.import_module(SECTIONS[name])
        except ModuleNotFoundError:
            missing.append(name)
            if not args.json:
                print(f"[{name}] section not available in this build\n", flush=True)
            continue
        for table in module.bench(args.quick):
            tables.append((name, table))
            if not args.json:
                print(table.render(), end="\n\n", flush=True)
    if args.json:
        document = {
            "format": FORMAT,
            "command": command(args),
            "started": started,
            "wall_seconds": time.perf_counter() - t0,
            "quick": bool(args.quick),
            "sections": [n for n in names if n not in missing],
            "missing_sections": missing,
            "machine": machine(),
            "memory": {"unit": "MiB", "method": memory_method(), "limit_mib": MEMORY_LIMIT_MIB},
            "tables": [{"section": s, "title": t.title, "notes": list(t.notes)} for s, t in tables],
            "rows": [dict(section=s, table=t.title, **r.record()) for s, t in tables if isinstance(t, RowTable)
                     for r in t.rows],
            "unstructured": [{"section": s, "title": t.title, "columns": list(t.columns),
                              "rows": [list(map(str, r)) for r in t.rows]}
                             for s, t in tables if not isinstance(t, RowTable)],
        }
        print(json.dumps(document, indent=1, allow_nan=False))
    return 0


def command(args) -> str:
    """The command line that produced this output (options in a canonical order)."""
    words = ["semiflat", NAME] + (["--quick"] if args.quick else [])
    for name in args.only or ():
        words += ["--only", name]
    return " ".join(words + (["--json"] if args.json else []))
