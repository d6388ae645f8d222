"""The library's source files, for the tests that read code as text (docstrings, imports, examples)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("theory", "numerics", "proofs_check")


def library_sources():
    """Every Python file of the three library packages, in a fixed order."""
    return sorted(p for d in PACKAGES for p in (ROOT / d).rglob("*.py"))


def where(path) -> str:
    """``path`` relative to the repository, as a ``file:`` prefix for a finding."""
    return f"{Path(path).relative_to(ROOT).as_posix()}:"
