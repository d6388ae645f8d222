"""Benchmark rows and tables: every figure against a named baseline measured in the same run.

A :class:`BenchRow` is one measurement (``docs/formats.md`` "Benchmark output"): our figure with its
unit, the baseline's name and figure in the same unit, their ratio ``figure / baseline_figure``
(below 1: ours is faster), a target (an upper bound on the figure, in the same unit) with where it
comes from, whether it is met, and the peak memory of the process while the row was measured. A
:class:`RowTable` groups rows under a title with notes; it renders as plain text (through the
generic :class:`BenchTable` of formatted cells) and as JSON records, both from the same row objects.
"""

from __future__ import annotations

import contextlib
import math
import os
import platform
import re
import resource
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata

TARGET_KINDS = ("goal", "today")
"""``goal``: a target the project set for this row; ``today``: the figure of the last recorded
quiet-machine run, which must not get worse (both at full size; ``--quick`` rows have no target)."""

MEMORY_LIMIT_MIB = 4096
"""Every bench row must stay below this peak memory (4 GB)."""


@dataclass(frozen=True)
class BenchRow:
    """One measurement: ours against a baseline, with its target and peak memory.

    Arguments:
        name: what was measured (a sentence fragment, unique within its table).
        figure: our figure, in ``unit`` (seconds unless the unit says otherwise).
        unit: ``"s"`` or a per-item unit such as ``"s per set"``.
        baseline: the baseline's name (what it computes and how it is measured or estimated).
        baseline_figure: the baseline's figure, in ``unit``.
        target: an upper bound on ``figure`` (same unit), or None.
        target_kind: one of :data:`TARGET_KINDS` when ``target`` is given.
        detail: the outcome behind the figure (success rate, verdicts, counts).
        peak_mib: peak resident memory while the row ran (see :func:`peak_memory`).
    """

    name: str
    figure: float
    unit: str
    baseline: str
    baseline_figure: float
    target: float | None = None
    target_kind: str | None = None
    detail: str = ""
    peak_mib: float | None = None

    def __post_init__(self):
        if (self.target is None) != (self.target_kind is None):
            raise ValueError(f"row {self.name!r}: give target and target_kind together")
        if self.target_kind is not None and self.target_kind not in TARGET_KINDS:
            raise ValueError(f"row {self.name!r}: target_kind must be one of {TARGET_KINDS}")

    @property
    def ratio(self) -> float:
        """``figure / baseline_figure`` (below 1: ours is faster than the baseline)."""
        return self.figure / self.baseline_figure if self.baseline_figure else float("inf")

    @property
    def met(self) -> bool | None:
        """``figure <= target``; None without a target."""
        return None if self.target is None else bool(self.figure <= self.target)

    def record(self) -> dict:
        """The row as a JSON-ready dict (keys of ``docs/formats.md`` "Benchmark output"; a
        non-finite number becomes None)."""
        number = lambda v: None if v is None or not math.isfinite(v) else float(v)
        return {
            "name": self.name, "figure": number(self.figure), "unit": self.unit, "baseline": self.baseline,
            "baseline_figure": number(self.baseline_figure), "ratio": number(self.ratio),
            "target": number(self.target), "target_kind": self.target_kind, "met": self.met,
            "peak_mib": number(self.peak_mib), "detail": self.detail,
        }


