"""Every public function, class and method of the library says what it does.

The scan reads the source with `ast` (nothing is imported): a module-level function or class whose
name does not start with an underscore, and every such method of a public class, must open with a
docstring. The same walk runs over a small hand-written module as a negative control, so a scan that
stopped looking would fail here rather than pass vacuously.

Run as a script (`python tests/test_docstrings.py`) it prints every definition still missing one.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("theory", "numerics", "proofs_check")
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def is_public(name):
    """A name is public when it does not start with an underscore (dunder methods are not public API)."""
    return not name.startswith("_")


def undocumented(tree, where=""):
    """The qualified names of public module-level functions, classes and public methods of public
    classes in the parsed module `tree` that have no docstring."""
    missing = []
    for node in tree.body:
        if isinstance(node, FUNCTIONS + (ast.ClassDef,)) and is_public(node.name):
            if ast.get_docstring(node) is None:
                missing.append(f"{where}{node.name}")
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, FUNCTIONS) and is_public(item.name) and ast.get_docstring(item) is None:
                        missing.append(f"{where}{node.name}.{item.name}")
    return missing


def library_sources():
    """Every Python file of the three library packages, in a fixed order."""
    return sorted(p for d in PACKAGES for p in (ROOT / d).rglob("*.py"))


def missing_docstrings():
    """`path:name` for every public definition of the library without a docstring."""
    found = []
    for path in library_sources():
        where = f"{path.relative_to(ROOT).as_posix()}:"
        found.extend(undocumented(ast.parse(path.read_text()), where))
    return found


CONTROL = '''
def documented():
    """Yes."""

def bare():
    pass

def _private():
    pass

class Thing:
    """A thing."""
    def method(self):
        pass
    def told(self):
        """Told."""
    def __repr__(self):
        return ""

class Silent:
    pass

class _Hidden:
    def method(self):
        pass
'''


def test_scan_sees_missing_docstrings():
    assert undocumented(ast.parse(CONTROL)) == ["bare", "Thing.method", "Silent"]


def test_every_public_definition_has_a_docstring():
    missing = missing_docstrings()
    assert not missing, f"{len(missing)} public definitions without a docstring:\n" + "\n".join(missing)


if __name__ == "__main__":
    names = missing_docstrings()
    print("\n".join(names))
    print(f"{len(names)} missing", file=sys.stderr)
