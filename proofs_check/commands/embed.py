"""`semiflat embed`: widen a hidden layer of a saved network by one of the three embeddings.

The embeddings (docs/embeddings.md) are function-preserving, so the wide network computes the
same function as the narrow one. Numbers given on the command line (``--lambda``, ``--b0``,
``--v0``, ``--shares``, ``--incoming``) are read as exact decimal strings at the file's ``dps``
(+ guard digits), so the wide network is exact at the stored precision. The output is written
atomically; bad input leaves no file behind (exit 2).
"""

from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path

import mpmath
import numpy as np

from numerics import limits
from numerics.limits import DPS_MAX
from numerics.precision import rounding_band, workdps
from proofs_check.commands import options as opt
from proofs_check.commands.options import check_output_file
from theory.embeddings import EmbeddingRequest, embed_to_width, split
from theory.errors import IncompatibleEmbedding, InvalidInput
from theory.network import forward, hidden_values

NAME = "embed"
HELP = "widen a hidden layer by unit replication, an inactive unit or inactive propagation"
EXAMPLE = "semiflat embed net.json --method replication --unit 0 --lambda 0.5 --to 7 --out wide.json"

_OPTIONS = ("method", "layer", "unit", "lam", "to", "seed", "scale", "dead_margin", "dead_data", "dead_box",
            "b0", "v0", "shares", "incoming")

_METHOD_OPTIONS = (
    ("unit", "--unit", ("replication",)),
    ("lam", "--lambda", ("replication",)),
    ("shares", "--shares", ("replication",)),
    ("seed", "--seed", ("inactive-unit", "inactive-propagation")),
    ("scale", "--scale", ("inactive-unit",)),
    ("incoming", "--incoming", ("inactive-unit",)),
    ("dead_margin", "--dead-margin", ("inactive-unit",)),
    ("dead_data", "--dead-data", ("inactive-unit",)),
    ("dead_box", "--dead-box", ("inactive-unit",)),
    ("b0", "--b0", ("inactive-propagation",)),
    ("v0", "--v0", ("inactive-propagation",)),
)
"""Which option belongs to which method (anything else is refused, exit 2)."""



def configure(parser):
    """Add the options of ``semiflat embed`` to ``parser``."""
    parser.add_argument("network", metavar="NET.json", help="the narrow network (semiflat.network/1)")
    parser.add_argument("--method", required=True, choices=["replication", "inactive-unit", "inactive-propagation"],
                        help="which embedding to apply")
    parser.add_argument("--layer", type=opt.integer(0, limits.MAX_LAYERS), default=0, help="hidden layer to widen, 0-based (default 0)")
    parser.add_argument("--unit", type=opt.integer(0, limits.MAX_WIDTH), default=None, help="replication: the unit to split (default 0)")
    parser.add_argument("--lambda", dest="lam", type=opt.decimal, default=None, metavar="X",
                        help="replication: the split ratio lambda (any real, exact decimal)")
    parser.add_argument("--shares", type=opt.decimals, default=None, metavar="a,b,...",
                        help="replication: a k-way split with these shares (sum 1); adds k-1 units")
    parser.add_argument("--to", type=opt.integer(1, limits.MAX_EMBED_TO), default=None, metavar="H",
                        help="target width of the layer (default: current width + 1)")
    parser.add_argument("--seed", type=opt.seed, default=None, help="seed for drawn weights (inactive-unit, inactive-propagation)")
    parser.add_argument("--scale", type=opt.real(0, open_low=True, what="a standard deviation"), default=None,
                        help="inactive-unit: standard deviation of drawn incoming weights (default 1)")
    parser.add_argument("--incoming", type=opt.decimals, default=None, metavar="w1,...,b",
                        help="inactive-unit: the new units' incoming weights then bias (exact decimals)")
    parser.add_argument("--dead-margin", type=opt.real(0, open_low=True, what="a positive margin"), default=None, metavar="M",
                        help="inactive-unit, ReLU: draw a dead unit, w.h + b <= -M on the data or box")
    parser.add_argument("--dead-data", default=None, metavar="FILE",
                        help="data on which the unit must be dead (default with --dead-margin: the file's data)")
    parser.add_argument("--dead-box", default=None, metavar="LOW:HIGH",
                        help="input box on which the unit must be dead (e.g. -1:1)")
    parser.add_argument("--b0", type=opt.decimal, default=None, metavar="X", help="inactive-propagation: bias of the new unit (default 0)")
    parser.add_argument("--v0", type=opt.decimals, default=None, metavar="X,...",
                        help="inactive-propagation: outgoing weights of the new unit (default 0, or N(0,1) with --seed)")
    parser.add_argument("--out", required=True, metavar="WIDE.json", help="where to write the wide network")
    parser.add_argument("--force", action="store_true", help="allow --out to overwrite the input file")


