"""`semiflat train`: the written file alone proves the claim.

Oracles: the squared error recomputed at 60 digits from net.json (theory.network.loss on mpf
read from the file's decimal strings, data from the file's "data"); for ReLU the exact rational
parameters in the provenance, evaluated in sympy rationals, and the exact minimal width found
independently by checking every smaller width is refused."""

import json
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy

from numerics.teacher import teacher_data
from numerics.precision import rounding_band
from numerics.training import relu1d
from proofs_check.commands.cli import main
from theory.architecture import Architecture
from theory.network import forward, loss
from theory.params import Params
from support.network_json import read_by_hand


def _sse_from_file(path):
    arch, params, x, y, obj = read_by_hand(path)
    with mpmath.workdps(60):
        return 2 * loss(arch, params, x, y), obj


@pytest.mark.parametrize("seed", [4242, 31337])
def test_tanh_unseen_seed_file_recomputed_at_60_digits(tmp_path, seed):
    out = tmp_path / "net.json"
    rc = main(["train", "--teacher", "tanh", "--n", "10", "--noise", "0.1", "--seed", str(seed),
               "--activation", "tanh", "--hidden", "5", "--out", str(out)])
    assert rc == 0
    sse, obj = _sse_from_file(out)
    assert sse < mpmath.mpf("1e-29")
    prov = obj["provenance"]
    assert prov["seed"] == seed and prov["reached_target"] is True
    with mpmath.workdps(60):
        # provenance stores verified_sse to 10 significant digits (commands/train.py), our
        # recomputation carries 60: they agree to 10^-10 relative (+ 10^-60 absolute)
        assert abs(mpmath.mpf(prov["verified_sse"]) - sse) <= rounding_band(10, sse) + rounding_band(60, 1)
    # negative control: the same file with one weight moved by 1e-12 misses the target
    with mpmath.workdps(70):
        w = mpmath.mpf(obj["parameters"]["W"][0][0][0]) + mpmath.mpf("1e-12")
        obj["parameters"]["W"][0][0][0] = mpmath.nstr(w, 70)
    moved = tmp_path / "moved.json"
    moved.write_text(json.dumps(obj))
    assert _sse_from_file(moved)[0] > mpmath.mpf("1e-29")


def test_relu_auto_exact_minimal_width_and_exact_fit(tmp_path):
    out = tmp_path / "relu.json"
    rc = main(["train", "--teacher", "relu", "--seed", "77", "--activation", "relu", "--hidden", "auto",
               "--out", str(out)])
    assert rc == 0
    sse, obj = _sse_from_file(out)
    assert sse < mpmath.mpf("1e-29")
    H = obj["architecture"]["widths"][1]
    # exact rationals: the fit of the generated float64 data is exact
    gen = teacher_data("relu", seed=77).dataset
    exact = [sympy.Rational(Fraction(s).numerator, Fraction(s).denominator) for s in obj["provenance"]["exact"]["parameters"]]
    arch = Architecture((1, H, 1), "relu")
    xs = np.array([[sympy.Rational(Fraction(float(v)).numerator, Fraction(float(v)).denominator)] for v in gen.x[:, 0]],
                  dtype=object)
    out_vals = forward(arch, Params.from_vector(arch, np.array(exact, dtype=object)), xs)[:, 0]
    assert [sympy.Rational(Fraction(float(v)).numerator, Fraction(float(v)).denominator) for v in gen.y[:, 0]] \
        == list(out_vals)
    # minimal: the width below is refused with a certificate (exit 1, no file)
    below = tmp_path / "below.json"
    rc = main(["train", "--teacher", "relu", "--seed", "77", "--activation", "relu", "--hidden", str(H - 1),
               "--out", str(below)])
    assert rc == 1 and not below.exists()
    assert relu1d.minimal_width(gen.x, gen.y)[0] == H


