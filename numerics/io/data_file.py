"""Data files (docs/formats.md "Data file") and the exact number reading every semiflat file uses.

Formats:

- CSV with a header: input columns ``x1..xd``, output columns ``y1..yM`` (``x`` / ``y`` when
  d = 1 / M = 1), one sample per row; columns may come in any order, blank lines are skipped.
- JSON ``{"x": [[...], ...], "y": [[...], ...]}``, one inner list per sample.

Numbers are decimal strings (plain JSON numbers are accepted too) and are read **exactly** at
``dps + GUARD`` digits with mpmath; NaN and infinities are rejected. Every defect raises
:class:`theory.errors.FileFormatError` naming the file, the field (a JSON path such as
``x[2][0]`` or a CSV ``line 3, column y1``), what was found and what was expected.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import stat
from pathlib import Path

import mpmath
import numpy as np

from numerics import limits
from numerics.dataset import Dataset
from numerics.io.atomic import write_atomic
from numerics.precision import to_decimal_string, workdps
from theory.errors import FileFormatError, InvalidInput

_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE](?P<exp>[+-]?[0-9]+))?", re.ASCII)
_DIGITS = re.compile(r"[1-9][0-9]*", re.ASCII)


def decimal_text(text, where: str = "") -> str:
    """The one rule for decimal numbers in files and options: ASCII digits (``١`` or ``１２`` are
    not numbers), finite (no nan, inf), at most :data:`numerics.limits.MAX_NUMBER_CHARS`
    characters and a decimal exponent of magnitude at most :data:`numerics.limits.MAX_EXPONENT`.

    Returns the stripped text; raises :class:`InvalidInput` naming ``where`` otherwise.

    >>> decimal_text(" -1.5e-3 ")
    '-1.5e-3'
    """
    prefix = f"{where}: " if where else ""
    raw = str(text)
    if len(raw) > limits.MAX_NUMBER_CHARS:
        raise FileFormatError(f"{prefix}found a number of {len(raw)} characters, expected at most "
                              f"{limits.MAX_NUMBER_CHARS}")
    stripped = raw.strip()
    m = _DECIMAL.fullmatch(stripped)
    if not m:
        shown = stripped if len(stripped) <= 40 else stripped[:40] + "..."
        raise FileFormatError(f"{prefix}found {shown!r}, expected a finite decimal number with ASCII digits "
                              "such as -1.5e-3")
    if m["exp"] is not None and abs(int(m["exp"])) > limits.MAX_EXPONENT:
        raise FileFormatError(f"{prefix}found the exponent {m['exp'][:20]} in {stripped[:40]!r}, expected an "
                              f"exponent of magnitude at most {limits.MAX_EXPONENT}")
    return stripped


def significant_digits(text: str) -> int:
    """Significant decimal digits of a decimal string (``"0.00120"`` has 3: trailing zeros after
    the point count as written digits only if non-zero digits follow)."""
    mantissa = text.strip().lstrip("+-").split("e")[0].split("E")[0].replace(".", "")
    m = _DIGITS.search(mantissa)
    return 0 if m is None else len(mantissa[m.start():].rstrip("0"))


class JsonNumber(str):
    """A JSON number literal with a fraction or exponent, kept as its exact text."""


class _NonFinite:
    """Marker for JSON's non-standard NaN / Infinity literals (rejected on validation)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def parse_json_text(text: str, label: str, exact: bool = True):
    """``json.loads`` that keeps non-integer numbers exact (as :class:`JsonNumber`).

    Integers longer than 4000 digits stay text too (Python refuses to convert them); nesting
    deeper than :data:`numerics.limits.MAX_JSON_DEPTH` is refused. ``exact=False`` reads
    fractions as floats (for results files, whose numbers are float64 by design)."""
    try:
        if exact:
            obj = json.loads(text, parse_float=JsonNumber, parse_int=_json_int, parse_constant=_NonFinite)
        else:
            obj = json.loads(text, parse_int=_json_int)
    except json.JSONDecodeError as exc:
        raise FileFormatError(
            f"{label}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            "fix the syntax or regenerate the file"
        ) from None
    except RecursionError:
        raise FileFormatError(f"{label}: JSON nested deeper than {limits.MAX_JSON_DEPTH} levels; "
                              "semiflat files nest only a few levels") from None
    _check_depth(obj, label)
    return obj


