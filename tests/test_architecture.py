"""The import direction theory -> numerics -> proofs_check, checked by parsing every module."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "theory": {"numerics", "proofs_check"},
    "numerics": {"proofs_check"},
    "proofs_check": set(),
}


def imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def all_modules():
    for package in FORBIDDEN:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield package, path


@pytest.mark.parametrize("package,path", list(all_modules()), ids=lambda v: str(v).rsplit("/", 2)[-1] if isinstance(v, Path) else v)
def test_imports_point_one_way(package, path):
    bad = imported_top_levels(path) & FORBIDDEN[package]
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}, against theory -> numerics -> proofs_check"


def test_the_checker_catches_a_wrong_import(tmp_path):
    """Negative control: a theory module importing numerics is flagged."""
    bad = tmp_path / "bad.py"
    bad.write_text("import numpy\nfrom numerics.mlp import gradient\n")
    assert imported_top_levels(bad) & FORBIDDEN["theory"] == {"numerics"}


def test_theory_has_no_floats_in_symbolic_proofs():
    """theory/symbolic proves identities exactly: no float literals in its source."""
    for path in sorted((ROOT / "theory" / "symbolic").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        floats = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, float)]
        assert not floats, f"{path.relative_to(ROOT)} has float literals on lines {floats}"
