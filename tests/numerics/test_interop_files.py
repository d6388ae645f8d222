"""Import and export through NumPy .npz and safetensors: exactness, layouts, refusals.

Oracles: Python's ``decimal.Decimal(float)`` (the exact expansion of a binary float, computed
independently of mpmath) for the decimals in the network file; bit equality of the arrays for
round trips; a float64 NumPy forward pass written in Flax's ``x @ kernel + bias`` convention for
the Flax layout. Negative controls: a file written below the exact precision rounds its values;
Flax kernels read without the transposition compute another function.
"""

import json
from decimal import Decimal

import numpy as np
import pytest

from numerics import interop, mlp
from numerics.dataset import Dataset
from numerics.io.network_file import load_network, save_network
from numerics.interop.exact import decimal_digits, exact_dps, nearest_float, to_binary
from numerics.precision import workdps
from proofs_check.commands.cli import main


def random_layers(rng, widths, dtype=np.float64, spread=6):
    """Weights with magnitudes over ``spread`` decades (long exact expansions)."""
    Ws = [(rng.normal(size=(widths[l + 1], widths[l])) * 10.0 ** rng.uniform(-spread, 1,
           size=(widths[l + 1], widths[l]))).astype(dtype) for l in range(len(widths) - 1)]
    bs = [rng.normal(size=widths[l + 1]).astype(dtype) for l in range(len(widths) - 1)]
    return Ws, bs


def save_npz(path, Ws, bs, activation="tanh", **extra):
    arrays = {f"W{l}": w for l, w in enumerate(Ws)} | {f"b{l}": b for l, b in enumerate(bs)}
    np.savez(path, activation=np.array(activation), **arrays, **extra)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_file_holds_the_exact_decimal_of_every_binary_value(tmp_path, dtype):
    rng = np.random.default_rng(1)
    Ws, bs = random_layers(rng, (2, 4, 3), dtype)
    save_npz(tmp_path / "m.npz", Ws, bs)
    assert main(["import", str(tmp_path / "m.npz"), "--out", str(tmp_path / "net.json")]) == 0
    obj = json.loads((tmp_path / "net.json").read_text())
    for l in range(2):
        for row, ref in zip(obj["parameters"]["W"][l], Ws[l]):
            assert [Decimal(s) for s in row] == [Decimal(float(v)) for v in ref]
        assert [Decimal(s) for s in obj["parameters"]["b"][l]] == [Decimal(float(v)) for v in bs[l]]
    assert "exact decimal expansion" in obj["provenance"]["exact"]
    assert obj["provenance"]["dtype"] == np.dtype(dtype).name
    need = max(decimal_digits(v) for a in Ws + bs for v in a.reshape(-1))
    assert obj["dps"] == exact_dps(Ws + bs, 50) and (need <= 55 or obj["dps"] > 50)


def test_negative_control_a_file_below_the_exact_precision_rounds(tmp_path):
    Ws, bs = random_layers(np.random.default_rng(2), (1, 3, 1))
    net = interop.from_arrays(Ws, bs, activation="tanh")
    assert net.dps > 20
    save_network(tmp_path / "low.json", net.arch, net.params, dps=20)
    obj = json.loads((tmp_path / "low.json").read_text())
    written = [Decimal(s) for row in obj["parameters"]["W"][0] for s in row]
    assert written != [Decimal(float(v)) for v in Ws[0].reshape(-1)]


def test_subnormal_and_extreme_values_are_exact():
    values = np.array([[5e-324], [2.0 ** -1022 * 1.5], [1.7976931348623157e308], [-0.1]])
    net = interop.from_arrays([values, np.ones((1, 4))], [np.zeros(4), np.zeros(1)], activation="relu")
    assert net.dps >= decimal_digits(5e-324) - 5 > 700
    assert np.array_equal(to_binary(net.params.W[0]), values)


def test_nearest_float_rounds_half_to_even_and_not_by_truncation():
    import mpmath

    with workdps(40):
        one_third = mpmath.mpf(1) / 3
        assert nearest_float(one_third) == 1 / 3
        below = mpmath.mpf(1) + mpmath.mpf(2) ** -52 * mpmath.mpf("0.75")  # nearer to 1 + eps than to 1
        assert nearest_float(below) == 1 + 2.0 ** -52
        tie = mpmath.mpf(1) + mpmath.mpf(2) ** -53  # halfway: ties to the even neighbour, 1
        assert nearest_float(tie) == 1.0


