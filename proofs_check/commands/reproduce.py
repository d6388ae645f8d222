"""`semiflat reproduce`: the main job: theorem checks, symbolic derivations, Figure 2, one report.

Each part runs through the CLI in this process with its output redirected into files under
DIR. A part that fails (exit 1) or errs is recorded and makes the whole command exit 1 at the
end; a part that is not built yet (its command raises "not built yet") is recorded as
"not available"; the other parts still run.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from proofs_check.commands import options as opt
from numerics.io.atomic import write_atomic
from proofs_check.commands.options import check_output_folder
from theory import __version__

NAME = "reproduce"
HELP = "the main job: check + derive + experiment fig2 at the default size, one report.md"
EXAMPLE = "semiflat reproduce --out results/   (--quick: small sizes, about a minute)"


def configure(parser):
    """Add the options of ``semiflat reproduce`` to ``parser`` (docs/formats.md)."""
    parser.add_argument("--out", default="semiflat-results", help="output folder (default ./semiflat-results)")
    parser.add_argument("--quick", action="store_true", help="quick checks and a 100-trial Figure 2")

    parser.add_argument("--workers", type=opt.workers, default=min(2, os.cpu_count() or 1),
                        help="worker processes for the experiment (results do not depend on it)")
    parser.add_argument("--resume", action="store_true", help="resume an interrupted experiment in DIR/fig2")
    parser.add_argument("--force", action="store_true", help="discard an interrupted experiment in DIR/fig2")


@dataclass(frozen=True)
class PartOutcome:
    """One part's result: status is ok, failed, error, not available or crashed."""

    name: str
    command: str
    status: str
    exit_code: int | None
    seconds: float
    outputs: tuple[str, ...]
    message: str = ""


def run_part(name: str, argv: list[str], out: Path, stdout_file: str | None, outputs: tuple[str, ...],
             capture_stderr: bool = True, main=None) -> PartOutcome:
    """Run ``semiflat ARGV`` in-process; stdout goes to ``out/stdout_file``."""
    if main is None:
        # deferred: import cycle (proofs_check.commands.cli imports every command module)
        from proofs_check.commands.cli import main

    module = importlib.import_module(f"proofs_check.commands.{argv[0]}")
    if "not built yet" in getattr(module, "HELP", ""):
        return PartOutcome(name, "semiflat " + " ".join(argv), "not available", None, 0.0, outputs,
                           f"'semiflat {argv[0]}' is not built yet in this version")
    err = io.StringIO()
    sout = io.StringIO()
    t0 = time.perf_counter()
    code, crash = None, ""
    try:
        with contextlib.redirect_stdout(sout), contextlib.redirect_stderr(err if capture_stderr else _Tee(err)):
            code = int(main(argv) or 0)
    except (Exception, SystemExit) as exc:  # a crash in one part must not stop the others
        crash = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    seconds = time.perf_counter() - t0
    if stdout_file:
        write_atomic(out / stdout_file, sout.getvalue())
    message = " ".join(err.getvalue().split())[-400:]
    if crash:
        status, message = "crashed", crash
    elif code == 0:
        status = "ok"
    elif code == 2 and "not built yet" in (err.getvalue() + sout.getvalue()):
        status = "not available"
    elif code == 1:
        status = "failed"
    else:
        status = "error"
    return PartOutcome(name, "semiflat " + " ".join(argv), status, code, seconds, outputs, message)


