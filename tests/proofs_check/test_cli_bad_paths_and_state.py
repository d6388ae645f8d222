"""Output paths that cannot be written, refused before any work by every writing command (exit 2,
one line, nothing created); damaged shard results in merge; ReLU data past the exact trainer's
limit; no command at all. Negative control: the same commands with a writable path succeed."""

import json

import numpy as np
import pytest

from numerics.dataset import Dataset
from numerics.io.network_file import save_data, save_network
from proofs_check.commands.cli import main
from theory import Architecture, Params

BAD_OUT = {
    "a folder": "adir",
    "a missing parent": "missing/sub/out.x",
    "a name over 255 bytes": "n" * 300 + ".x",
    "a file as parent": "net.json/inner.x",
}
COMMANDS = {
    "embed": ["embed", "net.json", "--method", "replication", "--lambda", "0.5", "--out", "{out}"],
    "train": ["train", "--teacher", "relu", "--n", "6", "--seed", "1", "--activation", "relu", "--hidden", "5",
              "--out", "{out}"],
    "derive": ["derive", "--embedding", "all", "--out", "{out}"],
    "experiment": ["experiment", "fig2", "--trials", "2", "--hmax", "7", "--activations", "relu", "--no-figures",
                   "--no-progress", "--out", "{out}"],
    "merge": ["merge", "s0", "--out", "{out}"],
    "reproduce": ["reproduce", "--quick", "--out", "{out}"],
    "export": ["export", "net.json", "--format", "npz", "--out", "{out}"],
    "classify --certificate": ["classify", "net.json", "--certify", "--certificate", "{out}"],
}


FOLDER_COMMANDS = ("experiment", "merge", "reproduce")


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    arch = Architecture((1, 2, 1), "tanh")
    save_network(tmp_path / "net.json", arch, Params.from_vector(arch, [0.5, -0.3, 0.1, 0.2, 1.0, -1.0, 0.0]),
                 dps=30, data=Dataset(np.array([[0.1], [0.4]]), np.array([[0.0], [0.2]])))
    (tmp_path / "adir").mkdir()
    (tmp_path / "s0").mkdir()
    (tmp_path / "s0" / "results.json").write_text("{}")
    return tmp_path


def _tree(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("what", list(BAD_OUT))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_unwritable_out_is_refused_before_any_work(command, what, folder, capsys, monkeypatch):
    import theory.symbolic

    def no_proofs(*a, **k):  # derive must refuse the path before it proves anything
        raise AssertionError("proofs started before --out was checked")

    monkeypatch.setattr(theory.symbolic, "prove", no_proofs)
    out = BAD_OUT[what]
    if command in FOLDER_COMMANDS:  # these create missing parents; a file stands in for a folder
        out = {"a folder": "net.json", "a missing parent": "net.json/x/y"}.get(what, out)
    before = _tree(folder)
    argv = [a.format(out=out) for a in COMMANDS[command]]
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("semiflat: error:"), err
    assert _tree(folder) == before


def test_negative_control_a_writable_out_works(folder):
    assert main(["embed", "net.json", "--method", "replication", "--lambda", "0.5", "--out", "adir/w.json"]) == 0
    assert (folder / "adir" / "w.json").exists()


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    from numerics.experiment import fitting
    from tests.proofs_check.test_fig2_cli import ARGS, _fake_fit

    root = tmp_path_factory.mktemp("shards")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fitting, "fit_base", _fake_fit)
        for a in range(2):
            assert main([*ARGS, "--shard", f"{a}:2", "--out", str(root / f"s{a}")]) == 0
    return root


@pytest.mark.parametrize("damage", [
    lambda d: d.pop("rows"), lambda d: d.update(rows=[{"activation": "relu"}]), lambda d: d.update(shard=[1]),
    lambda d: d.update(activations=None), lambda d: d.update(options={"trials": "x"}),
])
def test_merge_of_damaged_shard_results_is_one_line(shards, tmp_path, capsys, damage):
    import shutil

    for a in range(2):
        shutil.copytree(shards / f"s{a}", tmp_path / f"s{a}")
    doc = json.loads((tmp_path / "s1" / "results.json").read_text())
    damage(doc)
    (tmp_path / "s1" / "results.json").write_text(json.dumps(doc))
    capsys.readouterr()
    assert main(["merge", str(tmp_path / "s0"), str(tmp_path / "s1"), "--out", str(tmp_path / "m")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not (tmp_path / "m").exists()


def test_relu_data_past_the_exact_trainer_limit_is_refused(tmp_path, capsys):
    x = np.linspace(-1, 1, 2000).reshape(-1, 1)  # recursed past Python's limit from ~300 rows
    save_data(tmp_path / "big.csv", Dataset(x, np.abs(x)), dps=10)
    code = main(["train", "--data", str(tmp_path / "big.csv"), "--activation", "relu", "--hidden", "3",
                 "--out", str(tmp_path / "r.json")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "at most" in err[0] and not (tmp_path / "r.json").exists()


def test_no_command_is_a_usage_error_on_stderr(capsys):
    assert main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1 and "command" in captured.err
