"""The exit-code contract under hostile input (README "Commands"), checked by a seeded fuzzer.

``driver.py`` runs each case of ``generator.py`` in a forked child with a 20 s and 1 GiB limit and
checks: exit 0/1/2, exactly one stderr line on exit 2, no traceback, nothing left behind, every
written network readable. The default suite runs 300 cases (seed 0); ``-m slow`` runs 10,000
(seeds 1-4). Negative controls: the generator's ``valid`` cases must exit 0 (checked per case),
and a planted contract breach (a command that raises a bare exception) must be reported.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

DRIVER = Path(__file__).with_name("driver.py")
ROOT = Path(__file__).resolve().parents[2]


def _fuzz(tmp_path, *args, timeout=1800):
    out = tmp_path / "summary.json"
    proc = subprocess.run([sys.executable, str(DRIVER), "--quiet", "--json", str(out), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)
    assert out.exists(), proc.stderr[-2000:]
    return json.loads(out.read_text())


def _report(summary):
    return "\n".join(f"{f['argv']}: {'; '.join(f['violations'])}" for f in summary["failures"][:30])


def test_default_fuzz_has_no_contract_violation(tmp_path):
    summary = _fuzz(tmp_path, "--seed", "0", "--count", "300", "--workers", "2")
    assert summary["cases"] == 300
    assert len(summary["per_command"]) >= 10  # every command is exercised
    assert summary["violations"] == 0, _report(summary)


def test_negative_control_a_planted_traceback_is_reported(tmp_path):
    """A copy of the packages whose `info` raises a bare exception must produce violations."""
    import shutil

    src = tmp_path / "src"
    for pkg in ("theory", "numerics", "proofs_check"):
        shutil.copytree(ROOT / pkg, src / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    info = src / "proofs_check" / "commands" / "info.py"
    info.write_text(info.read_text().replace("def run(args) -> int:\n",
                                             "def run(args) -> int:\n    raise RuntimeError('planted')\n", 1))
    summary = _fuzz(tmp_path, "--seed", "0", "--count", "60", "--source", str(src))
    planted = [f for f in summary["failures"] if f["command"] == "info"]
    assert planted and all(any("traceback" in v for v in f["violations"]) for f in planted)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_slow_fuzz_2500_cases_per_seed(tmp_path, seed):
    summary = _fuzz(tmp_path, "--seed", str(seed), "--count", "2500", "--workers", "2", timeout=4 * 3600)
    assert summary["cases"] == 2500
    assert summary["violations"] == 0, _report(summary)
