"""The network file ``semiflat.network/1`` (docs/formats.md "Network file") and the data files.

Layout::

    {"format": "semiflat.network/1",
     "architecture": {"widths": [d, H_1, ..., M], "activation": "tanh", "bias": true},
     "parameters": {"W": [W[0], ..., W[K-1]], "b": [b[0], ..., b[K-1]]},
     "dps": 50,
     "provenance": {...},
     "data": {"x": [[...]], "y": [[...]]}}          # optional: the training data

``W[l]`` is a ``widths[l+1] x widths[l]`` list of rows, ``b[l]`` a list of ``widths[l+1]``
numbers (absent when bias is false). Numbers are written as decimal strings with
``digits_for(dps)`` significant digits (:func:`numerics.precision.to_decimal_string`), so they
round-trip exactly at ``dps``: a number of ``dps`` digits' precision is recovered bit for bit, and
load -> save reproduces the same text. On input plain JSON numbers are accepted too.

Precision semantics: :func:`load_network` reads every number at ``dps + GUARD`` digits of the
file's own ``dps``. ``"bias"`` defaults to true and ``"provenance"`` to ``{}`` when absent; every
other field is required. Every defect raises :class:`theory.errors.FileFormatError` whose message
names the JSON path (e.g. ``parameters.W[1][0][2]``), what was found and what was expected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import mpmath
import numpy as np

from numerics.io.data_file import (
    JsonNumber,
    dataset_from_json,
    dataset_to_json,
    describe,
    fail,
    load_data,
    parse_json_text,
    read_matrix,
    significant_digits,
    read_number,
    read_text,
    save_data,
    write_text_atomic,
)
from numerics import limits
from numerics.dataset import Dataset
from numerics.precision import digits_for, to_decimal_string, workdps
from theory import __version__
from theory.activations import ACTIVATION_NAMES, FAMILIES, get_activation
from theory.architecture import Architecture
from theory.errors import InvalidArchitecture, InvalidInput
from theory.params import Params

FORMAT = "semiflat.network/1"

__all__ = [
    "FORMAT",
    "NetworkFile",
    "load_data",
    "load_network",
    "network_from_json",
    "network_to_json",
    "save_data",
    "save_network",
]


@dataclass(frozen=True, eq=False)
class NetworkFile:
    """A loaded network file: parameters are mpmath numbers read at ``dps + GUARD`` digits.

    ``dps`` is the working precision: the file's ``"dps"``, raised when its numbers carry more
    digits than that precision would keep (``stored_dps`` is then the file's own value)."""

    arch: Architecture
    params: Params
    dps: int
    provenance: dict = field(default_factory=dict)
    data: Dataset | None = None
    stored_dps: int | None = None


def load_network(path) -> NetworkFile:
    """Read and validate a ``semiflat.network/1`` file (see the module docstring)."""
    label = str(path)
    return network_from_json(parse_json_text(read_text(path), label), label=label)


def network_from_json(obj, label: str = "network") -> NetworkFile:
    """Validate a parsed network object and read its numbers at ``dps + GUARD`` digits."""
    if not isinstance(obj, dict):
        fail(label, "(top level)", describe(obj), f'an object with "format": "{FORMAT}"')
    if "format" not in obj:
        fail(label, "format", "nothing (missing)", f'"{FORMAT}"')
    if obj["format"] != FORMAT:
        fail(label, "format", describe(obj["format"]), f'"{FORMAT}"')
    arch = _architecture(obj, label)
    stored = _dps(obj, label)
    dps = max(stored, _dps_holding(obj))
    provenance = obj.get("provenance", {})
    if not isinstance(provenance, dict):
        fail(label, "provenance", describe(provenance), "an object (or no provenance field)")
    with workdps(dps):
        params = _parameters(obj, arch, label)
        data = None
        if obj.get("data") is not None:
            data = dataset_from_json(obj["data"], label, "data.", arch.input_dim, arch.output_dim)
    return NetworkFile(arch, params, dps, _plain(provenance), data, stored)


def _dps_holding(obj: dict) -> int:
    """The smallest dps whose written digits (:func:`numerics.precision.digits_for`) hold every
    decimal string under ``parameters`` and ``data``: ``"dps"`` is a minimum, never a rounding."""
    most, stack = 0, [obj.get("parameters"), obj.get("data")]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and len(value) <= limits.MAX_NUMBER_CHARS:
            most = max(most, significant_digits(value))
    need = most - (digits_for(0))
    if need > limits.DPS_MAX:
        raise InvalidInput(f"numbers with {most} significant digits need more than dps {limits.DPS_MAX}, "
                           "the largest precision semiflat works at; round them")
    return max(1, need)


def _require(obj: dict, key: str, label: str, path: str, expected: str):
    if key not in obj:
        fail(label, path, "nothing (missing)", expected)
    return obj[key]


def _architecture(obj: dict, label: str) -> Architecture:
    a = _require(obj, "architecture", label, "architecture", 'an object {"widths": [...], "activation": ..., "bias": ...}')
    if not isinstance(a, dict):
        fail(label, "architecture", describe(a), 'an object {"widths": [...], "activation": ..., "bias": ...}')
    widths = _require(a, "widths", label, "architecture.widths", "a list of positive integers such as [1, 5, 1]")
    if not isinstance(widths, list) or len(widths) < 2:
        fail(label, "architecture.widths", describe(widths), "a list of at least 2 positive integers such as [1, 5, 1]")
    if len(widths) > limits.MAX_LAYERS + 1:
        fail(label, "architecture.widths", f"{len(widths)} widths", f"at most {limits.MAX_LAYERS + 1} layers")
    for i, w in enumerate(widths):
        if isinstance(w, bool) or not isinstance(w, int) or w < 1:
            fail(label, f"architecture.widths[{i}]", describe(w), "a positive integer")
        if w > limits.MAX_WIDTH:
            fail(label, f"architecture.widths[{i}]", describe(w), f"a width of at most {limits.MAX_WIDTH}")
    expected = f"one of {', '.join(ACTIVATION_NAMES)}, or {', '.join(FAMILIES)}"
    act = _require(a, "activation", label, "architecture.activation", expected)
    if not isinstance(act, str):
        fail(label, "architecture.activation", describe(act), expected)
    try:
        get_activation(act)
    except InvalidArchitecture as exc:
        fail(label, "architecture.activation", describe(act), f"{expected} ({exc})")
    bias = a.get("bias", True)
    if not isinstance(bias, bool):
        fail(label, "architecture.bias", describe(bias), "true or false")
    arch = Architecture(tuple(widths), act, bias)
    if arch.n_params > limits.MAX_PARAMS:
        fail(label, "architecture.widths", f"{list(widths)} ({arch.n_params} parameters)",
             f"at most {limits.MAX_PARAMS} parameters")
    return arch


def _dps(obj: dict, label: str) -> int:
    dps = _require(obj, "dps", label, "dps", "a positive integer (decimal digits of the numbers, e.g. 50)")
    if isinstance(dps, bool) or not isinstance(dps, int) or not 1 <= dps <= limits.DPS_MAX:
        fail(label, "dps", describe(dps), f"an integer from 1 to {limits.DPS_MAX} (decimal digits of the numbers, e.g. 50)")
    return dps


def _parameters(obj: dict, arch: Architecture, label: str) -> Params:
    p = _require(obj, "parameters", label, "parameters", 'an object {"W": [...], "b": [...]}')
    if not isinstance(p, dict):
        fail(label, "parameters", describe(p), 'an object {"W": [...], "b": [...]}')
    K = arch.n_layers
    W = _require(p, "W", label, "parameters.W", f"a list of {K} weight matrices")
    if not isinstance(W, list) or len(W) != K:
        found = f"{len(W)} matrices" if isinstance(W, list) else describe(W)
        fail(label, "parameters.W", found, f"{K} weight matrices for widths {list(arch.widths)}")
    Ws = [
        read_matrix(W[l], label, f"parameters.W[{l}]", rows, cols,
                    f"widths[{l + 1}] x widths[{l}] = {rows} x {cols}")
        for l, (rows, cols) in ((l, arch.layer_shape(l)) for l in range(K))
    ]
    bs = None
    if arch.bias:
        b = _require(p, "b", label, "parameters.b", f"a list of {K} bias vectors (architecture.bias is true)")
        if not isinstance(b, list) or len(b) != K:
            found = f"{len(b)} vectors" if isinstance(b, list) else describe(b)
            fail(label, "parameters.b", found, f"{K} bias vectors for widths {list(arch.widths)}")
        bs = []
        for l in range(K):
            rows = arch.widths[l + 1]
            if not isinstance(b[l], list) or len(b[l]) != rows:
                found = f"{len(b[l])} entries" if isinstance(b[l], list) else describe(b[l])
                fail(label, f"parameters.b[{l}]", found, f"a list of widths[{l + 1}] = {rows} numbers")
            bs.append(np.array([read_number(v, label, f"parameters.b[{l}][{i}]") for i, v in enumerate(b[l])],
                               dtype=object))
    elif p.get("b") not in (None, []):
        fail(label, "parameters.b", describe(p["b"]), "no biases (architecture.bias is false)")
    return Params.build(arch, Ws, bs)


def network_to_json(arch: Architecture, params: Params, dps: int = 50, provenance=None, data=None) -> dict:
    """The JSON object of a network file (numbers as decimal strings that round-trip at ``dps``).

    ``provenance`` is copied with ``"semiflat_version"`` added; ``data`` (a :class:`Dataset`) is
    stored under ``"data"``."""
    if isinstance(dps, bool) or not isinstance(dps, int) or dps < 1:
        raise InvalidInput(f"dps {dps!r} is not a positive integer; pass e.g. dps=50")
    limits.check_dps("dps", dps)
    Params.build(arch, params.W, params.b)  # raises InvalidParameters on shape mismatch
    with workdps(dps):
        def text(v):
            return to_decimal_string(v, dps)

        obj = {
            "format": FORMAT,
            "architecture": {"widths": list(arch.widths), "activation": arch.activation, "bias": arch.bias},
            "parameters": {"W": [[[text(v) for v in row] for row in np.asarray(w)] for w in params.W]},
            "dps": dps,
        }
        if arch.bias:
            obj["parameters"]["b"] = [[text(v) for v in np.asarray(b)] for b in params.b]
    prov = _plain(dict(provenance or {}))
    prov["semiflat_version"] = __version__
    obj["provenance"] = prov
    if data is not None:
        if data.input_dim != arch.input_dim or data.output_dim != arch.output_dim:
            raise InvalidInput(
                f"data has {data.input_dim} input and {data.output_dim} output column(s); the network "
                f"{list(arch.widths)} needs {arch.input_dim} and {arch.output_dim}"
            )
        obj["data"] = dataset_to_json(data, dps)
    return obj


def save_network(path, arch: Architecture, params: Params, dps: int = 50, provenance=None, data=None) -> None:
    """Write a network file atomically (nothing partial is left under ``path`` on failure)."""
    write_text_atomic(path, dumps(network_to_json(arch, params, dps, provenance, data)))


def dumps(obj) -> str:
    """JSON text with one line per matrix row (lists of scalars stay on one line)."""
    return _dump(obj, 0) + "\n"


def _dump(obj, level: int) -> str:
    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{inner}{json.dumps(str(k))}: {_dump(v, level + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list):
        if all(not isinstance(v, (list, dict)) for v in obj):
            return json.dumps(obj)
        return "[\n" + ",\n".join(inner + _dump(v, level + 1) for v in obj) + "\n" + pad + "]"
    return json.dumps(obj)


def _plain(value):
    """Provenance values as plain JSON (mpf -> decimal string, tuples -> lists, paths -> str)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, JsonNumber):
        return str(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, mpmath.mpf):
        return mpmath.nstr(value, mpmath.mp.dps)
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
