"""`semiflat classify`: minimum or saddle, and how flat, with evidence (proofs_check.landscape.classify).

Exit codes: 0 for every verdict (the verdict is the answer, not a failure); 2 on bad input.
"""

from __future__ import annotations

import json
import sys

import mpmath

from numerics import limits
from numerics.io.atomic import write_atomic
from numerics.limits import CLASSIFY_DPS_RANGE
from proofs_check.commands import options as opt
from proofs_check.instances import snap
from proofs_check.commands.options import check_output_file
from theory.errors import InvalidInput

NAME = "classify"
HELP = ("classify a network's parameters as a critical point: gradient norm, Hessian inertia at high "
        "precision, proved flat dimension and a verdict (strict-minimum, semi-flat-minimum, "
        "global-minimum, minimum, saddle, not-critical, undecided) with its evidence")
EXAMPLE = "semiflat classify wide.json --data data.csv --dps 50 --json"


def configure(parser):
    """Add the options of ``semiflat classify`` to ``parser``."""
    parser.add_argument("network", metavar="NET.json", help="a network file (semiflat.network/1)")
    parser.add_argument("--data", default=None, metavar="FILE",
                        help="training data (CSV or JSON); default: the data stored in the network file")
    parser.add_argument("--dps", type=opt.dps(*CLASSIFY_DPS_RANGE), default=None, metavar="D",
                        help="working precision in significant digits (default: the file's dps)")
    parser.add_argument("--json", action="store_true", help="print one JSON object (full precision)")
    parser.add_argument("--certify", action="store_true",
                        help="prove the verdict with ball arithmetic after removing the flat directions "
                             "(docs/certified.md); unproved verdicts are marked numerical")
    parser.add_argument("--certificate", default=None, metavar="CERT.json",
                        help="with --certify: write the certificate ('semiflat verify CERT.json' re-checks it)")
    parser.add_argument("--plot", default=None, metavar="FILE.png",
                        help="draw the Hessian spectrum with the zero band and the proved flat directions")

    snap.configure(parser)


def _dps(args, net) -> int:
    low, high = CLASSIFY_DPS_RANGE
    if args.dps is not None:
        return args.dps
    if not low <= net.dps <= high:
        raise InvalidInput(f"{args.network} works at dps {net.dps}, outside the {low}..{high} digits classify "
                           f"works at; pass --dps D with {low} <= D <= {high} (e.g. --dps 50)")
    return net.dps


def text_report(report, source: str) -> str:
    """A readable summary: verdict, theorem, inertia, flat dimension, gradient norm, blocks, certificate."""
    inertia = report.inertia
    lines = [
        f"network: {source}",
        f"verdict: {report.verdict.value}",
        report.statement or f"numerical: {report.verdict.value}",
        f"theorem: {report.theorem}",
        f"inertia: negative {inertia.negative}, zero {inertia.zero}, positive {inertia.positive} "
        f"(|mu| <= {mpmath.nstr(report.zero_tolerance, 3)} counts as zero)",
        f"flat dimension (proved): {report.flat_dimension}",
        f"gradient norm: {mpmath.nstr(report.gradient_norm, 6)}",
        f"loss: {mpmath.nstr(report.loss, 15)}",
        f"dps: {report.dps}",
    ]
    if report.reason:
        lines.append(f"reason: {report.reason}")
    if report.dead_units:
        lines.append("dead ReLU units: " + ", ".join(f"(layer {l}, unit {u})" for l, u in report.dead_units))
    for name, blocks in report.blocks:
        lines.append(f"A_j for {name}: {blocks.definiteness_A}; max |B_j| = "
                     f"{mpmath.nstr(max(abs(v) for v in blocks.B.reshape(-1)), 3)}")
    if report.descent_direction is not None:
        lines.append(f"descent certificate: s = {mpmath.nstr(report.descent_step, 3)}, "
                     f"L(theta + s d) - L(theta) = {mpmath.nstr(report.descent_decrease, 8)} "
                     f"(second-order prediction {mpmath.nstr(report.descent_predicted, 8)})")
    lines.append("evidence:")
    lines += [f"  {k}: {v}" for k, v in report.evidence]
    return "\n".join(lines)


def run(args) -> int:
    """Classify the network file's parameters on its data and print (or write) the report; exit code 0
    for every verdict, 2 on bad input (module docstring; docs/classification.md).
    """
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from numerics.io.network_file import load_data, load_network
    from proofs_check.landscape.classify import classify

    net = load_network(args.network)
    dps = _dps(args, net)
    if args.data is not None:
        data, source = load_data(args.data, dps), args.data
    elif net.data is not None:
        data, source = net.data, f"{args.network} (stored data)"
    else:
        raise InvalidInput(f"{args.network} stores no data; pass the training data with --data FILE")
    if args.certificate is not None and not args.certify:
        raise InvalidInput("--certificate CERT.json needs --certify")

    for flag in ("--certificate", "--plot"):
        if getattr(args, flag[2:]) is not None:
            check_output_file(getattr(args, flag[2:]), flag)

    D = net.arch.n_params
    if D > limits.MAX_CLASSIFY_PARAMS:
        raise InvalidInput(f"{args.network} has {D} parameters; classify takes at most {limits.MAX_CLASSIFY_PARAMS} "
                           "(its Hessian is a dense D x D matrix at high precision)")
    limits.check_memory(f"the {D} x {D} Hessian of {args.network} at dps {dps}", 3 * D * D, limits.mpf_bytes(dps),
                        "classify a smaller network or pass a smaller --dps")

    net, near_lines, near = snap.prepare(args, net, data, dps)
    report = classify(net.arch, net.params, data, dps=dps, certify=args.certify)
    if args.plot:
        # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
        from proofs_check.reports.spectrum_figure import save_spectrum_figure

        save_spectrum_figure(report, args.plot)
    if args.certificate is not None:
        # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
        from numerics.io.network_file import dumps

        if report.certificate is None:
            print(f"no certificate written: the verdict is not proved ({report.statement})", file=sys.stderr)
        else:
            write_atomic(args.certificate, dumps(report.certificate))
    if args.json:
        out = report.to_json()
        if args.certificate is not None and report.certificate is not None:
            out["certificate"] = str(args.certificate)
        out["file"] = str(args.network)
        out["data"] = str(source)
        out["near_structure"] = near
        print(json.dumps(out, indent=2))
    else:
        print("\n".join([text_report(report, str(args.network))] + near_lines))
    return 0