@pytest.mark.parametrize("fmt,layout", [("npz", "semiflat"), ("npz", "flax"), ("safetensors", "semiflat"),
                                        ("safetensors", "flax")])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_import_export_round_trip_is_bit_exact(tmp_path, fmt, layout, dtype):
    rng = np.random.default_rng(3)
    Ws, bs = random_layers(rng, (3, 4, 2, 2), dtype)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    src = tmp_path / f"m.{fmt}"
    net0 = interop.from_arrays(Ws, bs, activation="sigmoid", data=Dataset(x, y))
    interop.write(src, net0, fmt, layout=layout, dtype=np.dtype(dtype).name)
    out = tmp_path / "net.json"
    assert main(["import", str(src), "--out", str(out)]) == 0
    back = tmp_path / f"back.{fmt}"
    assert main(["export", str(out), "--format", fmt, "--layout", layout, "--dtype", np.dtype(dtype).name,
                 "--out", str(back)]) == 0
    first, second = interop.read(src), interop.read(back)
    for a, b in zip(first.params.W + first.params.b, second.params.W + second.params.b):
        assert np.array_equal(to_binary(a), to_binary(b))
    for a, ref in zip(first.params.W, Ws):
        assert np.array_equal(to_binary(a), ref.astype(float))
    assert np.array_equal(to_binary(load_network(out).data.x), x.astype(dtype).astype(float))
    assert first.arch.activation == "sigmoid" and first.arch.widths == (3, 4, 2, 2)


def flax_forward(kernels, biases, x):
    """Flax's Dense convention, independent of semiflat: h = tanh(h @ kernel + bias)."""
    h = x
    for k, b in zip(kernels[:-1], biases[:-1]):
        h = np.tanh(h @ k + b)
    return h @ kernels[-1] + biases[-1]


def test_flax_npz_computes_the_flax_function(tmp_path):
    rng = np.random.default_rng(4)
    widths = (3, 3, 3, 3)  # square kernels: the untransposed negative control still chains
    kernels = [rng.normal(size=(widths[l], widths[l + 1])) for l in range(3)]  # in x out
    biases = [rng.normal(size=widths[l + 1]) for l in range(3)]
    tree = {f"params/Dense_{l}/kernel": kernels[l] for l in range(3)} | \
           {f"params/Dense_{l}/bias": biases[l] for l in range(3)}
    np.savez(tmp_path / "flax.npz", **tree)
    net = interop.read(tmp_path / "flax.npz", activation="tanh")
    x = rng.normal(size=(6, 3))
    ours = np.array(mlp.forward(net.arch, net.params, x, 30), dtype=float)
    ref = flax_forward(kernels, biases, x)
    assert np.max(np.abs(ours - ref)) <= 64 * np.finfo(float).eps * max(1.0, np.max(np.abs(ref)))
    assert "transposed" in net.provenance["layout"]
    # negative control: the same kernels read as out x in matrices (no transposition)
    wrong = interop.from_arrays(kernels, biases, activation="tanh")
    bad = np.array(mlp.forward(wrong.arch, wrong.params, x, 30), dtype=float)
    assert np.max(np.abs(bad - ref)) > 1e-3


def one_line_refusal(capsys, argv, out, *needles):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("semiflat: error:")
    for needle in needles:
        assert needle in err, err
    assert not out.exists()
    return err


@pytest.mark.parametrize("arrays,needles", [
    ({"conv1.weight": np.ones((4, 1, 3, 3)), "conv1.bias": np.ones(4)}, ("conv1", "convolution")),
    ({"0.weight": np.ones((3, 1)), "0.bias": np.ones(3), "1.running_mean": np.ones(3), "1.weight": np.ones(3),
      "2.weight": np.ones((1, 3)), "2.bias": np.ones(1)}, ("'1'", "normalisation")),
    ({"params/Dense_0/kernel": np.ones((1, 3)), "params/LayerNorm_0/scale": np.ones(3),
      "params/Dense_1/kernel": np.ones((3, 1))}, ("LayerNorm_0", "normalisation")),
    ({"0.weight": np.ones((3, 1)), "1.weight": np.ones(3), "2.weight": np.ones((1, 3))}, ("'1'", "normalisation")),
    ({"W0": np.ones((3, 1)), "b0": np.ones(3), "W1": np.ones((1, 3)), "b1": np.ones(1),
      "activation": np.array(["tanh", "relu"])}, ("per-layer activations differ", "tanh, relu")),
    ({"W0": np.ones((3, 1)), "b0": np.ones(3), "W1": np.ones((1, 4)), "b1": np.ones(1),
      "activation": np.array("tanh")}, ("layer 1 takes 4 inputs",)),
    ({"W0": np.ones((3, 1)), "b0": np.ones(3), "W1": np.ones((1, 3)), "activation": np.array("tanh")},
     ("b1", "bias")),
    ({"W0": np.ones((3, 1)), "W1": np.ones((1, 3)), "mystery": np.ones(2), "activation": np.array("tanh")},
     ("mystery",)),
    ({"W0": np.array([[np.nan]]), "W1": np.ones((1, 1)), "activation": np.array("tanh")}, ("W0", "finite")),
    ({"W0": np.ones((3, 1)), "W1": np.ones((1, 3)), "activation": np.array("swish")}, ("swish",)),
], ids=["conv", "batchnorm", "flax-layernorm", "1d-weight", "mixed-activations", "widths-chain",
        "missing-bias", "unknown-array", "nan", "unknown-activation"])