def _json_int(text: str):
    return int(text) if len(text) <= 4000 else JsonNumber(text)


def _check_depth(obj, label: str) -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH (checked without recursion)."""
    stack = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (list, dict)):
            if depth > limits.MAX_JSON_DEPTH:
                raise FileFormatError(f"{label}: JSON nested deeper than {limits.MAX_JSON_DEPTH} levels; "
                                      "semiflat files nest only a few levels")
            stack.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))


def read_text(path) -> str:
    """The UTF-8 text of ``path``; a missing or unreadable file is an :class:`InvalidInput`."""
    p = Path(path)
    shown = str(p) if len(str(p)) <= 200 else str(p)[:200] + "..."
    try:
        info = os.stat(p)
    except FileNotFoundError:
        raise InvalidInput(f"cannot read {shown}: no such file; check the path") from None
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read {shown}: {getattr(exc, 'strerror', None) or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InvalidInput(f"cannot read {shown}: it is a folder, expected a file")
    if not stat.S_ISREG(info.st_mode):
        raise InvalidInput(f"cannot read {shown}: not a regular file (a pipe or a device); give a file")
    try:
        size = info.st_size
        if size > limits.MAX_FILE_BYTES:
            raise InvalidInput(f"cannot read {p}: {size} bytes, more than the limit of "
                               f"{limits.MAX_FILE_BYTES // 2**20} MiB")
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise FileFormatError(f"{p}: not UTF-8 text; expected a JSON or CSV text file") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {shown}: {exc.strerror}") from None


def describe(value) -> str:
    """Short description of a found value for error messages."""
    if isinstance(value, (JsonNumber, str)) and len(value) > 40:
        return repr(str(value)[:40] + "...")
    if isinstance(value, JsonNumber):
        return str(value)
    if isinstance(value, (dict, list)):
        text = json.dumps(value, default=str)
        kind = "an object" if isinstance(value, dict) else "a list"
        return f"{kind} {text[:40]}{'...' if len(text) > 40 else ''}"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def fail(label: str, path: str, found, expected: str):
    """Raise the one error shape every file check uses."""
    where = f"{label}: {path}" if path else label
    raise FileFormatError(f"{where}: found {found}, expected {expected}")


def read_number(value, label: str, path: str):
    """One number as an mpf (call inside ``workdps``).

    Accepts decimal strings, JSON numbers and ints; exact (no float round-off). A decimal string
    with more significant digits than the working precision holds is read at a precision that
    holds all of them: no digit a file holds is dropped (docs/contract.md, "Precision")."""
    if isinstance(value, _NonFinite):
        fail(label, path, value.text, "a finite number")
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        fail(label, path, describe(value), "a number (decimal string such as \"0.125\")")
    if isinstance(value, int):
        if abs(value).bit_length() > 4 * limits.MAX_NUMBER_CHARS:
            fail(label, path, f"an integer of {len(str(value))} digits", f"at most {limits.MAX_NUMBER_CHARS} digits")
        return mpmath.mpf(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            fail(label, path, repr(value), "a finite number")
        return mpmath.mpf(value)
    if isinstance(value, mpmath.mpf):
        if not mpmath.isfinite(value):
            fail(label, path, str(value), "a finite number")
        return +value
    if isinstance(value, str):
        text = decimal_text(value, f"{label}: {path}" if path else label)
        digits = significant_digits(text)
        if digits * 3.33 + 8 > mpmath.mp.prec:
            with mpmath.workdps(digits + 5):
                return mpmath.mpf(text)
        return mpmath.mpf(text)
    fail(label, path, describe(value), "a number")


def read_matrix(value, label: str, path: str, rows: int | None, cols: int | None, what: str) -> np.ndarray:
    """A ``rows x cols`` list of lists of numbers as an object array (None = any size >= 1)."""
    if not isinstance(value, list):
        fail(label, path, describe(value), f"a list of rows ({what})")
    if rows is not None and len(value) != rows:
        fail(label, path, f"{len(value)} rows", f"{rows} ({what})")
    if rows is None and not value:
        fail(label, path, "an empty list", f"at least one row ({what})")
    if rows is None and len(value) > limits.MAX_SAMPLES:
        fail(label, path, f"{len(value)} rows", f"at most {limits.MAX_SAMPLES} ({what})")
    out = []
    for i, row in enumerate(value):
        if not isinstance(row, list):
            fail(label, f"{path}[{i}]", describe(row), f"a list of numbers ({what})")
        width = cols if cols is not None else (len(value[0]) if isinstance(value[0], list) else None)
        if len(row) != width or width == 0:
            fail(label, f"{path}[{i}]", f"{len(row)} entries", f"{width if width else 'at least 1'} ({what})")
        out.append([read_number(v, label, f"{path}[{i}][{k}]") for k, v in enumerate(row)])
    arr = np.empty((len(out), len(out[0]) if out else 0), dtype=object)
    for i, row in enumerate(out):
        arr[i, :] = row
    return arr


def dataset_from_json(obj, label: str, prefix: str = "", input_dim=None, output_dim=None) -> Dataset:
    """A :class:`Dataset` from ``{"x": [[...]], "y": [[...]]}`` (call inside ``workdps``).

    ``prefix`` is the JSON path of ``obj`` (``"data."`` inside a network file);
    ``input_dim``/``output_dim`` (when given) are the widths the columns must match."""
    where = prefix.rstrip(".") or "(top level)"
    if not isinstance(obj, dict):
        fail(label, where, describe(obj), 'an object {"x": [[...]], "y": [[...]]}')
    for key in ("x", "y"):
        if key not in obj:
            fail(label, f"{prefix}{key}", "nothing (missing)", "a list with one row of numbers per sample")
    x = read_matrix(obj["x"], label, f"{prefix}x", None, input_dim,
                    "one row per sample" + (f", {input_dim} input column(s) as the network has" if input_dim else ""))
    y = read_matrix(obj["y"], label, f"{prefix}y", x.shape[0], output_dim,
                    "one row per sample of x" + (f", {output_dim} output column(s) as the network has" if output_dim else ""))
    return Dataset(x, y)


def dataset_to_json(data: Dataset, dps: int) -> dict:
    """``{"x": [[...]], "y": [[...]]}`` with decimal strings that round-trip at ``dps``."""
    with workdps(dps):
        return {
            "x": [[to_decimal_string(v, dps) for v in row] for row in np.asarray(data.x, dtype=object)],
            "y": [[to_decimal_string(v, dps) for v in row] for row in np.asarray(data.y, dtype=object)],
        }


def _columns(header: list[str], label: str) -> tuple[list[int], list[int]]:
    """Positions of the x and y columns, ordered x1..xd and y1..yM."""
    found = {"x": {}, "y": {}}
    for pos, raw in enumerate(header):
        name = raw.strip()
        m = re.fullmatch(r"([xy])(\d*)", name)
        if not m or (m.group(2) and (m.group(2).startswith("0"))):
            fail(label, f"header column {pos + 1}", repr(name), "a column named x1..xd or y1..yM (or x / y)")
        kind, num = m.group(1), int(m.group(2)) if m.group(2) else 0
        if num in found[kind] or (num == 0 and found[kind]) or (num and 0 in found[kind]):
            fail(label, f"header column {pos + 1}", repr(name),
                 f"each {kind} column once, either a single '{kind}' or '{kind}1', '{kind}2', ...")
        found[kind][num] = pos
    positions = []
    for kind in ("x", "y"):
        nums = sorted(found[kind])
        if not nums:
            fail(label, "header", ",".join(h.strip() for h in header), f"at least one {kind} column ({kind} or {kind}1..)")
        if nums != [0] and nums != list(range(1, len(nums) + 1)):
            fail(label, "header", ",".join(h.strip() for h in header),
                 f"{kind} columns numbered 1..{len(nums)} without gaps")
        positions.append([found[kind][n] for n in nums])
    return positions[0], positions[1]


def dataset_from_csv(text: str, label: str) -> Dataset:
    """A :class:`Dataset` from CSV text with a header (call inside ``workdps``)."""
    try:
        lines = [(n, row) for n, row in enumerate(csv.reader(io.StringIO(text)), start=1)
                 if row and any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise FileFormatError(f"{label}: not valid CSV ({exc}); cells hold at most "
                              f"{limits.MAX_CSV_CELL} characters") from None
    if len(lines) > limits.MAX_SAMPLES + 1:
        fail(label, "", f"{len(lines) - 1} data rows", f"at most {limits.MAX_SAMPLES} samples")
    if not lines:
        fail(label, "", "an empty file", "a header x1..xd,y1..yM and one row per sample")
    (_, header), body = lines[0], lines[1:]
    xcols, ycols = _columns(header, label)
    names = [h.strip() for h in header]
    if not body:
        fail(label, "", "a header and no rows", "at least one data row")
    x = np.empty((len(body), len(xcols)), dtype=object)
    y = np.empty((len(body), len(ycols)), dtype=object)
    for i, (line, row) in enumerate(body):
        if len(row) != len(header):
            fail(label, f"line {line}", f"{len(row)} fields", f"{len(header)} (one per header column)")
        for k, c in enumerate(xcols):
            x[i, k] = read_number(row[c], label, f"line {line}, column {names[c]}")
        for k, c in enumerate(ycols):
            y[i, k] = read_number(row[c], label, f"line {line}, column {names[c]}")
    return Dataset(x, y)


def load_data(path, dps: int = 50) -> Dataset:
    """Read a data file (CSV or JSON, recognised by content) exactly at ``dps + GUARD`` digits.

    A network file is accepted too and yields the data stored under its ``"data"``.

    Returns a :class:`Dataset` whose entries are mpmath numbers (n x d inputs, n x M targets)."""
    dps = _check_dps(dps)
    text = read_text(path)
    label = str(path)
    with workdps(dps):
        if text.lstrip().startswith(("{", "[")):
            obj = parse_json_text(text, label)
            if isinstance(obj, dict) and "format" in obj and "x" not in obj:
                if obj.get("data") is None:
                    fail(label, "data", "nothing (missing)", "the training data {\"x\": ..., \"y\": ...} "
                         "(this network file stores none; give a data file)")
                return dataset_from_json(obj["data"], label, "data.")
            return dataset_from_json(obj, label)
        return dataset_from_csv(text, label)


def save_data(path, data: Dataset, dps: int = 50, fmt: str = "csv") -> None:
    """Write ``data`` atomically as CSV (header x1..xd,y1..yM) or JSON, numbers as decimal strings."""
    dps = _check_dps(dps)
    if fmt == "json":
        text = json.dumps(dataset_to_json(data, dps)) + "\n"
    elif fmt == "csv":
        body = dataset_to_json(data, dps)
        header = [f"x{k + 1}" for k in range(data.input_dim)] + [f"y{k + 1}" for k in range(data.output_dim)]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for xr, yr in zip(body["x"], body["y"]):
            writer.writerow(xr + yr)
        text = out.getvalue()
    else:
        raise InvalidInput(f"data format {fmt!r} is not known; use 'csv' or 'json'")
    write_text_atomic(path, text)


def _check_dps(dps) -> int:
    if isinstance(dps, bool) or not isinstance(dps, int) or dps < 1:
        raise InvalidInput(f"dps {dps!r} is not a positive integer; pass e.g. dps=50")
    return limits.check_dps("dps", dps)


def write_text_atomic(path, text: str) -> None:
    """Write ``text`` atomically (see :func:`numerics.io.atomic.write_atomic`)."""
    write_atomic(path, text)
