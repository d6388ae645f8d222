"""The ``semiflat`` command line: one module per command under :mod:`proofs_check.commands`.

Each command module defines ``NAME``, ``HELP``, ``EXAMPLE``, ``configure(parser)`` and
``run(args) -> int``. Exit codes: 0 success, 1 a check or target failed, 2 bad input or usage
(one line on stderr, no traceback, no partial output file).
"""

from __future__ import annotations

import argparse
import re
import signal
import sys

from proofs_check.commands import (
    bench,
    check,
    classify,
    derive,
    embed,
    experiment,
    export_net,
    import_net,
    info,
    merge,
    properties,
    reproduce,
    train,
    verify,
)
from proofs_check.commands.options import VALUE_FIRST
from theory import __version__
from theory.errors import SemiflatError

COMMANDS = (
    derive,
    train,
    embed,
    classify,
    check,
    experiment,
    merge,
    info,
    reproduce,
    bench,
    verify,
    import_net,
    export_net,
    properties,
)
"""Every command module, in the order ``semiflat --help`` lists them (tests loop over this tuple)."""


class UsageError(SemiflatError):
    """Bad command-line usage (raised instead of argparse's own exit)."""


_NEGATIVE_VALUES = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?([,:].*)?$")
"""Negative decimals, lists and boxes ("-1e-3", "-0.5,1", "-1:1") are values, not options."""


def join_negative_values(argv: list[str]) -> list[str]:
    """``--opt -0.5,1`` -> ``--opt=-0.5,1``: argparse would read a value that starts with ``-``
    and is not a plain number ("-0.5,1", "-1:1") as an unknown option, so such a value is attached
    to the option before it. Nothing else changes.

    >>> join_negative_values(["embed", "n.json", "--v0", "-0.5,1", "--lambda", "-2"])
    ['embed', 'n.json', '--v0=-0.5,1', '--lambda=-2']
    """
    out: list[str] = []
    for token in argv:
        previous = out[-1] if out else ""
        if (_NEGATIVE_VALUES.match(token) and previous.startswith("--") and "=" not in previous
                and previous != "--"):
            out[-1] = f"{previous}={token}"
        else:
            out.append(token)
    return out


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage dump
        flag, mark, rest = message.partition(": " + VALUE_FIRST)
        if mark and flag.startswith("argument "):
            message = f"{flag[len('argument '):].split('/')[0]} {rest}"
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    """The ``semiflat`` argument parser with one subcommand per module of :data:`COMMANDS`."""
    parser = _Parser(
        prog="semiflat",
        description=(
            "Check what happens to the loss landscape of a neural network when it is embedded "
            "into a wider one (Fukumizu, Yamaguchi, Mototake, Tanaka, NeurIPS 2019)."
        ),
        epilog="Example: semiflat reproduce --out results/   (run 'semiflat COMMAND --help' for each command)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )

    parser.add_argument("--version", action="version", version=f"semiflat {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in COMMANDS:
        p = sub.add_parser(
            module.NAME,
            help=module.HELP,
            description=module.HELP,
            epilog=f"Example:\n  {module.EXAMPLE}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.configure(p)
        p.set_defaults(_run=module.run)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception so that every ``finally`` (locks, temporaries) runs."""


def _terminate(signum, frame):
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    """Run ``semiflat`` on ``argv`` (default ``sys.argv[1:]``) and return the exit code: 0 success, 1 a
    check or target failed, 2 bad input or usage (one line on stderr, no traceback), 130 / 143 when
    interrupted or terminated (docs/contract.md).
    """
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread: leave signals alone
        pass
    try:
        return _main(argv)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(argv):
    try:
        parser = build_parser()
        for word in sys.argv[1:] if argv is None else argv:
            # argparse turns "--opt=--" into an empty list that skips the option's type check.
            if isinstance(word, str) and word.startswith("--") and word.endswith("=--"):
                raise UsageError(f"semiflat: {word}: '--' is not a value for {word[:-3]} (see 'semiflat --help')")
        args = parser.parse_args(join_negative_values(sys.argv[1:] if argv is None else list(argv)))
        if getattr(args, "_run", None) is None:
            commands = ", ".join(module.NAME for module in COMMANDS)
            print(f"semiflat: error: no command given; use one of {commands} (see 'semiflat --help')",
                  file=sys.stderr)
            return 2
        return int(args._run(args) or 0)
    except SemiflatError as exc:
        message = " ".join(str(exc).split())
        print(f"semiflat: error: {message}", file=sys.stderr)
        return 2
    except Terminated:
        print("semiflat: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("semiflat: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except (RecursionError, MemoryError) as exc:
        # Sizes are checked up front (numerics.limits); this is the last guard for an input whose
        # structure still exhausts the interpreter, reported as bad input rather than a traceback.
        what = "nests too deeply" if isinstance(exc, RecursionError) else "needs more memory than is available"
        print(f"semiflat: error: the input {what} for this command; use a smaller input", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