@pytest.mark.parametrize("fmt", ["npz", "safetensors"])
def test_refusals_are_one_line_exit_2(tmp_path, capsys, arrays, needles, fmt):
    src = tmp_path / f"bad.{fmt}"
    if fmt == "npz":
        np.savez(src, **arrays)
    else:
        from safetensors.numpy import save_file

        act = arrays.get("activation")
        tensors = {k: np.ascontiguousarray(v) for k, v in arrays.items() if k != "activation"}
        meta = None
        if act is not None:
            names = [str(v) for v in np.asarray(act).reshape(-1)]
            meta = {"activation": names[0]}
            if len(set(names)) > 1:  # metadata holds one name; the flag disagreeing with it is refused
                save_file(tensors, str(src), metadata=meta)
                out = tmp_path / "net.json"
                one_line_refusal(capsys, ["import", str(src), "--activation", names[1], "--out", str(out)],
                                 out, names[0], names[1])
                return
        save_file(tensors, str(src), metadata=meta)
    out = tmp_path / "net.json"
    one_line_refusal(capsys, ["import", str(src), "--activation", "tanh", "--out", str(out)]
                     if "activation" not in arrays else ["import", str(src), "--out", str(out)], out, *needles)


def test_unreadable_and_mismatched_inputs_are_one_line(tmp_path, capsys):
    out = tmp_path / "net.json"
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    one_line_refusal(capsys, ["import", str(tmp_path / "junk.npz"), "--out", str(out)], out, "junk.npz")
    (tmp_path / "junk.safetensors").write_bytes(b"\x01\x02")
    one_line_refusal(capsys, ["import", str(tmp_path / "junk.safetensors"), "--out", str(out)], out, "safetensors")
    one_line_refusal(capsys, ["import", str(tmp_path / "none.npz"), "--out", str(out)], out, "no such file")
    save_npz(tmp_path / "m.npz", [np.ones((2, 1)), np.ones((1, 2))], [np.ones(2), np.ones(1)])
    one_line_refusal(capsys, ["import", str(tmp_path / "m.npz"), "--activation", "relu", "--out", str(out)],
                     out, "tanh", "relu")
    one_line_refusal(capsys, ["import", str(tmp_path / "m.npz"), "--arch", "1,3,1", "--out", str(out)],
                     out, "[1, 2, 1]", "[1, 3, 1]")
    np.savez(tmp_path / "nolabel.npz", W0=np.ones((2, 1)), W1=np.ones((1, 2)))
    one_line_refusal(capsys, ["import", str(tmp_path / "nolabel.npz"), "--out", str(out)], out, "--activation")
    one_line_refusal(capsys, ["import", str(tmp_path / "m.txt"), "--out", str(out)], out, "suffix")


def test_import_with_data_then_classify_then_export(tmp_path, capsys):
    """The data stored at import make ``classify`` work on the file; the exported arrays equal the source."""
    rng = np.random.default_rng(5)
    Ws, bs = random_layers(rng, (1, 2, 1), spread=1)
    x = np.linspace(-1, 1, 6).reshape(-1, 1)
    save_npz(tmp_path / "m.npz", Ws, bs, x=x, y=np.sin(3 * x))
    out = tmp_path / "net.json"
    assert main(["import", str(tmp_path / "m.npz"), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["classify", str(out), "--dps", "20", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    net = load_network(out)
    g = mlp.gradient(net.arch, net.params, net.data.x, net.data.y, 20)
    assert report["verdict"] == "not-critical" and float(report["gradient_norm"]) == pytest.approx(
        float(np.linalg.norm(np.array(g, dtype=float))), rel=1e-12)
    assert main(["export", str(out), "--format", "npz", "--out", str(tmp_path / "back.npz")]) == 0
    with np.load(tmp_path / "back.npz") as back:
        assert all(np.array_equal(back[f"W{l}"], Ws[l]) for l in range(2))
        assert np.array_equal(back["x"], x) and str(back["activation"]) == "tanh"
