"""The check registry, CheckResult JSON and `semiflat check` on the command line."""

import json

from proofs_check.checks import CHECKS, CheckResult
from proofs_check.commands.cli import main
from tests.proofs_check.checks.evidence import ZERO_35, items, run


def test_registry_order_and_contract():
    assert list(CHECKS) == ["T1", "T2", "T3", "T4", "T4a", "T4b", "T4c", "T5", "T6", "T7", "T8", "T9", "T10", "T3d", "Td"]
    for key, module in CHECKS.items():
        assert module.THEOREM == key and module.STATEMENT and module.TAMPERS


def test_result_json_round_trip():
    result = run("T8")
    data = json.loads(json.dumps(result.to_json()))
    rebuilt = CheckResult(**{**data, "evidence": tuple(map(tuple, data["evidence"])), "seeds": tuple(data["seeds"]),
                             "symbolic_claims": tuple(data["symbolic_claims"])})
    assert rebuilt == result


def test_cli_json_and_exit_codes(capsys):
    assert main(["check", "--quick", "--only", "T8", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["theorem"] for r in out] == ["T8"] and out[0]["passed"] is True
    # the CLI reports the numbers of the Python API (same seeds, same dps; timings aside)
    numeric = lambda ev: [tuple(p) for p in ev if not p[0].startswith("symbolic")]  # noqa: E731
    assert numeric(out[0]["evidence"]) == numeric(run("T8").evidence)
    assert float(items(run("T8"), r"\|L\(c v")[0][1].split()[0]) < ZERO_35
    assert main(["check", "--only", "T99"]) == 2
    assert "T99" in capsys.readouterr().err
