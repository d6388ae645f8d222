"""`semiflat info`: what a network file holds, and (with data) its loss and gradient norm.

With data (``--data FILE`` or the file's own ``"data"``) it evaluates, at the file's ``dps``
with :mod:`numerics.mlp` (exact backpropagation): the loss ``L = sum_i 1/2 ||f(x_i) - y_i||^2``,
the squared training error ``SSE = 2 L`` and the Euclidean norm of the gradient.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import mpmath

from numerics import mlp
from numerics.precision import to_decimal_string, workdps
from proofs_check.instances import snap
from theory.errors import InvalidInput

NAME = "info"
HELP = "architecture, parameter count and provenance of a network; with data its loss and gradient norm"
EXAMPLE = "semiflat info net.json --data data.csv"

TEXT_DIGITS = 20
"""Significant digits of the numbers in text mode (``--json`` prints full precision)."""


@dataclass(frozen=True)
class DataSummary:
    """Loss, SSE = 2 L and gradient norm at ``dps`` on ``n`` samples from ``source``."""

    source: str
    n: int
    loss: object
    sse: object
    gradient_norm: object


def configure(parser):
    """Add the options of ``semiflat info`` to ``parser``."""
    parser.add_argument("network", metavar="NET.json", help="a network file (semiflat.network/1)")
    parser.add_argument("--data", default=None, metavar="FILE",
                        help="data (CSV or JSON); default: the data stored in the network file, if any")
    parser.add_argument("--json", action="store_true", help="print one JSON object (numbers at full precision)")

    snap.configure(parser)


def summarize_data(net, data, source: str) -> DataSummary:
    """Evaluate loss, SSE and gradient norm of ``net`` on ``data`` at ``net.dps``."""
    arch = net.arch
    if data.input_dim != arch.input_dim or data.output_dim != arch.output_dim:
        raise InvalidInput(
            f"data {source} has {data.input_dim} input and {data.output_dim} output column(s); the network "
            f"{list(arch.widths)} needs {arch.input_dim} and {arch.output_dim}"
        )
    with workdps(net.dps):
        x, y = data.to_mp().x, data.to_mp().y
        loss = mlp.loss(arch, net.params, x, y, net.dps)
        grad = mlp.gradient(arch, net.params, x, y, net.dps)
        norm = mpmath.sqrt(mpmath.fsum(g * g for g in grad))
        return DataSummary(source, data.n, loss, 2 * loss, norm)


def run(args) -> int:
    """Print what the network file holds and, with data, its loss, squared error and gradient norm at the
    file's ``dps`` (module docstring); exit code 0.
    """
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from numerics.io.network_file import load_data, load_network

    net = load_network(args.network)
    data = load_data(args.data, net.dps) if args.data is not None else net.data
    net, near_lines, near = snap.prepare(args, net, data, net.dps)
    summary = None
    if args.data is not None:
        summary = summarize_data(net, data, args.data)
    elif net.data is not None:
        summary = summarize_data(net, net.data, f"{args.network} (stored data)")
    arch, prov = net.arch, net.provenance

    if args.json:
        out = {
            "file": str(args.network),
            "widths": list(arch.widths),
            "activation": arch.activation,
            "bias": arch.bias,
            "n_params": arch.n_params,
            "dps": net.dps,
            "provenance": prov,
            "has_data": net.data is not None,
            "near_structure": near,
        }
        if summary is not None:
            out.update(
                data=summary.source,
                n_samples=summary.n,
                loss=to_decimal_string(summary.loss, net.dps),
                sse=to_decimal_string(summary.sse, net.dps),
                gradient_norm=to_decimal_string(summary.gradient_norm, net.dps),
            )
        print(json.dumps(out, indent=2))
        return 0

    def num(v):
        return mpmath.nstr(v, TEXT_DIGITS)

    rows = [
        ("network", args.network),
        ("widths", f"{list(arch.widths)}  ({arch.n_layers} weight layers, hidden {list(arch.widths[1:-1])})"),
        ("activation", arch.activation),
        ("bias", "yes" if arch.bias else "no"),
        ("parameters", arch.n_params),
        ("dps", net.dps),
        ("stored data", f"{net.data.n} samples" if net.data is not None else "none"),
    ]
    rows += [(f"provenance.{key}", prov[key]) for key in ("command", "method", "seed", "semiflat_version")
             if prov.get(key) is not None]
    depth, parent = 0, prov.get("parent")
    while isinstance(parent, dict) and parent:
        depth += 1
        parent = parent.get("parent")
    if depth:
        rows.append(("ancestors", f"{depth} (see provenance.parent)"))
    if summary is not None:
        rows += [
            ("data", f"{summary.source} ({summary.n} samples)"),
            ("loss", f"{num(summary.loss)}   (L = sum 1/2 ||f - y||^2)"),
            ("SSE", f"{num(summary.sse)}   (= 2 L)"),
            ("gradient norm", num(summary.gradient_norm)),
        ]
    width = max(len(k) for k, _ in rows) + 2
    lines = [f"{key:<{width}}{value}" for key, value in rows] + near_lines
    print("\n".join(lines))
    return 0
