"""`semiflat experiment fig2` and `semiflat merge` through the CLI (training replaced by
hand-built zero-error networks so these tests do not depend on the trainer's speed).

Oracles: the byte-identical results.json of an uninterrupted run; results.csv and
results.json carry the same rows; usage errors leave no output file (exit 2)."""

import csv
import json

import pytest

from numerics.experiment import fitting
from numerics.experiment.examples import paper_like_data, random_base, relu_interpolant
from proofs_check.commands.cli import main

ARGS = ["experiment", "fig2", "--trials", "24", "--hmax", "8", "--no-progress", "--chunk", "5", "--no-figures"]


def _fake_fit(config, activation, data_seed=None, max_redraws=None):
    seed = config.data_seed if data_seed is None else data_seed
    if activation == "relu":
        n = 6 if config.protocol == "perturb" else 5 + seed % 3  # H0 = n - 1
        x, y = paper_like_data("relu", n, seed)
        base = relu_interpolant(x, y)
    else:
        base = random_base(activation, 5, seed)
    return type(base)(**{**base.__dict__, "data_seed": seed})


@pytest.fixture(autouse=True)
def fake_training(monkeypatch):
    monkeypatch.setattr(fitting, "fit_base", _fake_fit)
    monkeypatch.setattr(fitting, "fit_bases", lambda config, activation, firsts, max_redraws=None:
                        [_fake_fit(config, activation, f) for f in firsts])


def test_outputs_and_csv_equals_json(tmp_path):
    out = tmp_path / "run"
    args = [a for a in ARGS if a != "--no-figures"]
    assert main([*args, "--out", str(out)]) == 0
    for name in ("results.json", "results.csv", "timing.json", "fig2a.png", "fig2b.png", "fig2c.png", "report.md"):
        assert (out / name).stat().st_size > 0
    doc = json.loads((out / "results.json").read_text())
    assert doc["options"]["trials"] == 24 and doc["options"]["hmax"] == 8
    with open(out / "results.csv") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == doc["columns"][: len(rows[0])]
    conv = [str, int, int, int] + [float] * 8 + [int, int] + [float] * 7
    missing = lambda f: (lambda v: None if v == "" else f(v))  # noqa: E731 (NaN is empty in CSV, null in JSON)
    assert [[missing(f)(v) for f, v in zip(conv, r)] for r in rows[1:]] == doc["rows"]
    assert "timing" not in doc and "seconds" not in (out / "results.json").read_text()
    # what was written obeys the embedding: N_H adds units with zero outgoing weight to N_H0, so
    # ||theta_H||^2 >= ||theta_H0||^2, the second-order excess is >= 0, and for ReLU the exact
    # prediction is >= the second-order one (Jensen: relu^2 is convex) (docs/experiment.md P3, T9); figures are PNG files
    c = {name: k for k, name in enumerate(doc["columns"])}
    for r in doc["rows"]:
        assert r[c["norm2_H"]] >= r[c["norm2_H0"]] and r[c["excess2_H"]] >= 0
        assert r[c["ratio"]] == r[c["G_H"]] / r[c["G_H0"]]
        if r[c["activation"]] == "relu":
            assert r[c["pred_H"]] >= r[c["excess2_H"]]
    assert all((out / f).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for f in ("fig2a.png", "fig2b.png"))


@pytest.mark.parametrize("bad", [["--shard", "3:2"], ["--hgrid", "6,x"], ["--h0", "five"],
                                 ["--activations", "tanh,swish"], ["--trials", "0"], ["--rho-rule", "other"],
                                 ["--rho-match", "--protocol", "retrain"], ["--margin", "-1"],
                                 ["--sensitivity-trials", "-3"]])
def test_usage_errors_exit_2_without_files(tmp_path, capsys, bad):
    out = tmp_path / "run"
    assert main([*ARGS, "--out", str(out), *bad]) == 2
    assert not (out / "results.json").exists()
    assert "semiflat: error:" in capsys.readouterr().err


def test_cli_resume_after_interrupt_is_byte_identical(tmp_path, monkeypatch):
    ref, run = tmp_path / "ref", tmp_path / "run"
    assert main([*ARGS, "--out", str(ref)]) == 0
    monkeypatch.setenv("SEMIFLAT_ABORT_AFTER_CHUNKS", "3")
    assert main([*ARGS, "--out", str(run)]) == 130
    assert not (run / "results.json").exists()
    monkeypatch.delenv("SEMIFLAT_ABORT_AFTER_CHUNKS")
    assert main([*ARGS, "--out", str(run), "--resume", "--chunk", "7"]) == 0
    assert (run / "results.json").read_bytes() == (ref / "results.json").read_bytes()
    assert (run / "results.csv").read_bytes() == (ref / "results.csv").read_bytes()


def test_cli_shards_and_merge(tmp_path):
    ref = tmp_path / "ref"
    assert main([*ARGS, "--out", str(ref)]) == 0
    for a in range(2):
        assert main([*ARGS, "--out", str(tmp_path / f"s{a}"), "--shard", f"{a}:2"]) == 0
    assert main(["merge", str(tmp_path / "s0"), str(tmp_path / "s1"), "--out", str(tmp_path / "m"), "--no-figures"]) == 0
    assert (tmp_path / "m" / "results.json").read_bytes() == (ref / "results.json").read_bytes()
    assert main(["merge", str(tmp_path / "s0"), "--out", str(tmp_path / "m2")]) == 2  # a shard is missing


def test_retrain_protocol_per_trial_networks(tmp_path):
    """Under retrain every trial trains on its own data set: H0 varies with the data (here
    H0 = n - 1 with n = 5 + seed % 3) and widths H <= H0 are absent; chunking does not matter."""
    a, b = tmp_path / "a", tmp_path / "b"
    extra = ["--protocol", "retrain", "--activations", "relu", "--h0", "auto", "--trials", "9"]
    assert main([*ARGS, *extra, "--out", str(a)]) == 0
    assert main([*ARGS, *extra, "--out", str(b), "--chunk", "2"]) == 0  # (spawned workers would not see the fake trainer)
    assert (a / "results.json").read_bytes() == (b / "results.json").read_bytes()
    doc = json.loads((a / "results.json").read_text())
    for r in doc["rows"]:
        seed = r[12]
        assert seed == 1000 * r[3]  # data seed of trial t (data_seed 0)
        assert r[2] == 4 + seed % 3 and r[1] > r[2]
    h0s = {r[3]: r[2] for r in doc["rows"]}
    assert len(h0s) == 9 and set(h0s.values()) == {4, 5, 6}  # every trial present, H0 varies


def test_failure_before_any_chunk_leaves_no_files(tmp_path, monkeypatch):
    from theory.errors import InvalidInput

    def broken(*a, **k):
        raise InvalidInput("training is not built yet")

    monkeypatch.setattr(fitting, "fit_base", broken)
    out = tmp_path / "new"
    assert main([*ARGS, "--out", str(out)]) == 2
    assert not out.exists()
    kept = tmp_path / "kept"  # a folder that existed keeps its other content
    kept.mkdir()
    (kept / "mine.txt").write_text("x")
    assert main([*ARGS, "--out", str(kept)]) == 2
    assert sorted(p.name for p in kept.iterdir()) == ["mine.txt"]
