"""Benchmark tables: every figure is a ratio against a named baseline measured in the same run."""

from __future__ import annotations

from dataclasses import dataclass, field


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
