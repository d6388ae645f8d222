"""`semiflat derive`: general symbolic proofs of the embedding claims, as a Markdown report, a
LaTeX document (``--format tex``) or JSON (``--json``); how each claim covers every size is in
docs/symbolic.md.

Exit codes: 0 every claim proved (or not applicable to the activation), 1 a claim failed,
2 bad input (one line on stderr; ``--out`` is written atomically, never partially).
"""

from __future__ import annotations

import sys
import time

from numerics.io.atomic import write_atomic
from proofs_check.commands.options import check_output_file
from theory.errors import InvalidInput

NAME = "derive"
HELP = (
    "symbolic derivation report: for each embedding claim the statement, the parameter map, key "
    "expressions and the verdict 'proved (difference simplifies to 0)', for a generic activation, "
    "loss and rest of the network"
)
EXAMPLE = "semiflat derive --embedding all --out derivations.md"

EMBEDDINGS = ("replication", "inactive-unit", "inactive-propagation", "zero-error", "relu", "all")


def configure(parser):
    """Add the options of ``semiflat derive`` to ``parser`` (docs/symbolic.md)."""
    parser.add_argument("--embedding", default="all", metavar="{" + ",".join(EMBEDDINGS) + "}",
                        help="which claims to prove (default: all)")
    parser.add_argument("--activation", default="generic", metavar="NAME|generic",
                        help="generic (an undefined smooth phi, the default), relu (proved piece by piece) "
                             "or any smooth library activation (tanh, sigmoid, softplus, gelu, identity, ...)")
    parser.add_argument("--format", default="md", choices=("md", "tex"), dest="report_format",
                        help="report format: md (Markdown with LaTeX, the default) or tex (a LaTeX document)")
    parser.add_argument("--out", default=None, metavar="FILE", help="write the report here (atomically)")
    parser.add_argument("--json", action="store_true",
                        help='print a JSON list of {"id", "statement", "status", "seconds", "cpu_seconds", '
                             '"generality", "sizes", "argument", "method", "hypotheses"}')


def run(args) -> int:
    """Run ``semiflat derive``: prove the chosen embedding's claims symbolically and print or write the
    report (docs/symbolic.md); return 1 if a claim failed, else 0.
    """
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from proofs_check.reports.derivation import render_json, render_markdown, render_tex
    from theory.symbolic import claims_of, prove
    from theory.symbolic.layer import check_activation

    if args.embedding not in EMBEDDINGS:
        raise InvalidInput(f"--embedding {args.embedding!r} is not known; use one of {', '.join(EMBEDDINGS)}")
    check_activation(args.activation)
    if args.out:
        check_output_file(args.out)  # before the proofs, not after them
    ids = claims_of(args.embedding)
    start = time.perf_counter()
    results = [prove(i, args.activation) for i in ids]
    total = time.perf_counter() - start
    render = render_tex if getattr(args, "report_format", "md") == "tex" else render_markdown
    markdown = render(results, args.embedding, args.activation, total)
    if args.out:
        write_atomic(args.out, markdown)
    if args.json:
        print(render_json(results))
    elif not args.out:
        sys.stdout.write(markdown)
    else:
        done = sum(r.status == "proved" for r in results)
        print(f"{done}/{len(results)} claims proved in {total:.1f} s; report written to {args.out}")
    return 1 if any(r.status == "failed" for r in results) else 0
