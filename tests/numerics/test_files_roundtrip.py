"""Network and data files round-trip exactly at the stored dps (docs/formats.md "Network file").

Oracle: mpf equality after rounding to ``dps`` digits (the numbers were made at ``dps``), and
text stability (load -> save reproduces the same file). Negative control: writing fewer digits
than ``digits_for(dps)`` loses numbers.
"""

import json

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics.dataset import Dataset
from numerics.io.network_file import load_data, load_network, network_from_json, network_to_json, save_data, save_network
from numerics.precision import GUARD
from theory import Architecture, Params


def random_mpf(rng, dps, exp_range=300):
    """A random number with exactly ``dps`` digits of precision, exponent in +-exp_range."""
    with mpmath.workdps(dps):
        kind = rng.integers(10)
        if kind == 0:
            return mpmath.mpf(0)
        mant = mpmath.mpf(int(rng.integers(1, 2**62))) / 2**62 + mpmath.rand()
        return (-1) ** int(rng.integers(2)) * mant * mpmath.mpf(10) ** int(rng.integers(-exp_range, exp_range + 1))


def random_network(seed, dps, widths=(2, 3, 2), activation="tanh", bias=True, exp_range=300):
    rng = np.random.default_rng(seed)
    arch = Architecture(tuple(widths), activation, bias)
    vec = [random_mpf(rng, dps, exp_range) for _ in range(arch.n_params)]
    return arch, Params.from_vector(arch, vec)


def same_at(dps, a, b):
    with mpmath.workdps(dps):
        return +a == +b


@settings(max_examples=10)
@given(seed=st.integers(0, 2**32 - 1), dps=st.sampled_from([15, 30, 50, 80]),
       widths=st.lists(st.integers(1, 3), min_size=2, max_size=4), bias=st.booleans())
def test_network_round_trips_exactly_at_dps(tmp_path_factory, seed, dps, widths, bias):
    arch, params = random_network(seed, dps, widths, bias=bias)
    path = tmp_path_factory.mktemp("rt") / "net.json"
    save_network(path, arch, params, dps=dps, provenance={"seed": seed})
    net = load_network(path)
    assert net.arch == arch and net.dps == dps
    assert net.provenance["seed"] == seed and "semiflat_version" in net.provenance
    pairs = list(zip(params.to_vector(), net.params.to_vector()))
    assert all(same_at(dps, a, b) for a, b in pairs)
    # loaded numbers carry dps + GUARD digits: load -> save reproduces the file byte for byte
    again = path.with_name("again.json")
    save_network(again, net.arch, net.params, dps=net.dps, provenance={"seed": seed})
    assert again.read_text() == path.read_text()


def test_fewer_digits_lose_numbers():
    """Negative control: a writer with dps - 3 digits does not round-trip at dps."""
    dps = 50
    arch, params = random_network(7, dps, (3, 4, 3))
    obj = network_to_json(arch, params, dps)
    with mpmath.workdps(dps):
        short = [[[mpmath.nstr(v, dps - 3) for v in row] for row in w] for w in params.W]
    obj["parameters"]["W"] = short
    net = network_from_json(obj)
    W_pairs = [(a, b) for w0, w1 in zip(params.W, net.params.W) for a, b in zip(w0.reshape(-1), w1.reshape(-1))]
    assert not all(same_at(dps, a, b) for a, b in W_pairs if a != 0)


def test_plain_json_numbers_are_read_exactly(tmp_path):
    """0.1 as a JSON number is the decimal 1/10 read at dps+GUARD, not the float 0.1; 1e400 does not overflow."""
    arch, params = random_network(1, 50, (1, 2, 1))
    obj = network_to_json(arch, params, 50)
    text = json.dumps(obj)
    text = text.replace(json.dumps(obj["parameters"]["W"][0][0][0]), "0.1", 1)
    text = text.replace(json.dumps(obj["parameters"]["W"][0][1][0]), "-1e400", 1)
    text = text.replace(json.dumps(obj["parameters"]["b"][0][0]), "3", 1)
    (tmp_path / "n.json").write_text(text)
    net = load_network(tmp_path / "n.json")
    with mpmath.workdps(50 + GUARD):
        assert net.params.W[0][0, 0] == mpmath.mpf("0.1")
        assert net.params.W[0][0, 0] != mpmath.mpf(0.1)
        assert net.params.W[0][1, 0] == -mpmath.mpf(10) ** 400
        assert net.params.b[0][0] == 3