def run(args) -> int:
    """Embed the network file into a wider one and write it atomically; exit code 0, or 2 on bad input
    with no file left behind (docs/embeddings.md).
    """
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from numerics.io.network_file import load_data, load_network, save_network

    check_output_file(args.out)
    _check_out(args)
    net = load_network(args.network)
    arch, params, dps = net.arch, net.params, net.dps
    arch.check_layer(args.layer)
    if args.unit is not None and args.method == "replication":
        arch.check_unit(args.layer, args.unit)
    current = arch.widths[args.layer + 1]
    if args.to is not None:
        grown = arch.n_params + max(0, args.to - current) * (arch.incoming_size(args.layer) + arch.outgoing_size(args.layer))
        if grown > limits.MAX_PARAMS:
            raise InvalidInput(f"--to {args.to} gives {grown} parameters; at most {limits.MAX_PARAMS}")
        limits.check_memory(f"--to {args.to}", grown * (args.to - current + 1), 8,
                            "embed to a smaller width")

    for attr, flag, methods in _METHOD_OPTIONS:
        if getattr(args, attr) is not None and args.method not in methods:
            raise IncompatibleEmbedding(
                f"{flag} does not apply to --method {args.method}; drop it (it is for {' and '.join(methods)})"
            )
    with workdps(dps):
        lam = _number(args.lam, "--lambda")
        b0 = _number(args.b0, "--b0")
        v0 = _numbers(args.v0, "--v0", arch.outgoing_size(args.layer),
                      f"hidden layer {args.layer} feeds {arch.outgoing_size(args.layer)} unit(s)")
        incoming = _numbers(args.incoming, "--incoming", arch.incoming_size(args.layer),
                            f"a unit of hidden layer {args.layer} has {arch.widths[args.layer]} incoming weight(s)"
                            f"{' and a bias' if arch.bias else ''}")
        shares = _numbers(args.shares, "--shares")
    if shares is not None and lam is not None:
        raise IncompatibleEmbedding("--shares and --lambda both set the split; give only one of them")

    dead_inputs, dead_box, dead_source = None, None, None
    if args.method == "inactive-unit":
        if args.dead_data is not None and args.dead_box is not None:
            raise IncompatibleEmbedding("give only one of --dead-data FILE and --dead-box LOW:HIGH")
        if args.dead_box is not None:
            dead_box = _box(args.dead_box)
            dead_source = f"box {args.dead_box}"
        elif args.dead_data is not None or (args.dead_margin is not None and net.data is not None):
            data = load_data(args.dead_data, dps) if args.dead_data is not None else net.data
            dead_source = args.dead_data or f"{args.network} (its data)"
            if data.input_dim != arch.input_dim:
                raise InvalidInput(
                    f"--dead-data {dead_source} has {data.input_dim} input column(s); the network "
                    f"{list(arch.widths)} takes {arch.input_dim}"
                )
            dead_inputs = _layer_inputs(arch, params, data, args.layer, dps)
        if incoming is not None and (dead_inputs is not None or dead_box is not None or args.dead_margin is not None):
            raise IncompatibleEmbedding("--incoming fixes the new unit; drop --dead-margin/--dead-data/--dead-box")

    def build(work_dps):
        return _embed(args, arch, params, current, work_dps, lam=lam, shares=shares, incoming=incoming,
                      dead_inputs=dead_inputs, dead_box=dead_box, b0=b0, v0=v0)

    wide_arch, wide_params = build(dps)
    out_dps = preserving_dps(arch, params, wide_arch, wide_params, dps, net.data)
    if out_dps is None:
        lost = _lost_digits(params, wide_params, dps)
        out_dps = dps + lost + 5
        if out_dps > DPS_MAX:
            raise IncompatibleEmbedding(
                f"the wide network would lose about {lost} digits to cancellation (a huge --lambda, share, --b0 "
                f"or --v0), more than dps {DPS_MAX} can hold; give smaller values")
        wide_arch, wide_params = build(out_dps)
        if preserving_dps(arch, params, wide_arch, wide_params, out_dps, net.data, reference_dps=dps) is None:
            raise IncompatibleEmbedding(
                "the wide network does not compute the same function as the narrow one even at dps "
                f"{out_dps} (cancellation in the embedding's values); give smaller values")
        print(f"note: dps raised from {dps} to {out_dps} so the wide network computes the same function "
              f"(the embedding's values cancel about {lost} digits)")
    if dead_inputs is not None:
        _check_dead(wide_arch, wide_params, args.layer, current, dead_inputs, dps, dead_source)

    provenance = {
        "command": _command_line(args),
        "seed": args.seed,
        "method": args.method,
        "options": {("lambda" if k == "lam" else k): getattr(args, k) for k in _OPTIONS},
        "embedded_from": {"file": str(args.network), "widths": list(arch.widths)},
        "parent": net.provenance,
    }
    if dead_source is not None:
        provenance["options"]["dead_source"] = dead_source
    save_network(args.out, wide_arch, wide_params, dps=out_dps, provenance=provenance, data=net.data)
    print(f"wrote {args.out}: widths {list(arch.widths)} -> {list(wide_arch.widths)} by {args.method} "
          f"at hidden layer {args.layer} ({wide_arch.n_params} parameters, dps {out_dps})")
    return 0


