"""Imports live at the top of a module; a function imports only what is heavy or must wait.

Allowed inside a function, without comment: the heavy or optional modules in :data:`HEAVY` (sympy,
matplotlib, the optional torch / safetensors / dask, hypothesis). Any other function-level import
carries its reason in a ``# deferred: ...`` comment, on its own line or on a comment line directly
above the run of imports it belongs to (typically: ``semiflat --help`` imports every command
module, so a command loads what it runs only when it runs; an import cycle; an import guarded by
``try/except ImportError``; a POSIX-only module). The scan uses ``ast`` and the source lines only.

Run as a script (``python tests/test_function_imports.py``) it prints every unexplained import.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("theory", "numerics", "proofs_check")
HEAVY = frozenset({"sympy", "matplotlib", "torch", "safetensors", "dask", "hypothesis"})
MARK = "# deferred:"
IMPORTS = (ast.Import, ast.ImportFrom)


def imported_roots(node):
    """The top-level package names an import statement loads."""
    if isinstance(node, ast.Import):
        return {alias.name.split(".")[0] for alias in node.names}
    return {"." if node.level else node.module.split(".")[0]}


def function_imports(tree):
    """Every import statement nested in a function of ``tree``, each once."""
    seen, out = set(), []
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, IMPORTS) and id(node) not in seen:
                    seen.add(id(node))
                    out.append(node)
    return out


def has_reason(node, lines, import_lines):
    """Whether a ``# deferred: <reason>`` comment explains the import at ``node``: on its own lines,
    or on the comment line directly above the run of import statements (blank lines allowed) that
    contains it."""
    def marked(text):
        _, mark, reason = text.partition(MARK)
        return bool(mark) and bool(reason.strip())

    if any(marked(lines[k]) for k in range(node.lineno - 1, node.end_lineno)):
        return True
    k = node.lineno - 2
    while k >= 0 and (k + 1 in import_lines or not lines[k].strip()):
        k -= 1
    return k >= 0 and lines[k].strip().startswith("#") and marked(lines[k])


def unexplained(source, where=""):
    """``where:line: statement`` for every function-level import in ``source`` that is neither of a
    :data:`HEAVY` module nor explained by a ``# deferred:`` comment."""
    tree = ast.parse(source)
    lines = source.splitlines()
    nodes = function_imports(tree)
    import_lines = {k for node in ast.walk(tree) if isinstance(node, IMPORTS)
                    for k in range(node.lineno, node.end_lineno + 1)}
    return [f"{where}{node.lineno}: {lines[node.lineno - 1].strip()}" for node in nodes
            if not imported_roots(node) <= HEAVY and not has_reason(node, lines, import_lines)]


def library_unexplained():
    """The unexplained function-level imports of the three library packages."""
    found = []
    for path in sorted(p for d in PACKAGES for p in (ROOT / d).rglob("*.py")):
        found.extend(unexplained(path.read_text(), f"{path.relative_to(ROOT).as_posix()}:"))
    return found


CONTROL = '''
import os

def plain():
    import json
    return json

def heavy():
    import sympy
    from matplotlib import pyplot
    return sympy, pyplot

def told():
    # deferred: a reason
    import json
    from pathlib import Path

    from numerics import limits
    return json, Path, limits

def inline():
    import json  # deferred: a reason
    return json

def empty_reason():
    # deferred:
    import json
    return json

def after_code():
    # deferred: a reason
    x = 1
    import json
    return x, json

def mixed():
    import sympy, json
    return sympy, json
'''


def test_scan_sees_unexplained_imports():
    assert [line.split(": ", 1)[1] for line in unexplained(CONTROL)] == [
        "import json", "import json", "import json", "import sympy, json"]
    assert [int(line.split(":")[0]) for line in unexplained(CONTROL)] == [5, 27, 33, 37]


def test_function_level_imports_are_heavy_or_explained():
    found = library_unexplained()
    assert not found, f"{len(found)} function-level imports without a '# deferred:' reason:\n" + "\n".join(found)


if __name__ == "__main__":
    names = library_unexplained()
    print("\n".join(names))
    print(f"{len(names)} unexplained", file=sys.stderr)
