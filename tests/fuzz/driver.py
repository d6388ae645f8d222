"""Run fuzz cases against the exit-code contract, each in a forked child with time and memory limits.

The driver imports semiflat once, builds the fixtures once, then forks one child per case: the
child enters a fresh folder holding the fixtures (damaged as the case says), sets
``RLIMIT_AS`` (the address space it inherited plus 1 GiB) and an alarm, sends stdout/stderr to
files and calls ``proofs_check.commands.cli.main(argv)``. The parent enforces the wall-clock limit (the
whole process group is killed at the limit) and checks the contract of the README:

- the exit code is 0, 1 or 2 (the valid negative-control cases must exit 0);
- exit 2: exactly one line on stderr, starting with ``semiflat: error:``;
- no ``Traceback`` on stderr, whatever the exit code;
- no file left behind: on exit 2 the folder is exactly as before; on any exit no temporary
  (``.*.part``, ``.lock``, staging folders) remains; every network file written loads again;
- under ``--time-limit`` seconds (default 20) and under ``--memory-limit`` MiB peak RSS (1024).

Usage: ``python tests/fuzz/driver.py --seed 0 --count 300 --workers 2 [--json FILE] [--source DIR]``.
``--source DIR`` puts another checkout of the packages first on ``sys.path`` (to measure the
contract violations of an older version with the same cases).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import resource
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPORARY = re.compile(r"(^\..*\.part$|^\.lock$|^\.merge-|^publish$|^\.fig2[ab]\..*\.png$|^\..*\.(png|json|md|csv)$)")


def _prepare_environment(source: str | None) -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    os.environ["MPLBACKEND"] = "Agg"
    os.environ.pop("SEMIFLAT_ABORT_AFTER_CHUNKS", None)
    if source:
        sys.path.insert(0, str(Path(source).resolve()))
    sys.path.insert(0, str(HERE))


def _preload() -> None:
    """Import what the commands import lazily, so each forked case starts fast."""
    import importlib

    from proofs_check.commands import cli
    cli.build_parser()
    for name in ("numerics.io.network_file", "numerics.training", "proofs_check.landscape.classify", "proofs_check.reports.fig2",
                 "proofs_check.reports.fig2_figures", "numerics.experiment.runner", "numerics.experiment.fitting",
                 "theory.symbolic", "proofs_check.checks", "matplotlib.pyplot", "numerics.teacher"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def _tree(folder: Path) -> dict[str, int]:
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            try:
                out[str(p.relative_to(folder))] = -1 if p.is_dir() else p.lstat().st_size
            except OSError:
                pass
    return out


def build_fixtures(root: Path) -> dict[str, bytes]:
    """Valid inputs every case starts from: networks, data, shard results, an interrupted run."""
    import numpy as np

    from numerics.dataset import Dataset
    from numerics.io.network_file import save_data, save_network
    from proofs_check.commands.cli import main
    from theory import Architecture, Params

    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    x = np.linspace(-1, 1, 6).reshape(-1, 1)
    y = np.tanh(x) * 0.5
    for name, widths, act in (("net.json", (1, 2, 1), "tanh"), ("relu.json", (1, 2, 1), "relu"),
                              ("deep.json", (1, 2, 2, 1), "sigmoid")):
        arch = Architecture(widths, act)
        save_network(root / name, arch, Params.from_vector(arch, rng.normal(size=arch.n_params)), dps=30,
                     data=Dataset(x, y))
    save_data(root / "data.csv", Dataset(x, y))
    arch = Architecture((1, 2, 1), "tanh")
    np.savez(root / "net.npz", W0=rng.normal(size=(2, 1)), b0=rng.normal(size=2), W1=rng.normal(size=(1, 2)),
             b1=rng.normal(size=1))
    save_data(root / "data.json", Dataset(x, y), fmt="json")
    (root / "adir").mkdir()
    quiet = ["--no-figures", "--no-progress", "--trials", "4", "--hmax", "7", "--activations", "relu"]
    cwd = os.getcwd()
    os.chdir(root)
    try:
        devnull = open(os.devnull, "w")
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = devnull
        try:
            for a in range(2):
                main(["experiment", "fig2", *quiet, "--shard", f"{a}:2", "--out", f"s{a}"])
            os.environ["SEMIFLAT_ABORT_AFTER_CHUNKS"] = "1"
            main(["experiment", "fig2", *quiet, "--chunk", "1", "--out", "run"])
            os.environ.pop("SEMIFLAT_ABORT_AFTER_CHUNKS", None)
            main(["classify", "relu.json", "--certify", "--certificate", "cert.json"])
        finally:
            os.environ.pop("SEMIFLAT_ABORT_AFTER_CHUNKS", None)
            sys.stdout, sys.stderr = saved
            devnull.close()
    finally:
        os.chdir(cwd)
    fixtures = {}
    for rel, size in _tree(root).items():
        if size >= 0:
            fixtures[rel] = (root / rel).read_bytes()
    return fixtures


def _materialize(folder: Path, fixtures: dict[str, bytes], overrides: dict) -> None:
    for rel, data in fixtures.items():
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    (folder / "adir").mkdir(exist_ok=True)
    os.mkfifo(folder / "fifo")
    for rel, data in overrides.items():
        p = folder / rel
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        elif p.exists() or p.is_symlink():
            p.unlink()
        if data is None:
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        if data == "fifo":
            os.mkfifo(p)
        else:
            p.write_bytes(data)


def _child(argv, folder: Path, time_limit: float, memory_mib: int) -> None:
    """In the forked child: limits, redirection, run; never returns."""
    code = 97
    try:
        os.setpgid(0, 0)
        os.chdir(folder)
        vm = int(next(l for l in open("/proc/self/status") if l.startswith("VmSize")).split()[1]) * 1024
        cap = vm + memory_mib * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        signal.alarm(int(time_limit) + 5)
        out = os.open(folder / ".fuzz_stdout", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        err = os.open(folder / ".fuzz_stderr", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(out, 1)
        os.dup2(err, 2)
        from proofs_check.commands.cli import main

        code = main(list(argv))
        code = code if isinstance(code, int) and 0 <= code < 256 else 96
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 95
    except BaseException:  # the contract violation we are looking for: print it like Python would
        import traceback

        traceback.print_exc()
        code = 99
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _check(case, code, seconds, rss_mib, timed_out, folder: Path, before: dict, limits) -> list[str]:
    err = (folder / ".fuzz_stderr").read_text(errors="replace") if (folder / ".fuzz_stderr").exists() else ""
    problems = []
    if timed_out:
        problems.append(f"timeout: still running after {limits.time_limit:.0f} s")
    elif code not in (0, 1, 2):
        problems.append(f"exit code {code}")
    if case.expect_success and code != 0:
        problems.append(f"valid case exited {code}")
    if "Traceback" in err:
        problems.append("traceback: " + err.strip().splitlines()[-1][:200])
    lines = [line for line in err.splitlines() if line.strip()]
    if code == 2 and not timed_out:
        if len(lines) != 1 or not lines[0].startswith("semiflat: error:"):
            problems.append(f"exit 2 with {len(lines)} stderr line(s): {err.strip()[:200]!r}")
    if rss_mib > limits.memory_mib:
        problems.append(f"memory: peak RSS {rss_mib:.0f} MiB")
    after = {k: v for k, v in _tree(folder).items() if not k.startswith(".fuzz_")}
    if code == 2 and not timed_out and after != before:
        added = sorted(set(after) - set(before))
        changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
        removed = sorted(set(before) - set(after))
        problems.append(f"files changed on exit 2: added {added[:5]}, changed {changed[:5]}, removed {removed[:5]}")
    stray = [k for k in set(after) - set(before) if TEMPORARY.match(Path(k).name)]
    if stray and not timed_out:
        problems.append(f"temporary files left: {sorted(stray)[:5]}")
    if code == 0 and not timed_out:
        problems += _check_written_networks(folder, set(after) - set(before))
    return problems


def _check_written_networks(folder: Path, new: set[str]) -> list[str]:
    """Every network file a successful command wrote must load again (no "nan" weights)."""
    from numerics.io.network_file import load_network
    from theory.errors import SemiflatError

    out = []
    for rel in sorted(new):
        p = folder / rel
        if p.suffix != ".json" or not p.is_file() or p.stat().st_size > 2**24:
            continue
        try:
            head = p.read_text(errors="replace")[:200]
        except OSError:
            continue
        if "semiflat.network/1" not in head:
            continue
        try:
            load_network(p)
        except SemiflatError as exc:
            out.append(f"wrote {rel}, which semiflat refuses to read: {str(exc)[:150]}")
    return out


def run_cases(cases, fixtures, limits, workers: int = 2, progress=None):
    """Run ``cases`` (forking up to ``workers`` children at a time); return one record per case."""
    from generator import resolve_files

    scratch = Path(tempfile.mkdtemp(prefix="semiflat-fuzz-"))
    running, records, queue = {}, [], list(cases)
    try:
        while queue or running:
            while queue and len(running) < workers:
                case = queue.pop(0)
                folder = scratch / f"case{case.index}"
                folder.mkdir()
                _materialize(folder, fixtures, resolve_files(case, fixtures))
                before = _tree(folder)
                pid = os.fork()
                if pid == 0:
                    _child(case.argv, folder, limits.time_limit, limits.memory_mib)
                running[pid] = (case, folder, before, time.monotonic())
            finished = []
            for pid, (case, folder, before, t0) in running.items():
                got, status, usage = os.wait4(pid, os.WNOHANG)
                elapsed = time.monotonic() - t0
                timed_out = False
                if got == 0:
                    if elapsed < limits.time_limit:
                        continue
                    try:
                        os.killpg(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    got, status, usage = os.wait4(pid, 0)
                    timed_out = True
                code = os.waitstatus_to_exitcode(status)
                rss = usage.ru_maxrss / 1024
                try:  # grandchildren (worker pools) of a finished case
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                problems = _check(case, code, elapsed, rss, timed_out, folder, before, limits)
                records.append({"index": case.index, "command": case.command, "kind": case.kind,
                                "argv": case.describe(), "exit": code, "seconds": round(elapsed, 3),
                                "rss_mib": round(rss, 1), "violations": problems})
                shutil.rmtree(folder, ignore_errors=True)
                finished.append(pid)
                if progress:
                    progress(len(records))
            for pid in finished:
                del running[pid]
            if running and not finished:
                time.sleep(0.01)
    finally:
        for pid in running:
            try:
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        shutil.rmtree(scratch, ignore_errors=True)
    return sorted(records, key=lambda r: r["index"])


def summarize(records: list[dict], seconds: float) -> dict:
    per = collections.OrderedDict()
    for r in records:
        s = per.setdefault(r["command"], {"cases": 0, "violations": 0, "exits": collections.Counter()})
        s["cases"] += 1
        s["violations"] += bool(r["violations"])
        s["exits"][str(r["exit"])] += 1
    return {"cases": len(records), "violations": sum(bool(r["violations"]) for r in records),
            "seconds": round(seconds, 1), "max_case_seconds": max((r["seconds"] for r in records), default=0),
            "max_rss_mib": max((r["rss_mib"] for r in records), default=0),
            "per_command": {k: {**v, "exits": dict(v["exits"])} for k, v in sorted(per.items())},
            "slowest": [{"argv": r["argv"], "seconds": r["seconds"]}
                        for r in sorted(records, key=lambda r: -r["seconds"])[:10]],
            "failures": [r for r in records if r["violations"]]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--memory-limit", dest="memory_mib", type=int, default=1024)
    parser.add_argument("--json", default=None, help="write the summary here")
    parser.add_argument("--source", default=None, help="another checkout to test (put first on sys.path)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    _prepare_environment(args.source)
    from generator import make_case

    _preload()
    t0 = time.monotonic()
    fixture_root = Path(tempfile.mkdtemp(prefix="semiflat-fuzz-fixtures-"))
    try:
        fixtures = build_fixtures(fixture_root / "f")
    finally:
        shutil.rmtree(fixture_root, ignore_errors=True)
    cases = [make_case(args.seed, i) for i in range(args.start, args.start + args.count)]

    def progress(done):
        if not args.quiet and (done % 100 == 0 or done == len(cases)):
            print(f"fuzz: {done}/{len(cases)} cases, {time.monotonic() - t0:.0f} s", file=sys.stderr, flush=True)

    records = run_cases(cases, fixtures, args, args.workers, progress)
    summary = summarize(records, time.monotonic() - t0)
    text = json.dumps(summary, indent=1)
    if args.json:
        Path(args.json).write_text(text + "\n")
    if not args.quiet:
        for f in summary["failures"][:50]:
            print(f"VIOLATION {f['argv']}: {'; '.join(f['violations'])}", file=sys.stderr)
        print(json.dumps({k: v for k, v in summary.items() if k != "failures"}, indent=1))
    return 0 if not summary["violations"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
