"""`semiflat classify`: minimum or saddle, and how flat, with evidence (proofs_check.classify).

Exit codes: 0 for every verdict (the verdict is the answer, not a failure); 2 on bad input.
"""

from __future__ import annotations

import json

NAME = "classify"
HELP = ("classify a network's parameters as a critical point: gradient norm, Hessian inertia at high "
        "precision, proved flat dimension and a verdict (strict-minimum, semi-flat-minimum, "
        "global-minimum, minimum, saddle, not-critical, undecided) with its evidence")
EXAMPLE = "semiflat classify wide.json --data data.csv --dps 50 --json"


def configure(parser):
    parser.add_argument("network", metavar="NET.json", help="a network file (semiflat.network/1)")
    parser.add_argument("--data", default=None, metavar="FILE",
                        help="training data (CSV or JSON); default: the data stored in the network file")
    parser.add_argument("--dps", type=int, default=None, metavar="D",
                        help="working precision in significant digits (default: the file's dps)")
    parser.add_argument("--json", action="store_true", help="print one JSON object (full precision)")
    parser.add_argument("--plot", default=None, metavar="FILE.png",
                        help="draw the Hessian spectrum with the zero band and the proved flat directions")
    from proofs_check import snap

    snap.configure(parser)


def _dps(args, net) -> int:
    from theory.errors import InvalidInput

    dps = net.dps if args.dps is None else args.dps
    if not 10 <= dps <= 1000:
        raise InvalidInput(f"--dps {dps} is out of range; pass an integer between 10 and 1000 (e.g. --dps 50)")
    return dps


def text_report(report, source: str) -> str:
    """A readable summary: verdict, theorem, inertia, flat dimension, gradient norm, blocks, certificate."""
    import mpmath

    inertia = report.inertia
    lines = [
        f"network: {source}",
        f"verdict: {report.verdict.value}",
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
    from numerics.files import load_data, load_network
    from proofs_check.classify import classify
    from theory.errors import InvalidInput

    net = load_network(args.network)
    dps = _dps(args, net)
    if args.data is not None:
        data, source = load_data(args.data, dps), args.data
    elif net.data is not None:
        data, source = net.data, f"{args.network} (stored data)"
    else:
        raise InvalidInput(f"{args.network} stores no data; pass the training data with --data FILE")
    from proofs_check import snap

    net, near_lines, near = snap.prepare(args, net, data, dps)
    report = classify(net.arch, net.params, data, dps=dps)
    if args.plot:
        from proofs_check.spectrum_figure import save_spectrum_figure

        save_spectrum_figure(report, args.plot)
    if args.json:
        out = report.to_json()
        out["file"] = str(args.network)
        out["data"] = str(source)
        out["near_structure"] = near
        print(json.dumps(out, indent=2))
    else:
        print("\n".join([text_report(report, str(args.network))] + near_lines))
    return 0
