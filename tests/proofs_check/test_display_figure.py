"""Notebook display and the spectrum figure.

Oracles: the figure's split of the zero band against the theorem's count (T6: a dead unit gives
d + 1 + M flat directions) and against an independent float64 eigen-decomposition of the Hessian;
the tables against the objects they show (every evidence row, every claim step; the experiment
table's mean ratio recomputed with NumPy). Negative control: without the proved flat
directions nothing is marked flat.
"""

from dataclasses import replace

import mpmath
import numpy as np
import pytest

from numerics import batched
from numerics.experiment.runner import ActivationRun, RunOutcome
from numerics.precision import workdps
from proofs_check.checks.result import CheckResult
from proofs_check.landscape.classify import classify
from proofs_check.commands.cli import main
from support.critical import find_relu_minimum
from proofs_check.reports.spectrum_figure import split_spectrum
from theory.embeddings import add_inactive_unit, draw_dead_incoming
from theory.params import Params
from theory.symbolic.result import ClaimResult

DPS = 40


@pytest.fixture(scope="module")
def semi_flat():
    arch, params, data, _ = find_relu_minimum((1, 2, 1), 10, seed=4242, dps=DPS)
    incoming = draw_dead_incoming(arch, 0, np.random.default_rng(77), inputs=data.to_float().x, margin=0.25)
    with workdps(DPS):
        wide_arch, wide = add_inactive_unit(arch, params, 0, [mpmath.mpf(v) for v in incoming])
        W = [np.array(w, dtype=object) for w in wide.W]
        W[1][0, -1] = mpmath.mpf("0.7")
        wide = Params.build(wide_arch, W, wide.b)
    return wide_arch, wide, data, classify(wide_arch, wide, data, dps=DPS)


def test_split_marks_the_dead_unit_directions_flat(semi_flat):
    arch, params, data, report = semi_flat
    assert report.verdict.value == "semi-flat-minimum" and report.flat_dimension == 3
    neg, pos, flat, other = split_spectrum(report)
    assert len(flat) == report.flat_dimension == arch.input_dim + 1 + arch.output_dim
    assert len(neg) + len(pos) + len(flat) + len(other) == arch.n_params
    assert np.all(np.abs(flat) <= float(report.zero_tolerance))
    # independent float64 spectrum: the same number of positive eigenvalues, well above the band
    vec = np.array([float(v) for v in params.to_vector()])
    H = batched.hessian(arch, vec[None], data.to_float().x, data.to_float().y)[0]
    ev = np.linalg.eigvalsh(H)
    assert int(np.sum(ev > 1e-6 * np.max(ev))) == len(pos)
    # negative control: no proved directions, nothing marked flat
    bare = replace(report, flat_directions=(), flat_dimension=0)
    assert len(split_spectrum(bare)[2]) == 0 and len(split_spectrum(bare)[3]) == len(flat) + len(other)


def test_report_markdown_and_plot(semi_flat, tmp_path, capsys):
    arch, params, data, report = semi_flat
    md = report._repr_markdown_()
    assert "**semi-flat-minimum**" in md and "$(0, 5, 5)$" in md and "data:image/png;base64," in md
    rows = [line for line in md.splitlines() if line.startswith("| ") and not line.startswith("| evidence")]
    assert len(rows) >= len(report.evidence) + 9  # the summary rows, then one row per evidence pair
    assert all(k.split()[0] in md for k, _ in report.evidence)
    from numerics.io.network_file import save_network

    with workdps(DPS):
        save_network(tmp_path / "n.json", arch, params, DPS, {}, data.to_mp())
    assert main(["classify", str(tmp_path / "n.json"), "--plot", str(tmp_path / "s.png")]) == 0
    assert (tmp_path / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["classify", str(tmp_path / "n.json"), "--plot", str(tmp_path / "none" / "s.png")]) == 2
    assert "folder" in capsys.readouterr().err


def test_claim_and_check_markdown_show_every_row():
    claim = ClaimResult("x.y", "a | b", "proved", 0.5, "all", (("map", "\\left| w \\right| = 1"), ("verdict", "ok")))
    md = claim._repr_markdown_()
    assert "**x.y**: proved" in md and "$\\left\\vert w \\right\\vert = 1$" in md and "a \\vert b" in md
    assert "\\textbf{x.y}" in claim._repr_latex_()
    check = CheckResult("T6", "stmt", "symbolic + numeric", False, (("gap", "1e-3 <= 1e-9  FAILED"), ("n", "4")),
                        (1,), 0.2)
    md = check._repr_markdown_()
    assert "**T6**: **FAILED**" in md and "| gap | 1e-3 <= 1e-9 FAILED |" in md and "| n | 4 |" in md


def test_experiment_outcome_table_matches_numpy():
    rng = np.random.default_rng(0)
    G0 = rng.uniform(1, 2, size=5)
    G = G0[:, None] * rng.uniform(1, 1.5, size=(5, 2))
    run = ActivationRun("tanh", None, (3, 5), 0, 5, {"G": G, "G0": G0, "h0": np.full(5, 2)})
    md = RunOutcome(config=type("C", (), {"activations": ("tanh",)})(), runs=(run,), shard=None)._repr_markdown_()
    for j, h in enumerate((3, 5)):
        assert f"| {h} | 5 | {np.mean(G[:, j] / G0):.4g} |" in md
