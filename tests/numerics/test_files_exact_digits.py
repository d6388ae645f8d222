"""No digit a file holds is dropped: "dps" is a minimum, never a rounding instruction.

Oracle: the same network written with its true "dps" (the digits the strings carry). A file whose
"dps" claims fewer digits must give the same parameters and the same SSE; a data file whose
numbers have more digits than the requested precision is read with all of them. Negative
control: honouring the small "dps" (reading at 1 digit) changes the SSE far above 10^-50.
"""

import json

import mpmath
import numpy as np
import pytest

from numerics import mlp

from numerics.dataset import Dataset
from numerics.io.data_file import decimal_text, significant_digits
from numerics.io.network_file import load_data, load_network, network_to_json
from numerics.precision import rounding_band, workdps
from theory import Architecture, Params
from theory.errors import FileFormatError

DPS = 50


@pytest.fixture
def pair(tmp_path):
    """A 1-2-1 tanh net with exactly-fitted data at 50 digits, stored twice: dps 50 and dps 1."""
    arch = Architecture((1, 2, 1), "tanh")
    rng = np.random.default_rng(4)
    with workdps(DPS):
        params = Params.from_vector(arch, [mpmath.mpf(repr(float(v))) / 3 for v in rng.normal(size=arch.n_params)])
        x = np.array([[mpmath.mpf(k) / 7] for k in range(-3, 4)], dtype=object)
        from theory.network import forward
        y = forward(arch, params, x)
    obj = network_to_json(arch, params, DPS, data=Dataset(x, y))
    good, bad = tmp_path / "good.json", tmp_path / "dps1.json"
    good.write_text(json.dumps(obj))
    obj["dps"] = 1
    bad.write_text(json.dumps(obj))
    return good, bad


def _sse(net):
    with workdps(net.dps):
        x, y = net.data.to_mp().x, net.data.to_mp().y
        return 2 * mlp.loss(net.arch, net.params, x, y, net.dps)


def test_small_stored_dps_keeps_every_digit(pair):
    good, bad = (load_network(p) for p in pair)
    assert bad.stored_dps == 1 and bad.dps == good.dps == DPS
    assert all(a == b for a, b in zip(good.params.to_vector(), bad.params.to_vector()))
    assert _sse(good) <= rounding_band(DPS, 1, lost_digits=2)
    assert _sse(bad) == _sse(good)


def test_negative_control_rounding_to_the_stored_dps_changes_the_sse(pair):
    """What the old reader did: every string read at the stored dps (1 + guard digits)."""
    from numerics.precision import GUARD

    obj = json.loads(pair[1].read_text())
    net = load_network(pair[0])
    with mpmath.workdps(1 + GUARD):
        flat = [mpmath.mpf(v) for l in range(2) for part in (obj["parameters"]["W"][l], [obj["parameters"]["b"][l]])
                for row in part for v in row]
    with workdps(DPS):
        rounded = Params.from_vector(net.arch, [*flat[0:2], *flat[2:4], *flat[4:6], flat[6]])
        x, y = net.data.to_mp().x, net.data.to_mp().y
        assert 2 * mlp.loss(net.arch, rounded, x, y, DPS) > mpmath.mpf(10) ** -30


def test_cli_info_and_classify_use_all_digits(pair, capsys):
    from proofs_check.commands.cli import main

    assert main(["info", str(pair[1]), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dps"] == DPS and mpmath.mpf(out["sse"]) <= rounding_band(DPS, 1, lost_digits=2)
    assert main(["classify", str(pair[1]), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] != "not-critical"


def test_data_file_digits_beyond_dps_are_kept(tmp_path):
    long = "0." + "3" * 80
    (tmp_path / "d.csv").write_text(f"x,y\n{long},1\n")
    data = load_data(tmp_path / "d.csv", dps=20)
    with mpmath.workdps(100):
        assert abs(data.x[0, 0] - mpmath.mpf(long)) < mpmath.mpf(10) ** -79


def test_classify_blames_the_file_not_a_flag(tmp_path, capsys):
    from proofs_check.commands.cli import main

    arch = Architecture((1, 1, 1), "tanh")
    obj = network_to_json(arch, Params.from_vector(arch, [0.5, 0.25, 1.0, 0.0]), 1,
                          data=Dataset(np.array([[0.5]]), np.array([[0.25]])))
    (tmp_path / "n.json").write_text(json.dumps(obj))
    assert main(["classify", str(tmp_path / "n.json")]) == 2
    err = capsys.readouterr().err
    assert "works at dps 1" in err and "--dps 1 " not in err


@pytest.mark.parametrize("text", ["١", "１２", "nan", "inf", "-Infinity", "1e999999", "1e99999999999999",
                                  "1" * 20001, "0x10", "1_000", " "])
def test_decimal_text_refuses(text):
    with pytest.raises(FileFormatError):
        decimal_text(text)


def test_significant_digits():
    assert [significant_digits(t) for t in ("0", "0.00120", "-1.5e-3", "120", "1." + "0" * 9 + "1")] == [0, 2, 2, 2, 11]
