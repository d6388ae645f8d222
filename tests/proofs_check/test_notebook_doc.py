"""docs/notebook.md runs: its python blocks are executed in order in one namespace.

The page asserts its own mathematical claims (the imported float64 network is not critical; the
near structure is the replicated pair (0, 2); after snapping and polishing the verdict is a T4a
saddle; the export returns the same bits). Here the final state is checked against independent
oracles: theory.network.loss on mpmath numbers decreases along the report's descent direction,
and the polished pair is exactly replicated.
"""

import re
from pathlib import Path

import mpmath

from numerics.precision import workdps
from theory.network import loss as theory_loss
from theory.params import Params

DOC = Path(__file__).resolve().parents[2] / "docs" / "notebook.md"


def blocks():
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_notebook_page_runs_and_its_claims_hold(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ns = {}
    code = blocks()
    assert len(code) >= 6
    for block in code:
        exec(compile(block, str(DOC), "exec"), ns)
    report, net, polished = ns["report"], ns["net"], ns["polished"]
    assert (tmp_path / "wide.png").stat().st_size > 10_000
    md = report._repr_markdown_()
    assert "**saddle**" in md and "T4a" in md and "data:image/png;base64," in md
    W0 = polished.W[0]
    assert all(W0[0, c] == W0[2, c] for c in range(W0.shape[1])) and polished.b[0][0] == polished.b[0][2]
    with workdps(50):
        x, y = net.data.to_mp().x, net.data.to_mp().y
        theta = polished.to_vector()
        moved = Params.from_vector(net.arch, theta + report.descent_step * report.descent_direction)
        assert theory_loss(net.arch, moved, x, y) - theory_loss(net.arch, polished, x, y) < -mpmath.mpf(10) ** -12
