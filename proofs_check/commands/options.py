"""Typed command-line values shared by every command (docs/contract.md, "Bad input").

Each function here is an ``argparse`` ``type=``: it reads one option's text with the one decimal
rule of :func:`numerics.io.data_file.decimal_text` (ASCII digits only, finite, at most
:data:`numerics.limits.MAX_NUMBER_CHARS` characters and an exponent of at most
:data:`numerics.limits.MAX_EXPONENT`), checks the documented range, and otherwise raises
``argparse.ArgumentTypeError``, which the CLI prints as one line with exit code 2. Output paths
are checked before any work starts (:func:`check_output_file`, :func:`check_output_folder`).
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from numerics import limits
from theory.errors import InvalidInput

_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
VALUE_FIRST = "\x00"
"""Leading mark of a message that starts with the offending value: the CLI prints it as
``--flag VALUE is ...`` instead of argparse's ``argument --flag: ...``."""


class OptionValueError(argparse.ArgumentTypeError):
    """A bad option value; the message starts with the value."""

    def __init__(self, message: str):
        super().__init__(VALUE_FIRST + message)
NAME_MAX = 255
"""Longest file name (bytes) on the file systems semiflat writes to."""


def integer(low: int, high: int, what: str = ""):
    """An ``argparse`` type: an ASCII integer in ``[low, high]``."""
    def parse(text: str) -> int:
        raw = text.strip()
        if not _INTEGER.fullmatch(raw) or len(raw) > 40:
            raise OptionValueError(f"{text[:40]!r} is not an integer; give ASCII digits such as {low}")
        value = int(raw)
        if not low <= value <= high:
            raise OptionValueError(f"{value} is out of range; expected an integer from {low} to {high}"
                                             + (f" ({what})" if what else ""))
        return value

    parse.__name__ = "integer"
    return parse


def real(low: float | None = None, high: float | None = None, *, open_low: bool = False, what: str = ""):
    """An ``argparse`` type: a finite ASCII decimal in ``[low, high]`` (``(low, high]`` with
    ``open_low``), as a float; bounds default to +-:data:`numerics.limits.MAX_OPTION_MAGNITUDE`."""
    lo = -limits.MAX_OPTION_MAGNITUDE if low is None else low
    hi = limits.MAX_OPTION_MAGNITUDE if high is None else high

    def parse(text: str) -> float:
        value = float(decimal(text))
        if (value <= lo if open_low else value < lo) or value > hi:
            interval = f"{'(' if open_low else '['}{lo:g}, {hi:g}]"
            raise OptionValueError(f"{text.strip()} is out of range; expected a number in {interval}"
                                             + (f" ({what})" if what else ""))
        return value

    parse.__name__ = "number"
    return parse


def decimal(text: str) -> str:
    """An ``argparse`` type: a finite ASCII decimal, kept as its exact text (read later at dps)."""
    # deferred: this module loads with every `semiflat` command; the file reader loads only when used
    from numerics.io.data_file import decimal_text

    try:
        return decimal_text(text)
    except InvalidInput as exc:
        raise OptionValueError(f"{text[:40]!r}: {str(exc).split(': ', 1)[-1]}") from None


def decimals(text: str) -> str:
    """An ``argparse`` type: comma-separated finite decimals (each checked by :func:`decimal`)."""
    parts = text.split(",")
    if len(parts) > limits.MAX_WIDTH + 1:
        raise OptionValueError(f"has {len(parts)} entries; at most {limits.MAX_WIDTH + 1}")
    return ",".join(decimal(p) for p in parts)


def dps(low: int = 1, high: int = limits.DPS_MAX):
    """An ``argparse`` type: a working precision in ``[low, high]`` decimal digits."""
    return integer(low, high, "decimal digits")


def seed(text: str) -> int:
    """An ``argparse`` type: a seed, 0 <= seed <= 2^63 - 1."""
    return integer(0, limits.MAX_SEED, "seeds are non-negative")(text)


def workers(text: str) -> int:
    """An ``argparse`` type: 1..MAX_WORKERS worker processes."""
    return integer(1, limits.MAX_WORKERS, "at most 4 per CPU")(text)


def _name_ok(path: Path, flag: str) -> None:
    if len(os.fsencode(str(path))) > 4000:
        raise InvalidInput(f"{flag} {str(path)[:60]}...: the path is longer than 4000 bytes; pick a shorter path")
    for part in path.parts:
        if len(os.fsencode(part)) > NAME_MAX:
            raise InvalidInput(f"{flag} {str(path)[:60]}...: a name in the path is longer than {NAME_MAX} bytes; "
                               "pick a shorter name")
    if "\x00" in str(path):
        raise InvalidInput(f"{flag} {str(path)!r}: a path cannot contain a NUL character")


def _writable_folder(folder: Path, flag: str, shown: str) -> None:
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise InvalidInput(f"{flag} {shown}: folder {folder} {what}; create it first or pick another path")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InvalidInput(f"{flag} {shown}: folder {folder} is not writable; pick another path")


def _output_path(path, flag: str, kind: str) -> tuple[Path, str]:
    """``path`` as a :class:`Path` and as shown in messages; refused when empty or badly named."""
    if not str(path):
        raise InvalidInput(f"{flag} is empty; give a {kind} name")
    p = Path(path)
    _name_ok(p, flag)
    return p, str(path)[:200]


def check_output_file(path, flag: str = "--out") -> Path:
    """Refuse, before any work, an output file path that cannot be written: a folder, a missing
    or unwritable parent folder, a name over 255 bytes."""
    p, shown = _output_path(path, flag, "file")
    if p.is_dir():
        raise InvalidInput(f"{flag} {shown} is a folder; give a file name inside it")
    if p.exists() and not os.access(p, os.W_OK):
        raise InvalidInput(f"{flag} {shown} exists and is not writable; pick another path")
    _writable_folder(p.parent if str(p.parent) else Path("."), flag, shown)
    return p


def check_output_folder(path, flag: str = "--out") -> Path:
    """Refuse, before any work, an output folder that cannot be created or written: a file in
    its place, a missing or unwritable parent, a name over 255 bytes. Nothing is created here."""
    p, shown = _output_path(path, flag, "folder")
    if p.exists():
        if not p.is_dir():
            raise InvalidInput(f"{flag} {shown} is a file, expected a folder; pick another path")
        _writable_folder(p, flag, shown)
        return p
    parent = p.parent if str(p.parent) else Path(".")
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    _writable_folder(parent, flag, shown)
    return p
