"""Bad input to `semiflat embed` / `semiflat info`: exit 2, one line on stderr, no file left behind.

Each row of the table breaks one thing (layer or unit out of range, shares not summing to 1, an
option given to a method that has none, malformed or missing files, bad numbers, ...). The folder
must hold exactly the files it held before (no output, no temporary file). Negative control: the
same commands with the defect removed exit 0 and write the output.
"""

import json

import numpy as np
import pytest

import mpmath

from numerics.dataset import Dataset
from numerics.io.network_file import load_network, network_to_json, save_data, save_network
from numerics.precision import to_mp_array, rounding_band, workdps
from proofs_check.commands.cli import main
from theory import Architecture, Params
from theory.network import forward


@pytest.fixture
def folder(tmp_path):
    rng = np.random.default_rng(0)
    arch = Architecture((2, 3, 1), "tanh")
    params = Params.from_vector(arch, rng.normal(size=arch.n_params))
    data = Dataset(rng.normal(size=(4, 2)), rng.normal(size=(4, 1)))
    save_network(tmp_path / "net.json", arch, params, dps=30, provenance={"command": "test"}, data=data)
    relu = Architecture((2, 3, 1), "relu")
    save_network(tmp_path / "relu.json", relu, Params.from_vector(relu, rng.normal(size=relu.n_params)), dps=30)
    save_data(tmp_path / "wrong_cols.csv", Dataset(rng.normal(size=(3, 3)), rng.normal(size=(3, 1))))
    obj = network_to_json(arch, params, 30)
    obj["parameters"]["W"][1][0][2] = "0.5.5"
    (tmp_path / "bad_number.json").write_text(json.dumps(obj))
    (tmp_path / "bad_json.json").write_text('{"format": "semiflat.network/1", ')
    (tmp_path / "bad.csv").write_text("x1,x2,y\n1,2,oops\n")
    return tmp_path


EMBED = ["embed", "{d}/net.json"]
REP = EMBED + ["--method", "replication"]
BAD = [
    ("layer out of range", REP + ["--layer", "1", "--lambda", "0.5"], "--layer 1"),
    ("negative layer", REP + ["--layer", "-1", "--lambda", "0.5"], "--layer -1"),
    ("unit out of range", REP + ["--unit", "3", "--lambda", "0.5"], "--unit 3"),
    ("shares not summing to 1", REP + ["--shares", "0.5,0.4"], "sum to"),
    ("one share", REP + ["--shares", "1"], "at least 2 shares"),
    ("shares and lambda", REP + ["--shares", "0.5,0.5", "--lambda", "0.5"], "only one"),
    ("shares vs --to", REP + ["--shares", "0.5,0.5", "--to", "6"], "--to 6"),
    ("lambda to inactive-unit", EMBED + ["--method", "inactive-unit", "--lambda", "0.5"], "--lambda"),
    ("lambda to inactive-propagation", EMBED + ["--method", "inactive-propagation", "--lambda", "0.5"], "--lambda"),
    ("unit to inactive-unit", EMBED + ["--method", "inactive-unit", "--unit", "0"], "--unit"),
    ("b0 to replication", REP + ["--lambda", "0.5", "--b0", "1"], "--b0"),
    ("seed to replication", REP + ["--lambda", "0.5", "--seed", "1"], "--seed"),
    ("replication without lambda", REP, "--lambda"),
    ("bad lambda", REP + ["--lambda", "half"], "--lambda"),
    ("nan lambda", REP + ["--lambda", "nan"], "--lambda"),
    ("bad b0", EMBED + ["--method", "inactive-propagation", "--b0", "1e"], "--b0"),
    ("bad v0 entry", EMBED + ["--method", "inactive-propagation", "--v0", "x"], "--v0"),
    ("v0 wrong length", EMBED + ["--method", "inactive-propagation", "--v0", "1,2"], "--v0"),
    ("incoming wrong length", EMBED + ["--method", "inactive-unit", "--incoming", "1,2"], "--incoming"),
    ("non-integer layer", REP + ["--layer", "one", "--lambda", "0.5"], "--layer"),
    ("--to not wider", REP + ["--lambda", "0.5", "--to", "3"], "--to 3"),
    ("dead unit on tanh", EMBED + ["--method", "inactive-unit", "--dead-margin", "1"], "ReLU"),
    ("dead margin without data", ["embed", "{d}/relu.json", "--method", "inactive-unit", "--dead-margin", "1"],
     "--dead-data"),
    ("negative dead margin", ["embed", "{d}/relu.json", "--method", "inactive-unit", "--dead-margin", "-1",
                              "--dead-box", "-1:1"], "--dead-margin"),
    ("bad dead box", ["embed", "{d}/relu.json", "--method", "inactive-unit", "--dead-box", "1:-1"], "--dead-box"),
    ("dead data with wrong columns", ["embed", "{d}/relu.json", "--method", "inactive-unit",
                                      "--dead-data", "{d}/wrong_cols.csv"], "input column"),
    ("malformed dead data", ["embed", "{d}/relu.json", "--method", "inactive-unit", "--dead-data", "{d}/bad.csv"],
     "line 2, column y"),
    ("missing dead data", ["embed", "{d}/relu.json", "--method", "inactive-unit", "--dead-data", "{d}/none.csv"],
     "no such file"),
    ("missing network", ["embed", "{d}/absent.json", "--method", "replication", "--lambda", "0.5"], "no such file"),
    ("bad number in file", ["embed", "{d}/bad_number.json", "--method", "replication", "--lambda", "0.5"],
     "parameters.W[1][0][2]"),
    ("malformed JSON", ["embed", "{d}/bad_json.json", "--method", "replication", "--lambda", "0.5"], "not valid JSON"),
    ("unknown method", EMBED + ["--method", "dropout"], "--method"),
    ("out into a missing folder", REP + ["--lambda", "0.5", "--out", "{d}/no/such/wide.json"], "does not exist"),
    ("out is the input", REP + ["--lambda", "0.5", "--out", "{d}/net.json"], "--force"),
    ("info on a missing file", ["info", "{d}/absent.json"], "no such file"),
    ("info on a malformed file", ["info", "{d}/bad_number.json"], "parameters.W[1][0][2]"),
    ("info with bad data", ["info", "{d}/net.json", "--data", "{d}/bad.csv"], "line 2, column y"),
    ("info with data of other widths", ["info", "{d}/net.json", "--data", "{d}/wrong_cols.csv"], "input"),
]


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("name,argv,needle", BAD, ids=[b[0] for b in BAD])
def test_bad_input_exits_2_with_one_line_and_no_file(folder, capsys, name, argv, needle):
    argv = [a.format(d=folder) for a in argv]
    if "--out" not in argv and argv[0] == "embed":
        argv += ["--out", str(folder / "wide.json")]
    before = snapshot(folder)
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("semiflat: error: "), captured.err
    assert needle in lines[0], lines[0]
    assert "Traceback" not in captured.err and captured.out == ""
    assert snapshot(folder) == before  # no output, no temporary file, inputs untouched


