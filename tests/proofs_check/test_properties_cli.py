"""`semiflat properties` and the invariant runner: results, counterexample files, mutants,
reproducibility and bad input.

Negative controls are the mutants: each deliberately broken embedding must be caught, and its
shrunk counterexample must fail against the mutant and pass against the real maps.
"""

import json

import pytest

from numerics.io.network_file import load_data, load_network
from proofs_check.commands.cli import main
from proofs_check.invariants import (INVARIANTS, MUTANTS, SEMIFLAT, Case, Scale, Violation, get_invariant,
                                     get_mutant, run_case)

RELU = Scale(activations=("relu",), max_depth=3)
SMOOTH = Scale(activations=("tanh", "sigmoid"), max_depth=3)

# the quickest invariant case that catches each mutant (the full suite is the slow test below)
CATCHERS = {
    "wrong-split-share": ("I3", "bookkeeping", SMOOTH),
    "nonzero-inactive-weight": ("I3", "bookkeeping", SMOOTH),
    "lambda-squared": ("I18", "taylor", SMOOTH),
    "missing-bias-compensation": ("I3", "bookkeeping", Scale(activations=("sigmoid",), max_depth=3)),
    "live-dead-unit": ("I2", "dead-unit", RELU),
    "neighbour-copy": ("I3", "bookkeeping", SMOOTH),
    "stretched-map": ("I7", "unimodular", SMOOTH),
}


def case_of(invariant_id, name):
    invariant = get_invariant(invariant_id)
    return invariant, next(c for c in invariant.cases if c.name == name)


def test_every_mutant_has_a_catcher():
    assert set(CATCHERS) == {m.name for m in MUTANTS}


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_each_mutant_is_caught_with_a_counterexample_that_only_the_mutant_fails(mutant):
    invariant_id, name, scale = CATCHERS[mutant.name]
    invariant, case = case_of(invariant_id, name)
    result = run_case(invariant, case, scale, mutant, examples=30, seed=11, shrink_seconds=2)
    assert result.status == "failed" and result.counterexample is not None
    with pytest.raises(Violation):
        case.check(result.counterexample, mutant)
    case.check(result.counterexample, SEMIFLAT)  # the real maps pass on the same example


def test_the_real_maps_pass_the_same_cases():
    for invariant_id, name, scale in set(CATCHERS.values()):
        invariant, case = case_of(invariant_id, name)
        assert run_case(invariant, case, scale, SEMIFLAT, examples=10, seed=11).status == "passed"


def recording(case, seen):
    def check(example, subject):
        seen.append(repr(example))
        case.check(example, subject)
    return Case(case.name, case.strategy, check, case.applies)


def test_the_same_seed_gives_the_same_examples_and_another_seed_others():
    invariant, case = case_of("I4", "line")
    runs = []
    for seed in (5, 5, 6):
        seen = []
        assert run_case(invariant, recording(case, seen), SMOOTH, examples=8, seed=seed).status == "passed"
        runs.append(seen)
    assert runs[0] == runs[1] and runs[0] != runs[2]


def test_a_saved_counterexample_is_tried_first_on_a_rerun(tmp_path):
    invariant, case = case_of("I3", "bookkeeping")
    mutant = get_mutant("wrong-split-share")
    first = run_case(invariant, case, SMOOTH, mutant, examples=30, seed=1, database=tmp_path, shrink_seconds=2)
    assert first.status == "failed"
    assert any((tmp_path / "examples").rglob("*"))
    seen = []
    again = run_case(invariant, recording(case, seen), SMOOTH, mutant, examples=30, seed=2, database=tmp_path,
                     shrink_seconds=2)
    assert again.status == "failed" and seen[0] == repr(first.counterexample)


