"""The three example tests of docs/properties.md run as written, and the strategies' doctests hold.

A user copies these examples: each must pass against the real embeddings. Their negative control
is the page's third example (a mutant must fail the reused invariant) and the test below that
breaks the first example's oracle on purpose.
"""

import doctest
import re
import warnings
from pathlib import Path

import pytest
from hypothesis.errors import NonInteractiveExampleWarning

import proofs_check.invariants.profiles
import proofs_check.instances.strategies

PAGE = Path(__file__).resolve().parents[2] / "docs" / "properties.md"


def examples():
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)


def test_the_page_has_three_examples():
    assert len(examples()) == 3


@pytest.mark.parametrize("index", range(3))
def test_each_example_runs_and_passes(index):
    namespace = {}
    exec(compile(examples()[index], f"{PAGE.name} example {index + 1}", "exec"), namespace)
    tests = [f for name, f in namespace.items() if name.startswith("test_")]
    assert len(tests) == 1
    tests[0]()


def test_negative_control_a_wrong_permutation_of_the_outgoing_weights_fails_example_one():
    """Permuting only the incoming side of a unit pair changes f: the example's oracle can fail."""
    namespace = {}
    exec(compile(examples()[0], "example 1", "exec"), namespace)
    sf = proofs_check.instances.strategies
    import numpy as np
    from numerics import mlp
    from numerics.precision import to_mp_params, workdps
    from theory.architecture import Architecture
    from theory.params import Params

    arch = Architecture((1, 2, 1), "tanh")
    p = Params.from_vector(arch, [0.5, -1.0, 0.1, 0.2, 1.0, 2.0, 0.0], dtype=float)
    q = sf.permute(arch, p, ((1, 0),))
    W = [np.array(w, copy=True) for w in q.W]
    W[1] = np.array(p.W[1], copy=True)  # outgoing weights left in the old order
    broken = Params.build(arch, W, list(q.b), dtype=float)
    with workdps(30):
        x = np.array([[0.3], [-0.7]])
        f = mlp.forward(arch, to_mp_params(p), x, dps=30)
        g = mlp.forward(arch, to_mp_params(broken), x, dps=30)
        h = mlp.forward(arch, to_mp_params(q), x, dps=30)
    assert max(abs(a - b) for a, b in zip(f.reshape(-1), h.reshape(-1))) < 1e-28
    assert max(abs(a - b) for a, b in zip(f.reshape(-1), g.reshape(-1))) > 0.1


@pytest.mark.parametrize("module", [proofs_check.instances.strategies, proofs_check.invariants.profiles],
                         ids=lambda m: m.__name__)
def test_docstring_examples(module):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonInteractiveExampleWarning)
        failed, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert attempted > 0 and failed == 0