def check_part(out: Path, quick: bool) -> PartOutcome | None:
    """The theorem checks through their Python API, run once, written as check.md and check.json.

    Returns None when the API is not there (the CLI path is used instead)."""
    try:
        # deferred: guarded; the except branch below handles its absence
        from proofs_check.checks import check_all
        from proofs_check.commands.check import HELP, render
    except (ImportError, AttributeError):
        return None
    if "not built yet" in HELP:
        return None

    command = "semiflat check" + (" --quick" if quick else "")
    t0 = time.perf_counter()
    try:
        results = check_all(quick=quick)
        passed = sum(bool(r.passed) for r in results)
        write_atomic(out / "check.md", render(results) + f"\n\n{passed}/{len(results)} checks passed\n")
        write_atomic(out / "check.json", json.dumps([r.to_json() for r in results], indent=2) + "\n")
    except Exception as exc:  # noqa: BLE001 (one part's crash must not stop the others)
        msg = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return PartOutcome("check", command, "crashed", None, time.perf_counter() - t0, ("check.md",), msg)
    ok = passed == len(results)
    return PartOutcome("check", command, "ok" if ok else "failed", 0 if ok else 1, time.perf_counter() - t0,
                       ("check.md", "check.json"), "" if ok else f"{len(results) - passed} check(s) failed")


class _Tee:
    """Copy of stderr into a buffer that still shows on the terminal (the progress bar)."""

    def __init__(self, buffer):
        self.buffer, self.stream = buffer, sys.stderr

    def write(self, text):
        """Write ``text`` to the buffer and to stderr."""
        self.buffer.write(text)
        return self.stream.write(text)

    def flush(self):
        """Flush stderr."""
        self.stream.flush()

    def isatty(self):
        """Whether stderr is a terminal (so the progress bar draws)."""
        return self.stream.isatty()


def run(args) -> int:
    """Run ``semiflat reproduce``: check, derive and the Figure-2 experiment (perturb and retrain
    protocols) into ``--out``, then write the summary report; return 1 if a part failed, else 0.
    """
    out = check_output_folder(args.out)
    out.mkdir(parents=True, exist_ok=True)
    quick = ["--quick"] if args.quick else []
    force = ["--force"] if getattr(args, "force", False) else []
    plan = [
        ("check", ["check", *quick], "check.md", ("check.md",), True),
        ("derive", ["derive", "--embedding", "all", "--out", str(out / "derive.md")], "derive.log", ("derive.md",), True),
        ("experiment", ["experiment", "fig2", "--out", str(out / "fig2"), "--workers", str(args.workers), "--strict",
                        *quick, *(["--resume"] if args.resume else []), *force], "experiment.log",
         ("fig2/report.md", "fig2/fig2a.png", "fig2/fig2b.png", "fig2/fig2c.png", "fig2/results.json",
          "fig2/results.csv"), False),
        ("experiment-retrain", ["experiment", "fig2", "--protocol", "retrain", "--out", str(out / "fig2-retrain"),
                                "--workers", str(args.workers), "--strict", *quick,
                                *(["--resume"] if args.resume else []), *force], "experiment-retrain.log",
         ("fig2-retrain/report.md", "fig2-retrain/fig2b.png", "fig2-retrain/results.json",
          "fig2-retrain/results.csv"), False),
    ]
    parts = []
    for name, argv, log, outputs, capture in plan:
        print(f"[{len(parts) + 1}/{len(plan)}] semiflat {' '.join(argv)}", flush=True)
        part = check_part(out, args.quick) if name == "check" else None
        parts.append(part or run_part(name, argv, out, log, outputs, capture_stderr=capture))
        print(f"      {parts[-1].status} ({parts[-1].seconds:.1f} s)", flush=True)
    both_protocols_figure(out)
    write_atomic(out / "report.md", report(parts, out, args.quick))
    for p in parts:
        print(f"  {p.name:<11} {p.status:<14} {p.seconds:7.1f} s   {p.message[:100]}")
    failed = [p for p in parts if p.status in ("failed", "error", "crashed")]
    print(f"wrote {out / 'report.md'}; " + ("all available parts passed" if not failed else
                                             f"{len(failed)} part(s) failed: {', '.join(p.name for p in failed)}"))
    return 1 if failed else 0


PROTOCOL_DIRS = (("perturb", "fig2"), ("retrain", "fig2-retrain"))


def _protocol_docs(out: Path) -> list[tuple[str, dict]]:
    docs = []
    for proto, d in PROTOCOL_DIRS:
        path = out / d / "results.json"
        if path.exists():
            docs.append((d, json.loads(path.read_text(encoding="utf-8"))))
    return docs


