"""State of a Figure-2 output folder across runs: one run at a time (a lock naming the holder's
pid, taken over from a dead holder), an interrupted run's progress is never discarded silently,
--resume names the option that differs, damaged partial state is refused in one line, and no
final name appears before the whole set of outputs is written.

Training is replaced by hand-built networks (as in test_fig2_cli) so each run takes a second."""

import os
import subprocess
import sys

import pytest

from numerics.experiment import fitting
from proofs_check.commands.cli import main
from tests.proofs_check.test_fig2_cli import ARGS, _fake_fit


@pytest.fixture(autouse=True)
def fake_training(monkeypatch):
    monkeypatch.setattr(fitting, "fit_base", _fake_fit)


def _run(out, *extra):
    return main([*ARGS, "--out", str(out), *extra])


def _holder(folder):
    """A separate process that holds the lock of ``folder`` until killed."""
    code = ("import sys, time; from numerics.experiment.store import OutputLock; "
            f"OutputLock({str(folder)!r}).acquire(); print('held', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_second_run_on_a_locked_folder_exits_2_naming_the_pid(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    proc = _holder(out)
    try:
        assert _run(out) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and f"is in use by pid {proc.pid}" in err[0]
        assert sorted(p.name for p in out.iterdir()) == [".lock"]  # the holder's, untouched
    finally:
        proc.kill()
        proc.wait()
    # Negative control: the holder is dead (SIGKILL left its .lock behind): the run proceeds.
    assert (out / ".lock").exists()
    assert _run(out) == 0
    assert not (out / ".lock").exists() and (out / "results.json").exists()


def test_stale_lock_with_a_dead_pid_is_taken_over(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (out / ".lock").write_text(f"{dead.pid}\n")
    assert _run(out) == 0


def test_interrupted_run_is_kept_unless_forced(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    monkeypatch.setenv("SEMIFLAT_ABORT_AFTER_CHUNKS", "2")
    assert _run(out) == 130
    monkeypatch.delenv("SEMIFLAT_ABORT_AFTER_CHUNKS")
    chunks = sorted(p.name for p in (out / ".partial").glob("chunk_*"))
    assert len(chunks) == 2 and not (out / "results.json").exists() and not (out / ".lock").exists()
    capsys.readouterr()
    assert _run(out) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--resume" in err[0] and "--force" in err[0]
    assert sorted(p.name for p in (out / ".partial").glob("chunk_*")) == chunks
    assert _run(out, "--resume", "--seed", "4") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--seed 0 then, now 4" in err[0]
    assert _run(out, "--force") == 0
    assert not (out / ".partial").exists()


@pytest.mark.parametrize("content", [b"\xff\xfe not utf-8", b"{broken", b"[1, 2]"])
def test_damaged_run_json_is_refused_in_one_line(tmp_path, capsys, monkeypatch, content):
    out = tmp_path / "run"
    monkeypatch.setenv("SEMIFLAT_ABORT_AFTER_CHUNKS", "1")
    assert _run(out) == 130
    monkeypatch.delenv("SEMIFLAT_ABORT_AFTER_CHUNKS")
    (out / ".partial" / "run.json").write_bytes(content)
    capsys.readouterr()
    assert _run(out, "--resume") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "damaged" in err[0]


def test_no_final_name_before_every_output_is_written(tmp_path, monkeypatch):
    """A failure while writing the last output leaves no results.* under the final names."""
    from proofs_check.reports import fig2 as fig2_report
    real = fig2_report.report_markdown

    def broken(*a, **k):
        raise KeyboardInterrupt("killed while writing the report")

    monkeypatch.setattr(fig2_report, "report_markdown", broken)
    out = tmp_path / "run"
    assert _run(out) == 130
    names = sorted(p.name for p in out.iterdir())
    assert names == [".partial"], names  # resumable state only; no results.*, no temporaries
    monkeypatch.setattr(fig2_report, "report_markdown", real)
    assert _run(out, "--resume") == 0
    assert sorted(p.name for p in out.iterdir()) == ["report.md", "results.csv", "results.json", "timing.json",
                                                     "trained_relu.json", "trained_tanh.json"]


def test_empty_shard_and_bad_scheduler_are_usage_errors(tmp_path, capsys):
    out = tmp_path / "run"
    for extra in (["--shard", "0:30"], ["--shard", "2:2"], ["--scheduler", "garbage"], ["--shard", ""]):
        assert _run(out, *extra) == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
        assert not out.exists()
