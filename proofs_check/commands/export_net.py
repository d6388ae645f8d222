"""`semiflat export`: a semiflat network file as NumPy .npz, safetensors or a PyTorch state_dict.

Writes with :func:`numerics.interop.write` (layouts: docs/interop.md). Every value is rounded to
the nearest ``--dtype`` number; a network imported from that dtype comes back bit for bit, and the
largest relative rounding is printed.

Exit codes: 0 written; 2 bad input (torch missing for ``--format torch``, an activation torch
has no module for).
"""

from __future__ import annotations

import mpmath

from numerics.precision import workdps
from proofs_check.commands.options import check_output_file

NAME = "export"
HELP = "export a network file to NumPy .npz, safetensors or a PyTorch state_dict (.pt)"
EXAMPLE = "semiflat export net.json --format safetensors --layout flax --out params.safetensors"


def configure(parser):
    """Add the options of ``semiflat export`` to ``parser`` (docs/interop.md)."""
    parser.add_argument("network", metavar="NET.json", help="a network file (semiflat.network/1)")
    parser.add_argument("--format", required=True, choices=["npz", "safetensors", "torch"],
                        help="npz (W0, b0, ...), safetensors, or torch (a state_dict for nn.Sequential)")
    parser.add_argument("--layout", choices=["semiflat", "flax"], default="semiflat",
                        help="array names and shapes for npz / safetensors: semiflat W{l} (out x in, PyTorch's "
                             "layout; default) or flax params/Dense_{l}/kernel (in x out)")
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                        help="binary type of the written values (default float64)")
    parser.add_argument("--no-data", action="store_true", help="do not store the network file's data as x, y")
    parser.add_argument("--out", required=True, metavar="FILE", help="where to write")


def relative_rounding(net, dtype):
    """max |round(p) - p| / max(|p|) over the parameters, an mpf (0 when every value is exact)."""
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from numerics.interop.exact import to_binary

    with workdps(net.dps):
        vec = net.params.to_vector()
        rounded = to_binary(vec, dtype)
        scale = max((abs(v) for v in vec), default=mpmath.mpf(0))
        worst = max((abs(mpmath.mpf(float(r)) - v) for r, v in zip(rounded, vec)), default=mpmath.mpf(0))
        return worst / scale if scale else mpmath.mpf(0)


def run(args) -> int:
    """Run ``semiflat export``: write a network file as npz, safetensors or a torch state_dict and
    report the largest relative rounding (docs/interop.md); return the exit code.
    """
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from numerics import interop
    from numerics.io.network_file import load_network

    check_output_file(args.out)
    net = load_network(args.network)
    interop.write(args.out, net, args.format, layout=args.layout, dtype=args.dtype, with_data=not args.no_data)
    rounding = relative_rounding(net, args.dtype)
    exact = "every value exact" if rounding == 0 else f"values rounded to nearest, max relative change " \
        f"{mpmath.nstr(rounding, 3)}"
    hint = ""
    if args.format == "torch":
        hint = f"; load with nn.Sequential(...).load_state_dict(torch.load({args.out!r}))"
    print(f"wrote {args.out}: {args.format} ({args.layout if args.format != 'torch' else 'state_dict'}, "
          f"{args.dtype}), widths {list(net.arch.widths)}, {net.arch.activation}; {exact}{hint}")
    return 0
