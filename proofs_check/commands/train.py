"""`semiflat train`: train a network (one or more hidden layers) to a verified target and write it.

Data come from a file (``--data``) or from the paper's generator (``--teacher ACT --n N --noise S
--seed K``: inputs U[-1, 1], teacher (w, b, v, c) = (1, 0, 1, 0), Gaussian noise of standard
deviation S; see :mod:`numerics.teacher`). Training is :func:`numerics.training.train`; only a
result whose squared error (or, for ``--objective critical``, gradient norm) was recomputed at
``--dps`` digits from the stored parameters counts as reaching the target.

Exit codes: 0 target reached (file written); 1 target not reached or infeasible (the reason, e.g.
the ReLU kink certificate, is printed; no file is written); 2 bad input.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time

from numerics import limits
from numerics.limits import MAX_RELU_EXACT_SAMPLES
from numerics.precision import to_decimal_string, workdps
from numerics.teacher import TEACHERS, TeacherSpec
from proofs_check.commands import options as opt
from proofs_check.commands.options import check_output_file
from theory.activations import get_activation
from theory.errors import InvalidInput

NAME = "train"
HELP = "train a network to a verified squared training error (or critical point) and write it"
EXAMPLE = "semiflat train --teacher tanh --n 10 --noise 0.1 --seed 3 --activation tanh --hidden 5 --out net.json"


def configure(parser):
    """Add the options of ``semiflat train`` to ``parser``."""
    src = parser.add_argument_group("data (give --data FILE, or --teacher with --n/--noise/--seed)")
    src.add_argument("--data", metavar="FILE", help="training data, CSV (x..., y...) or JSON {x, y}")
    src.add_argument("--teacher", metavar="ACT", help="generate the paper's data with a one-unit teacher of this activation")
    spec = TeacherSpec()
    src.add_argument("--n", type=opt.integer(1, limits.MAX_SAMPLES), default=spec.n, help=f"generated samples (default {spec.n})")
    src.add_argument("--noise", type=opt.real(0, what="a standard deviation"), default=spec.noise,
                     help=f"noise standard deviation (default {spec.noise} = variance {spec.noise ** 2:g})")
    src.add_argument("--teacher-kind", choices=list(TEACHERS), default=spec.teacher,
                     help=f"teacher parameters: fixed (1,0,1,0) or random N(0,1) draws (default {spec.teacher})")
    parser.add_argument("--seed", type=opt.seed, default=0,
                        help="seed of the generated data and of the training restarts (default 0)")
    parser.add_argument("--activation", required=True, help="activation of the trained network (tanh, relu, ...)")
    parser.add_argument("--hidden", required=True, metavar="H|H1,H2,...|auto",
                        help="hidden units, one width per hidden layer (e.g. 5 or 4,4), or 'auto' for the "
                             "smallest width reaching the target (4,auto: the last layer's width searched)")
    parser.add_argument("--target-loss", type=opt.decimal, default="1e-29", metavar="SSE",
                        help="target squared training error sum_i (f(x_i)-y_i)^2 (default 1e-29)")
    parser.add_argument("--dps", type=opt.dps(), default=50, help="digits of verification and stored numbers (default 50)")
    parser.add_argument("--objective", choices=["zero-error", "critical"], default="zero-error",
                        help="zero-error (default) or critical: gradient norm < 10^(-dps/2)")
    parser.add_argument("--max-restarts", type=opt.integer(1, limits.MAX_RESTARTS), default=None, metavar="R",
                        help="restart budget per width (default 384; 16 for --objective critical)")
    parser.add_argument("--progress", action="store_true", help="show progress on stderr (default: only on a terminal)")
    parser.add_argument("--out", required=True, metavar="NET.json", help="where to write the trained network")


def _hidden(text):
    """``5`` -> 5, ``auto`` -> "auto", ``4,4`` -> (4, 4), ``4,auto`` -> (4, "auto")."""
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from numerics.training import hidden_widths

    words = [w.strip().lower() for w in str(text).split(",")]
    if len(words) > limits.MAX_LAYERS:
        raise InvalidInput(f"--hidden {str(text)[:60]!r}: at most {limits.MAX_LAYERS} hidden layers")
    try:
        entries = tuple(w if w == "auto" else opt.integer(1, limits.MAX_TRAIN_HIDDEN)(w) for w in words)
        hidden_widths(entries)
    except (argparse.ArgumentTypeError, InvalidInput) as exc:
        raise InvalidInput(f"--hidden {str(text)[:60]!r}: {exc}; give a positive integer per hidden layer "
                           "(e.g. 5 or 4,4), or 'auto' for the last layer's width (e.g. auto or 4,auto)") from None
    return entries[0] if len(entries) == 1 else entries


def _load(args):
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from numerics.io.network_file import load_data

    if (args.data is None) == (args.teacher is None):
        raise InvalidInput("give exactly one data source: --data FILE or --teacher ACT (with --n, --noise, --seed)")
    if args.data is not None:
        return load_data(args.data, args.dps), {"file": str(args.data)}
    spec = TeacherSpec(n=args.n, noise=args.noise, teacher=args.teacher_kind)
    gen = spec.draw(args.teacher, args.seed)
    source = {"generator": "numerics.teacher.teacher_data", "teacher": args.teacher, "teacher_kind": args.teacher_kind,
              "n": args.n, "noise": args.noise, "seed": args.seed, "x_range": [spec.x_low, spec.x_high]}
    return gen.dataset, source


def _progress_printer(enabled: bool):
    if not enabled:
        return None
    start = time.time()

    def show(done, total):
        print(f"\rsemiflat train: {done}/{total} data set(s) solved, {time.time() - start:.1f} s",
              end="", file=sys.stderr, flush=True)
    return show


def run(args) -> int:
    """Train to the target, recheck it at ``--dps`` from the stored parameters and write the network; exit
    codes as in the module docstring (docs/training.md).
    """
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from numerics.io.network_file import save_network
    from numerics.training import train

    check_output_file(args.out)
    get_activation(args.activation)
    hidden = _hidden(args.hidden)
    target = float(args.target_loss)
    if not target > 0 or target == float("inf"):
        raise InvalidInput(f"--target-loss {args.target_loss}: expected a positive finite squared error, e.g. 1e-29")
    data, source = _load(args)
    if args.activation == "relu" and data.input_dim == 1 and data.output_dim == 1 and data.n > MAX_RELU_EXACT_SAMPLES:
        raise InvalidInput(f"{data.n} samples: the exact one-input ReLU trainer takes at most "
                           f"{MAX_RELU_EXACT_SAMPLES}; use fewer samples")

    layers = [data.n if h == "auto" else h for h in (hidden if isinstance(hidden, tuple) else (hidden,))]
    widths = [data.input_dim, *layers, data.output_dim]
    D = sum((a + 1) * b for a, b in zip(widths, widths[1:]))
    limits.check_memory(f"training hidden widths {layers} on {data.n} samples", 128 * data.n * data.output_dim * D, 8,
                        "use fewer samples or a smaller --hidden")
    limits.check_memory(f"verifying at dps {args.dps}", data.n * data.output_dim * D, limits.mpf_bytes(args.dps),
                        "use fewer samples, a smaller --hidden or a smaller --dps")
    show = _progress_printer(args.progress or sys.stderr.isatty())
    result = train(data, args.activation, hidden, seed=args.seed, target_sse=target, dps=args.dps,
                   objective=args.objective, max_restarts=args.max_restarts, progress=show)
    if show is not None:
        print(file=sys.stderr)
    if not result.reached_target:
        if result.certificate:
            print(f"infeasible: {result.certificate}")
        else:
            print(f"target not reached: {result.message}")
        print(f"no file written to {args.out}")
        return 1
    with workdps(args.dps):
        provenance = {
            "command": _command_line(args),
            "seed": args.seed,
            "activation": args.activation,
            "hidden": result.hidden if result.arch.n_hidden_layers == 1 else list(result.arch.widths[1:-1]),
            "hidden_requested": ",".join(map(str, hidden)) if isinstance(hidden, tuple) else str(hidden),
            "objective": args.objective,
            "target_sse": args.target_loss,
            "verified_sse": to_decimal_string(result.sse, 10),
            "verified_dps": args.dps,
            "gradient_norm": None if result.gradient_norm is None else to_decimal_string(result.gradient_norm, 10),
            "reached_target": True,
            "restarts_used": result.restarts_used,
            "restart_budget": result.budget,
            "stages": list(result.stages),
            "min_width": result.min_width,
            "widths_tried": [list(w) for w in result.widths_tried],
            "data_source": source,
            "message": result.message,
        }
    if result.exact_params is not None:
        provenance["exact"] = {
            "sse": "0",
            "note": "parameters as exact rationals (flat order); the fit of the data under 'data' as read "
                    "from float64/mpf values is exact",
            "parameters": [str(v) for v in result.exact_params.to_vector()],
        }
    note = _no_exact_path_note(result.arch, data)
    if note:
        provenance["note"] = note
    save_network(args.out, result.arch, result.params, dps=args.dps, provenance=provenance, data=data)
    print(f"wrote {args.out}: widths {list(result.arch.widths)}, {result.message}")
    if note:
        print(f"note: {note}")
    return 0


def _no_exact_path_note(arch, data) -> str:
    """Why a piecewise-linear activation other than ReLU got no exact rational fit (docs/activations.md)."""
    p = arch.phi.properties
    if arch.activation == "relu" or not p.piecewise_linear or p.smooth or data.input_dim != 1 or data.output_dim != 1:
        return ""
    return (f"{arch.activation} was trained by the float64 search and high-precision polish, not by an exact "
            "rational fit: the one-input exact ReLU fit does not carry over to a leaky slope (the net is an affine "
            "part tied to its ReLU part), see docs/activations.md")


def _command_line(args) -> str:
    words = ["semiflat", "train"]
    if args.data is not None:
        words += ["--data", str(args.data)]
    else:
        words += ["--teacher", args.teacher, "--n", str(args.n), "--noise", repr(args.noise),
                  "--teacher-kind", args.teacher_kind]
    words += ["--seed", str(args.seed), "--activation", args.activation, "--hidden", str(args.hidden),
              "--target-loss", str(args.target_loss), "--dps", str(args.dps), "--objective", args.objective]
    if args.max_restarts is not None:
        words += ["--max-restarts", str(args.max_restarts)]
    words += ["--out", str(args.out)]
    return shlex.join(words)
