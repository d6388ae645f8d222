"""`semiflat reproduce` is robust: a failing part is recorded and makes the command exit 1 at
the end, a crash in one part does not stop the others, an unbuilt part is "not available"."""

import argparse
import sys

import pytest

from proofs_check.commands import reproduce


def _fake_main(behaviour):
    calls = []

    def main(argv):
        calls.append(argv[0])
        what = behaviour.get(argv[0], 0)
        print(f"output of {argv[0]}")
        if what == "crash":
            raise RuntimeError(f"{argv[0]} exploded")
        if what == "unbuilt":
            print(f"semiflat: error: semiflat {argv[0]} is not built yet", file=sys.stderr)
            return 2
        return what

    return main, calls


@pytest.fixture
def built(monkeypatch):
    for name in ("check", "derive", "experiment"):
        monkeypatch.setattr(f"proofs_check.commands.{name}.HELP", f"{name} (built)")


def _run(tmp_path, monkeypatch, behaviour):
    main, calls = _fake_main(behaviour)
    monkeypatch.setattr("proofs_check.commands.cli.main", main)
    monkeypatch.setattr(reproduce, "check_part", lambda out, quick: None)  # the CLI path
    code = reproduce.run(argparse.Namespace(out=str(tmp_path), quick=True, workers=1, resume=False))
    return code, calls, (tmp_path / "report.md").read_text()


@pytest.mark.parametrize("behaviour,status,code", [
    ({}, "ok", 0),
    ({"check": 1}, "failed", 1),
    ({"check": "crash"}, "crashed", 1),
    ({"check": "unbuilt"}, "not available", 0),
    ({"check": 2}, "error", 1),
])
def test_part_status_and_exit_code(tmp_path, monkeypatch, built, behaviour, status, code):
    got, calls, text = _run(tmp_path, monkeypatch, behaviour)
    assert got == code
    assert calls == ["check", "derive", "experiment", "experiment"]  # every part ran (both protocols), whatever happened before
    row = next(line for line in text.splitlines() if line.startswith("| check |"))
    assert f"| {status} |" in row
    assert (tmp_path / "check.md").read_text() == "output of check\n"


def test_unbuilt_command_module_is_not_called(tmp_path, monkeypatch, built):
    monkeypatch.setattr("proofs_check.commands.derive.HELP", "derive (not built yet)")
    code, calls, text = _run(tmp_path, monkeypatch, {})
    assert code == 0 and calls == ["check", "experiment", "experiment"]
    assert "| derive |" in text and "not available" in text


class _Result:
    def __init__(self, passed):
        self.passed = passed

    def to_json(self):
        return {"passed": self.passed}


@pytest.mark.parametrize("flags,status", [((True, True), "ok"), ((True, False), "failed")])
def test_check_part_runs_the_checks_once_and_writes_both_files(tmp_path, monkeypatch, built, flags, status):
    calls = []
    monkeypatch.setattr("proofs_check.checks.check_all", lambda quick: calls.append(quick) or [_Result(f) for f in flags])
    monkeypatch.setattr("proofs_check.commands.check.render", lambda results: "TABLE")
    part = reproduce.check_part(tmp_path, quick=True)
    assert calls == [True] and part.status == status
    assert [r["passed"] for r in __import__("json").loads((tmp_path / "check.json").read_text())] == list(flags)
    assert (tmp_path / "check.md").read_text().startswith("TABLE")
