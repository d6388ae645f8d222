"""`semiflat derive`: the JSON verdicts, the Markdown report, exit codes and atomic output.

Oracle: the claims' own proofs (theory.symbolic.prove) and, for exit code 1, a proof whose map
is broken on purpose (negative control).
"""

import json

import pytest

from proofs_check.cli import main
from theory.symbolic import CLAIM_IDS, EMBEDDING_GROUPS, registry
from theory.symbolic.replication import prove_function as replication_function


def test_json_lists_every_claim_proved(capsys):
    assert main(["derive", "--embedding", "all", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == list(CLAIM_IDS)
    assert all(r["status"] == "proved" for r in rows)
    assert all(isinstance(r["seconds"], float) and r["statement"] for r in rows)


def test_markdown_report_has_statement_map_and_verdict_per_claim(tmp_path, capsys):
    out = tmp_path / "replication.md"
    assert main(["derive", "--embedding", "replication", "--out", str(out)]) == 0
    text = out.read_text()
    for claim_id in EMBEDDING_GROUPS["replication"]:
        section = text.split(f"## `{claim_id}`")[1].split("\n## ")[0]
        assert "**Statement.**" in section
        assert "**Verdict:** proved (difference simplifies to 0), in" in section
    assert r"T_\lambda" in text and "$$" in text
    assert "**Setting and reduction.**" in text


def test_activation_option_marks_relu_claims_not_applicable(capsys):
    assert main(["derive", "--embedding", "relu", "--activation", "tanh", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in rows] == ["not-applicable"]
    assert main(["derive", "--embedding", "relu", "--activation", "relu", "--json"]) == 0
    assert [r["status"] for r in json.loads(capsys.readouterr().out)] == ["proved"]


@pytest.fixture
def broken_replication_function(monkeypatch):
    registry._prove_cached.cache_clear()
    monkeypatch.setitem(registry.PROOFS, "replication.function",
                        lambda activation, perturb: replication_function(activation, perturb=True))
    yield
    registry._prove_cached.cache_clear()


def test_a_failed_claim_gives_exit_code_1(broken_replication_function, capsys):
    assert main(["derive", "--embedding", "replication", "--json"]) == 1
    rows = {r["id"]: r["status"] for r in json.loads(capsys.readouterr().out)}
    assert rows["replication.function"] == "failed"
    assert rows["replication.gradient"] == "proved"


@pytest.mark.parametrize("argv", [
    ["derive", "--embedding", "nothing"],
    ["derive", "--activation", "cosh"],
    ["derive", "--embedding", "relu", "--out", "{tmp}/missing/report.md"],
])
def test_bad_input_exits_2_with_one_line_and_no_file(argv, tmp_path, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("semiflat: error:") and err.count("\n") == 1
    assert not any(tmp_path.rglob("*.md"))