@pytest.mark.parametrize("zero", ['"-0"', '"-0.0"', "-0.0", '"-0e-5"', "-0"])
def test_negative_zero_loads_as_zero(tmp_path, zero):
    arch, params = random_network(2, 50, (1, 1, 1))
    obj = network_to_json(arch, params, 50)
    obj["parameters"]["W"][1][0][0] = "@@"
    (tmp_path / "n.json").write_text(json.dumps(obj).replace('"@@"', zero))
    value = load_network(tmp_path / "n.json").params.W[1][0, 0]
    assert value == 0 and mpmath.sign(value) == 0


def random_dataset(seed, dps, n, d, M):
    rng = np.random.default_rng(seed)
    x = np.array([[random_mpf(rng, dps, 20) for _ in range(d)] for _ in range(n)], dtype=object)
    y = np.array([[random_mpf(rng, dps, 20) for _ in range(M)] for _ in range(n)], dtype=object)
    return Dataset(x, y)


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("d,M", [(1, 1), (2, 3), (3, 1)])
def test_data_round_trips_exactly(tmp_path, fmt, d, M):
    dps = 40
    data = random_dataset(d * 10 + M, dps, 5, d, M)
    save_data(tmp_path / f"data.{fmt}", data, dps=dps, fmt=fmt)
    back = load_data(tmp_path / f"data.{fmt}", dps=dps)
    assert back.x.shape == (5, d) and back.y.shape == (5, M)
    for a, b in zip(list(data.x.reshape(-1)) + list(data.y.reshape(-1)), list(back.x.reshape(-1)) + list(back.y.reshape(-1))):
        assert same_at(dps, a, b)


def test_csv_header_forms_and_column_order(tmp_path):
    """x/y single columns and permuted x1..xd,y1..yM columns name the same data."""
    (tmp_path / "a.csv").write_text("x,y\n0.5,1\n-2,3e-3\n")
    (tmp_path / "b.csv").write_text("x1,y1\n0.5,1\n\n-2,3e-3\n")
    (tmp_path / "c.csv").write_text("y2, x2 ,y1,x1\n1,2,3,4\n5,6,7,8\n")
    a, b = load_data(tmp_path / "a.csv"), load_data(tmp_path / "b.csv")
    assert list(a.x.reshape(-1)) == list(b.x.reshape(-1)) == [mpmath.mpf("0.5"), -2]
    with mpmath.workdps(60):
        assert list(a.y.reshape(-1)) == [1, mpmath.mpf("3e-3")]
    c = load_data(tmp_path / "c.csv")
    assert [list(r) for r in c.x] == [[4, 2], [8, 6]] and [list(r) for r in c.y] == [[3, 1], [7, 5]]


def test_network_file_carries_its_data(tmp_path):
    arch, params = random_network(3, 50, (2, 3, 1))
    data = random_dataset(4, 50, 6, 2, 1)
    save_network(tmp_path / "n.json", arch, params, dps=50, data=data)
    net = load_network(tmp_path / "n.json")
    as_data = load_data(tmp_path / "n.json")  # a network file serves as a data file through its "data"
    assert isinstance(net.data, Dataset) and net.data.x.shape == (6, 2)
    for a, b, c in zip(data.x.reshape(-1), net.data.x.reshape(-1), as_data.x.reshape(-1)):
        assert same_at(50, a, b) and b == c


@pytest.mark.parametrize("dps", [20, 50])
def test_extreme_exponents_round_trip(tmp_path, dps):
    """Exponents far outside float64 (|e| up to 10^5) survive save -> load at dps."""
    arch, params = random_network(11, dps, (2, 2, 1), exp_range=100000)
    save_network(tmp_path / "n.json", arch, params, dps=dps)
    net = load_network(tmp_path / "n.json")
    assert all(same_at(dps, a, b) for a, b in zip(params.to_vector(), net.params.to_vector()))
    assert any(abs(v) > mpmath.mpf(10) ** 400 or 0 < abs(v) < mpmath.mpf(10) ** -400 for v in net.params.to_vector())