@dataclass(frozen=True)
class BenchTable:
    """A titled table of rows (each a tuple of cells, already formatted) with notes below it."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def render(self) -> str:
        """The table as aligned plain text: title, underline, columns, rows, then the notes."""
        widths = [len(c) for c in self.columns]
        for row in self.rows:
            widths = [max(w, len(str(cell))) for w, cell in zip(widths, row)]
        line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
        out = [self.title, "=" * len(self.title), line(self.columns), line(["-" * w for w in widths])]
        out += [line(r) for r in self.rows]
        out += [f"  {n}" for n in self.notes]
        return "\n".join(out)


@dataclass(frozen=True)
class RowTable:
    """A titled group of :class:`BenchRow` with notes below it (what bench sections return)."""

    title: str
    rows: tuple[BenchRow, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    COLUMNS = ("run", "ours", "baseline", "baseline figure", "ratio", "target", "met", "peak MiB", "detail")

    @staticmethod
    def cells(row: BenchRow) -> tuple[str, ...]:
        """The text cells of one row (the figures of :meth:`BenchRow.record`, formatted)."""
        target = "-" if row.target is None else f"<= {quantity(row.target, row.unit)} ({row.target_kind})"
        met = {None: "-", True: "yes", False: "NO"}[row.met]
        peak = "-" if row.peak_mib is None else f"{row.peak_mib:.0f}"
        return (row.name, quantity(row.figure, row.unit), row.baseline, quantity(row.baseline_figure, row.unit),
                f"{row.ratio:.3g}", target, met, peak, row.detail)

    def render(self) -> str:
        """The table as aligned plain text (:class:`BenchTable` of :meth:`cells`)."""
        return BenchTable(self.title, self.COLUMNS, tuple(self.cells(r) for r in self.rows), self.notes).render()


def quantity(value: float, unit: str) -> str:
    """A figure in seconds (``unit`` ``"s"`` or ``"s per ..."``) with a readable prefix, three digits.

    >>> quantity(0.00123, "s per set"), quantity(4.2, "s"), quantity(2e-6, "s")
    ('1.23 ms per set', '4.2 s', '2 us')
    """
    if not unit.startswith("s"):
        return f"{value:.3g} {unit}"
    rest = unit[1:]
    for scale, prefix in ((1.0, ""), (1e-3, "m"), (1e-6, "u")):
        if abs(value) >= scale or scale == 1e-6:
            return f"{value / scale:.3g} {prefix}s{rest}"
    raise AssertionError("unreachable")


@contextlib.contextmanager
def peak_memory():
    """Measure the peak resident memory (MiB) of this process over the ``with`` block.

    Yields a dict whose ``"mib"`` is set on exit. On Linux the kernel's high-water mark is reset
    first (``/proc/self/clear_refs``) and read from ``/proc/self/status`` (``VmHWM``), so the figure
    belongs to the block; elsewhere it is ``getrusage`` ``ru_maxrss``, the peak of the whole process
    so far (an upper bound). ``"method"`` says which.
    """
    out = {"mib": None, "method": _RUSAGE}
    reset = _reset_peak()
    try:
        yield out
    finally:
        hwm = _vm_hwm_mib() if reset else None
        if hwm is not None:
            out["mib"], out["method"] = hwm, _HWM
        else:
            out["mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_HWM = "VmHWM of this process after resetting it at the start of the row (Linux /proc/self/clear_refs)"
_RUSAGE = "getrusage ru_maxrss: the peak of this process since it started (an upper bound)"


def memory_method() -> str:
    """How :func:`peak_memory` measures on this machine (a sentence for reports)."""
    return _HWM if _reset_peak() and _vm_hwm_mib() is not None else _RUSAGE


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _vm_hwm_mib() -> float | None:
    try:
        with open("/proc/self/status") as f:
            found = re.search(r"^VmHWM:\s+(\d+) kB", f.read(), re.M)
    except OSError:
        return None
    return int(found.group(1)) / 1024 if found else None


def measured(fn):
    """``(seconds, result)`` of ``fn()`` (wall clock, ``time.perf_counter``)."""
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def machine() -> dict:
    """Cores, BLAS threads, Python and the versions of the packages the figures depend on."""
    versions = {}
    for name in ("semiflat", "numpy", "mpmath", "gmpy2", "python-flint", "sympy"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cores": os.cpu_count(), "cores_available": affinity,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "python": platform.python_version(), "implementation": platform.python_implementation(),
        "platform": platform.platform(), "machine": platform.machine(), "packages": versions,
    }


def run_child(argv: list[str]) -> tuple[float, int, str, float]:
    """Run ``argv`` to its end: ``(seconds, exit code, stderr, peak MiB)``, where the peak is the
    child's ``ru_maxrss`` from ``wait4`` (the largest of the child and the processes it waited for,
    not their sum). Standard output is discarded."""
    with tempfile.TemporaryFile("w+") as err:
        t = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return seconds, proc.returncode, err.read(), usage.ru_maxrss / 1024
