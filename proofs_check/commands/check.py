"""`semiflat check`: one machine check per theorem of docs/theorems.md (T1 ... T10).

Each check combines the symbolic proof (when :mod:`theory.symbolic` is available) with numeric
evidence at ``--dps`` digits on concrete networks (exact critical points by the null-space
method, designed and trained strict minima, zero-error networks), found by seeded searches.
Exit code 1 if any check fails.
"""

from __future__ import annotations

import json
import time

from numerics.limits import CHECK_DPS_RANGE
from proofs_check.commands import options as opt
from proofs_check.bench.table import BenchTable
from theory.activation_properties import STATEMENTS, applicability
from theory.activations import get_activation

NAME = "check"
HELP = "run every theorem check (symbolic + numeric); a table theorem / statement / method / evidence / verdict"
EXAMPLE = "semiflat check --quick"

STATEMENT_WIDTH = 64
EVIDENCE_WIDTH = 70


def configure(parser):
    """Add the options of ``semiflat check`` to ``parser``."""
    parser.add_argument("--quick", action="store_true", help="fewer instances per check (all checks < 60 s)")
    parser.add_argument("--json", action="store_true", help="print a JSON list of check results")
    parser.add_argument("--only", default=None, metavar="IDS",
                        help="comma-separated theorem ids to run, e.g. T4a,T7 (default: all)")
    parser.add_argument("--dps", type=opt.dps(*CHECK_DPS_RANGE), default=40, help="working precision in decimal digits (default 40)")
    parser.add_argument("--seed", type=opt.seed, default=0, help="base seed of the instance searches (default 0)")
    parser.add_argument("--verbose", action="store_true", help="text mode: print every evidence item")
    parser.add_argument("--activation", default=None, metavar="NAME",
                        help="run the activation-parametrised checks (T3d, Td: depth J = 3, 4, 5 instances; T4a, "
                             "T4b, T4c, T7, T10 where their statement holds) on this activation (any name: tanh, "
                             "leaky_relu:0.1, poly:0,1,0.5, expr:x*tanh(x), ...) and print which statements hold for it")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _summary(result) -> str:
    failing = [e for e in result.evidence if e[1].endswith("FAILED")]
    pick = failing[0] if failing else (result.evidence[0] if result.evidence else ("", "no evidence"))
    return _clip(f"{len(result.evidence)} items; {pick[0]}: {pick[1]}", EVIDENCE_WIDTH)


def render(results, verbose: bool = False) -> str:
    """The text table of ``results`` (one row per theorem check; with ``verbose`` every evidence item)."""
    rows = tuple(
        (r.theorem, _clip(r.statement, STATEMENT_WIDTH), r.method, _summary(r), "pass" if r.passed else "FAIL",
         getattr(r, "certified", "") or "-", f"{r.seconds:.1f}")
        for r in results
    )
    notes = tuple(f"{r.theorem}: {r.notes}" for r in results if r.notes) + (
        "certified: concrete points whose verdict was proved with ball arithmetic / points tried "
        "(docs/certified.md); - where the theorem names no concrete point",)
    text = BenchTable("semiflat check", ("theorem", "statement", "method", "evidence", "verdict", "certified", "s"), rows,
                      notes).render()
    if verbose:
        for r in results:
            text += f"\n\n{r.theorem} ({'pass' if r.passed else 'FAIL'}): {r.statement}\n  seeds {list(r.seeds)}"
            text += "".join(f"\n  - {name}: {value}" for name, value in r.evidence)
    return text


def applicability_text(name: str) -> str:
    """Which statements hold for the activation ``name``, from its properties (docs/activations.md)."""
    act = get_activation(name)
    texts = {s.key: s.text for s in STATEMENTS}
    lines = [f"activation {act.name}: {act.properties.describe()}"]
    for key, holds, why in applicability(act.properties):
        lines.append(f"  {key:9s} {'holds' if holds else 'does not hold'}: {texts[key]}" + ("" if holds else f" ({why})"))
    return "\n".join(lines)


def run(args) -> int:
    """Run the selected theorem checks and print them as a table or JSON; exit code 0 if every check
    passed, 1 if one failed, 2 (``UsageError``) for an unknown id or a ``--dps`` below 20.
    """
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from proofs_check.checks import CHECKS, check_all
    from proofs_check.commands.cli import UsageError

    only = None
    if args.only is not None:
        only = [s.strip() for s in args.only.split(",") if s.strip()]
        if not only:
            raise UsageError(f"--only {args.only!r} names no theorem; give ids such as T4a,T7 (or drop --only)")
        unknown = [s for s in only if s not in CHECKS]
        if unknown:
            raise UsageError(f"--only {args.only}: unknown theorem id(s) {', '.join(unknown)}; "
                             f"use ids from {', '.join(CHECKS)}")
    if args.dps < 20:
        raise UsageError(f"--dps {args.dps} is too small: the checks separate zeros at half the digits; "
                         "pass --dps 20 or more (default 40)")
    activation = None
    if args.activation is not None:
        activation = get_activation(args.activation).name  # a bad name: exit 2 before any work
        # deferred: `semiflat --help` imports every command module; the checks load only for `check`
        from proofs_check.checks.registry import ACTIVATION_CHECKS, not_applicable

        refused = [(k, not_applicable(k, activation)) for k in only or () if not_applicable(k, activation)]
        if refused:
            raise UsageError(f"--only {refused[0][0]} --activation {activation}: {refused[0][1]}")
    start = time.perf_counter()
    results = check_all(quick=args.quick, only=only, dps=args.dps, seed=args.seed, activation=activation)
    if args.json:
        print(json.dumps([r.to_json() for r in results], indent=2))
    else:
        if activation is not None:
            print(applicability_text(activation) + "\n")
            skipped = [(k, not_applicable(k, activation)) for k in ACTIVATION_CHECKS if k not in {r.theorem for r in results}]
            print("".join(f"not run: {k}: {why}\n" for k, why in skipped if why))
        print(render(results, args.verbose))
        passed = sum(r.passed for r in results)
        print(f"\n{passed}/{len(results)} checks passed in {time.perf_counter() - start:.1f} s "
              f"({'quick' if args.quick else 'full'}, dps {args.dps}, seed {args.seed})")
    return 0 if all(r.passed for r in results) else 1
