"""`semiflat derive`: the JSON verdicts, the Markdown report, exit codes and atomic output.

Oracle: the claims' own proofs (theory.symbolic.prove) and, for exit code 1, a proof whose map
is broken on purpose (negative control).
"""

import json

import pytest

from proofs_check.commands.cli import main
from theory.symbolic import CLAIM_IDS, EMBEDDING_GROUPS, registry
from theory.symbolic.replication import prove_function as replication_function


def test_json_lists_every_claim_proved(capsys):
    assert main(["derive", "--embedding", "all", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == list(CLAIM_IDS)
    assert all(r["status"] == "proved" for r in rows)
    assert all(isinstance(r["seconds"], float) and isinstance(r["cpu_seconds"], float) and r["statement"] for r in rows)


def test_json_gives_every_claim_sizes_and_method(capsys):
    """sizes is "all" with the argument named, or the list of sizes a claim was checked on."""
    assert main(["derive", "--embedding", "all", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    for r in rows:
        assert r["method"], r["id"]
        if r["sizes"] == "all":
            assert r["argument"], r["id"]
        else:
            assert isinstance(r["sizes"], list) and r["sizes"], r["id"]
    by_id = {r["id"]: r for r in rows}
    # every layer claim covers all sizes; only statements about the library's code list sizes
    listed = {i for i, r in by_id.items() if r["sizes"] != "all"}
    assert listed == {"replication.library_map", "inactive_unit.library_map", "inactive_propagation.library_map",
                      "inactive_propagation.bias_compensation", "relu.replication_saddle"}
    assert by_id["replication.hessian"]["argument"] == "the pairing reduction"
    assert "any number of copies" in by_id["replication.kway"]["argument"]


def test_markdown_report_has_statement_map_and_verdict_per_claim(tmp_path, capsys):
    out = tmp_path / "replication.md"
    assert main(["derive", "--embedding", "replication", "--out", str(out)]) == 0
    text = out.read_text()
    for claim_id in EMBEDDING_GROUPS["replication"]:
        section = text.split(f"## `{claim_id}`")[1].split("\n## ")[0]
        assert "**Statement.**" in section
        assert "**Verdict:** proved (difference simplifies to 0), in" in section
        assert "**Sizes.** all sizes, by " in section or "**Sizes.** sizes " in section
        assert "**Method.**" in section
    assert r"T_\lambda" in text and "$$" in text
    assert "**Setting and reduction.**" in text


def test_activation_option_marks_relu_claims_not_applicable(capsys):
    assert main(["derive", "--embedding", "relu", "--activation", "tanh", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in rows] == ["not-applicable"] * len(EMBEDDING_GROUPS["relu"])
    assert main(["derive", "--embedding", "relu", "--activation", "relu", "--json"]) == 0
    assert [r["status"] for r in json.loads(capsys.readouterr().out)] == ["proved"] * len(EMBEDDING_GROUPS["relu"])


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


def _tex_structure_errors(text: str) -> list[str]:
    """Structural checks of a LaTeX document (used when pdflatex is absent): preamble and end,
    balanced environments, balanced braces outside escapes."""
    import re

    errors = []
    if not text.startswith("\\documentclass") or "\\begin{document}" not in text or not text.rstrip().endswith("\\end{document}"):
        errors.append("document frame")
    stack = []
    for kind, env in re.findall(r"\\(begin|end)\{([^}]*)\}", text):
        if kind == "begin":
            stack.append(env)
        elif not stack or stack.pop() != env:
            errors.append(f"unbalanced environment {env}")
    if stack:
        errors.append(f"unclosed {stack}")
    depth = 0
    for m in re.finditer(r"\\.|[{}]", text, flags=re.S):
        token = m.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth < 0:
                errors.append("brace closed before opened")
                break
    if depth:
        errors.append(f"{depth} unclosed braces")
    return errors


def test_tex_report_is_a_document_with_one_section_per_claim(tmp_path, capsys):
    """Compiled with pdflatex when available; otherwise its structure is checked."""
    import shutil
    import subprocess

    out = tmp_path / "derivations.tex"
    assert main(["derive", "--embedding", "all", "--format", "tex", "--out", str(out)]) == 0
    text = out.read_text()
    sections = text.split("\\section{")[1:]
    assert [s.split("}")[0] for s in sections] == [f"\\texttt{{{i.replace('_', chr(92) + '_')}" for i in CLAIM_IDS]
    for section in sections:
        for heading in ("Statement.", "Hypotheses.", "The map.", "Key expressions.", "Method.", "Verdict."):
            assert "\\paragraph{" + heading + "}" in section
        assert "proved for all sizes, by " in section or "proved for sizes " in section
    assert _tex_structure_errors(text) == []
    # negative control: the checker notices a broken document
    assert _tex_structure_errors(text.replace("\\end{equation*}", "", 1)) != []
    if shutil.which("pdflatex"):
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", out.name],
                             cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout[-2000:]
