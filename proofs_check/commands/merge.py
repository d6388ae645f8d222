"""`semiflat merge`: combine the shards of a Figure-2 run into the unsharded results."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from numerics.io.atomic import staged_folder
from numerics.experiment.config import ExperimentConfig
from numerics.experiment.store import OutputLock
from numerics.experiment.trials import PER_WIDTH
from proofs_check.commands.experiment import make_folder, remove_if_empty
from proofs_check.commands.options import check_output_folder
from theory.errors import FileFormatError, InvalidInput, SemiflatError

NAME = "merge"
HELP = "merge the results of 'semiflat experiment fig2 --shard a:b' runs into one result"
EXAMPLE = "semiflat merge shard0/ shard1/ --out fig2/"


def configure(parser):
    """Add the options of ``semiflat merge`` to ``parser``."""
    parser.add_argument("shards", nargs="+", help="folders (or results.json files) of the shard runs")
    parser.add_argument("--out", required=True, help="output folder of the merged run")
    parser.add_argument("--no-figures", action="store_true", help="skip fig2a.png and fig2b.png")


def _load(path: str) -> dict:
    p = Path(path)
    if len(os.fsencode(path)) > 4000 or any(len(os.fsencode(part)) > 255 for part in p.parts):
        raise InvalidInput(f"{path[:60]}...: the path or a name in it is too long")
    if p.is_dir():
        p = p / "results.json"
    if not p.exists():
        raise InvalidInput(f"{p} does not exist; pass the folders written by 'semiflat experiment fig2 --shard a:b'")
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from numerics.io.data_file import parse_json_text, read_text

    doc = parse_json_text(read_text(p), str(p), exact=False)
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from numerics.experiment.results import FORMAT

    if not isinstance(doc, dict):
        raise FileFormatError(f"{p}: found {type(doc).__name__}, expected the results object of a shard run")
    if doc.get("format") != FORMAT:
        raise FileFormatError(f"{p}: format {doc.get('format')!r}, expected {FORMAT!r}")
    doc["_path"] = str(p)
    return doc


def merge_documents(docs: list[dict]) -> dict:
    """The unsharded results document rebuilt from shard documents (checked for consistency)."""
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from numerics.experiment.results import arrays_from_rows, build_results

    first = docs[0]
    for d in docs[1:]:
        if d["options"] != first["options"]:
            raise InvalidInput(f"{d['_path']} was run with other options than {first['_path']}; merge only shards of one run")
        for act, a in d["activations"].items():
            if a["network"] != first["activations"][act]["network"]:
                raise InvalidInput(f"{d['_path']}: the trained {act} network differs from {first['_path']}")
    shards = [d["shard"] for d in docs]
    if any(s is None for s in shards):
        raise InvalidInput("merge takes shard results only (written with --shard a:b)")
    count = shards[0]["count"]
    indices = sorted(s["index"] for s in shards)
    if any(s["count"] != count for s in shards) or indices != list(range(count)):
        raise InvalidInput(f"shards {indices} of {count}: need each of 0..{count - 1} exactly once")
    config = ExperimentConfig.from_dict(first["options"])
    rows = [r for d in sorted(docs, key=lambda d: d["shard"]["index"]) for r in d["rows"]]
    per = {}
    for act in config.activations:
        columns, lo, arrays = arrays_from_rows(rows, act)
        a = first["activations"][act]
        per[act] = {"columns": tuple(a["widths"]), "lo": lo, "arrays": _refit(columns, a["widths"], arrays),
                    "network": a["network"], "rho": a["rho"], "quadrature": a["quadrature"]}
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from proofs_check.reports.fig2 import add_analyses

    return add_analyses(build_results(config, per, None))


def _refit(columns, widths, arrays):
    if tuple(columns) == tuple(widths):
        return arrays
    out = dict(arrays)
    for k in PER_WIDTH:
        full = np.full((arrays[k].shape[0], len(widths)), np.nan)
        for j, h in enumerate(columns):
            full[:, widths.index(h)] = arrays[k][:, j]
        out[k] = full
    return out


def _checked_merge(docs: list[dict]) -> dict:
    """:func:`merge_documents`, with a structurally damaged shard reported as a file error."""
    try:
        return merge_documents(docs)
    except SemiflatError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, ZeroDivisionError, OverflowError) as exc:
        names = ", ".join(d["_path"] for d in docs)
        detail = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)[:120]
        raise FileFormatError(f"{names}: not the unmodified results of shard runs ({type(exc).__name__}: "
                              f"{detail}); rerun the shards") from None


def run(args) -> int:
    """Merge the shard folders into the unsharded results under ``--out`` (written in a staging folder, then
    moved into place); exit code 0, or 2 when the shards do not belong to one run.
    """
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from proofs_check.reports.fig2 import write_outputs

    check_output_folder(args.out)
    docs = [_load(p) for p in args.shards]
    doc = _checked_merge(docs)
    made = make_folder(args.out)
    finished = False
    try:
        with OutputLock(args.out):
            with staged_folder(args.out, os.path.join(args.out, f".merge-{os.getpid()}")) as staging:
                paths = [Path(args.out) / p.name for p in
                         write_outputs(doc, staging, {"merged_from": [d["_path"] for d in docs]},
                                       figures=not args.no_figures)]
        finished = True
    finally:
        if not finished:
            remove_if_empty(made)
    print(f"merged {len(docs)} shards; wrote {', '.join(str(p) for p in paths)}")
    return 0
