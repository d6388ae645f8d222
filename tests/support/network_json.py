"""A network file read by hand, without semiflat's reader: the tests' independent oracle."""

import json

import mpmath
import numpy as np

from theory.architecture import Architecture
from theory.params import Params


def read_by_hand(path, dps: int = 60):
    """``(arch, params, x, y, obj)`` from a ``semiflat.network/1`` file with data: every decimal
    string read by ``mpmath.mpf`` at ``dps`` digits, in the flat order W[l] row by row, then b[l]."""
    obj = json.loads(path.read_text())
    a = obj["architecture"]
    arch = Architecture(tuple(a["widths"]), a["activation"], a.get("bias", True))
    with mpmath.workdps(dps):
        vec = []
        for l, w in enumerate(obj["parameters"]["W"]):
            vec += [mpmath.mpf(v) for row in w for v in row]
            vec += [mpmath.mpf(v) for v in obj["parameters"]["b"][l]]
        params = Params.from_vector(arch, np.array(vec, dtype=object))
        x = np.array([[mpmath.mpf(v) for v in row] for row in obj["data"]["x"]], dtype=object)
        y = np.array([[mpmath.mpf(v) for v in row] for row in obj["data"]["y"]], dtype=object)
    return arch, params, x, y, obj
