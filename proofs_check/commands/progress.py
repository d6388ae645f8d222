"""A small progress bar on stderr (silent when stderr is not a terminal unless forced)."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """``bar(done, total, label)`` redraws one line: label, bar, counts, rate and ETA.

    Calls with ``total == 0`` show the label only (a phase without a count, e.g. training).
    Redraws at most every ``interval`` seconds except for the final one.
    """

    def __init__(self, stream=None, width: int = 30, interval: float = 0.1, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        self.width = width
        self.interval = interval
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._start = None
        self._last = 0.0
        self._label = None
        self._drawn = False

    def __call__(self, done: int, total: int, label: str = "") -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if label != self._label:
            self._label, self._start = label, now
            self._first_done = done
        if total and done < total and now - self._last < self.interval:
            return
        self._last = now
        if not total:
            line = f"{label} ..."
        else:
            frac = done / total
            fill = int(round(frac * self.width))
            rate = (done - self._first_done) / max(now - self._start, 1e-9)
            eta = (total - done) / rate if rate > 0 else float("inf")
            eta_s = f"{eta:5.0f}s" if eta != float("inf") else "    ?s"
            line = f"{label} [{'#' * fill}{'.' * (self.width - fill)}] {done}/{total} {rate:7.0f}/s eta {eta_s}"
        self.stream.write("\r" + line.ljust(78)[:120])
        self._drawn = True
        if total and done >= total:
            self.stream.write("\n")
            self._drawn = False
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line on the stream if it was drawn (a no-op otherwise)."""
        if self.enabled and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