def _embed(args, arch, params, current, dps, *, lam, shares, incoming, dead_inputs, dead_box, b0, v0):
    """Map the options onto theory.embeddings and run them at the file's precision."""
    layer = args.layer
    with workdps(dps):
        if shares is not None:
            unit = 0 if args.unit is None else args.unit
            target = current + len(shares) - 1
            if args.to is not None and args.to != target:
                raise IncompatibleEmbedding(
                    f"--shares with {len(shares)} entries takes hidden layer {layer} from {current} to "
                    f"{target} units, but --to {args.to} was given; drop --to or match it"
                )
            return split(arch, params, layer, unit, shares)
        request = EmbeddingRequest(
            method=args.method,
            layer=layer,
            unit=args.unit,
            lam=lam,
            incoming=incoming,
            seed=args.seed,
            scale=1.0 if args.scale is None else args.scale,
            dead_inputs=dead_inputs,
            dead_box=dead_box,
            dead_margin=args.dead_margin,
            b0=b0,
            v0=v0,
        )
        width = current + 1 if args.to is None else args.to
        return embed_to_width(arch, params, request, width)


def probe_inputs(arch, data) -> np.ndarray:
    """Inputs on which the written network is compared with the narrow one: the stored data (if
    any) and a fixed grid of points in [-1, 1]^d (at most 16 grid points)."""
    d = arch.input_dim
    rng = np.random.default_rng(0)
    grid = [[v] * d for v in (-1, -0.5, 0, 0.5, 1)] + [list(rng.uniform(-1, 1, size=d)) for _ in range(11)]
    rows = [[mpmath.mpf(repr(float(v))) for v in row] for row in grid]
    if data is not None:
        rows += [list(r) for r in np.asarray(data.x, dtype=object)[:64]]
    return np.array(rows, dtype=object).reshape(len(rows), d)


