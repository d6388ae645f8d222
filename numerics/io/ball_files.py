"""Networks, data and boxes as balls read from their decimal strings (docs/certified.md "Balls").

A network object (``semiflat.network/1`` JSON, numerics.io.network_file) and a data object
``{"x": [[...]], "y": [[...]]}`` hold decimal strings; here each becomes a ball around its decimal
(exact when the decimal is exact in binary). Shapes are validated by ``theory`` (Architecture,
Params.build); any defect raises InvalidInput.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

from numerics.balls import to_ball
from theory.architecture import Architecture
from theory.errors import InvalidInput, SemiflatError
from theory.params import Params


def canonical_text(obj) -> str:
    """The canonical JSON text of ``obj`` (sorted keys, no spaces) that digests are taken of."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def digest(obj) -> str:
    """sha256 of :func:`canonical_text`."""
    return hashlib.sha256(canonical_text(obj).encode()).hexdigest()


def _strings(value, where):
    if isinstance(value, list):
        return [_strings(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str):
        raise InvalidInput(f"{where}: expected a decimal string, found {type(value).__name__}")
    return to_ball(value)


def network_balls(obj) -> tuple[Architecture, Params]:
    """(architecture, parameters as balls) of a network JSON object."""
    try:
        a = obj["architecture"]
        arch = Architecture(tuple(a["widths"]), a["activation"], a.get("bias", True))
        p = obj["parameters"]
        W = [np.array(_strings(w, f"parameters.W[{l}]"), dtype=object) for l, w in enumerate(p["W"])]
        b = [np.array(_strings(v, f"parameters.b[{l}]"), dtype=object) for l, v in enumerate(p["b"])] \
            if arch.bias else None
        return arch, Params.build(arch, W, b)
    except (KeyError, TypeError, AttributeError) as exc:
        raise InvalidInput(f"network: missing or malformed field ({exc})") from None
    except SemiflatError as exc:
        raise InvalidInput(f"network: {exc}") from None


def data_balls(obj, arch: Architecture) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of a data JSON object as n x d and n x M object arrays of balls."""
    try:
        x = np.array(_strings(obj["x"], "data.x"), dtype=object)
        y = np.array(_strings(obj["y"], "data.y"), dtype=object)
    except (KeyError, TypeError) as exc:
        raise InvalidInput(f"data: missing or malformed field ({exc})") from None
    if x.ndim != 2 or y.ndim != 2 or x.shape[0] != y.shape[0] or x.shape[1] != arch.input_dim \
            or y.shape[1] != arch.output_dim or x.shape[0] == 0:
        raise InvalidInput(f"data: inputs {list(x.shape)} and targets {list(y.shape)} do not fit the network "
                           f"{list(arch.widths)}")
    return x, y


def network_strings(obj, arch: Architecture) -> list[str]:
    """The parameters of a network JSON object as decimal strings in the flat order."""
    p = obj["parameters"]
    W = [np.array(w, dtype=object) for w in p["W"]]
    b = [np.array(v, dtype=object) for v in p["b"]] if arch.bias else None
    return [str(v) for v in Params.build(arch, W, b).to_vector()]