def test_cli_json_record_of_a_passing_run(capsys, tmp_path):
    code = main(["properties", "--only", "I3,I17,I19", "--examples", "4", "--seed", "3", "--activation", "tanh",
                 "relu", "--depth", "2..3", "--json", "--out", str(tmp_path)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["seed"] == 3 and out["hypothesis"]["settings"]["max_examples"] == "15"
    assert out["scale"] == {"activations": ["tanh", "relu"], "depth": [2, 3], "max_width": 3, "dps": 30}
    status = {i["id"]: i["status"] for i in out["invariants"]}
    assert status == {"I3": "passed", "I17": "not-run", "I19": "passed"}
    assert all(i["examples"] >= 1 for i in out["invariants"] if i["id"] != "I17")
    assert json.loads((tmp_path / "run.json").read_text())["seed"] == 3


def test_cli_mutant_writes_files_that_info_and_classify_read(capsys, tmp_path):
    code = main(["properties", "--mutant", "wrong-split-share", "--only", "I3", "--activation", "tanh",
                 "--examples", "20", "--seed", "1", "--shrink-seconds", "2", "--out", str(tmp_path)])
    text = capsys.readouterr().out
    assert code == 0 and "mutant wrong-split-share caught by I3" in text
    network, data, wide = (tmp_path / f"I3-bookkeeping-wrong-split-share-{role}" for role in
                           ("network.json", "data.csv", "wide.json"))
    net = load_network(network)
    assert net.provenance["invariant"] == "I3" and net.provenance["seed"] == 1
    assert load_data(data, net.dps).n == net.data.n
    assert load_network(wide).arch.n_params > net.arch.n_params
    assert main(["info", str(network), "--data", str(data)]) == 0
    assert main(["classify", str(wide), "--data", str(data), "--json"]) == 0


def test_cli_two_workers_give_the_same_results_as_one(capsys):
    argv = ["properties", "--only", "I3,I4", "--examples", "4", "--seed", "9", "--activation", "tanh", "--json"]
    assert main(argv) == 0
    one = json.loads(capsys.readouterr().out)
    assert main(argv + ["--workers", "2"]) == 0
    two = json.loads(capsys.readouterr().out)
    strip = lambda r: [(i["id"], i["status"], i["examples"]) for i in r["invariants"]]
    assert strip(one) == strip(two)


def test_cli_mutant_not_caught_exits_1(capsys):
    """live-dead-unit only matters for ReLU: on tanh networks nothing can catch it."""
    code = main(["properties", "--mutant", "live-dead-unit", "--only", "I2,I3", "--activation", "tanh",
                 "--examples", "3", "--seed", "1"])
    assert code == 1 and "NOT caught" in capsys.readouterr().out


@pytest.mark.parametrize("argv,fragment", [
    (["--depth", "7"], "--depth"), (["--depth", "3..2"], "--depth"), (["--max-width", "9"], "--max-width"),
    (["--examples", "0"], "--examples"), (["--activation", "nope"], "nope"), (["--only", "I99"], "I99"),
    (["--mutant", "nope"], "nope"), (["--seed", "-4"], "--seed"), (["--profile", "fast"], "profile"),
    (["--shrink-seconds", "0"], "--shrink-seconds"), (["--workers", "0"], "--workers"),
])
def test_cli_bad_input_exits_2_with_one_line_and_no_files(capsys, tmp_path, argv, fragment):
    code = main(["properties", "--out", str(tmp_path / "out"), *argv])
    err = capsys.readouterr().err
    assert code == 2 and fragment in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_list_of_invariants_is_complete():
    assert [i.id for i in INVARIANTS] == [f"I{k}" for k in range(1, 20)]


@pytest.mark.slow
def test_full_suite_catches_every_mutant(tmp_path):
    """Measured run: every mutant against every invariant, 40 examples each."""
    for mutant in MUTANTS:
        code = main(["properties", "--mutant", mutant.name, "--examples", "40", "--seed", "1",
                     "--out", str(tmp_path / mutant.name)])
        assert code == 0, mutant.name


@pytest.mark.slow
def test_200_examples_pass_for_every_builtin_activation_at_depth_2_to_4():
    assert main(["properties", "--examples", "200", "--depth", "2..4", "--seed", "1"]) == 0