def preserving_dps(arch, params, wide_arch, wide_params, dps: int, data, reference_dps: int | None = None):
    """``dps`` if the wide network, as it is written at ``dps`` and read back, computes the narrow
    network's function to ``reference_dps`` (default ``dps``) digits on :func:`probe_inputs`
    (relative to max(1, |f|), 3 digits of evaluation noise allowed); else ``None``.

    This is the check that no written network computes another function (docs/embeddings.md: every
    embedding preserves the function) when huge values cancel (e.g. ``--lambda 1e60``)."""
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from numerics.io.network_file import network_from_json, network_to_json

    ref = dps if reference_dps is None else reference_dps
    x = probe_inputs(arch, data)
    written = network_from_json(network_to_json(wide_arch, wide_params, dps), "the wide network")
    with workdps(max(dps, ref) + 10):
        want = forward(arch, params, x)
        got = forward(wide_arch, written.params, x)
        scale = max([mpmath.mpf(1)] + [abs(v) for v in want.reshape(-1)])
        worst = max(abs(a - b) for a, b in zip(want.reshape(-1), got.reshape(-1)))
        return dps if worst <= rounding_band(ref, scale, lost_digits=3) else None


def _lost_digits(params, wide_params, dps: int) -> int:
    """Digits the embedding's values can cancel: log10 of the largest wide parameter relative to
    the largest narrow one (at least 1)."""
    with workdps(dps):
        big = max(abs(v) for v in wide_params.to_vector())
        ref = max([mpmath.mpf(1)] + [abs(v) for v in params.to_vector()])
        return max(1, int(mpmath.ceil(mpmath.log10(big / ref))) + 1) if big > ref else 1


def _layer_inputs(arch, params, data, layer: int, dps: int) -> np.ndarray:
    """h(layer): the inputs of hidden layer ``layer`` on the data (layer 0: the x's), at ``dps``."""
    with workdps(dps):
        return hidden_values(arch, params, data.to_mp().x)[layer]


def _check_dead(wide_arch, wide_params, layer, first_new, inputs, dps, source) -> None:
    """Every new unit must be strictly inactive (w.h + b < 0) on every row of ``inputs``."""
    with workdps(dps):
        W, b = wide_params.W[layer], wide_params.b[layer]
        for unit in range(first_new, wide_arch.widths[layer + 1]):
            z = inputs @ W[unit, :] + b[unit]
            top = max(z)
            if not top < 0:
                raise IncompatibleEmbedding(
                    f"the drawn dead unit {unit} is active on {source} (max pre-activation "
                    f"{mpmath.nstr(top, 8)}); increase --dead-margin"
                )


def _check_out(args) -> None:
    out, src = Path(args.out), Path(args.network)
    if out.exists() and src.exists() and os.path.samefile(out, src) and not args.force:
        raise InvalidInput(f"--out {args.out} is the input file; pick another path or pass --force to overwrite it")


def _number(text, flag: str):
    """An exact decimal read at the current precision (call inside workdps)."""
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from numerics.io.data_file import read_number

    if text is None:
        return None
    return read_number(text, flag, "")


def _numbers(text, flag: str, size: int | None = None, why: str = ""):
    if text is None:
        return None
    parts = [p for p in text.split(",")]
    values = [_number(p, f"{flag} entry {i + 1}") for i, p in enumerate(parts)]
    if size is not None and len(values) != size:
        raise InvalidInput(f"{flag} has {len(values)} entries, expected {size} ({why}); give {size} comma-separated numbers")
    return np.array(values, dtype=object)


def _box(text: str):
    parts = text.split(":")
    try:
        low, high = (opt.real()(p) for p in parts)
    except (ValueError, argparse.ArgumentTypeError):
        low = high = None
    if len(parts) != 2 or low is None or not (np.isfinite(low) and np.isfinite(high)) or not low < high:
        raise InvalidInput(f"--dead-box {text!r}: expected LOW:HIGH with finite numbers LOW < HIGH, e.g. --dead-box=-1:1")
    return (low, high)


def _command_line(args) -> str:
    words = ["semiflat", "embed", str(args.network), "--method", args.method, "--layer", str(args.layer)]
    flags = {"unit": "--unit", "lam": "--lambda", "shares": "--shares", "to": "--to", "seed": "--seed",
             "scale": "--scale", "incoming": "--incoming", "dead_margin": "--dead-margin", "dead_data": "--dead-data",
             "dead_box": "--dead-box", "b0": "--b0", "v0": "--v0"}
    for attr, flag in flags.items():
        value = getattr(args, attr)
        if value is not None:
            words.append(f"{flag}={value}")
    words += ["--out", str(args.out)] + (["--force"] if args.force else [])
    return shlex.join(words)