def both_protocols_figure(out: Path) -> bool:
    """DIR/fig2b.png: Figure 2(b) with the perturb and retrain protocols side by side, labelled."""
    docs = [doc for _, doc in _protocol_docs(out)]
    if not docs:
        return False
    # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
    from proofs_check.reports.fig2_figures import figure_2b

    figure_2b(docs, out / "fig2b.png")
    return True


def report(parts: list[PartOutcome], out: Path, quick: bool) -> str:
    """The Markdown summary of a reproduction: overall verdict and one table row per part."""
    L = [f"# semiflat {__version__}: reproduction of Fukumizu, Yamaguchi, Mototake, Tanaka (NeurIPS 2019)", ""]
    failed = [p for p in parts if p.status in ("failed", "error", "crashed")]
    missing = [p for p in parts if p.status == "not available"]
    verdict = "all parts passed" if not failed and not missing else (
        f"{len(failed)} part(s) failed" if failed else "passed, but some parts are not available in this build")
    L += [f"Mode: {'quick' if quick else 'default size'}. Overall: **{verdict}**.", "",
          "| part | command | status | exit | time (s) | outputs |", "|---|---|---|---|---|---|"]
    for p in parts:
        links = ", ".join(f"[{o}]({o})" for o in p.outputs if (out / o).exists()) or "none"
        L.append(f"| {p.name} | `{p.command}` | {p.status} | {p.exit_code if p.exit_code is not None else '-'} | "
                 f"{p.seconds:.1f} | {links} |")
    L += [""]
    for p in parts:
        if p.message and p.status != "ok":
            L += [f"- {p.name}: {p.message}"]
    L += ["", "## Figure 2", ""]
    docs = _protocol_docs(out)
    if docs:
        # deferred: loaded when the command runs, not by `semiflat --help` (which imports every command)
        from proofs_check.reports.fig2 import verdict

        for d, doc in docs:
            proto = doc["options"]["protocol"]
            L += [f"**Protocol {proto}** ({doc['options']['trials']} trials, H up to {doc['options']['hmax']}): "
                  f"paper's claim **{verdict(doc)}** ([{d}/report.md]({d}/report.md)).", ""]
            for c in doc["claims"].values():
                mark = ("pass" if c["passed"] else "FAIL") if c.get("kind", "tested") == "tested" else "by construction"
                L.append(f"- [{mark}] {c['statement']}")
            L.append("")
            L += [_headline(doc), ""]
        L += ["![Figure 2(b), both protocols](fig2b.png)", "", "![Figure 2(a)](fig2/fig2a.png)", ""]
        if (out / "fig2" / "fig2c.png").exists():
            L += ["![Figure 2(c): sensitivity](fig2/fig2c.png)", ""]
    else:
        L.append("not produced (see the table above)")
    L += ["## Theorem checks", ""]
    check = out / "check.md"
    if check.exists() and check.read_text(encoding="utf-8").strip():
        L += ["```", check.read_text(encoding="utf-8").rstrip()[-6000:], "```"]
    else:
        L.append("not produced (see the table above)")
    L += ["", "## Symbolic derivations", "",
          "[derive.md](derive.md)" if (out / "derive.md").exists() else "not produced (see the table above)", ""]
    return "\n".join(L)


def _headline(doc: dict) -> str:
    """Mean ratio at H = 10 and at the largest H, per activation."""
    parts = []
    for act, a in doc["activations"].items():
        s = a["summary"]
        if not s:
            continue
        pick = [r for r in s if r["H"] == 10][:1] + [s[-1]]
        parts.append(f"{act}: " + ", ".join(f"H = {r['H']}: {r['mean_ratio']:.4f} ± {r['se_ratio']:.4f} "
                                            f"(ratio of means {r['ratio_of_means']:.4f}, predicted "
                                            f"{r['predicted_ratio_of_means']:.4f})" for r in pick))
    return "Mean ratio G(N_H)/G(N_H0): " + "; ".join(parts) + "."
