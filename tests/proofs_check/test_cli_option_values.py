"""Every number on the command line goes through one parser: non-finite values (nan, inf),
non-ASCII digits (١, １２), absurd exponents and out-of-range sizes are refused at parse time with
exit 2, one line on stderr and no file written. Negative control: the same options with a valid
value get past parsing (the command runs and writes its output, or fails later for a reason that
is not the value)."""

import json

import numpy as np
import pytest

from numerics.dataset import Dataset
from numerics.io.network_file import save_network
from proofs_check.commands.cli import main
from theory import Architecture, Params

HOSTILE = ["nan", "inf", "-inf", "١", "１２", "1e999999", "1e99999999999999", "", "0x1f", "1_0"]

OPTIONS = [
    # (command words before the option, option, a valid value)
    (["embed", "{d}/net.json", "--method", "replication", "--out", "{d}/w.json"], "--lambda", "0.5"),
    (["embed", "{d}/net.json", "--method", "inactive-propagation", "--out", "{d}/w.json"], "--b0", "0.5"),
    (["embed", "{d}/net.json", "--method", "inactive-propagation", "--out", "{d}/w.json"], "--v0", "0.5"),
    (["embed", "{d}/net.json", "--method", "inactive-unit", "--out", "{d}/w.json"], "--scale", "0.5"),
    (["embed", "{d}/net.json", "--method", "inactive-unit", "--out", "{d}/w.json"], "--seed", "3"),
    (["embed", "{d}/net.json", "--method", "inactive-unit", "--seed", "1", "--out", "{d}/w.json"], "--to", "4"),
    (["classify", "{d}/net.json"], "--dps", "30"),
    (["check", "--only", "T1", "--quick"], "--dps", "30"),
    (["train", "--teacher", "relu", "--activation", "relu", "--hidden", "2", "--out", "{d}/t.json"], "--n", "5"),
    (["train", "--teacher", "relu", "--activation", "relu", "--hidden", "2", "--out", "{d}/t.json"], "--noise", "0.1"),
    (["train", "--teacher", "relu", "--activation", "relu", "--out", "{d}/t.json"], "--hidden", "2"),
    (["experiment", "fig2", "--out", "{d}/fig"], "--trials", "2"),
    (["experiment", "fig2", "--out", "{d}/fig"], "--margin", "1"),
    (["experiment", "fig2", "--out", "{d}/fig"], "--rho-scale", "0.01"),
    (["experiment", "fig2", "--out", "{d}/fig"], "--workers", "1"),
    (["experiment", "fig2", "--out", "{d}/fig"], "--monte-carlo", "10"),
    (["experiment", "fig2", "--out", "{d}/fig"], "--seed", "0"),
    (["experiment", "fig2", "--out", "{d}/fig"], "--hmax", "7"),
]

TOO_BIG = [
    (["embed", "{d}/net.json", "--method", "inactive-unit", "--seed", "1", "--to", "1000000000", "--out", "{d}/w.json"], "--to"),
    (["train", "--teacher", "tanh", "--activation", "tanh", "--hidden", "2", "--n", "1000000000", "--out", "{d}/t.json"], "--n"),
    (["train", "--teacher", "tanh", "--activation", "tanh", "--hidden", "1000000000", "--out", "{d}/t.json"], "--hidden"),
    (["experiment", "fig2", "--trials", "1000000000000", "--out", "{d}/fig"], "--trials"),
    (["experiment", "fig2", "--hmax", "1000000000", "--out", "{d}/fig"], "--hmax"),
    (["experiment", "fig2", "--monte-carlo", "1000000000000", "--out", "{d}/fig"], "--monte-carlo"),
    (["experiment", "fig2", "--workers", "100000", "--out", "{d}/fig"], "--workers"),
    (["experiment", "fig2", "--workers", "0", "--out", "{d}/fig"], "--workers"),
    (["check", "--dps", "100000"], "--dps"),
    (["train", "--teacher", "tanh", "--activation", "tanh", "--hidden", "2", "--dps", "1000000", "--out", "{d}/t.json"], "--dps"),
    (["embed", "{d}/net.json", "--method", "inactive-unit", "--scale", "-1", "--out", "{d}/w.json"], "--scale"),
    (["embed", "{d}/net.json", "--method", "inactive-unit", "--seed", "-1", "--out", "{d}/w.json"], "--seed"),
    (["experiment", "fig2", "--seed", "-1", "--out", "{d}/fig"], "--seed"),
]


@pytest.fixture
def folder(tmp_path):
    arch = Architecture((1, 2, 1), "tanh")
    params = Params.from_vector(arch, np.random.default_rng(0).normal(size=arch.n_params))
    save_network(tmp_path / "net.json", arch, params, dps=30,
                 data=Dataset(np.array([[0.1], [0.5], [-0.4]]), np.array([[0.2], [0.1], [0.0]])))
    return tmp_path


def _refused(argv, folder, capsys):
    before = sorted(p.name for p in folder.rglob("*"))
    code = main([a.format(d=folder) for a in argv])
    err = capsys.readouterr().err.strip().splitlines()
    return code, err, before == sorted(p.name for p in folder.rglob("*"))


@pytest.mark.parametrize("words,option,valid", OPTIONS, ids=[f"{w[0]} {o}" for w, o, _ in OPTIONS])
def test_hostile_numbers_are_refused(words, option, valid, folder, capsys):
    for value in HOSTILE:
        code, err, clean = _refused(words + [f"{option}={value}"], folder, capsys)
        assert code == 2 and len(err) == 1 and option in err[0] and clean, (value, err)


@pytest.mark.parametrize("argv,option", TOO_BIG, ids=[o + " " + a[0] for a, o in TOO_BIG])
def test_sizes_and_signs_are_refused_before_any_work(argv, option, folder, capsys):
    code, err, clean = _refused(argv, folder, capsys)
    assert code == 2 and len(err) == 1 and option in err[0] and clean, err


def test_negative_control_valid_values_pass_the_parser(folder, capsys):
    """The same parser accepts ordinary values (the command then runs)."""
    code = main(["embed", str(folder / "net.json"), "--method", "inactive-propagation", "--b0=-0.5", "--v0", "1e-3",
                 "--out", str(folder / "w.json")])
    assert code == 0 and (folder / "w.json").exists()
    capsys.readouterr()
    assert main(["classify", str(folder / "net.json"), "--dps", "30", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["dps"] == 30
