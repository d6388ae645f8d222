"""Runs people can trust: results.json does not depend on workers, chunk size, interruption
(+ --resume), sharding (+ merge) or the executor (process pool, Dask); the oracle is the
byte-identical document of one plain uninterrupted run."""

import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from numerics.experiment import ExperimentConfig, RunAborted, RunOptions, run_experiment
from numerics.experiment.examples import paper_like_data, random_base, relu_interpolant
from numerics.experiment.store import missing_ranges
from proofs_check.commands.merge import merge_documents
from proofs_check.reports.fig2 import document, results_json, write_outputs
from theory.errors import InvalidInput

CFG = ExperimentConfig(trials=60, hmax=9, panels=40, surplus="domain")


def _bases():
    x, y = paper_like_data("relu", 6, 3)
    return {"relu": relu_interpolant(x, y), "tanh": random_base("tanh", 5, seed=1)}


def _text(out, **opts):
    outcome = run_experiment(CFG, RunOptions(out=str(out), progress=False, **opts), bases=_bases())
    return results_json(document(outcome))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return _text(tmp_path_factory.mktemp("ref"), workers=1, chunk=60)


def test_reference_is_complete_and_shaped_by_options(reference):
    doc = json.loads(reference)
    assert len(doc["rows"]) == 60 * 2 * 4  # trials x activations x widths 6..9
    assert doc["options"] == CFG.to_dict()
    other = _text_other_seed()
    assert other != reference  # negative control: the seed does change the numbers


def nesting_violations(doc):
    """Rows that break what nested embeddings guarantee (docs/experiment.md P3): per trial, N_H extends N_H0
    by units with outgoing weight 0, so ||theta_H||^2 - ||theta_H0||^2 is a sum of squares of the
    surplus incoming weights (>= 0 and non-decreasing in H), likewise the second-order excess
    rho^2 sum_k E phi(w_k x + b_k)^2; for ReLU units dead on the domain that excess is exactly 0
    (the reference run uses the surplus rule ``domain``)."""
    c = {name: k for k, name in enumerate(doc["columns"])}
    bad, last = [], {}
    for r in sorted(doc["rows"], key=lambda r: (r[c["activation"]], r[c["trial"]], r[c["H"]])):
        key = (r[c["activation"]], r[c["trial"]])
        norm2, excess = r[c["norm2_H"]], r[c["excess2_H"]]
        prev = last.get(key, (r[c["norm2_H0"]], 0.0))
        if norm2 < prev[0] or excess < prev[1] or (key[0] == "relu" and excess != 0.0):
            bad.append(r)
        last[key] = (norm2, excess)
    return bad


def test_rows_obey_the_nesting_invariants(reference):
    doc = json.loads(reference)
    assert nesting_violations(doc) == []
    # the tanh surplus does contribute (the invariant is not vacuous)
    c = doc["columns"].index("excess2_H")
    assert any(r[c] > 0 for r in doc["rows"] if r[0] == "tanh")
    # negative control: a row whose ||theta_H||^2 lost a surplus weight is caught
    n2 = doc["columns"].index("norm2_H")
    tampered = json.loads(reference)
    row = next(r for r in tampered["rows"] if r[0] == "tanh" and r[1] == CFG.hmax)
    row[n2] = row[doc["columns"].index("norm2_H0")] - 1e-3
    assert nesting_violations(tampered) == [row]


def _text_other_seed():
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        outcome = run_experiment(CFG.with_changes(seed=1), RunOptions(out=d, progress=False), bases=_bases())
        return results_json(document(outcome))


def test_workers_and_chunk_size_do_not_change_results(reference, tmp_path):
    assert _text(tmp_path / "w2", workers=2, chunk=7) == reference
    assert _text(tmp_path / "c1", workers=1, chunk=13) == reference


def test_resume_after_abort_equals_uninterrupted(reference, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(RunAborted):
        run_experiment(CFG, RunOptions(out=str(out), chunk=9, abort_after_chunks=3, progress=False), bases=_bases())
    done = sorted(p.name for p in (out / ".partial").glob("chunk_*.npz"))
    assert len(done) == 3 and not (out / "results.json").exists()
    # resume with another chunk size: only the missing trials are computed, each once
    outcome = run_experiment(CFG, RunOptions(out=str(out), chunk=11, resume=True, progress=False), bases=_bases())
    assert done == ["chunk_tanh_0_9.npz", "chunk_tanh_18_27.npz", "chunk_tanh_9_18.npz"]
    # tanh 27..60 in 3 chunks of <= 11, relu 0..60 in 6: nothing done twice
    assert outcome.timing["chunks_computed"] == 3 + 6
    assert results_json(document(outcome)) == reference


def test_resume_refuses_other_options(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(RunAborted):
        run_experiment(CFG, RunOptions(out=str(out), chunk=20, abort_after_chunks=1, progress=False), bases=_bases())
    with pytest.raises(InvalidInput, match="different options"):
        run_experiment(CFG.with_changes(seed=5), RunOptions(out=str(out), resume=True, progress=False), bases=_bases())


def test_finished_files_are_not_replaced_by_an_interrupted_run(tmp_path):
    out = tmp_path / "run"
    outcome = run_experiment(CFG, RunOptions(out=str(out), progress=False), bases=_bases())
    write_outputs(document(outcome), out, outcome.timing, figures=False, report=False)
    before = (out / "results.json").read_bytes()
    with pytest.raises(RunAborted):
        run_experiment(CFG.with_changes(seed=9), RunOptions(out=str(out), chunk=10, abort_after_chunks=1, progress=False, force=True),
                       bases=_bases())
    assert (out / "results.json").read_bytes() == before


def test_merged_shards_equal_the_unsharded_run(reference, tmp_path):
    docs = []
    for a in range(3):
        outcome = run_experiment(CFG, RunOptions(out=str(tmp_path / f"s{a}"), shard=(a, 3), chunk=8, progress=False),
                                 bases=_bases())
        doc = document(outcome)
        write_outputs(doc, tmp_path / f"s{a}")
        docs.append(json.loads((tmp_path / f"s{a}" / "results.json").read_text()) | {"_path": f"s{a}"})
    assert results_json(merge_documents(docs)) == reference
    with pytest.raises(InvalidInput):  # negative control: a missing shard is refused
        merge_documents(docs[:2])


def test_dask_local_cluster_gives_the_same_results(reference, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(host="127.0.0.1", processes=False, protocol="tcp", n_workers=1, threads_per_worker=2,
                                  dashboard_address=None) as cluster:
        assert _text(tmp_path / "dask", scheduler=cluster.scheduler_address, chunk=15) == reference


@settings(max_examples=40)
@given(done=st.lists(st.tuples(st.integers(0, 50), st.integers(1, 20)), max_size=5),
       lo=st.integers(0, 10), size=st.integers(0, 60), chunk=st.integers(1, 17))
def test_missing_ranges_cover_exactly_the_rest(done, lo, size, chunk):
    ranges = sorted((a, a + n) for a, n in done)
    hi = lo + size
    todo = missing_ranges(ranges, lo, hi, chunk)
    covered = np.zeros(hi + 80, dtype=int)
    for a, b in ranges:
        covered[a:b] = 1
    planned = np.zeros_like(covered)
    for a, b in todo:
        assert 0 < b - a <= chunk
        planned[a:b] += 1
    want = np.zeros_like(covered)
    want[lo:hi] = 1 - covered[lo:hi]
    assert np.array_equal(planned, want)
