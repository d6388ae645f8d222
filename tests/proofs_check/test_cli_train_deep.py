"""`semiflat train --hidden H1,H2,...`: deep networks from the command line.

Oracle: the squared error recomputed at 60 digits from the written file alone (theory.network.loss
on the file's decimal strings and data). Refused --hidden values: exit 2, one line, no file."""

import json

import mpmath
import numpy as np
import pytest

from proofs_check.commands.cli import main
from theory.architecture import Architecture
from theory.network import loss
from theory.params import Params, flatten


def _sse_from_file(obj):
    arch = Architecture(tuple(obj["architecture"]["widths"]), obj["architecture"]["activation"])
    with mpmath.workdps(60):
        W = [np.array([[mpmath.mpf(v) for v in row] for row in w], dtype=object) for w in obj["parameters"]["W"]]
        b = [np.array([mpmath.mpf(v) for v in v_], dtype=object) for v_ in obj["parameters"]["b"]]
        params = Params.from_vector(arch, flatten(W, b))
        x = np.array([[mpmath.mpf(v) for v in row] for row in obj["data"]["x"]], dtype=object)
        y = np.array([[mpmath.mpf(v) for v in row] for row in obj["data"]["y"]], dtype=object)
        return 2 * loss(arch, params, x, y)


def test_two_hidden_layers_file_recomputed_at_60_digits(tmp_path):
    out = tmp_path / "deep.json"
    rc = main(["train", "--teacher", "tanh", "--seed", "8401", "--activation", "tanh", "--hidden", "3,3",
               "--out", str(out)])
    assert rc == 0
    obj = json.loads(out.read_text())
    assert obj["architecture"]["widths"] == [1, 3, 3, 1]
    assert obj["provenance"]["hidden"] == [3, 3] and obj["provenance"]["hidden_requested"] == "3,3"
    assert _sse_from_file(obj) < mpmath.mpf("1e-29")
    # negative control: the file with the last layer's bias moved by 1e-12 misses the target
    with mpmath.workdps(70):
        c = mpmath.mpf(obj["parameters"]["b"][-1][0]) + mpmath.mpf("1e-12")
        obj["parameters"]["b"][-1][0] = mpmath.nstr(c, 70)
    assert _sse_from_file(obj) > mpmath.mpf("1e-29")


@pytest.mark.parametrize("hidden", ["auto,3", "3,,3", "3,0", "3,-1", "3,auto,3", "x", "3.5,2"])
def test_refused_hidden_widths(tmp_path, capsys, hidden):
    out = tmp_path / "net.json"
    rc = main(["train", "--teacher", "tanh", "--activation", "tanh", "--hidden", hidden, "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and not out.exists()
    assert "--hidden" in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
