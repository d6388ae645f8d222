"""`semiflat import`: a network from NumPy, safetensors or PyTorch as a semiflat network file.

Reads with :func:`numerics.interop.read` (formats, layouts and refusals: docs/interop.md) and
writes with :func:`numerics.io.network_file.save_network`. The binary values are written as their exact
decimal expansions (the provenance says so). The module is ``import_net`` because ``import`` is
a Python keyword; the command is ``semiflat import``.

Exit codes: 0 written; 2 bad input or an unsupported layer (one line naming the layer).
"""

from __future__ import annotations

import argparse
import zipfile

from numerics import limits
from proofs_check.commands import options as opt
from proofs_check.commands.options import check_output_file
from theory.errors import FileFormatError, InvalidInput

NAME = "import"
HELP = ("import a network from NumPy .npz (W0, b0, W1, ...; Flax kernels), safetensors or a PyTorch "
        "state_dict (.pt), with every value converted to its exact decimal")
EXAMPLE = "semiflat import model.pt --activation tanh --data data.csv --out net.json"


def configure(parser):
    """Add the options of ``semiflat import`` to ``parser`` (docs/interop.md)."""
    parser.add_argument("file", metavar="FILE", help="a .npz, .safetensors, .pt or .pth file")
    parser.add_argument("--format", choices=["npz", "safetensors", "torch"], default=None,
                        help="the file's format (default: from its suffix)")
    parser.add_argument("--activation", default=None, metavar="A",
                        help="hidden-layer activation, when the file does not store one (a state_dict never does)")
    parser.add_argument("--arch", default=None, metavar="d,H,...,M",
                        help="expected widths, e.g. 1,5,1 (checked against the arrays)")
    parser.add_argument("--data", default=None, metavar="FILE",
                        help="training data (CSV or JSON) to store in the network file")
    parser.add_argument("--dps", type=opt.dps(10, 1000), default=50, metavar="D",
                        help="the file's precision at least (default 50; raised until every value is exact)")
    parser.add_argument("--out", required=True, metavar="NET.json", help="where to write the network file")


def parse_widths(text):
    """``"1,5,1"`` -> (1, 5, 1); a one-line error otherwise."""
    try:
        widths = tuple(opt.integer(1, limits.MAX_WIDTH)(t) for t in str(text).split(",")[:limits.MAX_LAYERS + 2])
    except argparse.ArgumentTypeError:
        widths = ()
    if len(widths) < 2 or min(widths) < 1:
        raise InvalidInput(f"--arch {text!r}: give the widths d,H_1,...,M as positive integers, e.g. 1,5,1")
    return widths


def run(args) -> int:
    """Run ``semiflat import``: read a foreign weights file into a network file (docs/interop.md);
    return the exit code.
    """
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from numerics import interop
    from numerics.io.network_file import load_data, save_network

    check_output_file(args.out)
    if not 10 <= args.dps <= 1000:
        raise InvalidInput(f"--dps {args.dps} is out of range; pass an integer between 10 and 1000")
    widths = None if args.arch is None else parse_widths(args.arch)
    data = None if args.data is None else load_data(args.data, args.dps)

    try:
        net = interop.read(args.file, activation=args.activation, widths=widths, dps=args.dps, data=data,
                           fmt=args.format)
    except (zipfile.BadZipFile, NotImplementedError, EOFError, OSError, ValueError) as exc:
        # a damaged archive (the readers raise these for corrupt or truncated members)
        raise FileFormatError(f"{str(args.file)[:200]}: not a readable {args.format or 'network'} file "
                              f"({type(exc).__name__}: {str(exc)[:100]})") from None
    save_network(args.out, net.arch, net.params, net.dps, net.provenance, net.data)
    stored = f", {net.data.n} samples" if net.data is not None else ""
    print(f"wrote {args.out}: widths {list(net.arch.widths)}, {net.arch.activation}, {net.arch.n_params} "
          f"parameters ({net.provenance['dtype']}, {net.provenance['layout']}) written exactly at dps "
          f"{net.dps}{stored}")
    return 0