def test_infeasible_relu_prints_certificate_and_exits_1(tmp_path, capsys):
    out = tmp_path / "n.json"
    rc = main(["train", "--teacher", "relu", "--seed", "1", "--activation", "relu", "--hidden", "2", "--out", str(out)])
    assert rc == 1 and not out.exists()
    text = capsys.readouterr().out
    gen = teacher_data("relu", seed=1).dataset
    K = relu1d.Interpolation(gen.x[:, 0], gen.y[:, 0]).min_kinks()
    assert f"need at least {K} kinks" in text


@pytest.mark.parametrize("argv", [
    ["--activation", "tanh", "--hidden", "5"],                                   # no data source
    ["--teacher", "tanh", "--activation", "nope", "--hidden", "5"],               # unknown activation
    ["--teacher", "tanh", "--activation", "tanh", "--hidden", "-1"],              # bad width
    ["--teacher", "tanh", "--activation", "tanh", "--hidden", "5", "--target-loss", "x"],
    ["--teacher", "tanh", "--activation", "relu", "--hidden", "2", "--objective", "critical"],
])
def test_bad_input_exits_2_without_file(tmp_path, argv):
    out = tmp_path / "bad.json"
    assert main(["train", *argv, "--out", str(out)]) == 2
    assert not out.exists()


def test_data_file_round_trip(tmp_path):
    gen = teacher_data("tanh", seed=5).dataset
    data = tmp_path / "d.csv"
    data.write_text("x,y\n" + "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in zip(gen.x[:, 0], gen.y[:, 0])))
    out = tmp_path / "net.json"
    assert main(["train", "--data", str(data), "--activation", "tanh", "--hidden", "5", "--seed", "5",
                 "--out", str(out)]) == 0
    sse, obj = _sse_from_file(out)
    assert sse < mpmath.mpf("1e-29") and obj["provenance"]["data_source"] == {"file": str(data)}


def test_relu_from_data_file_is_exact(tmp_path):
    gen = teacher_data("relu", seed=3).dataset
    data = tmp_path / "d.csv"
    data.write_text("x,y\n" + "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in zip(gen.x[:, 0], gen.y[:, 0])))
    out = tmp_path / "net.json"
    assert main(["train", "--data", str(data), "--activation", "relu", "--hidden", "auto", "--out", str(out)]) == 0
    sse, obj = _sse_from_file(out)
    assert sse < mpmath.mpf("1e-29")
    assert obj["architecture"]["widths"][1] == relu1d.minimal_width(gen.x, gen.y)[0]


def test_critical_objective_file_gradient_recomputed_at_60_digits(tmp_path):
    from numerics import mlp

    out = tmp_path / "crit.json"
    assert main(["train", "--teacher", "tanh", "--seed", "0", "--activation", "tanh", "--hidden", "1",
                 "--objective", "critical", "--dps", "40", "--out", str(out)]) == 0
    sse, obj = _sse_from_file(out)
    arch = Architecture(tuple(obj["architecture"]["widths"]), "tanh")
    with mpmath.workdps(70):
        vec = []
        for l, w in enumerate(obj["parameters"]["W"]):
            vec += [mpmath.mpf(v) for row in w for v in row] + [mpmath.mpf(v) for v in obj["parameters"]["b"][l]]
        x = np.array([[mpmath.mpf(v) for v in row] for row in obj["data"]["x"]], dtype=object)
        y = np.array([[mpmath.mpf(v) for v in row] for row in obj["data"]["y"]], dtype=object)
    g = mlp.gradient(arch, Params.from_vector(arch, np.array(vec, dtype=object)), x, y, dps=60)
    with mpmath.workdps(60):
        # the critical objective at dps 40 promises ||grad L|| < 10^(-dps/2) (training/critical.py)
        assert mpmath.sqrt(mpmath.fsum(v * v for v in g)) < rounding_band(40, 1, lost_digits=40 // 2)
    assert sse > mpmath.mpf("1e-3")  # a critical point with non-zero loss
