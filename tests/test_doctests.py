"""The examples in the library's docstrings hold as written.

Every module of theory/, numerics/ and proofs_check/ whose source shows an example (``>>>``) is
imported and its docstrings run with :mod:`doctest`; a module whose examples all vanished would
report zero attempts and fail, so an example cannot silently stop being checked.
"""

import doctest
import importlib
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def modules_with_examples():
    """Dotted names of library modules whose source contains a doctest prompt."""
    names = []
    for package in ("theory", "numerics", "proofs_check"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if ">>> " in path.read_text():
                parts = path.relative_to(ROOT).with_suffix("").parts
                names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


@pytest.mark.parametrize("name", modules_with_examples())
def test_docstring_examples_hold(name):
    module = importlib.import_module(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # hypothesis warns when an example draws outside a test
        failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert attempted > 0 and failed == 0


def test_a_wrong_example_fails():
    source = 'def f():\n    """\n    >>> 1 + 1\n    3\n    """\n'
    namespace = {}
    exec(compile(source, "<control>", "exec"), namespace)
    test = doctest.DocTestFinder().find(namespace["f"], "f", globs={})[0]
    runner = doctest.DocTestRunner(verbose=False)
    runner.run(test, out=lambda text: None)
    assert runner.failures == 1
