"""train -> embed -> classify -> derive -> check for the activations, and the CLI's refusals.

Oracles: the trained and the embedded files' squared error recomputed at 60 digits from the
files alone (theory.network.loss on the stored decimal strings, no semiflat numerics), the
function identity of the embedding on the stored data, and the applicability line of
``classify`` against the activation's properties, and the selection ``check --activation`` runs
against the statements that hold for the activation (theory.activation_properties): every
check whose statement holds runs and passes, every other one is named with the reason. One
representative (leaky_relu:0.1, ``check --only T3d`` to stay fast) runs in the default suite;
every built-in and a user expression run the whole selection under ``-m slow``."""

import json

import mpmath
import pytest

from proofs_check.checks.registry import ACTIVATION_CHECKS, CHECKS, not_applicable
from proofs_check.commands.cli import main
from theory.activation_properties import applicability
from theory.activations import ACTIVATION_NAMES, get_activation
from theory.network import forward, loss
from support.network_json import read_by_hand

USER_SMOOTH = "expr:x*tanh(log(1+exp(x)))"
USER_REFUSED = 'expr:__import__("os").system("true")'


def _check_selection(activation, capsys):
    """``check --activation`` without ``--only``: exit 0, a passing row for each check that runs,
    and a "not run" line with the reason for each one left out; a check whose statement does not
    hold for the activation's properties (theory.activation_properties) must be left out with that
    statement's reason, one whose statement holds may be left out only by its own condition
    (T4a: no row of its table can occur, proved by theory.symbolic.fa_classes)."""
    capsys.readouterr()
    assert main(["check", "--quick", "--activation", activation, "--dps", "24"]) == 0
    out = capsys.readouterr().out
    # table rows: "T4b  statement ...  method  evidence ...  pass  3/6  2.4" (the statement lists are indented)
    rows = {line.split()[0]: line.split()[-3] for line in out.splitlines()
            if line[:1].strip() and line.split()[0] in CHECKS and len(line.split()) > 5}
    not_run = dict(line[len("not run: "):].split(": ", 1) for line in out.splitlines() if line.startswith("not run: "))
    holds = {key: (ok, why) for key, ok, why in applicability(get_activation(activation).properties)}
    for key in ACTIVATION_CHECKS:
        statement = getattr(CHECKS[key], "APPLIES", None)
        assert (key in rows) != (key in not_run), (key, rows, not_run)
        if key in rows:
            assert rows[key] == "pass" and (statement is None or holds[statement][0]), (key, rows)
        elif statement is not None and not holds[statement][0]:
            assert not_run[key].startswith(f"{key} needs statement {statement}, which does not hold")
            assert not_run[key].endswith(holds[statement][1])
        else:
            assert not_run[key] == not_applicable(key, activation) != ""


def _pipeline(tmp_path, activation, capsys, derive_group="inactive-unit", whole_selection=False):
    n = "2" if activation == "identity" else "3"
    net, wide = tmp_path / "net.json", tmp_path / "wide.json"
    assert main(["train", "--teacher", "tanh", "--n", n, "--noise", "0.1", "--seed", "5", "--activation",
                 activation, "--hidden", "2", "--target-loss", "1e-60", "--out", str(net)]) == 0
    arch, params, x, y = read_by_hand(net)[:4]
    assert arch.activation == get_activation(activation).name  # the name round-trips through the file
    with mpmath.workdps(60):
        assert 2 * loss(arch, params, x, y) < mpmath.mpf("1e-29")
    assert main(["embed", str(net), "--method", "inactive-unit", "--layer", "0", "--seed", "1",
                 "--out", str(wide)]) == 0
    warch, wparams, wx, _ = read_by_hand(wide)[:4]
    with mpmath.workdps(60):
        gap = max(abs(a - b) for a, b in zip(forward(warch, wparams, wx).reshape(-1), forward(arch, params, x).reshape(-1)))
        assert gap < mpmath.mpf(10) ** -45
    capsys.readouterr()
    assert main(["classify", str(wide), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] in ("global-minimum", "semi-flat-minimum", "minimum")
    line = {e["name"]: e["value"] for e in report["evidence"]}["activation"]
    for key, holds, _ in applicability(arch.phi.properties):
        assert (f"{key} (" in line) == (not holds)
    assert main(["derive", "--embedding", derive_group, "--activation", activation, "--out",
                 str(tmp_path / "d.md")]) == 0
    assert " 0 failed," in (tmp_path / "d.md").read_text()  # every claim that applies is proved
    if whole_selection:
        _check_selection(activation, capsys)
    else:
        assert main(["check", "--quick", "--activation", activation, "--only", "T3d", "--dps", "24"]) == 0
    return report


def test_pipeline_leaky_relu(tmp_path, capsys):
    report = _pipeline(tmp_path, "leaky_relu:0.1", capsys)
    # no exact rational fit for a leaky slope, and the file says why (ReLU's exact path is not taken)
    provenance = json.loads((tmp_path / "net.json").read_text())["provenance"]
    assert "not by an exact rational fit" in provenance["note"] and "exact" not in provenance
    assert "T6 (no dead zone" in {e["name"]: e["value"] for e in report["evidence"]}["activation"]


@pytest.mark.slow
@pytest.mark.parametrize("activation", ACTIVATION_NAMES + ("leaky_relu:0.1", "poly:0,1,0.5", USER_SMOOTH))
def test_pipeline_every_activation(tmp_path, capsys, activation):
    _pipeline(tmp_path, activation, capsys, derive_group="all", whole_selection=True)


HOSTILE = [USER_REFUSED, "expr:x.__class__", "expr:lambda: 1", "expr:x**99999999", "expr:" + "(" * 40 + "x" + ")" * 40,
           "leaky_relu:1.5", "poly:0"]


@pytest.mark.parametrize("activation", HOSTILE)
def test_cli_refuses_bad_activations_with_exit_2_and_no_file(tmp_path, capsys, activation):
    out = tmp_path / "net.json"
    capsys.readouterr()
    rc = main(["train", "--teacher", "tanh", "--n", "3", "--seed", "1", "--activation", activation, "--hidden", "2",
               "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and not out.exists()
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for command in (["check", "--quick", "--activation", activation],
                    ["derive", "--embedding", "inactive-unit", "--activation", activation]):
        assert main(command) == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_network_file_with_a_hostile_activation_is_refused(tmp_path, capsys):
    net = tmp_path / "net.json"
    assert main(["train", "--teacher", "tanh", "--n", "3", "--seed", "5", "--activation", "tanh", "--hidden", "2",
                 "--out", str(net)]) == 0
    obj = json.loads(net.read_text())
    obj["architecture"]["activation"] = USER_REFUSED
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(obj))
    capsys.readouterr()
    assert main(["classify", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "architecture.activation" in err and "__import__" in err and len(err.strip().splitlines()) == 1
    # negative control: the same file with a user expression the parser accepts is read
    obj["architecture"]["activation"] = "expr:tanh(x)"
    bad.write_text(json.dumps(obj))
    assert main(["classify", str(bad)]) == 0