@pytest.mark.parametrize("argv", [
    REP + ["--lambda", "0.5"],
    REP + ["--shares", "0.5,0.25,0.25"],
    EMBED + ["--method", "inactive-unit", "--seed", "1"],
    EMBED + ["--method", "inactive-propagation", "--v0", "-0.5", "--b0", "-1e-3"],
    ["embed", "{d}/relu.json", "--method", "inactive-unit", "--dead-margin", "1", "--dead-box", "-1:1"],
    ["embed", "{d}/relu.json", "--method", "inactive-unit", "--dead-data", "{d}/net.json"],
    REP + ["--lambda", "0.5", "--out", "{d}/net.json", "--force"],
])
def test_repaired_commands_succeed(folder, capsys, argv):
    """Negative control: without the defect the command exits 0 and writes its output."""
    argv = [a.format(d=folder) for a in argv]
    if "--out" not in argv:
        argv += ["--out", str(folder / "wide.json")]
    out = folder / argv[argv.index("--out") + 1].rsplit("/", 1)[-1]
    narrow = load_network(argv[1])
    before = snapshot(folder)
    assert main(argv) == 0, capsys.readouterr().err
    after = snapshot(folder)
    assert set(after) - set(before) <= {out.relative_to(folder)}
    assert out.exists() and json.loads(out.read_text())["format"] == "semiflat.network/1"
    # what was written is an embedding: one more unit, and the same function (docs/embeddings.md, I1) on
    # inputs in [-2, 2], at the file's dps (a few roundings of O(1) terms: 2 digits lost)
    wide = load_network(out)
    assert wide.arch.n_params > narrow.arch.n_params
    x = np.linspace(-2, 2, 5 * narrow.arch.input_dim).reshape(5, narrow.arch.input_dim)
    with workdps(wide.dps):
        f0 = forward(narrow.arch, narrow.params, to_mp_array(x))
        f1 = forward(wide.arch, wide.params, to_mp_array(x))
        scale = 1 + max(abs(v) for v in wide.params.to_vector())
        assert max(abs(a - b) for a, b in zip(f0.reshape(-1), f1.reshape(-1))) <= rounding_band(wide.dps, scale ** 2, 2)
        # negative control: the narrow network with its first weight moved by 10^-10 is told apart
        vec = narrow.params.to_vector().copy()
        vec[0] += mpmath.mpf(10) ** -10
        moved = forward(narrow.arch, Params.from_vector(narrow.arch, vec), to_mp_array(x))
        assert max(abs(a - b) for a, b in zip(moved.reshape(-1), f1.reshape(-1))) > rounding_band(wide.dps, scale ** 2, 2)
