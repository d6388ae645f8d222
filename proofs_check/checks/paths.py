"""From a theorem to its proof, its check and its tests: the README's path table, rendered from
the registry so that the two cannot drift apart (a test compares them)."""

from __future__ import annotations

from pathlib import Path

from proofs_check.checks.registry import ALL_CHECKS

_TESTS = Path("tests") / "proofs_check" / "checks"


def check_path(module) -> str:
    """The repository path of a check module, e.g. ``proofs_check/checks/t4a_fa_table.py``."""
    return f"proofs_check/checks/{module.__name__.rsplit('.', 1)[-1]}.py"


def test_paths(module) -> tuple[str, ...]:
    """The per-theorem test files of a check: ``tests/proofs_check/checks/test_<module>.py`` for
    the check itself (``test_t3d_td_deep.py`` for the depth-J instances), always followed by the
    contract test that runs every check and its negative controls."""
    name = module.__name__.rsplit(".", 1)[-1]
    own = "test_t3d_td_deep.py" if name in ("t3d_deep_criticality", "td_deep_instances") else f"test_{name}.py"
    return (str(_TESTS / own).replace("\\", "/"), str(_TESTS / "test_contract.py").replace("\\", "/"))


def render_paths_table() -> str:
    """The Markdown table theorem | symbolic claims | check module | tests, one row per check in
    the order of :data:`proofs_check.checks.registry.ALL_CHECKS`."""
    rows = ["| theorem | symbolic claims (`semiflat derive`) | check | tests |", "|---|---|---|---|"]
    for module in ALL_CHECKS:
        claims = ", ".join(f"`{c}`" for c in getattr(module, "CLAIMS", ())) or "(numeric only)"
        tests = ", ".join(f"`{t}`" for t in test_paths(module))
        rows.append(f"| {module.THEOREM} | {claims} | `{check_path(module)}` | {tests} |")
    return "\n".join(rows)
