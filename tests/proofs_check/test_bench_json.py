"""`semiflat bench --json` against its own text tables and the format of docs/formats.md.

Oracles: the ratio recomputed from the JSON's figure and baseline figure; ``met`` recomputed from
the figure and the target; the text table of the same rows; the peak memory of a block that
allocates a known amount (Linux high-water mark). Negative controls: a row with a target but no
target kind is refused; a doctored ratio is detected by the recomputation; a bad ``--only`` exits 2.
"""

import json
import sys
import types

import numpy as np
import pytest

from proofs_check.bench.table import MEMORY_LIMIT_MIB, BenchRow, BenchTable, RowTable, peak_memory, quantity
from proofs_check.commands.cli import main
from proofs_check.commands import bench

ROW_KEYS = {"section", "table", "name", "figure", "unit", "baseline", "baseline_figure", "ratio", "target",
            "target_kind", "met", "peak_mib", "detail"}


def _fake_section(monkeypatch):
    """A section with fixed figures (so text and JSON of two runs can be compared digit for digit)."""
    module = types.ModuleType("fake_bench_section")
    rows = (BenchRow("fast thing", 0.002, "s", "slow thing", 0.5, target=0.004, target_kind="goal", peak_mib=100.0),
            BenchRow("per item", 3e-6, "s per set", "loop", 2e-4, target=1e-6, target_kind="today", detail="x"),
            BenchRow("untargeted", 1.5, "s", "other", 1.0))
    module.TITLE = "fake"
    module.bench = lambda quick: [RowTable("fake table", rows, ("a note",))]
    monkeypatch.setitem(sys.modules, "fake_bench_section", module)
    monkeypatch.setitem(bench.SECTIONS, "fake", "fake_bench_section")
    return rows


def _check_rows(doc):
    assert doc["format"] == bench.FORMAT
    assert doc["rows"], "no rows"
    for row in doc["rows"]:
        assert set(row) == ROW_KEYS
        assert isinstance(row["baseline"], str) and row["baseline"]
        assert row["baseline_figure"] > 0 and row["figure"] > 0
        assert row["ratio"] == pytest.approx(row["figure"] / row["baseline_figure"], rel=1e-12)
        if row["target"] is None:
            assert row["met"] is None and row["target_kind"] is None
        else:
            assert row["met"] == (row["figure"] <= row["target"]) and row["target_kind"] in ("goal", "today")
        assert row["peak_mib"] is None or 0 < row["peak_mib"] < MEMORY_LIMIT_MIB


def test_row_ratio_met_and_record():
    row = BenchRow("a", 2.0, "s", "b", 8.0, target=1.0, target_kind="goal")
    assert row.ratio == 0.25 and row.met is False
    assert BenchRow("a", 2.0, "s", "b", 8.0, target=2.0, target_kind="today").met is True
    assert BenchRow("a", 2.0, "s", "b", 8.0).met is None
    assert row.record()["ratio"] == 0.25
    with pytest.raises(ValueError, match="together"):
        BenchRow("a", 1.0, "s", "b", 1.0, target=1.0)
    with pytest.raises(ValueError, match="target_kind"):
        BenchRow("a", 1.0, "s", "b", 1.0, target=1.0, target_kind="guess")


def test_text_shows_every_figure_of_the_record():
    row = BenchRow("fit", 0.0042, "s", "mpmath", 2.5, target=0.004, target_kind="goal", peak_mib=123.4, detail="99%")
    text = RowTable("t", (row,)).render()
    line = text.splitlines()[-1]
    for cell in ("fit", "4.2 ms", "mpmath", "2.5 s", f"{row.ratio:.3g}", "<= 4 ms (goal)", "NO", "123", "99%"):
        assert cell in line
    assert quantity(1.5e-5, "s per set") == "15 us per set"


def test_json_and_text_agree(monkeypatch, capsys):
    rows = _fake_section(monkeypatch)
    assert main(["bench", "--only", "fake", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    _check_rows(doc)
    assert doc["unstructured"] == []
    assert doc["command"] == "semiflat bench --only fake --json" and doc["sections"] == ["fake"]
    assert [r["name"] for r in doc["rows"]] == [r.name for r in rows]
    assert [r["met"] for r in doc["rows"]] == [True, False, None]
    assert main(["bench", "--only", "fake"]) == 0
    text = capsys.readouterr().out
    for record, row in zip(doc["rows"], rows):
        line = next(l for l in text.splitlines() if l.startswith(record["name"]))
        assert quantity(record["figure"], record["unit"]) in line
        assert quantity(record["baseline_figure"], record["unit"]) in line
        assert f"{record['ratio']:.3g}" in line
        target = "-" if record["target"] is None else f"<= {quantity(record['target'], record['unit'])}"
        assert target in line
    # negative control: a doctored ratio fails the recomputation
    doc["rows"][0]["ratio"] *= 1.01
    with pytest.raises(AssertionError):
        _check_rows(doc)


def test_a_table_of_cells_is_kept_apart_from_the_rows(monkeypatch, capsys):
    module = types.ModuleType("fake_cells_section")
    module.bench = lambda quick: [BenchTable("cells", ("a", "b"), (("x", "1 s"),))]
    monkeypatch.setitem(sys.modules, "fake_cells_section", module)
    monkeypatch.setitem(bench.SECTIONS, "cells", "fake_cells_section")
    assert main(["bench", "--only", "cells", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["rows"] == [] and doc["unstructured"] == [{"section": "cells", "title": "cells",
                                                          "columns": ["a", "b"], "rows": [["x", "1 s"]]}]


def test_quick_section_json_schema_and_machine(capsys, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert main(["bench", "--quick", "--only", "evaluation", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    _check_rows(doc)
    assert doc["quick"] is True and all(r["target"] is None for r in doc["rows"])  # targets are for full size
    m = doc["machine"]
    assert m["cores"] >= 1 and m["omp_num_threads"] == "1" and m["python"].count(".") == 2
    assert {"numpy", "mpmath", "python-flint", "sympy", "gmpy2"} <= set(m["packages"])
    assert doc["memory"]["unit"] == "MiB" and doc["memory"]["limit_mib"] == 4096


def test_peak_memory_sees_an_allocation():
    with peak_memory() as small:
        pass
    with peak_memory() as big:
        a = np.ones(40_000_000)  # 305 MiB
        a[::512] = 2.0
        del a
    assert big["mib"] > 250 and big["method"] == small["method"]
    if small["method"].startswith("VmHWM"):  # the high-water mark was reset: the block's own peak
        assert small["mib"] < big["mib"] - 250


@pytest.mark.parametrize("argv", [["bench", "--only", "nonsense"], ["bench", "--json", "--only", "trainin"]])
def test_bad_only_exits_2_with_one_line(argv, capsys):
    assert main(argv) == 2
    out = capsys.readouterr()
    assert out.out == "" and len(out.err.strip().splitlines()) == 1 and "--only" in out.err
